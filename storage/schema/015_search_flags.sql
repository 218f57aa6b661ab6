-- The enterprises the search index tags "flagged" (on a published warning
-- notice), as a plain table beside it: a check reads the set once per
-- change and tests each match against it in memory, instead of asking the
-- full-text index a second question for every check. storage/search.c
-- writes both where it writes the tag; generation counts the changes of
-- the set, so that a connection knows when its copy is stale.
CREATE TABLE enterprise_flags (
	enterprise_id	INTEGER PRIMARY KEY
);
INSERT INTO enterprise_flags (enterprise_id)
	SELECT DISTINCT ne.enterprise_id FROM notice_enterprises ne
	JOIN notices n ON n.id = ne.notice_id
	WHERE n.published_at IS NOT NULL;

CREATE TABLE search_flags_generation (
	id		INTEGER PRIMARY KEY CHECK (id = 1),
	generation	INTEGER NOT NULL
);
INSERT INTO search_flags_generation (id, generation) VALUES (1, 1);
