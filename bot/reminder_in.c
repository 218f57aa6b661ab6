/* The checks of a new reminder, shared by the command line and the API. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "messages/text.h"
#include "messages/xmalloc.h"
#include "remind.h"
#include "messages/texts.h"
#include "reminder_in.h"
#include "rrule.h"
#include "storage/outbox.h"
#include "storage/staff.h"

/* Checks a comma-separated list against a validator. */
int
reminder_in_list(const char *list, int (*valid)(const char *),
    const char *what, char *why, size_t size)
{
	char	*copy = xstrdup(list), *tok, *save = NULL;
	int	 rc = 0;

	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		if (!valid(tok)) {
			(void)snprintf(why, size, "未知%s unknown %s \"%.64s\"",
			    strcmp(what, "kind") == 0 ? "类型" : "角色", what,
			    tok);
			rc = -1;
			break;
		}
	free(copy);
	return rc;
}

/* Checks a new reminder and fills it. */
int
reminder_in_fill(const struct reminder_in *in, int utc_offset, time_t now,
    struct reminder *r, char *why, size_t size)
{
	const char	*kinds = in->kinds ? in->kinds : "";
	const char	*roles = in->roles ? in->roles : "";

	memset(r, 0, sizeof *r);
	if (in->title == NULL || *in->title == '\0' || in->text == NULL ||
	    *in->text == '\0' || in->rrule == NULL) {
		(void)snprintf(why, size, "需要标题、内容和重复规则 a title, a "
		    "text and a rule are required");
		return -1;
	}
	if (*kinds == '\0' && *roles == '\0') {
		(void)snprintf(why, size, "需要群类型或角色 kinds or roles are "
		    "required");
		return -1;
	}
	if (utf8_count(in->text) > REMINDER_TEXT_MAX ||
	    utf8_count(in->title) > REMINDER_TITLE_MAX) {
		(void)snprintf(why, size, "提醒内容至多 %d 字、标题至多 %d 字 the "
		    "text takes %d characters at most, the title %d",
		    REMINDER_TEXT_MAX, REMINDER_TITLE_MAX, REMINDER_TEXT_MAX,
		    REMINDER_TITLE_MAX);
		return -1;
	}
	if (rrule_check(in->rrule, in->tz, why, size) == -1)
		return -1;
	if (strlen(kinds) >= sizeof r->kinds || strlen(roles) >=
	    sizeof r->roles) {
		(void)snprintf(why, size, "群类型或角色过多 too many kinds or "
		    "roles");
		return -1;
	}
	if (reminder_in_list(kinds, broadcast_kind_valid, "kind", why,
	    size) == -1 || reminder_in_list(roles, staff_role_valid, "role",
	    why, size) == -1)
		return -1;
	if (in->catchup_hours < 0 || in->catchup_hours > REMINDER_CATCHUP_MAX) {
		(void)snprintf(why, size, "补发时限为 0 到 %d 小时 the catch-up "
		    "age is 0..%d hours", REMINDER_CATCHUP_MAX,
		    REMINDER_CATCHUP_MAX);
		return -1;
	}
	if (in->tz != NULL && strlen(in->tz) >= sizeof r->tz) {
		(void)snprintf(why, size, "未知时区 unknown time zone");
		return -1;
	}
	r->title = (char *)(uintptr_t)in->title;
	r->body = (char *)(uintptr_t)in->text;
	(void)snprintf(r->kinds, sizeof r->kinds, "%s", kinds);
	(void)snprintf(r->roles, sizeof r->roles, "%s", roles);
	(void)snprintf(r->rrule, sizeof r->rrule, "%s", in->rrule);
	(void)snprintf(r->tz, sizeof r->tz, "%s", in->tz ? in->tz : RRULE_TZ);
	(void)snprintf(r->created_by, sizeof r->created_by, "%s",
	    in->created_by ? in->created_by : "");
	r->urgent = in->urgent != 0;
	r->catchup_seconds = (int)in->catchup_hours * 3600;
	r->dtstart = rrule_start(r->rrule, r->tz, now);
	/* A start without a zone is the district's local time. */
	if (in->start != NULL && clock_parse(in->start, utc_offset,
	    &r->dtstart) == -1) {
		(void)snprintf(why, size, "开始时间 \"%.64s\" 无法识别 want an "
		    "ISO 8601 start such as 2026-06-01T09:00", in->start);
		return -1;
	}
	/* A rule without BYSECOND takes the start's seconds: whole minutes. */
	r->dtstart -= r->dtstart % 60;
	if ((r->next_at = remind_next(r, now > r->dtstart ? now :
	    r->dtstart - 1)) == 0) {
		(void)snprintf(why, size, "该规则此后不再出现 the rule has no time "
		    "after now");
		return -1;
	}
	return 0;
}

/* The templates, by name. */
static const struct {
	const char	*name;
	enum msg_key	 title, text;
} reminder_templates[] = {
	{ "publicity_month", MSG_CAL_MONTH_TITLE, MSG_CAL_MONTH },
	{ "publicity_day", MSG_CAL_DAY_TITLE, MSG_CAL_DAY },
	{ "march_15", MSG_CAL_315_TITLE, MSG_CAL_315 },
	{ "may_15", MSG_CAL_515_TITLE, MSG_CAL_515 },
	{ "september", MSG_CAL_SEPT_TITLE, MSG_CAL_SEPT },
	{ "october", MSG_CAL_OCT_TITLE, MSG_CAL_OCT },
	{ "constitution_week", MSG_CAL_DEC_TITLE, MSG_CAL_DEC },
	{ "patrol", MSG_CAL_PATROL_TITLE, MSG_CAL_PATROL },
};

/* A template's title and text. */
int
reminder_template(const char *name, const char *hotline, char **title,
    char **text, char *why, size_t size)
{
	struct msg_var	 vars[] = {
		{ "hotline", hotline != NULL ? hotline : "" }, { NULL, NULL }
	};
	size_t		 i;

	for (i = 0; name != NULL && i < sizeof reminder_templates /
	    sizeof reminder_templates[0]; i++)
		if (strcmp(name, reminder_templates[i].name) == 0) {
			*title = msg_format(LOCALE_ZH,
			    reminder_templates[i].title, NULL);
			*text = msg_format(LOCALE_ZH,
			    reminder_templates[i].text, vars);
			return 0;
		}
	(void)snprintf(why, size, "没有名为“%s”的模板 no template \"%s\" "
	    "(publicity_month, publicity_day, march_15, may_15, september, "
	    "october, constitution_week, patrol)", name ? name : "",
	    name ? name : "");
	return -1;
}
