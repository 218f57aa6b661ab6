/*
 * The platforms of the kill soak: for each inbound channel, a message as
 * its platform sends it (signed, or sealed and signed, as
 * tests/e2e/e2e_chansec.c, e2e_wecom_app.c, e2e_wechat_mp.c,
 * e2e_dingtalk.c, e2e_feishu.c, e2e_twilio.c and e2e_kannel.c send
 * theirs; WeCom's AI bot in callback mode as tests/unit/test_wecom_bot.c
 * does), and the answer read as the platform reads it. Kannel is played
 * without a real bearerbox: its sms-service's get-url is called directly,
 * as smsbox calls it.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "bot/dtsign.h"
#include "bot/larkcrypt.h"
#include "bot/wxcrypt.h"
#include "bot/xmlmsg.h"
#include "messages/xmalloc.h"
#include "soak.h"

#define GEN_SECRET	"k3y"
#define TG_SECRET	"s3cr3t_Token-01"
#define WC_CORP		"ww0123456789abcdef"
#define WC_TOKEN	"tok2EXAMPLE"
#define WC_AESKEY	"ZtEsf/CbrTLYxM4hA6DvRTa+cAdvh3bB1ifOVaPxMv4"
#define MP_TOKEN	"wx_Token-soak"
#define MP_APPID	"wx5823bf96d3bd56c7"
#define MP_ACCOUNT	"gh_a96a4a619366"
#define DT_SECRET	"soak_DingTalk-app_secret_0123456789"
#define FS_VT		"v0Tok3nSOAK"
#define FS_EK		"kudryavka-SOAK-encrypt-key"
#define TW_TOKEN	"soak_twilio_auth_token_0123456789"
#define TW_ACCOUNT	"ACs0a000000000000000000000000000000"
#define TW_PUBLIC	"https://sms.example.gov.cn/hook/sms"
#define TW_TO		"+8610690000"
#define KN_TOKEN	"kn-soak-token"
#define WB_TOKEN	"wbTok3nSOAK"
#define WB_AESKEY	"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

const char soak_api_ok[] = "{\"errcode\":0,\"errmsg\":\"ok\",\"code\":0,"
    "\"msg\":\"ok\",\"access_token\":\"soak-at\",\"expires_in\":7200,"
    "\"tenant_access_token\":\"t-soak\",\"expire\":7200,"
    "\"accessToken\":\"soak-dt\",\"expireIn\":7200,"
    "\"data\":{\"message_id\":\"om_soak\"},\"sid\":\"SMsoak\","
    "\"status\":\"queued\"}";

/* The fake API's base URL, for DingTalk's sessionWebhook. */
static char		 soak_api_base[64];
/* Nonces: a fresh one for every request, as the platforms draw them. */
static atomic_ulong	 soak_nonce = 1;

/* The config of every channel. */
char *
soak_chan_config(const char *api_base, int api_port)
{
	(void)snprintf(soak_api_base, sizeof soak_api_base, "%s", api_base);
	return xasprintf(
	    "[channel.wc]\ntype = wecom\narea = 华光路社区\n"
	    "corp_id = " WC_CORP "\ncorp_secret = s3cretCorp\n"
	    "agent_id = 1000002\ntoken = " WC_TOKEN "\n"
	    "encoding_aes_key = " WC_AESKEY "\napi_base = %s\n"
	    "[channel.mp]\ntype = wechat_mp\narea = 华光路社区\n"
	    "app_id = " MP_APPID "\napp_secret = s3cret\ntoken = " MP_TOKEN
	    "\napi_base = %s\n"
	    "[channel.ding]\ntype = dingtalk\narea = 华光路社区\n"
	    "app_key = dingkey01\napp_secret = " DT_SECRET "\n"
	    "robot_code = dingrobot01\napi_base = %s\n"
	    "session_host = 127.0.0.1:%d\n"
	    "[channel.fs]\ntype = feishu\napp_id = cli_a1b2c3d4e5f6\n"
	    "app_secret = APP_SECRET\nverification_token = " FS_VT "\n"
	    "encrypt_key = " FS_EK "\napi_base = %s\narea = 华光路社区\n"
	    "[channel.sms]\ntype = twilio\narea = 华光路社区\n"
	    "account_sid = " TW_ACCOUNT "\nauth_token = " TW_TOKEN "\n"
	    "from = " TW_TO "\npublic_url = " TW_PUBLIC "\napi_base = %s\n"
	    "[channel.kn]\ntype = kannel\narea = 华光路社区\n"
	    "token = " KN_TOKEN "\n"
	    "[channel.wb]\ntype = wecom_bot\nmode = callback\n"
	    "area = 华光路社区\ntoken = " WB_TOKEN "\n"
	    "encoding_aes_key = " WB_AESKEY "\n"
	    "response_host = 127.0.0.1:%d\n",
	    api_base, api_base, api_base, api_port, api_base, api_base,
	    api_port);
}

