/* Unit tests: the reporter key's check value (storage/keycheck.c) and the
 * key file reader (bot/config.c). */
#include <fcntl.h>
#include <sys/stat.h>

#include "testutil.h"
#include "teststore.h"

#include "bot/config.h"
#include "storage/tips.h"

static const uint8_t key_a[STORE_KEY_LEN] = { 1, 2, 3 };
static const uint8_t key_b[STORE_KEY_LEN] = { 9, 9, 9 };

/* Stores one tip, so that the database holds a sealed identity. */
static void
seal_one(struct store *s)
{
	struct tip_new	 t;
	char		 ref[TIP_REF_MAX];

	memset(&t, 0, sizeof t);
	t.body = "有人推销保本高息理财";
	t.day = "20261202";
	t.chat_kind = "private";
	t.reporter.channel = "demo";
	t.reporter.sender_id = "u1";
	t.reporter.chat_id = "u1";
	assert_int_equal(store_begin(s), STORE_OK);
	assert_int_equal(tips_create(s, &t, 1000, ref), STORE_OK);
	assert_int_equal(store_commit(s), STORE_OK);
}

/* A fresh database (teststore_open(), keeping where it is in path). */
static struct store *
keycheck_open(const uint8_t *key, char **dir, char *path, size_t size)
{
	struct store	*s;
	char		*cause = NULL;

	*dir = testutil_tmpdir();
	teststore_location(*dir, path, size);
	s = store_open(path, key, STORE_MIGRATE, &cause);
	if (s == NULL)
		fprintf(stderr, "store_open: %s\n", cause);
	assert_non_null(s);
	assert_int_equal(teststore_demo(s, IMPORT_AREAS, "areas.csv"), 10);
	return s;
}

/* Recorded on first use; the same key passes, another is refused, and a
 * new key is refused while the check value exists. */
static void
test_keycheck_recorded(void **state)
{
	struct store	*s, *t;
	char		*dir, path[512], *cause = NULL;
	long		 sealed;

	(void)state;
	s = keycheck_open(key_a, &dir, path, sizeof path);
	assert_int_equal(store_key_verify(s, 1, &sealed), KEYCHECK_OK);
	assert_int_equal(store_key_verify(s, 0, &sealed), KEYCHECK_OK);
	assert_int_equal(store_key_verify(s, 0, &sealed), KEYCHECK_OK);
	t = store_open(path, key_b, 0, &cause);
	assert_non_null(t);
	assert_int_equal(store_key_verify(t, 0, &sealed), KEYCHECK_MISMATCH);
	assert_int_equal(store_key_verify(t, 1, &sealed), KEYCHECK_MISSING);
	store_close(t);
	store_close(s);
	testutil_rmdir(dir);
}

/* A database from before check values: a sealed row decides. */
static void
test_keycheck_legacy(void **state)
{
	struct store	*s, *t;
	char		*dir, path[512], *cause = NULL;
	long		 sealed;

	(void)state;
	s = keycheck_open(key_a, &dir, path, sizeof path);
	seal_one(s);
	t = store_open(path, key_b, 0, &cause);
	assert_non_null(t);
	assert_int_equal(store_key_verify(t, 0, &sealed), KEYCHECK_MISMATCH);
	assert_int_equal(sealed, 1);
	assert_int_equal(store_key_verify(t, 1, &sealed), KEYCHECK_MISSING);
	store_close(t);
	assert_int_equal(store_key_verify(s, 0, &sealed), KEYCHECK_OK);
	store_close(s);
	testutil_rmdir(dir);
}

/* Writes text to path with mode. */
static void
put_file(const char *path, const char *text, mode_t mode)
{
	int	 fd;

	(void)unlink(path);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, mode)) >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* The reader takes exactly 64 hex digits in a private regular file; the
 * writer never replaces an existing file. */
static void
test_key_file(void **state)
{
	char		*dir = testutil_tmpdir(), path[512], *cause = NULL;
	unsigned char	 k[32], k2[32];
	struct stat	 st;

	(void)state;
	(void)snprintf(path, sizeof path, "%s/k", dir);
	assert_int_equal(config_read_key(path, k, &cause), 1);
	assert_int_equal(config_new_key(k, &cause), 0);
	assert_int_equal(config_write_key(path, k, &cause), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(config_read_key(path, k2, &cause), 0);
	assert_memory_equal(k, k2, 32);
	assert_int_equal(config_write_key(path, k2, &cause), -1);
	free(cause);
	cause = NULL;
	put_file(path, "AABBCCDDEEFF00112233445566778899"
	    "aabbccddeeff00112233445566778899\r\n", 0400);
	assert_int_equal(config_read_key(path, k, &cause), 0);
	assert_int_equal(k[0], 0xaa);
	put_file(path, "aabbccddeeff00112233445566778899"
	    "aabbccddeeff00112233445566778899\n", 0640);
	assert_int_equal(config_read_key(path, k, &cause), -1);
	assert_non_null(strstr(cause, "chmod 600"));
	free(cause);
	cause = NULL;
	put_file(path, "aabbccddeeff00112233445566778899"
	    "aabbccddeeff0011223344556677889\n", 0600);
	assert_int_equal(config_read_key(path, k, &cause), -1);
	free(cause);
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keycheck_recorded),
		cmocka_unit_test(test_keycheck_legacy),
		cmocka_unit_test(test_key_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
