-- Name search per company. items_fts indexed every company's names under the same terms, so a
-- search read the postings of all companies and then dropped the others' rows. Now each term is
-- the company's key followed by the word as the tokenizer folds it ("<key>widget"); the key is
-- lower(hex(company_id)) || 'x' (hex keeps case-sensitive ids apart once FTS5 folds case; 'x' is
-- not a hex digit, so no key is the start of another). A prefix query "<key>wid"* reads only the
-- terms, and so the postings, of that company; the prefix indexes (key + 1, 2 or 3 characters,
-- for the 27-character company ids) are per company too.
--
-- The words of a name are cut by FTS5 itself: the triggers write the name into items_fts_words
-- (the same tokenizer, contentless, empty between statements), read its terms back through
-- items_fts_word_terms and empty it again. items_fts is contentless: rows are removed by rowid.
DROP TRIGGER `items_fts_after_insert`;
--> statement-breakpoint
DROP TRIGGER `items_fts_after_delete`;
--> statement-breakpoint
DROP TRIGGER `items_fts_after_update`;
--> statement-breakpoint
DROP TABLE `items_fts`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `items_fts` USING fts5(
	terms,
	content = '',
	contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '56 57 58'
);
--> statement-breakpoint
CREATE VIRTUAL TABLE `items_fts_words` USING fts5(
	name,
	content = '',
	tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE VIRTUAL TABLE `items_fts_word_terms` USING fts5vocab(`items_fts_words`, 'row');
--> statement-breakpoint
-- Existing rows: every name tokenized at once, its terms (one row per occurrence) grouped by item.
CREATE VIRTUAL TABLE `items_fts_word_occurrences` USING fts5vocab(`items_fts_words`, 'instance');
--> statement-breakpoint
INSERT INTO items_fts_words(rowid, name) SELECT seq, name FROM items;
--> statement-breakpoint
INSERT INTO items_fts(rowid, terms)
	SELECT w.doc, group_concat(lower(hex(i.company_id)) || 'x' || w.term, ' ')
	FROM items_fts_word_occurrences w JOIN items i ON i.seq = w.doc
	GROUP BY w.doc;
--> statement-breakpoint
INSERT INTO items_fts_words(items_fts_words) VALUES ('delete-all');
--> statement-breakpoint
DROP TABLE `items_fts_word_occurrences`;
--> statement-breakpoint
CREATE TRIGGER `items_fts_after_insert` AFTER INSERT ON `items` BEGIN
	INSERT INTO items_fts_words(rowid, name) VALUES (new.seq, new.name);
	INSERT INTO items_fts(rowid, terms)
		SELECT new.seq, group_concat(lower(hex(new.company_id)) || 'x' || term, ' ') FROM items_fts_word_terms;
	INSERT INTO items_fts_words(items_fts_words) VALUES ('delete-all');
END;
--> statement-breakpoint
CREATE TRIGGER `items_fts_after_delete` AFTER DELETE ON `items` BEGIN
	DELETE FROM items_fts WHERE rowid = old.seq;
END;
--> statement-breakpoint
-- An item never changes company.
CREATE TRIGGER `items_fts_after_update` AFTER UPDATE OF name ON `items` BEGIN
	DELETE FROM items_fts WHERE rowid = old.seq;
	INSERT INTO items_fts_words(rowid, name) VALUES (new.seq, new.name);
	INSERT INTO items_fts(rowid, terms)
		SELECT new.seq, group_concat(lower(hex(new.company_id)) || 'x' || term, ' ') FROM items_fts_word_terms;
	INSERT INTO items_fts_words(items_fts_words) VALUES ('delete-all');
END;
