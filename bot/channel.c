/*
 * The table of channel backends and JSON helpers the adapters share.
 * Adding a platform: one bot/channel_<type>.c and one line below.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apitoken.h"
#include "channel.h"
#include "wxcrypt.h"

#define CHANNEL_TS_DIGITS	12	/* digits of a signed timestamp, at most */
#include "messages/buf.h"
#include "messages/xmalloc.h"
#include "messages/text.h"

extern const struct channel_backend channel_generic_backend;
extern const struct channel_backend channel_telegram_backend;
extern const struct channel_backend channel_wecom_app_backend;
extern const struct channel_backend channel_dingtalk_app_backend;
extern const struct channel_backend channel_feishu_app_backend;
extern const struct channel_backend channel_dingtalk_backend;
extern const struct channel_backend channel_wecom_backend;
extern const struct channel_backend channel_feishu_backend;
extern const struct channel_backend channel_wechat_mp_backend;
extern const struct channel_backend wecom_bot_backend;
extern const struct channel_backend channel_kannel_backend;
extern const struct channel_backend channel_twilio_backend;
extern const struct channel_backend channel_web_backend;

/* Inbound channel types: [channel.NAME] type = … */
const struct channel_backend *const channel_backends[] = {
	&channel_generic_backend,
	&channel_telegram_backend,
	&channel_dingtalk_app_backend,	/* enterprise robot callback */
	&channel_feishu_app_backend,	/* app bot, event subscription */
	&channel_wechat_mp_backend,
	&channel_wecom_app_backend,	/* self-built app callback */
	&wecom_bot_backend,		/* AI bot: long connection, callback */
	&channel_kannel_backend,	/* SMS gateway */
	&channel_twilio_backend,	/* SMS: webhook, REST API */
	&channel_web_backend,		/* the chat simulator at /try */
	NULL
};

/* Outbound group robots: fangfei group add --robot … */
const struct channel_backend *const robot_backends[] = {
	&channel_dingtalk_backend,	/* custom group robot */
	&channel_wecom_backend,		/* group robot */
	&channel_feishu_backend,	/* custom bot */
	NULL
};

/* Finds a backend by its type in table. */
static const struct channel_backend *
channel_lookup_in(const struct channel_backend *const *table, const char *type)
{
	const struct channel_backend *const	*b;

	for (b = table; *b != NULL; b++)
		if (strcmp((*b)->type, type) == 0)
			return *b;
	return NULL;
}

/* Finds an inbound backend by its type. */
const struct channel_backend *
channel_backend_lookup(const char *type)
{
	return channel_lookup_in(channel_backends, type);
}

/* Finds a group robot backend by its type. */
const struct channel_backend *
robot_backend_lookup(const char *type)
{
	return channel_lookup_in(robot_backends, type);
}

static char		 channel_type_names[512];
static pthread_once_t	 channel_type_once = PTHREAD_ONCE_INIT;

/* Writes the names of both tables into channel_type_names, once. */
static void
channel_types_make(void)
{
	struct buf	 b;
	size_t		 i;

	buf_init(&b, sizeof channel_type_names - 1);
	for (i = 0; channel_backends[i] != NULL; i++)
		(void)buf_addf(&b, "%s%s", i ? " " : "", channel_backends[i]->type);
	(void)buf_adds(&b, " (robots:");
	for (i = 0; robot_backends[i] != NULL; i++)
		(void)buf_addf(&b, " %s", robot_backends[i]->type);
	(void)buf_adds(&b, ")");
	(void)snprintf(channel_type_names, sizeof channel_type_names, "%s",
	    b.data ? b.data : "");
	buf_free(&b);
}

/* Names the known types, from the tables. */
const char *
channel_types(void)
{
	(void)pthread_once(&channel_type_once, channel_types_make);
	return channel_type_names;
}

/* Finds the declaration of key. */
const struct channel_key *
channel_key_find(const struct channel_backend *b, const char *key)
{
	const struct channel_key	*k;

	if (b == NULL || b->keys == NULL)
		return NULL;
	for (k = b->keys; k->name != NULL; k++)
		if (strcmp(k->name, key) == 0)
			return k;
	return NULL;
}

/* Lists the keys of b, comma-separated, for an error message. */
static char *
channel_key_list(const struct channel_backend *b)
{
	const struct channel_key	*k;
	struct buf			 out;

	buf_init(&out, 1024);
	for (k = b->keys; k != NULL && k->name != NULL; k++)
		(void)buf_addf(&out, "%s%s", k == b->keys ? "" : ", ",
		    k->name);
	if (out.data == NULL)
		(void)buf_adds(&out, "none");
	return buf_steal(&out);
}

