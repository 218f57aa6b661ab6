/*
 * Unit tests of storage/ on a real SQLite file: imports, the company check
 * as users type names, tips with sealed reporters, dedupe records (which
 * name nobody in clear).
 */
#include "teststore.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "storage/areas.h"
#include "storage/copy.h"
#include "storage/chats.h"
#include "storage/enterprises.h"
#include "storage/reporters_int.h"
#include "storage/tips.h"
#include "messages/text.h"

static const uint8_t key[STORE_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8 };

struct fixture {
	char		*dir;
	char		 loc[512];	/* the database, for a second store */
	struct store	*s;
};

/* A fresh database with the demo areas and registry. */
static int
setup(void **state)
{
	struct fixture	*fx = calloc(1, sizeof *fx);
	char		*cause = NULL;

	/* teststore_open() without forgetting where: a test opens the same
	 * database a second time. */
	fx->dir = testutil_tmpdir();
	teststore_location(fx->dir, fx->loc, sizeof fx->loc);
	fx->s = store_open(fx->loc, key, STORE_MIGRATE, &cause);
	if (fx->s == NULL)
		fprintf(stderr, "store_open: %s\n", cause);
	assert_non_null(fx->s);
	assert_int_equal(teststore_demo(fx->s, IMPORT_AREAS, "areas.csv"), 10);
	assert_int_equal(teststore_demo(fx->s, IMPORT_ENTERPRISES,
	    "enterprises.csv"), 12);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*fx = *state;

	store_close(fx->s);
	testutil_rmdir(fx->dir);
	free(fx);
	return 0;
}

/*
 * Seals and lookup hashes stay what databases in use hold: the seal key
 * (derived once per store) and the reporter ref are computed here again
 * with OpenSSL's one-shot HMAC() and EVP_aes_256_gcm(), the way they were
 * first written. A blob sealed here opens there and the other way round;
 * a flipped byte, a short blob and a store without a key open nothing.
 */
static void
test_seal_compat(void **state)
{
	struct fixture	*fx = *state;
	const char	*plain = "https://qyapi.weixin.qq.com/cgi-bin/webhook/"
			    "send?key=举报人-7";
	uint8_t		 k[32], ref[32], want[32], blob[256], *sealed = NULL;
	uint8_t		 nonce[12] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2 };
	unsigned int	 len = 32;
	char		 msg[64], out[256], *opened = NULL;
	size_t		 n = strlen(plain), sealedlen = 0;
	EVP_CIPHER_CTX	*c;
	struct store	*bare;
	char		*cause = NULL;
	int		 l, l2;

	assert_non_null(HMAC(EVP_sha256(), key, STORE_KEY_LEN,
	    (const unsigned char *)"fangfei reporter seal", 21, k, &len));
	/* Sealed by the reference: nonce || ciphertext || tag. */
	memcpy(blob, nonce, sizeof nonce);
	assert_non_null(c = EVP_CIPHER_CTX_new());
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, k,
	    nonce), 1);
	assert_int_equal(EVP_EncryptUpdate(c, blob + 12, &l,
	    (const unsigned char *)plain, (int)n), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, blob + 12 + l, &l2), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16,
	    blob + 12 + n), 1);
	EVP_CIPHER_CTX_free(c);
	assert_int_equal(reporters_unseal(fx->s, blob, 12 + n + 16, &opened),
	    0);
	assert_string_equal(opened, plain);
	free(opened);
	blob[12 + n / 2] ^= 1;
	assert_int_equal(reporters_unseal(fx->s, blob, 12 + n + 16, &opened),
	    -1);
	assert_int_equal(reporters_unseal(fx->s, blob, 27, &opened), -1);
	/* The store's context opens again after a refusal. */
	blob[12 + n / 2] ^= 1;
	assert_int_equal(reporters_unseal(fx->s, blob, 12 + n + 16, &opened),
	    0);
	assert_string_equal(opened, plain);
	free(opened);
	blob[12 + n / 2] ^= 1;

	/* Sealed here, opened by the reference. */
	assert_int_equal(reporters_seal(fx->s, plain, &sealed, &sealedlen), 0);
	assert_int_equal(sealedlen, 12 + n + 16);
	assert_non_null(c = EVP_CIPHER_CTX_new());
	assert_int_equal(EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, k,
	    sealed), 1);
	assert_int_equal(EVP_DecryptUpdate(c, (unsigned char *)out, &l,
	    sealed + 12, (int)n), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16,
	    sealed + 12 + n), 1);
	assert_int_equal(EVP_DecryptFinal_ex(c, (unsigned char *)out + l,
	    &l2), 1);
	EVP_CIPHER_CTX_free(c);
	out[n] = '\0';
	assert_string_equal(out, plain);
	free(sealed);

	/* The ref: HMAC under the ref key over channel NUL sender. */
	len = 32;
	assert_non_null(HMAC(EVP_sha256(), key, STORE_KEY_LEN,
	    (const unsigned char *)"fangfei reporter ref", 20, k, &len));
	memcpy(msg, "telegram\0" "10042", 14);
	len = 32;
	assert_non_null(HMAC(EVP_sha256(), k, sizeof k,
	    (const unsigned char *)msg, 14, want, &len));
	assert_int_equal(reporters_ref(fx->s, "telegram", "10042", ref), 0);
	assert_memory_equal(ref, want, sizeof want);

	/* No key: nothing sealed or opened. */
	assert_non_null(bare = store_open(fx->loc, NULL, 0, &cause));
	assert_int_equal(reporters_seal(bare, plain, &sealed, &sealedlen), -1);
	blob[12 + n / 2] ^= 1;
	assert_int_equal(reporters_unseal(bare, blob, 12 + n + 16, &opened),
	    -1);
	assert_int_equal(reporters_ref(bare, "telegram", "10042", ref), -1);
	store_close(bare);
}

/* Returns the first match's name for a query, or NULL. */
static char *
first_match(struct store *s, const char *q, long *total)
{
	struct check_result	 r;
	char			*name = NULL;

	assert_int_equal(enterprises_check_name(s, q, &r), STORE_OK);
	if (r.n > 0)
		name = strdup(r.m[0].name);
	if (total != NULL)
		*total = r.total;
	check_result_clear(&r);
	return name;
}

