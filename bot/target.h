/*
 * Where robot webhooks may point. A token holder registers a robot's URL
 * and the delivery thread posts to it, so a URL on loopback, a private or
 * link-local network would let them reach the server's neighbours (SSRF):
 * such targets are refused at registration and again at connect time (DNS
 * can change), unless [delivery] allow_private_targets is on.
 */
#ifndef FANGFEI_TARGET_H
#define FANGFEI_TARGET_H

#include <stddef.h>
#include <sys/socket.h>

/* Returns 1 if the address is loopback, private, link-local, unspecified,
 * multicast, broadcast, shared (CGNAT) or reserved: not a public host. */
int	 target_addr_private(const struct sockaddr *);
/*
 * Checks a robot webhook URL: https (http only when allow_http), a host,
 * and (unless allow_private) no address of that host, literal or
 * resolved, that target_addr_private() refuses. Returns 0, or -1 with a
 * reason in why.
 */
int	 target_check_url(const char *url, int allow_http, int allow_private,
	    char *why, size_t size);

#endif
