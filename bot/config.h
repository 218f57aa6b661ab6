/*
 * Configuration: an INI file (inih) with [server], [storage] and one
 * [channel.NAME] section per channel instance, then environment overrides
 * (FANGFEI_CONFIG, FANGFEI_LISTEN, FANGFEI_DB), then command-line flags.
 */
#ifndef FANGFEI_CONFIG_H
#define FANGFEI_CONFIG_H

#include <stddef.h>

#include "channel.h"

#define CONFIG_CHANNELS_MAX	64

struct config {
	char		*listen;		/* HOST:PORT */
	char		*public_base_url;
	size_t		 max_body_bytes;
	char		*hotline;
	int		 threads;
	int		 utc_offset;		/* seconds east of UTC */
	char		*log_level;
	char		*log_format;		/* text or json */
	char		*metrics_token;		/* [server] bearer token of
						   /metrics; NULL: open */
	char		*db_path;		/* [storage] path, or url: a
						   postgresql:// URL */
	char		*key_file;		/* reporter key; default <db>.key
						   (required with a URL) */
	int		 rate_limits;		/* [delivery] 1: apply platforms' */
	int		 max_inflight;		/* [delivery] sends at once */
	int		 send_timeout;		/* [delivery] seconds per send */
	int		 retry_base;		/* [delivery] first retry delay */
	int		 give_up_hours;		/* [delivery] retried until a
						   row is this old */
	int		 allow_http;		/* [delivery] http:// robot URLs */
	int		 allow_private_targets;	/* [delivery] loopback, private,
						   link-local robot targets */
	/* [server] connection limits */
	int		 max_connections;	/* all at once */
	int		 max_connections_per_ip;
	int		 idle_timeout;		/* seconds without a byte */
	int		 request_deadline;	/* seconds for a whole request */
	int		 print_link_hours;	/* signed print links live */
	/* [console] sessions end after this idle time and at this age */
	int		 session_idle_minutes;
	int		 session_max_hours;
	/* [limits] flood limits; 0 turns one off */
	int		 tips_per_hour;		/* per sender or address */
	int		 checks_per_minute;	/* per sender or address */
	int		 warnings_per_day;	/* per member, durable */
	int		 page_views_per_minute;	/* per address */
	int		 bind_failures_per_sender;	/* per cool-down window */
	int		 bind_failures_per_channel;
	int		 bind_cooldown_minutes;
	int		 sms_help_minutes;	/* an unknown SMS gets the help
						   once per this window */
	/* [sms] the channel instance broadcasts reach numbers through
	 * (config_check() picks the only one when unset); NULL: none */
	char		*sms_channel;
	/* [tips] the ledger: hours in each state before escalation (by
	 * enum tip_state; 0: none), the days tips about one enterprise are
	 * linked within, and the days after close-out a reporter's identity
	 * is forgotten (0: kept) */
	int		 tip_due_hours[8];
	int		 tip_link_days;
	int		 tip_forget_days;
	/* [leads] group chatter with risk phrases: on or off, the phrases
	 * (comma-separated; NULL: the built-in list), minutes between two
	 * warnings of one group */
	int		 leads;
	char		*lead_phrases;
	int		 lead_warn_minutes;
	/* [patrols] the weekly deadline: ISO weekday (1 Monday … 7 Sunday)
	 * and minute after local midnight; "deadline = FR 18:00" */
	int		 patrol_day;
	int		 patrol_minute;
	/* [storage] how long what has a natural lifetime is kept */
	int		 dedupe_days;
	int		 scan_detail_days;	/* scan rows after counting */
	struct channel	 channels[CONFIG_CHANNELS_MAX];
	size_t		 nchannels;
};

/* Fills defaults. */
void		 config_init(struct config *);
/* Reads an INI file into cfg; -1 with *cause (caller frees) on a missing
 * file, a syntax error or an unknown key (with its line). */
int		 config_load(struct config *, const char *path, char **cause);
/* Checks the storage settings as a whole (a URL needs key_file);
 * -1 with *cause (caller frees). */
int		 config_storage(const struct config *, char **cause);
/* Applies FANGFEI_LISTEN and FANGFEI_DB. */
void		 config_env(struct config *);
/* Checks the whole: channel types and their required secrets. */
int		 config_check(struct config *, char **cause);
/* Finds a channel instance by name. */
const struct channel *config_channel(const struct config *, const char *name);
/* Replaces *field with a copy of value. */
void		 config_set(char **field, const char *value);
void		 config_free(struct config *);

/*
 * The reporter key file: 64 hex digits, mode 0600. config_read_key()
 * returns 0, 1 when the file does not exist, or -1 with *cause (caller
 * frees) when it cannot be read, is readable by others or is malformed.
 * config_new_key() fills key with random bytes; config_write_key() writes
 * it to a file that must not exist yet and fsyncs the file and its
 * directory. Both return 0 or -1 with *cause.
 */
int		 config_read_key(const char *path, unsigned char key[32],
		    char **cause);
int		 config_new_key(unsigned char key[32], char **cause);
int		 config_write_key(const char *path, const unsigned char key[32],
		    char **cause);

#endif
