/*
 * Upgrades keep what was acknowledged: a database made by the schema up to
 * version 9 (outbox rows of every kind that existed, tips in each old
 * status with their history) opens under the current schema with every row
 * in place, each tip in the state its status named, and the constraints
 * the later versions add holding; the dedupe records of the old shape,
 * which named the chat and sender in clear, are gone from the file.
 */
#include "testutil.h"

#include <sqlite3.h>

#include "storage/ledger.h"
#include "storage/store.h"
#include "storage/store_int.h"

static const uint8_t key[STORE_KEY_LEN] = "migrate-test-key-0123456789abcd";

/* Whether the file at path holds the bytes of s. */
static int
file_holds(const char *path, const char *s)
{
	FILE	*f = fopen(path, "rb");
	char	*data;
	long	 size;
	size_t	 len, i, n = strlen(s);
	int	 found = 0;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	rewind(f);
	assert_non_null(data = malloc((size_t)size + 1));
	len = fread(data, 1, (size_t)size, f);
	fclose(f);
	for (i = 0; i + n <= len && !found; i++)
		found = memcmp(data + i, s, n) == 0;
	free(data);
	return found;
}

/* Builds a database at version 9 with rows of the old shapes. */
static void
make_v9(const char *path)
{
	const struct schema_step	*step;
	sqlite3				*db;
	char				*err = NULL, *sql;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL,
	    NULL, NULL), SQLITE_OK);
	for (step = schema_steps; step->sql != NULL && step->version <= 9;
	    step++) {
		sql = sqlite3_mprintf("BEGIN; %s; PRAGMA user_version = %d; "
		    "COMMIT;", step->sql, step->version);
		if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
			fail_msg("step %d: %s", step->version, err);
		sqlite3_free(sql);
	}
	if (sqlite3_exec(db,
	    "INSERT INTO areas (id, name, level, path) VALUES (1, '张店区', 1,"
	    " '张店区');"
	    "INSERT INTO tips (ref, body, status, area_id, channel, chat_kind,"
	    " created_at, updated_at) VALUES"
	    " ('JB-20260101-AAAAAA', '旧线索一', 'received', 1, 'demo',"
	    " 'private', 100, 100),"
	    " ('JB-20260101-BBBBBB', '旧线索二', 'verifying', 1, 'demo',"
	    " 'private', 100, 200),"
	    " ('JB-20260101-CCCCCC', '旧线索三', 'closed', 1, 'demo',"
	    " 'private', 100, 300);"
	    "INSERT INTO tip_events (tip_id, at, kind, note) VALUES"
	    " (1, 100, 'received', 'demo'), (2, 100, 'received', 'demo');"
	    "INSERT INTO groups (id, channel, chat_id, kind, first_seen) VALUES"
	    " (1, 'tg', '-100', 'building', 1);"
	    "INSERT INTO outbox (group_id, body, idem_key, state, next_at,"
	    " created_at) VALUES (1, '待发', 'k1', 'pending', 1, 1),"
	    " (1, '已发', 'k2', 'sent', 1, 1);"
	    "INSERT INTO inbound_seen (channel, chat_id, sender_id, message_id,"
	    " seen_at, reply) VALUES ('demo', 'old-chat-5150',"
	    " 'old-sender-5150', 'old-msg-5150', 1, '旧回复 old-reply-5150');",
	    NULL, NULL, &err) !=
	    SQLITE_OK)
		fail_msg("v9 rows: %s", err);
	sqlite3_close(db);
}

static void
test_upgrade(void **state)
{
	struct store	*s;
	struct tip_row	 t;
	struct tip_event ev[8];
	char		*dir = testutil_tmpdir(), path[256], *cause = NULL;
	size_t		 n;

	(void)state;
	(void)snprintf(path, sizeof path, "%s/old.db", dir);
	make_v9(path);
	assert_true(file_holds(path, "old-sender-5150"));
	s = store_open(path, key, STORE_MIGRATE, &cause);
	if (s == NULL)
		fail_msg("%s", cause);
	assert_int_equal(store_version(s), store_latest_version());
	assert_int_equal(tips_get(s, "JB-20260101-AAAAAA", &t), STORE_OK);
	assert_int_equal(t.state, TIP_RECEIVED);
	tip_row_clear(&t);
	assert_int_equal(tips_get(s, "jb-20260101-bbbbbb", &t), STORE_OK);
	assert_int_equal(t.state, TIP_VERIFYING);
	assert_int_equal(tips_events(s, t.id, 0, ev, 8, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].kind, "received");
	assert_string_equal(ev[0].actor, "reporter");
	tip_event_clear(&ev[0]);
	tip_row_clear(&t);
	assert_int_equal(tips_get(s, "JB-20260101-CCCCCC", &t), STORE_OK);
	assert_int_equal(t.state, TIP_CLOSED);
	tip_row_clear(&t);
	store_close(s);

	/* The rows are all there, and the history cannot be edited. */
	{
		sqlite3		*db;
		sqlite3_stmt	*st;

		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), "
		    "sum(state = 'sent') FROM outbox", -1, &st, NULL),
		    SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 2);
		assert_int_equal(sqlite3_column_int(st, 1), 1);
		sqlite3_finalize(st);
		/* The old dedupe record is deleted (018), its bytes with it. */
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM "
		    "inbound_seen", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 0);
		sqlite3_finalize(st);
		assert_false(file_holds(path, "old-chat-5150"));
		assert_false(file_holds(path, "old-sender-5150"));
		assert_false(file_holds(path, "old-reply-5150"));
		assert_int_not_equal(sqlite3_exec(db, "UPDATE tip_events SET "
		    "note = 'x'", NULL, NULL, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "INSERT INTO audit_log (at, "
		    "actor, action) VALUES (1, 'test', 'x')", NULL, NULL, NULL),
		    SQLITE_OK);
		assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit_log",
		    NULL, NULL, NULL), SQLITE_OK);
		assert_int_not_equal(sqlite3_exec(db, "UPDATE audit_log SET "
		    "actor = 'someone else'", NULL, NULL, NULL), SQLITE_OK);
		/* An outbox row must have exactly one target. */
		assert_int_not_equal(sqlite3_exec(db, "INSERT INTO outbox "
		    "(body, idem_key, next_at, created_at) VALUES ('x', 'k3', 1,"
		    " 1)", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
	}
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upgrade),
	};

	return cmocka_run_group_tests_name("migrate", tests, NULL, NULL);
}
