/* Reading the configuration again while serving (SIGHUP). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "messages/xmalloc.h"
#include "reload.h"
#include "server.h"

enum reload_type {
	RELOAD_INT,
	RELOAD_SIZE,
	RELOAD_STRING,
};

/* A setting that only a restart changes: where it is in struct config. */
struct reload_key {
	const char	*name;		/* as the log shows it */
	size_t		 offset;
	enum reload_type type;
};

#define RELOAD_STR(n, f)	{ n, offsetof(struct config, f), RELOAD_STRING }
#define RELOAD_INT(n, f)	{ n, offsetof(struct config, f), RELOAD_INT }

/*
 * What is read once at start: the socket and its pool, the database and
 * the key, the clock's offset, the public URL that signed links and the
 * console's sign-in links name, and [delivery] and the weekly patrol
 * deadline, which the delivery thread and the scheduler hold.
 */
static const struct reload_key reload_keys[] = {
	RELOAD_STR("[server] listen", listen),
	RELOAD_STR("[server] public_base_url", public_base_url),
	RELOAD_INT("[server] threads", threads),
	RELOAD_INT("[server] max_connections", max_connections),
	RELOAD_INT("[server] max_connections_per_ip", max_connections_per_ip),
	RELOAD_INT("[server] idle_timeout_seconds", idle_timeout),
	RELOAD_INT("[server] request_deadline_seconds", request_deadline),
	{ "[server] max_body_bytes", offsetof(struct config, max_body_bytes),
	    RELOAD_SIZE },
	RELOAD_INT("[server] utc_offset_minutes", utc_offset),
	RELOAD_INT("[server] print_link_hours", print_link_hours),
	RELOAD_STR("[server] metrics_token", metrics_token),
	RELOAD_STR("[storage] path", db_path),
	RELOAD_STR("[storage] key_file", key_file),
	RELOAD_INT("[delivery] rate_limits", rate_limits),
	RELOAD_INT("[delivery] max_inflight", max_inflight),
	RELOAD_INT("[delivery] timeout_seconds", send_timeout),
	RELOAD_INT("[delivery] retry_base_seconds", retry_base),
	RELOAD_INT("[delivery] give_up_hours", give_up_hours),
	RELOAD_INT("[delivery] allow_http", allow_http),
	RELOAD_INT("[delivery] allow_private_targets", allow_private_targets),
	RELOAD_STR("[sms] channel", sms_channel),
	RELOAD_INT("[patrols] deadline", patrol_day),
	RELOAD_INT("[patrols] deadline", patrol_minute),
};

/* Logs one setting that was not applied. */
static void
reload_needs_restart(const char *what, const char *name)
{
	log_event(LOG_WARN, "reload", "needs a restart: not applied",
	    "setting", what, name != NULL ? "channel" : NULL, name,
	    (char *)NULL);
}

