/*
 * Long connections: the channels that receive over a WebSocket the daemon
 * opens itself instead of webhooks (DingTalk Stream, Feishu's long
 * connection, the WeCom AI bot), for servers with no public address.
 *
 * Each such channel instance has one supervisor, owned by one thread of
 * its own: it takes the credential's lock (one owner per credential on
 * this machine: a second process waits in standby and takes over when the
 * first goes away), bootstraps, dials, pings, watches the age of the last
 * frame, reconnects with capped backoff and jitter, and replaces a
 * connection the platform is about to close before closing it. A message
 * is acknowledged on the connection that carried it, only after its
 * dispatch transaction (and the outbox rows of its answer) committed; a
 * redelivery is answered from the dedupe record.
 */
#ifndef FANGFEI_STREAM_H
#define FANGFEI_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "config.h"
#include "handlers/handlers.h"

struct delivery;
struct stream_set;
struct buf;

/*
 * Starts a supervisor for every configured channel whose backend streams()
 * (none: returns an empty set). env gives the server's newest environment
 * (flood limits are shared, texts and limits follow a reload); cfg, env's
 * environments and dl must outlive the set. NULL with *cause when a
 * supervisor cannot start (two channels on one credential, no thread).
 */
struct stream_set	*stream_start(const struct config *, const uint8_t *key,
			    struct handler_env_source, struct delivery *,
			    char **cause);
/*
 * SIGTERM: stops every supervisor. The frames already queued (ACKs of
 * stored messages) are written, each connection is closed with a Close
 * frame, replies sent over a connection wait for their answer for up to
 * 2 s (rows still unanswered stay 'sending' and go again at the next
 * start), and the locks are released.
 */
void			 stream_stop(struct stream_set *);

/*
 * Whether this process may send ch's rows over its long connection: not
 * while it stands by because another instance owns the credential (that
 * one sends them). 1 also before the first look at the lock, and for a
 * channel without a supervisor (stream_submit() then refuses).
 */
int			 stream_owns(const struct channel *);

/*
 * The delivery thread's hand-over of a claimed outbox row for a channel
 * whose backend sends over_socket(). The supervisor sends it when the
 * connection is ready and records the answer in the outbox itself.
 * Returns 0, or -1 when the channel has no supervisor (the caller puts the
 * row back).
 */
int			 stream_submit(const struct channel *,
			    const struct outbound *, int attempts,
			    time_t created);

/* Appends the per-channel gauges and counters to /metrics text. */
void			 stream_metrics(struct stream_set *, struct buf *);
/*
 * Appends one line per long connection that is down ("stream NAME: down
 * for N s: reason") to b; connections in standby (another process owns
 * the credential) or down for less than a short grace are not down.
 * Returns how many are down.
 */
int			 stream_health(struct stream_set *, struct buf *);

#endif
