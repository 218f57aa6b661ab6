/*
 * fangfei reminder add|list|show|pause|resume|delete|preview: the office's
 * scheduled reminders. A running fangfei serve fires them (within a
 * minute of being added from here); times are read and shown in the
 * reminder's zone, Asia/Shanghai unless --tz says otherwise.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cli.h"
#include "messages/text.h"
#include "messages/texts.h"
#include "messages/xmalloc.h"
#include "remind.h"
#include "reminder_in.h"
#include "rrule.h"
#include "storage/areas.h"
#include "storage/outbox.h"
#include "storage/reminders.h"
#include "storage/staff.h"

#define REMINDER_LIST		100
#define PREVIEW_DEFAULT		10
#define PREVIEW_MAX		100

static const char usage_reminder[] =
"用法 usage:\n"
"  fangfei reminder add --area PATH (--kinds building,community,sms |\n"
"      --roles grid_worker,grid_chief) --rrule RULE [--start TIME]\n"
"      [--tz ZONE] [--urgent] [--catchup-hours H] (--title T TEXT |\n"
"      --template NAME [--title T])\n"
"      NAME: a text of the calendar: publicity_month, publicity_day,\n"
"      march_15, may_15, september, october, constitution_week, patrol\n"
"      RULE: an iCalendar RRULE, e.g. FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0\n"
"      TIME: ISO 8601 (2026-06-01T09:00), local time when it names no\n"
"      offset;\n"
"      default now. Quiet hours (22:00-08:00) hold it unless --urgent;\n"
"      after downtime it is sent if at most H hours late (default 6).\n"
"  fangfei reminder list [--area PATH]\n"
"  fangfei reminder show --id N            with its next times\n"
"  fangfei reminder pause|resume|delete --id N\n"
"  fangfei reminder preview (--id N | --rrule RULE [--start TIME] [--tz ZONE])\n"
"      [--count N]                         the next N times (default 10)\n"
"  fangfei reminder quiet --area PATH --from HH:MM --to HH:MM\n"
"      the area's quiet hours (its subtree's too, unless set lower down);\n"
"      --from 00:00 --to 00:00 turns them off\n"
"  fangfei reminder calendar install --area PATH\n"
"      the publicity calendar (June the publicity month, 15 June the publicity\n"
"      day, 15 March, 15 May, September, October, constitution week) to the\n"
"      area's building and community groups, and Monday's patrol reminder to\n"
"      its grid workers; editable afterwards, installed once\n";

/* The publicity calendar and the weekly patrol: what `calendar install`
 * adds (at 09:00, the patrol at 08:30 on Mondays). */
static const struct {
	const char	*calendar;
	enum msg_key	 title, body;
	const char	*kinds, *roles;
	const char	*rrule;
} reminder_presets[] = {
	{ "publicity", MSG_CAL_315_TITLE, MSG_CAL_315, "building,community",
	  "", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0;"
	  "BYSECOND=0" },
	{ "publicity", MSG_CAL_515_TITLE, MSG_CAL_515, "building,community",
	  "", "FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0;"
	  "BYSECOND=0" },
	{ "publicity", MSG_CAL_MONTH_TITLE, MSG_CAL_MONTH,
	  "building,community", "", "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=1;"
	  "BYHOUR=9;BYMINUTE=0;BYSECOND=0" },
	{ "publicity", MSG_CAL_DAY_TITLE, MSG_CAL_DAY, "building,community",
	  "", "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0;"
	  "BYSECOND=0" },
	{ "publicity", MSG_CAL_SEPT_TITLE, MSG_CAL_SEPT, "building,community",
	  "", "FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0;"
	  "BYSECOND=0" },
	{ "publicity", MSG_CAL_OCT_TITLE, MSG_CAL_OCT, "building,community",
	  "", "FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0;"
	  "BYSECOND=0" },
	{ "publicity", MSG_CAL_DEC_TITLE, MSG_CAL_DEC, "building,community",
	  "", "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0;"
	  "BYSECOND=0" },
	{ "patrol", MSG_CAL_PATROL_TITLE, MSG_CAL_PATROL, "", "grid_worker",
	  "FREQ=WEEKLY;BYDAY=MO;BYHOUR=8;BYMINUTE=30;BYSECOND=0" },
};

