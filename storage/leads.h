/*
 * Leads: messages in group chats that carry a risk phrase (保本保息, 高息,
 * …), kept apart from tips for the area's grid workers. Who wrote the
 * message is not kept; the group's warning about such phrases is sent at
 * most once a window.
 */
#ifndef FANGFEI_LEADS_H
#define FANGFEI_LEADS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store.h"

struct lead_new {
	const char	*channel;	/* the group's channel instance */
	const char	*chat_id;
	const char	*message_id;	/* a retry of it makes no second lead */
	int64_t		 area_id;	/* 0: unknown */
	const char	*phrase;	/* the phrase found */
	const char	*body;		/* the message's text */
};

/* Stores a lead; *id gets it, 0 when the message was one already. The
 * caller holds a transaction. */
enum store_status leads_add(struct store *, const struct lead_new *,
		    time_t now, int64_t *id);

/*
 * Whether the group (channel, chat_id) may be warned now: 1 when it was
 * not warned within window seconds, and then it counts as warned at now;
 * 0 otherwise; -1 on error. The caller holds a transaction.
 */
int		 leads_may_warn(struct store *, const char *channel,
		    const char *chat_id, int window, time_t now);

struct lead_row {
	int64_t	 id;
	char	 area_path[512];
	char	 group[128];	/* the group's title or id */
	char	 phrase[64];
	char	*body;
	char	 state[8];	/* open, closed */
	time_t	 created_at;
};
void		 lead_row_clear(struct lead_row *);
/* Lists the leads of the subtree of scope (0: all), ids below before (0:
 * the newest), open ones only when open_only; newest first. */
enum store_status leads_list(struct store *, int64_t scope, int open_only,
		    int64_t before, struct lead_row *, size_t n, size_t *count);
/* Closes a lead of the subtree of scope (*area gets its area, 0 if none);
 * STORE_NOT_FOUND when there is none such. */
enum store_status leads_close(struct store *, int64_t id, int64_t scope,
		    int64_t *area);

#endif
