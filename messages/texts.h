/*
 * Every text a user reads, in Chinese and English, with {placeholders}.
 * Handlers name a text by its key and hand the values; msg_render() fills
 * them in. A placeholder with no value stays visible as {name}, which the
 * tests treat as a bug.
 */
#ifndef FANGFEI_TEXTS_H
#define FANGFEI_TEXTS_H

#include "buf.h"
#include "message.h"

enum msg_key {
	MSG_HELP_HEAD,
	MSG_HELP_FOOT,
	MSG_USAGE_HELP,
	MSG_USAGE_CHECK,
	MSG_USAGE_REPORT,
	MSG_USAGE_STATUS,
	MSG_USAGE_CONTACT,
	MSG_USAGE_LANG,
	MSG_UNKNOWN_COMMAND,
	MSG_NEED_ARGS,
	MSG_INTERNAL_ERROR,
	MSG_CHECK_TOO_SHORT,
	MSG_CHECK_TOO_LONG,
	MSG_CHECK_BAD_CHECK,
	MSG_CHECK_BAD_CHAR,
	MSG_CHECK_FOUND,
	MSG_CHECK_ITEM_FLAGGED,
	MSG_CHECK_ITEM_REGISTRY,
	MSG_CHECK_MORE,
	MSG_CHECK_MORE_MANY,
	MSG_CHECK_NOT_FOUND,
	MSG_CHECK_NOT_SAFE,
	MSG_CHECK_CAUTION,
	MSG_HOTLINE,
	MSG_MEASURE_ADMONISHED,
	MSG_MEASURE_WARNED,
	MSG_MEASURE_PENALTY,
	MSG_MEASURE_CRIMINAL,
	MSG_MEASURE_DEREGISTERED,
	MSG_MEASURE_SHUT,
	MSG_MEASURE_LISTED,
	MSG_REPORT_EMPTY,
	MSG_REPORT_TOO_LONG,
	MSG_REPORT_OK,
	MSG_STATUS_NOT_YOURS,
	MSG_STATUS_OK,
	MSG_TIP_RECEIVED,
	MSG_TIP_VERIFYING,
	MSG_TIP_DISPOSING,
	MSG_TIP_CLOSED,
	MSG_TIP_REJECTED,
	MSG_CONTACT_AREA,
	MSG_CONTACT_NONE,
	MSG_LANG_SET,
	MSG_LANG_BAD,
	MSG_STAFF_ONLY,
	MSG_USAGE_BIND,
	MSG_USAGE_BINDGROUP,
	MSG_USAGE_WARN,
	MSG_USAGE_BROADCAST,
	MSG_USAGE_OPTOUT,
	MSG_LEAD_TELL,
	MSG_SECRET_CHANNEL,
	MSG_CAL_MONTH_TITLE,
	MSG_CAL_MONTH,
	MSG_CAL_DAY_TITLE,
	MSG_CAL_DAY,
	MSG_CAL_315_TITLE,
	MSG_CAL_315,
	MSG_CAL_515_TITLE,
	MSG_CAL_515,
	MSG_CAL_SEPT_TITLE,
	MSG_CAL_SEPT,
	MSG_CAL_OCT_TITLE,
	MSG_CAL_OCT,
	MSG_CAL_DEC_TITLE,
	MSG_CAL_DEC,
	MSG_CAL_PATROL_TITLE,
	MSG_CAL_PATROL,
	MSG_LEAD_GROUP_WARNING,
	MSG_TIP_TELL_ACCEPTED,
	MSG_TIP_TELL_CONFIRMED,
	MSG_TIP_TELL_CLOSED,
	MSG_TIP_TELL_ASSIGNED,
	MSG_TIP_TELL_ESCALATED,
	MSG_TIP_STATE_RECEIVED,
	MSG_TIP_STATE_ASSIGNED,
	MSG_TIP_STATE_VERIFYING,
	MSG_TIP_STATE_REJECTED,
	MSG_TIP_STATE_CONFIRMED,
	MSG_TIP_STATE_DISPOSING,
	MSG_TIP_STATE_CLOSED,
	MSG_TIP_CONFIRMED,
	MSG_USAGE_OPTIN,
	MSG_OPTOUT_OK,
	MSG_OPTIN_OK,
	MSG_OPTIN_ALREADY,
	MSG_WARN_SENT_SMS,
	MSG_WARN_BODY_SMS,
	MSG_BIND_OK,
	MSG_BIND_BAD,
	MSG_BINDGROUP_OK,
	MSG_BINDGROUP_PRIVATE,
	MSG_AREA_UNKNOWN,
	MSG_AREA_OUTSIDE,
	MSG_KIND_BAD,
	MSG_WARN_SENT,
	MSG_WARN_NONE,
	MSG_WARN_TOO_LONG,
	MSG_BROADCAST_STATUS,
	MSG_BROADCAST_UNKNOWN,
	MSG_WARN_BODY,
	MSG_ROLE_GRID_WORKER,
	MSG_ROLE_GRID_CHIEF,
	MSG_ROLE_LIAISON,
	MSG_ROLE_OFFICE,
	MSG_ROLE_ADMIN,
	MSG_KIND_BUILDING,
	MSG_KIND_COMMUNITY,
	MSG_KIND_GRID_WORKER,
	MSG_KIND_POLICE,
	MSG_NOTICE_HEAD,
	MSG_NOTICE_ITEM,
	MSG_NOTICE_FOOT,
	MSG_WEB_CHECK_LABEL,
	MSG_WEB_CHECK_BUTTON,
	MSG_WEB_REPORT_LABEL,
	MSG_WEB_REPORT_BUTTON,
	MSG_WEB_HOTLINE,
	MSG_WEB_NO_CODE,
	MSG_WEB_BACK,
	MSG_WEB_ISSUED,
	MSG_WEB_SCAN_HINT,
	/* staff, binds, groups */
	MSG_BIND_LOCKED,
	MSG_BIND_IN_GROUP,
	MSG_BIND_NOTICE,
	MSG_BINDGROUP_TAKEN,
	/* letters and web */
	MSG_WEB_FORM_EXPIRED,
	MSG_WEB_SLOW_DOWN,
	MSG_WEB_PRINT_TOKEN_GONE,
	MSG_WEB_PRINT_LINK_BAD,
	/* chats, tips */
	MSG_FLOOD_TIPS,
	MSG_FLOOD_CHECKS,
	MSG_GROUP_PRIVATE_ONLY,
	/* receipts, rewards, the two-person reveal (ledger trust) */
	MSG_RECEIPT_SHOWN,
	MSG_RECEIPT_UNKNOWN,
	MSG_RECEIPT_STATUS,
	MSG_RECEIPT_QUESTION,
	MSG_RECEIPT_ANSWER,
	MSG_RECEIPT_SLOW,
	MSG_WEB_RECEIPT_LABEL,
	MSG_WEB_RECEIPT_BUTTON,
	MSG_USAGE_REVEAL,
	MSG_USAGE_APPROVE,
	MSG_USAGE_REFUSE,
	MSG_USAGE_REPORTER,
	MSG_REVEAL_ROLE,
	MSG_REVEAL_NO_TIP,
	MSG_REVEAL_NEED_REASON,
	MSG_REVEAL_REQUESTED,
	MSG_REVEAL_NOT_CUSTODIAN,
	MSG_REVEAL_NO_REQUEST,
	MSG_REVEAL_SELF,
	MSG_REVEAL_APPROVED,
	MSG_REVEAL_REFUSED,
	MSG_REVEAL_TOLD_APPROVED,
	MSG_REVEAL_TOLD_REFUSED,
	MSG_REVEAL_NOT_READY,
	MSG_REVEAL_SHOWN,
	MSG_REVEAL_FORGOTTEN,
	MSG_REVEAL_ASK_CUSTODIAN,
	MSG__COUNT
};

