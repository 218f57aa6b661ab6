/*
 * The SMS bench's shared parts (bench/sms_bench.c, bench/sms_phones.c):
 * the fake phones of a run and what the phones' network records of them.
 */
#ifndef SMS_BENCH_H
#define SMS_BENCH_H

#include <netinet/in.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#define MO_TEXT		"查询 华光"	/* a check: read-only */
#define NUM_PREFIX	"+86138"	/* + 8 digits: the fake phones */
#define NUM_LEN		14
#define NUM_MAX		100000000	/* 8 digits */
#define PARTS_MAX	10	/* parts kept of the probe's answer */
#define PART_MAX	512	/* bytes kept of one part's text */
#define BODY_MAX	8192	/* bytes of the static answer, of a wait body */

enum ph_state { PH_IDLE, PH_SENT, PH_DONE, PH_FAILED };

/* One fake phone: index i sends from NUM_PREFIX and first + i as 8
 * digits. */
struct phone {
	int64_t		 sent_ns;	/* the MO was handed to the SMSC */
	int64_t		 done_ns;	/* the last MT part reached us */
	int		 parts;		/* MT parts received */
	int		 total;		/* parts the UDH announced (1: none) */
	uint32_t	 seen;		/* bit seq - 1 of each part received */
	enum ph_state	 state;
};

/* A run; lock guards everything below it (the sink's thread writes). */
struct run {
	pthread_mutex_t	 lock;
	struct phone	*ph;
	int		 n;		/* phones: 0 the probe, 1..n-1 the run */
	int		 first;		/* the number of phone 0 */
	int		 done;		/* complete answers */
	int		 failed;	/* MOs the SMSC refused */
	int		 mt;		/* MT parts received */
	int		 replied;	/* ... and answered "Sent." */
	int		 stray;		/* parts to no phone of ours, or extra */
	int		 coding;	/* the probe's coding= */
	char		 sample[PARTS_MAX][PART_MAX];	/* its parts, UTF-8 */
	CURLM		*multi;		/* woken when an answer completes */
};

/* The static answer of the reference run. */
struct fixed {
	char		 body[BODY_MAX];
	size_t		 len;
	char		 coding[8];	/* its X-Kannel-Coding, or "" */
};

/* A body kept up to BODY_MAX - 1 bytes, NUL-terminated. */
struct capped {
	char	 data[BODY_MAX];
	size_t	 len;
	int	 over;		/* more came than fits */
};

struct MHD_Daemon;

/* Monotonic nanoseconds. */
int64_t		 now_ns(void);
/* Sleeps ms milliseconds. */
void		 sleep_ms(int);
/* A loopback socket address for port. */
struct sockaddr_in loopback(int);
/* curl write callback appending to a struct capped (see sms_phones.c). */
size_t		 capped_write(char *, size_t, size_t, void *);

/* The phones' network on 127.0.0.1:port, recording MT parts into r;
 * NULL when it cannot listen. */
struct MHD_Daemon *phones_serve(int, struct run *);
/* Waits (a second at most) until every MT part recorded was answered. */
void		 phones_drain(struct run *);
/* Fetches fangfei's answer to MO_TEXT from its hook URL into f: 0 or -1. */
int		 fixed_fetch(const char *, struct fixed *);
/* The static responder on 127.0.0.1:port, answering f every time; NULL
 * when it cannot listen. */
struct MHD_Daemon *static_serve(int, const struct fixed *);

#endif