struct reminder_opts {
	const char	*area, *kinds, *roles, *rrule, *start, *tz, *title;
	const char	*from, *to, *template;
	const char	*db;
	long		 id, count, catchup_hours;
	int		 urgent;
};

/* Parses the options; returns the index of the first operand, or -1. */
static int
reminder_options(struct cli *cli, int argc, char **argv,
    struct reminder_opts *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "area", required_argument, NULL, 'a' },
		{ "kinds", required_argument, NULL, 'k' },
		{ "roles", required_argument, NULL, 'r' },
		{ "rrule", required_argument, NULL, 'R' },
		{ "start", required_argument, NULL, 's' },
		{ "tz", required_argument, NULL, 'z' },
		{ "title", required_argument, NULL, 't' },
		{ "id", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "catchup-hours", required_argument, NULL, 'C' },
		{ "urgent", no_argument, NULL, 'u' },
		{ "from", required_argument, NULL, 'F' },
		{ "template", required_argument, NULL, 'M' },
		{ "to", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char	*end;
	int	 c;

	memset(o, 0, sizeof *o);
	o->count = PREVIEW_DEFAULT;
	o->catchup_hours = 6;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cli->config_path = optarg; break;
		case 'd': o->db = optarg; break;
		case 'a': o->area = optarg; break;
		case 'k': o->kinds = optarg; break;
		case 'r': o->roles = optarg; break;
		case 'R': o->rrule = optarg; break;
		case 's': o->start = optarg; break;
		case 'z': o->tz = optarg; break;
		case 't': o->title = optarg; break;
		case 'u': o->urgent = 1; break;
		case 'F': o->from = optarg; break;
		case 'M': o->template = optarg; break;
		case 'T': o->to = optarg; break;
		case 'i':
		case 'n':
		case 'C':
			if (c == 'i')
				o->id = strtol(optarg, &end, 10);
			else if (c == 'n')
				o->count = strtol(optarg, &end, 10);
			else
				o->catchup_hours = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0') {
				fprintf(stderr, "fangfei: --%s wants a number\n",
				    c == 'i' ? "id" : c == 'n' ? "count" :
				    "catchup-hours");
				return -1;
			}
			break;
		case 'h':
			fputs(usage_reminder, stdout);
			exit(0);
		default:
			fputs(usage_reminder, stderr);
			return -1;
		}
	}
	if (cli_setup(cli, o->db) == -1)
		return -1;
	return optind;
}

/* Prints the next count times of r after `after`. */
static void
reminder_print_times(const struct reminder *r, time_t after, long count)
{
	time_t	 t[PREVIEW_MAX];
	char	 when[20];
	int	 n, i;

	if (count < 1 || count > PREVIEW_MAX)
		count = count < 1 ? 1 : PREVIEW_MAX;
	n = rrule_next(r->rrule, r->tz, r->dtstart, after, t, (size_t)count);
	if (n <= 0) {
		printf("  (不再重复 no more times)\n");
		return;
	}
	for (i = 0; i < n; i++) {
		rrule_local(t[i], r->tz, when);
		printf("  %s  %s\n", when, r->tz[0] ? r->tz : RRULE_TZ);
	}
}

/* One line of a reminder. */
static void
reminder_line(const struct reminder *r)
{
	char	 next[20] = "-";

	if (r->next_at != 0)
		rrule_local(r->next_at, r->tz, next);
	printf("%lld\t%s\t%s\t%s%s%s\t%s\t下次 next %s%s%s\n",
	    (long long)r->id, r->title, r->area_path, r->kinds,
	    r->kinds[0] && r->roles[0] ? "," : "", r->roles, r->rrule,
	    r->paused ? "-" : next, r->paused ? "\t已暂停 paused" : "",
	    r->urgent ? "\t紧急 urgent" : "");
}

