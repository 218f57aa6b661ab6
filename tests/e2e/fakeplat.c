/*
 * The fake platform: libmicrohttpd with a thread per connection, so that a
 * HOLD answer can simply wait on a condition variable in the handler.
 * The raw request line (path and undecoded query) comes from the URI log
 * callback, which also allocates the per-request state.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>

#include "fakeplat.h"

#define FP_SCRIPTS	8
#define FP_BODY_MAX	(1024 * 1024)

struct fp_script {
	char	*prefix;	/* NULL: any path */
	int	 left;
	long	 status;
	char	*body;
};

struct fakeplat {
	struct MHD_Daemon	*mhd;
	int			 port;
	char			 base[64];
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct fakeplat_record	*recs;
	size_t			 nrecs, cap;
	unsigned long		 epoch;		/* bumped by reset */
	char			*ok_body;
	struct fp_script	 scripts[FP_SCRIPTS];
	int			 hold;
	int			 stall;
	unsigned long		 stall_gen;	/* bumped when one ends */
	unsigned long		 release_gen;
	size_t			 nheld;
	int			 stopping;
};

/* One request being received. */
struct fp_req {
	char	*uri;
	char	*body;
	size_t	 len, cap;
	int	 started;
	int	 too_big;
};

static char *
fp_strdup(const char *s)
{
	char	*p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		abort();
	return p;
}

