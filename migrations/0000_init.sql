CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`subject` text NOT NULL,
	`type` integer NOT NULL,
	`secret_hash` text NOT NULL,
	`issued_at` integer NOT NULL,
	`expires_at` integer,
	FOREIGN KEY (`owner`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `api_keys_owner_issued_idx` ON `api_keys` (`owner`,`issued_at`);--> statement-breakpoint
CREATE TABLE `bootstrap_channels` (
	`config_id` text NOT NULL,
	`channel_id` text NOT NULL,
	PRIMARY KEY(`config_id`, `channel_id`),
	FOREIGN KEY (`config_id`) REFERENCES `bootstrap_configs`(`thing_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`channel_id`) REFERENCES `channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `bootstrap_channels_channel_idx` ON `bootstrap_channels` (`channel_id`);--> statement-breakpoint
CREATE TABLE `bootstrap_configs` (
	`thing_id` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`name` text,
	`external_id` text NOT NULL,
	`external_key_hash` text NOT NULL,
	`content` text,
	`client_cert` text,
	`client_key` text,
	`ca_cert` text,
	`state` integer DEFAULT 0 NOT NULL,
	`last_bootstrap_at` integer,
	`last_failure_at` integer,
	`last_failure` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`thing_id`) REFERENCES `things`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bootstrap_configs_external_id_uq` ON `bootstrap_configs` (`external_id`);--> statement-breakpoint
CREATE INDEX `bootstrap_configs_owner_idx` ON `bootstrap_configs` (`owner`,`thing_id`);--> statement-breakpoint
CREATE TABLE `certs` (
	`serial` text PRIMARY KEY NOT NULL,
	`thing_id` text NOT NULL,
	`owner` text NOT NULL,
	`key_type` text NOT NULL,
	`key_bits` integer NOT NULL,
	`issued_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE INDEX `certs_owner_thing_expires_idx` ON `certs` (`owner`,`thing_id`,`expires_at`);--> statement-breakpoint
CREATE INDEX `certs_thing_idx` ON `certs` (`thing_id`);--> statement-breakpoint
CREATE INDEX `certs_revoked_idx` ON `certs` (`revoked_at`,`expires_at`) WHERE "certs"."revoked_at" IS NOT NULL;--> statement-breakpoint
CREATE TABLE `channels` (
	`id` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`metadata` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `channels_id_owner_uq` ON `channels` (`id`,`owner`);--> statement-breakpoint
CREATE INDEX `channels_owner_id_idx` ON `channels` (`owner`,`id`);--> statement-breakpoint
CREATE INDEX `channels_owner_name_idx` ON `channels` (`owner`,`name`,`id`);--> statement-breakpoint
CREATE TABLE `connections` (
	`channel_id` text NOT NULL,
	`thing_id` text NOT NULL,
	`owner` text NOT NULL,
	PRIMARY KEY(`channel_id`, `thing_id`),
	FOREIGN KEY (`channel_id`,`owner`) REFERENCES `channels`(`id`,`owner`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`thing_id`,`owner`) REFERENCES `things`(`id`,`owner`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `connections_thing_channel_idx` ON `connections` (`thing_id`,`channel_id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`owner` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer NOT NULL,
	`response` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`owner`, `key`)
);
--> statement-breakpoint
CREATE TABLE `things` (
	`id` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`key` text NOT NULL,
	`metadata` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `things_key_uq` ON `things` (`key`);--> statement-breakpoint
CREATE UNIQUE INDEX `things_id_owner_uq` ON `things` (`id`,`owner`);--> statement-breakpoint
CREATE INDEX `things_owner_id_idx` ON `things` (`owner`,`id`);--> statement-breakpoint
CREATE INDEX `things_owner_name_idx` ON `things` (`owner`,`name`,`id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`password_hash` text NOT NULL,
	`metadata` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);