/* Frees a reply's text. */
void
soak_reply_free(struct soak_reply *r)
{
	free(r->text);
	r->text = NULL;
}

/* Sends one request and keeps its status and body as the reply. */
static void
soak_send(const struct daemon *d, const char *method, const char *path,
    const char *const *hdr, const char *body, struct soak_reply *out)
{
	struct http_result	 r;

	r = e2e_request(d, method, path, hdr, body,
	    body != NULL ? strlen(body) : 0);
	out->status = r.status;
	out->text = r.body;
	out->error = r.error;
}

/* A JSON string of s, quotes included; caller frees. */
static char *
soak_json_str(const char *s)
{
	json_t	*j = json_string(s);
	char	*out = json_dumps(j, JSON_ENCODE_ANY);

	json_decref(j);
	if (out == NULL)
		abort();
	return out;
}

/* The generic channel, signed with its secret (X-Fangfei-*). */
static void
gen_say(const struct daemon *d, int sender, unsigned long id,
    const char *text, struct soak_reply *out)
{
	char		 ts[24], sig[80], hts[64], hsig[128], *t, *body;
	const char	*hdr[] = { "Content-Type: application/json", hts, hsig,
			    NULL };

	t = soak_json_str(text);
	body = xasprintf("{\"chat_id\":\"soak-c%d\",\"chat_type\":\"private\","
	    "\"sender_id\":\"soak-u%d\",\"text\":%s,\"message_id\":\"m%lu\"}",
	    sender, sender, t, id);
	(void)snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
	if (e2e_sign_generic(GEN_SECRET, ts, body, strlen(body), sig) != 0)
		abort();
	(void)snprintf(hts, sizeof hts, "X-Fangfei-Timestamp: %s", ts);
	(void)snprintf(hsig, sizeof hsig, "X-Fangfei-Signature: %s", sig);
	soak_send(d, "POST", "/hook/signed", hdr, body, out);
	free(body);
	free(t);
}

/* Telegram: one Update, its update_id the message's number. */
static void
tg_say(const struct daemon *d, int sender, unsigned long id,
    const char *text, struct soak_reply *out)
{
	static const char *const hdr[] = { "Content-Type: application/json",
	    "X-Telegram-Bot-Api-Secret-Token: " TG_SECRET, NULL };
	char	*t = soak_json_str(text), *body;

	body = xasprintf("{\"update_id\":%lu,\"message\":{\"message_id\":%lu,"
	    "\"from\":{\"id\":%d,\"first_name\":\"居民\"},\"chat\":{\"id\":%d,"
	    "\"type\":\"private\"},\"text\":%s}}", id, id, 7100 + sender,
	    7100 + sender, t);
	soak_send(d, "POST", "/hook/tg", hdr, body, out);
	free(body);
	free(t);
}

/* WeCom's app: the message sealed for the corp and signed; the passive
 * reply opened (a late answer is "success" or empty, kept as it is). */
