/*
 * Unit tests of the outbound side of the channel adapters: the robots
 * (DingTalk, WeCom, Feishu) and Telegram against the platform vectors
 * (tests/data/protocol-vectors.json, a copy of the shared file), plus
 * cases of our own whose expected values were computed outside this code
 * (Python hmac/base64/urllib) and are written here as literals; the
 * generic webhook's outbound signature checked by its own inbound verify.
 */
#include "testutil.h"
#include "testvec.h"

#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "bot/channel.h"
#include "testchan.h"
#include "messages/text.h"
#include "messages/xmalloc.h"

#define ERRSZ	256

/* Finds a robot or, when no robot has that type, a channel backend
 * (a channel type may share a robot's platform name). */
static const struct channel_backend *
any_backend(const char *type)
{
	const struct channel_backend	*b = robot_backend_lookup(type);

	return b != NULL ? b : channel_backend_lookup(type);
}

/* Runs a backend's send_prepare; returns its result, *why on failure. */
static int
prepare(const char *type, const struct channel *ch, const struct outbound *m,
    struct http_call *call, const char **why)
{
	const struct channel_backend	*b = any_backend(type);
	struct channel			 none;

	assert_non_null(b);
	assert_non_null(b->send_prepare);
	memset(call, 0, sizeof *call);
	memset(&none, 0, sizeof none);
	*why = NULL;
	return b->send_prepare(ch != NULL ? ch : &none, m, call, why);
}

/* Runs a backend's send_result over a NUL-terminated body. */
static enum send_status
result(const char *type, const struct channel *ch, long status,
    const char *body, int *ra, char *err)
{
	const struct channel_backend	*b = any_backend(type);
	struct channel			 none;

	assert_non_null(b);
	assert_non_null(b->send_result);
	memset(&none, 0, sizeof none);
	*ra = -7;	/* must be overwritten */
	err[0] = '\0';
	return b->send_result(ch != NULL ? ch : &none, status, body,
	    body != NULL ? strlen(body) : 0, ra, err, ERRSZ);
}

