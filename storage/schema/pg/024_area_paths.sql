-- Areas' paths compare as bytes, as on SQLite, so that an area and those
-- below it are one range of the path index (storage/schema/
-- 024_area_paths.sql). The UNIQUE constraint's index is built again in
-- the "C" collation.
ALTER TABLE areas ALTER COLUMN path TYPE text COLLATE "C";
