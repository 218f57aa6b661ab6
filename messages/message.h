/*
 * The normalized message types every channel adapter produces and every
 * handler consumes. Nothing here knows a platform: an adapter fills a
 * struct inbound from its webhook and renders a struct reply back.
 */
#ifndef FANGFEI_MESSAGE_H
#define FANGFEI_MESSAGE_H

#include <stddef.h>

enum locale {
	LOCALE_ZH = 0,
	LOCALE_EN,
};

enum chat_kind {
	CHAT_PRIVATE = 0,
	CHAT_GROUP,
};

/* Caps of the identifier fields; an adapter rejects longer ones (400). */
#define INBOUND_ID_MAX		64
#define INBOUND_NAME_MAX	256
/* Cap of a message text in bytes, before any handler looks at it. */
#define INBOUND_TEXT_MAX	16384
/* Room for a backend's reply context (struct inbound's reply_ctx). */
#define INBOUND_CTX_MAX		(2 * INBOUND_ID_MAX + 24)

struct inbound {
	char		 channel[INBOUND_ID_MAX];	/* instance name */
	char		 chat_id[INBOUND_ID_MAX];
	enum chat_kind	 chat_kind;
	char		 chat_title[INBOUND_NAME_MAX];
	char		 sender_id[INBOUND_ID_MAX];
	char		 sender_name[INBOUND_NAME_MAX];
	char		 message_id[INBOUND_ID_MAX];	/* dedupe key */
	char		 reply_to[INBOUND_ID_MAX];	/* platform message to quote */
	char		*text;		/* owned; NULL when there is none */
	/* How to answer, for backends whose replies go through the outbox:
	 * a JSON object of the backend's own (owned; NULL: nothing). */
	char		*reply_meta;
	/* What the backend's reply() needs of the request it answers, when
	 * the answer in the webhook's response is addressed or signed with
	 * parts of it (WeChat's account, nonce and timestamp): the backend's
	 * own bytes, for this request only, never stored ("": none). */
	char		 reply_ctx[INBOUND_CTX_MAX];
	int		 ignore;	/* not for us (another bot, a service message) */
	int		 explicit_cmd;
	/* Sent from where nobody can be answered or reached again (the letter
	 * page's form): a tip made by it is anonymous, never rewarded. */
	int		 anonymous;	/* addressed as a command (/cmd or @bot) */
	/* From the chat simulator (/try): the sender plays persona_role (an
	 * enum role of handlers/handlers.h) instead of being looked up among
	 * the staff. The dispatcher reads it only from a backend whose
	 * .practice is set, and everything such a message does is practice
	 * (bot/dispatch.c). */
	int		 persona_role;
};

/* Releases the text; the struct itself is the caller's. */
void	 inbound_clear(struct inbound *);
/* Copies s into a fixed field; -1 (field untouched) if it does not fit. */
int	 inbound_set(char *field, size_t size, const char *s);

#define REPLY_TEXTS_MAX	4
/* Cap of one reply text in bytes (Telegram takes 4096 characters). */
#define REPLY_TEXT_MAX	8192

struct reply {
	size_t	 ntexts;
	char	*texts[REPLY_TEXTS_MAX];	/* owned */
	/* Shown once (a revealed reporter): it goes in the webhook's answer
	 * and is written nowhere, not even when that answer is late. */
	int	 secret;
};

/* Appends a copy of text; a reply past REPLY_TEXTS_MAX joins the last one. */
void	 reply_add(struct reply *, const char *text);
/* Takes ownership of text. */
void	 reply_add_owned(struct reply *, char *text);
void	 reply_clear(struct reply *);

#endif
