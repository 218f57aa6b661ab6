/*
 * Fuzzes Feishu's long-connection frame codec and event reassembly
 * (bot/pbframe.c). The input is a run of records, each two bytes of
 * length (big-endian), one control byte and that many bytes of one
 * binary WebSocket message (the last record takes what is left). The
 * control byte moves the clock by (ctl & 0x7f) * 200 ms, so that events
 * expire within one input, and its top bit picks code 500 over 200.
 *
 * Every message goes to pbframe_decode. A frame it accepts must encode,
 * decode back to the same values and encode again to the same bytes; its
 * response must decode to the frame's fields plus biz_rt and the code,
 * the ping for its service to the ping's fields;
 * and it goes to one pbparts per input, checked against a model: when an
 * event completes, its bytes are the latest accepted part of each seq.
 */
#include <stdio.h>

#include "fuzz_common.h"
#include "bot/pbframe.h"

/* A part pbparts accepted, as the model remembers it. */
struct model_part {
	struct pbframe	 f;
	long		 sum;
	long		 seq;
	int		 live;		/* not yet consumed by a completion */
};

struct model {
	struct model_part	*parts;
	size_t			 n;
};

/* Asserts that a and b hold the same values. */
static void
frames_equal(const struct pbframe *a, const struct pbframe *b)
{
	size_t	 i;

	FUZZ_ASSERT(a->seq_id == b->seq_id && a->log_id == b->log_id);
	FUZZ_ASSERT(a->service == b->service && a->method == b->method);
	FUZZ_ASSERT(a->nheaders == b->nheaders);
	for (i = 0; i < a->nheaders; i++) {
		FUZZ_ASSERT(strcmp(a->headers[i].key, b->headers[i].key) == 0);
		FUZZ_ASSERT(strcmp(a->headers[i].value,
		    b->headers[i].value) == 0);
	}
#define SAME_STR(x, y)							\
	FUZZ_ASSERT(((x) == NULL && (y) == NULL) ||			\
	    ((x) != NULL && (y) != NULL && strcmp((x), (y)) == 0))
	SAME_STR(a->payload_encoding, b->payload_encoding);
	SAME_STR(a->payload_type, b->payload_type);
	SAME_STR(a->log_id_new, b->log_id_new);
#undef SAME_STR
	FUZZ_ASSERT((a->payload == NULL) == (b->payload == NULL));
	FUZZ_ASSERT(a->payload_len == b->payload_len);
	FUZZ_ASSERT(a->payload_len == 0 ||
	    memcmp(a->payload, b->payload, a->payload_len) == 0);
}

/* Encode, decode, encode: the same values, then the same bytes. */
static void
check_round_trip(const struct pbframe *f)
{
	struct pbframe	 g;
	unsigned char	*out, *again;
	size_t		 len, alen;
	const char	*why;

	FUZZ_ASSERT(pbframe_encode(f, &out, &len) == 0);
	FUZZ_ASSERT(pbframe_decode(out, len, &g, &why) == 0);
	frames_equal(f, &g);
	FUZZ_ASSERT(pbframe_encode(&g, &again, &alen) == 0);
	FUZZ_ASSERT(alen == len && memcmp(out, again, len) == 0);
	free(again);
	free(out);
	pbframe_clear(&g);
}

/* The response is the frame's fields, its headers, biz_rt and the code. */
static void
check_response(const struct pbframe *f, int code, long rt)
{
	struct pbframe	 g;
	unsigned char	*out;
	size_t		 len, i;
	const char	*why;
	char		 want[32];

	FUZZ_ASSERT(pbframe_response(f, code, rt, &out, &len) == 0);
	if (pbframe_decode(out, len, &g, &why) != 0) {
		/* Only the header added to a full frame may stop it. */
		FUZZ_ASSERT(f->nheaders == PBFRAME_HEADERS_MAX);
		free(out);
		return;
	}
	FUZZ_ASSERT(g.seq_id == f->seq_id && g.log_id == f->log_id);
	FUZZ_ASSERT(g.service == f->service && g.method == f->method);
	FUZZ_ASSERT(g.nheaders == f->nheaders + 1);
	for (i = 0; i < f->nheaders; i++) {
		FUZZ_ASSERT(strcmp(g.headers[i].key, f->headers[i].key) == 0);
		FUZZ_ASSERT(strcmp(g.headers[i].value,
		    f->headers[i].value) == 0);
	}
	(void)snprintf(want, sizeof want, "%ld", rt);
	FUZZ_ASSERT(strcmp(g.headers[i].key, "biz_rt") == 0);
	FUZZ_ASSERT(strcmp(g.headers[i].value, want) == 0);
	(void)snprintf(want, sizeof want, "{\"code\":%d}", code);
	FUZZ_ASSERT(g.payload_len == strlen(want));
	FUZZ_ASSERT(memcmp(g.payload, want, g.payload_len) == 0);
	FUZZ_ASSERT(g.payload_encoding == NULL && g.payload_type == NULL);
	FUZZ_ASSERT((g.log_id_new == NULL) == (f->log_id_new == NULL));
	free(out);
	pbframe_clear(&g);
}

