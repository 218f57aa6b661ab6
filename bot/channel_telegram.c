/*
 * Telegram Bot API webhooks (see shared PROTOCOLS.md section 1).
 *
 * verify: the X-Telegram-Bot-Api-Secret-Token header must equal the
 * configured secret_token byte for byte. parse: one Update; only "message"
 * with text is handled, other updates are acknowledged and ignored (a
 * non-2xx answer would block the chat's later updates for up to a day).
 * Entity offsets are UTF-16 code units. The first bot_command entity,
 * at any offset, makes the message a command from there on;
 * "/cmd@OtherBot" is ignored, "/cmd@ThisBot" becomes "/cmd". reply: a sendMessage method call in the
 * webhook response. Dedupe key: update_id within the chat (Telegram's
 * message ids are unique per chat only; the chat keeps the key right
 * whichever id is used).
 *
 * Outbound (the delivery thread): send_prepare POSTs sendMessage to
 * <api_base>/bot<token>/sendMessage; send_result reads {"ok":…,
 * "error_code":…,"parameters":{"retry_after"|"migrate_to_chat_id"}}.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <yajl/yajl_gen.h>

#include "channel.h"
#include "tg_update.h"
#include "messages/buf.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define TG_SECRET_HEADER	"X-Telegram-Bot-Api-Secret-Token"
#define TG_TEXT_MAX		4096	/* UTF-16 code units per message */
#define TG_API_BASE		"https://api.telegram.org"
#define TG_RETRY_AFTER_MAX	86400	/* seconds; longer is nonsense */

/* The instance's settings, made by telegram_setup(). */
struct telegram_state {
	const char	*secret_token;	/* setWebhook's secret_token */
	const char	*bot_username;	/* without the @ */
	const char	*token;		/* bot token, or NULL: cannot send */
	const char	*api_base;
};

static const struct channel_key telegram_keys[] = {
	{ "secret_token", CHANNEL_KEY_REQUIRED | CHANNEL_KEY_SECRET,
	    "setWebhook 的 secret_token / setWebhook's secret_token" },
	{ "bot_username", CHANNEL_KEY_REQUIRED,
	    "机器人用户名 the bot's @username (commands to other bots are "
	    "ignored)" },
	{ "token", CHANNEL_KEY_SECRET,
	    "机器人令牌 the bot token, to send (long answers, warnings)" },
	{ "api_base", 0,
	    "接口地址 Bot API base URL (default https://api.telegram.org)" },
	{ NULL, 0, NULL }
};

/* Reads the settings into the instance's state. */
static int
telegram_setup(struct channel *ch, char **cause)
{
	struct telegram_state	*st = xcalloc(1, sizeof *st);

	(void)cause;
	st->secret_token = channel_get(ch, "secret_token");
	st->bot_username = channel_get(ch, "bot_username");
	if (st->bot_username != NULL && *st->bot_username == '@')
		st->bot_username++;
	st->token = channel_get(ch, "token");
	st->api_base = channel_get(ch, "api_base");
	if (st->api_base == NULL)
		st->api_base = TG_API_BASE;
	ch->state = st;
	return 0;
}

/* Frees the state. */
static void
telegram_cleanup(struct channel *ch)
{
	free(ch->state);
}

/* Whether replies can be sent: a bot token is set. */
static int
telegram_sends(const struct channel *ch)
{
	const struct telegram_state	*st = ch->state;

	return st != NULL && st->token != NULL;
}

/* Compares the secret-token header in constant time. */
static int
telegram_verify(const struct channel *ch, const struct http_request *req,
    const char **why)
{
	const struct telegram_state	*st = ch->state;
	const char			*got = req->header(req, TG_SECRET_HEADER);
	size_t				 n;

	if (st == NULL || st->secret_token == NULL) {
		*why = "channel not set up";	/* fail closed */
		return 401;
	}
	n = strlen(st->secret_token);
	if (got == NULL || strlen(got) != n ||
	    CRYPTO_memcmp(got, st->secret_token, n) != 0) {
		*why = got == NULL ? "missing secret token" : "bad secret token";
		return 401;
	}
	return 0;
}

