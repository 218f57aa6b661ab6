-- A credit code's check reads only this index: the code, the name and the
-- rowid are all it needs of the enterprise (storage/search.c,
-- sql_by_uscc, which names it with INDEXED BY). Through the UNIQUE
-- constraint's index it also read the table's row, a second page from the
-- OS cache for every check (a pread of ~1.8 us on the bench machine, of
-- ~33 us a check over the webhook). It costs a second index on the code:
-- 59 MiB for 10^6 enterprises, beside the table's 133.
CREATE INDEX enterprises_uscc_name ON enterprises(uscc, name);