/* fangfei reminder add */
static int
reminder_add(struct cli *cli, struct reminder_opts *o, const char *text)
{
	struct reminder_in	 in;
	struct reminder		 r;
	struct store		*s;
	uint8_t			 key[STORE_KEY_LEN];
	char			 why[256], when[20];
	char			*ttitle = NULL, *ttext = NULL;
	int64_t			 area, id;
	int			 rc = 1;

	if (o->area == NULL || o->rrule == NULL || (o->kinds == NULL &&
	    o->roles == NULL) || (text == NULL) == (o->template == NULL) ||
	    (o->title == NULL && o->template == NULL)) {
		fputs(usage_reminder, stderr);
		return 2;
	}
	if (o->template != NULL && reminder_template(o->template,
	    cli->cfg.hotline, &ttitle, &ttext, why, sizeof why) == -1) {
		fprintf(stderr, "fangfei: %s\n", why);
		return 2;
	}
	memset(&in, 0, sizeof in);
	in.title = o->title != NULL ? o->title : ttitle;
	in.text = text != NULL ? text : ttext;
	in.kinds = o->kinds;
	in.roles = o->roles;
	in.rrule = o->rrule;
	in.start = o->start;
	in.tz = o->tz;
	in.catchup_hours = o->catchup_hours;
	in.urgent = o->urgent;
	in.created_by = "cli";
	if (reminder_in_fill(&in, cli->cfg.utc_offset, clock_now(), &r, why,
	    sizeof why) == -1) {
		fprintf(stderr, "fangfei: %s\n", why);
		rc = 2;
		goto out;
	}
	if (cli_key(cli, key) == -1 || (s = cli_store(cli, key)) == NULL)
		goto out;
	if (areas_find(s, o->area, &area) != STORE_OK) {
		fprintf(stderr, "fangfei: 区域不存在或不唯一 no single area matches "
		    "\"%s\"\n", o->area);
		store_close(s);
		goto out;
	}
	r.area_id = area;
	if (store_begin(s) != STORE_OK || reminders_add(s, &r, clock_now(),
	    &id) != STORE_OK || audit_add(s, "cli", "reminder add", in.title,
	    clock_now()) != STORE_OK || store_commit(s) != STORE_OK) {
		fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
		store_rollback(s);
		store_close(s);
		goto out;
	}
	rrule_local(r.next_at, r.tz, when);
	printf("提醒 reminder %lld：下次 next %s (%s)\n", (long long)id, when,
	    r.tz);
	store_close(s);
	rc = 0;
out:
	free(ttitle);
	free(ttext);
	return rc;
}

/* fangfei reminder preview --rrule RULE (no database needed). */
static int
reminder_preview_rule(struct reminder_opts *o, int utc_offset)
{
	struct reminder	 r;
	char		 why[256];

	if (rrule_check(o->rrule, o->tz, why, sizeof why) == -1) {
		fprintf(stderr, "fangfei: %s\n", why);
		return 2;
	}
	memset(&r, 0, sizeof r);
	(void)snprintf(r.rrule, sizeof r.rrule, "%s", o->rrule);
	(void)snprintf(r.tz, sizeof r.tz, "%s", o->tz ? o->tz : RRULE_TZ);
	r.dtstart = rrule_start(r.rrule, r.tz, clock_now());
	if (o->start != NULL && clock_parse(o->start, utc_offset,
	    &r.dtstart) == -1) {
		fprintf(stderr, "fangfei: --start \"%s\": want an ISO 8601 "
		    "time\n", o->start);
		return 2;
	}
	r.dtstart -= r.dtstart % 60;
	reminder_print_times(&r, r.dtstart - 1, o->count);
	return 0;
}

/* Whether area already has a reminder titled title from calendar. */
static int
reminder_installed(struct store *s, int64_t area, const char *calendar,
    const char *title)
{
	struct reminder	 list[REMINDER_LIST];
	size_t		 n = 0, i;
	int64_t		 after = 0;
	int		 found = 0;

	do {
		if (reminders_list(s, area, after, list, REMINDER_LIST, &n) !=
		    STORE_OK)
			return -1;
		for (i = 0; i < n; i++) {
			if (list[i].area_id == area &&
			    strcmp(list[i].calendar, calendar) == 0 &&
			    strcmp(list[i].title, title) == 0)
				found = 1;
			after = list[i].id;
			reminder_clear(&list[i]);
		}
	} while (!found && n == REMINDER_LIST);
	return found;
}

