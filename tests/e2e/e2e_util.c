/* Process and HTTP helpers for the end-to-end tests. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include "e2e.h"
#include "tests/template.h"
#include "tests/pgholds.h"

/* Aborts the test run with a message. */
static void
e2e_die(const char *what)
{
	fprintf(stderr, "e2e: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Runs the binary with args and waits; returns its exit status. */
static int
e2e_run(const struct daemon *d, const char *const *args)
{
	const char	*bin = getenv("FANGFEI_BIN");
	char		*argv[16], conf[512];
	pid_t		 pid;
	int		 st, i = 0;

	(void)snprintf(conf, sizeof conf, "%s/fangfei.ini", d->dir);
	argv[i++] = (char *)(uintptr_t)(bin ? bin : "build/fangfei");
	for (; *args != NULL && i < 13; args++)
		argv[i++] = (char *)(uintptr_t)*args;
	argv[i++] = (char *)(uintptr_t)"--config";
	argv[i++] = conf;
	argv[i] = NULL;
	if ((pid = fork()) == -1)
		e2e_die("fork");
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) == -1)
		e2e_die("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Makes a new schema in FANGFEI_TEST_PG's database, as the unit tests'
 * teststore_location() does, and returns the URL that selects it. */
char *
e2e_pg_schema(void)
{
	static int	 n;
	const char	*pg = getenv("FANGFEI_TEST_PG");
	char		 name[64], sql[96], *url;
	PGconn		*c;
	PGresult	*res;

	if (pg == NULL || *pg == '\0') {
		fprintf(stderr, "e2e: FANGFEI_TEST_PG is not set\n");
		exit(1);
	}
	(void)snprintf(name, sizeof name, "e%ld_%d", (long)getpid(), ++n);
	(void)snprintf(sql, sizeof sql, "CREATE SCHEMA %s", name);
	c = PQconnectdb(pg);
	res = PQexec(c, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "e2e: %s: %s", sql, PQerrorMessage(c));
		exit(1);
	}
	PQclear(res);
	PQfinish(c);
	if ((url = malloc(strlen(pg) + 128)) == NULL)
		e2e_die("malloc");
	(void)snprintf(url, strlen(pg) + 128, "%s%coptions=-csearch_path%%3D%s",
	    pg, strchr(pg, '?') ? '&' : '?', name);
	return url;
}

/*
 * Returns the path of a SQLite database with every schema step applied
 * and nothing else in it (no key check, no key file), made by "fangfei
 * migrate" at the first call (tests/template.h); NULL with
 * FANGFEI_TEST_MIGRATE=1. A copy gets its key at its first import, as a
 * new file does.
 */
static const char *
e2e_template(void)
{
	static const char *const migrate[] = { "migrate", NULL };
	static char	 db[96];
	struct daemon	 t;
	char		 path[96];
	FILE		*f;

	if (!template_wanted())
		return NULL;
	if (db[0] != '\0')
		return db;
	memset(&t, 0, sizeof t);
	if ((t.dir = (char *)(uintptr_t)template_dir()) == NULL)
		e2e_die("template directory");
	(void)snprintf(db, sizeof db, "%s/fangfei.db", t.dir);
	(void)snprintf(path, sizeof path, "%s/fangfei.ini", t.dir);
	if ((f = fopen(path, "w")) == NULL)
		e2e_die(path);
	fprintf(f, "[storage]\npath = %s\n", db);
	fclose(f);
	if (e2e_run(&t, migrate) != 0) {
		fprintf(stderr, "e2e: fangfei migrate failed\n");
		exit(1);
	}
	return db;
}

/* Writes the config and imports the demo data. */
void
e2e_prepare(struct daemon *d, const char *extra)
{
	e2e_prepare_on(d, extra, E2E_ENGINE_ENV, NULL, 1);
}

/* Writes the config on the engine asked for, and imports the demo data
 * into a new database. */
void
e2e_prepare_on(struct daemon *d, const char *extra, enum e2e_engine engine,
    const char *url, int registry)
{
	static const char *const areas[] = { "import", "areas",
	    "data/demo/areas.csv", NULL };
	static const char *const ents[] = { "import", "enterprises",
	    "data/demo/enterprises.csv", NULL };
	const char	*pg = getenv("FANGFEI_TEST_PG"), *tmpl;
	char		 path[512], dir[] = "/tmp/fangfei-e2e-XXXXXX";
	FILE		*f;

	memset(d, 0, sizeof *d);
	if (mkdtemp(dir) == NULL)
		e2e_die("mkdtemp");
	d->dir = strdup(dir);
	if (engine == E2E_ENGINE_URL)
		d->db_url = strdup(url);
	else if (engine == E2E_ENGINE_ENV && pg != NULL && *pg != '\0')
		d->db_url = e2e_pg_schema();
	(void)snprintf(path, sizeof path, "%s/fangfei.ini", d->dir);
	if ((f = fopen(path, "w")) == NULL)
		e2e_die(path);
	fprintf(f, "[server]\nlisten = 127.0.0.1:0\nhotline = 0533-12345\n"
	    "public_base_url = http://127.0.0.1:8080\n"
	    "max_body_bytes = 4096\nthreads = 2\nlog_level = warn\n"
	    "[storage]\n");
	if (d->db_url != NULL)
		fprintf(f, "url = %s\nkey_file = %s/fangfei.key\n", d->db_url,
		    d->dir);
	else
		fprintf(f, "path = %s/fangfei.db\n", d->dir);
	fprintf(f, "[channel.demo]\ntype = generic\narea = 华光路社区\n"
	    "allow_unsigned = on\n"
	    "[channel.en]\ntype = generic\nlocale = en\nallow_unsigned = on\n"
	    "[channel.signed]\ntype = generic\nsecret = k3y\n"
	    "[channel.tg]\ntype = telegram\nsecret_token = s3cr3t_Token-01\n"
	    "bot_username = MyNotifyBot\n%s", extra ? extra : "");
	fclose(f);
	if (engine == E2E_ENGINE_URL)
		return;
	if (d->db_url == NULL && (tmpl = e2e_template()) != NULL) {
		(void)snprintf(path, sizeof path, "%s/fangfei.db", d->dir);
		if (copyfile(tmpl, path) == -1)
			e2e_die(path);
	}
	if (e2e_run(d, areas) != 0 || (registry && e2e_run(d, ents) != 0)) {
		fprintf(stderr, "e2e: demo import failed\n");
		exit(1);
	}
}

/*
 * The daemon closed its standard output without saying it listens: says
 * how it ended and what its log holds (when it went to a file), so that
 * a failure on a machine nobody can look at again explains itself.
 */
static void
e2e_not_started(struct daemon *d, const char *log)
{
	struct timespec	 tick = { 0, 10 * 1000 * 1000 };
	char		 line[512];
	pid_t		 got = 0;
	FILE		*f;
	int		 i, st = 0;

	for (i = 0; i < 500 && (got = waitpid(d->pid, &st, WNOHANG)) == 0; i++)
		nanosleep(&tick, NULL);
	if (got == 0) {
		(void)kill(d->pid, SIGKILL);
		got = waitpid(d->pid, &st, 0);
	}
	if (got != d->pid)
		fprintf(stderr, "e2e: the daemon did not start\n");
	else if (WIFSIGNALED(st))
		fprintf(stderr, "e2e: the daemon did not start: signal %d\n",
		    WTERMSIG(st));
	else
		fprintf(stderr, "e2e: the daemon did not start: exit %d\n",
		    WEXITSTATUS(st));
	if (log != NULL && (f = fopen(log, "r")) != NULL) {
		for (i = 0; i < 40 && fgets(line, sizeof line, f) != NULL; i++)
			fprintf(stderr, "e2e: log: %s", line);
		fclose(f);
	}
	exit(1);
}

/* Starts the daemon and reads its readiness line from a pipe. */
void
e2e_start(struct daemon *d)
{
	e2e_start_log(d, NULL);
}

/* The same, with the daemon's standard error (its log) going to log
 * when that is not NULL. */
void
e2e_start_log(struct daemon *d, const char *log)
{
	const char	*bin = getenv("FANGFEI_BIN");
	char		 conf[512], line[256];
	int		 fds[2];
	FILE		*f;

	(void)snprintf(conf, sizeof conf, "%s/fangfei.ini", d->dir);
	if (pipe(fds) == -1)
		e2e_die("pipe");
	/* Stored atomically: a test's thread may wait for it (e2e_reload). */
	__atomic_store_n(&d->pid, fork(), __ATOMIC_RELEASE);
	if (d->pid == -1)
		e2e_die("fork");
	if (d->pid == 0) {
		/* A test that crashes takes its daemon with it. */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		if (log != NULL && freopen(log, "w", stderr) == NULL)
			_exit(127);
		execl(bin ? bin : "build/fangfei", "fangfei", "serve",
		    "--config", conf, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	if ((f = fdopen(fds[0], "r")) == NULL)
		e2e_die("fdopen");
	d->port = 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "fangfei: listening on http://127.0.0.1:%d",
		    &d->port) == 1)
			break;
	fclose(f);
	if (d->port == 0)
		e2e_not_started(d, log);
	(void)snprintf(d->base, sizeof d->base, "http://127.0.0.1:%d", d->port);
}

/* Signals the daemon and reaps it. */
int
e2e_stop(struct daemon *d, int sig)
{
	int	 st;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, sig);
	if (waitpid(d->pid, &st, 0) == -1)
		e2e_die("waitpid");
	d->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Removes the temporary directory. */
void
e2e_cleanup(struct daemon *d)
{
	char	 cmd[600];

	if (d->pid > 0)
		(void)e2e_stop(d, SIGKILL);
	(void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "e2e: cannot remove %s\n", d->dir);
	free(d->dir);
	d->dir = NULL;
	free(d->db_url);
	d->db_url = NULL;
}

/* Opens a TCP connection to d from 127.0.0.from (0: any address). */
int
e2e_connect(const struct daemon *d, int from)
{
	struct sockaddr_in	 sa, src;
	int			 fd;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)d->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		e2e_die("socket");
	if (from > 0) {
		src = sa;
		src.sin_port = 0;
		src.sin_addr.s_addr = htonl(INADDR_LOOPBACK + (uint32_t)from -
		    1);
		if (bind(fd, (struct sockaddr *)&src, sizeof src) == -1)
			e2e_die("bind");
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1)
		e2e_die("connect");
	return fd;
}