/* Parses a call's body, asserting it is JSON; the caller decrefs. */
static json_t *
body_json(const struct http_call *call)
{
	json_t	*j;

	assert_non_null(call->body);
	assert_int_equal(call->len, strlen(call->body));
	j = json_loadb(call->body, call->len, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	return j;
}

/* Counts the occurrences of needle in s. */
static int
count(const char *s, const char *needle)
{
	int	 n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/*
 * DingTalk: every custom_robot_sign vector. The webhook is the vector's
 * URL without its timestamp and sign; the URL we build must equal the
 * vector's byte for byte. The vector body also carries "at", which we do
 * not send, so its fields are compared, and ours byte for byte to the
 * documented shape.
 */
static void
test_dingtalk_vectors(void **state)
{
	json_t			*v, *c, *vb, *ob;
	struct http_call	 call;
	struct outbound		 m;
	const char		*why, *url, *content;
	char			*webhook, *want;
	size_t			 i;
	int			 n = 0;

	(void)state;
	v = vectors();
	json_array_foreach(json_object_get(json_object_get(v, "dingtalk"),
	    "custom_robot_sign"), i, c) {
		url = vstr(c, "url", NULL);
		/* The vector itself: timestamp and url-encoded sign in it. */
		want = xasprintf("&timestamp=%s&sign=%s",
		    vstr(c, "timestamp_ms", NULL),
		    vstr(c, "sign_urlencoded", NULL));
		assert_non_null(strstr(url, want));
		webhook = xstrndup(url, (size_t)(strstr(url, want) - url));
		vb = json_loads(vstr(c, "body", NULL), 0, NULL);
		assert_non_null(vb);
		content = vstr(vb, "text", "content", NULL);

		memset(&m, 0, sizeof m);
		m.webhook = webhook;
		m.secret = vstr(c, "secret", NULL);
		m.text = content;
		m.now_ms = strtoll(vstr(c, "timestamp_ms", NULL), NULL, 10);
		assert_int_equal(prepare("dingtalk", NULL, &m, &call, &why), 0);
		assert_string_equal(call.url, url);
		assert_string_equal(call.content_type, "application/json");
		ob = body_json(&call);
		assert_string_equal(vstr(ob, "msgtype", NULL),
		    vstr(vb, "msgtype", NULL));
		assert_string_equal(vstr(ob, "text", "content", NULL), content);
		assert_int_equal(json_object_size(ob), 2);
		json_decref(ob);
		json_decref(vb);
		http_call_clear(&call);
		free(want);
		free(webhook);
		n++;
	}
	assert_int_equal(n, 1);	/* the file holds one case today */
	json_decref(v);
}

/* DingTalk: our own signatures (Python hmac), the body, '?' vs '&'. */
static void
test_dingtalk_cases(void **state)
{
	static const struct {
		int64_t		 ts;
		const char	*sign;	/* url-encoded */
	} cases[] = {
		/* base64 with '/', with '+' and '/', with neither, with '+' */
		{ 1700000000000LL, "iV8K9TDEE5wnCXGR41j1CbsGXd%2FjzncULOIY3Qk7T50%3D" },
		{ 1700000000001LL, "kM1PhE%2F6jhncWXxcTIWtmzDarPHlCeuA%2B293IGzfbIc%3D" },
		{ 1700000000006LL, "Nk2DpZA3kiiHgyKHKvdu3g8LofiU6JCVeL92ZDfJxHg%3D" },
		{ 1700000000012LL, "142YkwIRb7PDIOpLpngYcSDGg%2B4xEoDeewjTJtFDjnM%3D" },
	};
	const char		*sec = "SECtest0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789";
	struct http_call	 call;
	struct outbound		 m;
	const char		*why;
	char			*want, *first;
	size_t			 i;

	(void)state;
	memset(&m, 0, sizeof m);
	m.webhook = "https://oapi.dingtalk.com/robot/send?access_token=T";
	m.secret = sec;
	m.text = "提示：\"非法集资\" 风险\n请核实";
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		m.now_ms = cases[i].ts;
		assert_int_equal(prepare("dingtalk", NULL, &m, &call, &why), 0);
		want = xasprintf("https://oapi.dingtalk.com/robot/send?"
		    "access_token=T&timestamp=%lld&sign=%s",
		    (long long)cases[i].ts, cases[i].sign);
		assert_string_equal(call.url, want);
		assert_string_equal(call.body, "{\"msgtype\":\"text\",\"text\":"
		    "{\"content\":\"提示：\\\"非法集资\\\" 风险\\n请核实\"}}");
		free(want);
		http_call_clear(&call);
	}

	/* Fresh for every call, appended once; same clock, same URL. */
	m.now_ms = cases[0].ts;
	assert_int_equal(prepare("dingtalk", NULL, &m, &call, &why), 0);
	first = call.url;
	call.url = NULL;
	http_call_clear(&call);
	m.now_ms = cases[1].ts;
	assert_int_equal(prepare("dingtalk", NULL, &m, &call, &why), 0);
	assert_string_not_equal(call.url, first);
	assert_non_null(strstr(call.url, "timestamp=1700000000001&"));
	assert_int_equal(count(call.url, "timestamp="), 1);
	assert_int_equal(count(call.url, "sign="), 1);
	http_call_clear(&call);
	m.now_ms = cases[0].ts;
	assert_int_equal(prepare("dingtalk", NULL, &m, &call, &why), 0);
	assert_string_equal(call.url, first);
	http_call_clear(&call);
	free(first);

	/* A webhook without a query gets '?'. */
	m.webhook = "http://127.0.0.1:9/robot";
	m.now_ms = cases[2].ts;
	assert_int_equal(prepare("dingtalk", NULL, &m, &call, &why), 0);
	assert_string_equal(call.url, "http://127.0.0.1:9/robot?timestamp="
	    "1700000000006&sign=Nk2DpZA3kiiHgyKHKvdu3g8LofiU6JCVeL92ZDfJxHg%3D");
	http_call_clear(&call);

	/* No secret (NULL or empty): the webhook as configured. */
	m.webhook = "https://oapi.dingtalk.com/robot/send?access_token=T";
	m.text = "hi";
	m.secret = NULL;
	assert_int_equal(prepare("dingtalk", NULL, &m, &call, &why), 0);
	assert_string_equal(call.url, m.webhook);
	assert_string_equal(call.body,
	    "{\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}}");
	assert_int_equal(call.len, 42);
	assert_null(call.headers[0]);
	http_call_clear(&call);
	m.secret = "";
	assert_int_equal(prepare("dingtalk", NULL, &m, &call, &why), 0);
	assert_string_equal(call.url, m.webhook);
	http_call_clear(&call);

	/* Refusals: no webhook, a stale sign in it, invalid UTF-8. */
	m.secret = sec;
	m.webhook = NULL;
	assert_int_equal(prepare("dingtalk", NULL, &m, &call, &why), -1);
	assert_string_equal(why, "no webhook");
	assert_null(call.url);
	m.webhook = "https://oapi.dingtalk.com/robot/send?access_token=T"
	    "&timestamp=1&sign=x";
	assert_int_equal(prepare("dingtalk", NULL, &m, &call, &why), -1);
	assert_non_null(strstr(why, "timestamp or sign"));
	assert_null(call.url);
	m.webhook = "https://oapi.dingtalk.com/robot/send?access_token=T";
	m.text = "bad \xe4\xb8 utf-8";
	assert_int_equal(prepare("dingtalk", NULL, &m, &call, &why), -1);
	assert_string_equal(why, "text is not valid UTF-8");
	assert_null(call.body);
}

/*
 * Feishu: every custom_bot_sign vector. now_ms carries milliseconds the
 * adapter must drop; the body must equal the vector's byte for byte.
 */
static void
test_feishu_vectors(void **state)
{
	json_t			*v, *c, *vb, *ob;
	struct http_call	 call;
	struct outbound		 m;
	const char		*why;
	size_t			 i;
	int			 n = 0;

	(void)state;
	v = vectors();
	json_array_foreach(json_object_get(json_object_get(v, "feishu"),
	    "custom_bot_sign"), i, c) {
		vb = json_loads(vstr(c, "body", NULL), 0, NULL);
		assert_non_null(vb);
		memset(&m, 0, sizeof m);
		m.webhook = vstr(c, "url", NULL);
		m.secret = vstr(c, "secret", NULL);
		m.text = vstr(vb, "content", "text", NULL);
		m.now_ms = strtoll(vstr(c, "timestamp_s", NULL), NULL, 10) *
		    1000 + 999;
		assert_int_equal(prepare("feishu", NULL, &m, &call, &why), 0);
		assert_string_equal(call.url, vstr(c, "url", NULL));
		assert_string_equal(call.body, vstr(c, "body", NULL));
		ob = body_json(&call);
		assert_string_equal(vstr(ob, "sign", NULL), vstr(c, "sign", NULL));
		assert_string_equal(vstr(ob, "timestamp", NULL),
		    vstr(c, "timestamp_s", NULL));
		assert_string_equal(vstr(ob, "msg_type", NULL), "text");
		json_decref(ob);
		json_decref(vb);
		http_call_clear(&call);
		n++;
	}
	assert_int_equal(n, 1);
	json_decref(v);
}

/* Feishu: our own signatures (Python hmac), escaping, no secret. */
static void
test_feishu_cases(void **state)
{
	struct http_call	 call;
	struct outbound		 m;
	const char		*why;
	json_t			*ob;

	(void)state;
	memset(&m, 0, sizeof m);
	m.webhook = "https://open.feishu.cn/open-apis/bot/v2/hook/x";
	m.secret = "fs-EXAMPLE-secret";
	m.text = "测试 \"引号\"\n换行";
	m.now_ms = 1700000000000LL;
	assert_int_equal(prepare("feishu", NULL, &m, &call, &why), 0);
	/* The sign holds '/' and '+': raw base64, not escaped. */
	assert_string_equal(call.body, "{\"timestamp\":\"1700000000\","
	    "\"sign\":\"ruV3LiQx9/MltBiq1QYKozr/NBYY87MCk96oTg+sPxE=\","
	    "\"msg_type\":\"text\",\"content\":{\"text\":"
	    "\"测试 \\\"引号\\\"\\n换行\"}}");
	http_call_clear(&call);
	m.now_ms = 1763750123456LL;
	assert_int_equal(prepare("feishu", NULL, &m, &call, &why), 0);
	ob = body_json(&call);
	assert_string_equal(vstr(ob, "timestamp", NULL), "1763750123");
	assert_string_equal(vstr(ob, "sign", NULL),
	    "eOAEQcDIkga7RfsqWJXxX0IJs0E37Z8jiOIPLxvQOFw=");
	json_decref(ob);
	http_call_clear(&call);

	/* Without a secret: no timestamp, no sign. */
	m.secret = NULL;
	m.text = "hi";
	assert_int_equal(prepare("feishu", NULL, &m, &call, &why), 0);
	assert_string_equal(call.body,
	    "{\"msg_type\":\"text\",\"content\":{\"text\":\"hi\"}}");
	assert_string_equal(call.url, m.webhook);
	assert_string_equal(call.content_type, "application/json");
	http_call_clear(&call);

	m.webhook = "";
	assert_int_equal(prepare("feishu", NULL, &m, &call, &why), -1);
	assert_string_equal(why, "no webhook");
}

/* WeCom: the group_robot vector's URL and text content. */
static void
test_wecom_vector(void **state)
{
	json_t			*v, *r, *vb, *ob;
	struct http_call	 call;
	struct outbound		 m;
	const char		*why, *content;
	char			*want;

	(void)state;
	v = vectors();
	r = json_object_get(json_object_get(v, "wecom"), "group_robot");
	vb = json_loads(vstr(r, "text", NULL), 0, NULL);
	assert_non_null(vb);
	content = vstr(vb, "text", "content", NULL);
	memset(&m, 0, sizeof m);
	m.webhook = vstr(r, "url", NULL);
	m.secret = "ignored: wecom robots do not sign";
	m.text = content;
	m.now_ms = 1763750000000LL;
	assert_int_equal(prepare("wecom", NULL, &m, &call, &why), 0);
	assert_string_equal(call.url, vstr(r, "url", NULL));
	assert_string_equal(call.content_type, "application/json");
	ob = body_json(&call);
	assert_string_equal(vstr(ob, "msgtype", NULL),
	    vstr(vb, "msgtype", NULL));
	assert_string_equal(vstr(ob, "text", "content", NULL), content);
	want = xasprintf("{\"msgtype\":\"text\",\"text\":{\"content\":\"%s\"}}",
	    content);
	assert_string_equal(call.body, want);
	free(want);
	json_decref(ob);
	json_decref(vb);
	http_call_clear(&call);
	json_decref(v);
}

/* Builds a string of n copies of unit after prefix; the caller frees it. */
static char *
repeat(const char *prefix, const char *unit, size_t n)
{
	size_t	 pl = strlen(prefix), ul = strlen(unit), i;
	char	*s = xmalloc(pl + ul * n + 1);

	memcpy(s, prefix, pl);
	for (i = 0; i < n; i++)
		memcpy(s + pl + i * ul, unit, ul);
	s[pl + ul * n] = '\0';
	return s;
}

/* Runs WeCom's send_prepare and returns the content's byte length. */
static size_t
wecom_content_len(const char *text, const char **content_out, json_t **keep)
{
	struct http_call	 call;
	struct outbound		 m;
	const char		*why;
	json_t			*ob;
	json_t			*c;

	memset(&m, 0, sizeof m);
	m.webhook = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k";
	m.text = text;
	assert_int_equal(prepare("wecom", NULL, &m, &call, &why), 0);
	ob = body_json(&call);
	c = json_object_get(json_object_get(ob, "text"), "content");
	assert_true(json_is_string(c));
	*content_out = json_string_value(c);
	*keep = ob;
	http_call_clear(&call);
	return json_string_length(c);
}

/* WeCom: content cut to 2048 bytes, never inside a character. */
static void
test_wecom_cut(void **state)
{
	const char	*c;
	json_t		*ob;
	char		*s;

	(void)state;
	/* 1 + 700 * 3 bytes: 2048 falls inside the 683rd 中. */
	s = repeat("a", "中", 700);
	assert_int_equal(wecom_content_len(s, &c, &ob), 1 + 682 * 3);
	assert_true(utf8_valid(c, strlen(c)));
	assert_memory_equal(c, s, 2047);
	assert_int_equal(utf8_count(c), 683);
	json_decref(ob);
	free(s);
	/* Exactly 2048 bytes stay whole. */
	s = repeat("ab", "中", 682);
	assert_int_equal(strlen(s), 2048);
	assert_int_equal(wecom_content_len(s, &c, &ob), 2048);
	assert_string_equal(c, s);
	json_decref(ob);
	free(s);
	/* Four-byte characters: 1 + 511 * 4 = 2045. */
	s = repeat("a", "\xf0\x9f\x98\x80", 600);
	assert_int_equal(wecom_content_len(s, &c, &ob), 2045);
	assert_true(utf8_valid(c, strlen(c)));
	json_decref(ob);
	free(s);
	/* Short texts untouched. */
	assert_int_equal(wecom_content_len("短", &c, &ob), 3);
	assert_string_equal(c, "短");
	json_decref(ob);
}

/* Runs WeCom's send_prepare for text to url; returns text.content of
 * the body, which the caller frees, and checks the URL. */
static char *
wecom_content(const char *text, const char *url)
{
	struct outbound		 m;
	struct http_call	 call;
	const char		*why;
	json_t			*j;
	char			*c;

	memset(&m, 0, sizeof m);
	m.text = text;
	m.webhook = url;
	assert_int_equal(prepare("wecom", NULL, &m, &call, &why), 0);
	assert_string_equal(call.url, url);
	j = body_json(&call);
	c = xstrdup(json_string_value(json_object_get(json_object_get(j,
	    "text"), "content")));
	json_decref(j);
	http_call_clear(&call);
	return c;
}

/* WeCom: the body kept for a repeated text never outlives a change of
 * text, and each robot keeps its own URL. */
static void
test_wecom_repeat(void **state)
{
	struct outbound		 m;
	struct http_call	 call;
	const char		*why;
	char			*c, bad[] = { 'x', (char)0xc3, '\0' };
	size_t			 i;
	static const struct {
		const char	*text, *url;
	} seq[] = {
		{ "注意防范", "http://127.0.0.1:1/a" },
		{ "注意防范", "http://127.0.0.1:1/b" },
		{ "注意防范非法集资", "http://127.0.0.1:1/c" },
		{ "注意", "http://127.0.0.1:1/d" },
		{ "注意防范", "http://127.0.0.1:1/e" },
	};

	(void)state;
	for (i = 0; i < sizeof seq / sizeof seq[0]; i++) {
		c = wecom_content(seq[i].text, seq[i].url);
		assert_string_equal(c, seq[i].text);
		free(c);
	}
	/* Invalid UTF-8 after a valid text is still refused. */
	memset(&m, 0, sizeof m);
	m.text = bad;
	m.webhook = "http://127.0.0.1:1/f";
	assert_int_equal(prepare("wecom", NULL, &m, &call, &why), -1);
	assert_string_equal(why, "text is not valid UTF-8");
	http_call_clear(&call);
}

/* The descriptors: limits as the platforms document them. */
static void
test_descriptors(void **state)
{
	const struct channel_backend	*b;

	(void)state;
	b = any_backend("dingtalk");
	assert_int_equal(b->per_chat_minute, 20);
	assert_int_equal(b->per_chat_second, 0);
	assert_null(b->verify);
	assert_null(b->parse);
	assert_null(b->reply);
	assert_true(b->max_text > 0);
	b = any_backend("wecom");
	assert_int_equal(b->per_chat_minute, 20);
	assert_null(b->verify);
	assert_true(b->max_text * 4 <= 2048);
	b = any_backend("feishu");
	assert_int_equal(b->per_chat_second, 5);
	assert_int_equal(b->per_chat_minute, 100);
	assert_null(b->parse);
	b = any_backend("telegram");
	assert_int_equal(b->per_chat_second, 1);
	assert_int_equal(b->per_chat_minute, 20);
	assert_int_equal(b->global_second, 30);
	assert_non_null(b->verify);
	b = any_backend("generic");
	assert_non_null(b->send_prepare);
	assert_non_null(b->send_result);
}

/*
 * A robot's success answer as its platform documents it is read without
 * the JSON parser: the same status, delay and error text as the parser
 * gives for the same answer with a space before it, which takes the
 * parser's way; and a near miss (another code) is not taken for it.
 */
static void
test_robot_ok_answer(void **state)
{
	static const struct {
		const char	*type, *ok, *err, *miss;
	} robots[] = {
		{ "wecom", "{\"errcode\":0,\"errmsg\":\"ok\"}",
		    "wecom errcode 0: ok", "{\"errcode\":1,\"errmsg\":\"ok\"}" },
		{ "dingtalk", "{\"errcode\":0,\"errmsg\":\"ok\"}",
		    "dingtalk errcode 0: ok",
		    "{\"errcode\":0,\"errmsg\":\"ok\"" },
		{ "feishu", "{\"code\":0,\"data\":{},\"msg\":\"success\"}",
		    "feishu code 0: success",
		    "{\"code\":19021,\"data\":{},\"msg\":\"success\"}" },
	};
	char		 spaced[128], err[ERRSZ], err2[ERRSZ];
	int		 ra, ra2;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof robots / sizeof robots[0]; i++) {
		(void)snprintf(spaced, sizeof spaced, " %s", robots[i].ok);
		assert_int_equal(result(robots[i].type, NULL, 200,
		    robots[i].ok, &ra, err), SEND_OK);
		assert_string_equal(err, robots[i].err);
		assert_int_equal(ra, 0);
		assert_int_equal(result(robots[i].type, NULL, 200, spaced,
		    &ra2, err2), SEND_OK);
		assert_string_equal(err2, err);
		assert_int_equal(ra2, ra);
		/* Not a 2xx: the body does not make it a success. */
		assert_int_not_equal(result(robots[i].type, NULL, 404,
		    robots[i].ok, &ra, err), SEND_OK);
		assert_int_not_equal(result(robots[i].type, NULL, 200,
		    robots[i].miss, &ra, err), SEND_OK);
	}
}

