/*
 * Feishu's long-connection frame (pbbp2.Frame) on top of the code protoc-c
 * generates from bot/proto/pbbp2.proto, and the reassembly of events split
 * over several data frames (see pbframe.h and STREAM.md §2.4–§2.8).
 * protobuf-c does the wire format; this file only copies between its
 * message structs and ours, so that no caller sees protobuf-c.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbbp2.pb-c.h"

#include "pbframe.h"
#include "messages/xmalloc.h"

/* One part of an event, once it came (held). */
struct pbparts_slot {
	unsigned char	*data;
	size_t		 len;
	int		 held;
};

/* One event being put together: a slot per part, filled in any order. */
struct pbparts_event {
	char			*message_id;
	int			 sum;
	int			 held;		/* slots filled */
	size_t			 total;		/* bytes in the filled slots */
	int64_t			 last_ms;	/* when the last part came */
	struct pbparts_slot	*slots;		/* sum of them */
};

/* The events being put together, in no order (there are few). */
struct pbparts {
	struct pbparts_event	*events[PBFRAME_PENDING_MAX];
	size_t			 nevents;
};

/*
 * What one unpack may allocate. protobuf-c takes some 32 bytes to scan
 * each field and 40 more for each header, so a frame of 4 MiB of
 * six-byte headers would cost it 100 MiB before we could count them;
 * twice the frame (strings, payload and unknown fields are copies of at
 * most all of it) and PBFRAME_UNPACK_SLACK for the bookkeeping of 64
 * headers and a few fields is all a real frame needs.
 */
#define PBFRAME_UNPACK_SLACK	(64 * 1024)

struct pbframe_budget {
	size_t	 left;
	int	 spent;		/* an allocation was refused */
};

/*
 * protobuf-c's allocation hook: within the budget, or NULL (unpack then
 * fails cleanly). Out-of-memory aborts, as everywhere else: protobuf-c's
 * own allocator would answer NULL, which unpack reports exactly like a
 * malformed frame.
 */
static void *
pbframe_pb_alloc(void *data, size_t size)
{
	struct pbframe_budget	*b = data;

	if (size > b->left) {
		b->spent = 1;
		return NULL;
	}
	b->left -= size;
	return xmalloc(size);
}

/* protobuf-c's release hook (nothing goes back to the budget). */
static void
pbframe_pb_free(void *data, void *p)
{
	(void)data;
	free(p);
}

