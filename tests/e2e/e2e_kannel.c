/*
 * End-to-end tests through a real Kannel (Debian's bearerbox and smsbox)
 * on loopback. Kannel's own HTTP SMSC (system-type = kannel) stands for
 * the operator: the test injects MO messages from fake phones into it,
 * and its send-url points at a fake phone network (fakeplat.c) that
 * records the SMS Kannel sends back. An sms-service get-url points at
 * fangfei's kannel channel. Checked: Chinese MO (as UCS-2, recoded by
 * mo-recode) reaches fangfei, a tip is stored, and the answer reaches the
 * phone as UCS-2 in plain text; a check is answered; a get-url without
 * the token is refused. Kannel's processes are stopped by PID, also when
 * a test fails (and die with the test: PR_SET_PDEATHSIG).
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <iconv.h>
#include <curl/curl.h>

#include "e2e.h"
#include "e2e_stream.h"
#include "fakeplat.h"

#define BEARERBOX	"/usr/sbin/bearerbox"
#define SMSBOX		"/usr/sbin/smsbox"
#define TOKEN		"e2e-Kannel-t0ken"
#define PHONE		"+8613800000007"
#define PHONE_OUT	"+8613800000008"	/* opts out */
#define PHONE_C		"+8613800000009"
#define BUILDING	"张店区/车站街道/华光路社区/第3网格/12号楼"
/* fangfei's answers on its hooks (the MO from smsbox among them). */
#define HOOK_ANSWERS	"fangfei_http_responses_total{route=\"hook\"," \
			    "code=\"2xx\"} "

static struct daemon	 d;
static struct fakeplat	*phones;
static pid_t		 bb, sb;
static int		 p_admin, p_box, p_sendsms, p_smsc, p_fangfei;
static char		 kdir[512];
static size_t		 sent;	/* SMS the phones got so far */

/* A free loopback port (bound and let go: Kannel binds it next). */
static int
free_port(void)
{
	struct sockaddr_in	 sa;
	socklen_t		 len = sizeof sa;
	int			 fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1)
		return -1;
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Whether something listens on port. */
static int
listening(int port)
{
	struct sockaddr_in	 sa;
	int			 fd, ok;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	ok = fd != -1 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
	if (fd != -1)
		close(fd);
	return ok;
}