/* DingTalk: every documented response, then our own. */
static void
test_dingtalk_results(void **state)
{
	static const struct {
		const char		*name;
		enum send_status	 st;
		int			 ra;
		const char		*err;	/* prefix */
	} want[] = {
		{ "ok", SEND_OK, 0, "dingtalk errcode 0: ok" },
		{ "sign_mismatch", SEND_FAILED, 0,
		    "dingtalk errcode 310000: sign not match" },
		{ "timestamp_invalid", SEND_FAILED, 0,
		    "dingtalk errcode 310000: invalid timestamp" },
		{ "rate_limited", SEND_RETRY, 600,
		    "dingtalk errcode 130101: send too fast" },
		{ "bad_token", SEND_FAILED, 0,
		    "dingtalk errcode 300001: token is not exist" },
	};
	json_t		*v, *resp, *body;
	const char	*name;
	char		 err[ERRSZ];
	int		 ra, n = 0;
	size_t		 i;

	(void)state;
	v = vectors();
	resp = json_object_get(json_object_get(v, "dingtalk"), "responses");
	json_object_foreach(resp, name, body) {
		if (strcmp(name, "note") == 0)
			continue;
		for (i = 0; i < sizeof want / sizeof want[0]; i++)
			if (strcmp(want[i].name, name) == 0)
				break;
		if (i == sizeof want / sizeof want[0])
			fail_msg("no expectation for dingtalk.responses.%s",
			    name);
		assert_int_equal(result("dingtalk", NULL, 200,
		    json_string_value(body), &ra, err), want[i].st);
		assert_int_equal(ra, want[i].ra);
		assert_memory_equal(err, want[i].err, strlen(want[i].err));
		n++;
	}
	assert_int_equal(n, 5);
	json_decref(v);

	assert_int_equal(result("dingtalk", NULL, 200,
	    "{\"errcode\":300005,\"errmsg\":\"x\"}", &ra, err), SEND_FAILED);
	assert_string_equal(err, "dingtalk errcode 300005: x");
	assert_int_equal(result("dingtalk", NULL, 200,
	    "{\"errcode\":42,\"errmsg\":\"new\"}", &ra, err), SEND_FAILED);
	assert_int_equal(result("dingtalk", NULL, 0, "", &ra, err),
	    SEND_RETRY);
	assert_int_equal(ra, 0);
	assert_int_equal(result("dingtalk", NULL, 500, "oops", &ra, err),
	    SEND_RETRY);
	assert_string_equal(err, "dingtalk: http 500");
	assert_int_equal(result("dingtalk", NULL, 429, "", &ra, err),
	    SEND_RETRY);
	assert_int_equal(ra, 0);
	assert_int_equal(result("dingtalk", NULL, 404, "<html>", &ra, err),
	    SEND_FAILED);
	assert_string_equal(err, "dingtalk: http 404");
	assert_int_equal(result("dingtalk", NULL, 200,
	    "<html><body>Bad gateway</body></html>", &ra, err), SEND_RETRY);
	assert_int_equal(result("dingtalk", NULL, 200, "", &ra, err),
	    SEND_RETRY);
	assert_int_equal(result("dingtalk", NULL, 200, NULL, &ra, err),
	    SEND_RETRY);
	assert_int_equal(result("dingtalk", NULL, 200,
	    "{\"errcode\":\"0\"}", &ra, err), SEND_RETRY);
}