/* Names as users type them all find the same listed company. */
static void
test_check_names(void **state)
{
	struct fixture	*fx = *state;
	static const char *const typed[] = {
		"鑫源财富", "淄博鑫源财富投资管理有限公司",
		"山东省淄博市鑫源财富投资管理有限责任公司",
		"鑫源财富投资管理股份有限公司", "鑫 源 财 富",
		"鑫源（淄博）财富", "ｘ鑫源财富", NULL
	};
	const char *const *q;
	char		*name;
	long		 total;

	for (q = typed; *q != NULL; q++) {
		name = first_match(fx->s, *q, &total);
		if (strcmp(*q, "ｘ鑫源财富") == 0) {
			assert_null(name);	/* not a substring */
			continue;
		}
		assert_non_null(name);
		assert_string_equal(name, "示例·淄博鑫源财富投资管理有限公司");
		free(name);
	}
	/* A fragment shared by two: the listed one comes first. */
	name = first_match(fx->s, "鑫源", &total);
	assert_string_equal(name, "示例·淄博鑫源财富投资管理有限公司");
	assert_int_equal(total, 2);
	free(name);
	assert_null(first_match(fx->s, "不存在的公司", &total));
	assert_int_equal(total, 0);
}

/* Codes, notices and the one-character refusal. */
static void
test_check_codes(void **state)
{
	struct fixture		*fx = *state;
	struct check_result	 r;

	assert_int_equal(enterprises_check_uscc(fx->s, "91370303MA3C01002H",
	    &r), STORE_OK);
	assert_int_equal(r.n, 1);
	assert_true(r.m[0].flagged);
	assert_int_equal(r.m[0].issue, 1);
	assert_string_equal(r.m[0].date, "2026-06-15");
	assert_string_equal(r.m[0].measure, "criminal");
	check_result_clear(&r);
	assert_int_equal(enterprises_check_uscc(fx->s, "91370303MA3C01005T",
	    &r), STORE_OK);
	assert_int_equal(r.n, 1);
	assert_false(r.m[0].flagged);
	check_result_clear(&r);
	assert_int_equal(enterprises_check_name(fx->s, "鑫", &r),
	    STORE_INVALID);
	check_result_clear(&r);
}

/*
 * A code's check is one statement over the code's covering index and the
 * notices (storage/search.c): the latest published notice of several, a
 * draft left out, a new name seen at once, an unknown code not found.
 * On SQLite it reads the index alone, never the table.
 */
static void
test_check_code_notices(void **state)
{
	struct fixture		*fx = *state;
	struct enterprise_in	 e = { 0 };
	struct check_result	 r;
	int64_t			 id, n1, n2, n3;
	const char		*code = "91370303MA3C01005T";

	assert_int_equal(notices_put(fx->s, 60, "2026-09-01", "第60期", 1, 100,
	    &n1), STORE_OK);
	assert_int_equal(notices_put(fx->s, 59, "2026-10-01", "第59期", 1, 100,
	    &n2), STORE_OK);
	assert_int_equal(notices_put(fx->s, 61, "2026-12-01", "第61期", 0, 100,
	    &n3), STORE_OK);
	e.uscc = code;
	e.name = "示例·淄博恒达建材新名有限公司";
	assert_int_equal(enterprises_put(fx->s, &e, 200, &id), STORE_OK);
	assert_int_equal(notices_link(fx->s, n1, id, "warned"), STORE_OK);
	assert_int_equal(notices_link(fx->s, n2, id, "penalty"), STORE_OK);
	assert_int_equal(notices_link(fx->s, n3, id, "criminal"), STORE_OK);

	assert_int_equal(enterprises_check_uscc(fx->s, code, &r), STORE_OK);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.total, 1);
	assert_int_equal(r.m[0].id, id);
	assert_string_equal(r.m[0].name, e.name);
	assert_string_equal(r.m[0].uscc, code);
	assert_true(r.m[0].flagged);
	assert_int_equal(r.m[0].issue, 59);
	assert_string_equal(r.m[0].date, "2026-10-01");
	assert_string_equal(r.m[0].measure, "penalty");
	check_result_clear(&r);

	assert_int_equal(enterprises_check_uscc(fx->s, "91370303MA3C0100XX",
	    &r), STORE_OK);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.total, 0);
	check_result_clear(&r);

	if (fx->s->pg == NULL) {
		sqlite3_stmt	*st, *plan;
		char		*sql = NULL;
		const char	*detail;
		int		 covering = 0, table = 0;

		/* The check's own statement, as the connection prepared it. */
		for (st = sqlite3_next_stmt(fx->s->db, NULL); st != NULL;
		    st = sqlite3_next_stmt(fx->s->db, st))
			if (strstr(sqlite3_sql(st), "WHERE e.uscc = ?1") != NULL)
				sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s",
				    sqlite3_sql(st));
		assert_non_null(sql);
		assert_int_equal(sqlite3_prepare_v2(fx->s->db, sql, -1, &plan,
		    NULL), SQLITE_OK);
		while (sqlite3_step(plan) == SQLITE_ROW) {
			detail = (const char *)sqlite3_column_text(plan, 3);
			if (strstr(detail, " e ") == NULL)
				continue;
			covering |= strstr(detail, "USING COVERING INDEX "
			    "enterprises_uscc_name") != NULL;
			table |= strstr(detail, "COVERING") == NULL;
		}
		sqlite3_finalize(plan);
		sqlite3_free(sql);
		assert_true(covering);
		assert_false(table);
	}
}

/* Re-importing updates rows instead of duplicating them; bad rows are
 * rejected with the good ones kept. */
