/* Reading the INI configuration, environment overrides and the key file. */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include <ini.h>
#include <openssl/rand.h>

#include "config.h"
#include "log.h"
#include "messages/texts.h"
#include "messages/xmalloc.h"
#include "storage/store.h"

/* [server] metrics_token: its length and the characters of a bearer
 * token (RFC 6750's b64token). */
#define CONFIG_TOKEN_MIN	16
#define CONFIG_TOKEN_MAX	256
#define CONFIG_TOKEN_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
				"abcdefghijklmnopqrstuvwxyz0123456789-._~+/="
#define CONFIG_BODY_MIN		1024
#define CONFIG_BODY_MAX		(16 * 1024 * 1024)

struct config_parse {
	struct config	*cfg;
	char		*error;		/* the first error only */
	int		 path_line;	/* [storage] path was given */
	int		 url_line;	/* [storage] url was given */
};

/* Records an error unless one is already recorded (inih goes on calling
 * after an error, and the line it reports is the first one's). Returns 0,
 * for the callback to return. */
static int
config_fail(struct config_parse *p, char *msg)
{
	if (p->error == NULL)
		p->error = msg;
	else
		free(msg);
	return 0;
}

/* Sets a string field. */
void
config_set(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

/* Fills defaults. */
void
config_init(struct config *cfg)
{
	long	 n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(cfg, 0, sizeof *cfg);
	cfg->listen = xstrdup("127.0.0.1:8080");
	cfg->public_base_url = xstrdup("http://127.0.0.1:8080");
	cfg->max_body_bytes = 64 * 1024;
	cfg->hotline = xstrdup("12345");
	cfg->threads = n > 0 && n < 64 ? (int)n : 2;
	cfg->utc_offset = 8 * 3600;
	cfg->log_level = xstrdup("info");
	cfg->log_format = xstrdup("text");
	cfg->db_path = xstrdup("var/fangfei.db");
	cfg->rate_limits = 1;
	cfg->max_inflight = 64;
	cfg->send_timeout = 15;
	cfg->retry_base = 5;
	cfg->give_up_hours = 24;
	cfg->max_connections = 1024;
	cfg->max_connections_per_ip = 32;
	cfg->idle_timeout = 15;
	cfg->request_deadline = 30;
	cfg->print_link_hours = 12;
	cfg->session_idle_minutes = 30;
	cfg->session_max_hours = 12;
	cfg->tips_per_hour = 10;
	cfg->checks_per_minute = 20;
	cfg->warnings_per_day = 10;
	cfg->page_views_per_minute = 60;
	cfg->bind_failures_per_sender = 5;
	cfg->bind_failures_per_channel = 50;
	cfg->bind_cooldown_minutes = 60;
	cfg->sms_help_minutes = 60;
	/* Deadlines per state (received, assigned, verifying, -, confirmed,
	 * disposing): a day to assign, two to start, a week to verify, three
	 * days to begin disposal, a month to finish. */
	cfg->tip_due_hours[0] = 24;
	cfg->tip_due_hours[1] = 48;
	cfg->tip_due_hours[2] = 168;
	cfg->tip_due_hours[4] = 72;
	cfg->tip_due_hours[5] = 720;
	cfg->tip_link_days = 90;
	cfg->tip_forget_days = 730;
	cfg->lead_warn_minutes = 1440;
	cfg->leads = 1;
	cfg->dedupe_days = 7;
	cfg->scan_detail_days = 90;
	cfg->patrol_day = 5;
	cfg->patrol_minute = 18 * 60;
}

/* Reads a patrol deadline, "FR 18:00": an iCalendar weekday (MO … SU, any
 * case), spaces, and a time H:MM or HH:MM. 0, or -1. */
static int
config_patrol_deadline(const char *s, int *day, int *minute)
{
	static const char *const days[] = { "MO", "TU", "WE", "TH", "FR",
	    "SA", "SU" };
	int	 i, h = 0, m = 0, digits = 0;

	for (i = 0; i < 7; i++)
		if (strncasecmp(s, days[i], 2) == 0)
			break;
	if (i == 7 || (s[2] != ' ' && s[2] != '\t'))
		return -1;
	for (s += 2; *s == ' ' || *s == '\t'; s++)
		continue;
	for (; *s >= '0' && *s <= '9' && digits < 2; s++, digits++)
		h = h * 10 + (*s - '0');
	if (digits == 0 || *s++ != ':' || s[0] < '0' || s[0] > '5' ||
	    s[1] < '0' || s[1] > '9' || s[2] != '\0' || h > 23)
		return -1;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	*day = i + 1;
	*minute = h * 60 + m;
	return 0;
}

/* A whole-number setting: section, key, bounds and where it goes. */
struct config_number_key {
	const char	*section;
	const char	*key;
	long		 min, max;
	size_t		 offset;	/* of an int in struct config */
};

#define CFG_INT(sec, k, lo, hi, field) \
	{ sec, k, lo, hi, offsetof(struct config, field) }

static const struct config_number_key config_numbers[] = {
	CFG_INT("server", "threads", 1, 64, threads),
	CFG_INT("server", "max_connections", 16, 65536, max_connections),
	CFG_INT("server", "max_connections_per_ip", 1, 65536,
	    max_connections_per_ip),
	CFG_INT("server", "idle_timeout_seconds", 1, 3600, idle_timeout),
	CFG_INT("server", "request_deadline_seconds", 1, 3600,
	    request_deadline),
	CFG_INT("server", "print_link_hours", 1, 168, print_link_hours),
	CFG_INT("console", "idle_minutes", 1, 1440, session_idle_minutes),
	CFG_INT("console", "max_hours", 1, 168, session_max_hours),
	CFG_INT("delivery", "max_inflight", 1, 1024, max_inflight),
	CFG_INT("delivery", "timeout_seconds", 1, 300, send_timeout),
	CFG_INT("delivery", "retry_base_seconds", 1, 600, retry_base),
	CFG_INT("delivery", "give_up_hours", 1, 720, give_up_hours),
	CFG_INT("limits", "tips_per_hour", 0, 100000, tips_per_hour),
	CFG_INT("limits", "checks_per_minute", 0, 100000, checks_per_minute),
	CFG_INT("limits", "warnings_per_day", 0, 10000, warnings_per_day),
	CFG_INT("limits", "page_views_per_minute", 0, 100000,
	    page_views_per_minute),
	CFG_INT("limits", "bind_failures_per_sender", 1, 1000,
	    bind_failures_per_sender),
	CFG_INT("limits", "bind_failures_per_channel", 1, 100000,
	    bind_failures_per_channel),
	CFG_INT("limits", "sms_help_minutes", 0, 10080, sms_help_minutes),
	CFG_INT("limits", "bind_cooldown_minutes", 1, 10080,
	    bind_cooldown_minutes),
	CFG_INT("tips", "received_hours", 0, 8760, tip_due_hours[0]),
	CFG_INT("tips", "assigned_hours", 0, 8760, tip_due_hours[1]),
	CFG_INT("tips", "verifying_hours", 0, 8760, tip_due_hours[2]),
	CFG_INT("tips", "confirmed_hours", 0, 8760, tip_due_hours[4]),
	CFG_INT("tips", "disposing_hours", 0, 8760, tip_due_hours[5]),
	CFG_INT("tips", "link_days", 1, 3650, tip_link_days),
	CFG_INT("tips", "forget_reporter_days", 0, 36500,
	    tip_forget_days),
	CFG_INT("leads", "warn_minutes", 1, 100000, lead_warn_minutes),
	CFG_INT("storage", "dedupe_days", 1, 365, dedupe_days),
	CFG_INT("storage", "scan_detail_days", 1, 3650, scan_detail_days),
};

/* An on|off setting. */
struct config_flag_key {
	const char	*section;
	const char	*key;
	size_t		 offset;
};

static const struct config_flag_key config_flags[] = {
	{ "delivery", "rate_limits", offsetof(struct config, rate_limits) },
	{ "leads", "enabled", offsetof(struct config, leads) },
	{ "delivery", "allow_http", offsetof(struct config, allow_http) },
	{ "delivery", "allow_private_targets",
	    offsetof(struct config, allow_private_targets) },
};

/* Parses a whole decimal number within [min, max]. */
static int
config_number(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Returns the channel being defined by section, creating it. */
static struct channel *
config_section_channel(struct config *cfg, const char *name)
{
	size_t	 i;

	for (i = 0; i < cfg->nchannels; i++)
		if (strcmp(cfg->channels[i].name, name) == 0)
			return &cfg->channels[i];
	if (cfg->nchannels == CONFIG_CHANNELS_MAX)
		return NULL;
	cfg->channels[cfg->nchannels].name = xstrdup(name);
	return &cfg->channels[cfg->nchannels++];
}

/* Handles a [channel.NAME] key. */
static int
config_channel_key(struct config_parse *p, const char *name, const char *key,
    const char *value)
{
	struct channel	*ch;
	const char	*c;
	char		*cause = NULL;

	for (c = name; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			break;
	if (*name == '\0' || *c != '\0' || strlen(name) >= INBOUND_ID_MAX) {
		return config_fail(p, xasprintf("channel name \"%s\": use letters, digits, "
		    "- and _", name));
	}
	/* An empty secret would silently mean "no secret": refuse any
	 * empty value, naming it. */
	if (*value == '\0')
		return config_fail(p, xasprintf("channel %s: %s is empty "
		    "(remove the line or give it a value)", name, key));
	if ((ch = config_section_channel(p->cfg, name)) == NULL) {
		return config_fail(p, xasprintf("more than %d channels", CONFIG_CHANNELS_MAX));
	}
	if (strcmp(key, "type") == 0) {
		if ((ch->backend = channel_backend_lookup(value)) != NULL)
			return 1;
		if (robot_backend_lookup(value) != NULL)
			return config_fail(p, xasprintf("channel %s: %s here is "
			    "an outbound group robot; register it with: fangfei "
			    "group add --robot %s", name, value, value));
		return config_fail(p, xasprintf("channel %s: unknown type \"%s\" "
		    "(known: %s)", name, value, channel_types()));
	}
	if (strcmp(key, "area") == 0)
		config_set(&ch->area, value);
	else if (strcmp(key, "locale") == 0) {
		if (locale_parse(value, &ch->locale) == -1) {
			return config_fail(p, xasprintf("channel %s: locale must be zh-CN or "
			    "en", name));
		}
	} else if (channel_set(ch, key, value, &cause) == -1)
		return config_fail(p, cause);
	return 1;
}

/* inih callback: one key. Returns 1 to go on, 0 to stop with an error. */
static int
config_key(void *arg, const char *section, const char *key, const char *value)
{
	struct config_parse	*p = arg;
	struct config		*cfg = p->cfg;
	enum log_format		 format;
	long			 n;
	size_t			 i;

	if (strncmp(section, "channel.", 8) == 0)
		return config_channel_key(p, section + 8, key, value);
	for (i = 0; i < sizeof config_numbers / sizeof config_numbers[0];
	    i++) {
		const struct config_number_key *k = &config_numbers[i];

		if (strcmp(section, k->section) != 0 ||
		    strcmp(key, k->key) != 0)
			continue;
		if (config_number(value, k->min, k->max, &n) == -1)
			return config_fail(p, xasprintf("[%s] %s must be "
			    "%ld..%ld", k->section, k->key, k->min, k->max));
		*(int *)(void *)((char *)cfg + k->offset) = (int)n;
		return 1;
	}
	for (i = 0; i < sizeof config_flags / sizeof config_flags[0]; i++) {
		const struct config_flag_key *k = &config_flags[i];

		if (strcmp(section, k->section) != 0 ||
		    strcmp(key, k->key) != 0)
			continue;
		if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0)
			return config_fail(p, xasprintf("[%s] %s must be on "
			    "or off", k->section, k->key));
		*(int *)(void *)((char *)cfg + k->offset) =
		    strcmp(value, "on") == 0;
		return 1;
	}
	if (strcmp(section, "server") == 0) {
		if (strcmp(key, "listen") == 0)
			config_set(&cfg->listen, value);
		else if (strcmp(key, "public_base_url") == 0)
			config_set(&cfg->public_base_url, value);
		else if (strcmp(key, "hotline") == 0)
			config_set(&cfg->hotline, value);
		else if (strcmp(key, "metrics_token") == 0) {
			/* A bearer token's characters, and long enough not
			 * to be guessed. */
			if (strlen(value) < CONFIG_TOKEN_MIN ||
			    strlen(value) > CONFIG_TOKEN_MAX ||
			    value[strspn(value, CONFIG_TOKEN_CHARS)] != '\0')
				return config_fail(p, xasprintf("metrics_token "
				    "须为 %d–%d 个字母、数字或 -._~+/= must be "
				    "%d..%d letters, digits or -._~+/=",
				    CONFIG_TOKEN_MIN, CONFIG_TOKEN_MAX,
				    CONFIG_TOKEN_MIN, CONFIG_TOKEN_MAX));
			config_set(&cfg->metrics_token, value);
		}
		else if (strcmp(key, "log_level") == 0)
			config_set(&cfg->log_level, value);
		else if (strcmp(key, "log_format") == 0) {
			if (log_format_parse(value, &format) == -1)
				return config_fail(p, xasprintf("log_format "
				    "must be text or json"));
			config_set(&cfg->log_format, value);
		}
		else if (strcmp(key, "max_body_bytes") == 0) {
			if (config_number(value, CONFIG_BODY_MIN,
			    CONFIG_BODY_MAX, &n) == -1) {
				return config_fail(p, xasprintf("max_body_bytes must be "
				    "%d..%d", CONFIG_BODY_MIN, CONFIG_BODY_MAX));
			}
			cfg->max_body_bytes = (size_t)n;
		} else if (strcmp(key, "utc_offset_minutes") == 0) {
			if (config_number(value, -720, 840, &n) == -1) {
				return config_fail(p, xasprintf("utc_offset_minutes must be "
				    "-720..840"));
			}
			cfg->utc_offset = (int)n * 60;
		} else
			goto unknown;
		return 1;
	}
	if (strcmp(section, "storage") == 0) {
		if (strcmp(key, "path") == 0) {
			config_set(&cfg->db_path, value);
			p->path_line = 1;
		} else if (strcmp(key, "url") == 0) {
			if (!store_is_pg_url(value))
				return config_fail(p, xasprintf("[storage] url "
				    "须以 postgresql:// 或 postgres:// 开头 must "
				    "start with postgresql:// or postgres://"));
			config_set(&cfg->db_path, value);
			p->url_line = 1;
		} else if (strcmp(key, "key_file") == 0)
			config_set(&cfg->key_file, value);
		else
			goto unknown;
		return 1;
	}
	if (strcmp(section, "leads") == 0) {
		if (strcmp(key, "phrases") == 0)
			config_set(&cfg->lead_phrases, value);
		else
			goto unknown;
		return 1;
	}
	if (strcmp(section, "sms") == 0) {
		if (strcmp(key, "channel") == 0)
			config_set(&cfg->sms_channel, value);
		else
			goto unknown;
		return 1;
	}
	if (strcmp(section, "patrols") == 0) {
		if (strcmp(key, "deadline") != 0)
			goto unknown;
		if (config_patrol_deadline(value, &cfg->patrol_day,
		    &cfg->patrol_minute) == -1)
			return config_fail(p, xasprintf("[patrols] deadline "
			    "must be a weekday and a time, e.g. FR 18:00"));
		return 1;
	}
	if (strcmp(section, "delivery") == 0 || strcmp(section, "limits") == 0 ||
	    strcmp(section, "tips") == 0 || strcmp(section, "console") == 0)
		goto unknown;
	return config_fail(p, xasprintf("unknown section [%s]", section));
unknown:
	return config_fail(p, xasprintf("[%s]: unknown key \"%s\"", section, key));
}

/* Reads an INI file. */
int
config_load(struct config *cfg, const char *path, char **cause)
{
	struct config_parse	 p = { cfg, NULL, 0, 0 };
	FILE			*f;
	char			*cause2 = NULL;
	int			 line;

	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	line = ini_parse_file(f, config_key, &p);
	fclose(f);
	if (line != 0) {
		*cause = xasprintf("%s:%d: %s", path, line,
		    p.error ? p.error : "syntax error");
		free(p.error);
		return -1;
	}
	/* One database: a file and a server at once would leave which one
	 * holds the tips to the order of two lines. */
	if (p.path_line && p.url_line) {
		*cause = xasprintf("%s: [storage] path 与 url 只能设置一个 "
		    "path and url name two databases: set only one", path);
		return -1;
	}
	if (config_storage(cfg, &cause2) == -1) {
		*cause = xasprintf("%s: %s", path, cause2);
		free(cause2);
		return -1;
	}
	return 0;
}

/*
 * Checks the storage settings as a whole. A PostgreSQL URL needs [storage]
 * key_file: the reporter key's default place is beside the database file,
 * and a server has no such place.
 */
int
config_storage(const struct config *cfg, char **cause)
{
	if (store_is_pg_url(cfg->db_path) && cfg->key_file == NULL) {
		*cause = xasprintf("[storage] url 需要 key_file（举报人密钥文件的"
		    "位置）the url needs [storage] key_file = FILE: the reporter "
		    "key cannot sit beside a server's database");
		return -1;
	}
	return 0;
}

/* Applies environment overrides. */
void
config_env(struct config *cfg)
{
	const char	*v;

	if ((v = getenv("FANGFEI_LISTEN")) != NULL && *v != '\0')
		config_set(&cfg->listen, v);
	if ((v = getenv("FANGFEI_DB")) != NULL && *v != '\0')
		config_set(&cfg->db_path, v);
}

/* Returns 1 if listen ("HOST:PORT", "[V6]:PORT") names a loopback host
 * only: 127.x.x.x, localhost or ::1. */
static int
config_loopback(const char *listen)
{
	if (listen == NULL)
		return 0;
	if (strncmp(listen, "127.", 4) == 0)
		return strspn(listen + 4, "0123456789.") ==
		    strcspn(listen + 4, ":") && listen[4] != ':';
	return strncmp(listen, "localhost:", 10) == 0 ||
	    strcmp(listen, "localhost") == 0 ||
	    strncmp(listen, "[::1]:", 6) == 0;
}

/*
 * Picks the SMS channel broadcasts reach numbers through: [sms] channel,
 * which must name an SMS instance that can send, or else the one such
 * instance when there is exactly one. None: SMS lists reach nobody.
 */
static int
config_sms(struct config *cfg, char **cause)
{
	const struct channel	*ch, *found = NULL;
	size_t			 i, n = 0;

	if (cfg->sms_channel != NULL) {
		ch = config_channel(cfg, cfg->sms_channel);
		if (ch == NULL || !ch->backend->sms || ch->backend->sends ==
		    NULL || !ch->backend->sends(ch)) {
			*cause = xasprintf("[sms] channel = %s: not an SMS "
			    "channel that can send (type kannel with "
			    "sendsms_url, or twilio)", cfg->sms_channel);
			return -1;
		}
		return 0;
	}
	for (i = 0; i < cfg->nchannels; i++) {
		ch = &cfg->channels[i];
		if (ch->backend->sms && ch->backend->sends != NULL &&
		    ch->backend->sends(ch)) {
			found = ch;
			n++;
		}
	}
	if (n > 1) {
		*cause = xasprintf("several SMS channels can send: name the one "
		    "for broadcasts in [sms] channel = NAME");
		return -1;
	}
	if (found != NULL)
		config_set(&cfg->sms_channel, found->name);
	return 0;
}

/* Checks channel definitions against their backends' keys and builds
 * each backend's state; a key that must be set beyond loopback may be
 * missing (with a warning) only when the server listens on loopback. */
int
config_check(struct config *cfg, char **cause)
{
	struct channel	*ch;
	char		*warning = NULL;
	size_t		 i;
	int		 loopback = config_loopback(cfg->listen);

	for (i = 0; i < cfg->nchannels; i++) {
		ch = &cfg->channels[i];
		if (channel_setup(ch, loopback, &warning, cause) == -1)
			return -1;
		if (warning != NULL)
			log_warn("%s", warning);
		free(warning);
		warning = NULL;
	}
	return config_sms(cfg, cause);
}

/* Finds a channel instance. */
const struct channel *
config_channel(const struct config *cfg, const char *name)
{
	size_t	 i;

	for (i = 0; i < cfg->nchannels; i++)
		if (strcmp(cfg->channels[i].name, name) == 0)
			return &cfg->channels[i];
	return NULL;
}

/* Frees everything the config owns. */
void
config_free(struct config *cfg)
{
	size_t	 i;

	for (i = 0; i < cfg->nchannels; i++) {
		free(cfg->channels[i].name);
		free(cfg->channels[i].area);
		channel_clear(&cfg->channels[i]);
	}
	free(cfg->listen);
	free(cfg->public_base_url);
	free(cfg->hotline);
	if (cfg->metrics_token != NULL)
		explicit_bzero(cfg->metrics_token, strlen(cfg->metrics_token));
	free(cfg->metrics_token);
	free(cfg->log_level);
	free(cfg->log_format);
	free(cfg->db_path);
	free(cfg->key_file);
	free(cfg->sms_channel);
	free(cfg->lead_phrases);
	memset(cfg, 0, sizeof *cfg);
}

/* Returns the value of a hex digit, or -1. */
static int
config_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads the reporter key file: exactly 64 hex digits and an optional line
 * end, a regular file that nobody but its owner may read. */
int
config_read_key(const char *path, unsigned char key[32], char **cause)
{
	char		 text[128];
	struct stat	 st;
	ssize_t		 n;
	int		 fd, i, hi, lo, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			return 1;
		*cause = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		*cause = xasprintf("%s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		*cause = xasprintf("%s: mode %04o lets others read the key; "
		    "run: chmod 600 %s", path, (unsigned int)(st.st_mode & 07777),
		    path);
		goto out;
	}
	n = read(fd, text, sizeof text);
	if (n < 64 || n > 66 || (n == 65 && text[64] != '\n') ||
	    (n == 66 && (text[64] != '\r' || text[65] != '\n'))) {
		*cause = xasprintf("%s: want exactly 64 hex digits (and a line "
		    "end)", path);
		goto out;
	}
	for (i = 0; i < 32; i++) {
		hi = config_hex((unsigned char)text[2 * i]);
		lo = config_hex((unsigned char)text[2 * i + 1]);
		if (hi == -1 || lo == -1) {
			*cause = xasprintf("%s: want exactly 64 hex digits "
			    "(and a line end)", path);
			goto out;
		}
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	rc = 0;
out:
	explicit_bzero(text, sizeof text);
	close(fd);
	return rc;
}

/* Makes a new random key in memory. */
int
config_new_key(unsigned char key[32], char **cause)
{
	if (RAND_bytes(key, 32) != 1) {
		*cause = xasprintf("no random bytes for the key");
		return -1;
	}
	return 0;
}

/* Writes a new key file (mode 0600, never over an existing one) and makes
 * it durable: the file, then its directory entry. */
int
config_write_key(const char *path, const unsigned char key[32], char **cause)
{
	char		 hex[65], *dir = NULL, *slash;
	int		 fd = -1, dfd = -1, i, rc = -1;

	for (i = 0; i < 32; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", key[i]);
	hex[64] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1 || write(fd, hex, 65) != 65 || fsync(fd) == -1) {
		*cause = xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL)
		config_set(&dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(dfd) == -1) {
		*cause = xasprintf("%s: %s", dir, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(hex, sizeof hex);
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	free(dir);
	return rc;
}
