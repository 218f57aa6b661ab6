/*
 * Unit tests of Feishu's long-connection frame codec (bot/pbframe.c): the
 * ping and the response frame of STREAM.md §2.6 and §2.8 byte for byte,
 * decoding both (also as the Go SDK writes them, with empty fields 6, 7
 * and 9), round trips, unknown fields, refusals, and the reassembly of
 * events split over several frames with its caps and expiry.
 */
#include "testutil.h"

#include "bot/pbframe.h"

/* STREAM.md §2.6: the ping for service 1234. */
static const unsigned char ping_1234[] = {
	0x08, 0x00, 0x10, 0x00, 0x18, 0xd2, 0x09, 0x20, 0x00, 0x2a, 0x0c,
	0x0a, 0x04, 0x74, 0x79, 0x70, 0x65, 0x12, 0x04, 0x70, 0x69, 0x6e,
	0x67,
};

/* STREAM.md §2.8: the response to SeqID 3, LogID 7, after 12 ms. */
static const unsigned char response_example[] = {
	0x08, 0x03, 0x10, 0x07, 0x18, 0xd2, 0x09, 0x20, 0x01,
	0x2a, 0x0d, 0x0a, 0x04, 0x74, 0x79, 0x70, 0x65, 0x12, 0x05, 0x65,
	0x76, 0x65, 0x6e, 0x74,
	0x2a, 0x13, 0x0a, 0x0a, 0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65,
	0x5f, 0x69, 0x64, 0x12, 0x05, 0x6d, 0x69, 0x64, 0x2d, 0x31,
	0x2a, 0x08, 0x0a, 0x03, 0x73, 0x75, 0x6d, 0x12, 0x01, 0x31,
	0x2a, 0x08, 0x0a, 0x03, 0x73, 0x65, 0x71, 0x12, 0x01, 0x30,
	0x2a, 0x11, 0x0a, 0x08, 0x74, 0x72, 0x61, 0x63, 0x65, 0x5f, 0x69,
	0x64, 0x12, 0x05, 0x74, 0x69, 0x64, 0x2d, 0x31,
	0x2a, 0x0c, 0x0a, 0x06, 0x62, 0x69, 0x7a, 0x5f, 0x72, 0x74, 0x12,
	0x02, 0x31, 0x32,
	0x42, 0x0c, 0x7b, 0x22, 0x63, 0x6f, 0x64, 0x65, 0x22, 0x3a, 0x32,
	0x30, 0x30, 0x7d,
};

/* Appends header key=value to f (copies; pbframe_clear frees them). */
static void
add_header(struct pbframe *f, const char *key, const char *value)
{
	f->headers = realloc(f->headers, (f->nheaders + 1) *
	    sizeof *f->headers);
	assert_non_null(f->headers);
	f->headers[f->nheaders].key = strdup(key);
	f->headers[f->nheaders].value = strdup(value);
	assert_non_null(f->headers[f->nheaders].key);
	assert_non_null(f->headers[f->nheaders].value);
	f->nheaders++;
}

/* Gives f a copy of n bytes of payload. */
static void
set_payload(struct pbframe *f, const void *data, size_t n)
{
	free(f->payload);
	f->payload = malloc(n + 1);
	assert_non_null(f->payload);
	memcpy(f->payload, data, n);
	f->payload_len = n;
}

/* A data frame: part seq of sum (NULL leaves a header out). */
static void
data_frame(struct pbframe *f, const char *mid, const char *sum,
    const char *seq, const void *payload, size_t n)
{
	memset(f, 0, sizeof *f);
	f->seq_id = 3;
	f->log_id = 7;
	f->service = 1234;
	f->method = PBFRAME_DATA;
	add_header(f, "type", "event");
	if (mid != NULL)
		add_header(f, "message_id", mid);
	if (sum != NULL)
		add_header(f, "sum", sum);
	if (seq != NULL)
		add_header(f, "seq", seq);
	if (payload != NULL)
		set_payload(f, payload, n);
}

/* Asserts that two frames hold the same values. */
static void
assert_frames_equal(const struct pbframe *a, const struct pbframe *b)
{
	size_t	 i;

	assert_true(a->seq_id == b->seq_id);
	assert_true(a->log_id == b->log_id);
	assert_int_equal(a->service, b->service);
	assert_int_equal(a->method, b->method);
	assert_int_equal(a->nheaders, b->nheaders);
	for (i = 0; i < a->nheaders; i++) {
		assert_string_equal(a->headers[i].key, b->headers[i].key);
		assert_string_equal(a->headers[i].value, b->headers[i].value);
	}
#define SAME_STR(x, y) do {						\
	assert_int_equal((x) == NULL, (y) == NULL);			\
	if ((x) != NULL)						\
		assert_string_equal((x), (y));				\
} while (0)
	SAME_STR(a->payload_encoding, b->payload_encoding);
	SAME_STR(a->payload_type, b->payload_type);
	SAME_STR(a->log_id_new, b->log_id_new);
