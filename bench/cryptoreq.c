/*
 * Writes the webhook requests of bench/crypto.sh: one "查询 <query>"
 * message each for Telegram (plain JSON), the WeCom app (encrypted and
 * signed) and a WeChat Official Account in safe mode, signed at now.
 * Usage: cryptoreq DIR QUERY
 * DIR/<name>.path holds the request path with its query string and
 * DIR/<name>.body the body, for bench/fixed.lua.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bot/wxcrypt.h"

#define WC_CORP		"wwbench0000000001"
#define WC_TOKEN	"benchtoken"
#define MP_APPID	"wxbench000000001"
#define MP_TOKEN	"benchtoken"
#define AESKEY		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
#define NONCE		"benchnonce"

/* Writes s to DIR/name.ext. */
static void
put(const char *dir, const char *name, const char *ext, const char *s)
{
	char	 path[1024];
	FILE	*f;

	(void)snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
	if ((f = fopen(path, "w")) == NULL || fputs(s, f) == EOF ||
	    fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Encrypts inner for receiveid and signs it: *enc, sig. */
static void
seal(const char *inner, const char *receiveid, const char *token,
    const char *ts, char **enc, char sig[WXCRYPT_SIG_LEN + 1])
{
	struct wxcrypt_key	 key;

	if (wxcrypt_key_parse(AESKEY, &key) != WXCRYPT_OK ||
	    wxcrypt_encrypt(&key, NULL, inner, strlen(inner), receiveid,
	    enc) != WXCRYPT_OK ||
	    wxcrypt_signature(token, ts, NONCE, *enc, sig) != WXCRYPT_OK) {
		fprintf(stderr, "cryptoreq: cannot seal\n");
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	char	 ts[24], sig[WXCRYPT_SIG_LEN + 1], psig[WXCRYPT_SIG_LEN + 1];
	char	 buf[8192], *enc = NULL;
	long long now = (long long)time(NULL);

	if (argc != 3) {
		fprintf(stderr, "usage: cryptoreq DIR QUERY\n");
		return 2;
	}
	(void)snprintf(ts, sizeof ts, "%lld", now);

	(void)snprintf(buf, sizeof buf, "{\"update_id\":1,\"message\":"
	    "{\"message_id\":1,\"from\":{\"id\":42,\"is_bot\":false,"
	    "\"first_name\":\"压测\"},\"chat\":{\"id\":42,\"type\":\"private\"},"
	    "\"date\":%lld,\"text\":\"查询 %s\"}}", now, argv[2]);
	put(argv[1], "tg", "body", buf);
	put(argv[1], "tg", "path", "/hook/tg");

	(void)snprintf(buf, sizeof buf, "<xml><ToUserName><![CDATA[" WC_CORP
	    "]]></ToUserName><FromUserName><![CDATA[benchuser]]></FromUserName>"
	    "<CreateTime>%lld</CreateTime><MsgType><![CDATA[text]]></MsgType>"
	    "<Content><![CDATA[查询 %s]]></Content><MsgId>1</MsgId>"
	    "<AgentID>1000002</AgentID></xml>", now, argv[2]);
	seal(buf, WC_CORP, WC_TOKEN, ts, &enc, sig);
	(void)snprintf(buf, sizeof buf, "<xml><ToUserName><![CDATA[" WC_CORP
	    "]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID>"
	    "<![CDATA[1000002]]></AgentID></xml>", enc);
	put(argv[1], "wecom", "body", buf);
	(void)snprintf(buf, sizeof buf, "/hook/wc?msg_signature=%s&timestamp="
	    "%s&nonce=" NONCE, sig, ts);
	put(argv[1], "wecom", "path", buf);
	free(enc);
	enc = NULL;

	(void)snprintf(buf, sizeof buf, "<xml><ToUserName><![CDATA[gh_bench]]>"
	    "</ToUserName><FromUserName><![CDATA[oBenchUser0000000000000001]]>"
	    "</FromUserName><CreateTime>%lld</CreateTime><MsgType><![CDATA["
	    "text]]></MsgType><Content><![CDATA[查询 %s]]></Content><MsgId>1"
	    "</MsgId></xml>", now, argv[2]);
	seal(buf, MP_APPID, MP_TOKEN, ts, &enc, sig);
	if (wxcrypt_signature(MP_TOKEN, ts, NONCE, NULL, psig) != WXCRYPT_OK)
		return 1;
	(void)snprintf(buf, sizeof buf, "<xml><ToUserName><![CDATA[gh_bench]]>"
	    "</ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>", enc);
	put(argv[1], "mp", "body", buf);
	(void)snprintf(buf, sizeof buf, "/hook/mp?signature=%s&timestamp=%s&"
	    "nonce=" NONCE "&openid=oBenchUser0000000000000001&encrypt_type=aes"
	    "&msg_signature=%s", psig, ts, sig);
	put(argv[1], "mp", "path", buf);
	free(enc);
	return 0;
}