/* Refuses key when the backend is known and does not take it. */
static int
channel_key_check(const struct channel *ch, const char *key, char **cause)
{
	char	*list;

	if (ch->backend == NULL || channel_key_find(ch->backend, key) != NULL)
		return 0;
	list = channel_key_list(ch->backend);
	*cause = xasprintf("channel %s: type %s takes no key \"%s\" (its "
	    "keys: %s; every channel: type, locale, area)", ch->name,
	    ch->backend->type, key, list);
	free(list);
	return -1;
}

/* Whether ch says allow_unsigned = on (a backend whose signing key may be
 * missing lists the key; see channel_setup()). */
static int
channel_unsigned_allowed(const struct channel *ch)
{
	const char	*v = channel_get(ch, "allow_unsigned");

	return v != NULL && strcmp(v, "on") == 0;
}

/* Records one setting. */
int
channel_set(struct channel *ch, const char *key, const char *value,
    char **cause)
{
	size_t	 i;

	if (channel_key_check(ch, key, cause) == -1)
		return -1;
	for (i = 0; i < ch->nsettings; i++) {
		if (strcmp(ch->settings[i].key, key) != 0)
			continue;
		free(ch->settings[i].value);
		if (value != NULL) {
			ch->settings[i].value = xstrdup(value);
			return 0;
		}
		free(ch->settings[i].key);
		ch->settings[i] = ch->settings[--ch->nsettings];
		return 0;
	}
	if (value == NULL)
		return 0;
	if (ch->nsettings == CHANNEL_SETTINGS_MAX) {
		*cause = xasprintf("channel %s: more than %d keys", ch->name,
		    CHANNEL_SETTINGS_MAX);
		return -1;
	}
	ch->settings[ch->nsettings].key = xstrdup(key);
	ch->settings[ch->nsettings].value = xstrdup(value);
	ch->nsettings++;
	return 0;
}

/* Returns a setting's value. */
const char *
channel_get(const struct channel *ch, const char *key)
{
	size_t	 i;

	for (i = 0; i < ch->nsettings; i++)
		if (strcmp(ch->settings[i].key, key) == 0)
			return ch->settings[i].value;
	return NULL;
}

/* Checks the settings and builds the backend's state. */
int
channel_setup(struct channel *ch, int loopback, char **warning, char **cause)
{
	const struct channel_key	*k;
	const char			*v;
	size_t				 i;

	*warning = NULL;
	if (ch->backend == NULL) {
		*cause = xasprintf("channel %s: no type (known: %s)", ch->name,
		    channel_types());
		return -1;
	}
	for (i = 0; i < ch->nsettings; i++)
		if (channel_key_check(ch, ch->settings[i].key, cause) == -1)
			return -1;
	if ((v = channel_get(ch, "allow_unsigned")) != NULL &&
	    strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
		*cause = xasprintf("channel %s: allow_unsigned = \"%s\": want "
		    "on or off", ch->name, v);
		return -1;
	}
	for (k = ch->backend->keys; k != NULL && k->name != NULL; k++) {
		if (channel_get(ch, k->name) != NULL)
			continue;
		if (k->flags & CHANNEL_KEY_REQUIRED) {
			*cause = xasprintf("channel %s: type %s needs %s (%s)",
			    ch->name, ch->backend->type, k->name, k->help);
			return -1;
		}
		if (!(k->flags & CHANNEL_KEY_PUBLIC))
			continue;
		if (!loopback) {
			*cause = xasprintf("channel %s: type %s needs %s when "
			    "the server listens beyond loopback (%s)",
			    ch->name, ch->backend->type, k->name, k->help);
			return -1;
		}
		/*
		 * A channel's only proof of who sent a request: behind a
		 * proxy on the same machine every request comes from
		 * loopback, so listening there proves nothing. Going without
		 * is said in so many words, for a demo or a test.
		 */
		if ((k->flags & CHANNEL_KEY_SECRET) &&
		    !channel_unsigned_allowed(ch)) {
			*cause = xasprintf("channel %s: 缺少 %s，拒绝无签名请求 "
			    "no %s: set it (%s), or allow_unsigned = on for a "
			    "demo or test channel on a loopback-only server",
			    ch->name, k->name, k->name, k->help);
			return -1;
		}
		free(*warning);
		if (k->flags & CHANNEL_KEY_SECRET)
			*warning = xasprintf("channel %s: no %s: unsigned "
			    "requests are accepted (allow_unsigned = on, on a "
			    "loopback-only server: for demos and tests only)",
			    ch->name, k->name);
		else
			*warning = xasprintf("channel %s: no %s (allowed "
			    "because the server listens on loopback only)",
			    ch->name, k->name);
	}
	if (ch->backend->token_prepare != NULL && ch->token == NULL) {
		ch->token = xcalloc(1, sizeof *ch->token);
		apitoken_init(ch->token);
	}
	if (ch->backend->setup != NULL && ch->state == NULL &&
	    ch->backend->setup(ch, cause) == -1) {
		free(*warning);
		*warning = NULL;
		return -1;
	}
	return 0;
}

