/*
 * Synthetic enterprise registry for make bench.
 *
 *   gen --version
 *   gen ROWS OUTDIR
 *
 * Writes OUTDIR/registry.csv (the header fangfei's importer reads), and the
 * query lists the load generator and bench/lookup rotate through:
 * OUTDIR/uscc.txt (codes in the registry), OUTDIR/frags.txt (2-4 character
 * fragments of names in the registry) and OUTDIR/names.txt (full names).
 *
 * Deterministic: a fixed seed, so a given version and ROWS always give the
 * same registry. Bump GEN_VERSION whenever the output changes, so that
 * bench/run.sh rebuilds its cached database.
 *
 * Codes are valid GB 32100-2015 codes: "91" + a six-digit area code + nine
 * characters from a bijection of the row number (so unique) + the check
 * character. Names are [place] + two brand characters drawn from a skewed
 * pool (bigrams repeat moderately) + an industry + a legal-form suffix,
 * unique by construction.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_VERSION	"4"
#define FLAGGED		200	/* rows put on warning notices */
#define N_USCC_Q	20000	/* codes in uscc.txt */
#define N_FRAG_Q	5000	/* fragments in frags.txt */
#define N_NAME_Q	2000	/* names in names.txt */

static const char charset[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int weights[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25,
    13, 8, 24, 10, 30, 28 };

/* Place prefix of a name, its province/city for the address, area code. */
struct place {
	const char	*prefix;	/* in the name; "" for none */
	const char	*addr;		/* start of the address */
	const char	*code;		/* six-digit administrative code */
	unsigned	 weight;
};

static const struct place places[] = {
	{ "",	  "山东省淄博市张店区",	"370303", 30 },
	{ "",	  "山东省济南市历下区",	"370102", 10 },
	{ "",	  "天津市南开区",	"120104", 6 },
	{ "山东", "山东省济南市市中区",	"370103", 6 },
	{ "淄博", "山东省淄博市张店区",	"370303", 10 },
	{ "淄博", "山东省淄博市临淄区",	"370305", 4 },
	{ "淄博", "山东省淄博市周村区",	"370306", 3 },
	{ "张店", "山东省淄博市张店区",	"370303", 2 },
	{ "济南", "山东省济南市历下区",	"370102", 6 },
	{ "青岛", "山东省青岛市市南区",	"370202", 6 },
	{ "烟台", "山东省烟台市芝罘区",	"370602", 3 },
	{ "潍坊", "山东省潍坊市奎文区",	"370705", 3 },
	{ "临沂", "山东省临沂市兰山区",	"371302", 3 },
	{ "济宁", "山东省济宁市任城区",	"370811", 2 },
	{ "泰安", "山东省泰安市泰山区",	"370902", 2 },
	{ "威海", "山东省威海市环翠区",	"371002", 2 },
	{ "德州", "山东省德州市德城区",	"371402", 2 },
	{ "滨州", "山东省滨州市滨城区",	"371602", 2 },
	{ "东营", "山东省东营市东营区",	"370502", 2 },
	{ "天津", "天津市和平区",	"120101", 4 },
	{ "天津", "天津市滨海新区",	"120116", 3 },
	{ "北京", "北京市朝阳区",	"110105", 2 },
	{ "上海", "上海市浦东新区",	"310115", 2 },
	{ "河北", "河北省石家庄市长安区",	"130102", 1 },
	{ "江苏", "江苏省南京市玄武区",	"320102", 1 },
	{ "广东", "广东省广州市天河区",	"440106", 1 },
};

/* Brand characters, most common first (drawn with weight 1/(rank+20)). */
static const char brand_src[] =
    "鑫源金瑞华泰恒通达兴盛德昌隆宏丰汇福祥安康嘉信诚利佳美新宇天中东海博远"
    "正和合润顺鼎鸿旺荣辉明光阳星晨睿智联创益腾飞凯特元国万亿众广大长永久吉"
    "富贵宝银圣景峰林森泽洋江川山云龙凤鹏豪杰雅优品尚卓越志成立邦晟骏驰耀锦"
    "绣春秋如意惠民悦乐友仁义礼胜捷迅力强坤乾泓浩瀚沣淼焱磊晶翔宸轩恺铭君尊"
    "享誉亨泉裕茂聚拓展航齐鲁沃丽颐硕升建发开诺亚伟业同方舟";

struct industry {
	const char	*word;
	unsigned	 weight;
};

static const struct industry industries[] = {
	{ "科技", 14 }, { "投资管理", 6 }, { "商贸", 12 }, { "贸易", 10 },
	{ "信息技术", 6 }, { "财富管理", 3 }, { "建材", 5 }, { "餐饮管理", 4 },
	{ "文化传媒", 5 }, { "网络科技", 6 }, { "电子商务", 5 }, { "物流", 5 },
	{ "建筑工程", 5 }, { "农业科技", 3 }, { "生物科技", 2 },
	{ "医疗器械", 2 }, { "教育咨询", 3 }, { "企业管理咨询", 4 },
	{ "资产管理", 3 }, { "融资租赁", 1 }, { "供应链管理", 2 },
	{ "房地产开发", 2 }, { "物业管理", 2 }, { "装饰工程", 4 },
	{ "化工", 3 }, { "机械设备", 4 }, { "汽车销售", 2 }, { "广告", 3 },
	{ "健康管理", 3 }, { "酒店管理", 1 }, { "旅游开发", 1 },
	{ "环保科技", 2 }, { "新能源", 2 }, { "电气", 2 }, { "食品", 3 },
	{ "服装", 2 }, { "家具", 2 }, { "印刷", 1 }, { "人力资源", 2 },
	{ "金融信息服务", 1 }, { "投资咨询", 2 }, { "实业", 4 },
	{ "陶瓷", 2 }, { "养老服务", 1 }, { "互联网科技", 1 },
};

static const struct {
	const char	*word;
	unsigned	 weight;
} suffixes[] = {
	{ "有限公司", 75 }, { "有限责任公司", 20 }, { "股份有限公司", 5 },
};

/* Brand pairs that are place names fangfei strips from queries (泰安,
 * 长春...): left out, so that a brand fragment is searched as typed. */
static const char *const place_pairs[] = { "泰安", "长春", "银川", "东丽",
    "博山", "吉林", "山东", "福建", "广东", "贵阳", "安康", "吉安", "泰州",
    "福州", "永川", "通化", "昌平", NULL };

static const char *const roads[] = { "人民", "中心", "华光", "共青团",
    "柳泉", "金晶", "西六", "北京", "和平", "解放", "建设", "新华", "文化",
    "胜利", "光明", "幸福", "昌国", "联通", "鲁泰", "经十" };

static const char *const measures[] = { "admonished", "warned", "penalty",
    "criminal", "deregistered", "shut" };

/* The brand characters, split out of brand_src with duplicates removed. */
static char	 brands[256][5];
static size_t	 nbrands;
static double	 brand_cdf[256];

static uint64_t	 rng_state = 0x66616e6766656931ULL;	/* "fangfei1" */

/* splitmix64 */
static uint64_t
rnd(void)
{
	uint64_t	 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
rnd_unit(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static unsigned
rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* Index drawn by weight from an array of n weights (stride apart). */
static size_t
pick_weighted(const unsigned *w, size_t n, size_t stride, unsigned total)
{
	unsigned	 r = rnd_below(total);
	size_t		 i;

	for (i = 0; i < n; i++) {
		unsigned wi = *(const unsigned *)(const void *)
		    ((const char *)w + i * stride);
		if (r < wi)
			return i;
		r -= wi;
	}
	return n - 1;
}

static size_t
pick_brand(void)
{
	double	 u = rnd_unit();
	size_t	 lo = 0, hi = nbrands - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (brand_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
brands_init(void)
{
	const unsigned char	*p = (const unsigned char *)brand_src;
	double			 sum = 0, acc = 0;
	size_t			 i, n;

	while (*p != '\0') {
		n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
		for (i = 0; i < nbrands; i++)
			if (strlen(brands[i]) == n &&
			    memcmp(brands[i], p, n) == 0)
				break;
		if (i == nbrands && nbrands < 256) {
			memcpy(brands[nbrands], p, n);
			brands[nbrands][n] = '\0';
			nbrands++;
		}
		p += n;
	}
	for (i = 0; i < nbrands; i++)
		sum += 1.0 / (double)(i + 20);
	for (i = 0; i < nbrands; i++) {
		acc += 1.0 / (double)(i + 20) / sum;
		brand_cdf[i] = acc;
	}
	brand_cdf[nbrands - 1] = 1.0;
}

static int
place_pair(size_t a, size_t b)
{
	char			 pair[16];
	const char *const	*p;

	(void)snprintf(pair, sizeof pair, "%s%s", brands[a], brands[b]);
	for (p = place_pairs; *p != NULL; p++)
		if (strcmp(pair, *p) == 0)
			return 1;
	return 0;
}

/* Fills code[0..17] from a 17-character body. */
static void
uscc_finish(char code[19])
{
	int	 sum = 0, i, c;

	for (i = 0; i < 17; i++)
		sum += (int)(strchr(charset, code[i]) - charset) * weights[i];
	c = 31 - sum % 31;
	code[17] = charset[c == 31 ? 0 : c];
	code[18] = '\0';
}

#define POW31_9	26439622160671ULL	/* 31^9 */

/* The code of row i: unique because i -> i*A+B mod 31^9 is a bijection. */
static void
uscc_make(uint64_t i, const char *area, char code[19])
{
	uint64_t	 x;
	int		 k;

	/* A is not a multiple of 31; the product stays below 2^64. */
	x = (i * 1000003ULL + 7777777ULL) % POW31_9;
	x = (x * 193939ULL) % POW31_9;
	code[0] = '9';
	code[1] = '1';
	memcpy(code + 2, area, 6);
	for (k = 16; k >= 8; k--) {
		code[k] = charset[x % 31];
		x /= 31;
	}
	uscc_finish(code);
}

/* Open-addressing set of name combinations, for unique names. */
static uint64_t	*seen;
static size_t	 seen_mask;

static int
seen_add(uint64_t key)
{
	size_t	 h;

	key += 1;	/* 0 marks an empty slot */
	h = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & seen_mask;
	while (seen[h] != 0) {
		if (seen[h] == key)
			return 0;
		h = (h + 1) & seen_mask;
	}
	seen[h] = key;
	return 1;
}

/* Copies the first n UTF-8 characters of s to out. */
static void
utf8_prefix(const char *s, size_t n, char *out, size_t outsz)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 len;

	while (*p != '\0' && n > 0) {
		p++;
		while ((*p & 0xc0) == 0x80)
			p++;
		n--;
	}
	len = (size_t)((const char *)p - s);
	if (len >= outsz)
		len = outsz - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

static FILE *
open_out(const char *dir, const char *name)
{
	char	 path[4096];
	FILE	*f;

	(void)snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return f;
}

struct row {
	uint16_t	 place, b1, b2, ind;
	uint8_t		 sfx;
};

int
main(int argc, char **argv)
{
	FILE		*csv, *fu, *ff, *fn;
	struct row	*rows;
	unsigned char	*flag;
	unsigned	 pw = 0, iw = 0, sw = 0;
	size_t		 n, i, j, nflag = 0, step;
	char		*end;
	static char	 iobuf[1 << 20];

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("%s\n", GEN_VERSION);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: gen --version | gen ROWS OUTDIR\n");
		return 2;
	}
	errno = 0;
	n = strtoul(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || n < 1000 || n > 50000000) {
		fprintf(stderr, "gen: ROWS must be 1000..50000000\n");
		return 2;
	}
	brands_init();
	for (i = 0; i < sizeof places / sizeof places[0]; i++)
		pw += places[i].weight;
	for (i = 0; i < sizeof industries / sizeof industries[0]; i++)
		iw += industries[i].weight;
	for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
		sw += suffixes[i].weight;

	for (seen_mask = 1; seen_mask < n * 4; seen_mask <<= 1)
		;
	if ((seen = calloc(seen_mask, sizeof *seen)) == NULL ||
	    (rows = calloc(n, sizeof *rows)) == NULL ||
	    (flag = calloc(n, 1)) == NULL) {
		perror("gen");
		return 1;
	}
	seen_mask--;

	/* Names: redraw a combination already taken. */
	for (i = 0; i < n; i++) {
		struct row	*r = &rows[i];
		uint64_t	 key;

		do {
			r->place = (uint16_t)pick_weighted(&places[0].weight,
			    sizeof places / sizeof places[0], sizeof places[0],
			    pw);
			r->b1 = (uint16_t)pick_brand();
			do
				r->b2 = (uint16_t)pick_brand();
			while (r->b2 == r->b1 || place_pair(r->b1, r->b2));
			r->ind = (uint16_t)pick_weighted(&industries[0].weight,
			    sizeof industries / sizeof industries[0],
			    sizeof industries[0], iw);
			r->sfx = (uint8_t)pick_weighted(&suffixes[0].weight,
			    sizeof suffixes / sizeof suffixes[0],
			    sizeof suffixes[0], sw);
			/* The place prefix text, not its row, makes the name. */
			for (j = 0; j < r->place; j++)
				if (strcmp(places[j].prefix,
				    places[r->place].prefix) == 0)
					break;
			key = ((((uint64_t)j * 256 + r->b1) * 256 + r->b2) *
			    64 + r->ind) * 4 + r->sfx;
		} while (!seen_add(key));
	}

	/* Flagged rows: spread over the registry, FLAGGED of them at most. */
	while (nflag < FLAGGED && nflag < n / 100) {
		i = (size_t)(rnd() % n);
		if (!flag[i]) {
			flag[i] = 1;
			nflag++;
		}
	}

	csv = open_out(argv[2], "registry.csv");
	setvbuf(csv, iobuf, _IOFBF, sizeof iobuf);
	fputs("uscc,name,address,area,risk_level,notice_issue,notice_date,"
	    "measure\n", csv);
	for (i = 0, j = 0; i < n; i++) {
		const struct row	*r = &rows[i];
		const struct place	*pl = &places[r->place];
		char			 code[19];
		static const char *const risk[] = { "", "", "", "", "", "",
		    "none", "low" };

		uscc_make(i, pl->code, code);
		fprintf(csv, "%s,%s%s%s%s%s,%s%s路%u号,,", code, pl->prefix,
		    brands[r->b1], brands[r->b2], industries[r->ind].word,
		    suffixes[r->sfx].word, pl->addr,
		    roads[(i * 7) % (sizeof roads / sizeof roads[0])],
		    (unsigned)(1 + (i * 37) % 299));
		if (flag[i]) {
			int issue = (int)(j % 5) + 1;
			fprintf(csv, "%s,%d,2026-%02d-15,%s\n",
			    j % 3 == 0 ? "medium" : "high", issue, issue,
			    measures[j % (sizeof measures /
			    sizeof measures[0])]);
			j++;
		} else
			fprintf(csv, "%s,,,\n", risk[i % 8]);
	}
	if (fclose(csv) != 0) {
		perror("gen: registry.csv");
		return 1;
	}

	/* Query lists: rows spread over the registry, in a shuffled order. */
	fu = open_out(argv[2], "uscc.txt");
	ff = open_out(argv[2], "frags.txt");
	fn = open_out(argv[2], "names.txt");
	step = n / N_USCC_Q > 0 ? n / N_USCC_Q : 1;
	for (i = 0; i < N_USCC_Q && i < n; i++) {
		char	 code[19];
		size_t	 k = (i * step + rnd_below((unsigned)step)) % n;

		uscc_make(k, places[rows[k].place].code, code);
		fprintf(fu, "%s\n", code);
	}
	for (i = 0; i < N_FRAG_Q; i++) {
		const struct row	*r = &rows[rnd() % n];
		const char		*ind = industries[r->ind].word;
		char			 head[32];

		switch (rnd_below(10)) {
		case 0: case 1:		/* brand bigram: 鑫源 */
			fprintf(ff, "%s%s\n", brands[r->b1], brands[r->b2]);
			break;
		case 2: case 3: case 4: case 5:	/* + first character: 鑫源财 */
			utf8_prefix(ind, 1, head, sizeof head);
			fprintf(ff, "%s%s%s\n", brands[r->b1], brands[r->b2],
			    head);
			break;
		case 6: case 7: case 8:	/* + two characters: 华泰商贸 */
			utf8_prefix(ind, 2, head, sizeof head);
			fprintf(ff, "%s%s%s\n", brands[r->b1], brands[r->b2],
			    head);
			break;
		default:		/* second brand char + 2: 泰商贸 */
			utf8_prefix(ind, 2, head, sizeof head);
			fprintf(ff, "%s%s\n", brands[r->b2], head);
			break;
		}
	}
	for (i = 0; i < N_NAME_Q; i++) {
		const struct row	*r = &rows[rnd() % n];

		fprintf(fn, "%s%s%s%s%s\n", places[r->place].prefix,
		    brands[r->b1], brands[r->b2], industries[r->ind].word,
		    suffixes[r->sfx].word);
	}
	if (fclose(fu) != 0 || fclose(ff) != 0 || fclose(fn) != 0) {
		perror("gen");
		return 1;
	}
	fprintf(stderr, "gen: %zu rows (%zu brand characters, %zu flagged) "
	    "in %s\n", n, nbrands, nflag, argv[2]);
	return 0;
}