static void
test_import_rows(void **state)
{
	struct fixture		*fx = *state;
	struct import_stats	 st;
	long			 total;
	char			*name;

	st = teststore_import(fx->s, IMPORT_ENTERPRISES,
	    "uscc,name,notice_issue,notice_date,measure\n"
	    "91370303MA3C01005T,示例·淄博恒达建材有限公司,2,2026/7/1,约谈\n"
	    "91370303MA3C01005X,坏校验位公司,,,\n"
	    ",只有名称的公司,,,\n"
	    ",,,,\n"
	    ",缺日期公司,3,,警示\n"
	    ",措施错误公司,3,2026-07-01,表扬\n");
	assert_int_equal(st.imported, 2);
	assert_int_equal(st.rejected, 3);
	assert_int_equal(st.flagged, 1);
	name = first_match(fx->s, "恒达建材", &total);
	assert_int_equal(total, 1);
	free(name);
	name = first_match(fx->s, "只有名称", &total);
	assert_non_null(name);
	free(name);
	/* Chinese headers with a BOM, and a quoted newline in an address. */
	st = teststore_import(fx->s, IMPORT_ENTERPRISES,
	    "\xef\xbb\xbf企业名称,地址\n测试多行地址公司,\"第一行\n第二行\"\n");
	assert_int_equal(st.imported, 1);
	/* Areas: depth gives the level, more than five is refused. */
	st = teststore_import(fx->s, IMPORT_AREAS,
	    "a/b/c/d/e/f,1\n张店区/新街道,x\n张店区/新街道/新社区,30\n");
	assert_int_equal(st.rejected, 2);
	assert_int_equal(st.imported, 1);
}

/* Flagged checked by name: whether the first match is on a notice. */
static int
first_flagged(struct store *s, const char *q)
{
	struct check_result	 r;
	int			 flagged;

	assert_int_equal(enterprises_check_name(s, q, &r), STORE_OK);
	assert_true(r.n > 0);
	flagged = r.m[0].flagged;
	check_result_clear(&r);
	return flagged;
}

/*
 * A connection keeps a copy of the enterprises on notices for its checks:
 * a notice another connection (another process: an import, the console)
 * publishes or drafts is seen by the very next check, matches on a notice
 * are listed first, and a commit that changes no flag keeps the copy.
 */
static void
test_check_flags_shared(void **state)
{
	struct fixture		*fx = *state;
	struct enterprise_in	 e = { 0 };
	struct store		*other;
	struct check_result	 r;
	char			*cause = NULL;
	int64_t			 id, notice, first;
	int			 i;

	/* The same database: the file, or the same schema on the server. */
	other = store_open(fx->loc, key, 0, &cause);
	assert_non_null(other);
	/* Twelve companies with one word in common; the last one made will
	 * be flagged, so it is listed first only once it is. */
	for (i = 0; i < 12; i++) {
		char	 name[64];

		(void)snprintf(name, sizeof name, "淄博共享词%c号贸易有限公司",
		    'A' + i);
		e.name = name;
		assert_int_equal(enterprises_put(other, &e, 1000, &id),
		    STORE_OK);
	}
	assert_int_equal(enterprises_check_name(fx->s, "共享词", &r), STORE_OK);
	assert_int_equal(r.total, 12);
	first = r.m[0].id;
	assert_int_not_equal(first, id);
	assert_int_equal(r.m[0].flagged, 0);
	check_result_clear(&r);

	assert_int_equal(notices_put(other, 41, "2026-11-30", "第41期", 1, 2000,
	    &notice), STORE_OK);
	assert_int_equal(notices_link(other, notice, id, "warned"), STORE_OK);
	assert_int_equal(enterprises_check_name(fx->s, "共享词", &r), STORE_OK);
	assert_int_equal(r.m[0].id, id);
	assert_int_equal(r.m[0].flagged, 1);
	assert_int_equal(r.m[0].issue, 41);
	assert_int_equal(r.total, 12);
	check_result_clear(&r);
	/* Another commit, no flag changed: the same answer. */
	e.name = "无关的新公司";
	assert_int_equal(enterprises_put(other, &e, 3000, &id), STORE_OK);
	assert_int_equal(first_flagged(fx->s, "共享词"), 1);
	store_close(other);
}

/* One registry row as the brute force sees it. */
struct brute_row {
	int64_t	 id;
	char	 fold[NAME_MAX_BYTES];
	char	 key[NAME_MAX_BYTES];
	int	 flagged;
};

/* Reads every enterprise with its folded forms and whether it is on a
 * published notice; *n gets how many (rows is freed by the caller). */
static struct brute_row *
brute_rows(struct store *s, size_t *n)
{
	struct brute_row	*rows = NULL;
	struct db_stmt		*st;
	size_t			 cap = 0;

	st = store_prepare(s, "SELECT e.id, e.name, EXISTS (SELECT 1"
	    " FROM notice_enterprises ne JOIN notices n ON n.id = ne.notice_id"
	    " WHERE ne.enterprise_id = e.id AND n.published_at IS NOT NULL)"
	    " FROM enterprises e ORDER BY e.id");
	assert_non_null(st);
	*n = 0;
	while (db_step(st) == DB_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			rows = realloc(rows, cap * sizeof *rows);
			assert_non_null(rows);
		}
		rows[*n].id = db_column_int64(st, 0);
		assert_int_equal(name_forms((const char *)db_column_text(st, 1),
		    rows[*n].fold, rows[*n].key, NAME_MAX_BYTES), 0);
		rows[*n].flagged = db_column_int(st, 2);
		(*n)++;
	}
	db_finalize(st);
	return rows;
}

/* Adds id to the expected list unless it is there or the list is full. */
static void
brute_add(int64_t *ids, size_t *n, int64_t id)
{
	size_t	 i;

	if (*n == CHECK_SHOWN)
		return;
	for (i = 0; i < *n; i++)
		if (ids[i] == id)
			return;
	ids[(*n)++] = id;
}

/*
 * The check's answer to q worked out by strstr() over every folded name:
 * the exact keys first, then the first six on a notice, then the first
 * six, in id order, and the count up to the cap.
 */
