/*
 * The metrics: static arrays of atomic counters, one table of the
 * families that renders them, and the few figures a scrape reads from the
 * store and the process. Label values need no escaping: channel names are
 * letters, digits, - and _ (bot/config.c), backend types and handler names
 * are constants, and an error code is kept only when it is such a token.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handlers/handlers.h"
#include "metrics.h"
#include "storage/checkpoint.h"
#include "storage/outbox.h"
#include "storage/store.h"
#include "storage/tips.h"
#include "try.h"
#include "web.h"

#define METRICS_BUCKETS		14	/* bounds of a histogram, +Inf aside */
#define METRICS_COMMANDS_MAX	48	/* handler_table's entries, at most */
#define METRICS_PLATFORMS_MAX	32	/* backend types */
#define METRICS_CODES_MAX	32	/* error codes per platform */
#define METRICS_CODE_LEN	32
#define METRICS_CHANNEL_SLOTS	(CONFIG_CHANNELS_MAX + 1)

/* A histogram: per-bucket (not cumulative) counts, the last for +Inf,
 * and the sum in nanoseconds. */
struct histo {
	_Atomic uint64_t	 bucket[METRICS_BUCKETS + 1];
	_Atomic uint64_t	 sum_ns;
};

/* An error code of a platform: claimed once (state 0 → 1 → 2), then only
 * counted; a reader uses the code only once state is 2. */
struct code_slot {
	atomic_int		 state;
	char			 code[METRICS_CODE_LEN + 1];
	_Atomic uint64_t	 n;
};

/* Bounds in nanoseconds: a webhook's answer (a platform waits some
 * seconds), and a send to a platform (up to the send timeout). */
static const int64_t http_bounds[METRICS_BUCKETS] = {
	250000, 500000, 1000000, 2500000, 5000000, 10000000, 25000000,
	50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000,
	5000000000
};
static const int64_t send_bounds[METRICS_BUCKETS] = {
	5000000, 10000000, 25000000, 50000000, 100000000, 250000000,
	500000000, 1000000000, 2500000000, 5000000000, 10000000000,
	20000000000, 40000000000, 60000000000
};

static const char *const route_names[METRICS_ROUTES] = {
	"hook", "api", "admin", "assets", "try", "letters", "healthz",
	"metrics", "other"
};

static struct histo	 http_hist[METRICS_ROUTES][METRICS_CHANNEL_SLOTS];
static _Atomic uint64_t	 http_resp[METRICS_ROUTES][5];	/* 1xx … 5xx */
static _Atomic uint64_t	 messages[METRICS_CHANNEL_SLOTS];
static _Atomic uint64_t	 commands[METRICS_CHANNEL_SLOTS]
			    [METRICS_COMMANDS_MAX + 1];	/* last: "-" */
static _Atomic uint64_t	 retries_answered;
static _Atomic uint64_t	 reports[2];			/* taken, forged */
static struct histo	 send_hist[METRICS_PLATFORMS_MAX];
static struct code_slot	 send_codes[METRICS_PLATFORMS_MAX]
			    [METRICS_CODES_MAX];
static _Atomic uint64_t	 send_other[METRICS_PLATFORMS_MAX];
static _Atomic uint64_t	 reminders[4];	/* sent, held, skipped, failed */
static _Atomic int64_t	 started_at;
/* The last reload: applied (1) or refused (0), and when the config last
 * loaded (the start, or a reload applied). */
static atomic_int	 reload_ok = 1;
static _Atomic int64_t	 loaded_at;

/* Adds n to a counter; relaxed: nobody orders other memory by it. */
static void
metrics_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t
metrics_get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Counts one observation of ns into h. */
static void
histo_observe(struct histo *h, const int64_t *bounds, int64_t ns)
{
	size_t	 i;

	if (ns < 0)
		ns = 0;
	for (i = 0; i < METRICS_BUCKETS && ns > bounds[i]; i++)
		;
	metrics_add(&h->bucket[i], 1);
	metrics_add(&h->sum_ns, (uint64_t)ns);
}

