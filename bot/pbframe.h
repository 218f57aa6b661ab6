/*
 * Feishu's long-connection frame (pbbp2.Frame, bot/proto/pbbp2.proto,
 * encoded and decoded by protobuf-c) and the reassembly of events the
 * platform splits over several frames. Pure: no I/O, no clock of its own.
 */
#ifndef FANGFEI_PBFRAME_H
#define FANGFEI_PBFRAME_H

#include <stddef.h>
#include <stdint.h>

#define PBFRAME_MAX		(4 * 1024 * 1024)	/* one frame, bytes */
#define PBFRAME_HEADERS_MAX	64
#define PBFRAME_PARTS_MAX	64		/* parts of one event */
#define PBFRAME_EVENT_MAX	(1024 * 1024)	/* one reassembled event */
#define PBFRAME_PENDING_MAX	16		/* events being reassembled */
#define PBFRAME_PART_TTL_MS	10000		/* an incomplete event lives */

#define PBFRAME_CONTROL		0	/* method: ping, pong */
#define PBFRAME_DATA		1	/* method: event, card */

struct pbframe_header {
	char	*key;
	char	*value;
};

/* A decoded frame; every string and the payload are owned copies. */
struct pbframe {
	uint64_t		 seq_id;
	uint64_t		 log_id;
	int32_t			 service;
	int32_t			 method;
	struct pbframe_header	*headers;
	size_t			 nheaders;
	char			*payload_encoding;	/* NULL when absent */
	char			*payload_type;		/* NULL when absent */
	char			*log_id_new;		/* NULL when absent */
	unsigned char		*payload;		/* NULL when absent */
	size_t			 payload_len;
};

/*
 * Decodes one binary WebSocket message. Returns 0, or -1 with *why set to
 * a short static reason (too large; not a Frame or a required field
 * missing, one reason, as protobuf-c tells them not apart; more than
 * PBFRAME_HEADERS_MAX headers; so many fields that unpacking would take
 * more than about twice the frame's size). f is cleared on failure.
 * Unknown fields are skipped; an optional string present but empty is
 * kept as "".
 */
int		 pbframe_decode(const unsigned char *, size_t, struct pbframe *,
		    const char **why);
/* The value of the first header named key, or NULL. */
const char	*pbframe_header(const struct pbframe *, const char *key);
/* Frees what f owns and zeroes it. */
void		 pbframe_clear(struct pbframe *);

/* Encodes f (every required field, always). *out is the caller's to free.
 * Returns 0 or -1. */
int		 pbframe_encode(const struct pbframe *, unsigned char **out,
		    size_t *len);
/* The client's ping: SeqID 0, LogID 0, service, method 0, one header
 * type=ping, no payload (23 bytes for service 1234). */
int		 pbframe_ping(int32_t service, unsigned char **out,
		    size_t *len);
/*
 * The answer to a data frame: the same SeqID, LogID, service, method,
 * headers and LogIDNew, one more header biz_rt = ms, and the payload
 * {"code":<code>} (so no payload_encoding or payload_type).
 */
int		 pbframe_response(const struct pbframe *data, int code,
		    long biz_rt_ms, unsigned char **out, size_t *len);

/* Events split over several data frames (header sum > 1), being put
 * together, by message_id. */
struct pbparts;

struct pbparts	*pbparts_new(void);
void		 pbparts_free(struct pbparts *);
/*
 * Adds data frame f (header message_id, sum, seq: decimal digits only; a
 * missing sum reads as 1, a missing seq as 0, as in the SDKs). Returns 1
 * when f completes its event: *whole (caller frees, never NULL) and *len
 * get the payloads in seq order (for sum 1, a copy of f's payload; a part
 * without payload counts as empty); 0 when parts are still missing; -1
 * with *why for a frame that cannot be a part (no message_id while sum
 * > 1, sum or seq out of range, sum above PBFRAME_PARTS_MAX, a sum other
 * than the earlier parts', the event beyond PBFRAME_EVENT_MAX, which
 * drops it, more than PBFRAME_PENDING_MAX events pending). A repeated
 * part replaces the earlier one. Incomplete events older than
 * PBFRAME_PART_TTL_MS (measured from their last part, by now_ms) are
 * dropped first.
 */
int		 pbparts_add(struct pbparts *, const struct pbframe *,
		    int64_t now_ms, unsigned char **whole, size_t *len,
		    const char **why);
/* Incomplete events held now. */
size_t		 pbparts_pending(const struct pbparts *);

#endif