static void
brute_check(const struct brute_row *rows, size_t n, const char *query,
    int64_t *ids, size_t *nids, long *total)
{
	char		 fold[NAME_MAX_BYTES], qkey[NAME_MAX_BYTES];
	const char	*q;
	size_t		 i, k, f;

	assert_int_equal(name_forms(query, fold, qkey, sizeof fold), 0);
	q = utf8_count(qkey) >= 2 ? qkey : fold;
	*nids = 0;
	*total = 0;
	for (i = 0, k = 0; i < n && k < 3; i++)
		if (strcmp(rows[i].key, qkey) == 0) {
			brute_add(ids, nids, rows[i].id);
			k++;
		}
	for (i = 0, f = 0; i < n && f < 6; i++)
		if (rows[i].flagged && strstr(rows[i].fold, q) != NULL) {
			brute_add(ids, nids, rows[i].id);
			f++;
		}
	for (i = 0, k = 0; i < n; i++)
		if (strstr(rows[i].fold, q) != NULL) {
			if (k++ < 6)
				brute_add(ids, nids, rows[i].id);
			if (*total < CHECK_COUNT_CAP)
				(*total)++;
		}
	if (*total < (long)*nids)
		*total = (long)*nids;
}

/*
 * Name checks give exactly the matches a plain substring search gives,
 * in the same order: two-, three- and four-character fragments, inside a
 * brand or an industry word or across the two, repeated characters, past
 * the count's cap, and fragments found nowhere.
 */
static void
test_check_brute(void **state)
{
	struct fixture		*fx = *state;
	static const char *const brands[] = {
		"鑫源", "恒达", "华信", "金盛", "达信", "哈哈哈哈", NULL
	};
	static const char *const trades[] = {
		"财富投资", "建材贸易", "信息科技", "文化传媒", "投资咨询",
		"信达物流", NULL
	};
	static const char *const frags[] = {
		"鑫源", "源财", "达建", "信信", "盛财", "达信", "科技", "哈哈",
		"10", "共同", "无关", "源源",
		"源财富", "信信息", "同投资", "达信达", "哈哈哈", "11号", "不存在",
		"富投资", "同文化",
		"鑫源财富", "盛文化传", "同信达物", "哈哈哈哈", "富投资管",
		"不存在的", "源财富投资咨询", "鑫源财富投资", NULL
	};
	const char *const	*b, *const *t, *const *q;
	struct enterprise_in	 e = { 0 };
	struct check_result	 r;
	struct brute_row	*rows;
	char			 name[128];
	int64_t			 id, notice, want[CHECK_SHOWN];
	size_t			 nrows, nwant, i;
	long			 total;
	int			 n = 0;

	assert_int_equal(notices_put(fx->s, 7, "2026-10-01", "第7期", 1, 100,
	    &notice), STORE_OK);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	for (b = brands; *b != NULL; b++)
		for (t = trades; *t != NULL; t++) {
			(void)snprintf(name, sizeof name, "淄博%s%s有限公司", *b,
			    *t);
			e.name = name;
			assert_int_equal(enterprises_put(fx->s, &e, 100, &id),
			    STORE_OK);
			if (n++ % 4 == 1)
				assert_int_equal(notices_link(fx->s, notice, id,
				    "warned"), STORE_OK);
		}
	/* More than the cap share "共同"; two of the last are on a notice. */
	for (i = 0; i < CHECK_COUNT_CAP + 20; i++) {
		(void)snprintf(name, sizeof name, "淄博共同%s%zu号有限公司",
		    trades[i % 6], i);
		e.name = name;
		assert_int_equal(enterprises_put(fx->s, &e, 100, &id), STORE_OK);
		if (i == CHECK_COUNT_CAP + 5 || i == CHECK_COUNT_CAP + 15)
			assert_int_equal(notices_link(fx->s, notice, id,
			    "penalty"), STORE_OK);
	}
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(enterprises_optimize(fx->s), STORE_OK);

	rows = brute_rows(fx->s, &nrows);
	for (q = frags; *q != NULL; q++) {
		brute_check(rows, nrows, *q, want, &nwant, &total);
		assert_int_equal(enterprises_check_name(fx->s, *q, &r),
		    STORE_OK);
		if (r.total != total || r.n != nwant)
			fprintf(stderr, "%s: %ld/%zu, want %ld/%zu\n", *q,
			    r.total, r.n, total, nwant);
		assert_int_equal(r.total, total);
		assert_int_equal(r.capped, total >= CHECK_COUNT_CAP);
		assert_int_equal(r.n, nwant);
		for (i = 0; i < nwant; i++)
			assert_int_equal(r.m[i].id, want[i]);
		check_result_clear(&r);
	}
	free(rows);
}

