CREATE TABLE `order_counters` (
	`company_id` text PRIMARY KEY NOT NULL,
	`last_number` integer NOT NULL,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `order_line_items` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`company_id` text NOT NULL,
	`item_id` text NOT NULL,
	`position` integer NOT NULL,
	`quantity_ordered` integer NOT NULL,
	`quantity_received` integer DEFAULT 0 NOT NULL,
	`unit_cost` integer NOT NULL,
	FOREIGN KEY (`order_id`) REFERENCES `orders`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "order_line_items_received_within_ordered" CHECK(quantity_received BETWEEN 0 AND quantity_ordered),
	CONSTRAINT "order_line_items_quantity_ordered_positive" CHECK(quantity_ordered > 0),
	CONSTRAINT "order_line_items_unit_cost_non_negative" CHECK(unit_cost >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `order_line_items_order_item` ON `order_line_items` (`order_id`,`item_id`);--> statement-breakpoint
CREATE INDEX `order_line_items_order` ON `order_line_items` (`order_id`,`position`);--> statement-breakpoint
CREATE INDEX `order_line_items_item` ON `order_line_items` (`company_id`,`item_id`,`order_id`);--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`company_id` text NOT NULL,
	`number` integer NOT NULL,
	`supplier` text NOT NULL,
	`supplier_key` text GENERATED ALWAYS AS (lower(supplier)) VIRTUAL,
	`status` text NOT NULL,
	`currency` text NOT NULL,
	`expected_at` text,
	`notes` text,
	`version` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`submitted_at` text,
	`received_at` text,
	`cancelled_at` text,
	FOREIGN KEY (`company_id`) REFERENCES `companies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `orders_company_number` ON `orders` (`company_id`,`number`);--> statement-breakpoint
CREATE INDEX `orders_company_created` ON `orders` (`company_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `orders_company_status` ON `orders` (`company_id`,`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `orders_company_supplier` ON `orders` (`company_id`,`supplier_key`,`created_at`,`id`);