/* Builds a display name from first_name, last_name or username. */
static void
telegram_sender_name(const struct tg_update *u, struct inbound *in)
{
	const char	*first = NULL, *last = NULL, *user = NULL;
	char		*name;

	if (u->first_name.kind == TG_STRING)
		first = tg_str(u, &u->first_name);
	if (u->last_name.kind == TG_STRING)
		last = tg_str(u, &u->last_name);
	if (u->username.kind == TG_STRING)
		user = tg_str(u, &u->username);
	if (first != NULL && last != NULL)
		name = xasprintf("%s %s", first, last);
	else
		name = xstrdup(first ? first : user ? user : "");
	/* Cut on a character boundary rather than refuse a long name. */
	name[utf8_prefix(name, sizeof in->sender_name / 4)] = '\0';
	(void)inbound_set(in->sender_name, sizeof in->sender_name, name);
	free(name);
}

/*
 * Handles the first bot_command entity, wherever it is: "/cmd@Bot args",
 * or "👍 /check@Bot 鑫源" (in privacy mode Telegram delivers a group
 * message to the bot for a command anywhere in it). The text becomes the
 * command and what follows it; what came before is dropped. Returns 0 if
 * the command is ours (the "@Bot" part removed from in->text), or there
 * is no command; 1 if it names another bot; -1 if the entity does not fit
 * the text (offsets are UTF-16 code units).
 */
static int
telegram_command(const struct channel *ch, const struct tg_update *u,
    struct inbound *in)
{
	const struct telegram_state	*st = ch->state;
	const char			*user = st ? st->bot_username : NULL;
	size_t				 len = strlen(in->text);
	long				 start, end;
	const char			*at;
	int64_t				 off = u->cmd_offset, n = u->cmd_length;

	if (!u->has_command)
		return 0;
	if (off < 0 || n <= 0 || off > (int64_t)(2 * len) ||
	    n > (int64_t)(2 * len))
		return -1;
	start = utf8_offset_utf16(in->text, len, (size_t)off);
	end = utf8_offset_utf16(in->text, len, (size_t)(off + n));
	if (start < 0 || end <= start || in->text[start] != '/')
		return -1;
	in->explicit_cmd = 1;
	at = memchr(in->text + start, '@', (size_t)(end - start));
	if (at != NULL && (user == NULL ||
	    strlen(user) != (size_t)(in->text + end - at - 1) ||
	    strncasecmp(at + 1, user, strlen(user)) != 0))
		return 1;
	if (at != NULL) {
		memmove(in->text + (at - in->text), in->text + end,
		    len - (size_t)end + 1);
		len -= (size_t)(in->text + end - at);
	}
	if (start > 0)
		memmove(in->text, in->text + start, len - (size_t)start + 1);
	return 0;
}

/* Copies a string or integer member, as channel_json_id() does: 0, -1
 * when it is neither, -2 when it does not fit. */
static int
telegram_id(const struct tg_update *u, const struct tg_member *m, char *out,
    size_t size)
{
	switch (m->kind) {
	case TG_STRING:
		return channel_id_str(tg_str(u, m), m->len, out, size);
	case TG_INTEGER:
		return channel_id_int(m->i, out, size);
	default:
		return -1;
	}
}

/*
 * Reads one Update (bot/tg_update.c: yajl's events, read as jansson
 * would have read the body).
 */
static int
telegram_parse(const struct channel *ch, const struct http_request *req,
    struct inbound *in, const char **why)
{
	struct tg_update	 u;
	const char		*type, *text;
	int			 rc = 400;