static void
wc_say(const struct daemon *d, int sender, unsigned long id,
    const char *text, struct soak_reply *out)
{
	static const char *const hdr[] = { "Content-Type: text/xml", NULL };
	struct wxcrypt_key	 key;
	struct xmlmsg		 env, m;
	char			 ts[24], nonce[24], sig[WXCRYPT_SIG_LEN + 1];
	char			*inner, *enc = NULL, *body, *path, *msg = NULL;
	size_t			 len;

	if (wxcrypt_key_parse(WC_AESKEY, &key) != WXCRYPT_OK)
		abort();
	(void)snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
	(void)snprintf(nonce, sizeof nonce, "%lu", soak_nonce++);
	inner = xasprintf("<xml><ToUserName><![CDATA[" WC_CORP "]]>"
	    "</ToUserName><FromUserName><![CDATA[soakuser%d]]></FromUserName>"
	    "<CreateTime>%s</CreateTime><MsgType><![CDATA[text]]></MsgType>"
	    "<Content><![CDATA[%s]]></Content><MsgId>%lu</MsgId><AgentID>"
	    "1000002</AgentID></xml>", sender, ts, text, id);
	if (wxcrypt_encrypt(&key, NULL, inner, strlen(inner), WC_CORP,
	    &enc) != WXCRYPT_OK || wxcrypt_signature(WC_TOKEN, ts, nonce, enc,
	    sig) != WXCRYPT_OK)
		abort();
	body = xasprintf("<xml><ToUserName><![CDATA[" WC_CORP "]]>"
	    "</ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID>"
	    "<![CDATA[1000002]]></AgentID></xml>", enc);
	path = xasprintf("/hook/wc?msg_signature=%s&timestamp=%s&nonce=%s",
	    sig, ts, nonce);
	soak_send(d, "POST", path, hdr, body, out);
	if (out->status == 200 && strstr(out->text, "<Encrypt>") != NULL &&
	    xmlmsg_parse(out->text, strlen(out->text), &env) == XMLMSG_OK) {
		if (wxcrypt_verify(WC_TOKEN, xmlmsg_get(&env,
		    XMLMSG_TIME_STAMP), xmlmsg_get(&env, XMLMSG_NONCE),
		    xmlmsg_get(&env, XMLMSG_ENCRYPT), xmlmsg_get(&env,
		    XMLMSG_MSG_SIGNATURE)) == WXCRYPT_OK &&
		    wxcrypt_decrypt(&key, xmlmsg_get(&env, XMLMSG_ENCRYPT),
		    WC_CORP, &msg, &len) == WXCRYPT_OK &&
		    xmlmsg_parse(msg, len, &m) == XMLMSG_OK) {
			free(out->text);
			out->text = xstrdup(xmlmsg_get(&m, XMLMSG_CONTENT) ?
			    xmlmsg_get(&m, XMLMSG_CONTENT) : "");
			xmlmsg_clear(&m);
		} else {
			/* A sealed answer that does not open is no answer. */
			free(out->text);
			out->text = xstrdup("(sealed answer that does not "
			    "open)");
			out->status = -1;
		}
		xmlmsg_clear(&env);
		free(msg);
	}
	free(path);
	free(body);
	free(enc);
	free(inner);
}

/* The WeChat Official Account in plain mode: the URL signed with the
 * token; the passive reply's XML kept as it is. */
static void
mp_say(const struct daemon *d, int sender, unsigned long id,
    const char *text, struct soak_reply *out)
{
	static const char *const hdr[] = { "Content-Type: text/xml", NULL };
	char	 ts[24], nonce[24], sig[WXCRYPT_SIG_LEN + 1], *body, *path;

	(void)snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
	(void)snprintf(nonce, sizeof nonce, "%lu", soak_nonce++);
	if (wxcrypt_signature(MP_TOKEN, ts, nonce, NULL, sig) != WXCRYPT_OK)
		abort();
	body = xasprintf("<xml><ToUserName><![CDATA[" MP_ACCOUNT "]]>"
	    "</ToUserName><FromUserName><![CDATA[o-soak-%d]]></FromUserName>"
	    "<CreateTime>%s</CreateTime><MsgType><![CDATA[text]]></MsgType>"
	    "<Content><![CDATA[%s]]></Content><MsgId>%lu</MsgId></xml>",
	    sender, ts, text, id);
	path = xasprintf("/hook/mp?signature=%s&timestamp=%s&nonce=%s"
	    "&openid=o-soak-%d", sig, ts, nonce, sender);
	soak_send(d, "POST", path, hdr, body, out);
	free(path);
	free(body);
}

/* DingTalk's enterprise robot: a single chat's callback signed with the
 * app secret at the current time; the answer goes to the sessionWebhook
 * (the fake API's /robot/sendBySession?session=s-ID). */
