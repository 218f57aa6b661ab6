/*
 * Chat commands. Each command is one file exporting one const struct
 * handler; handlers.c lists them in one table, finds them by alias and
 * generates the help text from it. A handler sees a struct handler_ctx and
 * fills a struct reply: it never knows which platform a message came from.
 */
#ifndef FANGFEI_HANDLERS_H
#define FANGFEI_HANDLERS_H

#include <stdint.h>
#include <time.h>

#include "messages/limit.h"
#include "messages/message.h"
#include "messages/texts.h"
#include "storage/store.h"

enum role {
	ROLE_RESIDENT = 0,
	ROLE_GRID_WORKER,
	ROLE_GRID_CHIEF,
	ROLE_LIAISON,
	ROLE_OFFICE,
	ROLE_ADMIN,
};

enum handler_ret {
	HANDLER_OK = 0,		/* reply filled; state changes may commit */
	HANDLER_USAGE,		/* arguments wrong; reply holds the usage */
	HANDLER_FAILED,		/* storage failed; nothing may commit */
};

/* The handler changes state: the dispatcher runs it inside a transaction
 * with the inbound dedupe record, so a platform's retry is answered from
 * that record instead of running it twice. */
#define HANDLER_WRITES	0x1
/* The handler needs to know whether the sender is staff (help shows the
 * staff commands); commands above ROLE_RESIDENT always do. */
#define HANDLER_WHO	0x2
/* The command exists only on SMS (ctx->phone is set): elsewhere its words
 * are not a command, and help does not list it. */
#define HANDLER_SMS	0x4
/* The reply shows a secret once (a reporter's identity): the dispatcher
 * keeps an empty record instead of it, so that it is not stored in clear
 * and a platform's retry gets no second copy. */
#define HANDLER_SECRET	0x8
/* The handler may run for a practice message (ctx->practice, from the
 * chat simulator): it touches nothing outside the practice chat, or says
 * what it would have done instead of doing it. Without the flag the
 * dispatcher refuses the command there. */
#define HANDLER_PRACTICE 0x10
/* The answer holds a short-lived secret (a sign-in link) that may be sent
 * like any answer, but is not kept in the dedupe record for a retry (a
 * retry gets an empty answer). */
#define HANDLER_NO_REPLAY 0x20

/* What handlers need to know of the deployment. */
struct handler_env {
	const char	*hotline;
	/* Where the console's sign-in links point (the public URL, or the
	 * address served on); NULL: 登录 cannot answer with a link. */
	const char	*console_base;
	int		 utc_offset;	/* seconds east of UTC for dates */
	/* Called by the dispatcher after a handler's outbox rows committed. */
	void		(*outbox_wake)(void *);
	void		*wake_arg;
	/* Flood limits (messages/limit.h; NULL: none) and their settings,
	 * 0 turning one off. Binds count failures durably instead. */
	struct limiter	*limits;
	int		 tips_per_hour;
	int		 checks_per_minute;
	/* 预警 per member in 24 hours, counted in the database (so on every
	 * channel and process alike); 0: no limit. */
	int		 warnings_per_day;
	int		 bind_failures_per_sender;
	int		 bind_failures_per_channel;
	int		 bind_cooldown_minutes;
	/* SMS: the channel instance broadcasts reach numbers through (NULL:
	 * none, and warnings go to groups only), the parts one number may
	 * get from it, and the window in which an unknown SMS gets the help
	 * once (minutes; 0: every time). */
	const char	*sms_channel;
	int		 sms_max_parts;
	int		 sms_help_minutes;
	/* The ledger: hours a tip may stay in each state (storage/ledger.h
	 * enum tip_state) before it is escalated, 0 for no limit, and the
	 * days within which tips naming one enterprise are linked. */
	int		 tip_due_hours[8];
	int		 tip_link_days;
	/* The language of a channel instance's chats, by name (NULL: zh):
	 * what a reporter is told in. */
	enum locale	(*channel_locale)(const struct handler_env *,
			    const char *channel);
	const void	*channels;	/* for channel_locale */
	/* Leads from group chatter (handlers/chatter.h): the risk phrases
	 * (NULL: none looked for) and the minutes between two warnings of one
	 * group. */
	const char *const *lead_phrases;
	int		 lead_warn_minutes;
};