enum metrics_route
metrics_route(const char *url)
{
	if (strncmp(url, "/hook/", 6) == 0)
		return METRICS_ROUTE_HOOK;
	if (strncmp(url, "/api/v1/", 8) == 0)
		return METRICS_ROUTE_API;
	if (strcmp(url, "/admin") == 0 || strncmp(url, "/admin/", 7) == 0)
		return METRICS_ROUTE_ADMIN;
	if (strncmp(url, "/assets/", 8) == 0)
		return METRICS_ROUTE_ASSETS;
	if (try_route(url))
		return METRICS_ROUTE_TRY;
	if (web_route(url))
		return METRICS_ROUTE_LETTERS;
	if (strcmp(url, "/healthz") == 0)
		return METRICS_ROUTE_HEALTHZ;
	if (strcmp(url, "/metrics") == 0)
		return METRICS_ROUTE_METRICS;
	return METRICS_ROUTE_OTHER;
}

/*
 * The channels' label values, by slot: a name keeps its slot for the
 * process's life, so that a reload (bot/reload.c) that adds, removes or
 * reorders channels never counts one channel's requests under another's
 * name. A slot is written once, under the lock, before nslots counts it.
 */
static char		 slot_names[CONFIG_CHANNELS_MAX][64];
static atomic_int	 nslots;
static pthread_mutex_t	 slot_lock = PTHREAD_MUTEX_INITIALIZER;

int
metrics_channel(const struct channel *ch)
{
	int	 i, n;

	if (ch == NULL || ch->name == NULL)
		return METRICS_NO_CHANNEL;
	n = atomic_load(&nslots);
	for (i = 0; i < n; i++)
		if (strcmp(slot_names[i], ch->name) == 0)
			return i;
	pthread_mutex_lock(&slot_lock);
	n = atomic_load(&nslots);
	for (i = 0; i < n; i++)
		if (strcmp(slot_names[i], ch->name) == 0)
			break;
	if (i == n && n < CONFIG_CHANNELS_MAX &&
	    strlen(ch->name) < sizeof slot_names[0]) {
		memcpy(slot_names[n], ch->name, strlen(ch->name) + 1);
		atomic_store(&nslots, n + 1);
	} else if (i == n)
		i = METRICS_NO_CHANNEL;	/* more names than slots: unnamed */
	pthread_mutex_unlock(&slot_lock);
	return i;
}

/* A channel position as an index of the arrays. */
static int
metrics_slot(int channel)
{
	return channel >= 0 && channel < CONFIG_CHANNELS_MAX ? channel :
	    METRICS_NO_CHANNEL;
}

void
metrics_http(enum metrics_route route, int channel, int status, int64_t ns)
{
	if ((unsigned)route >= METRICS_ROUTES)
		route = METRICS_ROUTE_OTHER;
	histo_observe(&http_hist[route][metrics_slot(channel)], http_bounds,
	    ns);
	if (status >= 100 && status <= 599)
		metrics_add(&http_resp[route][status / 100 - 1], 1);
}

void
metrics_message(int channel)
{
	metrics_add(&messages[metrics_slot(channel)], 1);
}

void
metrics_command(int channel, const char *name)
{
	size_t	 i;

	/* name is the handler's own pointer: compared by address first. */
	for (i = 0; i < METRICS_COMMANDS_MAX && handler_table[i] != NULL; i++)
		if (handler_table[i]->name == name ||
		    (name != NULL && strcmp(handler_table[i]->name, name) == 0))
			break;
	if (i == METRICS_COMMANDS_MAX || handler_table[i] == NULL)
		i = METRICS_COMMANDS_MAX;
	metrics_add(&commands[metrics_slot(channel)][i], 1);
}

void
metrics_retry_answered(void)
{
	metrics_add(&retries_answered, 1);
}

