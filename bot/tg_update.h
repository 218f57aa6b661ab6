/*
 * A Telegram Update read in one pass by yajl's event parser, keeping only
 * the members telegram_parse() uses (bot/channel_telegram.c). It accepts
 * and refuses exactly the bodies json_loadb(JSON_REJECT_DUPLICATES) does,
 * and gives each member as json_object_get() would have found it; the
 * tests hold a jansson reading of the same struct to compare with
 * (tests/unit/tg_tree.h).
 *
 * jansson's tree of a 240-byte update cost ~52,000 instructions (parse,
 * lookups, free): a third of a check. This reader costs ~15,000, of them
 * 12,700 in yajl (bench/profile.sh).
 */
#ifndef FANGFEI_TG_UPDATE_H
#define FANGFEI_TG_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "messages/buf.h"

enum tg_body {
	TG_BODY_OK,
	TG_BODY_MALFORMED,	/* not JSON as jansson reads it */
	TG_BODY_NOT_OBJECT	/* JSON, but an array */
};

/* What a member is, as far as telegram_parse() asks. */
enum tg_kind {
	TG_ABSENT,
	TG_STRING,
	TG_INTEGER,
	TG_TRUE,
	TG_OBJECT,
	TG_OTHER		/* null, false, a real, an array */
};

struct tg_member {
	enum tg_kind	 kind;
	size_t		 off, len;	/* TG_STRING: its bytes in strings */
	int64_t		 i;		/* TG_INTEGER */
};

struct tg_update {
	struct tg_member update_id, message;
	/* message's */
	struct tg_member message_id, chat, from, text;
	struct tg_member chat_type, chat_id, chat_title;
	struct tg_member from_id, from_is_bot, first_name, last_name,
			 username;
	/* The first entity of type "bot_command", with its offset and
	 * length as json_integer_value() reads them (0 unless integers). */
	int		 has_command;
	int64_t		 cmd_offset, cmd_length;
	struct buf	 strings;	/* the strings kept, each NUL-ended */
};

/* Reads body (len bytes, valid UTF-8) into u, which tg_update_free()
 * releases whatever the result. */
enum tg_body	 tg_update_read(const char *body, size_t len,
		    struct tg_update *u);
void		 tg_update_free(struct tg_update *u);
/* The NUL-ended bytes of a TG_STRING member. */
const char	*tg_str(const struct tg_update *u, const struct tg_member *m);

#endif