/* One placeholder value. */
struct msg_var {
	const char	*name;
	const char	*value;
};

/* Returns the raw template of key in locale. */
const char	*msg_template(enum locale, enum msg_key);
/*
 * Appends the template of key with each {name} replaced by its value from
 * vars (terminated by a { NULL, NULL } entry; vars may be NULL). Returns 0,
 * or -1 if the buffer's cap was reached (the buffer keeps what fit).
 */
int		 msg_render(struct buf *, enum locale, enum msg_key,
		    const struct msg_var *vars);
/* Like msg_render() into a new string the caller frees; cut at the cap. */
char		*msg_format(enum locale, enum msg_key, const struct msg_var *);
/* Parses "zh-CN", "zh", "en", "en-US", …; -1 if unknown. */
int		 locale_parse(const char *, enum locale *);
const char	*locale_name(enum locale);
/* The stored name of a measure as people type it (约谈, 警示, 行政处罚,
 * 刑事立案, 注吊销, 关门, 列入 or the stored names, any case), or NULL. */
const char	*measure_parse(const char *word);
/* The staff's name of a stored tip state (received, assigned, …). */
enum msg_key	 msg_tip_state_key(const char *);
/* The text key of a stored measure (admonished, warned, …). */
enum msg_key	 msg_measure_key(const char *);

#endif