static char *
fp_memdup(const char *s, size_t len)
{
	char	*p;

	if ((p = malloc(len + 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static int64_t
fp_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
fp_prefix(const char *path, const char *prefix)
{
	return prefix == NULL || strncmp(path, prefix, strlen(prefix)) == 0;
}

/* MHD: a request line arrived; its state starts here. */
static void *
fp_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct fp_req	*r;

	(void)cls;
	(void)c;
	if ((r = calloc(1, sizeof *r)) == NULL)
		abort();
	r->uri = fp_strdup(uri ? uri : "");
	return r;
}

/* MHD: the request is over. */
static void
fp_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct fp_req	*r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r == NULL)
		return;
	free(r->uri);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

struct fp_hbuf {
	char	*s;
	size_t	 len;
	char	*ctype;
};

/* MHD: one request header, collected. */
static enum MHD_Result
fp_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct fp_hbuf	*h = cls;
	size_t		 n;

	(void)kind;
	if (value == NULL)
		value = "";
	n = strlen(key) + strlen(value) + 3;
	if ((h->s = realloc(h->s, h->len + n + 1)) == NULL)
		abort();
	(void)snprintf(h->s + h->len, n + 1, "%s: %s\n", key, value);
	h->len += n;
	if (strcasecmp(key, "Content-Type") == 0 && h->ctype == NULL)
		h->ctype = fp_strdup(value);
	return MHD_YES;
}

static enum MHD_Result
fp_answer(struct MHD_Connection *c, long status, const char *body)
{
	struct MHD_Response	*resp;
	enum MHD_Result		 rc;

	resp = MHD_create_response_from_buffer(strlen(body), (void *)(uintptr_t)body,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(resp, "Content-Type",
	    "application/json; charset=utf-8");
	rc = MHD_queue_response(c, (unsigned int)status, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* MHD: the handler; called first with the headers, then with body
 * pieces, then once more at the end. */
static enum MHD_Result
fp_access(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct fakeplat		*fp = cls;
	struct fp_req		*r = *con_cls;
	struct fakeplat_record	*rec;
	struct fp_hbuf		 h = { NULL, 0, NULL };
	struct fp_script	*sc;
	unsigned long		 epoch, gen;
	size_t			 idx, i;
	long			 status = 200;
	char			*body = NULL;
	enum MHD_Result		 rc;

	(void)url;
	(void)version;
	if (r == NULL)
		return MHD_NO;
	if (!r->started) {
		r->started = 1;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (r->len + *upload_size > FP_BODY_MAX)
			r->too_big = 1;
		else {
			if (r->len + *upload_size + 1 > r->cap) {
				r->cap = (r->len + *upload_size + 1) * 2;
				if ((r->body = realloc(r->body, r->cap)) == NULL)
					abort();
			}
			memcpy(r->body + r->len, upload, *upload_size);
			r->len += *upload_size;
			r->body[r->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	(void)MHD_get_connection_values(c, MHD_HEADER_KIND, fp_header, &h);

	pthread_mutex_lock(&fp->lock);
	if (fp->nrecs == fp->cap) {
		fp->cap = fp->cap ? fp->cap * 2 : 256;
		if ((fp->recs = realloc(fp->recs, fp->cap * sizeof *fp->recs)) ==
		    NULL)
			abort();
	}
	idx = fp->nrecs++;
	epoch = fp->epoch;
	rec = &fp->recs[idx];
	memset(rec, 0, sizeof *rec);
	rec->ms = fp_now_ms();
	(void)snprintf(rec->method, sizeof rec->method, "%s", method);
	rec->path = fp_strdup(r->uri);
	rec->content_type = h.ctype ? h.ctype : fp_strdup("");
	rec->headers = h.s ? h.s : fp_strdup("");
	rec->body = fp_memdup(r->body, r->len);
	rec->len = r->len;
	for (i = 0; i < FP_SCRIPTS; i++) {
		sc = &fp->scripts[i];
		if (sc->left > 0 && fp_prefix(r->uri, sc->prefix)) {
			sc->left--;
			status = sc->status;
			body = fp_strdup(sc->body);
			break;
		}
	}
	if (body == NULL && fp->stall && !fp->stopping) {
		fp->nheld++;
		gen = fp->stall_gen;
		while (gen == fp->stall_gen && !fp->stopping)
			pthread_cond_wait(&fp->cond, &fp->lock);
		fp->nheld--;
		status = 504;
		body = fp_strdup("{\"errcode\":-1,\"errmsg\":\"gateway "
		    "timeout\"}");
	}
	if (body == NULL && fp->hold && !fp->stopping) {
		fp->nheld++;
		gen = fp->release_gen;
		while (gen == fp->release_gen && !fp->stopping)
			pthread_cond_wait(&fp->cond, &fp->lock);
		fp->nheld--;
	}
	if (body == NULL)
		body = fp_strdup(fp->ok_body ? fp->ok_body : FAKEPLAT_OK_BODY);
	if (r->too_big) {
		status = 413;
		free(body);
		body = fp_strdup("{\"errcode\":-2,\"errmsg\":\"too big\"}");
	}
	if (epoch == fp->epoch && idx < fp->nrecs)
		fp->recs[idx].status = status;
	pthread_mutex_unlock(&fp->lock);

	rc = fp_answer(c, status, body);
	free(body);
	return rc;
}

struct fakeplat *
fakeplat_start(void)
{
	struct fakeplat			*fp;
	struct sockaddr_in		 sa;
	const union MHD_DaemonInfo	*info;

	signal(SIGPIPE, SIG_IGN);
	if ((fp = calloc(1, sizeof *fp)) == NULL)
		return NULL;
	pthread_mutex_init(&fp->lock, NULL);
	pthread_cond_init(&fp->cond, NULL);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fp->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL | MHD_USE_ITC, 0,
	    NULL, NULL, fp_access, fp,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_URI_LOG_CALLBACK, fp_uri, fp,
	    MHD_OPTION_NOTIFY_COMPLETED, fp_completed, fp,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)2000,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
	    MHD_OPTION_END);
	if (fp->mhd == NULL ||
	    (info = MHD_get_daemon_info(fp->mhd,
	    MHD_DAEMON_INFO_BIND_PORT)) == NULL || info->port == 0) {
		if (fp->mhd != NULL)
			MHD_stop_daemon(fp->mhd);
		pthread_mutex_destroy(&fp->lock);
		pthread_cond_destroy(&fp->cond);
		free(fp);
		return NULL;
	}
	fp->port = info->port;
	(void)snprintf(fp->base, sizeof fp->base, "http://127.0.0.1:%d",
	    fp->port);
	return fp;
}

/* Frees records and scripts; the caller holds the lock. */
static void
fp_clear(struct fakeplat *fp)
{
	size_t	 i;

	for (i = 0; i < fp->nrecs; i++) {
		free(fp->recs[i].path);
		free(fp->recs[i].content_type);
		free(fp->recs[i].headers);
		free(fp->recs[i].body);
	}
	fp->nrecs = 0;
	fp->epoch++;
	for (i = 0; i < FP_SCRIPTS; i++) {
		free(fp->scripts[i].prefix);
		free(fp->scripts[i].body);
		memset(&fp->scripts[i], 0, sizeof fp->scripts[i]);
	}
}

void
fakeplat_stop(struct fakeplat *fp)
{
	if (fp == NULL)
		return;
	pthread_mutex_lock(&fp->lock);
	fp->stopping = 1;
	fp->hold = 0;
	fp->stall = 0;
	fp->release_gen++;
	pthread_cond_broadcast(&fp->cond);
	pthread_mutex_unlock(&fp->lock);
	MHD_stop_daemon(fp->mhd);
	fp_clear(fp);
	free(fp->recs);
	free(fp->ok_body);
	pthread_mutex_destroy(&fp->lock);
	pthread_cond_destroy(&fp->cond);
	free(fp);
}

int
fakeplat_port(const struct fakeplat *fp)
{
	return fp->port;
}

const char *
fakeplat_base(const struct fakeplat *fp)
{
	return fp->base;
}

void
fakeplat_reset(struct fakeplat *fp)
{
	pthread_mutex_lock(&fp->lock);
	fp_clear(fp);
	free(fp->ok_body);
	fp->ok_body = NULL;
	fp->hold = 0;
	fp->stall = 0;
	fp->stall_gen++;
	fp->release_gen++;
	pthread_cond_broadcast(&fp->cond);
	pthread_mutex_unlock(&fp->lock);
}

void
fakeplat_set_ok(struct fakeplat *fp, const char *body)
{
	pthread_mutex_lock(&fp->lock);
	free(fp->ok_body);
	fp->ok_body = fp_strdup(body);
	pthread_mutex_unlock(&fp->lock);
}

void
fakeplat_script(struct fakeplat *fp, const char *prefix, int n, long status,
    const char *body)
{
	size_t	 i;

	pthread_mutex_lock(&fp->lock);
	for (i = 0; i < FP_SCRIPTS; i++)
		if (fp->scripts[i].left <= 0)
			break;
	if (i == FP_SCRIPTS) {
		pthread_mutex_unlock(&fp->lock);
		fprintf(stderr, "fakeplat: more than %d scripts\n", FP_SCRIPTS);
		abort();
	}
	free(fp->scripts[i].prefix);
	free(fp->scripts[i].body);
	fp->scripts[i].prefix = fp_strdup(prefix);
	fp->scripts[i].left = n;
	fp->scripts[i].status = status;
	fp->scripts[i].body = fp_strdup(body ? body : "");
	pthread_mutex_unlock(&fp->lock);
}

void
fakeplat_script_cancel(struct fakeplat *fp, const char *prefix)
{
	size_t	 i;

	pthread_mutex_lock(&fp->lock);
	for (i = 0; i < FP_SCRIPTS; i++)
		if ((prefix == NULL && fp->scripts[i].prefix == NULL) ||
		    (prefix != NULL && fp->scripts[i].prefix != NULL &&
		    strcmp(prefix, fp->scripts[i].prefix) == 0))
			fp->scripts[i].left = 0;
	pthread_mutex_unlock(&fp->lock);
}

void
fakeplat_hold(struct fakeplat *fp, int on)
{
	pthread_mutex_lock(&fp->lock);
	fp->hold = on;
	pthread_mutex_unlock(&fp->lock);
}

void
fakeplat_release(struct fakeplat *fp)
{
	pthread_mutex_lock(&fp->lock);
	fp->release_gen++;
	pthread_cond_broadcast(&fp->cond);
	pthread_mutex_unlock(&fp->lock);
}

void
fakeplat_stall(struct fakeplat *fp, int on)
{
	pthread_mutex_lock(&fp->lock);
	if (fp->stall && !on)
		fp->stall_gen++;
	fp->stall = on;
	pthread_cond_broadcast(&fp->cond);
	pthread_mutex_unlock(&fp->lock);
}

size_t
fakeplat_count(struct fakeplat *fp, const char *prefix)
{
	size_t	 i, n = 0;

	pthread_mutex_lock(&fp->lock);
	for (i = 0; i < fp->nrecs; i++)
		if (fp_prefix(fp->recs[i].path, prefix))
			n++;
	pthread_mutex_unlock(&fp->lock);
	return n;
}

size_t
fakeplat_held(struct fakeplat *fp)
{
	size_t	 n;

	pthread_mutex_lock(&fp->lock);
	n = fp->nheld;
	pthread_mutex_unlock(&fp->lock);
	return n;
}

struct fakeplat_record *
fakeplat_records(struct fakeplat *fp, const char *prefix, size_t *n)
{
	struct fakeplat_record	*out, *src;
	size_t			 i;

	pthread_mutex_lock(&fp->lock);
	if ((out = calloc(fp->nrecs + 1, sizeof *out)) == NULL)
		abort();
	*n = 0;
	for (i = 0; i < fp->nrecs; i++) {
		src = &fp->recs[i];
		if (!fp_prefix(src->path, prefix))
			continue;
		out[*n] = *src;
		out[*n].path = fp_strdup(src->path);
		out[*n].content_type = fp_strdup(src->content_type);
		out[*n].headers = fp_strdup(src->headers);
		out[*n].body = fp_memdup(src->body, src->len);
		(*n)++;
	}
	pthread_mutex_unlock(&fp->lock);
	return out;
}

void
fakeplat_free(struct fakeplat_record *recs, size_t n)
{
	size_t	 i;

	if (recs == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(recs[i].path);
		free(recs[i].content_type);
		free(recs[i].headers);
		free(recs[i].body);
	}
	free(recs);
}
