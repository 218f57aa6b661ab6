/*
 * Chat groups as the bot sees them (recorded on their first message) with
 * their area and language, and the dedupe record of inbound messages.
 */
#ifndef FANGFEI_CHATS_H
#define FANGFEI_CHATS_H

#include <stdint.h>
#include <time.h>

#include "store.h"

struct chat_info {
	int64_t	 area_id;	/* 0: not attached */
	char	 locale[8];	/* "" when not set */
};

/* Reads what is known of (channel, chat_id); a group seen for the first
 * time is recorded (with title) when record is set. A private chat has a
 * row only once a preference was stored for it. */
enum store_status groups_seen(struct store *, const char *channel,
		    const char *chat_id, const char *title, int record,
		    time_t now, struct chat_info *);
/* Stores the language of a chat ("private" or "group" kind when new). */
enum store_status groups_set_locale(struct store *, const char *channel,
		    const char *chat_id, const char *kind, const char *locale,
		    time_t now);
/* Attaches a chat to an area (and kind: building, community, …). */
enum store_status groups_set_area(struct store *, const char *channel,
		    const char *chat_id, int64_t area, const char *kind,
		    time_t now);

/*
 * What makes an inbound message unique: its channel instance, message id
 * and, where the platform's ids are unique only within a chat or per
 * sender, the chat and sender ("" where not part of the key).
 */
struct inbound_key {
	const char	*channel;
	const char	*chat_id;
	const char	*sender_id;
	const char	*message_id;
};

/* The reply stored for an inbound message already handled (caller frees
 * *reply; texts are separated by RS, 0x1e), or STORE_NOT_FOUND. The row
 * holds no part of the key in clear, only a keyed hash of it, and the
 * reply sealed, both under the store key: STORE_ERROR without one. A
 * second put of the same key is STORE_INVALID. */
enum store_status inbound_seen_get(struct store *, const struct inbound_key *,
		    char **reply);
enum store_status inbound_seen_put(struct store *, const struct inbound_key *,
		    time_t now, const char *reply);
/*
 * Queues text for the chat (channel, chat_id) in the outbox, due at due,
 * recording the chat (kind "private" or "group") if it has no row yet:
 * the later parts of an answer too long for one message. A row with the
 * same idem_key already queued is left alone (a retried message queues
 * nothing twice). meta (may be NULL) is what the inbound message said
 * about answering it. The caller holds a transaction.
 */
enum store_status chats_queue_text(struct store *, const char *channel,
		    const char *chat_id, const char *kind, const char *text,
		    const char *idem_key, const char *meta, time_t due,
		    time_t now);
/* Forgets messages seen before the given time; *n gets how many. */
enum store_status inbound_seen_prune(struct store *, time_t before, long *n);

#endif
