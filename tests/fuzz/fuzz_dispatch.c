/*
 * Fuzzes what happens to a message once an adapter accepted it: command
 * parsing, the handlers with their store queries and writes (company check,
 * tips, language, contact, bind codes, warnings and broadcasts for staff)
 * and the reply rendered by both adapters (bot/dispatch.c, handlers/,
 * storage/). The first byte sets the message's shape; the rest is its
 * text, which must be what an adapter lets through (valid UTF-8 text of
 * at most INBOUND_TEXT_MAX bytes).
 *
 *   bit 0: group chat        bit 1: addressed as a command (explicit_cmd)
 *   bit 2: English channel   bit 3: deliver the message twice (a retry)
 *   bit 4: sent by a staff member (office, bound to both channels)
 *   bit 5: by SMS (a Kannel channel; the sender a registered number), with
 *          SMS broadcasts on
 *
 * Tips go through intake (assignment, links); group chatter with a risk
 * phrase makes a lead.
 *
 * The store (fuzz_store.h) holds a few areas and companies, a staff member,
 * a group chat attached to an area and a robot group; it is put back after
 * each input.
 */
#include "bot/dispatch.h"
#include "handlers/chatter.h"
#include "fuzz_channel.h"
#include "fuzz_store.h"
#include "messages/sms.h"
#include "messages/text.h"
#include "storage/areas.h"
#include "storage/chats.h"
#include "storage/outbox.h"
#include "storage/phones.h"
#include "storage/staff.h"

#define T0		1763750000
#define GROUP_CHAT	"-863152528"
#define RESIDENT	"5927593490"
#define STAFF		"1000001"
#define PHONE		"+8613800000001"	/* the staff member's */
#define PHONE2		"+8613800000002"	/* a resident's */

static const char base_areas[] =
    "path,households,liaison,phone\n"
    "张店区,0,张店区处非办,0533-2180000\n"
    "张店区/车站街道,0,车站街道处非专班 李明,0533-2180001\n"
    "张店区/车站街道/华光路社区,0,华光路社区 王丹（示例）,0533-2180002\n"
    "张店区/车站街道/华光路社区/第3网格/12号楼,96,,\n"
    "张店区/科苑街道,0,,\n";
static const char base_enterprises[] =
    "\xef\xbb\xbf统一社会信用代码,企业名称,地址,所属区域,风险等级,通告期号,"
    "通告日期,处置措施\n"
    "91370303MA3C01001E,示例·淄博鑫源财富投资管理有限公司,张店区华光路88号,"
    "张店区/车站街道,high,1,2026-06-15,行政处罚\n"
    "91370303MA3C01002H,示例·山东汇金通理财咨询有限公司,张店区共青团路12号,"
    "张店区/车站街道,high,1,2026-06-15,刑事立案\n"
    "91370303MA3C01003L,示例·淄博康寿养老服务有限公司,张店区人民西路5号,"
    "张店区/车站街道,medium,,,\n"
    "91370303MA3C010084,示例·淄博金瑞数字资产服务有限公司,张店区柳泉路101号,"
    "张店区/科苑街道,medium,,,\n"
    "91370303MA3C01011F,示例·淄博鑫源物流有限公司,张店区北京路200号,"
    "张店区/科苑街道,none,,,\n";

static struct channel		 ch_zh, ch_en, ch_sms;
static int			 wakes;

static void
fuzz_wake(void *arg)
{
	(void)arg;
	wakes++;
}

/* Deadlines and links as the defaults; group chatter scanned for risk
 * phrases (a lead and a warning). */
#define FUZZ_LEDGER							\
	.tip_due_hours = { 24, 48, 168, 0, 72, 720, 0, 0 },		\
	.tip_link_days = 90,						\
	.lead_phrases = chatter_default_phrases,			\
	.lead_warn_minutes = 60

static const struct handler_env	 env = {
	.hotline = "0533-12345",
	.utc_offset = 8 * 3600,
	.outbox_wake = fuzz_wake,
	FUZZ_LEDGER,
}, env_sms = {
	.hotline = "0533-12345",
	.utc_offset = 8 * 3600,
	.outbox_wake = fuzz_wake,
	.sms_channel = "sms",
	.sms_max_parts = 3,
	FUZZ_LEDGER,
};

/* Binds the staff member to a user of a channel, as /bind does. */
static void
fuzz_bind(int64_t staff, const char *channel, const char *user)
{
	struct staff_info	 info;
	char			 code[BIND_CODE_TEXT_LEN + 1];

	FUZZ_ASSERT(staff_bind_code(fuzz_store, staff, T0 - 60, code) ==
	    STORE_OK);
	FUZZ_ASSERT(store_begin(fuzz_store) == STORE_OK);
	FUZZ_ASSERT(staff_bind(fuzz_store, code, channel, user, NULL, T0 - 60,
	    &info) == STORE_OK);
	FUZZ_ASSERT(store_commit(fuzz_store) == STORE_OK);
}

