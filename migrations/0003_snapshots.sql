CREATE TABLE `snapshot_restores` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`snapshot_id` text NOT NULL,
	`pre_restore_snapshot_id` text,
	`status` text NOT NULL,
	`user_id` text,
	`api_key_id` text,
	`request_id` text,
	`phase` text DEFAULT 'trash' NOT NULL,
	`cursor` integer DEFAULT 0 NOT NULL,
	`dry_run` integer DEFAULT false NOT NULL,
	`items_processed` integer DEFAULT 0 NOT NULL,
	`items_total` integer DEFAULT 0 NOT NULL,
	`items_updated` integer DEFAULT 0 NOT NULL,
	`items_restored` integer DEFAULT 0 NOT NULL,
	`items_created` integer DEFAULT 0 NOT NULL,
	`items_trashed` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`completed_at` text,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `snapshot_restores_company` ON `snapshot_restores` (`company_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `snapshots` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`item_count` integer,
	`size_bytes` integer,
	`sha256` text,
	`note` text,
	`created_by` text,
	`blob_key` text NOT NULL,
	`error` text,
	`created_at` text NOT NULL,
	`completed_at` text,
	`expires_at` text NOT NULL,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `snapshots_company` ON `snapshots` (`company_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `snapshots_company_type` ON `snapshots` (`company_id`,`type`,`created_at`);--> statement-breakpoint
CREATE INDEX `snapshots_expires` ON `snapshots` (`expires_at`);--> statement-breakpoint
CREATE INDEX `items_company_seq` ON `items` (`company_id`,`seq`);