static pid_t
spawn(const char *bin, const char *conf, const char *log)
{
	pid_t	 pid;

	if ((pid = fork()) == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (freopen(log, "w", stderr) == NULL ||
		    freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execl(bin, bin, conf, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void
stop_pid(pid_t *pid)
{
	int	 st;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	if (waitpid(*pid, &st, 0) == -1)
		kill(*pid, SIGKILL);
	*pid = 0;
}

/* Appends what curl got to a NUL-terminated buffer of 4096 bytes, cut. */
static size_t
keep(char *p, size_t size, size_t n, void *arg)
{
	char	*b = arg;
	size_t	 len = strlen(b), add = size * n;

	if (add > 4095 - len)
		add = 4095 - len;
	memcpy(b + len, p, add);
	b[len + add] = '\0';
	return size * n;
}

/* Whether bearerbox's status page lists a connected smsbox. */
static int
smsbox_connected(void)
{
	char	 url[128], body[4096] = "";
	CURL	*c = curl_easy_init();

	(void)snprintf(url, sizeof url, "http://127.0.0.1:%d/status.txt?"
	    "password=e2e", p_admin);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	(void)curl_easy_perform(c);
	curl_easy_cleanup(c);
	return strstr(body, "smsbox:") != NULL;
}

/* Writes kannel.conf for the daemon's port. */
static void
write_conf(const char *path)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f,
	    "group = core\nadmin-port = %d\nadmin-password = e2e\n"
	    "admin-allow-ip = 127.0.0.1\nsmsbox-port = %d\n"
	    "box-allow-ip = 127.0.0.1\nlog-level = 1\n"
	    "log-file = \"%s/bearerbox.log\"\ndlr-storage = internal\n\n"
	    "group = smsc\nsmsc = http\nsmsc-id = fake\nsystem-type = kannel\n"
	    "port = %d\nconnect-allow-ip = 127.0.0.1\nsmsc-username = up\n"
	    "smsc-password = uppw\nsend-url = \"%s/phone\"\n"
	    "dlr-url = \"http://127.0.0.1:%d/sms\"\n\n"
	    "group = smsbox\nbearerbox-host = 127.0.0.1\nbearerbox-port = %d\n"
	    "sendsms-port = %d\nmo-recode = true\nlog-level = 1\n"
	    "log-file = \"%s/smsbox.log\"\n\n"
	    "group = sendsms-user\nusername = gw\npassword = gwpw\n"
	    "concatenation = true\nmax-messages = 3\n\n"
	    "group = sms-service\nkeyword = default\ncatch-all = true\n"
	    "get-url = \"http://127.0.0.1:%d/hook/sms?token=" TOKEN
	    "&p=%%p&P=%%P&b=%%b&C=%%C&I=%%I&T=%%T\"\n"
	    "accept-x-kannel-headers = true\nomit-empty = true\n"
	    "concatenation = true\nmax-messages = 3\n",
	    p_admin, p_box, kdir, p_smsc, fakeplat_base(phones), p_smsc, p_box,
	    p_sendsms, kdir, d.port);
	fclose(f);
}

static int
group_setup(void **state)
{
	char	 conf[600], log[600], cfg[1024];
	int64_t	 end;

	(void)state;
	if (access(BEARERBOX, X_OK) != 0 || access(SMSBOX, X_OK) != 0) {
		fprintf(stderr, "e2e_kannel: %s not installed (scripts/deps.sh "
		    "test installs kannel)\n", BEARERBOX);
		return -1;
	}
	curl_global_init(CURL_GLOBAL_ALL);
	phones = fakeplat_start();
	assert_non_null(phones);
	/* What an operator's Kannel answers an MT it took (else Kannel
	 * counts it failed and reports it refused). */
	fakeplat_set_ok(phones, "Sent.");
	p_admin = free_port();
	p_box = free_port();
	p_sendsms = free_port();
	p_smsc = free_port();
	p_fangfei = free_port();
	/* Its own port known in advance: smsbox reports deliveries to it. */
	(void)snprintf(cfg, sizeof cfg, "[server]\nlisten = 127.0.0.1:%d\n"
	    "[channel.sms]\ntype = kannel\narea = 华光路社区\n"
	    "token = " TOKEN "\nmax_parts = 3\n"
	    "sendsms_url = http://127.0.0.1:%d/cgi-bin/sendsms\n"
	    "username = gw\npassword = gwpw\nfrom = 10690001\n"
	    "dlr_base = http://127.0.0.1:%d\nthroughput = 5\n"
	    "[limits]\ntips_per_hour = 0\nchecks_per_minute = 0\n",
	    p_fangfei, p_sendsms, p_fangfei);
	e2e_prepare(&d, cfg);
	(void)snprintf(log, sizeof log, "%s/fangfei.log", d.dir);
	e2e_start_log(&d, log);
	(void)snprintf(kdir, sizeof kdir, "%s", d.dir);
	(void)snprintf(conf, sizeof conf, "%s/kannel.conf", kdir);
	write_conf(conf);
	(void)snprintf(log, sizeof log, "%s/bearerbox.err", kdir);
	bb = spawn(BEARERBOX, conf, log);
	for (end = now_ms() + WAIT_MS; !listening(p_box) && now_ms() < end;)
		sleep_ms(50);
	(void)snprintf(log, sizeof log, "%s/smsbox.err", kdir);
	sb = spawn(SMSBOX, conf, log);
	for (end = now_ms() + WAIT_MS; (!listening(p_sendsms) ||
	    !listening(p_smsc)) && now_ms() < end;)
		sleep_ms(50);
	if (!listening(p_sendsms) || !listening(p_smsc)) {
		fprintf(stderr, "e2e_kannel: Kannel did not start (logs in "
		    "%s)\n", kdir);
		return -1;
	}
	/* smsbox opens its port before it connects to bearerbox. */
	for (end = now_ms() + WAIT_MS; !smsbox_connected() && now_ms() < end;)
		sleep_ms(20);
	if (!smsbox_connected()) {
		fprintf(stderr, "e2e_kannel: smsbox did not connect (logs in "
		    "%s)\n", kdir);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	stop_pid(&sb);
	stop_pid(&bb);
	e2e_cleanup(&d);
	fakeplat_stop(phones);
	curl_global_cleanup();
	return 0;
}

/* text as UTF-16BE, url-encoded (what a phone sends as UCS-2). */
static char *
ucs2_escape(const char *utf8)
{
	unsigned char	 be[1024];
	size_t		 n = 0;
	const unsigned char *p = (const unsigned char *)utf8;
	uint32_t	 cp;
	CURL		*c = curl_easy_init();
	char		*e, *out;

	while (*p != '\0' && n + 2 < sizeof be) {
		if (*p < 0x80)
			cp = *p++;
		else if ((*p & 0xe0) == 0xc0) {
			cp = (uint32_t)(*p & 0x1f) << 6 | (p[1] & 0x3f);
			p += 2;
		} else {
			cp = (uint32_t)(*p & 0x0f) << 12 |
			    (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
			p += 3;
		}
		be[n++] = (unsigned char)(cp >> 8);
		be[n++] = (unsigned char)cp;
	}
	e = curl_easy_escape(c, (const char *)be, (int)n);
	out = strdup(e);
	curl_free(e);
	curl_easy_cleanup(c);
	return out;
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* A GET to the fake operator's SMSC port; its HTTP status. */
static long
smsc_get(const char *url)
{
	CURL	*c = curl_easy_init();
	long	 status = 0;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	return status;
}

/* The phone `from` sends text (UCS-2) to the short number. */
static long
phone_sends_from(const char *from, const char *text)
{
	char	 url[2048];
	char	*t = ucs2_escape(text);

	(void)snprintf(url, sizeof url, "http://127.0.0.1:%d/sms?username=up"
	    "&password=uppw&from=%%2B%s&to=10690001&text=%s&coding=2", p_smsc,
	    from + 1, t);
	free(t);
	return smsc_get(url);
}

/* The first phone sends text. */
static long
phone_sends(const char *text)
{
	return phone_sends_from(PHONE, text);
}

/*
 * Decodes one SMS as Kannel's own SMSC protocol sends it (to=…&text=…
 * &coding=…, space as '+'): *to gets the number, and the text (UTF-8,
 * from UTF-16BE when coding is 2) is appended to text. 0 or -1.
 */
static int
phone_decode(const char *path, char *to, size_t tosize, char *text,
    size_t tsize)
{
	char	*copy = strdup(path), *q, *pair, *save, *v, *in, *o, *p;
	char	 raw[4096];
	size_t	 rawlen = 0, left, room;
	int	 len, coding = 0, rc = 0;
	iconv_t	 cd;
	CURL	*c = curl_easy_init();

	q = strchr(copy, '?');
	for (pair = strtok_r(q != NULL ? q + 1 : NULL, "&", &save);
	    pair != NULL; pair = strtok_r(NULL, "&", &save)) {
		if ((v = strchr(pair, '=')) == NULL)
			continue;
		*v++ = '\0';
		for (p = v; *p != '\0'; p++)
			if (*p == '+')
				*p = ' ';
		in = curl_easy_unescape(c, v, 0, &len);
		if (strcmp(pair, "to") == 0)
			(void)snprintf(to, tosize, "%s", in);
		else if (strcmp(pair, "coding") == 0)
			coding = atoi(in);
		else if (strcmp(pair, "text") == 0 && (size_t)len < sizeof raw) {
			memcpy(raw, in, (size_t)len);
			rawlen = (size_t)len;
		}
		curl_free(in);
	}
	curl_easy_cleanup(c);
	free(copy);
	in = raw;
	left = rawlen;
	o = text + strlen(text);
	room = tsize - 1 - strlen(text);
	if (coding == 2) {
		if ((cd = iconv_open("UTF-8", "UTF-16BE")) == (iconv_t)-1)
			return -1;
		if (iconv(cd, &in, &left, &o, &room) == (size_t)-1)
			rc = -1;
		iconv_close(cd);
	} else {
		if (rawlen > room)
			rawlen = room;
		memcpy(o, raw, rawlen);
		o += rawlen;
	}
	*o = '\0';
	return rc;
}

/* Waits until no SMS has reached the phones for a second. */
static void
phone_quiet(void)
{
	size_t	 last;
	int64_t	 quiet;

	for (last = 0, quiet = now_ms() + 1000; now_ms() < quiet;) {
		if (fakeplat_count(phones, "/phone") != last) {
			last = fakeplat_count(phones, "/phone");
			quiet = now_ms() + 1000;
		}
		sleep_ms(50);
	}
}

/*
 * Waits for the SMS after the first `from` to reach the phones (Kannel
 * sends a long answer as several parts: all that arrive until none has
 * for a second), and joins their texts. Returns how many came.
 */
static size_t
phone_gets(size_t from, char *to, size_t tosize, char *text, size_t tsize)
{
	struct fakeplat_record	*r;
	size_t			 got = 0, i;
	int64_t			 end = now_ms() + WAIT_MS;

	while (fakeplat_count(phones, "/phone") <= from && now_ms() < end)
		sleep_ms(20);
	phone_quiet();
	text[0] = '\0';
	r = fakeplat_records(phones, "/phone", &got);
	for (i = from; i < got; i++)
		if (phone_decode(r[i].path, to, tosize, text, tsize) != 0)
			text[0] = '\0';
	fakeplat_free(r, got);
	return got > from ? got - from : 0;
}

/* The answers fangfei has given on its hooks so far. */
static long
hook_answers(void)
{
	long	 v = metric(&d, HOOK_ANSWERS);

	return v < 0 ? 0 : v;
}

/*
 * For an MO that must get no answer: waits until fangfei has answered
 * the hook request after the first `answered` (smsbox's, for that MO),
 * then until no SMS has come for a second (an answer would be on its way
 * by then, as a long answer's next part is); how many SMS reached the
 * phones after the first `from`.
 */
static size_t
phone_gets_none(size_t from, long answered)
{
	assert_true(wait_metric(&d, HOOK_ANSWERS, answered + 1) > answered);
	phone_quiet();
	return fakeplat_count(phones, "/phone") - from;
}

/* The decoded value of query parameter name in a recorded path into out
 * ("" when absent). */
static void
path_param(const char *path, const char *name, char *out, size_t size)
{
	const char	*q = strchr(path, '?'), *p, *v, *end;
	char		*dec;
	int		 len;
	CURL		*c = curl_easy_init();

	*out = '\0';
	for (p = q; p != NULL; p = strchr(p + 1, '&')) {
		v = p + 1;
		if (strncmp(v, name, strlen(name)) != 0 ||
		    v[strlen(name)] != '=')
			continue;
		v += strlen(name) + 1;
		end = v + strcspn(v, "&");
		dec = curl_easy_unescape(c, v, (int)(end - v), &len);
		(void)snprintf(out, size, "%s", dec);
		curl_free(dec);
		break;
	}
	curl_easy_cleanup(c);
}

/* Waits until n rows of the last broadcast are in state; the count. */
static long
wait_state(const char *state, long n)
{
	char	 sql[256];
	int64_t	 end = now_ms() + WAIT_MS;
	long	 got;

	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM outbox WHERE "
	    "broadcast_id = (SELECT max(id) FROM broadcasts) AND state = '%s'",
	    state);
	while ((got = e2e_sql_long(&d, sql)) < n && now_ms() < end)
		sleep_ms(50);
	if (got < n) {
		char	 states[1024] = "";

		(void)e2e_sql_text(&d, "SELECT group_concat(state || ' ' || "
		    "coalesce(last_error, ''), '; ') FROM outbox WHERE "
		    "broadcast_id = (SELECT max(id) FROM broadcasts)", states,
		    sizeof states);
		fprintf(stderr, "e2e_kannel: want %ld %s, the rows are: %s\n",
		    n, state, states);
	}
	return got;
}

/* A tip by SMS through Kannel: stored, and the answer reaches the phone
 * as UCS-2 text without Markdown. */
static void
test_tip(void **state)
{
	char	 to[64], text[8192];
	size_t	 parts;

	(void)state;
	assert_int_equal(phone_sends("举报 卡纳尔短信线索 高息揽储"), 202);
	assert_int_equal(wait_tips(&d, "卡纳尔短信线索", 1), 1);
	/* To the phone that sent it, in UCS-2 parts (at most max_parts),
	 * the receipt with its reference, in plain text. */
	parts = phone_gets(0, to, sizeof to, text, sizeof text);
	assert_true(parts >= 1 && parts <= 3);
	assert_string_equal(to, PHONE);
	assert_non_null(strstr(text, "已收到您的举报线索，编号 JB-"));
	assert_null(strstr(text, "**"));
	sent = parts;
}

/* A check: the answer reaches the phone. */
static void
test_check(void **state)
{
	char	 to[64], text[8192];

	(void)state;
	assert_int_equal(phone_sends("查询 91110000000000000X"), 202);
	assert_true(phone_gets(sent, to, sizeof to, text, sizeof text) >= 1);
	assert_string_equal(to, PHONE);
	assert_true(strlen(text) > 0);
	assert_null(strstr(text, "**"));
}

/* A get-url without the token is refused (Kannel's own requests pass). */
static void
test_token(void **state)
{
	struct http_result	 r;

	(void)state;
	r = e2e_request(&d, "GET", "/hook/sms?p=%2B8613800000009&b=x", NULL,
	    NULL, 0);
	assert_int_equal(r.status, 401);
	e2e_result_free(&r);
	r = e2e_request(&d, "GET", "/hook/sms?token=" TOKEN
	    "&p=%2B8613800000009&b=%E5%B8%AE%E5%8A%A9&C=UTF-8", NULL, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(r.body);
	e2e_result_free(&r);
}

/* The number is stored sealed only: not in the dedupe records, the
 * chats or anywhere else in the database in clear. */
static void
test_no_number_stored(void **state)
{
	(void)state;
	assert_false(e2e_db_holds(&d, "13800000007"));
	assert_false(e2e_db_holds(&d, "13800000008"));
	assert_false(e2e_db_holds(&d, "13800000009"));
	assert_false(e2e_db_holds(&d, "13800000001"));
}

/* 退订 opts a number out with one last message; a second 退订 gets no
 * answer at all; 订阅 opts it back in; it can still report meanwhile. */
static void
test_optout(void **state)
{
	char	 to[64], text[8192];
	size_t	 n;
	long	 answered;

	(void)state;
	n = fakeplat_count(phones, "/phone");
	assert_int_equal(phone_sends_from(PHONE_OUT, "退订"), 202);
	assert_true(phone_gets(n, to, sizeof to, text, sizeof text) >= 1);
	assert_string_equal(to, PHONE_OUT);
	assert_non_null(strstr(text, "您已退订"));
	n = fakeplat_count(phones, "/phone");
	answered = hook_answers();
	assert_int_equal(phone_sends_from(PHONE_OUT, "TD"), 202);
	assert_int_equal(phone_gets_none(n, answered), 0);
	/* Opted out, still a reporter. */
	assert_int_equal(phone_sends_from(PHONE_OUT, "举报 退订后的线索"), 202);
	assert_int_equal(wait_tips(&d, "退订后的线索", 1), 1);
	assert_true(phone_gets(n, to, sizeof to, text, sizeof text) >= 1);
	assert_non_null(strstr(text, "JB-"));
	/* In and out again: it stays out for the broadcast below. */
	n = fakeplat_count(phones, "/phone");
	assert_int_equal(phone_sends_from(PHONE_OUT, "订阅"), 202);
	assert_true(phone_gets(n, to, sizeof to, text, sizeof text) >= 1);
	assert_non_null(strstr(text, "重新订阅"));
	n = fakeplat_count(phones, "/phone");
	assert_int_equal(phone_sends_from(PHONE_OUT, "STOP"), 202);
	assert_true(phone_gets(n, to, sizeof to, text, sizeof text) >= 1);
	assert_non_null(strstr(text, "您已退订"));
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM phones WHERE "
	    "opted_out_at IS NOT NULL"), 1);
}

/* An unknown SMS gets the help once, then nothing for the window. */
static void
test_help_once(void **state)
{
	char	 to[64], text[8192];
	size_t	 n;
	long	 answered;

	(void)state;
	n = fakeplat_count(phones, "/phone");
	assert_int_equal(phone_sends_from(PHONE_C, "我正在开车，稍后回复"), 202);
	assert_true(phone_gets(n, to, sizeof to, text, sizeof text) >= 1);
	assert_string_equal(to, PHONE_C);
	assert_non_null(strstr(text, "防非助手可以为您办理"));
	assert_non_null(strstr(text, "退订"));
	n = fakeplat_count(phones, "/phone");
	answered = hook_answers();
	assert_int_equal(phone_sends_from(PHONE_C, "我正在开车，稍后回复"), 202);
	assert_int_equal(phone_gets_none(n, answered), 0);
}

/*
 * A broadcast to a building's imported numbers: each number not opted
 * out gets it once through sendsms, the preview says what it costs, and
 * the operator's delivery reports, through Kannel's own DLR path, move
 * the rows to delivered and failed.
 */
static void
test_broadcast(void **state)
{
	const char		*imp[] = { "import", "phones", NULL, NULL };
	static const char *const pre[] = { "broadcast", "--area", BUILDING,
	    "--kinds", "sms", "--preview", "注意：近期有冒充理财公司电话推销高息产品",
	    NULL };
	static const char *const bc[] = { "broadcast", "--area", BUILDING,
	    "--kinds", "sms", "注意：近期有冒充理财公司电话推销高息产品", NULL };
	struct fakeplat_record	*r;
	char	 csv[512], out[1024], to[64], dlr[2048], mid[128], url[1024];
	char	 text[8192];
	const char	*m;
	size_t	 n, got, i, k;
	FILE	*f;

	(void)state;
	(void)snprintf(csv, sizeof csv, "%s/phones.csv", d.dir);
	f = fopen(csv, "w");
	assert_non_null(f);
	fprintf(f, "phone,area,name\n13800000007,%s,张三\n"
	    "+86 138 0000 0008,%s,李四\n0086-13800000009,%s,\n", BUILDING,
	    BUILDING, BUILDING);
	fclose(f);
	imp[2] = csv;
	assert_int_equal(e2e_cli(&d, imp, out, sizeof out), 0);
	assert_null(strstr(out, "13800000007"));
	/* Two numbers: one of the three opted out. */
	assert_int_equal(e2e_cli(&d, pre, out, sizeof out), 0);
	assert_non_null(strstr(out, "2 个手机号"));
	assert_non_null(strstr(out, "每号 1 条"));
	n = fakeplat_count(phones, "/phone");
	assert_int_equal(e2e_cli(&d, bc, out, sizeof out), 0);
	assert_non_null(strstr(out, "2 个手机号"));
	/* Two MT, one each, to the numbers that did not opt out. */
	assert_int_equal(phone_gets(n, to, sizeof to, text, sizeof text), 2);
	assert_non_null(strstr(text, "冒充理财公司"));
	assert_int_equal(wait_state("sent", 2), 2);
	r = fakeplat_records(phones, "/phone", &got);
	for (i = n, k = 0; i < got; i++) {
		path_param(r[i].path, "to", to, sizeof to);
		assert_string_not_equal(to, PHONE_OUT);
		/* The operator reports on each: the first delivered, the
		 * second not (Kannel's own SMSC DLR path to smsbox, which
		 * calls fangfei's signed dlr-url). */
		path_param(r[i].path, "dlr-url", dlr, sizeof dlr);
		assert_non_null(m = strstr(dlr, "dlr-mid="));
		(void)snprintf(mid, sizeof mid, "%.*s", (int)strcspn(m + 8, "&"),
		    m + 8);
		assert_non_null(strstr(dlr, "/hook/sms?report="));
		(void)snprintf(url, sizeof url, "http://127.0.0.1:%d/sms?"
		    "username=up&password=uppw&to=%%2B%s&dlr-mask=%d&dlr-mid=%s",
		    p_smsc, to + 1, k++ == 0 ? 1 : 2, mid);
		assert_int_equal(smsc_get(url), 202);
	}
	fakeplat_free(r, got);
	assert_int_equal(wait_state("delivered", 1), 1);
	assert_int_equal(wait_state("failed", 1), 1);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM outbox WHERE "
	    "state = 'failed' AND last_error LIKE 'kannel: not delivered%'"), 1);
}

/* The API's preview says what a broadcast costs and sends nothing; the
 * broadcast's state lists numbers masked only. */
static void
test_api_preview(void **state)
{
	static const char *const mk[] = { "token", "create", "--role",
	    "office", "--area", "车站街道", NULL };
	struct http_result	 r;
	char			 tok[128], auth[160], path[64];
	const char		*hdr[] = { auth, "Content-Type: application/json",
				    NULL };
	const char		*body = "{\"area\":\"" BUILDING "\",\"kinds\":"
			    "[\"sms\"],\"preview\":true,\"text\":\"谨防以养老为名"
			    "的集资诈骗，不要轻信高额回报。\"}";
	long			 rows, id;

	(void)state;
	assert_int_equal(e2e_cli(&d, mk, tok, sizeof tok), 0);
	tok[strcspn(tok, "\n")] = '\0';
	(void)snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
	rows = e2e_sql_long(&d, "SELECT count(*) FROM outbox");
	r = e2e_request(&d, "POST", "/api/v1/broadcasts", hdr, body,
	    strlen(body));
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\"numbers\":2"));
	assert_non_null(strstr(r.body, "\"parts_per_number\":1"));
	assert_non_null(strstr(r.body, "\"parts_total\":2"));
	assert_non_null(strstr(r.body, "\"id\":null"));
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM outbox"), rows);
	id = e2e_sql_long(&d, "SELECT max(id) FROM broadcasts");
	(void)snprintf(path, sizeof path, "/api/v1/broadcasts/%ld", id);
	r = e2e_request(&d, "GET", path, hdr, NULL, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "138****0007"));
	assert_null(strstr(r.body, "13800000007"));
	assert_non_null(strstr(r.body, "\"delivered\":1"));
	assert_non_null(strstr(r.body, "\"failed\":1"));
	e2e_result_free(&r);
}