#undef SAME_STR
	assert_int_equal(a->payload == NULL, b->payload == NULL);
	assert_int_equal(a->payload_len, b->payload_len);
	if (a->payload_len > 0)
		assert_memory_equal(a->payload, b->payload, a->payload_len);
}

/* Asserts that f is all zeroes, as a refused decode leaves it. */
static void
assert_cleared(const struct pbframe *f)
{
	struct pbframe	 zero;

	memset(&zero, 0, sizeof zero);
	assert_memory_equal(f, &zero, sizeof zero);
}

/* Decodes n bytes, expecting a refusal. */
static void
assert_refused(const unsigned char *buf, size_t n)
{
	struct pbframe	 f;
	const char	*why = NULL;

	memset(&f, 0xa5, sizeof f);
	assert_int_equal(pbframe_decode(buf, n, &f, &why), -1);
	assert_non_null(why);
	assert_cleared(&f);
}

/* The ping of §2.6, exactly. */
static void
test_ping_bytes(void **state)
{
	unsigned char	*out;
	size_t		 len;

	(void)state;
	assert_int_equal(pbframe_ping(1234, &out, &len), 0);
	assert_int_equal(len, sizeof ping_1234);
	assert_memory_equal(out, ping_1234, sizeof ping_1234);
	free(out);
}

/* The response of §2.8, exactly, from the data frame it answers. */
static void
test_response_bytes(void **state)
{
	struct pbframe	 f;
	unsigned char	*out;
	size_t		 len;
	const char	 ev[] = "{\"schema\":\"2.0\"}";

	(void)state;
	data_frame(&f, "mid-1", "1", "0", ev, sizeof ev - 1);
	add_header(&f, "trace_id", "tid-1");
	assert_int_equal(pbframe_response(&f, 200, 12, &out, &len), 0);
	assert_int_equal(len, 112);
	assert_memory_equal(out, response_example, sizeof response_example);
	free(out);
	/* The data frame is left as it was. */
	assert_int_equal(f.nheaders, 5);
	assert_int_equal(f.payload_len, sizeof ev - 1);
	pbframe_clear(&f);
}

/* The ping decodes to what it was made of. */
static void
test_decode_ping(void **state)
{
	struct pbframe	 f;
	const char	*why = "unset";

	(void)state;
	assert_int_equal(pbframe_decode(ping_1234, sizeof ping_1234, &f,
	    &why), 0);
	assert_null(why);
	assert_true(f.seq_id == 0 && f.log_id == 0);
	assert_int_equal(f.service, 1234);
	assert_int_equal(f.method, PBFRAME_CONTROL);
	assert_int_equal(f.nheaders, 1);
	assert_string_equal(pbframe_header(&f, "type"), "ping");
	assert_null(f.payload);
	assert_int_equal(f.payload_len, 0);
	assert_null(f.payload_encoding);
	assert_null(f.payload_type);
	assert_null(f.log_id_new);
	pbframe_clear(&f);
	assert_cleared(&f);
	pbframe_clear(&f);	/* twice is harmless */
	pbframe_clear(NULL);
}

/* The Go SDK's ping: fields 6, 7 and 9 present and empty. */
static void
test_decode_go_style(void **state)
{
	unsigned char	 buf[sizeof ping_1234 + 6];
	const unsigned char go[] = { 0x32, 0x00, 0x3a, 0x00, 0x4a, 0x00 };
	struct pbframe	 f;
	const char	*why;
	unsigned char	*out;
	size_t		 len;

	(void)state;
	memcpy(buf, ping_1234, sizeof ping_1234);
	memcpy(buf + sizeof ping_1234, go, sizeof go);
	assert_int_equal(pbframe_decode(buf, sizeof buf, &f, &why), 0);
	assert_int_equal(f.service, 1234);
	assert_string_equal(pbframe_header(&f, "type"), "ping");
	assert_non_null(f.payload_encoding);
	assert_string_equal(f.payload_encoding, "");
	assert_non_null(f.payload_type);
	assert_string_equal(f.payload_type, "");
	assert_non_null(f.log_id_new);
	assert_string_equal(f.log_id_new, "");
	assert_null(f.payload);
	/* Kept as "", they are written back: the same 29 bytes. */
	assert_int_equal(pbframe_encode(&f, &out, &len), 0);
	assert_int_equal(len, sizeof buf);
	assert_memory_equal(out, buf, sizeof buf);
	free(out);
	pbframe_clear(&f);
}

