/*
 * Fuzzes what happens to a message once an adapter accepted it: command
 * parsing, the handlers with their store queries (company check, tips,
 * language, contact) and the reply rendered by both adapters
 * (bot/dispatch.c, handlers/, storage/). The first byte sets the message's
 * shape; the rest is its text, which must be what an adapter lets through
 * (valid UTF-8 text of at most INBOUND_TEXT_MAX bytes).
 *
 *   bit 0: group chat      bit 1: addressed as a command (explicit_cmd)
 *   bit 2: English channel bit 3: deliver the message twice (a retry)
 *
 * One in-memory store per process holds a few areas and companies; what an
 * iteration wrote (chats, tips, reporters, dedupe records) is deleted after
 * it.
 */
#include <stdio.h>

#include "bot/dispatch.h"
#include "bot/import.h"
#include "fuzz_common.h"
#include "messages/text.h"
#include "storage/areas.h"
#include "storage/store.h"
#include "storage/store_int.h"

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

static struct store		*store;
static struct channel		 ch_zh, ch_en;
static const struct handler_env	 env = { "0533-12345", 8 * 3600 };

static void
fuzz_import_text(enum import_kind kind, const char *text)
{
	struct import_stats	 stats;
	char			*cause = NULL;
	FILE			*errs = fopen("/dev/null", "w");
	FILE			*f;

	f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	FUZZ_ASSERT(f != NULL && errs != NULL);
	if (import_csv(store, kind, f, "base.csv", errs, 1763750000, &stats,
	    &cause) != 0 || stats.rejected != 0) {
		fprintf(stderr, "fuzz_dispatch: set-up failed: %s\n",
		    cause ? cause : "rows rejected");
		abort();
	}
	fclose(f);
	fclose(errs);
}

static void
fuzz_setup(void)
{
	static const uint8_t	 key[STORE_KEY_LEN] = "fangfei-fuzz-key-32-bytes-long!";
	char			*cause = NULL;
	int64_t			 area;

	store = store_open(":memory:", key, STORE_MIGRATE, &cause);
	if (store == NULL) {
		fprintf(stderr, "fuzz_dispatch: %s\n", cause);
		abort();
	}
	fuzz_import_text(IMPORT_AREAS, base_areas);
	fuzz_import_text(IMPORT_ENTERPRISES, base_enterprises);
	FUZZ_ASSERT(areas_find(store, "张店区/车站街道/华光路社区", &area) ==
	    STORE_OK);
	ch_zh.name = "demo";
	ch_zh.backend = channel_backend_lookup("generic");
	ch_zh.locale = LOCALE_ZH;
	ch_zh.area = "张店区/车站街道/华光路社区";
	ch_zh.area_id = area;
	ch_en = ch_zh;
	ch_en.name = "tg";
	ch_en.backend = channel_backend_lookup("telegram");
	ch_en.locale = LOCALE_EN;
	ch_en.secret_token = "s3cr3t_Token-01";
	ch_en.bot_username = "FangfeiBot";
	FUZZ_ASSERT(ch_zh.backend != NULL && ch_en.backend != NULL);
}

/* Deletes what dispatching wrote. */
static void
fuzz_reset(void)
{
	char	*err = NULL;

	if (sqlite3_exec(store->db,
	    "DELETE FROM tip_events;"
	    "DELETE FROM tips;"
	    "DELETE FROM tip_counters;"
	    "DELETE FROM reporters;"
	    "DELETE FROM groups;"
	    "DELETE FROM inbound_seen;", NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "fuzz_dispatch: reset: %s\n", err);
		abort();
	}
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
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct channel	*ch;
	struct inbound		 in;
	struct reply		 r, r2;
	enum dispatch_result	 res, res2;
	const char		*name = NULL;
	char			*text;
	int			 flags;
	size_t			 i;

	if (store == NULL)
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
	text = fuzz_strdup(data, size);
	ch = (flags & 4) ? &ch_en : &ch_zh;

	memset(&in, 0, sizeof in);
	(void)inbound_set(in.channel, sizeof in.channel, ch->name);
	(void)inbound_set(in.chat_id, sizeof in.chat_id,
	    (flags & 1) ? "-863152528" : "5927593490");
	in.chat_kind = (flags & 1) ? CHAT_GROUP : CHAT_PRIVATE;
	if (flags & 1)
		(void)inbound_set(in.chat_title, sizeof in.chat_title,
		    "华光路社区 3 网格");
	(void)inbound_set(in.sender_id, sizeof in.sender_id, "5927593490");
	(void)inbound_set(in.sender_name, sizeof in.sender_name, "小明");
	(void)inbound_set(in.message_id, sizeof in.message_id, "731845201");
	(void)inbound_set(in.reply_to, sizeof in.reply_to, "301");
	in.text = text;
	in.explicit_cmd = (flags & 2) != 0;

	memset(&r, 0, sizeof r);
	res = dispatch_inbound(store, ch, &env, &in, 1763750000, &r, &name);
	FUZZ_ASSERT(name != NULL);
	/* Storage never fails on an in-memory database. */
	FUZZ_ASSERT(res != DISPATCH_FAILED);
	FUZZ_ASSERT(res != DISPATCH_REPEATED);
	if (res == DISPATCH_IGNORED)
		FUZZ_ASSERT(r.ntexts == 0);
	else
		FUZZ_ASSERT(r.ntexts > 0);
	fuzz_check_reply(&in, &r);

	if ((flags & 8) && res == DISPATCH_REPLIED) {
		/* A retry of the same message: a state-changing command is
		 * answered from the dedupe record with the same texts. */
		memset(&r2, 0, sizeof r2);
		res2 = dispatch_inbound(store, ch, &env, &in, 1763750060, &r2,
		    &name);
		FUZZ_ASSERT(res2 != DISPATCH_FAILED);
		if (handler_find(name) != NULL &&
		    (handler_find(name)->flags & HANDLER_WRITES))
			FUZZ_ASSERT(res2 == DISPATCH_REPEATED);
		if (res2 == DISPATCH_REPEATED) {
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
	fuzz_reset();
	return 0;
}
