/* Robot webhook targets: the URL check at registration, the address check
 * at registration and connect time. */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "target.h"

/* Returns 1 if an IPv4 address (host order) is not a public host. */
static int
target_v4_private(uint32_t a)
{
	return (a >> 24) == 0 ||		/* 0.0.0.0/8 */
	    (a >> 24) == 10 ||			/* 10/8 */
	    (a >> 24) == 127 ||			/* loopback */
	    (a >> 22) == (100u << 2 | 1) ||	/* 100.64/10 shared */
	    (a >> 16) == (169u << 8 | 254) ||	/* link-local */
	    (a >> 20) == (172u << 4 | 1) ||	/* 172.16/12 */
	    (a >> 8) == (192u << 16 | 0 << 8 | 0) ||	/* 192.0.0/24 */
	    (a >> 16) == (192u << 8 | 168) ||	/* 192.168/16 */
	    (a >> 17) == (198u << 7 | 9) ||	/* 198.18/15 benchmarks */
	    (a >> 28) >= 14;			/* multicast, reserved */
}

/* Tells whether an address is not a public host. */
int
target_addr_private(const struct sockaddr *sa)
{
	const struct sockaddr_in	*in4;
	const struct sockaddr_in6	*in6;
	const uint8_t			*b;
	static const uint8_t		 zero[16];

	if (sa->sa_family == AF_INET) {
		in4 = (const struct sockaddr_in *)(const void *)sa;
		return target_v4_private(ntohl(in4->sin_addr.s_addr));
	}
	if (sa->sa_family != AF_INET6)
		return 1;
	in6 = (const struct sockaddr_in6 *)(const void *)sa;
	b = in6->sin6_addr.s6_addr;
	if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1))
		return 1;			/* :: and ::1 */
	if (memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff)
		return target_v4_private((uint32_t)b[12] << 24 |
		    (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
	if (b[0] == 0x64 && b[1] == 0xff && b[2] == 0x9b)
		return target_v4_private((uint32_t)b[12] << 24 |
		    (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
	return b[0] == 0xff ||				/* multicast */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||	/* link-local */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) ||	/* site-local */
	    (b[0] & 0xfe) == 0xfc ||			/* unique local */
	    memcmp(b, zero, 12) == 0 ||			/* v4-compatible */
	    (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8);
}

/* Checks a robot webhook URL. */
int
target_check_url(const char *url, int allow_http, int allow_private,
    char *why, size_t size)
{
	struct addrinfo		 hints, *res = NULL, *ai;
	const char		*p, *end, *at;
	char			 host[256];
	size_t			 n;
	int			 rc = -1;

	if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (allow_http && strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else {
		(void)snprintf(why, size, "the webhook must be an https:// URL%s",
		    allow_http ? " or http://" : "");
		return -1;
	}
	end = p + strcspn(p, "/?#");
	for (at = p; at < end; at++)
		if (*at == '@') {
			(void)snprintf(why, size, "the webhook must not carry "
			    "a user name or password");
			return -1;
		}
	if (*p == '[') {			/* [v6]:port */
		p++;
		n = strcspn(p, "]");
		if (p + n >= end) {
			(void)snprintf(why, size, "the webhook's host is malformed");
			return -1;
		}
	} else
		n = strcspn(p, ":/?#");
	if (n == 0 || n >= sizeof host) {
		(void)snprintf(why, size, "the webhook has no valid host");
		return -1;
	}
	memcpy(host, p, n);
	host[n] = '\0';
	if (allow_private)
		return 0;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) {
		(void)snprintf(why, size, "the webhook's host %s does not "
		    "resolve", host);
		goto out;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (target_addr_private(ai->ai_addr)) {
			(void)snprintf(why, size, "the webhook's host %s is a "
			    "loopback, private or link-local address (refused "
			    "unless allow_private_targets = on)", host);
			goto out;
		}
	rc = 0;
out:
	if (res != NULL)
		freeaddrinfo(res);
	return rc;
}