/* Returns a copy of s, or NULL for NULL. */
static char *
pbframe_strdup(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

/* Copies what the unpacked message m holds into f (already zeroed). */
static void
pbframe_copy_in(const Pbbp2__Frame *m, struct pbframe *f)
{
	size_t	 i;

	f->seq_id = m->seqid;
	f->log_id = m->logid;
	f->service = m->service;
	f->method = m->method;
	if (m->n_headers > 0) {
		f->headers = xcalloc(m->n_headers, sizeof *f->headers);
		for (i = 0; i < m->n_headers; i++) {
			f->headers[i].key = xstrdup(m->headers[i]->key);
			f->headers[i].value = xstrdup(m->headers[i]->value);
		}
		f->nheaders = m->n_headers;
	}
	f->payload_encoding = pbframe_strdup(m->payload_encoding);
	f->payload_type = pbframe_strdup(m->payload_type);
	f->log_id_new = pbframe_strdup(m->logidnew);
	if (m->has_payload) {
		/* An empty payload is present all the same: non-NULL, 0. */
		f->payload = xmalloc(m->payload.len);
		if (m->payload.len > 0)
			memcpy(f->payload, m->payload.data, m->payload.len);
		f->payload_len = m->payload.len;
	}
}

/* Decodes one binary WebSocket message; see pbframe.h. */
int
pbframe_decode(const unsigned char *buf, size_t len, struct pbframe *f,
    const char **why)
{
	struct pbframe_budget	 budget;
	ProtobufCAllocator	 a = { pbframe_pb_alloc, pbframe_pb_free,
				    &budget };
	Pbbp2__Frame		*m = NULL;
	int			 rc = -1;

	memset(f, 0, sizeof *f);
	*why = NULL;
	if (len > PBFRAME_MAX) {
		*why = "frame too large";
		goto out;
	}
	budget.left = 2 * len + PBFRAME_UNPACK_SLACK;
	budget.spent = 0;
	/*
	 * protobuf-c gives no reason for a refusal, so a malformed message
	 * and one without SeqID, LogID, service, method or a header's key
	 * or value come back as the same NULL.
	 */
	m = pbbp2__frame__unpack(&a, len, buf);
	if (m == NULL) {
		*why = budget.spent ? "too many fields" :
		    "not a Frame, or a required field missing";
		goto out;
	}
	if (m->n_headers > PBFRAME_HEADERS_MAX) {
		*why = "too many headers";
		goto out;
	}
	pbframe_copy_in(m, f);
	rc = 0;
out:
	if (m != NULL)
		pbbp2__frame__free_unpacked(m, &a);
	return rc;
}

/* The value of the first header named key, or NULL. */
const char *
pbframe_header(const struct pbframe *f, const char *key)
{
	size_t	 i;

	for (i = 0; i < f->nheaders; i++)
		if (f->headers[i].key != NULL &&
		    strcmp(f->headers[i].key, key) == 0)
			return f->headers[i].value;
	return NULL;
}

/* Frees what f owns and zeroes it; NULL is a no-op. */
void
pbframe_clear(struct pbframe *f)
{
	size_t	 i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nheaders; i++) {
		free(f->headers[i].key);
		free(f->headers[i].value);
	}
	free(f->headers);
	free(f->payload_encoding);
	free(f->payload_type);
	free(f->log_id_new);
	free(f->payload);
	memset(f, 0, sizeof *f);
}

/* Encodes f; see pbframe.h. */
int
pbframe_encode(const struct pbframe *f, unsigned char **out, size_t *len)
{
	Pbbp2__Frame	  m = PBBP2__FRAME__INIT;
	Pbbp2__Header	 *hs = NULL, **hp = NULL;
	unsigned char	 *buf = NULL;
	char		  empty[] = "";
	size_t		  i, n;
	int		  rc = -1;

	*out = NULL;
	*len = 0;
	if ((f->nheaders > 0 && f->headers == NULL) ||
	    (f->payload == NULL && f->payload_len > 0))
		goto out;
	m.seqid = f->seq_id;
	m.logid = f->log_id;
	m.service = f->service;
	m.method = f->method;
	if (f->nheaders > 0) {
		hs = xcalloc(f->nheaders, sizeof *hs);
		hp = xcalloc(f->nheaders, sizeof *hp);
		for (i = 0; i < f->nheaders; i++) {
			pbbp2__header__init(&hs[i]);
			/* Both are required: an empty string, never nothing. */
			hs[i].key = f->headers[i].key ? f->headers[i].key : empty;
			hs[i].value = f->headers[i].value ?
			    f->headers[i].value : empty;
			hp[i] = &hs[i];
		}
	}
	m.n_headers = f->nheaders;
	m.headers = hp;
	/* protobuf-c leaves out an optional string that is NULL. */
	m.payload_encoding = f->payload_encoding;
	m.payload_type = f->payload_type;
	m.logidnew = f->log_id_new;
	if (f->payload != NULL) {
		m.has_payload = 1;
		m.payload.data = f->payload;
		m.payload.len = f->payload_len;
	}
	n = pbbp2__frame__get_packed_size(&m);
	buf = xmalloc(n);
	if (pbbp2__frame__pack(&m, buf) != n)
		goto out;
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	free(hp);
	free(hs);
	return rc;
}

/* The client's ping frame; see pbframe.h. */
int
pbframe_ping(int32_t service, unsigned char **out, size_t *len)
{
	char			 k[] = "type", v[] = "ping";
	struct pbframe_header	 h = { k, v };
	struct pbframe		 f;

	memset(&f, 0, sizeof f);
	f.service = service;
	f.method = PBFRAME_CONTROL;
	f.headers = &h;
	f.nheaders = 1;
	return pbframe_encode(&f, out, len);
}