static void
fuzz_setup(void)
{
	int64_t	 community, street, staff, robot;

	fuzz_store_open();
	fuzz_store_import(IMPORT_AREAS, base_areas);
	fuzz_store_import(IMPORT_ENTERPRISES, base_enterprises);
	FUZZ_ASSERT(areas_find(fuzz_store, "张店区/车站街道/华光路社区",
	    &community) == STORE_OK);
	FUZZ_ASSERT(areas_find(fuzz_store, "张店区/车站街道", &street) ==
	    STORE_OK);

	fuzz_channel(&ch_zh, "demo", channel_backend_lookup("generic"),
	    "allow_unsigned", "on", NULL);
	ch_zh.locale = LOCALE_ZH;
	ch_zh.area = "张店区/车站街道/华光路社区";
	ch_zh.area_id = community;
	fuzz_channel(&ch_en, "tg", channel_backend_lookup("telegram"),
	    "secret_token", "s3cr3t_Token-01", "bot_username", "FangfeiBot",
	    NULL);
	ch_en.locale = LOCALE_EN;
	ch_en.area = ch_zh.area;
	ch_en.area_id = community;

	fuzz_channel(&ch_sms, "sms", channel_backend_lookup("kannel"),
	    "sendsms_url", "http://127.0.0.1:9/cgi-bin/sendsms", "username",
	    "u", "password", "p", "from", "10690001", "allow_unsigned", "on",
	    NULL);
	ch_sms.area = ch_zh.area;
	ch_sms.area_id = community;
	FUZZ_ASSERT(store_begin(fuzz_store) == STORE_OK);
	FUZZ_ASSERT(phones_put(fuzz_store, PHONE, community, "小明", T0 - 60,
	    NULL) == STORE_OK);
	FUZZ_ASSERT(phones_put(fuzz_store, PHONE2, community, NULL,
	    T0 - 60, NULL) == STORE_OK);
	FUZZ_ASSERT(store_commit(fuzz_store) == STORE_OK);

	FUZZ_ASSERT(staff_add(fuzz_store, "车站街道处非专班 李明", "office",
	    street, "0533-2180001", T0 - 3600, &staff) == STORE_OK);
	fuzz_bind(staff, ch_zh.name, STAFF);
	fuzz_bind(staff, ch_en.name, STAFF);
	fuzz_bind(staff, ch_sms.name, PHONE);
	/* A grid worker of the community: new tips are assigned to them. */
	FUZZ_ASSERT(staff_add(fuzz_store, "网格员 王丹", "grid_worker",
	    community, NULL, T0 - 3600, &staff) == STORE_OK);
	fuzz_bind(staff, ch_zh.name, "2000002");
	FUZZ_ASSERT(groups_set_area(fuzz_store, ch_zh.name, GROUP_CHAT,
	    community, "community", T0 - 60) == STORE_OK);
	FUZZ_ASSERT(groups_set_area(fuzz_store, ch_en.name, GROUP_CHAT,
	    community, "building", T0 - 60) == STORE_OK);
	FUZZ_ASSERT(groups_add_robot(fuzz_store, "dingtalk", "华光路社区钉钉群",
	    community, "community", "https://oapi.dingtalk.com/robot/send?"
	    "access_token=fuzz", "SECfuzz", T0 - 60, &robot) == STORE_OK);
	fuzz_store_snapshot();
}

/* A reply must be deliverable: valid UTF-8 and renderable by both
 * adapters (jansson refuses invalid UTF-8, and the reply would be lost). */