/* Leaves what verify() read for parse() (see channel.h). */
void
http_keep_put(const struct http_request *req, void *data, void (*fr)(void *))
{
	if (req->keep == NULL || req->keep->data != NULL) {
		fr(data);
		return;
	}
	req->keep->data = data;
	req->keep->free = fr;
}

/* Takes what verify() left (see channel.h). */
void *
http_keep_take(const struct http_request *req, void (*fr)(void *))
{
	void	*data;

	if (req->keep == NULL || req->keep->data == NULL ||
	    req->keep->free != fr)
		return NULL;
	data = req->keep->data;
	req->keep->data = NULL;
	req->keep->free = NULL;
	return data;
}

/* Frees what is left in k (see channel.h). */
void
http_keep_clear(struct http_keep *k)
{
	if (k->data != NULL)
		k->free(k->data);
	k->data = NULL;
	k->free = NULL;
}

/* Checks the query of a WeCom-signed request (see channel.h). */
int
channel_wx_query(const struct http_request *req, long window,
    const char **sig, const char **ts, const char **nonce, const char **why)
{
	long long	 t;
	size_t		 n;

	*sig = *ts = *nonce = NULL;
	if (req->arg != NULL) {
		*sig = req->arg(req, "msg_signature");
		*ts = req->arg(req, "timestamp");
		*nonce = req->arg(req, "nonce");
	}
	if (*sig == NULL || *ts == NULL || *nonce == NULL) {
		*why = "missing msg_signature, timestamp or nonce";
		return 401;
	}
	n = strlen(*ts);
	if (strlen(*sig) != WXCRYPT_SIG_LEN || n == 0 || n > CHANNEL_TS_DIGITS ||
	    strspn(*ts, "0123456789") != n || **nonce == '\0' ||
	    strlen(*nonce) > WXCRYPT_PARAM_MAX) {
		*why = "malformed msg_signature, timestamp or nonce";
		return 401;
	}
	t = strtoll(*ts, NULL, 10);
	if (t < (long long)req->now - window ||
	    t > (long long)req->now + window) {
		*why = "timestamp outside the window";
		return 401;
	}
	return 0;
}

/* Answers a WeCom URL check (see channel.h). */
void
channel_wx_echo(const struct http_request *req, long window,
    const char *token, const struct wxcrypt_key *key, const char *receive_id,
    struct http_response *resp, const char **why)
{
	const char	*sig, *ts, *nonce, *echo;
	char		*copy = NULL, *msg = NULL, *p;
	size_t		 len = 0;
	int		 rc;

	resp->status = 401;
	if ((rc = channel_wx_query(req, window, &sig, &ts, &nonce, why)) != 0) {
		resp->status = rc;
		return;
	}
	echo = req->arg(req, "echostr");
	if (echo == NULL || *echo == '\0' ||
	    strlen(echo) > WXCRYPT_ENCRYPT_MAX) {
		*why = "missing echostr";
		resp->status = 400;
		return;
	}
	/* A '+' sent unencoded may reach us decoded as a space; base64 has
	 * no spaces, and the signature still decides. */
	copy = xstrdup(echo);
	for (p = copy; *p != '\0'; p++)
		if (*p == ' ')
			*p = '+';
	if (wxcrypt_verify(token, ts, nonce, copy, sig) != WXCRYPT_OK) {
		*why = "bad msg_signature";
		goto out;
	}
	if (wxcrypt_decrypt(key, copy, receive_id, &msg, &len) !=
	    WXCRYPT_OK || !utf8_valid_text(msg, len)) {
		*why = "cannot decrypt";
		resp->status = 400;
		goto out;
	}
	resp->status = 200;
	resp->content_type = "text/plain";
	resp->body = msg;
	resp->len = len;
	msg = NULL;
out:
	free(msg);
	free(copy);
}

