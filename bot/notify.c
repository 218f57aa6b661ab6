/*
 * systemd's notify protocol, which systemd documents as stable for
 * programs that do not link libsystemd: a datagram of "KEY=value" lines
 * sent to the AF_UNIX socket $NOTIFY_SOCKET names, a path or, after an
 * '@', an abstract name.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "log.h"
#include "notify.h"

static int	notify_warned;

int
notify_manager(const char *state)
{
	struct sockaddr_un	 addr;
	const char		*path = getenv("NOTIFY_SOCKET");
	socklen_t		 len;
	size_t			 n;
	int			 fd, rc;

	if (path == NULL || *path == '\0')
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n < 2 ||
	    n >= sizeof addr.sun_path) {
		/* Only the main thread notifies: said once. */
		if (!notify_warned)
			log_warn("NOTIFY_SOCKET: not a socket path fangfei can "
			    "use (an absolute path or @name, under %zu "
			    "bytes): systemd is not told", sizeof addr.sun_path);
		notify_warned = 1;
		return -1;
	}
	memset(&addr, 0, sizeof addr);
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, n);
	if (path[0] == '@')
		addr.sun_path[0] = '\0';		/* abstract: no terminator */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (path[0] == '/'));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("NOTIFY_SOCKET: socket: %s", strerror(errno));
		return -1;
	}
	rc = (int)sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&addr, len);
	if (rc == -1)
		log_warn("NOTIFY_SOCKET %s: %s", path, strerror(errno));
	close(fd);
	return rc == -1 ? -1 : 0;
}

int
notify_reloading(void)
{
	struct timespec	 ts;
	char		 state[64];

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	(void)snprintf(state, sizeof state,
	    "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	return notify_manager(state);
}
