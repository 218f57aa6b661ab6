/*
 * Telling the service manager how the daemon is doing: systemd's notify
 * protocol (sd_notify(3)), one datagram to the socket $NOTIFY_SOCKET
 * names. The unit is Type=notify, so systemd counts the daemon started
 * only once it serves, and does not send a reload's SIGHUP before.
 */
#ifndef FANGFEI_NOTIFY_H
#define FANGFEI_NOTIFY_H

/*
 * Sends state ("READY=1", "STOPPING=1", ...) when $NOTIFY_SOCKET is set.
 * Returns 0 when sent or when no manager listens, -1 (with a warning
 * logged) when the socket is unusable.
 */
int	notify_manager(const char *state);
/* "RELOADING=1" with the monotonic time systemd asks of it. */
int	notify_reloading(void);

#endif
