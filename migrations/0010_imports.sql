CREATE TABLE `imports` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`status` text NOT NULL,
	`dry_run` integer DEFAULT false NOT NULL,
	`on_error` text DEFAULT 'fail' NOT NULL,
	`blob_key` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`rows_total` integer DEFAULT 0 NOT NULL,
	`rows_processed` integer DEFAULT 0 NOT NULL,
	`items_created` integer DEFAULT 0 NOT NULL,
	`items_updated` integer DEFAULT 0 NOT NULL,
	`items_unchanged` integer DEFAULT 0 NOT NULL,
	`quantity_changes` integer DEFAULT 0 NOT NULL,
	`errors_count` integer DEFAULT 0 NOT NULL,
	`errors` text NOT NULL,
	`cursor` integer DEFAULT 0 NOT NULL,
	`cursor_row` integer DEFAULT 1 NOT NULL,
	`user_id` text,
	`api_key_id` text,
	`request_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`completed_at` text,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `imports_company` ON `imports` (`company_id`,`created_at`,`id`);