/* Reads an integer key (see channel.h). */
int
channel_int(const struct channel *ch, const char *key, int def, int min,
    int max, char **cause)
{
	const char	*v = channel_get(ch, key);
	char		*end;
	long		 n;

	if (v == NULL)
		return def;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < min || n > max) {
		*cause = xasprintf("channel %s: %s \"%s\": want %d to %d",
		    ch->name, key, v, min, max);
		return -1;
	}
	return (int)n;
}

/* The parts one SMS may take on an SMS instance. */
int
channel_sms_parts(const struct channel *ch)
{
	char	*cause = NULL;
	int	 n;

	n = channel_int(ch, "max_parts", CHANNEL_SMS_PARTS, 1,
	    CHANNEL_SMS_PARTS_MAX, &cause);
	free(cause);
	return n == -1 ? CHANNEL_SMS_PARTS : n;
}

/* Reads the mode key (see channel.h). */
int
channel_mode(const struct channel *ch, const char *stream_name, char **cause)
{
	const char	*m = channel_get(ch, "mode");

	if (m == NULL || strcmp(m, "webhook") == 0)
		return 0;
	if (strcmp(m, stream_name) == 0)
		return 1;
	*cause = xasprintf("channel %s: mode \"%s\": want webhook or %s",
	    ch->name, m, stream_name);
	return -1;
}

/* Returns the token cache the instance owns. */
struct apitoken *
channel_token(const struct channel *ch)
{
	return ch->token;
}

/* Frees what the instance owns besides its name and area. */
void
channel_clear(struct channel *ch)
{
	size_t	 i;

	if (ch->backend != NULL && ch->backend->cleanup != NULL &&
	    ch->state != NULL)
		ch->backend->cleanup(ch);
	ch->state = NULL;
	if (ch->token != NULL) {
		apitoken_destroy(ch->token);
		free(ch->token);
		ch->token = NULL;
	}
	for (i = 0; i < ch->nsettings; i++) {
		free(ch->settings[i].key);
		if (ch->settings[i].value != NULL)
			explicit_bzero(ch->settings[i].value,
			    strlen(ch->settings[i].value));
		free(ch->settings[i].value);
	}
	ch->nsettings = 0;
}

/* Joins reply texts with blank lines. */
char *
channel_reply_text(const struct reply *r)
{
	struct buf	 b;
	size_t		 i;
	char		*s;

	buf_init(&b, REPLY_TEXT_MAX * REPLY_TEXTS_MAX + 2 * REPLY_TEXTS_MAX);
	for (i = 0; i < r->ntexts; i++) {
		if (i > 0)
			(void)buf_adds(&b, "\n\n");
		(void)buf_adds(&b, r->texts[i]);
	}
	s = buf_steal(&b);
	return s != NULL ? s : xstrdup("");
}

/* Measures the next part of s. */
size_t
channel_part(const struct channel *ch, const char *s)
{
	size_t		 len = strlen(s), n, k;

	/* Whatever a platform counts (bytes, characters, UTF-16 units), a
	 * text has no more of them than bytes: most answers need no
	 * measuring. */
	if (ch->backend == NULL || ch->backend->fit == NULL ||
	    ch->backend->max_text == 0 || len <= ch->backend->max_text)
		return len;
	n = ch->backend->fit(s, ch->backend->max_text);
	if (n >= len || n == 0)
		return len;	/* fits, or cannot be measured: whole */
	for (k = n; k > n / 2; k--)
		if (s[k - 1] == '\n')
			return k;
	return n;
}

/* Frees what a call owns. */
void
http_call_clear(struct http_call *call)
{
	size_t	 i;

	free(call->url);
	free(call->body);
	for (i = 0; i < HTTP_CALL_HEADERS; i++)
		free(call->headers[i]);
	memset(call, 0, sizeof *call);
}

/* Parses the body as a JSON object. */
int
channel_json_body(const struct http_request *req, json_t **out,
    const char **why)
{
	json_error_t	 err;
	json_t		*j;

	if (!utf8_valid(req->body, req->body_len)) {
		*why = "invalid UTF-8";
		return 400;
	}
	j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
	if (j == NULL) {
		*why = "malformed JSON";
		return 400;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		*why = "JSON body is not an object";
		return 400;
	}
	*out = j;
	return 0;
}

/* Copies an id given as a string of len bytes: 0, or -2 when it does not
 * fit in size bytes with its NUL or holds a NUL. */
