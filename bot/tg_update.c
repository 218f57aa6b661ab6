/*
 * A Telegram Update in one pass of yajl's events; see tg_update.h.
 *
 * Where yajl reads JSON differently from jansson, this file takes
 * jansson's side, so that the webhook accepts what it accepted before:
 *
 *  - a duplicate key in any object is refused: the keys seen are kept in
 *    one hash set, by object (each object has a serial number);
 *  - a \u escape of a high surrogate must be followed by one of a low
 *    surrogate, a low surrogate must not stand alone, and \u0000 is
 *    refused; so are \v and \f, which yajl takes for whitespace: one
 *    pass over the raw body before yajl sees it (outside a string a
 *    backslash is not JSON, so every backslash starts an escape);
 *  - the top level must be an object or an array, and no value, scalars
 *    included, may be nested deeper than 2048 (the top level is 1);
 *  - after it comes whitespace only (yajl takes an unterminated string
 *    there for a value still to come).
 *
 * One difference is kept: a NUL byte is refused wherever it is, where
 * jansson skips one right after a number or a literal.
 *  - integers must fit 64 bits and reals must not overflow: yajl hands
 *    over a number's text, and strtoll() and strtod() decide as in
 *    jansson.
 *
 * The bodies this accepts are checked against jansson's reading by the
 * tests (tests/unit/tg_tree.h) and by fuzz_telegram.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <yajl/yajl_parse.h>

#include "tg_update.h"
#include "messages/xmalloc.h"

#define TG_DEPTH_MAX	2048	/* jansson's JSON_PARSER_MAX_DEPTH */
#define TG_OPEN		16	/* open containers held inline */
#define TG_SLOTS	64	/* key slots held inline, a power of two */
#define TG_KEYS		1024	/* key bytes held inline */
#define TG_NUM		32	/* a number's text copied on the stack */
#define TG_INT_DIGITS	20	/* "-9223372036854775808" */

/* The containers whose members are read; every other is TGF_OTHER (an
 * object) or TGF_ARRAY. */
enum tg_frame {
	TGF_OTHER,
	TGF_ARRAY,
	TGF_ROOT,
	TGF_MESSAGE,
	TGF_CHAT,
	TGF_FROM,
	TGF_ENTITIES,	/* message.entities, an array */
	TGF_ENTITY	/* an object in it */
};

struct tg_open {
	enum tg_frame	 frame;
	uint32_t	 serial;	/* an object's, for its keys */
};

/* A key seen: its object's serial (0: the slot is free), its hash, and
 * where its bytes are. */
struct tg_slot {
	uint32_t	 serial, hash, off, len;
};

struct tg_sax {
	struct tg_update *u;
	struct tg_open	*open, open_inl[TG_OPEN];
	size_t		 nopen, capopen;
	uint32_t	 serials;
	/* Where the value after the current key goes (NULL: not kept), and
	 * what it opens if it is an object or an array. */
	struct tg_member *dst;
	enum tg_frame	 child;
	int		 array_top;	/* the top level is an array */
	yajl_handle	 h;
	size_t		 end;		/* the top level's last byte + 1 */
	/* The entity being read. */
	struct tg_member ent_type, ent_offset, ent_length;
	int		 ent_command;
	/* The keys seen; their bytes. */
	struct tg_slot	*slots, slots_inl[TG_SLOTS];
	size_t		 nslots, used;
	char		*keys;
	size_t		 keylen, keycap;
	char		 keys_inl[TG_KEYS];	/* last: not cleared */
};

static uint64_t		tg_seed;
static pthread_once_t	tg_seed_once = PTHREAD_ONCE_INIT;

/* The hash seed: random for each process, so that a sender cannot pick
 * keys that all land in one slot. */
static void
tg_seed_make(void)
{
	if (getrandom(&tg_seed, sizeof tg_seed, 0) != sizeof tg_seed)
		tg_seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&tg_seed;
}

/* FNV-1a from the seed and the object's serial. */
static uint32_t
tg_hash(uint32_t serial, const unsigned char *k, size_t n)
{
	uint64_t	 h = tg_seed ^ ((uint64_t)serial * 0x9e3779b97f4a7c15ULL);
	size_t		 i;

	for (i = 0; i < n; i++)
		h = (h ^ k[i]) * 0x100000001b3ULL;
	return (uint32_t)(h ^ (h >> 32));
}

/* Doubles the key set, moving every slot. */
static void
tg_slots_grow(struct tg_sax *s)
{
	struct tg_slot	*old = s->slots;
	size_t		 i, j, n = s->nslots;

	s->nslots = n * 2;
	s->slots = xcalloc(s->nslots, sizeof *s->slots);
	for (i = 0; i < n; i++) {
		if (old[i].serial == 0)
			continue;
		for (j = old[i].hash & (s->nslots - 1); s->slots[j].serial != 0;
		    j = (j + 1) & (s->nslots - 1))
			;
		s->slots[j] = old[i];
	}
	if (old != s->slots_inl)
		free(old);
}

