-- Name search for GET /v1/items?search=: an FTS5 index over items.name, kept in sync by triggers.
-- It reads names from the items table itself (external content) keyed by the items.seq rowid alias.
CREATE VIRTUAL TABLE `items_fts` USING fts5(
	name,
	content = 'items',
	content_rowid = 'seq',
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '1 2 3'
);
--> statement-breakpoint
CREATE TRIGGER `items_fts_after_insert` AFTER INSERT ON `items` BEGIN
	INSERT INTO items_fts(rowid, name) VALUES (new.seq, new.name);
END;
--> statement-breakpoint
CREATE TRIGGER `items_fts_after_delete` AFTER DELETE ON `items` BEGIN
	INSERT INTO items_fts(items_fts, rowid, name) VALUES ('delete', old.seq, old.name);
END;
--> statement-breakpoint
CREATE TRIGGER `items_fts_after_update` AFTER UPDATE OF name ON `items` BEGIN
	INSERT INTO items_fts(items_fts, rowid, name) VALUES ('delete', old.seq, old.name);
	INSERT INTO items_fts(rowid, name) VALUES (new.seq, new.name);
END;