/* err is cut to errsz on a character boundary. */
static void
test_err_cut(void **state)
{
	const struct channel_backend	*b;
	const char			*body = "{\"errcode\":310000,\"errmsg\":"
	    "\"签名不匹配签名不匹配\"}";
	char				 err[32];
	int				 ra;

	(void)state;
	b = any_backend("dingtalk");
	memset(err, 'X', sizeof err);
	/* "dingtalk errcode 310000: " is 25 bytes; errsz 31 leaves 5 bytes
	 * of text: one 3-byte character, not a half of the second. */
	assert_int_equal(b->send_result(NULL, 200, body, strlen(body), &ra,
	    err, 31), SEND_FAILED);
	assert_string_equal(err, "dingtalk errcode 310000: 签");
	/* errsz 32 leaves 6: exactly two. */
	assert_int_equal(b->send_result(NULL, 200, body, strlen(body), &ra,
	    err, 32), SEND_FAILED);
	assert_string_equal(err, "dingtalk errcode 310000: 签名");
	assert_true(utf8_valid(err, strlen(err)));
	b = any_backend("wecom");
	body = "{\"errcode\":93000,\"errmsg\":\"无效的地址无效的地址\"}";
	/* "wecom errcode 93000: " is 21 bytes; errsz 26 leaves 4. */
	assert_int_equal(b->send_result(NULL, 200, body, strlen(body), &ra,
	    err, 26), SEND_FAILED);
	assert_string_equal(err, "wecom errcode 93000: 无");
	/* errsz 20: not even the head fits; cut, still a string. */
	assert_int_equal(b->send_result(NULL, 200, body, strlen(body), &ra,
	    err, 20), SEND_FAILED);
	assert_string_equal(err, "wecom errcode 93000");
	/* errsz 0: nothing written. */
	err[0] = 'Z';
	assert_int_equal(b->send_result(NULL, 200, body, strlen(body), &ra,
	    err, 0), SEND_FAILED);
	assert_int_equal(err[0], 'Z');
}