	if (!utf8_valid(req->body, req->body_len)) {
		*why = "invalid UTF-8";
		return 400;
	}
	switch (tg_update_read(req->body, req->body_len, &u)) {
	case TG_BODY_MALFORMED:
		*why = "malformed JSON";
		goto out;
	case TG_BODY_NOT_OBJECT:
		*why = "JSON body is not an object";
		goto out;
	case TG_BODY_OK:
		break;
	}
	(void)inbound_set(in->channel, sizeof in->channel, ch->name);
	if (u.update_id.kind != TG_INTEGER || telegram_id(&u, &u.update_id,
	    in->message_id, sizeof in->message_id) != 0) {
		*why = "update_id missing";
		goto out;
	}
	rc = 0;
	in->ignore = 1;
	if (u.message.kind == TG_ABSENT)
		goto out;	/* edits, channel posts, member updates… */
	type = u.chat_type.kind == TG_STRING ? tg_str(&u, &u.chat_type) : NULL;
	if (u.chat.kind != TG_OBJECT || type == NULL ||
	    telegram_id(&u, &u.chat_id, in->chat_id, sizeof in->chat_id) != 0 ||
	    telegram_id(&u, &u.message_id, in->reply_to,
	    sizeof in->reply_to) != 0) {
		*why = "message without chat or message_id";
		rc = 400;
		goto out;
	}
	if (u.text.kind != TG_STRING || u.from.kind != TG_OBJECT ||
	    u.from_is_bot.kind == TG_TRUE || strcmp(type, "channel") == 0)
		goto out;	/* photos, stickers, other bots, channels */
	if (telegram_id(&u, &u.from_id, in->sender_id,
	    sizeof in->sender_id) != 0) {
		*why = "message.from.id missing";
		rc = 400;
		goto out;
	}
	in->chat_kind = strcmp(type, "private") == 0 ? CHAT_PRIVATE : CHAT_GROUP;
	if (u.chat_title.kind == TG_STRING) {
		char *t = xstrdup(tg_str(&u, &u.chat_title));
		t[utf8_prefix(t, sizeof in->chat_title / 4)] = '\0';
		(void)inbound_set(in->chat_title, sizeof in->chat_title, t);
		free(t);
	}
	telegram_sender_name(&u, in);
	text = tg_str(&u, &u.text);
	if (u.text.len > INBOUND_TEXT_MAX) {
		*why = "text too long";
		rc = 413;
		goto out;
	}
	if (!utf8_valid_text(text, u.text.len)) {
		*why = "text holds control characters";
		rc = 400;
		goto out;
	}
	in->text = xstrdup(text);
	switch (telegram_command(ch, &u, in)) {
	case -1:
		*why = "bot_command entity outside the text";
		rc = 400;
		goto out;
	case 1:
		goto out;	/* addressed to another bot */
	}
	in->ignore = 0;
out:
	tg_update_free(&u);
	return rc;
}

/*
 * Returns the byte length of the longest prefix of s holding at most max
 * UTF-16 code units (characters above U+FFFF count two), never splitting
 * a character. Invalid UTF-8 is left whole for json_pack to refuse.
 */
static size_t
telegram_cut_utf16(const char *s, size_t max)
{
	size_t		 len = strlen(s), off = 0, n, units = 0;
	uint32_t	 cp;

	while (off < len) {
		if ((n = utf8_decode(s + off, len - off, &cp)) == 0)
			return len;
		units += cp > 0xffff ? 2 : 1;
		if (units > max)
			break;
		off += n;
	}
	return off;
}

/* The fixed parts of the webhook's answer, in jansson's order and form. */
static const char tg_head[] = "{\"method\":\"sendMessage\",\"chat_id\":";
static const char tg_text[] = ",\"text\":";
static const char tg_reply[] = ",\"reply_parameters\":{\"message_id\":";
static const char tg_tail[] = ",\"allow_sending_without_reply\":true}}";

/* Copies n bytes to out at off; returns the offset after them. */
static size_t
tg_put(char *out, size_t off, const char *s, size_t n)
{
	memcpy(out + off, s, n);
	return off + n;
}

/* The answer being written: its bytes so far, and the room it keeps for
 * the rest of the frame after the text. */
struct tg_out {
	char	*body;
	size_t	 off, cap, tail;
};

/* yajl's printer: appends the escaped text, growing the body when the
 * room made for a few escapes runs out. */
static void
tg_print(void *ctx, const char *s, size_t n)
{
	struct tg_out	*o = ctx;

	if (o->off + n + o->tail > o->cap) {
		o->cap = (o->off + n + o->tail) * 2;
		o->body = xrealloc(o->body, o->cap);
	}
	o->off = tg_put(o->body, o->off, s, n);
}

/*
 * Answers with a sendMessage call quoting the message. A webhook answer
 * carries one method, and Telegram refuses a text over 4096 UTF-16 units:
 * the answer holds the first part (channel_part()); the dispatcher has
 * queued the rest in the outbox for the delivery thread.
 */
