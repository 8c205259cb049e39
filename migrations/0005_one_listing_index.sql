-- One index per owned table serves both the owner's id-ordered listing and the composite foreign
-- keys of connections (SQLite accepts a unique index on the same columns in any order as a parent
-- key), so every insert maintains one index fewer. The new one is built before the old go.
CREATE UNIQUE INDEX `channels_owner_id_uq` ON `channels` (`owner`,`id`);--> statement-breakpoint
DROP INDEX `channels_id_owner_uq`;--> statement-breakpoint
DROP INDEX `channels_owner_id_idx`;--> statement-breakpoint
CREATE UNIQUE INDEX `things_owner_id_uq` ON `things` (`owner`,`id`);--> statement-breakpoint
DROP INDEX `things_id_owner_uq`;--> statement-breakpoint
DROP INDEX `things_owner_id_idx`;