/* Adds key k to the current object's; returns 0, or -1 if it has it. */
static int
tg_key_add(struct tg_sax *s, uint32_t serial, const unsigned char *k,
    size_t n)
{
	uint32_t	 h = tg_hash(serial, k, n);
	size_t		 i, mask = s->nslots - 1;
	struct tg_slot	*sl;

	for (i = h & mask; (sl = &s->slots[i])->serial != 0;
	    i = (i + 1) & mask)
		if (sl->serial == serial && sl->hash == h && sl->len == n &&
		    memcmp(s->keys + sl->off, k, n) == 0)
			return -1;
	if (s->keylen + n > s->keycap) {
		while (s->keylen + n > s->keycap)
			s->keycap *= 2;
		if (s->keys == s->keys_inl) {
			s->keys = xmalloc(s->keycap);
			memcpy(s->keys, s->keys_inl, s->keylen);
		} else
			s->keys = xrealloc(s->keys, s->keycap);
	}
	memcpy(s->keys + s->keylen, k, n);
	sl->serial = serial;
	sl->hash = h;
	sl->off = (uint32_t)s->keylen;
	sl->len = (uint32_t)n;
	s->keylen += n;
	if (++s->used * 2 > s->nslots)
		tg_slots_grow(s);
	return 0;
}

static struct tg_open *
tg_top(struct tg_sax *s)
{
	return &s->open[s->nopen - 1];
}

/* Opens a container; returns 0 past jansson's depth. */
static int
tg_push(struct tg_sax *s, enum tg_frame f)
{
	if (s->nopen >= TG_DEPTH_MAX)
		return 0;
	if (s->nopen == s->capopen) {
		s->capopen *= 2;
		if (s->open == s->open_inl) {
			s->open = xcalloc(s->capopen, sizeof *s->open);
			memcpy(s->open, s->open_inl, sizeof s->open_inl);
		} else
			s->open = xrealloc(s->open,
			    s->capopen * sizeof *s->open);
	}
	s->open[s->nopen].frame = f;
	s->open[s->nopen].serial = ++s->serials;
	s->nopen++;
	s->dst = NULL;
	s->child = TGF_OTHER;
	return 1;
}

/*
 * Closes a container. When that ends the top level, notes where: yajl
 * takes an unterminated string after it for a value still to come, where
 * jansson refuses anything but whitespace.
 */
static void
tg_pop(struct tg_sax *s)
{
	if (--s->nopen == 0)
		s->end = yajl_get_bytes_consumed(s->h);
}

/* Takes a value of kind in the current container: returns where it goes
 * (NULL: not kept), marked with its kind. */
static struct tg_member *
tg_value(struct tg_sax *s, enum tg_kind kind)
{
	struct tg_member	*m = s->dst;

	if (m != NULL)
		m->kind = kind;
	s->dst = NULL;
	s->child = TGF_OTHER;
	return m;
}

/*
 * Whether a scalar may stand here: jansson wants '[' or '{' first, and
 * counts every value, scalars too, against its depth.
 */
static int
tg_scalar_ok(const struct tg_sax *s)
{
	return s->nopen > 0 && s->nopen < TG_DEPTH_MAX;
}

static int
tg_null(void *ctx)
{
	struct tg_sax	*s = ctx;

	if (!tg_scalar_ok(s))
		return 0;
	(void)tg_value(s, TG_OTHER);
	return 1;
}

static int
tg_boolean(void *ctx, int b)
{
	struct tg_sax	*s = ctx;

	if (!tg_scalar_ok(s))
		return 0;
	(void)tg_value(s, b ? TG_TRUE : TG_OTHER);
	return 1;
}

/*
 * A number's text: an integer that must fit int64_t, or a real that must
 * not overflow (jansson's "too big integer", "real number overflow").
 * yajl's lexer has checked the grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?
 * ([eE][+-]?[0-9]+)?. Integers are read here rather than by strtoll(),
 * which cost 250 instructions for each of an update's four or five.
 */
