/* The clock: the system's, or moved by FANGFEI_NOW. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "messages/xmalloc.h"

/* Seconds added to the system's clock; set once at start. */
static time_t	 clock_offset;
static int	 clock_set;

/* Days from 1970-01-01 to a civil date (proleptic Gregorian). */
static int64_t
clock_days(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Reads an ISO 8601 time. */
int
clock_parse(const char *s, int utc_offset, time_t *out)
{
	int	 y, mo, d, h = 0, mi = 0, sec = 0, n = 0, zh, zm, off;
	char	 sign;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (s == NULL || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 ||
	    n != 10)
		return -1;
	s += n;
	off = utc_offset;
	if (*s == 'T' || *s == ' ') {
		s++;
		if (sscanf(s, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5)
			return -1;
		s += n;
		if (*s == ':') {
			if (sscanf(s + 1, "%2d%n", &sec, &n) != 1 || n != 2)
				return -1;
			s += 3;
		}
		if (*s == 'Z') {
			off = 0;
			s++;
		} else if (*s == '+' || *s == '-') {
			sign = *s++;
			if (sscanf(s, "%2d:%2d%n", &zh, &zm, &n) == 2 && n == 5)
				s += 5;
			else if (sscanf(s, "%2d%2d%n", &zh, &zm, &n) == 2 &&
			    n == 4)
				s += 4;
			else
				return -1;
			if (zh > 14 || zm > 59)
				return -1;
			off = (zh * 3600 + zm * 60) * (sign == '-' ? -1 : 1);
		}
	}
	if (*s != '\0' || y < 1970 || y > 9999 || mo < 1 || mo > 12 ||
	    d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 &&
	    !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	*out = (time_t)(clock_days(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    sec - off);
	return 0;
}

/* Sets the clock from FANGFEI_NOW. */
int
clock_setup(int utc_offset, char **cause)
{
	const char	*v = getenv("FANGFEI_NOW");
	time_t		 t;

	if (v == NULL || *v == '\0')
		return 0;
	if (clock_parse(v, utc_offset, &t) == -1) {
		*cause = xasprintf("FANGFEI_NOW=\"%s\": want an ISO 8601 time "
		    "such as 2026-06-15T08:00:00+08:00", v);
		return -1;
	}
	clock_offset = t - time(NULL);
	clock_set = 1;
	return 0;
}

int
clock_moved(void)
{
	return clock_set;
}

time_t
clock_now(void)
{
	return time(NULL) + clock_offset;
}

time_t
clock_at(time_t system)
{
	return system + clock_offset;
}

int64_t
clock_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec + clock_offset) * 1000 +
	    ts.tv_nsec / 1000000;
}