/* A tip keeps no identity; its status is for its reporter only. */
static void
test_tips(void **state)
{
	struct fixture		*fx = *state;
	struct tip_new		 t;
	struct tip_status	 ts;
	char			 ref[TIP_REF_MAX], ref2[TIP_REF_MAX], *plain;
	int64_t			 rid;

	memset(&t, 0, sizeof t);
	t.body = "小区门口有人推销保本理财";
	t.day = "20261121";
	t.chat_kind = "private";
	t.reporter.channel = "demo";
	t.reporter.sender_id = "u-secret-42";
	t.reporter.sender_name = "张三";
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(tips_create(fx->s, &t, 1000, ref), STORE_OK);
	assert_int_equal(tips_create(fx->s, &t, 1000, ref2), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	/* References are random, readable and tell nothing of the day's
	 * volume: "JB-" day "-" six of 23456789A-Z without I and O. */
	assert_int_equal(strlen(ref), 18);
	assert_memory_equal(ref, "JB-20261121-", 12);
	assert_int_equal(strspn(ref + 12, "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"),
	    6);
	assert_int_equal(strlen(ref2), 18);
	assert_int_equal(strspn(ref2 + 12, "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"),
	    6);
	assert_string_not_equal(ref, ref2);
	assert_int_equal(tips_status(fx->s, ref, "demo", "u-secret-42", &ts),
	    STORE_OK);
	assert_string_equal(ts.status, "received");
	assert_int_equal(tips_status(fx->s, ref, "demo", "someone-else", &ts),
	    STORE_NOT_FOUND);
	assert_int_equal(tips_status(fx->s, ref, "tg", "u-secret-42", &ts),
	    STORE_NOT_FOUND);
	assert_int_equal(tips_status(fx->s, "JB-19990101-0001", "demo",
	    "u-secret-42", &ts), STORE_NOT_FOUND);
	/* The seal opens to the identity; the file holds no plain text. */
	assert_int_equal(tips_reporter(fx->s, ref, &rid), STORE_OK);
	assert_int_equal(reporters_open(fx->s, rid, &plain), STORE_OK);
	assert_string_equal(plain, "demo\nu-secret-42\n张三\n");
	free(plain);
}

/* Whether the database holds the bytes of needle: the file and its WAL
 * on SQLite, any row of any table on PostgreSQL. */
static int
db_holds(const struct fixture *fx, const char *needle)
{
	static const char *const suffix[] = { "", "-wal" };
	char	 path[600], *data;
	size_t	 len, i, k, n = strlen(needle);
	long	 size;
	int	 found = 0;
	FILE	*f;

	if (teststore_pg())
		return teststore_holds(needle);
	for (i = 0; i < 2 && !found; i++) {
		(void)snprintf(path, sizeof path, "%s%s", fx->loc, suffix[i]);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		assert_int_equal(fseek(f, 0, SEEK_END), 0);
		size = ftell(f);
		rewind(f);
		data = xmalloc((size_t)size + 1);
		len = fread(data, 1, (size_t)size, f);
		fclose(f);
		for (k = 0; k + n <= len && !found; k++)
			found = memcmp(data + k, needle, n) == 0;
		free(data);
	}
	return found;
}

/* A dedupe record names nobody: its chat, sender and message id and its
 * reply are not in the database in clear; the reply opens to what was
 * put, an empty one too; another key finds nothing, no key fails. */
static void
test_chats_sealed(void **state)
{
	static const uint8_t	 other_key[STORE_KEY_LEN] = { 8, 7, 6 };
	struct fixture		*fx = *state;
	struct inbound_key	 k = { "demo", "chat-sealed-9071",
	    "sender-sealed-9071", "msg-sealed-9071" };
	struct inbound_key	 shown = { "demo", "", "", "msg-shown-9071" };
	struct store		*other;
	char			*reply = NULL, *cause = NULL;
	const char		*said = "已收到您的举报线索，编号 "
	    "JB-20261203-SEALED\x1e" "reply-sealed-9071";

	assert_int_equal(inbound_seen_put(fx->s, &k, 100, said), STORE_OK);
	assert_int_equal(inbound_seen_put(fx->s, &shown, 100, ""), STORE_OK);
	assert_int_equal(inbound_seen_get(fx->s, &k, &reply), STORE_OK);
	assert_string_equal(reply, said);
	free(reply);
	assert_int_equal(inbound_seen_get(fx->s, &shown, &reply), STORE_OK);
	assert_string_equal(reply, "");
	free(reply);
	assert_int_equal(teststore_int(fx->s, "SELECT count(*) FROM "
	    "inbound_seen WHERE channel = 'demo'"), 2);
	assert_false(db_holds(fx, "chat-sealed-9071"));
	assert_false(db_holds(fx, "sender-sealed-9071"));
	assert_false(db_holds(fx, "msg-sealed-9071"));
	assert_false(db_holds(fx, "JB-20261203-SEALED"));
	assert_false(db_holds(fx, "reply-sealed-9071"));

	other = store_open(fx->loc, other_key, 0, &cause);
	assert_non_null(other);
	assert_int_equal(inbound_seen_get(other, &k, &reply), STORE_NOT_FOUND);
	store_close(other);
	other = store_open(fx->loc, NULL, 0, &cause);
	assert_non_null(other);
	assert_int_equal(inbound_seen_get(other, &k, &reply), STORE_ERROR);
	assert_int_equal(inbound_seen_put(other, &k, 100, "x"), STORE_ERROR);
	store_close(other);
}

/* Dedupe records and chat preferences. */
static void
test_chats(void **state)
{
	struct fixture		*fx = *state;
	struct chat_info	 ci;
	char			*reply = NULL;
	long			 n;
	int64_t			 area;

	struct inbound_key	 k = { "demo", "c1", "u1", "m1" };
	struct inbound_key	 other_chat = { "demo", "c2", "u1", "m1" };
	struct inbound_key	 other_sender = { "demo", "c1", "u2", "m1" };

	assert_int_equal(inbound_seen_get(fx->s, &k, &reply), STORE_NOT_FOUND);
	assert_int_equal(inbound_seen_put(fx->s, &k, 100, "a\x1e" "b"),
	    STORE_OK);
	assert_int_equal(inbound_seen_get(fx->s, &k, &reply), STORE_OK);
	assert_string_equal(reply, "a\x1e" "b");
	free(reply);
	assert_int_equal(inbound_seen_put(fx->s, &k, 100, "c"), STORE_INVALID);
	/* The same message id in another chat or from another sender is
	 * another message. */
	assert_int_equal(inbound_seen_get(fx->s, &other_chat, &reply),
	    STORE_NOT_FOUND);
	assert_int_equal(inbound_seen_get(fx->s, &other_sender, &reply),
	    STORE_NOT_FOUND);
	assert_int_equal(inbound_seen_put(fx->s, &other_chat, 100, "d"),
	    STORE_OK);
	assert_int_equal(inbound_seen_put(fx->s, &other_sender, 100, "e"),
	    STORE_OK);
	assert_int_equal(inbound_seen_prune(fx->s, 200, &n), STORE_OK);
	assert_int_equal(n, 3);

	assert_int_equal(groups_seen(fx->s, "demo", "g1", "群", 1, 5, &ci),
	    STORE_OK);
	assert_int_equal(ci.area_id, 0);
	assert_int_equal(areas_find(fx->s, "华光路社区", &area), STORE_OK);
	assert_int_equal(groups_set_area(fx->s, "demo", "g1", area, "building",
	    6), STORE_OK);
	assert_int_equal(groups_set_locale(fx->s, "demo", "g1", NULL, "en", 7),
	    STORE_OK);
	assert_int_equal(groups_seen(fx->s, "demo", "g1", NULL, 1, 8, &ci),
	    STORE_OK);
	assert_int_equal(ci.area_id, area);
	assert_string_equal(ci.locale, "en");
	assert_int_equal(groups_seen(fx->s, "demo", "p1", NULL, 0, 8, &ci),
	    STORE_NOT_FOUND);
}

/* Contacts walk up to the nearest area with a liaison. */
static void
test_contacts(void **state)
{
	struct fixture		*fx = *state;
	struct area_contact	 c;
	int64_t			 id;

	assert_int_equal(areas_find(fx->s,
	    "张店区/车站街道/华光路社区/第3网格/12号楼", &id), STORE_OK);
	assert_int_equal(areas_contact(fx->s, id, &c), STORE_OK);
	assert_string_equal(c.liaison, "华光路社区 王丹（示例）");
	assert_string_equal(c.phone, "0533-2180002");
	area_contact_clear(&c);
	/* An ambiguous suffix does not pick one at random. */
	assert_int_equal(areas_find(fx->s, "第1网格", &id), STORE_NOT_FOUND);
}

/* A database URL as messages and logs show it: never a password, in
 * the authority or in the query (whose '@' is no separator). */
static void
test_url_shown(void **state)
{
	static const char *const cases[][2] = {
		{ "postgresql://u:secret@h/db", "postgresql://u@h/db" },
		{ "postgresql://db:5432/ff?user=a&password=p@ss",
		    "postgresql://db:5432/ff" },
		{ "postgres://h/db#frag", "postgres://h/db" },
		{ "/var/lib/fangfei/fangfei.db", "/var/lib/fangfei/fangfei.db" },
	};
	size_t	 i;
	char	*shown;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		shown = store_shown(cases[i][0]);
		assert_string_equal(shown, cases[i][1]);
		free(shown);
	}
}

