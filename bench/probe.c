/*
 * A tiny HTTP/1.0 client for bench/run.sh, so that the bench needs no curl.
 *
 *   probe port                       print a free loopback TCP port
 *   probe get PORT PATH              print the status; exit 0 on 200
 *   probe post PORT PATH FILE [HEADER]...
 *                                    POST FILE's contents as JSON, print
 *                                    the status line and the body
 *
 * Talks to 127.0.0.1 only, gives up after 5 seconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int
port_arg(const char *s)
{
	char	*end;
	long	 p = strtol(s, &end, 10);

	if (*end != '\0' || p < 1 || p > 65535) {
		fprintf(stderr, "probe: bad port %s\n", s);
		exit(2);
	}
	return (int)p;
}

static int
dial(int port)
{
	struct sockaddr_in	 sa;
	struct timeval		 tv = { 5, 0 };
	int			 fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0) {
			if (w == -1 && errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads the whole response (HTTP/1.0: until the peer closes). */
static char *
read_all(int fd, size_t *len)
{
	size_t	 cap = 65536, n = 0;
	char	*buf = malloc(cap + 1);
	ssize_t	 r;

	if (buf == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int
status_of(const char *resp)
{
	int	 st;

	if (sscanf(resp, "HTTP/%*d.%*d %d", &st) != 1)
		return -1;
	return st;
}

int
main(int argc, char **argv)
{
	char	*resp, *req, *body = NULL;
	size_t	 len, blen = 0, cap;
	int	 fd, st, i;

	if (argc == 2 && strcmp(argv[1], "port") == 0) {
		struct sockaddr_in	 sa;
		socklen_t		 sl = sizeof sa;

		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			return 1;
		memset(&sa, 0, sizeof sa);
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
		    getsockname(fd, (struct sockaddr *)&sa, &sl) == -1) {
			perror("probe");
			return 1;
		}
		printf("%d\n", ntohs(sa.sin_port));
		close(fd);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "get") == 0) {
		if ((fd = dial(port_arg(argv[2]))) == -1)
			return 1;
		cap = strlen(argv[3]) + 64;
		if ((req = malloc(cap)) == NULL)
			return 1;
		(void)snprintf(req, cap, "GET %s HTTP/1.0\r\n\r\n", argv[3]);
		if (write_all(fd, req, strlen(req)) == -1 ||
		    (resp = read_all(fd, &len)) == NULL) {
			close(fd);
			return 1;
		}
		close(fd);
		st = status_of(resp);
		printf("%d\n", st);
		return st == 200 ? 0 : 1;
	}
	if (argc >= 5 && strcmp(argv[1], "post") == 0) {
		FILE	*f = fopen(argv[4], "r");
		char	 hdrs[4096] = "";
		char	*p;

		if (f == NULL) {
			perror(argv[4]);
			return 2;
		}
		body = read_all(fileno(f), &blen);
		fclose(f);
		for (i = 5; i < argc; i++) {
			size_t	 o = strlen(hdrs);
			(void)snprintf(hdrs + o, sizeof hdrs - o, "%s\r\n",
			    argv[i]);
		}
		cap = strlen(argv[3]) + strlen(hdrs) + 256;
		if (body == NULL || (req = malloc(cap)) == NULL)
			return 1;
		(void)snprintf(req, cap, "POST %s HTTP/1.0\r\n"
		    "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n%s\r\n", argv[3], blen, hdrs);
		if ((fd = dial(port_arg(argv[2]))) == -1) {
			perror("probe: connect");
			return 1;
		}
		if (write_all(fd, req, strlen(req)) == -1 ||
		    write_all(fd, body, blen) == -1 ||
		    (resp = read_all(fd, &len)) == NULL) {
			close(fd);
			return 1;
		}
		close(fd);
		st = status_of(resp);
		p = strstr(resp, "\r\n\r\n");
		printf("HTTP %d\n%s\n", st, p != NULL ? p + 4 : "");
		return st == 200 ? 0 : 1;
	}
	fprintf(stderr, "usage: probe port | probe get PORT PATH | "
	    "probe post PORT PATH FILE [HEADER]...\n");
	return 2;
}