static void
telegram_reply(const struct channel *ch, const struct inbound *in,
    const struct reply *r, struct http_response *resp)
{
	struct tg_out	 o;
	yajl_gen	 g;
	char		*text, chat[TEXT_INT64_MAX], msg[TEXT_INT64_MAX];
	size_t		 len, cl, ml;
	int		 ok;

	resp->status = 200;
	resp->content_type = "application/json";
	resp->body = NULL;
	resp->len = 0;
	if (r->ntexts == 0)
		return;
	text = channel_reply_text(r);
	/*
	 * This is the answer to every check: the fixed frame of the method
	 * call is copied around the text, and only the text goes through a
	 * JSON encoder, yajl's, as a bare string. jansson's dump of the whole
	 * object cost a quarter of a check's instructions (each key, integer
	 * and object went through it), and its dump of the text alone still
	 * cost 21,000 for a 600-byte answer, yajl's a quarter of that. Invalid
	 * UTF-8 is refused, as jansson refused it (utf8_valid(): yajl's own
	 * check lets overlong forms and surrogates through). The bytes are
	 * those json_dumps(JSON_COMPACT) gives for the object (test_channels
	 * compares the two). The text gets room for a few escapes; the
	 * printer grows the body for more.
	 */
	len = channel_part(ch, text);
	cl = text_int64(strtoll(in->chat_id, NULL, 10), chat);
	ml = text_int64(strtoll(in->reply_to, NULL, 10), msg);
	o.tail = sizeof tg_reply - 1 + ml + sizeof tg_tail - 1 + 1;
	o.cap = sizeof tg_head - 1 + cl + sizeof tg_text - 1 + len + len / 8 +
	    16 + o.tail;
	o.body = xmalloc(o.cap);
	o.off = tg_put(o.body, 0, tg_head, sizeof tg_head - 1);
	o.off = tg_put(o.body, o.off, chat, cl);
	o.off = tg_put(o.body, o.off, tg_text, sizeof tg_text - 1);
	ok = utf8_valid(text, len) && (g = yajl_gen_alloc(NULL)) != NULL;
	if (ok) {
		(void)yajl_gen_config(g, yajl_gen_print_callback, tg_print, &o);
		ok = yajl_gen_string(g, (const unsigned char *)text, len) ==
		    yajl_gen_status_ok;
		yajl_gen_free(g);
	}
	free(text);
	if (!ok) {
		free(o.body);
		return;
	}
	o.off = tg_put(o.body, o.off, tg_reply, sizeof tg_reply - 1);
	o.off = tg_put(o.body, o.off, msg, ml);
	o.off = tg_put(o.body, o.off, tg_tail, sizeof tg_tail - 1);
	o.body[o.off] = '\0';
	resp->body = o.body;
	resp->len = o.off;
}

/* Builds the sendMessage call for one message. */
static int
telegram_send_prepare(const struct channel *ch, const struct outbound *m,
    struct http_call *call, const char **why)
{
	const struct telegram_state	*st = ch->state;
	json_t				*obj = NULL;
	char				*body = NULL, *end;
	long long			 chat;
	int				 rc = -1;

	if (st == NULL || st->token == NULL) {
		*why = "no bot token";
		goto out;
	}
	if (m->chat_id == NULL || *m->chat_id == '\0') {
		*why = "no chat_id";
		goto out;
	}
	errno = 0;
	chat = strtoll(m->chat_id, &end, 10);
	if (*end != '\0' || errno != 0) {
		*why = "chat_id is not an integer";
		goto out;
	}
	/* Over 4096 UTF-16 units Telegram refuses the message: send the
	 * head, cut on a character boundary, rather than nothing. */
	obj = json_pack("{s:I, s:s%}", "chat_id", (json_int_t)chat, "text",
	    m->text, telegram_cut_utf16(m->text, TG_TEXT_MAX));
	if (obj == NULL) {
		*why = "text is not valid UTF-8";
		goto out;
	}
	if ((body = json_dumps(obj, JSON_COMPACT)) == NULL) {
		*why = "cannot encode JSON";
		goto out;
	}
	call->url = xasprintf("%s/bot%s/sendMessage", st->api_base,
	    st->token);
	call->body = body;
	call->len = strlen(body);
	call->content_type = "application/json";
	body = NULL;
	rc = 0;
out:
	free(body);
	json_decref(obj);
	return rc;
}