int
channel_id_str(const char *s, size_t len, char *out, size_t size)
{
	if (len >= size || memchr(s, '\0', len) != NULL)
		return -2;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/* Writes an id given as an integer, in decimal: 0, or -2 when it does
 * not fit in size bytes. */
int
channel_id_int(int64_t v, char *out, size_t size)
{
	char	 num[TEXT_INT64_MAX];
	size_t	 n = text_int64(v, num);

	if (n >= size)
		return -2;
	memcpy(out, num, n + 1);
	return 0;
}

/* Copies a string or integer member. */
int
channel_json_id(json_t *obj, const char *key, char *out, size_t size)
{
	json_t	*v = json_object_get(obj, key);

	if (json_is_string(v))
		return channel_id_str(json_string_value(v),
		    json_string_length(v), out, size);
	if (json_is_integer(v))
		return channel_id_int(json_integer_value(v), out, size);
	return -1;
}

/* Formats "<platform> <key> <code>: <message>", cutting the message on a
 * character boundary to fit. */
static void
channel_robot_err(const struct robot_answer *ra, const char *key,
    json_int_t code, const char *msg, char *err, size_t errsz)
{
	char	 head[64];
	size_t	 hl, n = strlen(msg);

	if (errsz == 0)
		return;
	(void)snprintf(head, sizeof head, "%s %s %" JSON_INTEGER_FORMAT ": ",
	    ra->platform, key, code);
	hl = strlen(head);
	if (hl >= errsz)
		n = 0;
	else
		n = utf8_fit(msg, n, errsz - 1 - hl);
	(void)snprintf(err, errsz, "%s%.*s", head, (int)n, msg);
}

/* Classifies a robot's answer. */
enum send_status
channel_robot_result(const struct robot_answer *ra, long status,
    const char *body, size_t len, int *retry_after, char *err, size_t errsz)
{
	enum send_status	 st = SEND_FAILED;
	json_t			*j = NULL, *code = NULL;
	const char		*msg = NULL, *key = ra->code_key;

	*retry_after = 0;
	/*
	 * Most answers are the platform's success, the same bytes every
	 * time: read without building a tree (jansson's parse and free were
	 * 7.8k of the 178k instructions of a delivery to a robot).
	 */
	if (ra->ok_body != NULL && status >= 200 && status <= 299 &&
	    body != NULL && len == strlen(ra->ok_body) &&
	    memcmp(body, ra->ok_body, len) == 0) {
		channel_robot_err(ra, ra->code_key, 0, ra->ok_msg, err, errsz);
		return ra->classify(0, retry_after);
	}
	if (body != NULL && len > 0 &&
	    (j = json_loadb(body, len, 0, NULL)) != NULL) {
		if (json_is_integer(code = json_object_get(j, ra->code_key)))
			msg = json_string_value(json_object_get(j, ra->msg_key));
		else if (ra->old_code_key != NULL && json_is_integer(code =
		    json_object_get(j, ra->old_code_key))) {
			msg = json_string_value(json_object_get(j,
			    ra->old_msg_key));
			key = ra->old_code_key;
		} else
			code = NULL;
	}
	if (msg == NULL)
		msg = "";
	if (status == 0) {
		(void)snprintf(err, errsz, "%s: no answer", ra->platform);
		st = SEND_RETRY;
	} else if (status == 429 || status >= 500) {
		(void)snprintf(err, errsz, "%s: http %ld", ra->platform, status);
		st = SEND_RETRY;
	} else if (status < 200 || status > 299) {
		if (code != NULL)
			channel_robot_err(ra, key, json_integer_value(code), msg,
			    err, errsz);
		else
			(void)snprintf(err, errsz, "%s: http %ld", ra->platform,
			    status);
	} else if (code == NULL) {
		(void)snprintf(err, errsz, "%s: http %ld without %s",
		    ra->platform, status, ra->code_key);
		st = SEND_RETRY;
	} else {
		channel_robot_err(ra, key, json_integer_value(code), msg, err,
		    errsz);
		st = ra->classify(json_integer_value(code), retry_after);
	}
	json_decref(j);
	return st;
}

/* Answers with the reply's texts as JSON. */
void
channel_json_replies(const struct reply *r, struct http_response *resp)
{
	json_t	*list = json_array(), *obj;
	size_t	 i;

	for (i = 0; i < r->ntexts; i++)
		json_array_append_new(list, json_pack("{s:s}", "text",
		    r->texts[i]));
	obj = json_pack("{s:o}", "replies", list);
	resp->status = 200;
	resp->content_type = "application/json; charset=utf-8";
	resp->body = json_dumps(obj, JSON_COMPACT);
	resp->len = resp->body ? strlen(resp->body) : 0;
	json_decref(obj);
}