static void
fuzz_check_reply(const struct inbound *in, const struct reply *r)
{
	struct http_response	 resp;
	size_t			 i;

	for (i = 0; i < r->ntexts; i++) {
		FUZZ_ASSERT(r->texts[i] != NULL);
		FUZZ_ASSERT(utf8_valid(r->texts[i], strlen(r->texts[i])));
		FUZZ_ASSERT(strlen(r->texts[i]) <= REPLY_TEXT_MAX);
	}
	memset(&resp, 0, sizeof resp);
	ch_en.backend->reply(&ch_en, in, r, &resp);
	FUZZ_ASSERT(r->ntexts == 0 || resp.body != NULL);
	free(resp.body);
	memset(&resp, 0, sizeof resp);
	ch_zh.backend->reply(&ch_zh, in, r, &resp);
	FUZZ_ASSERT(resp.body != NULL);
	free(resp.body);
	/* As an SMS: plain UTF-8 in at most max_parts parts. */
	memset(&resp, 0, sizeof resp);
	ch_sms.backend->reply(&ch_sms, in, r, &resp);
	FUZZ_ASSERT(resp.status == 200);
	FUZZ_ASSERT(resp.body == NULL || (utf8_valid(resp.body, resp.len) &&
	    sms_parts(resp.body, NULL) <= CHANNEL_SMS_PARTS));
	free(resp.body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct channel	*ch;
	const struct handler_env *e;
	const struct handler	*h;
	struct inbound		 in;
	struct reply		 r, r2;
	enum dispatch_result	 res, res2;
	const char		*name = NULL;
	int			 flags;
	size_t			 i;

	if (fuzz_store == NULL)
		fuzz_setup();
	if (size == 0)
		return 0;
	flags = data[0];
	data++;
	size--;
	/* Only what an adapter accepts reaches dispatching. */
	if (size > INBOUND_TEXT_MAX ||
	    !utf8_valid_text((const char *)data, size))
		return 0;
	ch = (flags & 32) ? &ch_sms : (flags & 4) ? &ch_en : &ch_zh;
	e = (flags & 32) ? &env_sms : &env;
	/* An SMS is private, from a number that is its own chat. */
	if (flags & 32)
		flags &= ~1;

	memset(&in, 0, sizeof in);
	(void)inbound_set(in.channel, sizeof in.channel, ch->name);
	(void)inbound_set(in.chat_id, sizeof in.chat_id, (flags & 32) ?
	    ((flags & 16) ? PHONE : PHONE2) : (flags & 1) ? GROUP_CHAT :
	    (flags & 16) ? STAFF : RESIDENT);
	in.chat_kind = (flags & 1) ? CHAT_GROUP : CHAT_PRIVATE;
	if (flags & 1)
		(void)inbound_set(in.chat_title, sizeof in.chat_title,
		    "华光路社区 3 网格");
	(void)inbound_set(in.sender_id, sizeof in.sender_id, (flags & 32) ?
	    in.chat_id : (flags & 16) ? STAFF : RESIDENT);
	(void)inbound_set(in.sender_name, sizeof in.sender_name, "小明");
	(void)inbound_set(in.message_id, sizeof in.message_id, "731845201");
	(void)inbound_set(in.reply_to, sizeof in.reply_to, "301");
	in.text = fuzz_strdup(data, size);
	in.explicit_cmd = (flags & 2) != 0;

	memset(&r, 0, sizeof r);
	res = dispatch_inbound(fuzz_store, ch, e, &in, T0, &r, &name);
	FUZZ_ASSERT(name != NULL);
	/* Storage never fails on an in-memory database. */
	FUZZ_ASSERT(res != DISPATCH_FAILED);
	FUZZ_ASSERT(res != DISPATCH_REPEATED);
	if (res == DISPATCH_IGNORED)
		FUZZ_ASSERT(r.ntexts == 0);
	else if (strcmp(name, "optout") != 0)	/* a second 退订: silence */
		FUZZ_ASSERT(r.ntexts > 0);
	fuzz_check_reply(&in, &r);

	if ((flags & 8) && res == DISPATCH_REPLIED) {
		/* A retry of the same message: a state-changing command is
		 * answered from the dedupe record with the same texts. */
		memset(&r2, 0, sizeof r2);
		res2 = dispatch_inbound(fuzz_store, ch, e, &in, T0 + 60,
		    &r2, &name);
		FUZZ_ASSERT(res2 != DISPATCH_FAILED);
		h = handler_find(name);
		/* In a group, commands that belong in a private chat (tips,
		 * their status, binds) are refused with a note and nothing is
		 * recorded: the retry gets the same note again. */
		if (h != NULL && (h->flags & HANDLER_WRITES) &&
		    h->min_role <= ((flags & 16) ? ROLE_OFFICE : ROLE_RESIDENT))
			FUZZ_ASSERT(res2 == DISPATCH_REPEATED ||
			    ((flags & 1) && res2 == DISPATCH_REPLIED));
		/* (Group chatter that made a lead warns once: its retry is
		 * the same message, a lead already, and is not answered.) */
		/* (A secret shown once — a revealed reporter, a console
		 * sign-in link — is not kept for a retry, which gets
		 * nothing.) */
		if (h != NULL &&
		    (h->flags & (HANDLER_SECRET | HANDLER_NO_REPLAY)) &&
		    res2 == DISPATCH_REPEATED)
			FUZZ_ASSERT(r2.ntexts == 0);
		else if (res2 == DISPATCH_REPEATED || ((flags & 1) &&
		    h != NULL)) {
			FUZZ_ASSERT(r2.ntexts == r.ntexts);
			for (i = 0; i < r.ntexts; i++)
				FUZZ_ASSERT(strcmp(r.texts[i],
				    r2.texts[i]) == 0);
		}
		fuzz_check_reply(&in, &r2);
		reply_clear(&r2);
	}
	reply_clear(&r);
	inbound_clear(&in);
	fuzz_store_restore();
	return 0;
}
