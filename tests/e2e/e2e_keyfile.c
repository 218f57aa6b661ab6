/*
 * End-to-end tests of the reporter key file: a missing, wrong, loose or
 * malformed key is refused at start while the database holds sealed
 * identities, with an error that says how to restore it; no new key is
 * written over the loss.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "e2e.h"

static struct daemon d;
static char keypath[600], saved[600];

/*
 * Runs `fangfei serve` expecting it to refuse to start: returns its exit
 * status with its standard error in err. A daemon that is still running
 * after 20 s started, which the caller's assertion then reports (status
 * -1 after it was killed).
 */
static int
serve_refused(char *err, size_t size)
{
	const char	*bin = getenv("FANGFEI_BIN");
	char		 conf[600], errpath[600];
	struct timespec	 tick = { 0, 20 * 1000 * 1000 };
	pid_t		 pid, w = 0;
	FILE		*f;
	size_t		 n;
	int		 st = 0, i;

	(void)snprintf(conf, sizeof conf, "%s/fangfei.ini", d.dir);
	(void)snprintf(errpath, sizeof errpath, "%s/serve.err", d.dir);
	if ((pid = fork()) == 0) {
		if (freopen(errpath, "w", stderr) == NULL ||
		    freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execl(bin ? bin : "build/fangfei", "fangfei", "serve",
		    "--config", conf, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	for (i = 0; i < 1000 && (w = waitpid(pid, &st, WNOHANG)) == 0; i++)
		nanosleep(&tick, NULL);
	if (w == 0) {
		kill(pid, SIGKILL);
		(void)waitpid(pid, &st, 0);
		return -1;
	}
	err[0] = '\0';
	if ((f = fopen(errpath, "r")) != NULL) {
		n = fread(err, 1, size - 1, f);
		err[n] = '\0';
		fclose(f);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Writes a key file with the given text and mode. */
static void
write_key(const char *text, mode_t mode)
{
	int	 fd;

	(void)unlink(keypath);
	fd = open(keypath, O_WRONLY | O_CREAT | O_EXCL, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* A daemon that stored one tip, then stopped: the database holds a
 * sealed identity and the key's check value. */
static int
group_setup(void **state)
{
	static const char *const hdr[] = {
		"Content-Type: application/json", NULL
	};
	const char		*tip = "{\"chat_id\":\"u1\",\"sender_id\":\"u1\","
	    "\"text\":\"举报 有人推销保本高息理财\",\"message_id\":\"k1\"}";
	struct http_result	 r;

	(void)state;
	curl_global_init(CURL_GLOBAL_ALL);
	e2e_prepare(&d, NULL);
	(void)snprintf(keypath, sizeof keypath, "%s/fangfei.db.key", d.dir);
	(void)snprintf(saved, sizeof saved, "%s/key.backup", d.dir);
	e2e_start(&d);
	r = e2e_request(&d, "POST", "/hook/demo", hdr, tip, strlen(tip));
	assert_int_equal(r.status, 200);
	e2e_result_free(&r);
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM reporters"), 1);
	assert_int_equal(rename(keypath, saved), 0);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	e2e_cleanup(&d);
	curl_global_cleanup();
	return 0;
}

/* The key was made 0600, the database too, and the key's check value is
 * in the database. */
static void
test_key_made_private(void **state)
{
	struct stat	 st;
	char		 db[600];

	(void)state;
	assert_int_equal(stat(saved, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	(void)snprintf(db, sizeof db, "%s/fangfei.db", d.dir);
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM store_meta "
	    "WHERE name = 'key_check' AND length(value) = 32"), 1);
}

/* A missing key file with sealed rows: refused, and no new key made. */
static void
test_key_missing(void **state)
{
	char	 err[4096];

	(void)state;
	assert_int_equal(serve_refused(err, sizeof err), 1);
	assert_non_null(strstr(err, "is missing"));
	assert_non_null(strstr(err, "1 sealed reporter identities"));
	assert_non_null(strstr(err, "Restore the key file from your backup"));
	assert_int_equal(access(keypath, F_OK), -1);
}

/* Another valid key: refused as not matching. */
static void
test_key_wrong(void **state)
{
	char	 err[4096];

	(void)state;
	write_key("00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff\n", 0600);
	assert_int_equal(serve_refused(err, sizeof err), 1);
	assert_non_null(strstr(err, "does not match"));
}

/* The right key, readable by others: refused with the chmod to run. */
static void
test_key_loose_mode(void **state)
{
	char	 err[4096], text[80];
	FILE	*f = fopen(saved, "r");

	(void)state;
	assert_non_null(f);
	assert_non_null(fgets(text, sizeof text, f));
	fclose(f);
	write_key(text, 0644);
	assert_int_equal(serve_refused(err, sizeof err), 1);
	assert_non_null(strstr(err, "chmod 600"));
}

/* Malformed keys: short, non-hex, trailing garbage. */
static void
test_key_malformed(void **state)
{
	static const char *const bad[] = {
		"0011\n",
		"zz112233445566778899aabbccddeeff"
		"00112233445566778899aabbccddeeff\n",
		"00112233445566778899aabbccddeeff"
		"00112233445566778899aabbccddeeff\nextra\n",
	};
	char	 err[4096];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_key(bad[i], 0600);
		assert_int_equal(serve_refused(err, sizeof err), 1);
		assert_non_null(strstr(err, "want exactly 64 hex digits"));
	}
}

/* Restored from the backup: the daemon starts again. */
static void
test_key_restored(void **state)
{
	(void)state;
	(void)unlink(keypath);
	assert_int_equal(rename(saved, keypath), 0);
	e2e_start(&d);
	assert_int_equal(e2e_stop(&d, SIGTERM), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_made_private),
		cmocka_unit_test(test_key_missing),
		cmocka_unit_test(test_key_wrong),
		cmocka_unit_test(test_key_loose_mode),
		cmocka_unit_test(test_key_malformed),
		cmocka_unit_test(test_key_restored),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
