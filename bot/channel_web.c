/*
 * The chat simulator's channel (type "web"): the page at /try (bot/try.c)
 * posts what the visitor types, and the answer comes back in the
 * response. Everything it carries is practice (.practice): the visitor
 * plays a persona, and the dispatcher keeps what that persona does away
 * from real staff, groups and figures.
 *
 * Request: POST /try/say with {"persona": "group"|"private"|"worker",
 * "text", "id"} and the visitor's cookie (TRY_COOKIE, a random id given
 * by GET /try/session); bot/try.c has checked who may use it before
 * parse() runs. Response: {"replies": [{"text": …}, …]}.
 *
 * Each visitor has their own chats: the ids are the persona's letter and
 * the visitor's id, so that nobody sees another's tips or progress.
 * There is no outbound: a row queued for a practice chat (none should be)
 * goes dead in the delivery thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "channel.h"
#include "try.h"
#include "handlers/handlers.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

/* The client's message id: short, and of characters any id may hold. */
#define WEB_ID_MAX	32
#define WEB_ID_CHARS	"0123456789abcdefghijklmnopqrstuvwxyz" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"

/* The personas a visitor may play. */
static const struct web_persona {
	const char	*name;
	const char	*prefix;	/* of the chat and sender ids */
	enum chat_kind	 kind;
	enum role	 role;
	const char	*sender_name;
	const char	*chat_title;
} web_personas[] = {
	{ "group", "g", CHAT_GROUP, ROLE_RESIDENT, "练习居民",
	    "练习楼栋群" },
	{ "private", "p", CHAT_PRIVATE, ROLE_RESIDENT, "练习居民", "" },
	{ "worker", "w", CHAT_PRIVATE, ROLE_GRID_WORKER, "练习网格员", "" },
};

static const struct channel_key web_keys[] = {
	{ "open", 0,
	    "loopback：本机访问无需登录（仅演示）/ loopback: open to "
	    "127.0.0.1 without signing in (the demo only); unset: staff "
	    "signed in to the console" },
	{ NULL, 0, NULL }
};

/* Checks the open key; nothing else to keep. */
static int
web_setup(struct channel *ch, char **cause)
{
	const char	*open = channel_get(ch, "open");

	if (open != NULL && strcmp(open, "loopback") != 0) {
		*cause = xasprintf("channel %s: open must be \"loopback\" or "
		    "unset", ch->name);
		return -1;
	}
	return 0;
}

/*
 * Takes only what bot/try.c passes on: a JSON POST to /try/say. A POST
 * to /hook/NAME never gets here (bot/server.c refuses practice channels
 * there), and this is the second lock on that door.
 */
static int
web_verify(const struct channel *ch, const struct http_request *req,
    const char **why)
{
	const char	*type = req->header(req, "Content-Type");

	(void)ch;
	if (req->path == NULL || strcmp(req->path, TRY_SAY_PATH) != 0) {
		*why = "练习频道只在 /try 使用 this channel answers at /try only";
		return 404;
	}
	if (type == NULL || strncmp(type, "application/json", 16) != 0) {
		*why = "请以 JSON 提交 send application/json";
		return 415;
	}
	return 0;
}

/* Returns the persona named name, or NULL. */
static const struct web_persona *
web_persona(const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL &&
	    i < sizeof web_personas / sizeof web_personas[0]; i++)
		if (strcmp(web_personas[i].name, name) == 0)
			return &web_personas[i];
	return NULL;
}

/* Reads the persona, text and id, and the visitor's own ids. */
static int
web_parse(const struct channel *ch, const struct http_request *req,
    struct inbound *in, const char **why)
{
	const struct web_persona	*p;
	json_t				*j = NULL, *v;
	const char			*visitor, *id, *text;
	size_t				 n;
	int				 rc;

	if ((visitor = try_visitor(req)) == NULL) {
		*why = "请刷新页面后再试 reload the page (no visitor cookie)";
		return 400;
	}
	if ((rc = channel_json_body(req, &j, why)) != 0) {
		*why = "请求不是有效的 JSON 对象 the body is not a JSON object";
		return rc;
	}
	rc = 400;
	if ((p = web_persona(json_string_value(json_object_get(j,
	    "persona")))) == NULL) {
		*why = "身份应为 group、private 或 worker persona must be "
		    "group, private or worker";
		goto out;
	}
	id = json_string_value(json_object_get(j, "id"));
	if (id == NULL || (n = strlen(id)) == 0 || n > WEB_ID_MAX ||
	    strspn(id, WEB_ID_CHARS) != n) {
		*why = "消息编号无效 id must be 1 to 32 letters, digits, - or _";
		goto out;
	}
	v = json_object_get(j, "text");
	if (!json_is_string(v)) {
		*why = "缺少文字 text is required and must be a string";
		goto out;
	}
	text = json_string_value(v);
	if (json_string_length(v) > TRY_TEXT_MAX) {
		*why = "文字过长（最多 2000 字节）text too long (at most 2000 "
		    "bytes)";
		rc = 413;
		goto out;
	}
	if (!utf8_valid_text(text, json_string_length(v))) {
		*why = "文字含控制字符 text holds control characters";
		goto out;
	}
	/* Every id below fits: the names are ours, the visitor's id is
	 * TRY_VISITOR_LEN characters. */
	(void)inbound_set(in->channel, sizeof in->channel, ch->name);
	(void)snprintf(in->chat_id, sizeof in->chat_id, "%s-%s", p->prefix,
	    visitor);
	(void)snprintf(in->sender_id, sizeof in->sender_id, "%s-%s",
	    p->kind == CHAT_GROUP ? "p" : p->prefix, visitor);
	(void)inbound_set(in->message_id, sizeof in->message_id, id);
	(void)inbound_set(in->sender_name, sizeof in->sender_name,
	    p->sender_name);
	(void)inbound_set(in->chat_title, sizeof in->chat_title,
	    p->chat_title);
	in->chat_kind = p->kind;
	in->persona_role = (int)p->role;
	in->text = xstrdup(text);
	rc = 0;
out:
	json_decref(j);
	return rc;
}

/* Answers {"replies": [{"text": …}, …]}. */
static void
web_reply(const struct channel *ch, const struct inbound *in,
    const struct reply *r, struct http_response *resp)
{
	(void)ch;
	(void)in;
	channel_json_replies(r, resp);
	resp->cache = "no-store";
}

const struct channel_backend channel_web_backend = {
	.type = "web",
	.help = "练习聊天 the chat simulator at /try (practice only)",
	.keys = web_keys,
	.setup = web_setup,
	.verify = web_verify,
	.parse = web_parse,
	.reply = web_reply,
	.practice = 1,
	.dedupe = CHANNEL_DEDUPE_CHAT | CHANNEL_DEDUPE_SENDER,
	.max_text = REPLY_TEXT_MAX,
};
