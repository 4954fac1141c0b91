-- A rolled key counts against its predecessor's rate-limit object (rolling is not a way to reset a
-- quota). NULL: the key's own id, as for every key made before this migration.
ALTER TABLE `api_keys` ADD `rate_limit_id` text;
