-- 025_uscc_cover: the index SQLite's check of a credit code reads alone
-- (storage/schema/025_uscc_cover.sql), kept here so that the schemas stay
-- the same (tests/unit/test_pgschema.c). PostgreSQL may answer the check
-- from it too, as an index-only scan, once the table's pages are all
-- visible.
CREATE INDEX enterprises_uscc_name ON enterprises(uscc, name);