/* The response of §2.8 decodes: six headers, the payload, no more. */
static void
test_decode_response(void **state)
{
	struct pbframe	 f;
	const char	*why;

	(void)state;
	assert_int_equal(pbframe_decode(response_example,
	    sizeof response_example, &f, &why), 0);
	assert_true(f.seq_id == 3 && f.log_id == 7);
	assert_int_equal(f.service, 1234);
	assert_int_equal(f.method, PBFRAME_DATA);
	assert_int_equal(f.nheaders, 6);
	assert_string_equal(f.headers[0].key, "type");
	assert_string_equal(f.headers[0].value, "event");
	assert_string_equal(pbframe_header(&f, "message_id"), "mid-1");
	assert_string_equal(pbframe_header(&f, "sum"), "1");
	assert_string_equal(pbframe_header(&f, "seq"), "0");
	assert_string_equal(pbframe_header(&f, "trace_id"), "tid-1");
	assert_string_equal(f.headers[5].key, "biz_rt");
	assert_string_equal(f.headers[5].value, "12");
	assert_null(pbframe_header(&f, "timestamp"));
	assert_int_equal(f.payload_len, 12);
	assert_memory_equal(f.payload, "{\"code\":200}", 12);
	assert_null(f.payload_encoding);
	pbframe_clear(&f);
}

/* Every field set, large numbers and a payload with NULs survive. */
static void
test_round_trip(void **state)
{
	struct pbframe	 f, g;
	const unsigned char pl[] = { 'a', 0, 'b', 0, 0, 0xff };
	unsigned char	*out;
	size_t		 len;
	const char	*why;

	(void)state;
	data_frame(&f, "6f2d2a1c-0000-4000-8000-000000000001", "2", "1", pl,
	    sizeof pl);
	f.seq_id = UINT64_C(0x123456789abcdef0);	/* above 2^32 */
	f.log_id = UINT64_MAX;
	f.service = INT32_MAX;
	f.method = 7;
	add_header(&f, "empty", "");
	f.payload_encoding = strdup("none");
	f.payload_type = strdup("json");
	f.log_id_new = strdup("02170000000000000000");
	assert_int_equal(pbframe_encode(&f, &out, &len), 0);
	assert_int_equal(pbframe_decode(out, len, &g, &why), 0);
	assert_frames_equal(&f, &g);
	assert_true(g.seq_id == UINT64_C(0x123456789abcdef0));
	assert_true(g.log_id == UINT64_MAX);
	assert_memory_equal(g.payload, pl, sizeof pl);
	free(out);
	pbframe_clear(&g);

	/* A negative service takes ten bytes and comes back. */
	f.service = -2;
	assert_int_equal(pbframe_encode(&f, &out, &len), 0);
	assert_int_equal(pbframe_decode(out, len, &g, &why), 0);
	assert_int_equal(g.service, -2);
	free(out);
	pbframe_clear(&g);

	/* An empty payload is present: written as 42 00 (the last field
	 * once LogIDNew, number 9, is gone), read back so. */
	free(f.log_id_new);
	f.log_id_new = NULL;
	set_payload(&f, "", 0);
	assert_int_equal(pbframe_encode(&f, &out, &len), 0);
	assert_int_equal(out[len - 2], 0x42);
	assert_int_equal(out[len - 1], 0x00);
	assert_int_equal(pbframe_decode(out, len, &g, &why), 0);
	assert_non_null(g.payload);
	assert_int_equal(g.payload_len, 0);
	free(out);
	pbframe_clear(&g);
	pbframe_clear(&f);
}

/* Fields unknown to the schema are skipped; order does not matter. */
static void
test_unknown_fields(void **state)
{
	/* The ping, then field 15 as varint 300 and as 2 bytes. */
	unsigned char	 buf[sizeof ping_1234 + 7];
	const unsigned char extra[] = { 0x78, 0xac, 0x02, 0x7a, 0x02, 0x01,
	    0x02 };
	/* The ping's fields back to front. */
	const unsigned char rev[] = { 0x2a, 0x0c, 0x12, 0x04, 0x70, 0x69,
	    0x6e, 0x67, 0x0a, 0x04, 0x74, 0x79, 0x70, 0x65, 0x20, 0x00, 0x18,
	    0xd2, 0x09, 0x10, 0x00, 0x08, 0x00 };
	struct pbframe	 f, ping;
	const char	*why;
	unsigned char	*out;
	size_t		 len;

	(void)state;
	assert_int_equal(pbframe_decode(ping_1234, sizeof ping_1234, &ping,
	    &why), 0);
	memcpy(buf, ping_1234, sizeof ping_1234);
	memcpy(buf + sizeof ping_1234, extra, sizeof extra);
	assert_int_equal(pbframe_decode(buf, sizeof buf, &f, &why), 0);
	assert_frames_equal(&f, &ping);
	/* They are not written back. */
	assert_int_equal(pbframe_encode(&f, &out, &len), 0);
	assert_int_equal(len, sizeof ping_1234);
	assert_memory_equal(out, ping_1234, len);
	free(out);
	pbframe_clear(&f);
	assert_int_equal(pbframe_decode(rev, sizeof rev, &f, &why), 0);
	assert_frames_equal(&f, &ping);
	pbframe_clear(&f);
	pbframe_clear(&ping);
}

