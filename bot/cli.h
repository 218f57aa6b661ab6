/* The command line's shared pieces: bot/main.c and bot/cli_*.c. */
#ifndef FANGFEI_CLI_H
#define FANGFEI_CLI_H

#include <stdint.h>

#include "config.h"
#include "storage/store.h"

struct cli {
	struct config	 cfg;
	const char	*config_path;
	char		*db_shown;	/* the database for messages: a URL
					   without its password (cli_setup) */
	char		*key_path;	/* set by cli_key() */
	int		 key_new;	/* the key file did not exist */
	uint8_t		 key_buf[STORE_KEY_LEN];	/* while checking */
};

/* Parses --config, --db, and (when the pointers are given) --listen and
 * --lang; prints usage on --help. Returns the index of the first operand,
 * or -1 after printing usage to stderr. */
int		 cli_options(struct cli *, int argc, char **argv,
		    const char *usage, const char **listen, const char **lang);
/* Loads the config file and environment, then applies db if given. */
int		 cli_setup(struct cli *, const char *db);
/* Loads the reporter key, or makes one in memory when its file does not
 * exist: cli_store() writes it only once the database is known not to
 * need an old one. */
int		 cli_key(struct cli *, uint8_t key[STORE_KEY_LEN]);
int		 cli_key_read(const char *path, int must_exist,
		    uint8_t key[STORE_KEY_LEN], int *key_new);
/* Opens the database, applying migrations, and checks the key (when not
 * NULL) against it; prints why it cannot. */
struct store	*cli_store(struct cli *, const uint8_t *key);

/* Options of the office commands, all optional until a command says. */
struct admin_opts {
	const char	*name, *role, *area, *phone, *kind, *robot;
	const char	*webhook, *secret, *label, *kinds, *db, *date;
	const char	*issuer, *per, *place;
	long		 id, count;
	int		 csv;
	int		 preview;	/* broadcast --preview */
	/* audit list, token create */
	const char	*action, *since, *expires;
	long		 limit, expires_days;
};
/* Parses the office options (bot/cli_admin.c); returns the first operand,
 * or -1 after printing usage. */
int		 admin_options(struct cli *, int argc, char **argv,
		    const char *usage, struct admin_opts *);
/* Opens the store and, when area is not NULL, resolves --area. */
struct store	*admin_open(struct cli *, const struct admin_opts *,
		    int64_t *area);

struct broadcast_new;
struct broadcast_reach;
/* Fills the SMS fields of a broadcast whose kinds name sms (the channel,
 * from the config) and *parts with what its text costs one number, 0
 * without sms; -1 after printing why (an unknown kind, no SMS channel). */
int		 cli_broadcast_sms(struct cli *, struct broadcast_new *,
		    int *parts);
/* Prints "N 个群 groups" and, when parts > 0, the numbers and SMS parts. */
void		 cli_print_reach(const struct broadcast_reach *, int parts);

int		 cli_letter(struct cli *, int argc, char **argv);
int		 cli_reminder(struct cli *, int argc, char **argv);
/* bot/cli_patrol.c: weekly patrol coverage. */
int		 cli_patrol(struct cli *, int argc, char **argv);
int		 cli_config(struct cli *, int argc, char **argv);
int		 cli_channel(struct cli *, int argc, char **argv);
int		 cli_staff(struct cli *, int argc, char **argv);
/* bot/cli_ics.c: fangfei staff ics, a staff member's calendar feed. */
int		 cli_staff_ics(struct cli *, int argc, char **argv);
int		 cli_group(struct cli *, int argc, char **argv);
int		 cli_token(struct cli *, int argc, char **argv);
int		 cli_broadcast(struct cli *, int argc, char **argv);
int		 cli_notice(struct cli *, int argc, char **argv);
int		 cli_audit(struct cli *, int argc, char **argv);
int		 cli_ledger(struct cli *, int argc, char **argv);
/* bot/cli_trust.c: rewards, the custodian duty, forgetting reporters. */
int		 cli_reward(struct cli *, int argc, char **argv);
int		 cli_custodian(struct cli *, int argc, char **argv);
int		 cli_tips_forget(struct cli *, int argc, char **argv);
/* bot/cli_backup.c: online copies of the database, and restoring one. */
int		 cli_backup(struct cli *, int argc, char **argv);
int		 cli_restore(struct cli *, int argc, char **argv);

#endif