/* Whether the test's store is on PostgreSQL. */
static int
on_pg(struct store *s)
{
	return s->pg != NULL;
}

/* A table of the test's own: an integer and a blob column. */
static void
rows_table(struct store *s)
{
	assert_int_equal(store_exec_sql(s, on_pg(s) ?
	    "CREATE TABLE t_rows (n integer, b bytea)" :
	    "CREATE TABLE t_rows (n integer, b BLOB)"), STORE_OK);
}

/* Steps a statement of its own to its end; returns its rows. */
static int
step_all(struct store *s, const char *sql)
{
	struct db_stmt	*st = store_prepare(s, sql);
	int		 rc, rows = 0;

	assert_non_null(st);
	while ((rc = db_step(st)) == DB_ROW)
		rows++;
	assert_int_equal(rc, DB_DONE);
	db_finalize(st);
	return rows;
}

/*
 * store_changes() counts the rows of the last INSERT, UPDATE or DELETE
 * only, as sqlite3_changes() does: a SELECT after them, with rows or
 * without, leaves the count; SQL text run whole counts as well.
 */
static void
test_changes(void **state)
{
	struct fixture	*fx = *state;

	rows_table(fx->s);
	assert_int_equal(step_all(fx->s,
	    "INSERT INTO t_rows (n) VALUES (1), (2), (3)"), 0);
	assert_int_equal(store_changes(fx->s), 3);
	assert_int_equal(step_all(fx->s,
	    "UPDATE t_rows SET n = n + 10 WHERE n >= 2"), 0);
	assert_int_equal(store_changes(fx->s), 2);
	assert_int_equal(step_all(fx->s, "SELECT n FROM t_rows"), 3);
	assert_int_equal(store_changes(fx->s), 2);
	assert_int_equal(step_all(fx->s, "SELECT n FROM t_rows WHERE n < 0"),
	    0);
	assert_int_equal(store_changes(fx->s), 2);
	assert_int_equal(step_all(fx->s,
	    "DELETE FROM t_rows WHERE n > 10 RETURNING n"), 2);
	assert_int_equal(store_changes(fx->s), 2);
	assert_int_equal(store_exec_sql(fx->s,
	    "DELETE FROM t_rows WHERE n = 1"), STORE_OK);
	assert_int_equal(store_changes(fx->s), 1);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(store_changes(fx->s), 1);
}

/* The first column of sql's first row on s as an integer (a row there
 * must be). */
static int64_t
one_int(struct store *s, const char *sql)
{
	struct db_stmt	*st = store_prepare(s, sql);
	int64_t		 v;

	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	v = db_column_int64(st, 0);
	db_finalize(st);
	return v;
}

/* A statement of the store's cache, prepared once on its connection. */
static const char sql_rows_n[] = "SELECT n FROM t_rows";

/*
 * A transaction's BEGIN goes with its first statement on PostgreSQL, one
 * round trip for both (storage/db_pg.c). Begun and ended without a
 * statement, a transaction sends nothing and is open all the same to
 * store_autocommit(); a rollback undoes from the first statement on; a
 * read sees one snapshot from its first statement. On PostgreSQL also: a
 * write lock another instance holds fails the statement that carries the
 * BEGIN as busy, after lock_timeout (55P03); a connection that broke
 * fails it too, and the next transaction connects again.
 */