/* WeCom: the documented responses and our own. */
static void
test_wecom_results(void **state)
{
	json_t		*v, *resp;
	char		 err[ERRSZ];
	int		 ra;

	(void)state;
	v = vectors();
	resp = json_object_get(json_object_get(json_object_get(v, "wecom"),
	    "group_robot"), "responses");
	assert_int_equal(json_object_size(resp), 2);
	assert_int_equal(result("wecom", NULL, 200, vstr(resp, "ok", NULL),
	    &ra, err), SEND_OK);
	assert_int_equal(ra, 0);
	assert_int_equal(result("wecom", NULL, 200,
	    vstr(resp, "rate_limited", NULL), &ra, err), SEND_RETRY);
	assert_int_equal(ra, 60);
	assert_string_equal(err, "wecom errcode 45009: api freq out of limit");
	json_decref(v);

	assert_int_equal(result("wecom", NULL, 200,
	    "{\"errcode\":-1,\"errmsg\":\"system busy\"}", &ra, err),
	    SEND_RETRY);
	assert_int_equal(ra, 0);
	assert_string_equal(err, "wecom errcode -1: system busy");
	assert_int_equal(result("wecom", NULL, 200,
	    "{\"errcode\":93000,\"errmsg\":\"invalid webhook url\"}", &ra,
	    err), SEND_FAILED);
	assert_int_equal(result("wecom", NULL, 0, NULL, &ra, err),
	    SEND_RETRY);
	assert_int_equal(result("wecom", NULL, 503, "", &ra, err),
	    SEND_RETRY);
	assert_int_equal(result("wecom", NULL, 429, "", &ra, err),
	    SEND_RETRY);
	assert_int_equal(ra, 0);
	assert_int_equal(result("wecom", NULL, 403, "", &ra, err),
	    SEND_FAILED);
	assert_int_equal(result("wecom", NULL, 200, "<html></html>", &ra,
	    err), SEND_RETRY);
}