/* Frames that are not Frames, or lack a required field. */
static void
test_refusals(void **state)
{
	unsigned char	 buf[64];

	(void)state;
	/* No SeqID: the ping without its first two bytes. */
	assert_refused(ping_1234 + 2, sizeof ping_1234 - 2);
	/* No method: the ping with 20 00 left out. */
	memcpy(buf, ping_1234, 7);
	memcpy(buf + 7, ping_1234 + 9, sizeof ping_1234 - 9);
	assert_refused(buf, sizeof ping_1234 - 2);
	/* A header without its value: 2a 06 0a 04 "type". */
	memcpy(buf, ping_1234, 9);
	memcpy(buf + 9, "\x2a\x06\x0a\x04type", 8);
	assert_refused(buf, 17);
	/* Cut short inside the header, and nothing at all. */
	assert_refused(ping_1234, sizeof ping_1234 - 1);
	assert_refused(ping_1234, 0);
	/* SeqID with the wrong wire type (length-delimited). */
	memcpy(buf, ping_1234, sizeof ping_1234);
	buf[0] = 0x0a;
	assert_refused(buf, sizeof ping_1234);
	/* Not protobuf at all. */
	assert_refused((const unsigned char *)"{\"type\":\"ping\"}", 15);
}

/* Encodes a frame with n headers; the caller frees the bytes. */
static unsigned char *
frame_with_headers(size_t n, size_t *len)
{
	struct pbframe	 f;
	unsigned char	*out;
	size_t		 i;

	memset(&f, 0, sizeof f);
	for (i = 0; i < n; i++)
		add_header(&f, "k", "v");
	assert_int_equal(pbframe_encode(&f, &out, len), 0);
	pbframe_clear(&f);
	return out;
}

/* The caps of one frame: its size and its number of headers. */
static void
test_decode_caps(void **state)
{
	struct pbframe	 f;
	unsigned char	*buf;
	const char	*why;
	size_t		 len;

	(void)state;
	buf = frame_with_headers(PBFRAME_HEADERS_MAX, &len);
	assert_int_equal(pbframe_decode(buf, len, &f, &why), 0);
	assert_int_equal(f.nheaders, PBFRAME_HEADERS_MAX);
	pbframe_clear(&f);
	free(buf);
	buf = frame_with_headers(PBFRAME_HEADERS_MAX + 1, &len);
	assert_int_equal(pbframe_decode(buf, len, &f, &why), -1);
	assert_string_equal(why, "too many headers");
	assert_cleared(&f);
	free(buf);

	/* A frame of PBFRAME_MAX bytes is read; one byte more is not. */
	buf = calloc(1, PBFRAME_MAX + 1);
	assert_non_null(buf);
	memcpy(buf, ping_1234, sizeof ping_1234);
	/* The payload takes the rest: tag, a 4-byte length, bytes. */
	len = PBFRAME_MAX - sizeof ping_1234 - 5;
	buf[sizeof ping_1234] = 0x42;
	buf[sizeof ping_1234 + 1] = (unsigned char)(0x80 | (len & 0x7f));
	buf[sizeof ping_1234 + 2] = (unsigned char)(0x80 | ((len >> 7) & 0x7f));
	buf[sizeof ping_1234 + 3] = (unsigned char)(0x80 | ((len >> 14) & 0x7f));
	buf[sizeof ping_1234 + 4] = (unsigned char)(len >> 21);
	assert_int_equal(pbframe_decode(buf, PBFRAME_MAX, &f, &why), 0);
	assert_int_equal(f.payload_len, len);
	pbframe_clear(&f);
	assert_int_equal(pbframe_decode(buf, PBFRAME_MAX + 1, &f, &why), -1);
	assert_string_equal(why, "frame too large");
	assert_cleared(&f);
	free(buf);
}

/* Fills n bytes at buf with the ping's fields and then copies of rec. */
static void
fill_frame(unsigned char *buf, size_t n, const char *rec, size_t reclen)
{
	size_t	 i;

	memcpy(buf, ping_1234, 9);
	for (i = 9; i + reclen <= n; i += reclen)
		memcpy(buf + i, rec, reclen);
	assert_int_equal(i, n);
}

