/*
 * The broadcast bench's setup: registers N WeCom robots (kind building)
 * under AREA, webhook URL_PREFIX00000 … URL_PREFIX<N-1>, in one
 * transaction through the storage API (what POST /api/v1/groups does, N
 * times). Registering again updates the webhooks in place. The webhooks
 * are sealed under the reporter key, as the daemon's are.
 *
 *   broadcast_setup DB N URL_PREFIX AREA KEYFILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bot/config.h"
#include "storage/areas.h"
#include "storage/outbox.h"
#include "storage/store.h"

int
main(int argc, char **argv)
{
	struct store	*s;
	char		*cause = NULL, name[32], hook[512];
	unsigned char	 key[STORE_KEY_LEN];
	int64_t		 area, id;
	long		 n, i;
	time_t		 now = time(NULL);

	if (argc != 6 || (n = strtol(argv[2], NULL, 10)) < 1) {
		fprintf(stderr, "usage: broadcast_setup DB N URL_PREFIX AREA "
		    "KEYFILE\n");
		return 2;
	}
	if (config_read_key(argv[5], key, &cause) != 0) {
		fprintf(stderr, "broadcast_setup: %s: %s\n", argv[5],
		    cause ? cause : "no key");
		return 1;
	}
	if ((s = store_open(argv[1], key, STORE_MIGRATE, &cause)) == NULL) {
		fprintf(stderr, "broadcast_setup: %s: %s\n", argv[1],
		    cause ? cause : "cannot open");
		return 1;
	}
	if (areas_find(s, argv[4], &area) != STORE_OK) {
		fprintf(stderr, "broadcast_setup: no area %s\n", argv[4]);
		return 1;
	}
	if (store_begin(s) != STORE_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		(void)snprintf(name, sizeof name, "bench-g%05ld", i);
		(void)snprintf(hook, sizeof hook, "%s%05ld", argv[3], i);
		if (groups_add_robot(s, "wecom", name, area, "building", hook,
		    NULL, now, &id) != STORE_OK)
			goto fail;
	}
	if (store_commit(s) != STORE_OK)
		goto fail;
	store_close(s);
	return 0;
fail:
	fprintf(stderr, "broadcast_setup: %s\n", store_errmsg(s));
	store_rollback(s);
	store_close(s);
	return 1;
}