/*
 * Writes "telegram <code>: <description>" (or "telegram <code>" without
 * one) into err, cutting the description on a character boundary
 * (jansson checked its UTF-8).
 */
static void
telegram_err(char *err, size_t errsz, long code, const char *desc)
{
	char	 head[64];
	size_t	 hl, n = strlen(desc);

	if (errsz == 0)
		return;
	if (n == 0) {
		(void)snprintf(err, errsz, "telegram %ld", code);
		return;
	}
	(void)snprintf(head, sizeof head, "telegram %ld: ", code);
	hl = strlen(head);
	if (hl >= errsz)
		n = 0;
	else
		n = utf8_fit(desc, n, errsz - 1 - hl);
	(void)snprintf(err, errsz, "%s%.*s", head, (int)n, desc);
}

/* Classifies the Bot API's answer. */
static enum send_status
telegram_send_result(const struct channel *ch, long status, const char *body,
    size_t len, int *retry_after, char *err, size_t errsz)
{
	enum send_status	 st = SEND_FAILED;
	json_t			*j = NULL, *params, *v;
	const char		*desc;
	long			 code = status;
	json_int_t		 ra;

	(void)ch;
	*retry_after = 0;
	if (status == 0) {
		(void)snprintf(err, errsz, "telegram: no answer");
		st = SEND_RETRY;
		goto out;
	}
	if (body != NULL && len > 0)
		j = json_loadb(body, len, 0, NULL);
	if (status >= 200 && status <= 299 &&
	    json_is_true(json_object_get(j, "ok"))) {
		st = SEND_OK;
		goto out;
	}
	if (json_is_integer(v = json_object_get(j, "error_code")))
		code = (long)json_integer_value(v);
	if ((desc = json_string_value(json_object_get(j, "description"))) ==
	    NULL)
		desc = "";
	params = json_object_get(j, "parameters");
	if (status == 429 || code == 429) {
		ra = json_integer_value(json_object_get(params, "retry_after"));
		*retry_after = ra < 0 ? 0 : ra > TG_RETRY_AFTER_MAX ?
		    TG_RETRY_AFTER_MAX : (int)ra;
		telegram_err(err, errsz, 429, desc);
		st = SEND_RETRY;
		goto out;
	}
	if (status >= 500 || (status >= 200 && status <= 299)) {
		/* Telegram's trouble, or a 2xx without "ok" (a proxy). */
		telegram_err(err, errsz, code, desc);
		st = SEND_RETRY;
		goto out;
	}
	/*
	 * The group became a supergroup. Following it (resending to the new
	 * id and storing it for the group) is out of scope here: the row
	 * goes dead with the new id named for the office.
	 */
	if (json_is_integer(v = json_object_get(params,
	    "migrate_to_chat_id"))) {
		(void)snprintf(err, errsz, "telegram %ld: group moved to chat "
		    "%" JSON_INTEGER_FORMAT, code, json_integer_value(v));
		goto out;
	}
	/* 403 (blocked, kicked), 400, 401, 404 …: permanent. */
	telegram_err(err, errsz, code, desc);
out:
	json_decref(j);
	return st;
}

const struct channel_backend channel_telegram_backend = {
	.type = "telegram",
	.help = "Telegram 机器人 a Telegram bot (webhook)",
	.keys = telegram_keys,
	.setup = telegram_setup,
	.cleanup = telegram_cleanup,
	.sends = telegram_sends,
	.verify = telegram_verify,
	.parse = telegram_parse,
	.reply = telegram_reply,
	.send_prepare = telegram_send_prepare,
	.send_result = telegram_send_result,
	.dedupe = CHANNEL_DEDUPE_CHAT,
	.fit = telegram_cut_utf16,
	.max_text = TG_TEXT_MAX,
	/* Bot FAQ: about 1/s per chat, 20/min per group, 30/s overall. */
	.per_chat_second = 1,
	.per_chat_minute = 20,
	.global_second = 30,
};