/* The ping for f's service: the fields of STREAM.md §2.6, nothing else. */
static void
check_ping(const struct pbframe *f)
{
	struct pbframe	 g;
	unsigned char	*out;
	size_t		 len;
	const char	*why;

	FUZZ_ASSERT(pbframe_ping(f->service, &out, &len) == 0);
	FUZZ_ASSERT(pbframe_decode(out, len, &g, &why) == 0);
	FUZZ_ASSERT(g.seq_id == 0 && g.log_id == 0 && g.method == 0);
	FUZZ_ASSERT(g.service == f->service && g.nheaders == 1);
	FUZZ_ASSERT(strcmp(g.headers[0].key, "type") == 0);
	FUZZ_ASSERT(strcmp(g.headers[0].value, "ping") == 0);
	FUZZ_ASSERT(g.payload == NULL && g.payload_encoding == NULL &&
	    g.payload_type == NULL && g.log_id_new == NULL);
	free(out);
	pbframe_clear(&g);
}

/* A header's number as pbparts read it (it accepted the frame). */
static long
header_number(const struct pbframe *f, const char *key, long dflt)
{
	const char	*s = pbframe_header(f, key);

	return s == NULL ? dflt : strtol(s, NULL, 10);
}

/* Moves f into the model (f is left empty). */
static void
model_add(struct model *m, struct pbframe *f, long sum, long seq)
{
	struct model_part	*p;

	m->parts = realloc(m->parts, (m->n + 1) * sizeof *m->parts);
	FUZZ_ASSERT(m->parts != NULL);
	p = &m->parts[m->n++];
	p->f = *f;
	p->sum = sum;
	p->seq = seq;
	p->live = 1;
	memset(f, 0, sizeof *f);
}

/*
 * An event of sum parts completed as whole: it must be the latest live
 * part of each seq, in order; then every part of mid is consumed.
 */
static void
model_complete(struct model *m, const char *mid, long sum,
    const unsigned char *whole, size_t len)
{
	const struct model_part	*p;
	size_t			 off = 0, i;
	long			 seq;

	for (seq = 0; seq < sum; seq++) {
		for (i = m->n; i > 0; i--) {
			p = &m->parts[i - 1];
			if (p->live && p->sum == sum && p->seq == seq &&
			    strcmp(pbframe_header(&p->f, "message_id"),
			    mid) == 0)
				break;
		}
		FUZZ_ASSERT(i > 0);
		FUZZ_ASSERT(off + p->f.payload_len <= len);
		FUZZ_ASSERT(p->f.payload_len == 0 ||
		    memcmp(whole + off, p->f.payload, p->f.payload_len) == 0);
		off += p->f.payload_len;
	}
	FUZZ_ASSERT(off == len);
	for (i = 0; i < m->n; i++)
		if (strcmp(pbframe_header(&m->parts[i].f, "message_id"),
		    mid) == 0)
			m->parts[i].live = 0;
}

/* Feeds f to pbparts and checks the answer against the model. */
static void
check_parts(struct pbparts *pp, struct model *m, struct pbframe *f,
    int64_t now)
{
	unsigned char	*whole = NULL;
	size_t		 len = 0;
	const char	*why = NULL, *mid;
	long		 sum, seq;
	int		 rc;

	rc = pbparts_add(pp, f, now, &whole, &len, &why);
	FUZZ_ASSERT(pbparts_pending(pp) <= PBFRAME_PENDING_MAX);
	if (rc < 0) {
		FUZZ_ASSERT(rc == -1 && why != NULL && whole == NULL);
		return;
	}
	FUZZ_ASSERT(why == NULL && len <= PBFRAME_EVENT_MAX);
	sum = header_number(f, "sum", 1);
	seq = header_number(f, "seq", 0);
	FUZZ_ASSERT(sum >= 1 && sum <= PBFRAME_PARTS_MAX);
	FUZZ_ASSERT(seq >= 0 && seq < sum);
	if (sum == 1) {
		FUZZ_ASSERT(rc == 1 && len == f->payload_len);
		FUZZ_ASSERT(len == 0 || memcmp(whole, f->payload, len) == 0);
		free(whole);
		return;
	}
	mid = pbframe_header(f, "message_id");
	FUZZ_ASSERT(mid != NULL && *mid != '\0');
	model_add(m, f, sum, seq);
	if (rc == 1)
		model_complete(m, pbframe_header(&m->parts[m->n - 1].f,
		    "message_id"), sum, whole, len);
	else
		FUZZ_ASSERT(whole == NULL && len == 0);
	free(whole);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pbparts	*pp = pbparts_new();
	struct model	 m = { NULL, 0 };
	struct pbframe	 f, zero;
	const char	*why;
	int64_t		 now = 1763750000000;
	size_t		 n, i;
	uint8_t		 ctl;

	memset(&zero, 0, sizeof zero);
	while (size >= 3) {
		n = (size_t)data[0] << 8 | data[1];
		ctl = data[2];
		data += 3;
		size -= 3;
		if (n > size)
			n = size;
		now += (ctl & 0x7f) * 200;
		if (pbframe_decode(data, n, &f, &why) != 0) {
			FUZZ_ASSERT(why != NULL);
			FUZZ_ASSERT(memcmp(&f, &zero, sizeof f) == 0);
		} else {
			FUZZ_ASSERT(why == NULL);
			FUZZ_ASSERT(f.nheaders <= PBFRAME_HEADERS_MAX);
			check_round_trip(&f);
			check_ping(&f);
			check_response(&f, ctl & 0x80 ? 500 : 200,
			    (long)ctl * 7);
			check_parts(pp, &m, &f, now);
			pbframe_clear(&f);
		}
		data += n;
		size -= n;
	}
	for (i = 0; i < m.n; i++)
		pbframe_clear(&m.parts[i].f);
	free(m.parts);
	pbparts_free(pp);
	return 0;
}
