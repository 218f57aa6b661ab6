/* Unit tests of messages/hmac.c against RFC 4231's test vectors. */
#include "testutil.h"

#include "messages/hmac.h"

/* Asserts that out is the hex digest want. */
static void
assert_hex(const uint8_t *out, const char *want)
{
	char	 hex[2 * HMAC_SHA256_LEN + 1];
	size_t	 i;

	for (i = 0; i < HMAC_SHA256_LEN; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", out[i]);
	assert_string_equal(hex, want);
}

/* Test cases 2 (a short key) and 6 (a key longer than a block), and the
 * same call twice (the shared context is copied, never used up). */
static void
test_rfc4231(void **state)
{
	uint8_t	 key[131], out[HMAC_SHA256_LEN];
	const char *msg6 = "Test Using Larger Than Block-Size Key - Hash Key First";

	(void)state;
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, out);
	assert_hex(out, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, out);
	assert_hex(out, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, sizeof key);
	hmac_sha256(key, sizeof key, msg6, strlen(msg6), out);
	assert_hex(out, "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4231),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
