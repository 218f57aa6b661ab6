/*
 * End-to-end on PostgreSQL (tests/run.sh runs it in its PostgreSQL pass,
 * with FANGFEI_TEST_PG naming the throwaway server): a district moved
 * from its SQLite file answers its reporters as before; two daemons on
 * one database serve one set of tips; the storage settings that cannot
 * work are refused at the start.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <sqlite3.h>

#include "e2e.h"
#include "tests/unit/testutil.h"
#include "storage/store_int.h"

/* The daemons of the test running, removed by its teardown even when an
 * assertion ends it early. */
static struct daemon	 src, dst;

/* Stops and removes what the test left. */
static int
teardown(void **state)
{
	(void)state;
	if (dst.dir != NULL)
		e2e_cleanup(&dst);
	if (src.dir != NULL)
		e2e_cleanup(&src);
	return 0;
}

/* POSTs a generic-channel message from a private chat; returns the
 * answer. */
static struct http_result
say(const struct daemon *d, const char *sender, const char *text,
    const char *msgid)
{
	char	 chat[64];

	(void)snprintf(chat, sizeof chat, "u-%s", sender);
	return e2e_say(d, NULL, chat, sender, NULL, text, msgid);
}

/* Pulls the tip reference (JB-YYYYMMDD-XXXXXX) out of an answer. */
static void
ref_of(const char *body, char ref[32])
{
	const char	*p = strstr(body, "JB-");
	size_t		 n;

	assert_non_null(p);
	n = strspn(p, "JB-0123456789ABCDEFGHJKLMNPQRSTUVWXYZ");
	assert_int_equal(n, 18);
	memcpy(ref, p, n);
	ref[n] = '\0';
}

/* Copies the key file from one daemon's directory to another's. */
static void
copy_key(const char *from, const struct daemon *to)
{
	char	 cmd[1200];

	(void)snprintf(cmd, sizeof cmd, "cp -p '%s' '%s/fangfei.key'", from,
	    to->dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * A SQLite district with a tip, copied with migrate --from-sqlite: a
 * daemon on the copy answers the reporter's 进度 as the old one did, and
 * a new tip there takes a new id.
 */
static void
test_from_sqlite(void **state)
{
	struct http_result	 r;
	char			 ref[32], text[128], before[4096], out[16384];
	char			 file[600], key[600], tip[4096], *url;
	const char		*args[] = { "migrate", "--from-sqlite", file,
				    NULL };
	long			 tips;

	(void)state;
	e2e_prepare_on(&src, NULL, E2E_ENGINE_SQLITE, NULL, 0);
	e2e_start(&src);
	r = say(&src, "resident-1", "举报 有人在电梯厅发保本高息传单", "m-1");
	ref_of(r.body, ref);
	(void)snprintf(tip, sizeof tip, "%s", r.body);
	e2e_result_free(&r);
	(void)snprintf(text, sizeof text, "进度 %s", ref);
	r = say(&src, "resident-1", text, "m-2");
	assert_non_null(strstr(r.body, "已受理"));
	(void)snprintf(before, sizeof before, "%s", r.body);
	e2e_result_free(&r);
	assert_int_equal(e2e_stop(&src, SIGTERM), 0);
	tips = e2e_sql_long(&src, "SELECT count(*) FROM tips");
	assert_true(tips >= 1);

	url = e2e_pg_schema();
	e2e_prepare_on(&dst, NULL, E2E_ENGINE_URL, url, 0);
	free(url);
	(void)snprintf(file, sizeof file, "%s/fangfei.db", src.dir);
	(void)snprintf(key, sizeof key, "%s/fangfei.db.key", src.dir);
	copy_key(key, &dst);
	if (e2e_cli(&dst, args, out, sizeof out) != 0)
		fprintf(stderr, "%s", out);
	assert_non_null(strstr(out, "一致 match"));
	assert_null(strstr(out, "MISMATCH"));
	assert_non_null(strstr(out, "复制完成 copied"));
	assert_int_equal(e2e_sql_long(&dst, "SELECT count(*) FROM tips"),
	    tips);
	/* A second copy into the same database is refused. */
	assert_int_equal(e2e_cli(&dst, args, out, sizeof out), 1);

	e2e_start(&dst);
	r = say(&dst, "resident-1", text, "m-3");
	assert_string_equal(r.body, before);
	e2e_result_free(&r);
	/* The sealed dedupe record came along: a retry of the tip gets the
	 * same answer and makes no second tip. */
	r = say(&dst, "resident-1", "举报 有人在电梯厅发保本高息传单", "m-1");
	assert_string_equal(r.body, tip);
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&dst, "SELECT count(*) FROM tips"),
	    tips);
	r = say(&dst, "resident-2", "举报 小区门口有人推销高息理财", "m-4");
	assert_non_null(strstr(r.body, "JB-"));
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&dst, "SELECT count(*) FROM tips"),
	    tips + 1);
	e2e_cleanup(&dst);
	e2e_cleanup(&src);
}