/* Many tiny fields cost protobuf-c far more than their bytes: refused. */
static void
test_decode_many_fields(void **state)
{
	struct pbframe	 f;
	unsigned char	*buf;
	const char	*why;
	size_t		 n = 9 + 6 * 500000;

	(void)state;
	/* Half a million empty headers (2a 04 0a 00 12 00): 3 MB. */
	buf = malloc(n);
	assert_non_null(buf);
	fill_frame(buf, n, "\x2a\x04\x0a\x00\x12\x00", 6);
	assert_int_equal(pbframe_decode(buf, n, &f, &why), -1);
	assert_string_equal(why, "too many fields");
	assert_cleared(&f);
	/* 5000 unknown varints (78 00) are as bad; 100 are fine. */
	n = 9 + 2 * 5000;
	fill_frame(buf, n, "\x78\x00", 2);
	assert_int_equal(pbframe_decode(buf, n, &f, &why), -1);
	assert_string_equal(why, "too many fields");
	n = 9 + 2 * 100;
	fill_frame(buf, n, "\x78\x00", 2);
	assert_int_equal(pbframe_decode(buf, n, &f, &why), 0);
	assert_int_equal(f.service, 1234);
	pbframe_clear(&f);
	/* 64 empty headers, the most a frame may carry, in 393 bytes. */
	n = 9 + 6 * PBFRAME_HEADERS_MAX;
	fill_frame(buf, n, "\x2a\x04\x0a\x00\x12\x00", 6);
	assert_int_equal(pbframe_decode(buf, n, &f, &why), 0);
	assert_int_equal(f.nheaders, PBFRAME_HEADERS_MAX);
	assert_string_equal(f.headers[63].key, "");
	pbframe_clear(&f);
	free(buf);
}

/* Repeated header names: the first one counts. */
static void
test_header_first_match(void **state)
{
	struct pbframe	 f;

	(void)state;
	memset(&f, 0, sizeof f);
	assert_null(pbframe_header(&f, "type"));
	add_header(&f, "Type", "x");
	add_header(&f, "type", "first");
	add_header(&f, "type", "second");
	assert_string_equal(pbframe_header(&f, "type"), "first");
	assert_string_equal(pbframe_header(&f, "Type"), "x");
	assert_null(pbframe_header(&f, "typ"));
	pbframe_clear(&f);
}

/* The response keeps an earlier biz_rt first and adds its own last. */
static void
test_response_fields(void **state)
{
	struct pbframe	 f, g;
	unsigned char	*out;
	size_t		 len;
	const char	*why;

	(void)state;
	data_frame(&f, "m", "1", "0", "x", 1);
	add_header(&f, "biz_rt", "1");
	f.seq_id = UINT64_C(1) << 40;
	f.log_id_new = strdup("log-2");
	f.payload_type = strdup("json");
	assert_int_equal(pbframe_response(&f, 500, 3456, &out, &len), 0);
	assert_int_equal(pbframe_decode(out, len, &g, &why), 0);
	assert_true(g.seq_id == UINT64_C(1) << 40);
	assert_int_equal(g.nheaders, 6);
	assert_string_equal(pbframe_header(&g, "biz_rt"), "1");
	assert_string_equal(g.headers[5].key, "biz_rt");
	assert_string_equal(g.headers[5].value, "3456");
	assert_string_equal(g.log_id_new, "log-2");
	assert_null(g.payload_type);	/* our payload is plain JSON */
	assert_int_equal(g.payload_len, 12);
	assert_memory_equal(g.payload, "{\"code\":500}", 12);
	free(out);
	pbframe_clear(&g);
	pbframe_clear(&f);
}

/* Adds f to p, expecting rc; returns the whole event when rc is 1. */
static unsigned char *
add(struct pbparts *p, struct pbframe *f, int64_t now, int rc, size_t *len)
{
	unsigned char	*whole = (unsigned char *)"junk";
	const char	*why = "junk";
	size_t		 n = 99;

	assert_int_equal(pbparts_add(p, f, now, &whole, &n, &why), rc);
	if (rc == 1) {
		assert_non_null(whole);
		assert_null(why);
	} else {
		assert_null(whole);
		assert_int_equal(n, 0);
		if (rc == 0)
			assert_null(why);
		else
			assert_non_null(why);
	}
	pbframe_clear(f);
	if (len != NULL)
		*len = n;
	return whole;
}

/* Adds part seq of sum of event mid holding payload s. */
static int
add_part(struct pbparts *p, const char *mid, const char *sum,
    const char *seq, const char *s, int64_t now, unsigned char **whole,
    size_t *len)
{
	struct pbframe	 f;
	const char	*why;
	int		 rc;

	data_frame(&f, mid, sum, seq, s, s == NULL ? 0 : strlen(s));
	rc = pbparts_add(p, &f, now, whole, len, &why);
	pbframe_clear(&f);
	return rc;
}

