CREATE TABLE `owner_counts` (
	`owner` text PRIMARY KEY NOT NULL,
	`things` integer DEFAULT 0 NOT NULL,
	`channels` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
-- Kept by triggers so every writer (bulk create, bootstrap, provision, direct SQL) keeps it exact.
-- An owner never changes on UPDATE, so inserts and deletes are all that move a count.
CREATE TRIGGER `things_count_insert` AFTER INSERT ON `things` BEGIN
	INSERT INTO `owner_counts` (`owner`, `things`, `channels`) VALUES (NEW.`owner`, 1, 0)
	ON CONFLICT(`owner`) DO UPDATE SET `things` = `things` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `things_count_delete` AFTER DELETE ON `things` BEGIN
	UPDATE `owner_counts` SET `things` = `things` - 1 WHERE `owner` = OLD.`owner`;
END;
--> statement-breakpoint
CREATE TRIGGER `channels_count_insert` AFTER INSERT ON `channels` BEGIN
	INSERT INTO `owner_counts` (`owner`, `things`, `channels`) VALUES (NEW.`owner`, 0, 1)
	ON CONFLICT(`owner`) DO UPDATE SET `channels` = `channels` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `channels_count_delete` AFTER DELETE ON `channels` BEGIN
	UPDATE `owner_counts` SET `channels` = `channels` - 1 WHERE `owner` = OLD.`owner`;
END;
--> statement-breakpoint
INSERT INTO `owner_counts` (`owner`, `things`, `channels`)
SELECT `owner`, SUM(`t`), SUM(`c`) FROM (
	SELECT `owner`, 1 AS `t`, 0 AS `c` FROM `things`
	UNION ALL
	SELECT `owner`, 0, 1 FROM `channels`
) GROUP BY `owner`;