/* libcurl write callback into a result. */
static size_t
e2e_write(char *p, size_t size, size_t n, void *arg)
{
	struct http_result	*r = arg;
	size_t			 len = size * n;

	r->body = realloc(r->body, r->len + len + 1);
	memcpy(r->body + r->len, p, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

/* Sends one request over loopback. */
struct http_result
e2e_request(const struct daemon *d, const char *method, const char *path,
    const char *const *headers, const char *body, size_t len)
{
	struct http_result	 r = { 0, NULL, 0, 0 };
	struct curl_slist	*hl = NULL;
	CURLcode		 rc;
	char			 url[1024];
	CURL			*c = curl_easy_init();

	(void)snprintf(url, sizeof url, "%s%s", d->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	}
	hl = curl_slist_append(hl, "Expect:");
	for (; headers != NULL && *headers != NULL; headers++)
		hl = curl_slist_append(hl, *headers);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, e2e_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if ((rc = curl_easy_perform(c)) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	r.error = (int)rc;
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	if (r.body == NULL)
		r.body = calloc(1, 1);
	return r;
}

/*
 * Posts text of sender (sender_name name when set) in chat to the generic
 * JSON webhook /hook/CHANNEL (demo when NULL): a group's message when the
 * chat's id starts with "g-", else a private one; message_id msgid, or a
 * fresh one when NULL (a test's threads may call it at once).
 */
struct http_result
e2e_say(const struct daemon *d, const char *channel, const char *chat,
    const char *sender, const char *name, const char *text,
    const char *msgid)
{
	static const char *const hdr[] = {
		"Content-Type: application/json", NULL
	};
	static unsigned		 fresh;
	struct http_result	 r;
	json_t			*m;
	char			 path[128], id[32], *body;

	if (msgid == NULL) {
		(void)snprintf(id, sizeof id, "e2e-%u-%ld",
		    __atomic_add_fetch(&fresh, 1, __ATOMIC_RELAXED),
		    (long)getpid());
		msgid = id;
	}
	m = json_pack("{s:s, s:s, s:s, s:s, s:s}", "chat_id", chat,
	    "chat_type", strncmp(chat, "g-", 2) == 0 ? "group" : "private",
	    "sender_id", sender, "text", text, "message_id", msgid);
	if (m == NULL || (name != NULL &&
	    json_object_set_new(m, "sender_name", json_string(name)) != 0) ||
	    (body = json_dumps(m, JSON_COMPACT)) == NULL)
		e2e_die("e2e_say: building the message");
	json_decref(m);
	(void)snprintf(path, sizeof path, "/hook/%s", channel != NULL ?
	    channel : "demo");
	r = e2e_request(d, "POST", path, hdr, body, strlen(body));
	free(body);
	return r;
}

/*
 * Adds a staff member with the CLI and binds them from chat (NULL:
 * u-<user>), as user, on channel (demo when NULL; "en", the English one,
 * binds with /bind). Returns their id, or -1 when the CLI or the bind
 * failed.
 */
long
e2e_bind_staff(const struct daemon *d, const char *channel, const char *chat,
    const char *user, const char *name, const char *role, const char *area)
{
	const char *const add[] = { "staff", "add", "--name", name, "--role",
	    role, "--area", area, NULL };
	struct http_result	 r;
	char			 out[1024], text[64], own[64];
	const char		*p, *code;
	long			 id;
	int			 ok;

	if (chat == NULL) {
		(void)snprintf(own, sizeof own, "u-%s", user);
		chat = own;
	}

	if (e2e_cli(d, add, out, sizeof out) != 0 ||
	    (p = strstr(out, "staff ")) == NULL ||
	    (code = strstr(out, "bind code: ")) == NULL)
		return -1;
	id = strtol(p + 6, NULL, 10);
	(void)snprintf(text, sizeof text, "%s %.12s", channel != NULL &&
	    strcmp(channel, "en") == 0 ? "/bind" : "绑定", code + 11);
	r = e2e_say(d, channel, chat, user, NULL, text, NULL);
	ok = r.status == 200 && (strstr(r.body, "绑定成功") != NULL ||
	    strstr(r.body, "Bound: ") != NULL);
	if (!ok)
		fprintf(stderr, "e2e_bind_staff: %s: %ld %s\n", name,
		    r.status, r.body);
	e2e_result_free(&r);
	return ok && id > 0 ? id : -1;
}

/* Frees a result. */
void
e2e_result_free(struct http_result *r)
{
	free(r->body);
	r->body = NULL;
}

/* Runs sql on the daemon's PostgreSQL database: the first column of the
 * first row into out, 0; -1 when there is none (or NULL). */
static int
e2e_pg_text(const struct daemon *d, const char *sql, char *out, size_t size)
{
	PGconn		*c = PQconnectdb(d->db_url);
	PGresult	*res = PQexec(c, sql);
	int		 rc = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 &&
	    !PQgetisnull(res, 0, 0)) {
		(void)snprintf(out, size, "%s", PQgetvalue(res, 0, 0));
		rc = 0;
	} else if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "e2e: %s: %s", sql, PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
	return rc;
}

/* Reads one number from the daemon's database. */
long
e2e_sql_long(const struct daemon *d, const char *sql)
{
	char		 path[512];
	sqlite3		*db;
	sqlite3_stmt	*st;
	long		 v = -1;

	if (d->db_url != NULL) {
		if (e2e_pg_text(d, sql, path, sizeof path) == -1)
			return -1;
		return strtol(path, NULL, 10);
	}

	(void)snprintf(path, sizeof path, "%s/fangfei.db", d->dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

/* Runs the CLI with the daemon's config and captures standard output. */
int
e2e_cli(const struct daemon *d, const char *const *args, char *out,
    size_t size)
{
	const char	*bin = getenv("FANGFEI_BIN");
	char		*argv[16], conf[512];
	int		 fds[2], st, i = 0;
	size_t		 len = 0;
	ssize_t		 n;
	pid_t		 pid;

	(void)snprintf(conf, sizeof conf, "%s/fangfei.ini", d->dir);
	argv[i++] = (char *)(uintptr_t)(bin ? bin : "build/fangfei");
	for (; *args != NULL && i < 13; args++)
		argv[i++] = (char *)(uintptr_t)*args;
	argv[i++] = (char *)(uintptr_t)"--config";
	argv[i++] = conf;
	argv[i] = NULL;
	if (pipe(fds) == -1 || (pid = fork()) == -1)
		e2e_die("fork");
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (size > 0 && len < size - 1 &&
	    (n = read(fds[0], out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	if (size > 0)
		out[len] = '\0';
	/* The rest is read and dropped: a full pipe would kill the child
	 * with SIGPIPE when it is closed. */
	{
		char	 sink[4096];

		while (read(fds[0], sink, sizeof sink) > 0)
			continue;
	}
	close(fds[0]);
	if (waitpid(pid, &st, 0) == -1)
		e2e_die("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Reads one text from the daemon's database file. */
int
e2e_sql_text(const struct daemon *d, const char *sql, char *out, size_t size)
{
	char		 path[512];
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 rc = -1;

	if (d->db_url != NULL)
		return e2e_pg_text(d, sql, out, size);
	(void)snprintf(path, sizeof path, "%s/fangfei.db", d->dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_text(st, 0) != NULL) {
			(void)snprintf(out, size, "%s",
			    (const char *)sqlite3_column_text(st, 0));
			rc = 0;
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return rc;
}

/* Runs a statement that changes rows in the daemon's database, either
 * engine; 0, or -1 after saying why. */
int
e2e_sql_exec(const struct daemon *d, const char *sql)
{
	char		 path[512];
	sqlite3		*db;
	PGconn		*c;
	PGresult	*res;
	int		 rc = -1;

	if (d->db_url != NULL) {
		c = PQconnectdb(d->db_url);
		res = PQexec(c, sql);
		if (PQresultStatus(res) == PGRES_COMMAND_OK ||
		    PQresultStatus(res) == PGRES_TUPLES_OK)
			rc = 0;
		else
			fprintf(stderr, "e2e: %s: %s", sql, PQerrorMessage(c));
		PQclear(res);
		PQfinish(c);
		return rc;
	}
	(void)snprintf(path, sizeof path, "%s/fangfei.db", d->dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		rc = 0;
	else
		fprintf(stderr, "e2e: %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc;
}

/* Whether the daemon's database files (the database and its WAL) hold
 * the bytes of s anywhere; on PostgreSQL, any row of any table. A
 * database that cannot be read counts as holding it. */
int
e2e_db_holds(const struct daemon *d, const char *s)
{
	static const char *const suffix[] = { "", "-wal" };
	char	 path[600], *buf;
	size_t	 i, j, n, len = strlen(s);
	FILE	*f;
	long	 size;
	int	 found = 0;

	if (d->db_url != NULL)
		return pgholds(d->db_url, s) != 0;
	for (i = 0; i < 2 && !found; i++) {
		(void)snprintf(path, sizeof path, "%s/fangfei.db%s", d->dir,
		    suffix[i]);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		rewind(f);
		if (size > 0 && (buf = malloc((size_t)size)) != NULL) {
			n = fread(buf, 1, (size_t)size, f);
			for (j = 0; j + len <= n && !found; j++)
				found = memcmp(buf + j, s, len) == 0;
			free(buf);
		}
		fclose(f);
	}
	return found;
}

/* Signs a generic-channel request as an integrator does. */
int
e2e_sign_generic(const char *secret, const char *ts, const char *body,
    size_t len, char sig[80])
{
	unsigned char	 mac[32];
	unsigned int	 maclen = sizeof mac, i;
	size_t		 tl = strlen(ts);
	char		*msg = malloc(tl + 1 + len + 1);
	int		 rc = -1;

	if (msg == NULL)
		return -1;
	memcpy(msg, ts, tl);
	msg[tl] = '.';
	memcpy(msg + tl + 1, body, len);
	if (HMAC(EVP_sha256(), secret, (int)strlen(secret),
	    (unsigned char *)msg, tl + 1 + len, mac, &maclen) != NULL &&
	    maclen == 32) {
		memcpy(sig, "sha256=", 7);
		for (i = 0; i < maclen; i++)
			(void)snprintf(sig + 7 + 2 * i, 3, "%02x", mac[i]);
		rc = 0;
	}
	free(msg);
	return rc;
}

/* Signs a form webhook as Twilio does. */
int
e2e_sign_twilio(const char *token, const char *url, const char *const *names,
    const char *const *values, char sig[64])
{
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	char		 data[8192];
	size_t		 i, n;

	n = (size_t)snprintf(data, sizeof data, "%s", url);
	for (i = 0; names[i] != NULL && n < sizeof data; i++)
		n += (size_t)snprintf(data + n, sizeof data - n, "%s%s",
		    names[i], values[i]);
	if (n >= sizeof data || HMAC(EVP_sha1(), token, (int)strlen(token),
	    (const unsigned char *)data, n, mac, &maclen) == NULL ||
	    maclen != 20)
		return -1;
	EVP_EncodeBlock((unsigned char *)sig, mac, (int)maclen);
	return 0;
}

/* ---- An API client (e2e.h) ---- */

struct e2e_body {
	char	*s;
	size_t	 len;
};

static size_t
e2e_body_write(char *p, size_t size, size_t n, void *arg)
{
	struct e2e_body	*b = arg;
	size_t		 len = size * n;

	if ((b->s = realloc(b->s, b->len + len + 1)) == NULL)
		e2e_die("realloc");
	memcpy(b->s + b->len, p, len);
	b->len += len;
	b->s[b->len] = '\0';
	return len;
}

void
e2e_api_open(struct e2e_api *a, const char *auth)
{
	if ((a->c = curl_easy_init()) == NULL)
		e2e_die("curl_easy_init");
	a->hl = curl_slist_append(NULL, "Expect:");
	a->hl = curl_slist_append(a->hl, "Content-Type: application/json");
	a->hl = curl_slist_append(a->hl, auth);
	curl_easy_setopt(a->c, CURLOPT_HTTPHEADER, a->hl);
	curl_easy_setopt(a->c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(a->c, CURLOPT_NOSIGNAL, 1L);
}

void
e2e_api_close(struct e2e_api *a)
{
	if (a->c != NULL)
		curl_easy_cleanup(a->c);
	curl_slist_free_all(a->hl);
	a->c = NULL;
	a->hl = NULL;
}

json_t *
e2e_api(struct e2e_api *a, const struct daemon *d, const char *method,
    const char *path, json_t *in, long *status)
{
	struct e2e_body	 b = { NULL, 0 };
	char		 url[512], *payload = NULL;
	json_t		*out;
	CURLcode	 rc;

	(void)snprintf(url, sizeof url, "%s/api/v1%s", d->base, path);
	curl_easy_setopt(a->c, CURLOPT_URL, url);
	if (in != NULL) {
		payload = json_dumps(in, JSON_COMPACT);
		json_decref(in);
		if (payload == NULL)
			e2e_die("json_dumps");
		curl_easy_setopt(a->c, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(a->c, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(payload));
	} else {
		curl_easy_setopt(a->c, CURLOPT_POSTFIELDS, NULL);
		curl_easy_setopt(a->c, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(a->c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(a->c, CURLOPT_WRITEFUNCTION, e2e_body_write);
	curl_easy_setopt(a->c, CURLOPT_WRITEDATA, &b);
	*status = 0;
	if ((rc = curl_easy_perform(a->c)) != CURLE_OK) {
		fprintf(stderr, "e2e: %s %s: %s\n", method, path,
		    curl_easy_strerror(rc));
		out = NULL;
	} else {
		curl_easy_getinfo(a->c, CURLINFO_RESPONSE_CODE, status);
		if ((out = json_loadb(b.s ? b.s : "", b.len, 0, NULL)) == NULL)
			fprintf(stderr, "e2e: %s %s: %ld, not JSON: %.300s\n",
			    method, path, *status, b.s ? b.s : "");
	}
	free(payload);
	free(b.s);
	return out;
}