void
metrics_report(int forged)
{
	metrics_add(&reports[forged ? 1 : 0], 1);
}

/* The type of platform i: the inbound backends, then the robots; NULL
 * past the last. */
static const struct channel_backend *
metrics_platform(size_t i)
{
	size_t	 n;

	for (n = 0; channel_backends[n] != NULL; n++)
		if (n == i)
			return channel_backends[n];
	i -= n;
	for (n = 0; robot_backends[n] != NULL; n++)
		if (n == i)
			return robot_backends[n];
	return NULL;
}

/* The index of backend b (METRICS_PLATFORMS_MAX when unknown). */
static size_t
metrics_platform_index(const struct channel_backend *b)
{
	const struct channel_backend	*p;
	size_t				 i;

	for (i = 0; i < METRICS_PLATFORMS_MAX &&
	    (p = metrics_platform(i)) != NULL; i++)
		if (p == b || strcmp(p->type, b->type) == 0)
			return i;
	return METRICS_PLATFORMS_MAX;
}

/* A token fit for a label: 1 to 32 letters, digits, - or _. */
static int
metrics_token(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > METRICS_CODE_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

/*
 * The send_result texts are "<platform> <key> <code>: <message>",
 * "<platform> <code>: …", "<platform>: http <status>", "<platform>: no
 * answer" or a transport error: the code is the last of the two or three
 * words before the first colon, else the HTTP status stands for it.
 */
void
metrics_error_code(long status, const char *err, char *out, size_t size)
{
	const char	*colon, *word, *p;
	int		 spaces = 0;

	colon = err != NULL ? strchr(err, ':') : NULL;
	for (p = err; colon != NULL && p < colon; p++)
		spaces += *p == ' ';
	if (spaces > 0) {
		for (word = colon; word > err && word[-1] != ' '; word--)
			;
		/* At most "<platform> <key> <code>": else it is prose. */
		if (spaces <= 2 && metrics_token(word, (size_t)(colon - word))) {
			(void)snprintf(out, size, "%.*s", (int)(colon - word),
			    word);
			return;
		}
		(void)snprintf(out, size, "other");
		return;
	}
	if (status == 0)
		(void)snprintf(out, size, "no_answer");
	else if (status > 0 && status < 1000)
		(void)snprintf(out, size, "http_%ld", status);
	else
		(void)snprintf(out, size, "other");
}

/* Counts a failure of platform p under code, claiming a slot for a code
 * not seen before; past METRICS_CODES_MAX codes it counts as "other". */
static void
metrics_code_count(size_t p, const char *code)
{
	struct code_slot	*sl;
	size_t			 i;
	int			 state;

	if (strcmp(code, "other") == 0)
		goto other;
	for (i = 0; i < METRICS_CODES_MAX; i++) {
		sl = &send_codes[p][i];
		state = atomic_load_explicit(&sl->state, memory_order_acquire);
		if (state == 0 && atomic_compare_exchange_strong(&sl->state,
		    &state, 1)) {
			(void)snprintf(sl->code, sizeof sl->code, "%s", code);
			atomic_store_explicit(&sl->state, 2,
			    memory_order_release);
			state = 2;
		}
		if (state == 2 && strcmp(sl->code, code) == 0) {
			metrics_add(&sl->n, 1);
			return;
		}
	}
other:
	metrics_add(&send_other[p], 1);
}

void
metrics_delivery(const struct channel_backend *b, int64_t ns, int ok,
    long status, const char *err)
{
	char	 code[METRICS_CODE_LEN + 1];
	size_t	 p;

	if (b == NULL || (p = metrics_platform_index(b)) ==
	    METRICS_PLATFORMS_MAX)
		return;
	histo_observe(&send_hist[p], send_bounds, ns);
	if (ok)
		return;
	metrics_error_code(status, err, code, sizeof code);
	metrics_code_count(p, code);
}

void
metrics_reminders(long sent, long held, long skipped, long failed)
{
	metrics_add(&reminders[0], (uint64_t)(sent > 0 ? sent : 0));
	metrics_add(&reminders[1], (uint64_t)(held > 0 ? held : 0));
	metrics_add(&reminders[2], (uint64_t)(skipped > 0 ? skipped : 0));
	metrics_add(&reminders[3], (uint64_t)(failed > 0 ? failed : 0));
}

void
metrics_start(void)
{
	atomic_store(&started_at, (int64_t)time(NULL));
	atomic_store(&loaded_at, atomic_load(&started_at));
}

void
metrics_reload(int applied)
{
	atomic_store(&reload_ok, applied != 0);
	if (applied)
		atomic_store(&loaded_at, (int64_t)time(NULL));
}

/* ---- rendering ---- */

void
metrics_head(struct buf *b, const char *name, const char *type,
    const char *help)
{
	(void)buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

void
metrics_line(struct buf *b, const char *name, const char *labels,
    double v)
{
	/* Whole numbers in full (a counter past 10^9 keeps its digits). */
	if (v == (double)(int64_t)v && v < 9007199254740992.0 &&
	    v > -9007199254740992.0)
		(void)buf_addf(b, "%s%s%s%s %lld\n", name, labels && *labels ?
		    "{" : "", labels ? labels : "", labels && *labels ? "}" :
		    "", (long long)v);
	else
		(void)buf_addf(b, "%s%s%s%s %.9g\n", name, labels && *labels ?
		    "{" : "", labels ? labels : "", labels && *labels ? "}" :
		    "", v);
}

/* The series of one histogram under labels (which must not be empty);
 * nothing when it has no observation. The buckets are summed in one
 * pass, so each is at least the one before and +Inf is the count. */
static void
histo_render(struct buf *b, const char *name, const char *labels,
    struct histo *h, const int64_t *bounds)
{
	uint64_t	 c[METRICS_BUCKETS + 1], total = 0;
	char		 n[128], l[256];
	size_t		 i;

	for (i = 0; i <= METRICS_BUCKETS; i++)
		total += c[i] = metrics_get(&h->bucket[i]);
	if (total == 0)
		return;
	(void)snprintf(n, sizeof n, "%s_bucket", name);
	total = 0;
	for (i = 0; i <= METRICS_BUCKETS; i++) {
		total += c[i];
		if (i < METRICS_BUCKETS)
			(void)snprintf(l, sizeof l, "%s,le=\"%g\"", labels,
			    (double)bounds[i] / 1e9);
		else
			(void)snprintf(l, sizeof l, "%s,le=\"+Inf\"", labels);
		metrics_line(b, n, l, (double)total);
	}
	(void)snprintf(n, sizeof n, "%s_sum", name);
	metrics_line(b, n, labels, (double)metrics_get(&h->sum_ns) / 1e9);
	(void)snprintf(n, sizeof n, "%s_count", name);
	metrics_line(b, n, labels, (double)total);
}

/* A channel slot's label value. */
static const char *
metrics_channel_name(size_t i)
{
	return i < (size_t)atomic_load(&nslots) ? slot_names[i] : "-";
}

/* Whether slot i is rendered: a named one, or the one of no channel. */
static int
metrics_channel_shown(size_t i)
{
	return i < (size_t)atomic_load(&nslots) || i == METRICS_NO_CHANNEL;
}

struct metrics_family;
typedef void metrics_render_fn(struct buf *, const struct metrics_family *,
    const struct metrics_scrape *);

/* One family: its name, type, help and labels, and what renders it. */
struct metrics_family {
	const char		*name;
	const char		*type;
	const char		*help;
	const char		*labels;	/* the label names, comma-separated */
	metrics_render_fn	*render;
};

static void
render_http(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	char	 l[160];
	size_t	 r, i;

	(void)sc;
	for (r = 0; r < METRICS_ROUTES; r++)
		for (i = 0; i < METRICS_CHANNEL_SLOTS; i++) {
			if (!metrics_channel_shown(i))
				continue;
			(void)snprintf(l, sizeof l, "route=\"%s\",channel=\"%s\"",
			    route_names[r], metrics_channel_name(i));
			histo_render(b, f->name, l, &http_hist[r][i],
			    http_bounds);
		}
}

static void
render_responses(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	char		 l[96];
	uint64_t	 n;
	size_t		 r, k;

	(void)sc;
	for (r = 0; r < METRICS_ROUTES; r++)
		for (k = 0; k < 5; k++) {
			if ((n = metrics_get(&http_resp[r][k])) == 0)
				continue;
			(void)snprintf(l, sizeof l, "route=\"%s\",code=\"%zuxx\"",
			    route_names[r], k + 1);
			metrics_line(b, f->name, l, (double)n);
		}
}

static void
render_messages(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	char	 l[96];
	size_t	 i;

	(void)sc;
	for (i = 0; i < (size_t)atomic_load(&nslots); i++) {
		(void)snprintf(l, sizeof l, "channel=\"%s\"",
		    slot_names[i]);
		metrics_line(b, f->name, l, (double)metrics_get(&messages[i]));
	}
}

static void
render_commands(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	char		 l[160];
	uint64_t	 n;
	size_t		 i, k;

	(void)sc;
	for (i = 0; i < METRICS_CHANNEL_SLOTS; i++) {
		if (!metrics_channel_shown(i))
			continue;
		for (k = 0; k <= METRICS_COMMANDS_MAX; k++) {
			if ((n = metrics_get(&commands[i][k])) == 0)
				continue;
			(void)snprintf(l, sizeof l, "channel=\"%s\","
			    "command=\"%s\"", metrics_channel_name(i),
			    k < METRICS_COMMANDS_MAX ? handler_table[k]->name :
			    "-");
			metrics_line(b, f->name, l, (double)n);
		}
	}
}

static void
render_retries(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	(void)sc;
	metrics_line(b, f->name, NULL, (double)metrics_get(&retries_answered));
}

static void
render_reports(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	(void)sc;
	metrics_line(b, f->name, "result=\"taken\"",
	    (double)metrics_get(&reports[0]));
	metrics_line(b, f->name, "result=\"forged\"",
	    (double)metrics_get(&reports[1]));
}

static void
render_send(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	const struct channel_backend	*p;
	char				 l[96];
	size_t				 i;

	(void)sc;
	for (i = 0; i < METRICS_PLATFORMS_MAX &&
	    (p = metrics_platform(i)) != NULL; i++) {
		(void)snprintf(l, sizeof l, "platform=\"%s\"", p->type);
		histo_render(b, f->name, l, &send_hist[i], send_bounds);
	}
}

static void
render_send_failures(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	const struct channel_backend	*p;
	struct code_slot		*sl;
	char				 l[128];
	size_t				 i, k;

	(void)sc;
	for (i = 0; i < METRICS_PLATFORMS_MAX &&
	    (p = metrics_platform(i)) != NULL; i++) {
		for (k = 0; k < METRICS_CODES_MAX; k++) {
			sl = &send_codes[i][k];
			if (atomic_load_explicit(&sl->state,
			    memory_order_acquire) != 2)
				continue;
			(void)snprintf(l, sizeof l, "platform=\"%s\","
			    "code=\"%s\"", p->type, sl->code);
			metrics_line(b, f->name, l, (double)metrics_get(&sl->n));
		}
		if (metrics_get(&send_other[i]) > 0) {
			(void)snprintf(l, sizeof l, "platform=\"%s\","
			    "code=\"other\"", p->type);
			metrics_line(b, f->name, l,
			    (double)metrics_get(&send_other[i]));
		}
	}
}

static void
render_outbox(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	struct outbox_stats	 os;
	char			 l[64];
	size_t			 i;

	if (sc->store == NULL || outbox_stats(sc->store, &os) != STORE_OK)
		return;
	for (i = 0; i < OUTBOX_STATES; i++) {
		(void)snprintf(l, sizeof l, "state=\"%s\"",
		    outbox_state_names[i]);
		metrics_line(b, f->name, l, (double)os.rows[i]);
	}
}

static void
render_outbox_age(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	time_t	 oldest;

	if (sc->store == NULL || outbox_oldest_waiting(sc->store, &oldest) !=
	    STORE_OK)
		return;
	metrics_line(b, f->name, NULL, oldest == 0 || oldest > sc->now ? 0 :
	    (double)(sc->now - oldest));
}

/* tips_count_states()'s callback: one line per state. */
struct tips_line {
	struct buf		*b;
	const char		*name;
};

static void
render_tip_state(void *arg, const char *state, long n)
{
	struct tips_line	*t = arg;
	char			 l[96];

	if (!metrics_token(state, strlen(state)))
		return;
	(void)snprintf(l, sizeof l, "state=\"%s\"", state);
	metrics_line(t->b, t->name, l, (double)n);
}

static void
render_tips(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	struct tips_line	 t = { b, f->name };

	if (sc->store != NULL)
		(void)tips_count_states(sc->store, render_tip_state, &t);
}

static void
render_reminders(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	static const char *const results[4] = { "sent", "held", "skipped",
	    "failed" };
	char	 l[48];
	size_t	 i;

	(void)sc;
	for (i = 0; i < 4; i++) {
		(void)snprintf(l, sizeof l, "result=\"%s\"", results[i]);
		metrics_line(b, f->name, l, (double)metrics_get(&reminders[i]));
	}
}

static void
render_busy(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	(void)sc;
	metrics_line(b, f->name, NULL, (double)store_busy_waits());
}

/* The checkpointer's families (storage/checkpoint.h), one reading each. */
static void
render_checkpoint(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	struct checkpoint_stats	 st;

	(void)sc;
	checkpoint_stats(&st);
	if (strcmp(f->name, "fangfei_sqlite_checkpoints_total") == 0) {
		metrics_line(b, f->name, "by=\"thread\"", (double)st.thread);
		metrics_line(b, f->name, "by=\"commit\"", (double)st.inline_);
	} else if (strcmp(f->name, "fangfei_sqlite_checkpoint_failures_total")
	    == 0)
		metrics_line(b, f->name, NULL, (double)st.failed);
	else if (strcmp(f->name, "fangfei_sqlite_checkpoint_seconds_total") ==
	    0)
		metrics_line(b, f->name, NULL, st.seconds);
	else
		metrics_line(b, f->name, NULL, (double)st.log_pages);
}

static void
render_start(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	(void)sc;
	metrics_line(b, f->name, NULL, (double)atomic_load(&started_at));
}

static void
render_reload(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	(void)sc;
	if (strcmp(f->name, "fangfei_config_last_reload_successful") == 0)
		metrics_line(b, f->name, NULL, (double)atomic_load(&reload_ok));
	else
		metrics_line(b, f->name, NULL, (double)atomic_load(&loaded_at));
}

/* The resident set from /proc/self/statm (its second field, in pages). */
static void
render_rss(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	FILE		*fp;
	unsigned long	 size, rss;
	long		 page = sysconf(_SC_PAGESIZE);
	int		 n;

	(void)sc;
	if ((fp = fopen("/proc/self/statm", "r")) == NULL)
		return;
	n = fscanf(fp, "%lu %lu", &size, &rss);
	fclose(fp);
	if (n == 2 && page > 0)
		metrics_line(b, f->name, NULL, (double)rss * (double)page);
}

static void
render_connections(struct buf *b, const struct metrics_family *f,
    const struct metrics_scrape *sc)
{
	metrics_line(b, f->name, NULL, (double)sc->connections);
}

static const struct metrics_family metrics_families[] = {
	{ "fangfei_http_request_duration_seconds", "histogram",
	    "Time from a request's headers to the end of its answer.",
	    "route,channel", render_http },
	{ "fangfei_http_responses_total", "counter",
	    "Answers by route and status class.", "route,code",
	    render_responses },
	{ "fangfei_messages_received_total", "counter",
	    "Messages taken from a channel (webhooks and long connections).",
	    "channel", render_messages },
	{ "fangfei_commands_total", "counter",
	    "Messages handled (not ignored), by command; - for none.",
	    "channel,command", render_commands },
	{ "fangfei_retries_answered_total", "counter",
	    "Retried messages answered from their record, not run again.",
	    "", render_retries },
	{ "fangfei_delivery_reports_total", "counter",
	    "Delivery reports of SMS gateways: taken, or forged and refused.",
	    "result", render_reports },
	{ "fangfei_delivery_duration_seconds", "histogram",
	    "Time of one send to a platform, from launch to its answer.",
	    "platform", render_send },
	{ "fangfei_delivery_failures_total", "counter",
	    "Sends that failed or will be retried, by the platform's code.",
	    "platform,code", render_send_failures },
	{ "fangfei_outbox_rows", "gauge", "Outbox rows by state.", "state",
	    render_outbox },
	{ "fangfei_outbox_oldest_waiting_age_seconds", "gauge",
	    "Age of the oldest pending or sending outbox row (0: none).", "",
	    render_outbox_age },
	{ "fangfei_tips", "gauge", "Tips by state, practice tips aside.",
	    "state", render_tips },
	{ "fangfei_reminders_total", "counter",
	    "Reminder occurrences due, by what became of them.", "result",
	    render_reminders },
	{ "fangfei_sqlite_busy_waits_total", "counter",
	    "Statements that waited for a database lock.", "", render_busy },
	{ "fangfei_sqlite_checkpoints_total", "counter",
	    "WAL checkpoints: by the checkpointer thread, or in a commit "
	    "because it was behind.", "by", render_checkpoint },
	{ "fangfei_sqlite_checkpoint_failures_total", "counter",
	    "WAL checkpoints that failed (not those another one made busy).",
	    "", render_checkpoint },
	{ "fangfei_sqlite_checkpoint_seconds_total", "counter",
	    "Time spent in WAL checkpoints.", "", render_checkpoint },
	{ "fangfei_sqlite_wal_pages", "gauge",
	    "Pages in the write-ahead log at the last commit.", "",
	    render_checkpoint },
	{ "fangfei_config_last_reload_successful", "gauge",
	    "Whether the last config reload (SIGHUP) was applied: 1, or 0 when "
	    "it was refused and the config before it serves.", "",
	    render_reload },
	{ "fangfei_config_last_reload_success_timestamp_seconds", "gauge",
	    "When the config serving now was read: the start, or the last "
	    "reload applied.", "", render_reload },
	{ "fangfei_process_start_time_seconds", "gauge",
	    "Start of the process, in seconds since the epoch.", "",
	    render_start },
	{ "fangfei_process_resident_memory_bytes", "gauge",
	    "Resident memory of the process.", "", render_rss },
	{ "fangfei_http_open_connections", "gauge",
	    "HTTP connections open now.", "", render_connections },
};

const char *
metrics_labels(const char *family)
{
	size_t	 i;

	for (i = 0; i < sizeof metrics_families / sizeof metrics_families[0];
	    i++)
		if (strcmp(metrics_families[i].name, family) == 0)
			return metrics_families[i].labels;
	return NULL;
}

void
metrics_render(struct buf *b, const struct metrics_scrape *sc)
{
	const struct metrics_family	*f;
	size_t				 i;

	for (i = 0; i < sizeof metrics_families / sizeof metrics_families[0];
	    i++) {
		f = &metrics_families[i];
		metrics_head(b, f->name, f->type, f->help);
		f->render(b, f, sc);
	}
}
