/* Unit tests: DingTalk Stream mode's frames (bot/stream_dingtalk.c). */
#include "testutil.h"

#include <jansson.h>

#include "bot/dtstream.h"

/* The robot message of STREAM.md §1.4: every field the supervisor uses,
 * and data still JSON inside a string. */
static void
test_dtstream_callback(void **state)
{
	static const char frame[] = "{\"specVersion\":\"1.0\",\"type\":"
	    "\"CALLBACK\",\"headers\":{\"appId\":\"1305d5f5\",\"connectionId\":"
	    "\"2f9c95bd-fe85-11f0\",\"contentType\":\"application/json\","
	    "\"messageId\":\"212ca9d7_974_1898c159aa6_1783b\",\"time\":"
	    "\"1690362102194\",\"topic\":\"/v1.0/im/bot/messages/get\"},"
	    "\"data\":\"{\\\"msgId\\\":\\\"msgLICY==\\\",\\\"text\\\":"
	    "{\\\"content\\\":\\\" 测试\\\"}}\"}";
	struct dtstream_frame	 f;
	json_t			*j = NULL;
	const char		*why = NULL;

	(void)state;
	assert_int_equal(dtstream_parse(frame, sizeof frame - 1, &j, &f,
	    &why), 0);
	assert_string_equal(f.type, "CALLBACK");
	assert_string_equal(f.topic, "/v1.0/im/bot/messages/get");
	assert_string_equal(f.message_id, "212ca9d7_974_1898c159aa6_1783b");
	assert_string_equal(f.connection_id, "2f9c95bd-fe85-11f0");
	assert_string_equal(f.data, "{\"msgId\":\"msgLICY==\",\"text\":"
	    "{\"content\":\" 测试\"}}");
	json_decref(j);
}

/* SYSTEM frames may lack messageId; other frames may not; a frame
 * without type or topic, not JSON, or too large is refused. */
static void
test_dtstream_refused(void **state)
{
	struct dtstream_frame	 f;
	json_t			*j = NULL;
	const char		*why = NULL;
	static const char ping[] = "{\"type\":\"SYSTEM\",\"headers\":"
	    "{\"topic\":\"KEEPALIVE\"}}";
	static const char *const bad[] = {
		"{\"type\":\"CALLBACK\",\"headers\":{\"topic\":\"x\"}}",
		"{\"headers\":{\"topic\":\"ping\",\"messageId\":\"1\"}}",
		"{\"type\":\"SYSTEM\",\"headers\":{}}",
		"[1,2]",
		"{\"type\":",
	};
	char	*big;
	size_t	 i;

	(void)state;
	assert_int_equal(dtstream_parse(ping, sizeof ping - 1, &j, &f, &why),
	    0);
	assert_null(f.message_id);
	json_decref(j);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		j = NULL;
		why = NULL;
		assert_int_equal(dtstream_parse(bad[i], strlen(bad[i]), &j, &f,
		    &why), -1);
		assert_non_null(why);
		json_decref(j);
	}
	big = malloc(DTSTREAM_FRAME_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', DTSTREAM_FRAME_MAX + 1);
	big[DTSTREAM_FRAME_MAX + 1] = '\0';
	j = NULL;
	assert_int_equal(dtstream_parse(big, DTSTREAM_FRAME_MAX + 1, &j, &f,
	    &why), -1);
	assert_string_equal(why, "frame too large");
	json_decref(j);
	free(big);
}

/* The ACK is the developerpedia example, byte for byte. */
static void
test_dtstream_ack(void **state)
{
	char	*s;

	(void)state;
	s = dtstream_ack(200, "212ca9d7_974_1898c159aa6_1783b",
	    "{\"response\":null}");
	assert_string_equal(s, "{\"code\":200,\"headers\":{\"contentType\":"
	    "\"application/json\",\"messageId\":"
	    "\"212ca9d7_974_1898c159aa6_1783b\"},\"message\":\"OK\",\"data\":"
	    "\"{\\\"response\\\":null}\"}");
	free(s);
	s = dtstream_ack(404, "m", "{}");
	assert_non_null(strstr(s, "\"code\":404"));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dtstream_callback),
		cmocka_unit_test(test_dtstream_refused),
		cmocka_unit_test(test_dtstream_ack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