/* The answer to a data frame; see pbframe.h. */
int
pbframe_response(const struct pbframe *data, int code, long biz_rt_ms,
    unsigned char **out, size_t *len)
{
	struct pbframe		 f;
	struct pbframe_header	*hs;
	char			 k[] = "biz_rt", rt[32], body[32];
	int			 n, rc;

	memset(&f, 0, sizeof f);
	f.seq_id = data->seq_id;
	f.log_id = data->log_id;
	f.service = data->service;
	f.method = data->method;
	/*
	 * The SDKs echo the whole frame. LogIDNew is a log id like LogID and
	 * goes back; payload_encoding and payload_type described the
	 * platform's payload, not the JSON that replaces it, so they do not.
	 */
	f.log_id_new = data->log_id_new;
	(void)snprintf(rt, sizeof rt, "%ld", biz_rt_ms);
	/* The SDKs' shape, {"code":200}; an integer needs no JSON encoder. */
	n = snprintf(body, sizeof body, "{\"code\":%d}", code);
	hs = xcalloc(data->nheaders + 1, sizeof *hs);
	if (data->nheaders > 0)
		memcpy(hs, data->headers, data->nheaders * sizeof *hs);
	hs[data->nheaders].key = k;
	hs[data->nheaders].value = rt;
	f.headers = hs;
	f.nheaders = data->nheaders + 1;
	f.payload = (unsigned char *)body;
	f.payload_len = (size_t)n;
	rc = pbframe_encode(&f, out, len);
	free(hs);
	return rc;
}

/* Frees one event and what its slots hold. */
static void
pbparts_event_free(struct pbparts_event *e)
{
	int	 i;

	if (e == NULL)
		return;
	for (i = 0; i < e->sum; i++)
		free(e->slots[i].data);
	free(e->slots);
	free(e->message_id);
	free(e);
}

/* Returns an empty set of events. */
struct pbparts *
pbparts_new(void)
{
	return xcalloc(1, sizeof(struct pbparts));
}

/* Frees p and every event it holds; NULL is a no-op. */
void
pbparts_free(struct pbparts *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nevents; i++)
		pbparts_event_free(p->events[i]);
	free(p);
}

/* Incomplete events held now. */
size_t
pbparts_pending(const struct pbparts *p)
{
	return p->nevents;
}

/* Removes event i from p (the last one takes its place) and frees it. */
static void
pbparts_remove(struct pbparts *p, size_t i)
{
	pbparts_event_free(p->events[i]);
	p->events[i] = p->events[--p->nevents];
	p->events[p->nevents] = NULL;
}

/*
 * Drops the events whose last part is more than PBFRAME_PART_TTL_MS old.
 * A clock that went back keeps them; the difference is taken unsigned so
 * that no pair of times overflows.
 */
static void
pbparts_expire(struct pbparts *p, int64_t now_ms)
{
	size_t	 i = 0;

	while (i < p->nevents) {
		if (now_ms > p->events[i]->last_ms &&
		    (uint64_t)now_ms - (uint64_t)p->events[i]->last_ms >
		    PBFRAME_PART_TTL_MS)
			pbparts_remove(p, i);
		else
			i++;
	}
}

/*
 * Reads a header holding a decimal number from 0 to max; an absent header
 * gives dflt (the SDKs read a missing sum as 1, a missing seq as 0).
 * Returns the number, or -1 for anything else.
 */
static long
pbparts_number(const struct pbframe *f, const char *key, long dflt, long max)
{
	const char	*s = pbframe_header(f, key);
	char		*end;
	long		 v;

	if (s == NULL)
		return dflt;
	/* strtol would take spaces, a sign and an empty string too. */
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	return v;
}

/* Returns the index of the held event for message_id, or p->nevents. */
static size_t
pbparts_find(const struct pbparts *p, const char *message_id)
{
	size_t	 i;

	for (i = 0; i < p->nevents; i++)
		if (strcmp(p->events[i]->message_id, message_id) == 0)
			break;
	return i;
}