static void
ding_say(const struct daemon *d, int sender, unsigned long id,
    const char *text, struct soak_reply *out)
{
	struct timespec	 now;
	long long	 ms;
	char		 ts[32], sig[DTSIGN_LEN + 1], hts[64], hsign[96];
	char		*t, *content, *body, *session;
	const char	*hdr[] = { "Content-Type: application/json; "
			    "charset=utf-8", hts, hsign, NULL };

	clock_gettime(CLOCK_REALTIME, &now);
	ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	(void)snprintf(ts, sizeof ts, "%lld", ms);
	if (dtsign_sign(DT_SECRET, ts, sig) != DTSIGN_OK)
		abort();
	(void)snprintf(hts, sizeof hts, "timestamp: %s", ts);
	(void)snprintf(hsign, sizeof hsign, "sign: %s", sig);
	/* DingTalk's content starts with the space after the @mention. */
	t = xasprintf(" %s", text);
	content = soak_json_str(t);
	free(t);
	session = xasprintf("%s/robot/sendBySession?session=s-%lu",
	    soak_api_base, id);
	body = xasprintf("{\"conversationId\":\"cid-soak-%d\","
	    "\"chatbotCorpId\":\"dingcorp\",\"chatbotUserId\":\"$:LWCP_v1:$bot\","
	    "\"msgId\":\"dmsg%lu\",\"senderNick\":\"居民\",\"isAdmin\":false,"
	    "\"senderStaffId\":\"staff-soak-%d\","
	    "\"sessionWebhookExpiredTime\":%lld,\"createAt\":%lld,"
	    "\"senderCorpId\":\"dingcorp\",\"conversationType\":\"1\","
	    "\"senderId\":\"$:LWCP_v1:$soak%d\",\"sessionWebhook\":\"%s\","
	    "\"text\":{\"content\":%s},\"robotCode\":\"dingrobot01\","
	    "\"msgtype\":\"text\"}", sender, id, sender, ms + 5400000, ms,
	    sender, session, content);
	soak_send(d, "POST", "/hook/ding", hdr, body, out);
	free(body);
	free(session);
	free(content);
}

/* Feishu's app bot: a schema 2.0 event sealed with the encrypt key and
 * signed; the answer goes through the OpenAPI. */
static void
fs_say(const struct daemon *d, int sender, unsigned long id,
    const char *text, struct soak_reply *out)
{
	json_t		*c, *ev;
	char		*content, *plain, *enc = NULL, *body;
	char		 evid[32], msgid[32], sender_id[32], chat[32];
	char		 ts[24], nonce[24], sig[LARKCRYPT_SIG_LEN + 1];
	char		 hts[64], hnonce[64], hsig[96];
	const char	*hdr[] = { "Content-Type: application/json", hts, hnonce,
			    hsig, NULL };

	(void)snprintf(evid, sizeof evid, "ev-soak-%lu", id);
	(void)snprintf(msgid, sizeof msgid, "om_soak_%lu", id);
	(void)snprintf(sender_id, sizeof sender_id, "ou_soak%d", sender);
	(void)snprintf(chat, sizeof chat, "oc_soak%d", sender);
	c = json_pack("{s:s}", "text", text);
	content = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	ev = json_pack("{s:s, s:{s:s, s:s, s:s, s:s}, s:{s:{s:{s:s}, s:s},"
	    " s:{s:s, s:s, s:s, s:s, s:s}}}",
	    "schema", "2.0",
	    "header", "event_id", evid, "token", FS_VT, "event_type",
	    "im.message.receive_v1", "create_time", "1763750000123",
	    "event", "sender", "sender_id", "open_id", sender_id,
	    "sender_type", "user",
	    "message", "message_id", msgid, "chat_id", chat, "chat_type",
	    "p2p", "message_type", "text", "content", content);
	plain = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	free(content);
	if (plain == NULL || larkcrypt_encrypt(FS_EK, NULL, plain,
	    strlen(plain), &enc) != LARKCRYPT_OK)
		abort();
	body = xasprintf("{\"encrypt\":\"%s\"}", enc);
	(void)snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
	(void)snprintf(nonce, sizeof nonce, "n%lu", soak_nonce++);
	if (larkcrypt_signature(ts, nonce, FS_EK, body, strlen(body), sig) !=
	    LARKCRYPT_OK)
		abort();
	(void)snprintf(hts, sizeof hts, "X-Lark-Request-Timestamp: %s", ts);
	(void)snprintf(hnonce, sizeof hnonce, "X-Lark-Request-Nonce: %s",
	    nonce);
	(void)snprintf(hsig, sizeof hsig, "X-Lark-Signature: %s", sig);
	soak_send(d, "POST", "/hook/fs", hdr, body, out);
	free(body);
	free(enc);
	free(plain);
}

/* A form value, URL-encoded; caller frees. */
static char *
soak_form(const char *s)
{
	char	*e = curl_easy_escape(NULL, s, 0), *out;

	if (e == NULL)
		abort();
	out = xstrdup(e);
	curl_free(e);
	return out;
}

/* Twilio: an inbound SMS form signed over the public URL; the answer is
 * TwiML. */