static void
test_begin_with_first(void **state)
{
	struct fixture	*fx = *state;
	struct store	*b;
	struct db_stmt	*st;
	struct timespec	 tick = { 0, 20 * 1000 * 1000 };
	char		*cause = NULL, sql[96];
	int64_t		 pid;
	int		 rc, i;

	rows_table(fx->s);
	assert_int_equal(store_autocommit(fx->s), 1);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(store_autocommit(fx->s), 0);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(store_autocommit(fx->s), 1);
	assert_int_equal(store_begin_read(fx->s), STORE_OK);
	assert_int_equal(store_autocommit(fx->s), 0);
	store_end_read(fx->s);
	assert_int_equal(store_autocommit(fx->s), 1);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	store_rollback(fx->s);
	assert_int_equal(store_autocommit(fx->s), 1);

	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(step_all(fx->s, "INSERT INTO t_rows (n) VALUES (41)"),
	    0);
	assert_int_equal(store_autocommit(fx->s), 0);
	store_rollback(fx->s);
	assert_int_equal(step_all(fx->s, "SELECT n FROM t_rows"), 0);

	b = store_open(fx->loc, key, 0, &cause);
	if (b == NULL)
		fprintf(stderr, "store_open: %s\n", cause);
	assert_non_null(b);
	assert_int_equal(store_begin_read(fx->s), STORE_OK);
	assert_int_equal(step_all(fx->s, "SELECT n FROM t_rows"), 0);
	assert_int_equal(store_begin(b), STORE_OK);
	assert_int_equal(step_all(b, "INSERT INTO t_rows (n) VALUES (42)"), 0);
	assert_int_equal(store_commit(b), STORE_OK);
	assert_int_equal(step_all(fx->s, "SELECT n FROM t_rows"), 0);
	store_end_read(fx->s);
	assert_int_equal(step_all(fx->s, "SELECT n FROM t_rows"), 1);
	if (!on_pg(fx->s)) {
		store_close(b);
		return;
	}

	assert_int_equal(store_exec_sql(fx->s, "SET lock_timeout = '200ms'"),
	    STORE_OK);
	assert_int_equal(store_begin(b), STORE_OK);
	assert_int_equal(step_all(b, "INSERT INTO t_rows (n) VALUES (43)"), 0);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	st = store_prepare(fx->s, "INSERT INTO t_rows (n) VALUES (44)");
	assert_non_null(st);
	rc = db_step(st);
	db_finalize(st);
	assert_int_equal(rc, DB_BUSY);
	assert_int_equal(store_fail(fx->s, "insert"), STORE_BUSY);
	assert_non_null(strstr(store_errmsg(fx->s), "55P03"));
	store_rollback(fx->s);
	assert_int_equal(store_autocommit(fx->s), 1);
	assert_int_equal(store_commit(b), STORE_OK);
	assert_int_equal(store_begin(fx->s), STORE_OK);
	assert_int_equal(step_all(fx->s, "INSERT INTO t_rows (n) VALUES (44)"),
	    0);
	assert_int_equal(store_commit(fx->s), STORE_OK);
	assert_int_equal(step_all(fx->s, "SELECT n FROM t_rows"), 3);

	/* The cached statement is prepared on the connection, so that the
	 * next step goes straight to the pipeline. */
	st = store_stmt(fx->s, sql_rows_n);
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	db_reset(st);
	pid = one_int(fx->s, "SELECT pg_backend_pid()");
	(void)snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)",
	    (long long)pid);
	assert_int_equal(one_int(b, sql) != 0, 1);
	(void)snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity"
	    " WHERE pid = %lld", (long long)pid);
	for (i = 0; i < 250 && one_int(b, sql) != 0; i++)
		(void)nanosleep(&tick, NULL);
	assert_int_equal(one_int(b, sql), 0);
	assert_int_equal(store_begin_read(fx->s), STORE_OK);
	st = store_stmt(fx->s, sql_rows_n);
	assert_non_null(st);
	rc = db_step(st);
	assert_int_not_equal(rc, DB_ROW);
	assert_int_not_equal(rc, DB_DONE);
	store_rollback(fx->s);
	assert_int_equal(store_begin_read(fx->s), STORE_OK);
	st = store_stmt(fx->s, sql_rows_n);
	assert_non_null(st);
	for (i = 0; (rc = db_step(st)) == DB_ROW; i++)
		;
	assert_int_equal(rc, DB_DONE);
	assert_int_equal(i, 3);
	store_end_read(fx->s);
	assert_int_not_equal(one_int(fx->s, "SELECT pg_backend_pid()"), pid);
	store_close(b);
}

/* A blob column read as text gives its bytes with a NUL after them, on
 * either engine (not PostgreSQL's hex form of a bytea). */
static void
test_blob_text(void **state)
{
	static const unsigned char	 bytes[] = { 0x01, 'a', 0xe4, 0xb8,
					    0xad, 0x7f };
	struct fixture			*fx = *state;
	struct db_stmt			*st;
	const unsigned char		*t;

	rows_table(fx->s);
	st = store_prepare(fx->s, "INSERT INTO t_rows (n, b) VALUES (?1, ?2)");
	assert_non_null(st);
	assert_int_equal(db_bind_int(st, 1, 1), DB_OK);
	assert_int_equal(db_bind_blob(st, 2, bytes, (int)sizeof bytes,
	    DB_STATIC), DB_OK);
	assert_int_equal(db_step(st), DB_DONE);
	db_reset(st);
	assert_int_equal(db_bind_int(st, 1, 2), DB_OK);
	assert_int_equal(db_bind_blob(st, 2, "", 0, DB_STATIC), DB_OK);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);

	st = store_prepare(fx->s, "SELECT b FROM t_rows ORDER BY n");
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_type(st, 0), DB_BLOB);
	t = db_column_text(st, 0);
	assert_non_null(t);
	assert_int_equal(db_column_bytes(st, 0), sizeof bytes);
	assert_memory_equal(t, bytes, sizeof bytes);
	assert_int_equal(t[sizeof bytes], '\0');
	/* The same bytes read as a blob. */
	assert_memory_equal(db_column_blob(st, 0), bytes, sizeof bytes);
	assert_int_equal(db_step(st), DB_ROW);
	t = db_column_text(st, 0);
	assert_non_null(t);
	assert_string_equal((const char *)t, "");
	assert_int_equal(db_column_bytes(st, 0), 0);
	assert_int_equal(db_step(st), DB_DONE);
	db_finalize(st);
}

/* A query both engines prepare and then fail to run: an integer
 * overflow. */
static const char sql_overflow[] =
    "SELECT abs(-9223372036854775807 - 1)";

/*
 * A statement of its own that failed, discarded before the failure is
 * reported, leaves that failure's message: not the refusal of its
 * DEALLOCATE in the transaction the failure aborted.
 */
static void
test_discard_keeps_error(void **state)
{
	struct fixture	*fx = *state;
	struct db_stmt	*st;
	int		 rc;

	assert_int_equal(store_begin(fx->s), STORE_OK);
	st = store_prepare(fx->s, sql_overflow);
	assert_non_null(st);
	rc = db_step(st);
	assert_int_not_equal(rc, DB_ROW);
	assert_int_not_equal(rc, DB_DONE);
	db_finalize(st);
	assert_int_equal(store_fail(fx->s, "overflow"), STORE_ERROR);
	if (on_pg(fx->s))
		/* numeric_value_out_of_range, not in_failed_sql_transaction */
		assert_non_null(strstr(store_errmsg(fx->s), "[22003]"));
	else
		assert_non_null(strstr(store_errmsg(fx->s), "overflow"));
	assert_null(strstr(store_errmsg(fx->s), "25P02"));
	store_rollback(fx->s);
	/* The connection goes on. */
	assert_int_equal(step_all(fx->s, "SELECT 1"), 1);
}

