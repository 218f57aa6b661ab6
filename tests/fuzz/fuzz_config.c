/*
 * Fuzzes the INI configuration reader (bot/config.c, through inih): the
 * input is written to a file (one path per process, removed once read),
 * then loaded, checked and freed.
 */
#include <stdio.h>
#include <unistd.h>

#include "bot/config.h"
#include "fuzz_common.h"

static char	 path[64];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 cfg;
	char		*cause = NULL;
	FILE		*f;
	int		 rc;

	if (path[0] == '\0') {
		(void)snprintf(path, sizeof path,
		    "/tmp/fangfei-fuzz-config-%ld.ini", (long)getpid());
	}
	f = fopen(path, "w");
	FUZZ_ASSERT(f != NULL);
	FUZZ_ASSERT(fwrite(data, 1, size, f) == size);
	FUZZ_ASSERT(fclose(f) == 0);

	config_init(&cfg);
	rc = config_load(&cfg, path, &cause);
	(void)unlink(path);
	if (rc == 0) {
		FUZZ_ASSERT(cause == NULL);
		FUZZ_ASSERT(cfg.nchannels <= CONFIG_CHANNELS_MAX);
		if (config_check(&cfg, &cause) == 0)
			FUZZ_ASSERT(cause == NULL);
		else
			FUZZ_ASSERT(cause != NULL);
		if (cfg.nchannels > 0)
			FUZZ_ASSERT(config_channel(&cfg,
			    cfg.channels[0].name) == &cfg.channels[0]);
	} else
		FUZZ_ASSERT(cause != NULL);
	free(cause);
	config_free(&cfg);
	return 0;
}