static void
tw_say(const struct daemon *d, int sender, unsigned long id,
    const char *text, struct soak_reply *out)
{
	static const char *const names[] = { "AccountSid", "Body", "From",
	    "MessageSid", "To", NULL };
	char		 phone[24], sid[40], b64[64], hdr[128];
	char		*eb, *ef, *et, *body;
	const char	*values[] = { TW_ACCOUNT, text, phone, sid, TW_TO,
			    NULL };
	const char	*hdrs[] = { "Content-Type: application/x-www-form-"
			    "urlencoded", hdr, NULL };

	(void)snprintf(phone, sizeof phone, "+8613800001%03d", sender);
	(void)snprintf(sid, sizeof sid, "SMsoak%lu", id);
	if (e2e_sign_twilio(TW_TOKEN, TW_PUBLIC, names, values, b64) != 0)
		abort();
	(void)snprintf(hdr, sizeof hdr, "X-Twilio-Signature: %s", b64);
	eb = soak_form(text);
	ef = soak_form(phone);
	et = soak_form(TW_TO);
	body = xasprintf("AccountSid=" TW_ACCOUNT "&Body=%s&From=%s"
	    "&MessageSid=%s&To=%s", eb, ef, sid, et);
	soak_send(d, "POST", "/hook/sms", hdrs, body, out);
	free(body);
	free(et);
	free(ef);
	free(eb);
}

/* Kannel: smsbox's get-url call (token, %p sender, %b text as UTF-8 with
 * %C, %I the message's id); the answer's body is the SMS sent back. */
static void
kn_say(const struct daemon *d, int sender, unsigned long id,
    const char *text, struct soak_reply *out)
{
	char	*eb = soak_form(text), *path;

	path = xasprintf("/hook/kn?token=" KN_TOKEN "&p=%%2B8613900001%03d"
	    "&P=10690001&b=%s&C=UTF-8&I=kn-soak-%lu", sender, eb, id);
	soak_send(d, "GET", path, NULL, NULL, out);
	free(path);
	free(eb);
}

/* WeCom's AI bot in callback mode: {"encrypt":…} sealed for receiveid
 * "" and signed in the query; acknowledged with an empty body, the
 * answer POSTed to the message's response_url (the fake API). */
static void
wb_say(const struct daemon *d, int sender, unsigned long id,
    const char *text, struct soak_reply *out)
{
	static const char *const hdr[] = { "Content-Type: application/json",
	    NULL };
	struct wxcrypt_key	 key;
	json_t			*m;
	char			 ts[24], nonce[24], sig[WXCRYPT_SIG_LEN + 1];
	char			 msgid[32], user[32], url[160];
	char			*plain, *enc = NULL, *body, *path;

	if (wxcrypt_key_parse(WB_AESKEY, &key) != WXCRYPT_OK)
		abort();
	(void)snprintf(msgid, sizeof msgid, "wb%lu", id);
	(void)snprintf(user, sizeof user, "soakwb%d", sender);
	(void)snprintf(url, sizeof url, "%s/cgi-bin/aibot/response?"
	    "response_code=rc%lu", soak_api_base, id);
	m = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:s, s:s, s:{s:s}}",
	    "msgid", msgid, "aibotid", "AIBOTSOAK", "chatid", user,
	    "chattype", "single", "from", "userid", user, "response_url", url,
	    "msgtype", "text", "text", "content", text);
	plain = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	(void)snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
	(void)snprintf(nonce, sizeof nonce, "%lu", soak_nonce++);
	if (plain == NULL || wxcrypt_encrypt(&key, NULL, plain, strlen(plain),
	    "", &enc) != WXCRYPT_OK || wxcrypt_signature(WB_TOKEN, ts, nonce,
	    enc, sig) != WXCRYPT_OK)
		abort();
	body = xasprintf("{\"encrypt\":\"%s\"}", enc);
	path = xasprintf("/hook/wb?msg_signature=%s&timestamp=%s&nonce=%s",
	    sig, ts, nonce);
	soak_send(d, "POST", path, hdr, body, out);
	free(path);
	free(body);
	free(enc);
	free(plain);
}

const struct soak_channel soak_channels[] = {
	{ "signed", 0, gen_say },
	{ "tg", 0, tg_say },
	{ "wc", 0, wc_say },
	{ "mp", 0, mp_say },
	{ "ding", 1, ding_say },
	{ "fs", 1, fs_say },
	{ "sms", 0, tw_say },
	{ "kn", 0, kn_say },
	{ "wb", 1, wb_say },
};
const size_t soak_nchannels = sizeof soak_channels / sizeof soak_channels[0];
