/*
 * The reading of a Telegram Update that bot/tg_update.c must agree with:
 * jansson's tree (json_loadb with JSON_REJECT_DUPLICATES, as the webhook
 * read it before), and json_object_get() on it. Shared by test_channels
 * and fuzz_telegram.
 *
 *   tg_tree_read(body, len, u)   fills u as tg_update_read() would
 *   tg_tree_same(a, b, what)     1 if a and b agree; else 0 and what
 *                                names the first member that differs
 */
#ifndef FANGFEI_TG_TREE_H
#define FANGFEI_TG_TREE_H

#include <string.h>

#include <jansson.h>

#include "bot/tg_update.h"

static void
tg_tree_member(struct tg_update *u, json_t *v, struct tg_member *m)
{
	const char	*s;

	memset(m, 0, sizeof *m);
	if (v == NULL)
		return;
	if (json_is_string(v)) {
		m->kind = TG_STRING;
		m->off = u->strings.len;
		m->len = json_string_length(v);
		s = json_string_value(v);
		(void)buf_add(&u->strings, s, m->len);
		(void)buf_add(&u->strings, "", 1);
	} else if (json_is_integer(v)) {
		m->kind = TG_INTEGER;
		m->i = json_integer_value(v);
	} else if (json_is_true(v))
		m->kind = TG_TRUE;
	else if (json_is_object(v))
		m->kind = TG_OBJECT;
	else
		m->kind = TG_OTHER;
}

static enum tg_body
tg_tree_read(const char *body, size_t len, struct tg_update *u)
{
	json_t		*j, *msg, *chat, *from, *e;
	const char	*type;
	size_t		 i;

	memset(u, 0, sizeof *u);
	buf_init(&u->strings, len + 32);
	/* jansson skips a NUL byte right after a number or a literal
	 * ({"a":1\0}); the reader refuses every NUL, as JSON does. */
	if (memchr(body, '\0', len) != NULL)
		return TG_BODY_MALFORMED;
	if ((j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return TG_BODY_MALFORMED;
	if (!json_is_object(j)) {
		json_decref(j);
		return TG_BODY_NOT_OBJECT;
	}
	tg_tree_member(u, json_object_get(j, "update_id"), &u->update_id);
	msg = json_object_get(j, "message");
	tg_tree_member(u, msg, &u->message);
	chat = json_object_get(msg, "chat");
	from = json_object_get(msg, "from");
	tg_tree_member(u, json_object_get(msg, "message_id"), &u->message_id);
	tg_tree_member(u, chat, &u->chat);
	tg_tree_member(u, from, &u->from);
	tg_tree_member(u, json_object_get(msg, "text"), &u->text);
	tg_tree_member(u, json_object_get(chat, "type"), &u->chat_type);
	tg_tree_member(u, json_object_get(chat, "id"), &u->chat_id);
	tg_tree_member(u, json_object_get(chat, "title"), &u->chat_title);
	tg_tree_member(u, json_object_get(from, "id"), &u->from_id);
	tg_tree_member(u, json_object_get(from, "is_bot"), &u->from_is_bot);
	tg_tree_member(u, json_object_get(from, "first_name"), &u->first_name);
	tg_tree_member(u, json_object_get(from, "last_name"), &u->last_name);
	tg_tree_member(u, json_object_get(from, "username"), &u->username);
	json_array_foreach(json_object_get(msg, "entities"), i, e) {
		type = json_string_value(json_object_get(e, "type"));
		if (type == NULL || strcmp(type, "bot_command") != 0)
			continue;
		u->has_command = 1;
		u->cmd_offset = json_integer_value(json_object_get(e, "offset"));
		u->cmd_length = json_integer_value(json_object_get(e, "length"));
		break;
	}
	json_decref(j);
	return TG_BODY_OK;
}

static int
tg_tree_member_same(const struct tg_update *a, const struct tg_member *ma,
    const struct tg_update *b, const struct tg_member *mb)
{
	if (ma->kind != mb->kind)
		return 0;
	if (ma->kind == TG_STRING)
		return ma->len == mb->len && memcmp(tg_str(a, ma),
		    tg_str(b, mb), ma->len + 1) == 0;
	return ma->kind != TG_INTEGER || ma->i == mb->i;
}

static int
tg_tree_same(const struct tg_update *a, const struct tg_update *b,
    const char **what)
{
#define TG_SAME(m)	do {						\
	if (!tg_tree_member_same(a, &a->m, b, &b->m)) {			\
		*what = #m;						\
		return 0;						\
	}								\
} while (0)
	TG_SAME(update_id);
	TG_SAME(message);
	TG_SAME(message_id);
	TG_SAME(chat);
	TG_SAME(from);
	TG_SAME(text);
	TG_SAME(chat_type);
	TG_SAME(chat_id);
	TG_SAME(chat_title);
	TG_SAME(from_id);
	TG_SAME(from_is_bot);
	TG_SAME(first_name);
	TG_SAME(last_name);
	TG_SAME(username);
#undef TG_SAME
	if (a->has_command != b->has_command ||
	    (a->has_command && (a->cmd_offset != b->cmd_offset ||
	    a->cmd_length != b->cmd_length))) {
		*what = "the bot_command entity";
		return 0;
	}
	return 1;
}

#endif