/* store_time() reports a query that failed, rather than "no time". */
static void
test_time_fails(void **state)
{
	struct fixture	*fx = *state;
	time_t		 when = 7;

	assert_int_equal(store_time(fx->s, sql_overflow, &when), STORE_ERROR);
	assert_int_equal(when, 0);
	assert_non_null(strstr(store_errmsg(fx->s), "time"));
	assert_int_equal(store_time(fx->s, "SELECT max(id) FROM areas WHERE"
	    " id < 0", &when), STORE_OK);
	assert_int_equal(when, 0);
	assert_int_equal(store_time(fx->s, "SELECT 1700000000", &when),
	    STORE_OK);
	assert_int_equal(when, 1700000000);
}

/* Runs SQL on FANGFEI_TEST_PG's database as its superuser. */
static void
pg_admin(const char *sql)
{
	PGconn		*c = PQconnectdb(getenv("FANGFEI_TEST_PG"));
	PGresult	*res;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(res));
	assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	PQfinish(c);
}

/*
 * migrate --from-sqlite fails when the target's registry cannot be read
 * back for the search index, rather than committing the copy with an
 * empty index. The failure is made on the server: a row security policy
 * that raises an error for the index's query (ORDER BY id) alone, on a
 * target owned by a role that is no superuser (superusers pass every
 * policy). PostgreSQL only.
 */
static void
test_copy_reindex_fails(void **state)
{
	struct fixture	*fx = *state;
	struct store	*src, *dst;
	char		 file[600], url[1024], sql[1024], role[32], *cause = NULL;
	FILE		*out;
	int		 rc;

	if (!on_pg(fx->s)) {
		skip();
		return;
	}
	(void)snprintf(file, sizeof file, "%s/src.db", fx->dir);
	src = store_open(file, key, STORE_MIGRATE, &cause);
	assert_non_null(src);
	assert_int_equal(teststore_demo(src, IMPORT_AREAS, "areas.csv"), 10);
	assert_int_equal(teststore_demo(src, IMPORT_ENTERPRISES,
	    "enterprises.csv"), 12);
	store_close(src);

	(void)snprintf(role, sizeof role, "copier%ld", (long)getpid());
	(void)snprintf(sql, sizeof sql, "CREATE ROLE %s LOGIN;"
	    " CREATE SCHEMA %s AUTHORIZATION %s", role, role, role);
	pg_admin(sql);
	(void)snprintf(url, sizeof url, "%s&user=%s&options=-csearch_path%%3D%s",
	    getenv("FANGFEI_TEST_PG"), role, role);
	dst = store_open(url, key, STORE_MIGRATE, &cause);
	if (dst == NULL)
		fprintf(stderr, "store_open: %s\n", cause);
	assert_non_null(dst);
	store_close(dst);
	(void)snprintf(sql, sizeof sql,
	    "CREATE FUNCTION %s.refuse() RETURNS boolean LANGUAGE plpgsql"
	    " AS $$BEGIN IF current_query() LIKE '%%ORDER BY id%%' THEN"
	    " RAISE EXCEPTION 'registry unreadable'; END IF; RETURN true;"
	    " END$$;"
	    " ALTER TABLE %s.enterprises ENABLE ROW LEVEL SECURITY;"
	    " ALTER TABLE %s.enterprises FORCE ROW LEVEL SECURITY;"
	    " CREATE POLICY refuse ON %s.enterprises USING (%s.refuse())",
	    role, role, role, role, role);
	pg_admin(sql);

	out = fopen("/dev/null", "w");
	assert_non_null(out);
	rc = copy_from_sqlite(file, url, key, out, &cause);
	fclose(out);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(cause, "search index"));
	assert_non_null(strstr(cause, "registry unreadable"));
	free(cause);
	(void)snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE; DROP ROLE %s",
	    role, role);
	pg_admin(sql);
}

/*
 * migrate --from-sqlite given a URL with a password in place of the file:
 * refused, and neither the command nor the copy prints the password (the
 * target is never reached: the source is refused first).
 */
static void
test_copy_source_shown(void **state)
{
	char		*dir = testutil_tmpdir(), ini[600], keyf[600];
	char		 out[8192];
	const char	*args[] = { "migrate", "--config", ini, "--from-sqlite",
			    "postgresql://u:s3cret@127.0.0.1:1/x?password=q1uery",
			    NULL };
	FILE		*f;
	int		 i;

	(void)state;
	(void)snprintf(keyf, sizeof keyf, "%s/k.key", dir);
	(void)snprintf(ini, sizeof ini, "%s/f.ini", dir);
	assert_non_null(f = fopen(keyf, "w"));
	for (i = 0; i < 64; i++)
		fputc('7', f);
	fputc('\n', f);
	fclose(f);
	assert_int_equal(chmod(keyf, 0600), 0);
	assert_non_null(f = fopen(ini, "w"));
	fprintf(f, "[storage]\nurl = postgresql://127.0.0.1:1/none\n"
	    "key_file = %s\n", keyf);
	fclose(f);
	assert_int_equal(testutil_run(args, out, sizeof out), 1);
	assert_non_null(strstr(out, "postgresql://u@127.0.0.1:1/x"));
	assert_non_null(strstr(out, "SQLite"));
	assert_null(strstr(out, "s3cret"));
	assert_null(strstr(out, "q1uery"));
	testutil_rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_shown),
		cmocka_unit_test_setup_teardown(test_check_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_codes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_code_notices, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_import_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_flags_shared, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_check_brute, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chats_sealed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_contacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blob_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_begin_with_first, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_discard_keeps_error, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_time_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_copy_reindex_fails, setup,
		    teardown),
		cmocka_unit_test(test_copy_source_shown),
		cmocka_unit_test_setup_teardown(test_seal_compat, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("storage", tests, NULL, NULL);
}