static int
tg_number(void *ctx, const char *t, size_t n)
{
	struct tg_sax		*s = ctx;
	struct tg_member	*m;
	char			 num[TG_NUM], *p = num;
	uint64_t		 v = 0, lim;
	size_t			 i;
	double			 d;
	int			 neg;

	if (!tg_scalar_ok(s))
		return 0;
	if (memchr(t, '.', n) != NULL || memchr(t, 'e', n) != NULL ||
	    memchr(t, 'E', n) != NULL) {
		if (n >= sizeof num)
			p = xmalloc(n + 1);
		memcpy(p, t, n);
		p[n] = '\0';
		errno = 0;
		d = strtod(p, NULL);
		if (p != num)
			free(p);
		if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
			return 0;
		(void)tg_value(s, TG_OTHER);
		return 1;
	}
	neg = n > 0 && t[0] == '-';
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (n == (size_t)neg || n > TG_INT_DIGITS)
		return 0;
	for (i = (size_t)neg; i < n; i++) {
		if (t[i] < '0' || t[i] > '9' ||
		    v > (lim - (uint64_t)(t[i] - '0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(t[i] - '0');
	}
	if ((m = tg_value(s, TG_INTEGER)) != NULL)
		m->i = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 1;
}

static int
tg_string(void *ctx, const unsigned char *v, size_t n)
{
	struct tg_sax		*s = ctx;
	struct tg_update	*u = s->u;
	struct tg_member	*m;

	if (!tg_scalar_ok(s) || memchr(v, '\0', n) != NULL)
		return 0;
	if ((m = tg_value(s, TG_STRING)) == NULL)
		return 1;
	if (m == &s->ent_type) {
		s->ent_command = n == 11 && memcmp(v, "bot_command", 11) == 0;
		return 1;
	}
	m->off = u->strings.len;
	m->len = n;
	/* Room for every string kept was made at the start. */
	if (buf_add(&u->strings, v, n) == -1 ||
	    buf_add(&u->strings, "", 1) == -1)
		return 0;
	return 1;
}

/* Where a member of the current object goes, and what it opens. */
static void
tg_member_of(struct tg_sax *s, enum tg_frame f, const unsigned char *k,
    size_t n)
{
	struct tg_update	*u = s->u;

#define TG_IS(lit)	(n == sizeof lit - 1 && memcmp(k, lit, n) == 0)
	s->dst = NULL;
	s->child = TGF_OTHER;
	switch (f) {
	case TGF_ROOT:
		if (TG_IS("update_id"))
			s->dst = &u->update_id;
		else if (TG_IS("message")) {
			s->dst = &u->message;
			s->child = TGF_MESSAGE;
		}
		break;
	case TGF_MESSAGE:
		if (TG_IS("message_id"))
			s->dst = &u->message_id;
		else if (TG_IS("chat")) {
			s->dst = &u->chat;
			s->child = TGF_CHAT;
		} else if (TG_IS("from")) {
			s->dst = &u->from;
			s->child = TGF_FROM;
		} else if (TG_IS("text"))
			s->dst = &u->text;
		else if (TG_IS("entities"))
			s->child = TGF_ENTITIES;
		break;
	case TGF_CHAT:
		if (TG_IS("type"))
			s->dst = &u->chat_type;
		else if (TG_IS("id"))
			s->dst = &u->chat_id;
		else if (TG_IS("title"))
			s->dst = &u->chat_title;
		break;
	case TGF_FROM:
		if (TG_IS("id"))
			s->dst = &u->from_id;
		else if (TG_IS("is_bot"))
			s->dst = &u->from_is_bot;
		else if (TG_IS("first_name"))
			s->dst = &u->first_name;
		else if (TG_IS("last_name"))
			s->dst = &u->last_name;
		else if (TG_IS("username"))
			s->dst = &u->username;
		break;
	case TGF_ENTITY:
		if (TG_IS("type"))
			s->dst = &s->ent_type;
		else if (TG_IS("offset"))
			s->dst = &s->ent_offset;
		else if (TG_IS("length"))
			s->dst = &s->ent_length;
		break;
	default:
		break;
	}
#undef TG_IS
}

static int
tg_map_key(void *ctx, const unsigned char *k, size_t n)
{
	struct tg_sax	*s = ctx;
	struct tg_open	*o = tg_top(s);

	if (memchr(k, '\0', n) != NULL || tg_key_add(s, o->serial, k, n) == -1)
		return 0;
	tg_member_of(s, o->frame, k, n);
	return 1;
}

static int
tg_start_map(void *ctx)
{
	struct tg_sax	*s = ctx;
	enum tg_frame	 f = TGF_ROOT, child;

	if (s->nopen > 0) {
		f = tg_top(s)->frame;
		child = s->child;
		if (f == TGF_ENTITIES) {
			f = TGF_ENTITY;
			memset(&s->ent_type, 0, sizeof s->ent_type);
			memset(&s->ent_offset, 0, sizeof s->ent_offset);
			memset(&s->ent_length, 0, sizeof s->ent_length);
			s->ent_command = 0;
		} else if (f == TGF_ARRAY)
			f = TGF_OTHER;
		else {
			/* entities must be an array to be read */
			(void)tg_value(s, TG_OBJECT);
			f = child == TGF_ENTITIES ? TGF_OTHER : child;
		}
	}
	return tg_push(s, f);
}

static int
tg_end_map(void *ctx)
{
	struct tg_sax		*s = ctx;
	struct tg_update	*u = s->u;

	if (tg_top(s)->frame == TGF_ENTITY && !u->has_command &&
	    s->ent_command) {
		u->has_command = 1;
		u->cmd_offset = s->ent_offset.kind == TG_INTEGER ?
		    s->ent_offset.i : 0;
		u->cmd_length = s->ent_length.kind == TG_INTEGER ?
		    s->ent_length.i : 0;
	}
	tg_pop(s);
	return 1;
}

static int
tg_start_array(void *ctx)
{
	struct tg_sax	*s = ctx;
	enum tg_frame	 f = TGF_ARRAY;

	if (s->nopen == 0)
		s->array_top = 1;
	else if (tg_top(s)->frame != TGF_ARRAY &&
	    tg_top(s)->frame != TGF_ENTITIES) {
		if (s->child == TGF_ENTITIES)
			f = TGF_ENTITIES;
		(void)tg_value(s, TG_OTHER);
	}
	return tg_push(s, f);
}

static int
tg_end_array(void *ctx)
{
	tg_pop(ctx);
	return 1;
}

static const yajl_callbacks tg_callbacks = {
	tg_null, tg_boolean, NULL, NULL, tg_number, tg_string,
	tg_start_map, tg_map_key, tg_end_map, tg_start_array, tg_end_array
};

/* The four hex digits at p as a code point, or -1. */
static long
tg_hex4(const char *p)
{
	long	 v = 0;
	int	 i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			v |= p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			v |= p[i] - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * Whether the body's bytes are ones jansson takes where yajl takes more:
 * no \v or \f (whitespace to yajl, in a string or out), no \u0000, and
 * surrogates only in pairs. No NUL byte either, which yajl refuses too:
 * jansson drops one that comes right after a number or a literal (a slip
 * of its input buffer, which takes a NUL for "read more"), and that one
 * difference is not kept. Escapes that are not JSON at all are left to
 * yajl, which refuses them.
 */
static int
tg_bytes_ok(const char *b, size_t len)
{
	const char	*p = b, *end = b + len;
	long		 cp, lo;

	if (memchr(b, '\v', len) != NULL || memchr(b, '\f', len) != NULL ||
	    memchr(b, '\0', len) != NULL)
		return 0;
	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		if (end - p < 6 || p[1] != 'u') {
			p += end - p < 2 ? 1 : 2;
			continue;
		}
		if ((cp = tg_hex4(p + 2)) < 0) {
			p += 2;
			continue;
		}
		if (cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
			return 0;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
			    (lo = tg_hex4(p + 8)) < 0xdc00 || lo > 0xdfff)
				return 0;
			p += 12;
			continue;
		}
		p += 6;
	}
	return 1;
}

enum tg_body
tg_update_read(const char *body, size_t len, struct tg_update *u)
{
	struct tg_sax	 s;
	yajl_handle	 h;
	yajl_status	 st;

	memset(u, 0, sizeof *u);
	/* Each string kept is one member's value, stored once (a key twice
	 * is refused), decoded no longer than in the body, with a NUL: 13
	 * members. */
	buf_init(&u->strings, len + 32);
	if (!tg_bytes_ok(body, len))
		return TG_BODY_MALFORMED;
	(void)pthread_once(&tg_seed_once, tg_seed_make);
	memset(&s, 0, offsetof(struct tg_sax, keys_inl));
	s.u = u;
	s.open = s.open_inl;
	s.capopen = TG_OPEN;
	s.slots = s.slots_inl;
	s.nslots = TG_SLOTS;
	s.keys = s.keys_inl;
	s.keycap = TG_KEYS;
	if ((h = yajl_alloc(&tg_callbacks, NULL, &s)) == NULL)
		return TG_BODY_MALFORMED;
	s.h = h;
	/* The caller checked the body's UTF-8. */
	(void)yajl_config(h, yajl_dont_validate_strings, 1);
	st = yajl_parse(h, (const unsigned char *)body, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	yajl_free(h);
	if (s.open != s.open_inl)
		free(s.open);
	if (s.slots != s.slots_inl)
		free(s.slots);
	if (s.keys != s.keys_inl)
		free(s.keys);
	if (st != yajl_status_ok || s.end == 0)
		return TG_BODY_MALFORMED;
	for (; s.end < len; s.end++)
		if (strchr(" \t\r\n", body[s.end]) == NULL || body[s.end] == '\0')
			return TG_BODY_MALFORMED;
	return s.array_top ? TG_BODY_NOT_OBJECT : TG_BODY_OK;
}

void
tg_update_free(struct tg_update *u)
{
	buf_free(&u->strings);
}

const char *
tg_str(const struct tg_update *u, const struct tg_member *m)
{
	return u->strings.data + m->off;
}
