/*
 * Unit tests of the staff security rules: bind codes (length, alphabet,
 * one live code, failure limits counted durably, audit, the notice to the
 * member's other accounts), token expiry and revocation, robot groups
 * keyed per area, group listing without secrets, robot webhook targets
 * and the audit log's scope.
 */
#include <netinet/in.h>
#include <arpa/inet.h>

#include "teststore.h"

#include "bot/target.h"
#include "handlers/handlers.h"
#include "storage/areas.h"
#include "storage/chats.h"
#include "storage/icsfeeds.h"
#include "storage/outbox.h"
#include "storage/reveals.h"
#include "storage/sessions.h"
#include "storage/staff.h"

static const uint8_t key[STORE_KEY_LEN] = { 7, 7, 7 };

struct fixture {
	char		*dir;
	struct store	*s;
	int64_t		 street, community, building, other, staff;
};

/* A database with the demo areas and one grid worker. */
static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);

	fx->s = teststore_open(key, &fx->dir);
	assert_int_equal(areas_find(fx->s, "车站街道", &fx->street), STORE_OK);
	assert_int_equal(areas_find(fx->s, "华光路社区", &fx->community),
	    STORE_OK);
	assert_int_equal(areas_find(fx->s, "华光路社区/第3网格/12号楼",
	    &fx->building), STORE_OK);
	assert_int_equal(areas_find(fx->s, "科苑街道", &fx->other), STORE_OK);
	assert_int_equal(staff_add(fx->s, "王丹", "grid_worker", fx->community,
	    "13800000000", 1000, &fx->staff), STORE_OK);
	*state = fx;
	return 0;
}

/* Removes the database. */
static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	store_close(fx->s);
	testutil_rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Closes and reopens the database, as a restart does. */
static void
reopen(struct fixture *fx)
{
	store_close(fx->s);
	fx->s = teststore_reopen(key);
}

/* Sends "绑定 args" from (tg, user) in chat, as the dispatcher would (in a
 * transaction that commits); returns the reply's text (static). */
static const char *
bind_say(struct fixture *fx, const struct handler_env *env, const char *user,
    const char *chat, enum chat_kind kind, const char *args, time_t now,
    int *wrote)
{
	static char		 text[1024];
	const struct handler	*h = handler_find("bind");
	struct handler_ctx	 ctx;
	struct inbound		 in;
	struct reply		 r = { 0 };

	assert_non_null(h);
	memset(&in, 0, sizeof in);
	(void)snprintf(in.channel, sizeof in.channel, "tg");
	(void)snprintf(in.sender_id, sizeof in.sender_id, "%s", user);
	(void)snprintf(in.sender_name, sizeof in.sender_name, "name-%s", user);
	(void)snprintf(in.chat_id, sizeof in.chat_id, "%s", chat);
	in.chat_kind = kind;
	memset(&ctx, 0, sizeof ctx);
	ctx.store = fx->s;
	ctx.in = &in;
	ctx.env = env;
	ctx.locale = LOCALE_ZH;
	ctx.now = now;
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_not_equal(h->exec(&ctx, args, &r), HANDLER_FAILED);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_true(r.ntexts >= 1);
	(void)snprintf(text, sizeof text, "%s", r.texts[0]);
	reply_clear(&r);
	if (wrote != NULL)
		*wrote = ctx.outbox_written;
	return text;
}

static const struct handler_env	 env_limits = {
	.hotline = "x", .utc_offset = 8 * 3600,
	.bind_failures_per_sender = 3, .bind_failures_per_channel = 5,
	.bind_cooldown_minutes = 10,
};

/* Codes are 10 characters of the unambiguous alphabet, grouped; typed
 * codes are accepted in any case, with or without dashes and spaces. */