/* Three parts out of order: complete once, with the bytes in order. */
static void
test_parts_out_of_order(void **state)
{
	struct pbparts	*p = pbparts_new();
	unsigned char	*w;
	size_t		 len;

	(void)state;
	assert_int_equal(add_part(p, "m1", "3", "2", "C", 0, &w, &len), 0);
	assert_int_equal(pbparts_pending(p), 1);
	/* Another event in between does not disturb it. */
	assert_int_equal(add_part(p, "m2", "2", "1", "y", 1, &w, &len), 0);
	assert_int_equal(add_part(p, "m1", "3", "0", "AAA", 2, &w, &len), 0);
	assert_int_equal(pbparts_pending(p), 2);
	assert_int_equal(add_part(p, "m1", "3", "1", "BB", 3, &w, &len), 1);
	assert_int_equal(len, 6);
	assert_memory_equal(w, "AAABBC", 6);
	free(w);
	assert_int_equal(pbparts_pending(p), 1);
	/* A late copy of a part starts over: it completes nothing. */
	assert_int_equal(add_part(p, "m1", "3", "1", "BB", 4, &w, &len), 0);
	assert_null(w);
	assert_int_equal(pbparts_pending(p), 2);
	assert_int_equal(add_part(p, "m2", "2", "0", "x", 5, &w, &len), 1);
	assert_int_equal(len, 2);
	assert_memory_equal(w, "xy", 2);
	free(w);
	assert_int_equal(pbparts_pending(p), 1);
	pbparts_free(p);
	pbparts_free(NULL);
}

/* A repeated part replaces the earlier one, also in the size count. */
static void
test_parts_duplicate(void **state)
{
	struct pbparts	*p = pbparts_new();
	unsigned char	*w;
	size_t		 len;

	(void)state;
	assert_int_equal(add_part(p, "d", "2", "0", "old-old", 0, &w, &len),
	    0);
	assert_int_equal(add_part(p, "d", "2", "0", "new", 1, &w, &len), 0);
	assert_int_equal(pbparts_pending(p), 1);
	assert_int_equal(add_part(p, "d", "2", "1", "!", 2, &w, &len), 1);
	assert_int_equal(len, 4);
	assert_memory_equal(w, "new!", 4);
	free(w);
	assert_int_equal(pbparts_pending(p), 0);
	/* An empty part, and a part without payload, count as parts. */
	assert_int_equal(add_part(p, "e", "3", "0", "", 3, &w, &len), 0);
	assert_int_equal(add_part(p, "e", "3", "2", NULL, 3, &w, &len), 0);
	assert_int_equal(add_part(p, "e", "3", "1", "z", 3, &w, &len), 1);
	assert_int_equal(len, 1);
	assert_memory_equal(w, "z", 1);
	free(w);
	pbparts_free(p);
}

/* Events that were not split; sum and seq missing read as 1 and 0. */
static void
test_parts_single(void **state)
{
	struct pbparts	*p = pbparts_new();
	struct pbframe	 f;
	const unsigned char nul[] = { '{', 0, '}' };
	unsigned char	*w;
	size_t		 len;

	(void)state;
	data_frame(&f, "s", NULL, NULL, nul, sizeof nul);
	w = add(p, &f, 0, 1, &len);
	assert_int_equal(len, sizeof nul);
	assert_memory_equal(w, nul, sizeof nul);
	free(w);
	data_frame(&f, "s", "1", "0", "{}", 2);
	w = add(p, &f, 0, 1, &len);
	assert_int_equal(len, 2);
	assert_memory_equal(w, "{}", 2);
	free(w);
	/* No message_id is needed when there is nothing to join. */
	data_frame(&f, NULL, "1", NULL, "{}", 2);
	free(add(p, &f, 0, 1, &len));
	/* No payload: an empty event, still a buffer to free. */
	data_frame(&f, "s", "1", "0", NULL, 0);
	w = add(p, &f, 0, 1, &len);
	assert_int_equal(len, 0);
	free(w);
	assert_int_equal(pbparts_pending(p), 0);
	pbparts_free(p);
}