/* Whether two strings differ (either may be NULL). */
static int
reload_differ(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* Puts back one setting that needs a restart, logging it if it changed. */
static void
reload_keep(struct config *cfg, const struct config *running,
    const struct reload_key *k)
{
	char		**ns = (char **)(void *)((char *)cfg + k->offset);
	char *const	 *os = (char *const *)(const void *)
			    ((const char *)running + k->offset);
	int		 *ni = (int *)(void *)((char *)cfg + k->offset);
	const int	 *oi = (const int *)(const void *)
			    ((const char *)running + k->offset);
	size_t		 *nz = (size_t *)(void *)((char *)cfg + k->offset);
	const size_t	 *oz = (const size_t *)(const void *)
			    ((const char *)running + k->offset);

	switch (k->type) {
	case RELOAD_STRING:
		if (!reload_differ(*ns, *os))
			return;
		free(*ns);
		*ns = *os != NULL ? xstrdup(*os) : NULL;
		break;
	case RELOAD_SIZE:
		if (*nz == *oz)
			return;
		*nz = *oz;
		break;
	case RELOAD_INT:
		if (*ni == *oi)
			return;
		*ni = *oi;
		break;
	}
	reload_needs_restart(k->name, NULL);
}

/* Whether two instances of one name are set up alike: type, area,
 * language and every key with its value. */
static int
reload_same_channel(const struct channel *a, const struct channel *b)
{
	size_t	 i;

	if (a->backend != b->backend || a->locale != b->locale ||
	    reload_differ(a->area, b->area) || a->nsettings != b->nsettings)
		return 0;
	for (i = 0; i < a->nsettings; i++)
		if (reload_differ(channel_get(b, a->settings[i].key),
		    a->settings[i].value))
			return 0;
	return 1;
}

/* Whether ch is served on a long connection rather than by webhooks. */
static int
reload_streams(const struct channel *ch)
{
	return ch->backend->streams != NULL && ch->backend->streams(ch);
}

/* Takes the i-th channel out of cfg. */
static void
reload_drop_channel(struct config *cfg, size_t i)
{
	free(cfg->channels[i].name);
	free(cfg->channels[i].area);
	channel_clear(&cfg->channels[i]);
	memmove(&cfg->channels[i], &cfg->channels[i + 1],
	    (cfg->nchannels - i - 1) * sizeof cfg->channels[0]);
	cfg->nchannels--;
	memset(&cfg->channels[cfg->nchannels], 0, sizeof cfg->channels[0]);
}

/*
 * Compares the channels with the running ones. A webhook channel's new
 * settings serve its webhook (secrets, tokens, area, language); a new
 * webhook channel is served, a removed one answers 404. What delivery
 * sends with stays as it started, and so does every long connection: a
 * long-connection channel that is new, removed, changed or switched to
 * webhooks is left out of the new config (its running connection goes
 * on; its webhook would take the same messages twice).
 */
static void
reload_channels(struct config *cfg, const struct config *running)
{
	const struct channel	*old;
	struct channel		*ch;
	size_t			 i;

	for (i = 0; i < running->nchannels; i++) {
		old = &running->channels[i];
		if (config_channel(cfg, old->name) != NULL)
			continue;
		if (reload_streams(old))
			reload_needs_restart("long connection removed",
			    old->name);
		else
			log_event(LOG_INFO, "reload", "channel removed: its "
			    "webhook answers 404; what it has queued is still "
			    "sent", "channel", old->name, (char *)NULL);
	}
	for (i = 0; i < cfg->nchannels;) {
		ch = &cfg->channels[i];
		old = config_channel(running, ch->name);
		if (old != NULL && reload_same_channel(old, ch)) {
			i++;
			continue;
		}
		if ((old != NULL && reload_streams(old)) ||
		    reload_streams(ch)) {
			reload_needs_restart("long connection", ch->name);
			reload_drop_channel(cfg, i);
			continue;
		}
		if (old == NULL)
			log_event(LOG_INFO, "reload", "channel added: its "
			    "webhook is served; it sends nothing until a "
			    "restart", "channel", ch->name, (char *)NULL);
		else
			log_event(LOG_INFO, "reload", "channel changed: its "
			    "webhook uses the new settings; what it sends "
			    "keeps the old ones until a restart", "channel",
			    ch->name, (char *)NULL);
		i++;
	}
}

/* Reads and checks path; keeps what needs a restart. */
struct config *
reload_read(const struct config *running, const char *path, char **cause)
{
	struct config	*cfg = xcalloc(1, sizeof *cfg);
	size_t		 i;

	config_init(cfg);
	if (config_load(cfg, path, cause) == -1)
		goto fail;
	config_env(cfg);
	/* Before the check: channels are checked against the address the
	 * server listens on, and [sms] channel against the one delivery
	 * sends through. (--listen and --db given at start count as
	 * changes of the file's values.) */
	for (i = 0; i < sizeof reload_keys / sizeof reload_keys[0]; i++)
		reload_keep(cfg, running, &reload_keys[i]);
	if (config_check(cfg, cause) == -1)
		goto fail;
	reload_channels(cfg, running);
	return cfg;
fail:
	config_free(cfg);
	free(cfg);
	return NULL;
}

/* Reads the file again and hands the new config to the server. */
int
reload_serve(struct server *srv, const struct config *running,
    const char *path)
{
	struct config	*cfg;
	enum log_level	 level;
	enum log_format	 format;
	char		*cause = NULL, count[16];

	if (path == NULL) {
		log_event(LOG_WARN, "reload", "no config file to read again "
		    "(start with --config FILE)", (char *)NULL);
		return -1;
	}
	if ((cfg = reload_read(running, path, &cause)) == NULL) {
		log_event(LOG_ERROR, "reload", "config refused: still serving "
		    "the last good one", "why", cause, (char *)NULL);
		free(cause);
		return -1;
	}
	if (server_reload(srv, cfg, &cause) == -1) {
		log_event(LOG_ERROR, "reload", "not applied", "why", cause,
		    (char *)NULL);
		free(cause);
		config_free(cfg);
		free(cfg);
		return -1;
	}
	if (log_format_parse(cfg->log_format, &format) == 0)
		log_set_format(format);
	if (log_level_parse(cfg->log_level, &level) == 0)
		log_set_level(level);
	(void)snprintf(count, sizeof count, "%zu", cfg->nchannels);
	log_event(LOG_INFO, "reload", "config applied", "channels", count,
	    (char *)NULL);
	return 0;
}