/* Returns a copy of the n bytes at data (NULL when n is 0), never NULL. */
static unsigned char *
pbparts_copy(const unsigned char *data, size_t n)
{
	unsigned char	*c = xmalloc(n);

	if (n > 0)
		memcpy(c, data, n);
	return c;
}

/* Concatenates e's slots in seq order; the caller frees the result. */
static unsigned char *
pbparts_join(const struct pbparts_event *e)
{
	unsigned char	*whole = xmalloc(e->total);
	size_t		 off = 0;
	int		 i;

	for (i = 0; i < e->sum; i++) {
		if (e->slots[i].len > 0)
			memcpy(whole + off, e->slots[i].data, e->slots[i].len);
		off += e->slots[i].len;
	}
	return whole;
}

/*
 * Puts f as part seq of event mid of sum parts, starting the event if it
 * is new. Returns the event's index, or -1 with *why (an event that grew
 * too large is dropped: it can never be delivered, the platform resends).
 */
static long
pbparts_put(struct pbparts *p, const struct pbframe *f, const char *mid,
    int sum, int seq, int64_t now_ms, const char **why)
{
	struct pbparts_event	*e;
	struct pbparts_slot	*s;
	size_t			 i, total;

	if ((i = pbparts_find(p, mid)) == p->nevents) {
		if (p->nevents >= PBFRAME_PENDING_MAX) {
			*why = "too many events pending";
			return -1;
		}
		e = xcalloc(1, sizeof *e);
		e->message_id = xstrdup(mid);
		e->sum = sum;
		e->slots = xcalloc((size_t)sum, sizeof *e->slots);
		p->events[p->nevents++] = e;
	}
	e = p->events[i];
	if (e->sum != sum) {
		*why = "sum differs from the earlier parts'";
		return -1;
	}
	s = &e->slots[seq];
	total = e->total - s->len + f->payload_len;
	if (total > PBFRAME_EVENT_MAX) {
		pbparts_remove(p, i);
		*why = "event too large";
		return -1;
	}
	/* A repeated part replaces the earlier one. */
	free(s->data);
	s->data = pbparts_copy(f->payload, f->payload_len);
	s->len = f->payload_len;
	if (!s->held) {
		s->held = 1;
		e->held++;
	}
	e->total = total;
	e->last_ms = now_ms;
	return (long)i;
}

/* Adds data frame f to its event; see pbframe.h. */
int
pbparts_add(struct pbparts *p, const struct pbframe *f, int64_t now_ms,
    unsigned char **whole, size_t *len, const char **why)
{
	const char	*mid = pbframe_header(f, "message_id");
	long		 sum, seq, i;

	*whole = NULL;
	*len = 0;
	*why = NULL;
	pbparts_expire(p, now_ms);
	/* LONG_MAX so that a sum above the cap is told apart from junk. */
	if ((sum = pbparts_number(f, "sum", 1, LONG_MAX)) < 1) {
		*why = "sum is not a number from 1";
		return -1;
	}
	if (sum > PBFRAME_PARTS_MAX) {
		*why = "too many parts";
		return -1;
	}
	if ((seq = pbparts_number(f, "seq", 0, sum - 1)) < 0) {
		*why = "seq is not a number below sum";
		return -1;
	}
	if (f->payload_len > PBFRAME_EVENT_MAX) {
		*why = "event too large";
		return -1;
	}
	/* A whole event needs no key: the SDKs read message_id only to join. */
	if (sum == 1) {
		*whole = pbparts_copy(f->payload, f->payload_len);
		*len = f->payload_len;
		return 1;
	}
	if (mid == NULL || *mid == '\0') {
		*why = "no message_id";
		return -1;
	}
	if ((i = pbparts_put(p, f, mid, (int)sum, (int)seq, now_ms, why)) < 0)
		return -1;
	if (p->events[i]->held < p->events[i]->sum)
		return 0;
	*whole = pbparts_join(p->events[i]);
	*len = p->events[i]->total;
	pbparts_remove(p, (size_t)i);
	return 1;
}