/*
 * A grid worker's 预警 in their chat reaches the building's numbers too:
 * the answer says how many and what it costs, and the phones get it
 * worded for SMS, with how to opt out.
 */
static void
test_warn_reaches_sms(void **state)
{
	static const char *const add[] = { "staff", "add", "--name", "王丹",
	    "--role", "grid_worker", "--area", "华光路社区", NULL };
	static const char *const hdr[] = {
		"Content-Type: application/json", NULL
	};
	struct http_result	 r;
	char			 out[1024], body[512], to[64], text[8192];
	char			*p;
	size_t			 n;

	(void)state;
	assert_int_equal(e2e_cli(&d, add, out, sizeof out), 0);
	assert_non_null(p = strstr(out, "bind code: "));
	(void)snprintf(body, sizeof body, "{\"chat_id\":\"u-wang\","
	    "\"chat_type\":\"private\",\"sender_id\":\"u-wang\",\"text\":"
	    "\"绑定 %.12s\",\"message_id\":\"w-1\"}", p + 11);
	r = e2e_request(&d, "POST", "/hook/demo", hdr, body, strlen(body));
	assert_non_null(strstr(r.body, "绑定成功"));
	e2e_result_free(&r);
	n = fakeplat_count(phones, "/phone");
	(void)snprintf(body, sizeof body, "{\"chat_id\":\"u-wang\","
	    "\"chat_type\":\"private\",\"sender_id\":\"u-wang\",\"text\":"
	    "\"预警 第3网格 有人上门推销养老理财\",\"message_id\":\"w-2\"}");
	r = e2e_request(&d, "POST", "/hook/demo", hdr, body, strlen(body));
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "2 个手机号"));
	assert_non_null(strstr(r.body, "共 "));
	e2e_result_free(&r);
	assert_true(phone_gets(n, to, sizeof to, text, sizeof text) >= 2);
	assert_non_null(strstr(text, "有人上门推销养老理财"));
	assert_non_null(strstr(text, "回复TD退订"));
	assert_null(strstr(text, "在本群"));
}

/* A report fangfei did not sign is refused, and changes nothing. */
static void
test_forged_report(void **state)
{
	struct http_result	 r;
	char			 path[256];
	long			 id;

	(void)state;
	id = e2e_sql_long(&d, "SELECT max(id) FROM outbox WHERE state = "
	    "'failed'");
	assert_true(id > 0);
	(void)snprintf(path, sizeof path, "/hook/sms?report=%ld."
	    "0123456789abcdef0123456789abcdef&type=1", id);
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 403);
	e2e_result_free(&r);
	(void)snprintf(path, sizeof path, "/hook/sms?report=%ld&type=1", id);
	r = e2e_request(&d, "GET", path, NULL, NULL, 0);
	assert_int_equal(r.status, 403);
	e2e_result_free(&r);
	assert_int_equal(e2e_sql_long(&d, "SELECT count(*) FROM outbox WHERE "
	    "state = 'failed'"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tip),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_optout),
		cmocka_unit_test(test_help_once),
		cmocka_unit_test(test_broadcast),
		cmocka_unit_test(test_forged_report),
		cmocka_unit_test(test_api_preview),
		cmocka_unit_test(test_warn_reaches_sms),
		cmocka_unit_test(test_no_number_stored),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