static void
test_code_format(void **state)
{
	struct fixture		*fx = *state;
	struct staff_info	 who;
	char			 code[BIND_CODE_TEXT_LEN + 1], typed[32], n[16];
	size_t			 i, j;

	assert_int_equal(staff_bind_code(fx->s, fx->staff, 1000, code),
	    STORE_OK);
	assert_int_equal(strlen(code), 12);
	assert_int_equal(code[4], '-');
	assert_int_equal(code[9], '-');
	for (i = 0; i < 12; i++)
		if (i != 4 && i != 9)
			assert_non_null(strchr("23456789ABCDEFGHJKLMNPQRSTUVWXYZ",
			    code[i]));
	/* Lower case, no dashes, spaces between groups. */
	for (i = 0, j = 0; code[i] != '\0'; i++)
		if (code[i] != '-')
			typed[j++] = (char)(code[i] >= 'A' && code[i] <= 'Z' ?
			    code[i] - 'A' + 'a' : code[i]);
	typed[j] = '\0';
	assert_int_equal(staff_code_parse(typed, n), 0);
	assert_int_equal(strlen(n), BIND_CODE_LEN);
	assert_int_equal(staff_code_parse("123456", n), -1);
	assert_int_equal(staff_code_parse("OOOO-2222-22", n), -1);
	assert_int_equal(staff_code_parse("2222-2222-222", n), -1);
	assert_int_equal(staff_code_parse("2222 2222 22", n), 0);
	assert_int_equal(staff_bind(fx->s, typed, "tg", "u1", NULL, 1001, &who),
	    STORE_OK);
	assert_int_equal(who.id, fx->staff);
}

/* A new code cancels the member's earlier one. */
static void
test_code_one_live(void **state)
{
	struct fixture		*fx = *state;
	struct staff_info	 who;
	char			 a[BIND_CODE_TEXT_LEN + 1];
	char			 b[BIND_CODE_TEXT_LEN + 1];

	assert_int_equal(staff_bind_code(fx->s, fx->staff, 1000, a), STORE_OK);
	assert_int_equal(staff_bind_code(fx->s, fx->staff, 1001, b), STORE_OK);
	assert_string_not_equal(a, b);
	assert_int_equal(staff_bind(fx->s, a, "tg", "u1", NULL, 1002, &who),
	    STORE_NOT_FOUND);
	assert_int_equal(staff_bind(fx->s, b, "tg", "u1", NULL, 1002, &who),
	    STORE_OK);
}

/* Failed attempts per sender lock that sender out for the cool-down,
 * across a restart, even with the right code; then it works. */
static void
test_bind_sender_limit(void **state)
{
	struct fixture		*fx = *state;
	struct staff_info	 who;
	char			 code[BIND_CODE_TEXT_LEN + 1];
	const char		*t;
	int			 i;

	assert_int_equal(staff_bind_code(fx->s, fx->staff, 1000, code),
	    STORE_OK);
	for (i = 0; i < 3; i++) {
		t = bind_say(fx, &env_limits, "atk", "atk", CHAT_PRIVATE,
		    "2222-3333-44", 2000 + i, NULL);
		assert_non_null(strstr(t, "绑定码无效"));
	}
	reopen(fx);
	t = bind_say(fx, &env_limits, "atk", "atk", CHAT_PRIVATE, code, 2010,
	    NULL);
	assert_non_null(strstr(t, "绑定失败次数过多"));
	/* 2000 + 600 s, in UTC+8. */
	assert_non_null(strstr(t, "1970-01-01 08:43"));
	assert_int_equal(staff_by_identity(fx->s, "tg", "atk", &who),
	    STORE_NOT_FOUND);
	/* Another sender is not locked by this one. */
	t = bind_say(fx, &env_limits, "u9", "u9", CHAT_PRIVATE, "2222-3333-44",
	    2011, NULL);
	assert_non_null(strstr(t, "绑定码无效"));
	/* After the cool-down the right code binds. */
	t = bind_say(fx, &env_limits, "atk", "atk", CHAT_PRIVATE, code,
	    2000 + 601, NULL);
	assert_non_null(strstr(t, "绑定成功"));
}