/*
 * Where a thread that outlives a reload (the long connections, the
 * scheduler) reads the newest environment, once per message or turn: get
 * returns one that stays valid until the server stops (bot/reload.c).
 */
struct handler_env_source {
	const struct handler_env	*(*get)(const void *arg);
	const void			*arg;
};

struct handler_ctx {
	struct store			*store;
	const struct inbound		*in;
	const struct handler_env	*env;
	enum locale			 locale;
	enum role			 role;
	int64_t				 area_id;	/* of the chat; 0 unknown */
	time_t				 now;
	/* The sender when bound to a staff member (role above resident). */
	int64_t				 staff_id;
	int64_t				 staff_area;	/* their subtree */
	char				 staff_name[128];
	int				 outbox_written; /* set by handlers */
	/* The sender's phone number (E.164) when the message came by SMS,
	 * else NULL: what 退订 / 订阅 act on. */
	const char			*phone;
	/* A practice message (the chat simulator): tips are marked practice,
	 * nobody is told, nothing is broadcast (HANDLER_PRACTICE). */
	int				 practice;
};

/* Parses a stored role name; ROLE_RESIDENT for anything else. */
enum role		 role_parse(const char *);

struct handler {
	const char		*name;
	const char *const	*aliases;	/* "/check", "查询", … NULL-ended */
	enum role		 min_role;
	enum msg_key		 usage;
	int			 flags;
	/*
	 * Runs the command. args is the text after the command word, trimmed
	 * (may be empty). Fills reply with at least one text unless it
	 * returns HANDLER_FAILED, in which case the dispatcher answers with
	 * a generic error and rolls back, or unless it means to answer
	 * nothing (an empty reply: no message goes back).
	 */
	enum handler_ret	(*exec)(struct handler_ctx *, const char *args,
				    struct reply *);
	/*
	 * Optional: one word with two meanings (线索: a resident's tip, a
	 * staff member's ledger). The dispatcher calls it once it knows the
	 * sender (ctx->role and the staff fields are set; the lookup is made
	 * for every handler above ROLE_RESIDENT, so give such a handler the
	 * hook) and before any role check, and runs the handler it returns
	 * instead (itself, or another of the table).
	 */
	const struct handler	*(*resolve)(const struct handler_ctx *,
				    const char *args);
};

extern const struct handler *const handler_table[];

/*
 * Splits a message into its command and arguments. Recognises "/cmd",
 * bare English words ("check …") and Chinese aliases with or without a
 * space or colon after them ("查询鑫源", "举报：…"). Returns NULL if the
 * text is not a command; *args points into text.
 */
const struct handler	*handler_parse(const char *text, const char **args);
/* Copies the first word of args (up to a space, tab or line break) into
 * out, cut on a character boundary to fit size; returns the rest after the
 * spaces that follow it. */
const char		*handler_word(const char *args, char *out, size_t size);
/* Finds a handler by name. */
const struct handler	*handler_find(const char *name);
/* Renders the help text for role into reply. */
void			 handler_help(const struct handler_ctx *, struct reply *);

/* Shared by handlers: a date "YYYY-MM-DD" (or "YYYYMMDD" if compact) in
 * the deployment's local time. */
void			 handler_date(const struct handler_ctx *, time_t,
			    int compact, char out[16]);
/* Finds typed (an area path or its last parts) in the sender's subtree:
 * 0 with *id, or -1 with the answer (no single such area; outside yours)
 * in r. */
int			 handler_my_area(const struct handler_ctx *,
			    const char *typed, int64_t *id, struct reply *);
/* Renders one text into the reply. */
void			 handler_say(const struct handler_ctx *, struct reply *,
			    enum msg_key, const struct msg_var *);

#endif