/* Feishu: the documented responses and our own. */
static void
test_feishu_results(void **state)
{
	json_t		*v, *resp;
	char		 err[ERRSZ], *body;
	int		 ra;

	(void)state;
	v = vectors();
	resp = json_object_get(json_object_get(v, "feishu"),
	    "custom_bot_responses");
	assert_int_equal(result("feishu", NULL, 200, vstr(resp, "ok", NULL),
	    &ra, err), SEND_OK);
	assert_int_equal(result("feishu", NULL, 200,
	    vstr(resp, "sign_fail", NULL), &ra, err), SEND_FAILED);
	assert_string_equal(err, "feishu code 19021: sign match fail or "
	    "timestamp is not within one hour from current time");
	/* The vector gives only the code; the body around it is ours. */
	body = xasprintf("{\"code\":%" JSON_INTEGER_FORMAT ",\"data\":{},"
	    "\"msg\":\"rate limited\"}", json_integer_value(json_object_get(resp,
	    "rate_limited_code")));
	assert_int_equal(result("feishu", NULL, 200, body, &ra, err),
	    SEND_RETRY);
	assert_int_equal(ra, 0);
	assert_string_equal(err, "feishu code 11232: rate limited");
	free(body);
	json_decref(v);

	assert_int_equal(result("feishu", NULL, 200,
	    "{\"code\":9499,\"msg\":\"too many request\",\"data\":{}}", &ra,
	    err), SEND_RETRY);
	assert_int_equal(result("feishu", NULL, 200,
	    "{\"code\":19024,\"msg\":\"Key Words Not Found\"}", &ra, err),
	    SEND_FAILED);
	assert_string_equal(err, "feishu code 19024: Key Words Not Found");
	assert_int_equal(result("feishu", NULL, 200,
	    "{\"Extra\":null,\"StatusCode\":0,\"StatusMessage\":\"success\"}",
	    &ra, err), SEND_OK);
	assert_int_equal(result("feishu", NULL, 400,
	    "{\"code\":9499,\"msg\":\"Bad Request\"}", &ra, err),
	    SEND_FAILED);
	assert_string_equal(err, "feishu code 9499: Bad Request");
	assert_int_equal(result("feishu", NULL, 0, "", &ra, err),
	    SEND_RETRY);
	assert_int_equal(result("feishu", NULL, 502, "", &ra, err),
	    SEND_RETRY);
	assert_int_equal(result("feishu", NULL, 429, "", &ra, err),
	    SEND_RETRY);
	assert_int_equal(ra, 0);
	assert_int_equal(result("feishu", NULL, 200, "<!DOCTYPE html>", &ra,
	    err), SEND_RETRY);
	assert_int_equal(result("feishu", NULL, 404, "not found", &ra, err),
	    SEND_FAILED);
	assert_string_equal(err, "feishu: http 404");
}