/* Failed attempts of many senders lock the whole channel. */
static void
test_bind_channel_limit(void **state)
{
	struct fixture	*fx = *state;
	char		 user[16], code[BIND_CODE_TEXT_LEN + 1];
	const char	*t;
	int		 i;

	assert_int_equal(staff_bind_code(fx->s, fx->staff, 1000, code),
	    STORE_OK);
	for (i = 0; i < 5; i++) {
		(void)snprintf(user, sizeof user, "s%d", i);
		t = bind_say(fx, &env_limits, user, user, CHAT_PRIVATE,
		    "ZZZZ-ZZZZ-ZZ", 3000 + i, NULL);
		assert_non_null(strstr(t, "绑定码无效"));
	}
	t = bind_say(fx, &env_limits, "fresh", "fresh", CHAT_PRIVATE, code,
	    3010, NULL);
	assert_non_null(strstr(t, "绑定失败次数过多"));
}

/* Binds and failures are audited by channel and user id, never with the
 * code or a phone number; the audit log is scoped by area. */
static void
test_bind_audit(void **state)
{
	struct fixture		*fx = *state;
	struct audit_entry	 e[16];
	struct audit_filter	 f;
	char			 code[BIND_CODE_TEXT_LEN + 1];
	size_t			 n, i;

	assert_int_equal(staff_bind_code(fx->s, fx->staff, 1000, code),
	    STORE_OK);
	(void)bind_say(fx, &env_limits, "u1", "u1", CHAT_PRIVATE,
	    "2222-3333-44", 2000, NULL);
	(void)bind_say(fx, &env_limits, "u1", "u1", CHAT_PRIVATE, code, 2001,
	    NULL);
	memset(&f, 0, sizeof f);
	assert_int_equal(audit_list(fx->s, &f, e, 16, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].action, "bind");	/* newest first */
	assert_string_equal(e[0].actor, "tg:u1");
	assert_string_equal(e[0].area_path, "张店区/车站街道/华光路社区");
	assert_string_equal(e[1].action, "bind failed");
	assert_string_equal(e[1].actor, "tg:u1");
	for (i = 0; i < n; i++) {
		assert_null(strstr(e[i].detail, code));
		assert_null(strstr(e[i].detail, "2222"));
		assert_null(strstr(e[i].detail, "13800000000"));
	}
	f.action = "bind failed";
	assert_int_equal(audit_list(fx->s, &f, e, 16, &n), STORE_OK);
	assert_int_equal(n, 1);
	/* Scope: the street sees the bind (in its subtree) but not the
	 * failure (no area: top-level offices only); the other street sees
	 * neither; the district sees both. */
	f.action = NULL;
	f.scope = fx->street;
	assert_int_equal(audit_list(fx->s, &f, e, 16, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(e[0].action, "bind");
	f.scope = fx->other;
	assert_int_equal(audit_list(fx->s, &f, e, 16, &n), STORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(areas_find(fx->s, "张店区", &f.scope), STORE_OK);
	assert_int_equal(audit_list(fx->s, &f, e, 16, &n), STORE_OK);
	assert_int_equal(n, 2);
	f.scope = 0;
	f.since = 2001;
	assert_int_equal(audit_list(fx->s, &f, e, 16, &n), STORE_OK);
	assert_int_equal(n, 1);
}

/* A new account binding as a member is announced in the private chats of
 * the member's other accounts, not in its own, nor in a group. */
static void
test_bind_notice(void **state)
{
	struct fixture		*fx = *state;
	struct outbox_row	 rows[8];
	char			 code[BIND_CODE_TEXT_LEN + 1];
	const char		*t;
	size_t			 n, i;
	int			 wrote;

	assert_int_equal(staff_bind_code(fx->s, fx->staff, 1000, code),
	    STORE_OK);
	t = bind_say(fx, &env_limits, "u1", "c-u1", CHAT_PRIVATE, code, 1001,
	    &wrote);
	assert_non_null(strstr(t, "绑定成功"));
	assert_int_equal(wrote, 0);		/* nobody else to tell */
	assert_int_equal(staff_bind_code(fx->s, fx->staff, 1100, code),
	    STORE_OK);
	t = bind_say(fx, &env_limits, "u2", "c-u2", CHAT_PRIVATE, code, 1101,
	    &wrote);
	assert_non_null(strstr(t, "绑定成功"));
	assert_int_equal(wrote, 1);
	assert_int_equal(outbox_due(fx->s, 2000, rows, 8, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].channel, "tg");
	assert_string_equal(rows[0].chat_id, "c-u1");
	assert_non_null(strstr(rows[0].body, "name-u2"));
	assert_non_null(strstr(rows[0].body, "如非本人操作"));
	for (i = 0; i < n; i++)
		outbox_row_clear(&rows[i]);
	/* Binding in a group is refused: the code would be seen. */
	assert_int_equal(staff_bind_code(fx->s, fx->staff, 1200, code),
	    STORE_OK);
	t = bind_say(fx, &env_limits, "u3", "g-1", CHAT_GROUP, code, 1201,
	    NULL);
	assert_non_null(strstr(t, "私聊"));
	assert_int_equal(staff_bind(fx->s, code, "tg", "u3", NULL, 1202,
	    &(struct staff_info){ 0 }), STORE_OK);	/* still unspent */
	/* The private-chat groups made for notices never get warnings. */
	assert_int_equal(store_begin(fx->s), STORE_OK);
	{
		int64_t			 bid;
		struct broadcast_reach	 g;

		assert_int_equal(broadcasts_create(fx->s, &(struct broadcast_new){
		    .area = fx->street, .kinds =
		    "building,community,grid_worker,police", .text = "x",
		    .by = "t" }, 3000, &bid, &g), STORE_OK);
		assert_int_equal(g.groups, 0);
	}
	assert_int_equal(store_commit(fx->s), STORE_OK);
}

/* Tokens expire and can be revoked; the list shows neither text nor
 * hash; roles rank so that office is below admin. */
static void
test_tokens(void **state)
{
	struct fixture		*fx = *state;
	struct token_info	 t, list[4];
	char			 a[TOKEN_TEXT_LEN + 1], b[TOKEN_TEXT_LEN + 1];
	size_t			 n;

	assert_int_equal(tokens_create_until(fx->s, "office", fx->street, "t1",
	    100, 200, a), STORE_OK);
	assert_int_equal(tokens_create(fx->s, "admin", fx->street, NULL, 100,
	    b), STORE_OK);
	assert_int_equal(tokens_check_at(fx->s, a, 199, &t), STORE_OK);
	assert_int_equal(tokens_check_at(fx->s, a, 200, &t), STORE_NOT_FOUND);
	assert_int_equal(tokens_check_at(fx->s, b, 1000000, &t), STORE_OK);
	assert_int_equal(tokens_revoke(fx->s, t.id, 300), STORE_OK);
	assert_int_equal(tokens_revoke(fx->s, t.id, 301), STORE_NOT_FOUND);
	assert_int_equal(tokens_check_at(fx->s, b, 302, &t), STORE_NOT_FOUND);
	assert_int_equal(tokens_list(fx->s, 0, list, 4, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].label, "t1");
	assert_int_equal(list[0].expires_at, 200);
	assert_int_equal(list[0].revoked_at, 0);
	assert_int_equal(list[1].revoked_at, 300);
	assert_true(staff_role_rank("admin") > staff_role_rank("office"));
	assert_true(staff_role_rank("office") > staff_role_rank("liaison"));
	assert_int_equal(staff_role_rank("mayor"), 0);
}

/* Robots of the same type and name in two areas are two groups: the
 * second registration does not move or rewrite the first. The list
 * shows a webhook's host, never its key or secret. */
static void
test_robot_groups(void **state)
{
	struct fixture		*fx = *state;
	struct group_entry	 g[8];
	int64_t			 a, b, c;
	size_t			 n, i;

	assert_int_equal(groups_add_robot(fx->s, "wecom", "1号楼", fx->building,
	    "building", "https://qyapi.example.cn/send?key=SECRETKEY1", "S1",
	    1, &a), STORE_OK);
	assert_int_equal(groups_add_robot(fx->s, "wecom", "1号楼", fx->other,
	    "building", "https://evil.example.com/x?key=K2", NULL, 2, &b),
	    STORE_OK);
	assert_int_not_equal(a, b);
	/* Same area and name: an update of that one robot. */
	assert_int_equal(groups_add_robot(fx->s, "wecom", "1号楼", fx->building,
	    "building", "https://user:pw@qyapi.example.cn:8443/send?key=K3",
	    NULL, 3, &c), STORE_OK);
	assert_int_equal(c, a);
	assert_int_equal(groups_set_area(fx->s, "tg", "-100", fx->community,
	    "community", 1), STORE_OK);
	assert_int_equal(groups_list(fx->s, fx->street, 0, g, 8, &n), STORE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(g[0].id, a);
	assert_string_equal(g[0].area_path,
	    "张店区/车站街道/华光路社区/第3网格/12号楼");
	assert_string_equal(g[0].channel, "wecom");
	assert_string_equal(g[0].name, "1号楼");
	assert_string_equal(g[0].host, "qyapi.example.cn:8443");
	assert_string_equal(g[1].channel, "tg");
	assert_string_equal(g[1].host, "");
	assert_int_equal(groups_list(fx->s, 0, 0, g, 8, &n), STORE_OK);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		assert_null(strstr(g[i].host, "key"));
		assert_null(strstr(g[i].host, "pw"));
	}
	assert_string_equal(g[1].host, "evil.example.com");
	assert_string_equal(g[1].area_path, "张店区/科苑街道");
}

/* A group attached to an area stays there when staff of another area
 * send 绑定群 in it; staff of its own subtree can still change it. */
static void
test_bindgroup_scope(void **state)
{
	struct fixture		*fx = *state;
	const struct handler	*h = handler_find("bindgroup");
	struct handler_ctx	 ctx;
	struct inbound		 in;
	struct chat_info	 ci;
	struct reply		 r = { 0 };

	assert_non_null(h);
	assert_int_equal(groups_set_area(fx->s, "tg", "-200", fx->building,
	    "building", 1), STORE_OK);
	memset(&in, 0, sizeof in);
	(void)snprintf(in.channel, sizeof in.channel, "tg");
	(void)snprintf(in.chat_id, sizeof in.chat_id, "-200");
	(void)snprintf(in.sender_id, sizeof in.sender_id, "u7");
	in.chat_kind = CHAT_GROUP;
	memset(&ctx, 0, sizeof ctx);
	ctx.store = fx->s;
	ctx.in = &in;
	ctx.env = &env_limits;
	ctx.locale = LOCALE_ZH;
	ctx.now = 10;
	ctx.role = ROLE_GRID_CHIEF;
	ctx.staff_area = fx->other;
	assert_int_equal(h->exec(&ctx, "科苑街道 楼宇群", &r), HANDLER_USAGE);
	assert_non_null(strstr(r.texts[0], "不能更改"));
	reply_clear(&r);
	assert_int_equal(groups_seen(fx->s, "tg", "-200", NULL, 0, 10, &ci),
	    STORE_OK);
	assert_int_equal(ci.area_id, fx->building);
	/* The street above the building may move it within its subtree. */
	ctx.staff_area = fx->street;
	assert_int_equal(h->exec(&ctx, "华光路社区 社区群", &r), HANDLER_OK);
	reply_clear(&r);
	assert_int_equal(groups_seen(fx->s, "tg", "-200", NULL, 0, 10, &ci),
	    STORE_OK);
	assert_int_equal(ci.area_id, fx->community);
}

/* Makes an IPv4 or IPv6 sockaddr and asks target_addr_private(). */
static int
private_addr(const char *text)
{
	struct sockaddr_in6	 s6;
	struct sockaddr_in	 s4;

	memset(&s4, 0, sizeof s4);
	memset(&s6, 0, sizeof s6);
	if (inet_pton(AF_INET, text, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return target_addr_private((struct sockaddr *)&s4);
	}
	assert_int_equal(inet_pton(AF_INET6, text, &s6.sin6_addr), 1);
	s6.sin6_family = AF_INET6;
	return target_addr_private((struct sockaddr *)&s6);
}

/* Robot targets: https only (http when allowed), no internal address. */
static void
test_targets(void **state)
{
	static const char *const inside[] = { "127.0.0.1", "10.1.2.3",
	    "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
	    "0.0.0.0", "100.64.0.1", "224.0.0.1", "255.255.255.255", "::1",
	    "::", "fe80::1", "fd00::1", "ff02::1", "::ffff:127.0.0.1",
	    "::ffff:10.0.0.1", NULL };
	static const char *const outside[] = { "8.8.8.8", "172.32.0.1",
	    "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8", NULL };
	char		 why[256];
	size_t		 i;

	(void)state;
	for (i = 0; inside[i] != NULL; i++)
		assert_true(private_addr(inside[i]) == 1);
	for (i = 0; outside[i] != NULL; i++)
		assert_true(private_addr(outside[i]) == 0);
	assert_int_equal(target_check_url("https://8.8.8.8/send?key=1", 0, 0,
	    why, sizeof why), 0);
	assert_int_equal(target_check_url("http://8.8.8.8/send", 0, 0, why,
	    sizeof why), -1);
	assert_non_null(strstr(why, "https"));
	assert_int_equal(target_check_url("http://8.8.8.8/send", 1, 0, why,
	    sizeof why), 0);
	assert_int_equal(target_check_url("https://127.0.0.1:8080/x", 0, 0,
	    why, sizeof why), -1);
	assert_non_null(strstr(why, "allow_private_targets"));
	assert_int_equal(target_check_url("https://169.254.169.254/latest", 0,
	    0, why, sizeof why), -1);
	assert_int_equal(target_check_url("https://[::1]:9/x", 0, 0, why,
	    sizeof why), -1);
	assert_int_equal(target_check_url("https://localhost/x", 0, 0, why,
	    sizeof why), -1);
	assert_int_equal(target_check_url("https://8.8.8.8@127.0.0.1/", 0, 1,
	    why, sizeof why), -1);
	assert_int_equal(target_check_url("ftp://8.8.8.8/", 1, 1, why,
	    sizeof why), -1);
	assert_int_equal(target_check_url("https:///x", 0, 1, why, sizeof why),
	    -1);
	/* Allowed explicitly (the tests' fake platforms). */
	assert_int_equal(target_check_url("http://127.0.0.1:8080/x", 1, 1, why,
	    sizeof why), 0);
}

/* Disabling a member cuts off each way in — their chat account, console
 * session, unused sign-in link and bind code, calendar feed — in one
 * transaction, keeps the member and their rows, and takes them off the
 * custodians asked; enabling marks them active only: the old secrets stay
 * dead and the account unbound until a new code is spent. */
static void
test_disable(void **state)
{
	struct fixture		*fx = *state;
	struct staff_info	 who, list[4];
	struct staff_cutoff	 cut;
	struct session_info	 si;
	char			 code[BIND_CODE_TEXT_LEN + 1];
	char			 spare[BIND_CODE_TEXT_LEN + 1];
	char			 cookie[SESSION_SECRET_LEN + 1];
	char			 link[SESSION_SECRET_LEN + 1];
	char			 feed[ICSFEED_SECRET_LEN + 1], detail[256];
	int64_t			 staff, custodians[4];
	size_t			 n;

	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(staff_bind_code(fx->s, fx->staff, 1000, code),
	    STORE_OK);
	assert_int_equal(staff_bind(fx->s, code, "tg", "u1", "c1", 1001, &who),
	    STORE_OK);
	assert_int_equal(staff_bind_code(fx->s, fx->staff, 1002, spare),
	    STORE_OK);
	assert_int_equal(sessions_create(fx->s, fx->staff, 1003, cookie, &si),
	    STORE_OK);
	assert_int_equal(login_links_create(fx->s, fx->staff, 1004, link),
	    STORE_OK);
	assert_int_equal(icsfeeds_create(fx->s, fx->staff, 1005, feed),
	    STORE_OK);
	assert_int_equal(staff_set_custodian(fx->s, fx->staff, 1), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(staff_by_identity(fx->s, "tg", "u1", &who), STORE_OK);
	assert_int_equal(staff_custodians(fx->s, fx->building, 0, custodians,
	    4, &n), STORE_OK);
	assert_int_equal(n, 1);

	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(staff_disable(fx->s, fx->staff, 1100, &cut), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(cut.identities, 1);
	assert_int_equal(cut.sessions, 1);
	assert_int_equal(cut.codes, 1);
	assert_int_equal(cut.links, 1);
	assert_int_equal(cut.feeds, 1);
	staff_cutoff_detail(&cut, fx->staff, "王丹", detail, sizeof detail);
	assert_non_null(strstr(detail, "王丹"));
	assert_non_null(strstr(detail, "1 identities, 1 sessions"));
	assert_int_equal(staff_by_identity(fx->s, "tg", "u1", &who),
	    STORE_NOT_FOUND);
	assert_int_equal(sessions_check(fx->s, cookie, 1101, 3600, 86400, &si),
	    STORE_NOT_FOUND);
	assert_int_equal(login_links_use(fx->s, link, 1101, &staff),
	    STORE_NOT_FOUND);
	assert_int_equal(icsfeeds_check(fx->s, feed, &staff), STORE_NOT_FOUND);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(staff_bind(fx->s, spare, "tg", "u2", "c2", 1101, &who),
	    STORE_NOT_FOUND);
	/* A code made while disabled (by a caller that did not look) does
	 * not bind either; nor does the member get a sign-in link. */
	assert_int_equal(staff_bind_code(fx->s, fx->staff, 1102, code),
	    STORE_OK);
	assert_int_equal(staff_bind(fx->s, code, "tg", "u2", "c2", 1103, &who),
	    STORE_NOT_FOUND);
	assert_int_equal(login_links_create(fx->s, fx->staff, 1103, link),
	    STORE_NOT_FOUND);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(staff_custodians(fx->s, fx->building, 0, custodians,
	    4, &n), STORE_OK);
	assert_int_equal(n, 0);
	/* The member is still there, marked. */
	assert_int_equal(staff_get(fx->s, fx->staff, &who), STORE_OK);
	assert_int_equal(who.active, 0);
	assert_string_equal(who.name, "王丹");
	assert_int_equal(staff_list(fx->s, 0, list, 4, &n), STORE_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].active, 0);
	/* A second disable finds nothing more. */
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(staff_disable(fx->s, fx->staff, 1200, &cut), STORE_OK);
	assert_int_equal(cut.identities + cut.sessions + cut.links + cut.feeds,
	    0);
	assert_int_equal(cut.codes, 1);	/* the one made while disabled */
	assert_int_equal(staff_disable(fx->s, 9999, 1200, &cut),
	    STORE_NOT_FOUND);
	assert_int_equal(staff_enable(fx->s, 9999), STORE_NOT_FOUND);
	assert_int_equal(staff_enable(fx->s, fx->staff), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);

	assert_int_equal(staff_get(fx->s, fx->staff, &who), STORE_OK);
	assert_int_equal(who.active, 1);
	assert_int_equal(staff_by_identity(fx->s, "tg", "u1", &who),
	    STORE_NOT_FOUND);
	assert_int_equal(sessions_check(fx->s, cookie, 1201, 3600, 86400, &si),
	    STORE_NOT_FOUND);
	assert_int_equal(icsfeeds_check(fx->s, feed, &staff), STORE_NOT_FOUND);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(staff_bind(fx->s, spare, "tg", "u1", "c1", 1201, &who),
	    STORE_NOT_FOUND);
	assert_int_equal(staff_bind_code(fx->s, fx->staff, 1202, code),
	    STORE_OK);
	assert_int_equal(staff_bind(fx->s, code, "tg", "u1", "c1", 1203, &who),
	    STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(staff_by_identity(fx->s, "tg", "u1", &who), STORE_OK);
	assert_int_equal(who.id, fx->staff);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_code_format, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_code_one_live, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bind_sender_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bind_channel_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bind_audit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bind_notice, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_robot_groups, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bindgroup_scope, setup,
		    teardown),
		cmocka_unit_test(test_targets),
		cmocka_unit_test_setup_teardown(test_disable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
