CREATE TABLE `item_counts` (
	`company_id` text PRIMARY KEY NOT NULL,
	`live` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
-- Kept by triggers, so that every way an item is created, trashed, restored or purged counts.
CREATE TRIGGER `item_counts_after_insert` AFTER INSERT ON `items` WHEN new.deleted_at IS NULL BEGIN
	INSERT INTO item_counts (company_id, live) VALUES (new.company_id, 1)
		ON CONFLICT (company_id) DO UPDATE SET live = live + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `item_counts_after_delete` AFTER DELETE ON `items` WHEN old.deleted_at IS NULL BEGIN
	UPDATE item_counts SET live = live - 1 WHERE company_id = old.company_id;
END;
--> statement-breakpoint
CREATE TRIGGER `item_counts_after_trash_or_restore` AFTER UPDATE OF deleted_at ON `items`
	WHEN (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN
	UPDATE item_counts SET live = live + (CASE WHEN new.deleted_at IS NULL THEN 1 ELSE -1 END)
		WHERE company_id = new.company_id;
END;
--> statement-breakpoint
INSERT INTO item_counts (company_id, live)
	SELECT company_id, count(*) FROM items WHERE deleted_at IS NULL GROUP BY company_id;