/*
 * What the copy refuses, leaving the target empty: a key that does not
 * open the source's sealed reporters, and a source at another schema
 * version.
 */
static void
test_copy_refusals(void **state)
{
	struct http_result	 r;
	char			 file[600], out[16384], cmd[1400], *url;
	const char		*args[] = { "migrate", "--from-sqlite", file,
				    NULL };
	const char		*make_key[] = { "migrate", NULL };
	sqlite3			*db;

	(void)state;
	e2e_prepare_on(&src, NULL, E2E_ENGINE_SQLITE, NULL, 0);
	e2e_start(&src);
	r = say(&src, "resident-3", "举报 有人上门推销高息存单", "k-1");
	assert_non_null(strstr(r.body, "JB-"));
	e2e_result_free(&r);
	assert_int_equal(e2e_stop(&src, SIGTERM), 0);
	(void)snprintf(file, sizeof file, "%s/fangfei.db", src.dir);

	/* Another key than the source's, in the target's key file. */
	url = e2e_pg_schema();
	e2e_prepare_on(&dst, NULL, E2E_ENGINE_URL, url, 0);
	free(url);
	(void)snprintf(cmd, sizeof cmd, "printf '%%064d\\n' 7 > "
	    "'%s/fangfei.key' && chmod 600 '%s/fangfei.key'", dst.dir, dst.dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(e2e_cli(&dst, make_key, out, sizeof out), 0);
	(void)snprintf(cmd, sizeof cmd, "%s/fangfei.ini", dst.dir);
	assert_int_equal(testutil_run((const char *[]){ "migrate", "--from-sqlite",
	    file, "--config", cmd, NULL }, out, sizeof out), 1);
	assert_non_null(strstr(out, "reporter key does not open"));
	assert_int_equal(e2e_sql_long(&dst, "SELECT count(*) FROM areas"), 0);

	/* The right key, but a source one step behind. */
	(void)snprintf(cmd, sizeof cmd, "cp -p '%s/fangfei.db.key' "
	    "'%s/fangfei.key'", src.dir, dst.dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(sqlite3_open(file, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 15", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	(void)snprintf(cmd, sizeof cmd, "%s/fangfei.ini", dst.dir);
	assert_int_equal(testutil_run((const char *[]){ "migrate", "--from-sqlite",
	    file, "--config", cmd, NULL }, out, sizeof out), 1);
	assert_non_null(strstr(out, "schema version 15"));
	assert_int_equal(e2e_sql_long(&dst, "SELECT count(*) FROM areas"), 0);
	assert_int_equal(e2e_cli(&dst, args, out, sizeof out), 1);
	e2e_cleanup(&dst);
	e2e_cleanup(&src);
}

/* migrate creates the schema on a URL; backup and restore point to
 * pg_dump. */
static void
test_migrate_and_backup(void **state)
{
	char		 out[4096], conf[600], want[64], *url;
	size_t		 n;
	int		 last;
	const char	*migrate[] = { "migrate", "--config", conf, NULL };
	const char	*backup[] = { "backup", "/tmp/fangfei-e2e-never",
			    "--config", conf, NULL };
	const char	*restore[] = { "restore", "/tmp/fangfei-e2e-never",
			    "--config", conf, NULL };

	(void)state;
	/* The last step, the same for both engines. */
	for (n = 0; schema_steps[n].sql != NULL; n++)
		continue;
	assert_true(n > 0);
	last = schema_steps[n - 1].version;
	for (n = 0; schema_steps_pg[n].sql != NULL; n++)
		continue;
	assert_int_equal(schema_steps_pg[n - 1].version, last);
	(void)snprintf(want, sizeof want, "schema version %d", last);
	url = e2e_pg_schema();
	e2e_prepare_on(&dst, NULL, E2E_ENGINE_URL, url, 0);
	free(url);
	(void)snprintf(conf, sizeof conf, "%s/fangfei.ini", dst.dir);
	assert_int_equal(testutil_run(migrate, out, sizeof out), 0);
	assert_non_null(strstr(out, want));
	assert_null(strstr(out, "host="));	/* the query is not shown */
	assert_int_equal(e2e_sql_long(&dst, "SELECT max(version) FROM "
	    "fangfei_schema"), last);
	/* Again: nothing to do, the same answer. */
	assert_int_equal(testutil_run(migrate, out, sizeof out), 0);
	assert_non_null(strstr(out, want));
	assert_int_equal(testutil_run(backup, out, sizeof out), 1);
	assert_non_null(strstr(out, "pg_dump"));
	assert_int_equal(access("/tmp/fangfei-e2e-never", F_OK), -1);
	assert_int_equal(testutil_run(restore, out, sizeof out), 1);
	assert_non_null(strstr(out, "pg_restore"));
	e2e_cleanup(&dst);
}

/* Two daemons on one database: a tip made through one is followed
 * through the other. */
static void
test_two_daemons(void **state)
{
	struct http_result	 r;
	char			 ref[32], text[128], key[600];

	(void)state;
	e2e_prepare_on(&src, NULL, E2E_ENGINE_ENV, NULL, 0);
	assert_non_null(src.db_url);
	e2e_prepare_on(&dst, NULL, E2E_ENGINE_URL, src.db_url, 0);
	e2e_start(&src);
	(void)snprintf(key, sizeof key, "%s/fangfei.key", src.dir);
	copy_key(key, &dst);
	e2e_start(&dst);
	r = say(&src, "resident-7", "举报 有人在小区群里拉人投资养老项目", "t-1");
	ref_of(r.body, ref);
	e2e_result_free(&r);
	(void)snprintf(text, sizeof text, "进度 %s", ref);
	r = say(&dst, "resident-7", text, "t-2");
	assert_non_null(strstr(r.body, ref));
	assert_non_null(strstr(r.body, "已受理"));
	e2e_result_free(&r);
	/* Someone else asking through either daemon learns nothing. */
	r = say(&dst, "resident-8", text, "t-3");
	assert_null(strstr(r.body, "已受理"));
	e2e_result_free(&r);
	e2e_cleanup(&dst);
	e2e_cleanup(&src);
}

/* Writes a config file with one [storage] section. */
static void
write_config(const char *path, const char *storage)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f, "[server]\nlisten = 127.0.0.1:0\n[storage]\n%s", storage);
	fclose(f);
}

/* path and url together, and a url without key_file, stop the start
 * with a message that says which. */
static void
test_config_errors(void **state)
{
	char		 dir[] = "/tmp/fangfei-e2e-XXXXXX", conf[600];
	char		 storage[1024], out[4096], cmd[640];
	const char	*pg = getenv("FANGFEI_TEST_PG");
	const char	*args[] = { "serve", "--config", conf, NULL };
	const char	*check[] = { "config", "check", "--config", conf,
			    NULL };

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(conf, sizeof conf, "%s/fangfei.ini", dir);

	(void)snprintf(storage, sizeof storage, "path = %s/f.db\nurl = %s\n"
	    "key_file = %s/k\n", dir, pg, dir);
	write_config(conf, storage);
	assert_int_equal(testutil_run(args, out, sizeof out), 1);
	assert_non_null(strstr(out, "path and url"));
	assert_non_null(strstr(out, "只能设置一个"));

	(void)snprintf(storage, sizeof storage, "url = %s\n", pg);
	write_config(conf, storage);
	assert_int_equal(testutil_run(args, out, sizeof out), 1);
	assert_non_null(strstr(out, "key_file"));
	assert_non_null(strstr(out, "需要"));

	/* A password in the URL is never shown. */
	(void)snprintf(storage, sizeof storage, "url = postgresql://fangfei:"
	    "s3cret-pw@127.0.0.1:1/x\nkey_file = %s/k\n", dir);
	write_config(conf, storage);
	assert_int_equal(testutil_run(check, out, sizeof out), 0);
	assert_non_null(strstr(out, "postgresql://fangfei@127.0.0.1:1/x"));
	assert_null(strstr(out, "s3cret-pw"));
	assert_int_equal(testutil_run(args, out, sizeof out), 1);
	assert_null(strstr(out, "s3cret-pw"));

	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test_teardown(test_migrate_and_backup, teardown),
		cmocka_unit_test_teardown(test_copy_refusals, teardown),
		cmocka_unit_test_teardown(test_from_sqlite, teardown),
		cmocka_unit_test_teardown(test_two_daemons, teardown),
	};
	const char	*pg = getenv("FANGFEI_TEST_PG");
	int		 rc;

	if (pg == NULL || *pg == '\0') {
		fprintf(stderr, "e2e_pg: FANGFEI_TEST_PG is not set: these tests "
		    "need a PostgreSQL database (tests/run.sh starts one with "
		    "scripts/pgtest.sh)\n");
		return 1;
	}
	curl_global_init(CURL_GLOBAL_ALL);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