/* Minutes after midnight of "HH:MM", or -1. */
static int
reminder_hhmm(const char *s)
{
	int	 h, m, n = 0;

	if (s == NULL || sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 ||
	    s[n] != '\0' || h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	return h * 60 + m;
}

/* fangfei reminder quiet --area PATH --from HH:MM --to HH:MM */
static int
reminder_quiet(struct cli *cli, struct reminder_opts *o)
{
	struct store	*s;
	uint8_t		 key[STORE_KEY_LEN];
	int64_t		 area;
	int		 from = reminder_hhmm(o->from), to = reminder_hhmm(o->to);
	char		 what[64];

	if (o->area == NULL || from == -1 || to == -1) {
		fputs(usage_reminder, stderr);
		return 2;
	}
	if (cli_key(cli, key) == -1 || (s = cli_store(cli, key)) == NULL)
		return 1;
	if (areas_find(s, o->area, &area) != STORE_OK) {
		fprintf(stderr, "fangfei: 区域不存在或不唯一 no single area matches "
		    "\"%s\"\n", o->area);
		store_close(s);
		return 1;
	}
	(void)snprintf(what, sizeof what, "%s-%s", o->from, o->to);
	if (store_begin(s) != STORE_OK || quiet_hours_set(s, area, from, to) !=
	    STORE_OK || audit_add_area(s, "cli", "quiet hours", what, area,
	    clock_now()) != STORE_OK || store_commit(s) != STORE_OK) {
		fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
		store_rollback(s);
		store_close(s);
		return 1;
	}
	printf("免打扰时段 quiet hours: %s %s\n", o->area, from == to ?
	    "关闭 off" : what);
	store_close(s);
	return 0;
}

/* fangfei reminder calendar install --area PATH */
static int
reminder_calendar(struct cli *cli, struct reminder_opts *o)
{
	struct reminder	 r;
	struct store	*s;
	uint8_t		 key[STORE_KEY_LEN];
	int64_t		 area, id;
	char		*title, *body, when[20];
	size_t		 i;
	int		 have, added = 0;
	struct msg_var	 vars[] = {
		{ "hotline", cli->cfg.hotline }, { NULL, NULL }
	};

	if (o->area == NULL) {
		fputs(usage_reminder, stderr);
		return 2;
	}
	if (cli_key(cli, key) == -1 || (s = cli_store(cli, key)) == NULL)
		return 1;
	if (areas_find(s, o->area, &area) != STORE_OK) {
		fprintf(stderr, "fangfei: 区域不存在或不唯一 no single area matches "
		    "\"%s\"\n", o->area);
		store_close(s);
		return 1;
	}
	if (store_begin(s) != STORE_OK)
		goto fail;
	for (i = 0; i < sizeof reminder_presets / sizeof reminder_presets[0];
	    i++) {
		title = msg_format(LOCALE_ZH, reminder_presets[i].title, NULL);
		if ((have = reminder_installed(s, area,
		    reminder_presets[i].calendar, title)) != 0) {
			free(title);
			if (have == -1) {
				store_rollback(s);
				goto fail;
			}
			continue;
		}
		body = msg_format(LOCALE_ZH, reminder_presets[i].body, vars);
		memset(&r, 0, sizeof r);
		r.title = title;
		r.body = body;
		r.area_id = area;
		(void)snprintf(r.kinds, sizeof r.kinds, "%s",
		    reminder_presets[i].kinds);
		(void)snprintf(r.roles, sizeof r.roles, "%s",
		    reminder_presets[i].roles);
		(void)snprintf(r.rrule, sizeof r.rrule, "%s",
		    reminder_presets[i].rrule);
		(void)snprintf(r.tz, sizeof r.tz, "%s", RRULE_TZ);
		(void)snprintf(r.calendar, sizeof r.calendar, "%s",
		    reminder_presets[i].calendar);
		(void)snprintf(r.created_by, sizeof r.created_by, "cli");
		r.catchup_seconds = 6 * 3600;
		r.dtstart = rrule_start(r.rrule, r.tz, clock_now());
		r.next_at = remind_next(&r, r.dtstart - 1);
		if (reminders_add(s, &r, clock_now(), &id) != STORE_OK) {
			free(title);
			free(body);
			store_rollback(s);
			goto fail;
		}
		rrule_local(r.next_at, r.tz, when);
		printf("%lld\t%s\t下次 next %s\n", (long long)id, title, when);
		free(title);
		free(body);
		added++;
	}
	if (audit_add(s, "cli", "calendar install", o->area, clock_now()) !=
	    STORE_OK || store_commit(s) != STORE_OK) {
		store_rollback(s);
		goto fail;
	}
	printf("宣传日历 calendar: %d 条新提醒 new reminder(s)%s\n", added,
	    added == 0 ? "（已安装 installed already）" : "");
	store_close(s);
	return 0;
fail:
	fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
	store_close(s);
	return 1;
}

/* fangfei reminder … */
int
cli_reminder(struct cli *cli, int argc, char **argv)
{
	struct reminder_opts	 o;
	struct reminder		 r, list[REMINDER_LIST];
	struct store		*s;
	uint8_t			 key[STORE_KEY_LEN];
	const char		*cmd;
	int64_t			 scope = 0;
	size_t			 n, i;
	int			 k, rc = 0;
	enum store_status	 st;

	if ((k = reminder_options(cli, argc, argv, &o)) == -1 || k >= argc) {
		fputs(usage_reminder, stderr);
		return 2;
	}
	cmd = argv[k];
	if (strcmp(cmd, "add") == 0) {
		if (k + 2 == argc)
			return reminder_add(cli, &o, argv[k + 1]);
		if (k + 1 == argc && o.template != NULL)
			return reminder_add(cli, &o, NULL);
		fputs(usage_reminder, stderr);
		return 2;
	}
	if (strcmp(cmd, "preview") == 0 && o.rrule != NULL)
		return reminder_preview_rule(&o, cli->cfg.utc_offset);
	if (strcmp(cmd, "quiet") == 0)
		return k + 1 == argc ? reminder_quiet(cli, &o) :
		    (fputs(usage_reminder, stderr), 2);
	if (strcmp(cmd, "calendar") == 0)
		return k + 2 == argc && strcmp(argv[k + 1], "install") == 0 ?
		    reminder_calendar(cli, &o) : (fputs(usage_reminder, stderr),
		    2);
	if (k + 1 != argc || (strcmp(cmd, "list") != 0 && o.id <= 0)) {
		fputs(usage_reminder, stderr);
		return 2;
	}
	if (cli_key(cli, key) == -1 || (s = cli_store(cli, key)) == NULL)
		return 1;
	if (strcmp(cmd, "list") == 0) {
		if (o.area != NULL && areas_find(s, o.area, &scope) != STORE_OK) {
			fprintf(stderr, "fangfei: 区域不存在或不唯一 no single "
			    "area matches \"%s\"\n", o.area);
			store_close(s);
			return 1;
		}
		if (reminders_list(s, scope, 0, list, REMINDER_LIST, &n) !=
		    STORE_OK)
			goto fail;
		for (i = 0; i < n; i++) {
			reminder_line(&list[i]);
			reminder_clear(&list[i]);
		}
		store_close(s);
		return 0;
	}
	if ((st = reminders_get(s, o.id, 0, &r)) == STORE_NOT_FOUND) {
		fprintf(stderr, "fangfei: 没有提醒 no reminder %ld\n", o.id);
		store_close(s);
		return 1;
	}
	if (st != STORE_OK)
		goto fail;
	if (strcmp(cmd, "show") == 0 || strcmp(cmd, "preview") == 0) {
		if (strcmp(cmd, "show") == 0) {
			reminder_line(&r);
			printf("%s\n下次 next:\n", r.body);
		}
		reminder_print_times(&r, clock_now(), strcmp(cmd, "show") == 0 ?
		    5 : o.count);
	} else if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "resume") == 0 ||
	    strcmp(cmd, "delete") == 0) {
		if (store_begin(s) != STORE_OK)
			goto fail_r;
		st = strcmp(cmd, "delete") == 0 ? reminders_delete(s, r.id, 0,
		    clock_now()) : reminders_pause(s, r.id, 0,
		    strcmp(cmd, "pause") == 0, remind_next(&r, clock_now()));
		if (st != STORE_OK || audit_add(s, "cli", strcmp(cmd,
		    "delete") == 0 ? "reminder delete" : strcmp(cmd, "pause") ==
		    0 ? "reminder pause" : "reminder resume", r.title,
		    clock_now()) != STORE_OK || store_commit(s) != STORE_OK) {
			store_rollback(s);
			goto fail_r;
		}
		printf("提醒 reminder %lld: %s\n", (long long)r.id,
		    strcmp(cmd, "delete") == 0 ? "已删除 deleted" :
		    strcmp(cmd, "pause") == 0 ? "已暂停 paused" :
		    "已恢复 resumed");
	} else {
		fputs(usage_reminder, stderr);
		rc = 2;
	}
	reminder_clear(&r);
	store_close(s);
	return rc;
fail_r:
	reminder_clear(&r);
fail:
	fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
	store_close(s);
	return 1;
}
