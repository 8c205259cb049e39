CREATE TABLE `revoked_sessions` (
	`sid` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`owner`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `revoked_sessions_owner_expires_idx` ON `revoked_sessions` (`owner`,`expires_at`);--> statement-breakpoint
ALTER TABLE `users` ADD `session_gen` integer DEFAULT 0 NOT NULL;