/* Incomplete events expire PBFRAME_PART_TTL_MS after their last part. */
static void
test_parts_expiry(void **state)
{
	struct pbparts	*p = pbparts_new();
	unsigned char	*w;
	size_t		 len;
	const int64_t	 t = 1763750000000;

	(void)state;
	/* Each part refreshes it: 0, 9 s, 18 s completes. */
	assert_int_equal(add_part(p, "r", "3", "0", "a", t, &w, &len), 0);
	assert_int_equal(add_part(p, "r", "3", "1", "b", t + 9000, &w, &len),
	    0);
	assert_int_equal(add_part(p, "r", "3", "2", "c", t + 18000, &w,
	    &len), 1);
	assert_memory_equal(w, "abc", 3);
	free(w);
	/* Exactly the TTL is kept, one ms more is not. */
	assert_int_equal(add_part(p, "x", "2", "0", "a", t, &w, &len), 0);
	assert_int_equal(add_part(p, "y", "2", "0", "b", t, &w, &len), 0);
	assert_int_equal(add_part(p, "z", "2", "0", "c", t + 1, &w, &len), 0);
	assert_int_equal(add_part(p, "x", "2", "1", "A",
	    t + PBFRAME_PART_TTL_MS, &w, &len), 1);
	assert_memory_equal(w, "aA", 2);
	free(w);
	assert_int_equal(pbparts_pending(p), 2);
	/* y is dropped before its second part is looked at: it starts over. */
	assert_int_equal(add_part(p, "y", "2", "1", "B",
	    t + PBFRAME_PART_TTL_MS + 1, &w, &len), 0);
	assert_int_equal(pbparts_pending(p), 2);	/* z and the new y */
	assert_int_equal(add_part(p, "y", "2", "0", "b2",
	    t + PBFRAME_PART_TTL_MS + 2, &w, &len), 1);
	assert_memory_equal(w, "b2B", 3);
	free(w);
	assert_int_equal(pbparts_pending(p), 0);	/* z went at +2 too */
	/* A clock that goes back drops nothing. */
	assert_int_equal(add_part(p, "b", "2", "0", "1", t, &w, &len), 0);
	assert_int_equal(add_part(p, "c", "2", "0", "1", t - 3600000, &w,
	    &len), 0);
	assert_int_equal(pbparts_pending(p), 2);
	/* Extreme clocks do not overflow the age. */
	assert_int_equal(add_part(p, "d", "2", "0", "1", INT64_MIN, &w,
	    &len), 0);
	assert_int_equal(pbparts_pending(p), 3);
	assert_int_equal(add_part(p, "e", "2", "0", "1", INT64_MAX, &w,
	    &len), 0);
	assert_int_equal(pbparts_pending(p), 1);
	pbparts_free(p);
}

/* Adds a part expected to be refused, and checks the reason. */
static void
refuse(struct pbparts *p, const char *mid, const char *sum, const char *seq,
    const char *reason)
{
	struct pbframe	 f;
	unsigned char	*w = (unsigned char *)"junk";
	const char	*why = NULL;
	size_t		 len = 99;

	data_frame(&f, mid, sum, seq, "x", 1);
	assert_int_equal(pbparts_add(p, &f, 0, &w, &len, &why), -1);
	assert_null(w);
	assert_int_equal(len, 0);
	assert_non_null(why);
	assert_string_equal(why, reason);
	pbframe_clear(&f);
}

/* sum and seq: decimal numbers in range, nothing else. */
static void
test_parts_numbers(void **state)
{
	struct pbparts	*p = pbparts_new();
	const char	*bad[] = { "", "0", "-1", "+2", " 2", "2 ", "2x",
	    "0x2", "abc", "99999999999999999999999", NULL };
	unsigned char	*w;
	size_t		 len, i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++)
		refuse(p, "n", bad[i], "0", "sum is not a number from 1");
	refuse(p, "n", "65", "0", "too many parts");
	refuse(p, "n", "3", "3", "seq is not a number below sum");
	refuse(p, "n", "3", "-1", "seq is not a number below sum");
	refuse(p, "n", "3", "+1", "seq is not a number below sum");
	refuse(p, "n", "3", "", "seq is not a number below sum");
	refuse(p, "n", "1", "1", "seq is not a number below sum");
	refuse(p, NULL, "2", "0", "no message_id");
	refuse(p, "", "2", "0", "no message_id");
	assert_int_equal(pbparts_pending(p), 0);
	/* Leading zeros are still decimal. */
	assert_int_equal(add_part(p, "n", "02", "01", "b", 0, &w, &len), 0);
	/* The same event cannot change its number of parts. */
	refuse(p, "n", "3", "0", "sum differs from the earlier parts'");
	assert_int_equal(add_part(p, "n", "2", "0", "a", 0, &w, &len), 1);
	assert_memory_equal(w, "ab", 2);
	free(w);
	pbparts_free(p);
}