/* Telegram: sendMessage against the vector request. */
static void
test_telegram_prepare(void **state)
{
	json_t			*v, *req, *vb, *ob;
	struct channel		 ch;
	struct http_call	 call;
	struct outbound		 m;
	const char		*why, *url, *tok;
	char			*token, *s;

	(void)state;
	v = vectors();
	req = json_object_get(json_object_get(json_object_get(v, "telegram"),
	    "send_message"), "request");
	url = vstr(req, "url", NULL);
	tok = strstr(url, "/bot") + 4;
	token = xstrndup(tok, (size_t)(strstr(tok, "/sendMessage") - tok));
	vb = json_loads(vstr(req, "body", NULL), 0, NULL);
	assert_non_null(vb);

	testchan_make(&ch, "tg", "telegram", "secret_token", "s",
	    "bot_username", "b", "token", token, NULL);
	memset(&m, 0, sizeof m);
	s = xasprintf("%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(vb, "chat_id")));
	m.chat_id = s;
	m.text = vstr(vb, "text", NULL);
	assert_int_equal(prepare("telegram", &ch, &m, &call, &why), 0);
	assert_string_equal(call.url, url);
	assert_string_equal(call.content_type, vstr(req, "content_type", NULL));
	ob = body_json(&call);
	assert_true(json_equal(json_object_get(ob, "chat_id"),
	    json_object_get(vb, "chat_id")));
	assert_true(json_is_integer(json_object_get(ob, "chat_id")));
	assert_string_equal(vstr(ob, "text", NULL), vstr(vb, "text", NULL));
	assert_string_equal(call.body, "{\"chat_id\":-1001234567890,"
	    "\"text\":\"✅ server01 恢复正常\"}");
	json_decref(ob);
	http_call_clear(&call);

	testchan_set(&ch, "api_base", "http://127.0.0.1:8081");
	m.text = "x";
	assert_int_equal(prepare("telegram", &ch, &m, &call, &why), 0);
	assert_non_null(strstr(call.url, "http://127.0.0.1:8081/bot123456:"));
	http_call_clear(&call);

	m.chat_id = "@channel";
	assert_int_equal(prepare("telegram", &ch, &m, &call, &why), -1);
	assert_string_equal(why, "chat_id is not an integer");
	m.chat_id = "99999999999999999999";
	assert_int_equal(prepare("telegram", &ch, &m, &call, &why), -1);
	assert_string_equal(why, "chat_id is not an integer");
	m.chat_id = NULL;
	assert_int_equal(prepare("telegram", &ch, &m, &call, &why), -1);
	assert_string_equal(why, "no chat_id");
	m.chat_id = s;
	testchan_set(&ch, "token", NULL);
	assert_int_equal(prepare("telegram", &ch, &m, &call, &why), -1);
	assert_string_equal(why, "no bot token");
	assert_null(call.url);
	testchan_free(&ch);
	free(s);
	free(token);
	json_decref(vb);
	json_decref(v);
}

/* Telegram: 4096 UTF-16 units, an emoji counting two. */
static void
test_telegram_cut(void **state)
{
	struct channel		 ch;
	struct http_call	 call;
	struct outbound		 m;
	const char		*why;
	json_t			*ob;
	char			*s, *t;

	(void)state;
	testchan_make(&ch, "tg", "telegram", "secret_token", "s",
	    "bot_username", "b", "token", "1:T", NULL);
	memset(&m, 0, sizeof m);
	m.chat_id = "-5";
	/* 4094 + 2 = 4096 units: whole. */
	s = repeat("\xf0\x9f\x98\x80", "a", 4094);
	m.text = s;
	assert_int_equal(prepare("telegram", &ch, &m, &call, &why), 0);
	ob = body_json(&call);
	assert_string_equal(vstr(ob, "text", NULL), s);
	json_decref(ob);
	http_call_clear(&call);
	free(s);
	/* 4095 + 2 = 4097: the last 'a' goes (the emoji is first). */
	s = repeat("\xf0\x9f\x98\x80", "a", 4095);
	m.text = s;
	assert_int_equal(prepare("telegram", &ch, &m, &call, &why), 0);
	ob = body_json(&call);
	assert_int_equal(json_string_length(json_object_get(ob, "text")),
	    4 + 4094);
	assert_memory_equal(vstr(ob, "text", NULL), s, 4 + 4094);
	json_decref(ob);
	http_call_clear(&call);
	free(s);
	/* 4095 'a' then an emoji: 4097 units, the emoji goes whole. */
	s = repeat("", "a", 4095);
	m.text = t = xasprintf("%s\xf0\x9f\x98\x80", s);
	assert_int_equal(prepare("telegram", &ch, &m, &call, &why), 0);
	ob = body_json(&call);
	assert_int_equal(json_string_length(json_object_get(ob, "text")),
	    4095);
	assert_memory_equal(vstr(ob, "text", NULL), s, 4095);
	json_decref(ob);
	http_call_clear(&call);
	free(t);
	free(s);
	/* 5000 CJK characters (one unit each): 4096 of them. */
	s = repeat("", "中", 5000);
	m.text = s;
	assert_int_equal(prepare("telegram", &ch, &m, &call, &why), 0);
	ob = body_json(&call);
	assert_int_equal(utf8_count(vstr(ob, "text", NULL)), 4096);
	json_decref(ob);
	http_call_clear(&call);
	free(s);
	testchan_free(&ch);
}

/* Telegram: the documented answers and our own. */
static void
test_telegram_results(void **state)
{
	json_t		*v, *sm;
	char		 err[ERRSZ];
	int		 ra;

	(void)state;
	v = vectors();
	sm = json_object_get(json_object_get(v, "telegram"), "send_message");
	assert_int_equal(result("telegram", NULL, 200,
	    vstr(sm, "response_ok_example", NULL), &ra, err), SEND_OK);
	assert_int_equal(ra, 0);
	assert_int_equal(result("telegram", NULL, 429,
	    vstr(sm, "response_429_example", NULL), &ra, err), SEND_RETRY);
	assert_int_equal(ra, 35);
	assert_string_equal(err, "telegram 429: Too Many Requests: retry "
	    "after 35");
	assert_int_equal(result("telegram", NULL, 400,
	    vstr(sm, "response_migrated_example", NULL), &ra, err),
	    SEND_FAILED);
	assert_string_equal(err, "telegram 400: group moved to chat "
	    "-1001234567890");
	assert_int_equal(result("telegram", NULL, 403,
	    vstr(sm, "response_blocked_example", NULL), &ra, err),
	    SEND_FAILED);
	assert_string_equal(err, "telegram 403: Forbidden: bot was blocked "
	    "by the user");
	json_decref(v);

	assert_int_equal(result("telegram", NULL, 0, "", &ra, err),
	    SEND_RETRY);
	assert_int_equal(result("telegram", NULL, 502, "<html>", &ra, err),
	    SEND_RETRY);
	assert_string_equal(err, "telegram 502");
	assert_int_equal(result("telegram", NULL, 200, "<html>", &ra, err),
	    SEND_RETRY);
	assert_string_equal(err, "telegram 200");
	assert_int_equal(result("telegram", NULL, 404, "", &ra, err),
	    SEND_FAILED);
	assert_string_equal(err, "telegram 404");
	assert_int_equal(result("telegram", NULL, 200, "{\"ok\":false,"
	    "\"error_code\":429,\"parameters\":{\"retry_after\":7}}", &ra, err),
	    SEND_RETRY);
	assert_int_equal(ra, 7);
	assert_int_equal(result("telegram", NULL, 401, "{\"ok\":false,"
	    "\"error_code\":401,\"description\":\"Unauthorized\"}", &ra, err),
	    SEND_FAILED);
	assert_string_equal(err, "telegram 401: Unauthorized");
	assert_int_equal(result("telegram", NULL, 400, "{\"ok\":false,"
	    "\"error_code\":400,\"description\":\"Bad Request: chat not "
	    "found\"}", &ra, err), SEND_FAILED);
}

/* Looks a header up in the call. */
static const char *
call_header(const struct http_call *call, const char *name)
{
	size_t	 i, n = strlen(name);

	for (i = 0; i < HTTP_CALL_HEADERS; i++)
		if (call->headers[i] != NULL &&
		    strncasecmp(call->headers[i], name, n) == 0 &&
		    call->headers[i][n] == ':')
			return call->headers[i] + n + 2;
	return NULL;
}

/* Header lookup for the inbound verify: the signature header and the
 * timestamp the outbound call carried. */
static const char *
sig_header(const struct http_request *req, const char *name)
{
	if (strcasecmp(name, "X-Fangfei-Timestamp") == 0)
		return "1763750000";
	return strcasecmp(name, "X-Fangfei-Signature") == 0 ? req->impl : NULL;
}

/* Generic: body, headers; the signature passes the inbound verify. */
static void
test_generic(void **state)
{
	const struct channel_backend	*b;
	struct channel			 ch;
	struct http_call		 call;
	struct http_request		 req;
	struct outbound			 m;
	const char			*why, *sig;
	unsigned char			 mac[EVP_MAX_MD_SIZE];
	unsigned int			 maclen = 0, i;
	char				 hex[2 * EVP_MAX_MD_SIZE + 1], *bad;
	char				*tsbody;
	char				 err[ERRSZ];
	int				 ra;

	(void)state;
	b = any_backend("generic");
	testchan_make(&ch, "gen", "generic", "secret", "s3cret",
	    "outbound_url", "http://127.0.0.1:9/out", NULL);
	memset(&m, 0, sizeof m);
	m.chat_id = "-42";
	m.text = "你好";
	m.idem_key = "k-1";
	m.now_ms = 1763750000123LL;
	assert_int_equal(prepare("generic", &ch, &m, &call, &why), 0);
	assert_string_equal(call.url, "http://127.0.0.1:9/out");
	assert_string_equal(call_header(&call, "X-Fangfei-Timestamp"),
	    "1763750000");
	assert_string_equal(call.body,
	    "{\"chat_id\":\"-42\",\"text\":\"你好\",\"idempotency_key\":\"k-1\"}");
	assert_string_equal(call_header(&call, "Idempotency-Key"), "k-1");
	sig = call_header(&call, "X-Fangfei-Signature");
	assert_non_null(sig);
	/* Computed with Python's hmac over "1763750000." and the body. */
	assert_string_equal(sig, "sha256=3d9aa09bad9132bff7a67b9c4abd16132575"
	    "3578a3adb17c7d158bd1ace3c926");
	/* And with OpenSSL here, over the bytes actually sent. */
	tsbody = xasprintf("1763750000.%s", call.body);
	assert_non_null(HMAC(EVP_sha256(), "s3cret", 6,
	    (const unsigned char *)tsbody, strlen(tsbody), mac, &maclen));
	free(tsbody);
	for (i = 0; i < maclen; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	assert_string_equal(sig + 7, hex);
	/* The inbound side of the same scheme accepts it; a flip fails. */
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.body = call.body;
	req.body_len = call.len;
	req.now = 1763750100;
	req.header = sig_header;
	req.impl = (void *)(uintptr_t)sig;
	assert_int_equal(b->verify(&ch, &req, &why), 0);
	bad = xstrdup(sig);
	bad[10] = bad[10] == '0' ? '1' : '0';
	req.impl = bad;
	assert_int_equal(b->verify(&ch, &req, &why), 401);
	free(bad);
	http_call_clear(&call);

	/* Without a secret (a demo channel): no signature header. */
	testchan_set(&ch, "allow_unsigned", "on");
	testchan_set(&ch, "secret", NULL);
	assert_int_equal(prepare("generic", &ch, &m, &call, &why), 0);
	assert_null(call_header(&call, "X-Fangfei-Signature"));
	assert_null(call_header(&call, "X-Fangfei-Timestamp"));
	assert_string_equal(call_header(&call, "Idempotency-Key"), "k-1");
	http_call_clear(&call);

	/* Refusals. */
	m.idem_key = "k-1\r\nX-Evil: 1";
	assert_int_equal(prepare("generic", &ch, &m, &call, &why), -1);
	assert_null(call.headers[0]);
	m.idem_key = "k-1";
	m.chat_id = NULL;
	assert_int_equal(prepare("generic", &ch, &m, &call, &why), -1);
	assert_string_equal(why, "no chat_id");
	m.chat_id = "-42";
	testchan_set(&ch, "outbound_url", NULL);
	assert_int_equal(prepare("generic", &ch, &m, &call, &why), -1);
	assert_string_equal(why, "no outbound_url");

	/* Results by status alone. */
	assert_int_equal(result("generic", &ch, 200, "", &ra, err), SEND_OK);
	assert_int_equal(result("generic", &ch, 204, NULL, &ra, err),
	    SEND_OK);
	assert_int_equal(result("generic", &ch, 0, "", &ra, err), SEND_RETRY);
	assert_int_equal(ra, 0);
	assert_int_equal(result("generic", &ch, 429, "", &ra, err),
	    SEND_RETRY);
	assert_int_equal(result("generic", &ch, 503, "", &ra, err),
	    SEND_RETRY);
	assert_string_equal(err, "http 503");
	assert_int_equal(result("generic", &ch, 404, "", &ra, err),
	    SEND_FAILED);
	assert_string_equal(err, "http 404");
	assert_int_equal(result("generic", &ch, 301, "", &ra, err),
	    SEND_FAILED);
	testchan_free(&ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dingtalk_vectors),
		cmocka_unit_test(test_dingtalk_cases),
		cmocka_unit_test(test_feishu_vectors),
		cmocka_unit_test(test_feishu_cases),
		cmocka_unit_test(test_wecom_vector),
		cmocka_unit_test(test_wecom_cut),
		cmocka_unit_test(test_wecom_repeat),
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_dingtalk_results),
		cmocka_unit_test(test_err_cut),
		cmocka_unit_test(test_wecom_results),
		cmocka_unit_test(test_feishu_results),
		cmocka_unit_test(test_robot_ok_answer),
		cmocka_unit_test(test_telegram_prepare),
		cmocka_unit_test(test_telegram_cut),
		cmocka_unit_test(test_telegram_results),
		cmocka_unit_test(test_generic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
