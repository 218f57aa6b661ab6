/*
 * The kill soak (make soak): tips on every inbound channel while the
 * daemon is killed with SIGKILL at random moments. soak_chan.c plays the
 * platforms (each channel's request, signed or sealed as its platform
 * does, and its answer read back); soak.c runs the clients, the killer
 * and the checks.
 */
#ifndef FANGFEI_SOAK_H
#define FANGFEI_SOAK_H

#include <stddef.h>

#include "tests/e2e/e2e.h"

#define SOAK_SENDERS	4	/* reporters per channel */

/* One answer of the daemon as the platform reads it. */
struct soak_reply {
	long	 status;	/* HTTP status; 0: no answer (connection lost) */
	char	*text;		/* the answer's text (sealed answers opened) */
	int	 error;		/* libcurl's CURLcode; 0 when answered */
};

/* One inbound channel as its platform reaches it. */
struct soak_channel {
	const char	*name;		/* the [channel.NAME] of the config */
	/* Whether the answer comes through the outbox (the webhook's own
	 * answer is an empty acknowledgement). */
	int		 async;
	/*
	 * Sends text as message number id from reporter sender (below
	 * SOAK_SENDERS) to the daemon d; every call signs afresh, as a
	 * platform's retry does. The reply's text is the caller's to free.
	 */
	void		(*say)(const struct daemon *d, int sender,
			    unsigned long id, const char *text,
			    struct soak_reply *);
};

extern const struct soak_channel soak_channels[];
extern const size_t soak_nchannels;

/* The config of every channel: the fake platform API at api_base (the
 * OpenAPIs and sessionWebhook hosts), api_port its port. Caller frees. */
char	*soak_chan_config(const char *api_base, int api_port);
/* The answer body that every API call of the channels accepts. */
extern const char soak_api_ok[];
/* Frees a reply's text. */
void	 soak_reply_free(struct soak_reply *);

#endif
