/*
 * fangfei staff ics --id N [--revoke]: a staff member's calendar feed.
 * The address is printed once (only the secret's hash is kept); making a
 * new one revokes the old, and --revoke ends it. Both are audit entries
 * by "cli".
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "clock.h"
#include "cli.h"
#include "storage/icsfeeds.h"
#include "storage/staff.h"

static const char usage_ics[] =
"用法 usage: fangfei staff ics --id N [--revoke] [--config FILE] [--db PATH]\n"
"\n"
"日历订阅 A calendar feed of staff member N's reminders and the publicity\n"
"calendar of their area, for any phone calendar (subscribe to the address).\n"
"The address is shown once; a new one replaces the old. --revoke ends it.\n"
"The address is public_base_url/ics/SECRET.ics ([server] public_base_url).\n";

/* fangfei staff ics */
int
cli_staff_ics(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "id", required_argument, NULL, 'i' },
		{ "revoke", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct staff_info	 who;
	struct store		*s = NULL;
	uint8_t			 key[STORE_KEY_LEN];
	char			 secret[ICSFEED_SECRET_LEN + 1], detail[192];
	const char		*db = NULL, *base;
	enum store_status	 st;
	char			*end;
	long			 id = 0;
	int			 c, revoke = 0, rc = 1;

	/* argv[0] is "staff", argv[1] "ics". */
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cli->config_path = optarg; break;
		case 'd': db = optarg; break;
		case 'r': revoke = 1; break;
		case 'i':
			id = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0')
				id = 0;
			break;
		case 'h':
			fputs(usage_ics, stdout);
			return 0;
		default:
			fputs(usage_ics, stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || id <= 0) {
		fputs(usage_ics, stderr);
		return 2;
	}
	if (cli_setup(cli, db) == -1 || cli_key(cli, key) == -1 ||
	    (s = cli_store(cli, key)) == NULL)
		return 1;
	if (staff_get(s, id, &who) != STORE_OK) {
		fprintf(stderr, "fangfei: 没有工作人员 no staff --id %ld\n", id);
		goto out;
	}
	(void)snprintf(detail, sizeof detail, "staff %ld (%.64s)", id,
	    who.name);
	if (store_begin(s) != STORE_OK)
		goto fail;
	st = revoke ? icsfeeds_revoke(s, id, clock_now()) :
	    icsfeeds_create(s, id, clock_now(), secret);
	if (st == STORE_NOT_FOUND) {
		store_rollback(s);
		fprintf(stderr, "fangfei: %s\n", revoke ? "没有有效的日历订阅 no "
		    "live calendar feed" : "该工作人员已停用 the staff member is "
		    "not active");
		goto out;
	}
	if (st != STORE_OK || audit_add_area(s, "cli", revoke ? "ics revoke" :
	    "ics create", detail, who.area_id, clock_now()) != STORE_OK ||
	    store_commit(s) != STORE_OK) {
		store_rollback(s);
		goto fail;
	}
	if (revoke)
		printf("日历订阅已停用 calendar feed revoked: %s\n", who.name);
	else {
		base = cli->cfg.public_base_url != NULL ?
		    cli->cfg.public_base_url : "";
		printf("日历订阅 calendar feed of %s (只显示一次 shown once):\n"
		    "%s/ics/%s.ics\n", who.name, base, secret);
		OPENSSL_cleanse(secret, sizeof secret);
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "fangfei: %s\n", store_errmsg(s));
out:
	store_close(s);
	return rc;
}
