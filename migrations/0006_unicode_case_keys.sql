-- Case-insensitive matching folds Unicode case ("Überlager Süd" = "überlager süd"), which SQLite's
-- lower() cannot do (ASCII only). The keys that the filters and the email uniqueness compare are
-- therefore plain columns, written by the application with its case folding, instead of columns
-- generated with lower(). Existing rows are filled with lower(), exact for ASCII values.
DROP INDEX `items_live_location`;
--> statement-breakpoint
ALTER TABLE `items` DROP COLUMN `location_key`;
--> statement-breakpoint
ALTER TABLE `items` ADD `location_key` text;
--> statement-breakpoint
UPDATE `items` SET `location_key` = lower(`location`) WHERE `location` IS NOT NULL;
--> statement-breakpoint
CREATE INDEX `items_live_location` ON `items` (`company_id`,`location_key`,`created_at`,`id`) WHERE deleted_at IS NULL;
--> statement-breakpoint
DROP INDEX `orders_company_supplier`;
--> statement-breakpoint
ALTER TABLE `orders` DROP COLUMN `supplier_key`;
--> statement-breakpoint
ALTER TABLE `orders` ADD `supplier_key` text;
--> statement-breakpoint
UPDATE `orders` SET `supplier_key` = lower(`supplier`);
--> statement-breakpoint
CREATE INDEX `orders_company_supplier` ON `orders` (`company_id`,`supplier_key`,`created_at`,`id`);
--> statement-breakpoint
ALTER TABLE `users` ADD `email_key` text;
--> statement-breakpoint
UPDATE `users` SET `email_key` = lower(`email`);
--> statement-breakpoint
DROP INDEX `users_company_email`;
--> statement-breakpoint
CREATE UNIQUE INDEX `users_company_email_key` ON `users` (`company_id`,`email_key`);
