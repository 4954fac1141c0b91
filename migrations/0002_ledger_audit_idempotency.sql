CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`company_id` text NOT NULL,
	`action` text NOT NULL,
	`resource_type` text NOT NULL,
	`resource_id` text NOT NULL,
	`item_id` text,
	`user_id` text,
	`api_key_id` text,
	`changes` text NOT NULL,
	`transaction_id` text,
	`request_id` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_log_id_unique` ON `audit_log` (`id`);--> statement-breakpoint
CREATE INDEX `audit_log_company` ON `audit_log` (`company_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_action` ON `audit_log` (`company_id`,`action`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_item` ON `audit_log` (`company_id`,`item_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_user` ON `audit_log` (`company_id`,`user_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`company_id` text NOT NULL,
	`key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`response_status` integer,
	`response_body` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`company_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_created` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `transactions` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`company_id` text NOT NULL,
	`item_id` text NOT NULL,
	`type` text NOT NULL,
	`quantity_change` integer NOT NULL,
	`quantity_before` integer NOT NULL,
	`quantity_after` integer NOT NULL,
	`reason` text,
	`note` text,
	`reference` text,
	`order_id` text,
	`user_id` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "transactions_quantity_after_non_negative" CHECK(quantity_after >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `transactions_id_unique` ON `transactions` (`id`);--> statement-breakpoint
CREATE INDEX `transactions_company` ON `transactions` (`company_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `transactions_item` ON `transactions` (`company_id`,`item_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `transactions_type` ON `transactions` (`company_id`,`type`,`created_at`,`id`);--> statement-breakpoint
ALTER TABLE `items` ADD `version` integer DEFAULT 0 NOT NULL;