/* The caps: PBFRAME_PARTS_MAX, PBFRAME_PENDING_MAX, PBFRAME_EVENT_MAX. */
static void
test_parts_caps(void **state)
{
	struct pbparts	*p = pbparts_new();
	struct pbframe	 f;
	unsigned char	*w, *big;
	char		 mid[16], seq[16];
	size_t		 len, i;

	(void)state;
	/* 64 parts, the last one completes. */
	for (i = 0; i < PBFRAME_PARTS_MAX; i++) {
		(void)snprintf(seq, sizeof seq, "%zu", i);
		assert_int_equal(add_part(p, "many", "64", seq, "ab", 0, &w,
		    &len), i + 1 == PBFRAME_PARTS_MAX);
	}
	assert_int_equal(len, 2 * PBFRAME_PARTS_MAX);
	free(w);
	/* 32 events pending; a 33rd is refused, parts of held ones not. */
	for (i = 0; i < PBFRAME_PENDING_MAX; i++) {
		(void)snprintf(mid, sizeof mid, "p%zu", i);
		assert_int_equal(add_part(p, mid, "2", "0", "a", 0, &w, &len),
		    0);
	}
	assert_int_equal(pbparts_pending(p), PBFRAME_PENDING_MAX);
	refuse(p, "one-too-many", "2", "0", "too many events pending");
	assert_int_equal(add_part(p, "p7", "2", "1", "b", 0, &w, &len), 1);
	free(w);
	assert_int_equal(add_part(p, "now-fits", "2", "0", "a", 0, &w, &len),
	    0);
	/* Expiry makes room. */
	refuse(p, "one-too-many", "2", "0", "too many events pending");
	assert_int_equal(add_part(p, "later", "2", "0", "a",
	    PBFRAME_PART_TTL_MS + 1, &w, &len), 0);
	assert_int_equal(pbparts_pending(p), 1);
	pbparts_free(p);

	/* Exactly PBFRAME_EVENT_MAX bytes is one event; one more is not. */
	p = pbparts_new();
	big = calloc(1, PBFRAME_EVENT_MAX / 2 + 1);
	assert_non_null(big);
	big[0] = 'A';
	data_frame(&f, "big", "2", "0", big, PBFRAME_EVENT_MAX / 2);
	free(add(p, &f, 0, 0, NULL));
	big[0] = 'B';
	data_frame(&f, "big", "2", "1", big, PBFRAME_EVENT_MAX / 2);
	w = add(p, &f, 0, 1, &len);
	assert_int_equal(len, PBFRAME_EVENT_MAX);
	assert_int_equal(w[0], 'A');
	assert_int_equal(w[PBFRAME_EVENT_MAX / 2], 'B');
	free(w);
	data_frame(&f, "big", "2", "0", big, PBFRAME_EVENT_MAX / 2);
	free(add(p, &f, 0, 0, NULL));
	data_frame(&f, "big", "2", "1", big, PBFRAME_EVENT_MAX / 2 + 1);
	assert_null(add(p, &f, 0, -1, NULL));
	/* The event is dropped, not left to wait for a smaller part. */
	assert_int_equal(pbparts_pending(p), 0);
	/* A smaller repeat of a part makes room for the others. */
	data_frame(&f, "big", "3", "0", big, PBFRAME_EVENT_MAX / 2);
	free(add(p, &f, 0, 0, NULL));
	data_frame(&f, "big", "3", "1", big, PBFRAME_EVENT_MAX / 2);
	free(add(p, &f, 0, 0, NULL));
	data_frame(&f, "big", "3", "0", "a", 1);
	free(add(p, &f, 0, 0, NULL));
	data_frame(&f, "big", "3", "2", "c", 1);
	w = add(p, &f, 0, 1, &len);
	assert_int_equal(len, PBFRAME_EVENT_MAX / 2 + 2);
	assert_int_equal(w[0], 'a');
	assert_int_equal(w[len - 1], 'c');
	free(w);
	free(big);
	/* A frame built by hand can be larger than any decoded one. */
	big = calloc(1, PBFRAME_EVENT_MAX + 1);
	assert_non_null(big);
	data_frame(&f, NULL, NULL, NULL, big, PBFRAME_EVENT_MAX + 1);
	assert_null(add(p, &f, 0, -1, NULL));
	free(big);
	pbparts_free(p);
}

/* encode refuses a struct that contradicts itself. */
static void
test_encode_refusals(void **state)
{
	struct pbframe	 f;
	unsigned char	*out = (unsigned char *)"junk";
	size_t		 len = 99;

	(void)state;
	memset(&f, 0, sizeof f);
	f.nheaders = 1;		/* but no headers */
	assert_int_equal(pbframe_encode(&f, &out, &len), -1);
	assert_null(out);
	assert_int_equal(len, 0);
	f.nheaders = 0;
	f.payload_len = 3;	/* but no payload */
	assert_int_equal(pbframe_encode(&f, &out, &len), -1);
	assert_null(out);
	/* A header without key or value goes out with empty strings. */
	f.payload_len = 0;
	f.headers = calloc(1, sizeof *f.headers);
	assert_non_null(f.headers);
	f.nheaders = 1;
	assert_int_equal(pbframe_encode(&f, &out, &len), 0);
	assert_int_equal(len, 14);
	assert_memory_equal(out + 8, "\x2a\x04\x0a\x00\x12\x00", 6);
	free(out);
	pbframe_clear(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_bytes),
		cmocka_unit_test(test_response_bytes),
		cmocka_unit_test(test_decode_ping),
		cmocka_unit_test(test_decode_go_style),
		cmocka_unit_test(test_decode_response),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_encode_refusals),
		cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_decode_caps),
		cmocka_unit_test(test_decode_many_fields),
		cmocka_unit_test(test_header_first_match),
		cmocka_unit_test(test_response_fields),
		cmocka_unit_test(test_parts_out_of_order),
		cmocka_unit_test(test_parts_duplicate),
		cmocka_unit_test(test_parts_single),
		cmocka_unit_test(test_parts_expiry),
		cmocka_unit_test(test_parts_numbers),
		cmocka_unit_test(test_parts_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
