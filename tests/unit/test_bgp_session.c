/*
 * test_bgp_session.c - the BGP speaker end to end: the real `flowcanary
 * listen` and `flowcanary inject` ($FC_BIN) over loopback, against a peer
 * written here with raw sockets and messages built by hand (well-formed
 * ones with the codec's builders, malformed ones octet by octet).
 *
 * Every process a test starts is recorded in memory shared with the
 * runner.  A test stops and reaps its processes itself and the fixture
 * checks that it did (and that no descriptor was left open).  When a test
 * fails, Check kills the test's process group; the processes also die with
 * their parent (PR_SET_PDEATHSIG), and main(), a child subreaper, reaps
 * them and reports any that outlived their test.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bgp/md5.h"
#include "bgp/msg.h"
#include "bgp/session.h"
#include "bgp/update.h"
#include "bgp/wire.h"
#include "flowspec/nlri.h"
#include "flowspec/ruleset.h"
#include "flowspec/text.h"
#include "support.h"

extern char **environ;

#define LOCAL_AS	65000	/* listen's AS, and the raw peer's towards inject */
#define PEER_AS		65001	/* the raw peer's AS towards listen; inject's AS */
#define BOTH		(BGP_FAM_BIT(FS_IPV4) | BGP_FAM_BIT(FS_IPV6))
#define V4		BGP_FAM_BIT(FS_IPV4)
#define MD5_ENV		"FLOWCANARY_MD5_KEY"
#define WAIT_MS		5000	/* generous: the binary may run under ASan */

/* ------------------------------------------------------------------ */
/* Processes                                                            */

#define MAX_PROCS 256

/* Shared with the runner (MAP_SHARED before Check forks each test). */
struct registry {
	unsigned n;
	pid_t pid[MAX_PROCS];
	int reaped[MAX_PROCS];
};
static struct registry *reg;

struct proc {
	const char *name;	/* "listen", "inject" */
	pid_t pid;
	unsigned slot;
	int out, err;		/* read ends of stdout and stderr, -1 at EOF */
	GString *obuf, *ebuf;
	size_t split;		/* obuf offset of the first octet not in a line */
	GPtrArray *lines;	/* stdout lines (gchar *) */
	GPtrArray *nodes;	/* each line parsed (JsonNode *) */
	size_t cursor;		/* next line proc_expect looks at */
	int status;		/* exit status; 128 + signal; -1 while running */
	bool reaped;
};

static gint64
now_us(void)
{
	return g_get_monotonic_time();
}

/* Returns the last `n` octets of s, for failure messages. */
static const char *
tail(const GString *s, size_t n)
{
	return s->len > n ? s->str + s->len - n : s->str;
}

/*
 * Starts $FC_BIN with args (NULL-terminated).  The child gets
 * $FLOWCANARY_MD5_KEY = md5_env if that is not NULL, and never otherwise.
 */
static void
proc_startv(struct proc *p, const char *md5_env, const char *const *args)
{
	const char *bin = getenv("FC_BIN");
	GPtrArray *argv = g_ptr_array_new();
	GPtrArray *envp = g_ptr_array_new_with_free_func(g_free);
	int o[2], e[2];
	pid_t parent = getpid();

	ck_assert_msg(bin != NULL, "FC_BIN is not set: run the tests through meson");
	ck_assert_msg(reg->n < MAX_PROCS, "too many processes for the registry");
	memset(p, 0, sizeof *p);
	p->name = args[0];
	g_ptr_array_add(argv, (gpointer)bin);
	for (size_t i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	for (char **v = environ; *v != NULL; v++)
		if (strncmp(*v, MD5_ENV "=", strlen(MD5_ENV) + 1) != 0)
			g_ptr_array_add(envp, g_strdup(*v));
	if (md5_env != NULL)
		g_ptr_array_add(envp, g_strconcat(MD5_ENV "=", md5_env, NULL));
	g_ptr_array_add(envp, NULL);
	ck_assert_int_eq(pipe2(o, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(e, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* Die with the test, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(o[1], 1) < 0 ||
		    dup2(e[1], 2) < 0)
			_exit(127);
		execve(bin, (char **)argv->pdata, (char **)envp->pdata);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	p->pid = pid;
	p->slot = reg->n;
	reg->pid[reg->n] = pid;
	reg->reaped[reg->n] = 0;
	reg->n++;
	p->out = o[0];
	p->err = e[0];
	fcntl(p->out, F_SETFL, O_NONBLOCK);
	fcntl(p->err, F_SETFL, O_NONBLOCK);
	p->obuf = g_string_new(NULL);
	p->ebuf = g_string_new(NULL);
	p->lines = g_ptr_array_new_with_free_func(g_free);
	p->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
	p->status = -1;
	g_ptr_array_free(argv, TRUE);
	g_ptr_array_free(envp, TRUE);
}

/* Starts $FC_BIN with the NULL-terminated arguments. */
static void
proc_start(struct proc *p, const char *md5_env, const char *first, ...)
{
	const char *args[64];
	size_t n = 0;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a != NULL; a = va_arg(ap, const char *)) {
		ck_assert(n + 1 < G_N_ELEMENTS(args));
		args[n++] = a;
	}
	va_end(ap);
	args[n] = NULL;
	proc_startv(p, md5_env, args);
}

/* Splits complete stdout lines off; each must be one JSON object. */
static void
proc_split(struct proc *p)
{
	for (;;) {
		char *nl = memchr(p->obuf->str + p->split, '\n',
		    p->obuf->len - p->split);
		if (nl == NULL)
			return;
		gchar *line = g_strndup(p->obuf->str + p->split,
		    (gsize)(nl - (p->obuf->str + p->split)));
		p->split = (size_t)(nl - p->obuf->str) + 1;
		g_ptr_array_add(p->lines, line);
		if (strcmp(p->name, "listen") != 0)
			continue;	/* inject's --json output is pretty-printed */
		GError *gerr = NULL;
		JsonNode *n = json_from_string(line, &gerr);
		ck_assert_msg(n != NULL && JSON_NODE_HOLDS_OBJECT(n),
		    "listen printed a line that is not a JSON object: %s", line);
		g_ptr_array_add(p->nodes, n);
	}
}

/* Reads what the process wrote, waiting at most timeout_ms for something. */
static void
proc_pump(struct proc *p, int timeout_ms)
{
	struct pollfd pfd[2];
	int n = 0;

	if (p->out >= 0)
		pfd[n++] = (struct pollfd){ .fd = p->out, .events = POLLIN };
	if (p->err >= 0)
		pfd[n++] = (struct pollfd){ .fd = p->err, .events = POLLIN };
	if (n == 0) {
		if (timeout_ms > 0)
			g_usleep((gulong)timeout_ms * 1000);
		return;
	}
	if (poll(pfd, (nfds_t)n, timeout_ms) <= 0)
		return;
	for (int i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		bool is_out = pfd[i].fd == p->out;
		GString *s = is_out ? p->obuf : p->ebuf;
		char buf[8192];
		for (;;) {
			ssize_t k = read(pfd[i].fd, buf, sizeof buf);
			if (k > 0) {
				g_string_append_len(s, buf, k);
				continue;
			}
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0 && errno == EAGAIN)
				break;
			close(pfd[i].fd);	/* end of stream */
			if (is_out)
				p->out = -1;
			else
				p->err = -1;
			break;
		}
	}
	proc_split(p);
}

/*
 * Returns the next stdout line (a listen event) from the cursor on whose
 * "event" is `event` and whose text contains `contains` (may be NULL),
 * waiting up to timeout_ms; lines passed over are skipped for good.
 * Fails the test if none comes.
 */
static JsonObject *
proc_expect(struct proc *p, const char *event, const char *contains,
    int timeout_ms)
{
	gint64 end = now_us() + (gint64)timeout_ms * 1000;

	for (;;) {
		while (p->cursor < p->nodes->len) {
			size_t i = p->cursor++;
			JsonObject *o = json_node_get_object(p->nodes->pdata[i]);
			const char *ev = json_object_get_string_member_with_default(
			    o, "event", "");
			if (strcmp(ev, event) == 0 && (contains == NULL ||
			    strstr(p->lines->pdata[i], contains) != NULL))
				return o;
		}
		gint64 left = end - now_us();
		ck_assert_msg(left > 0 && p->out >= 0,
		    "%s printed no \"%s\" line%s%s%s; stdout:\n%s\nstderr:\n%s",
		    p->name, event, contains ? " with " : "",
		    contains ? contains : "", p->out < 0 ? " (it exited)" : "",
		    tail(p->obuf, 3000), tail(p->ebuf, 2000));
		proc_pump(p, (int)MIN(left / 1000 + 1, 200));
	}
}

/* Returns the next stdout line without skipping any. */
static JsonObject *
proc_next(struct proc *p, int timeout_ms)
{
	gint64 end = now_us() + (gint64)timeout_ms * 1000;

	while (p->cursor >= p->nodes->len) {
		gint64 left = end - now_us();
		ck_assert_msg(left > 0 && p->out >= 0, "%s printed no further "
		    "line; stdout:\n%s\nstderr:\n%s", p->name,
		    tail(p->obuf, 3000), tail(p->ebuf, 2000));
		proc_pump(p, (int)MIN(left / 1000 + 1, 200));
	}
	return json_node_get_object(p->nodes->pdata[p->cursor++]);
}

/* Waits up to timeout_ms for the process to exit; returns its status or -1. */
static int
proc_wait(struct proc *p, int timeout_ms)
{
	gint64 end = now_us() + (gint64)timeout_ms * 1000;
	int st;

	while (!p->reaped) {
		pid_t r = waitpid(p->pid, &st, WNOHANG);
		ck_assert_msg(r >= 0, "waitpid: %s", strerror(errno));
		if (r == p->pid) {
			p->reaped = true;
			reg->reaped[p->slot] = 1;
			p->status = WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st);
			break;
		}
		if (now_us() >= end)
			return -1;
		proc_pump(p, 20);
	}
	/* Collect the last words: the pipes end once the process is gone. */
	for (int i = 0; i < 100 && (p->out >= 0 || p->err >= 0); i++)
		proc_pump(p, 20);
	return p->status;
}

/* SIGTERM, then SIGKILL if that is not enough; returns the exit status. */
static int
proc_stop(struct proc *p)
{
	if (p->reaped)
		return p->status;
	kill(p->pid, SIGTERM);
	if (proc_wait(p, WAIT_MS) < 0) {
		kill(p->pid, SIGKILL);
		proc_wait(p, WAIT_MS);
	}
	return p->status;
}

static void
proc_free(struct proc *p)
{
	if (p->pid > 0 && !p->reaped) {
		kill(p->pid, SIGKILL);
		proc_wait(p, WAIT_MS);
	}
	if (p->out >= 0)
		close(p->out);
	if (p->err >= 0)
		close(p->err);
	g_string_free(p->obuf, TRUE);
	g_string_free(p->ebuf, TRUE);
	g_ptr_array_free(p->lines, TRUE);
	g_ptr_array_free(p->nodes, TRUE);
	memset(p, 0, sizeof *p);
}

/* Asserts stderr holds no GLib warning and no sanitizer report. */
static void
assert_quiet(const struct proc *p)
{
	static const char *const bad[] = { "CRITICAL", "WARNING **",
		"Sanitizer", "runtime error", "LeakSanitizer" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		ck_assert_msg(strstr(p->ebuf->str, bad[i]) == NULL,
		    "%s wrote \"%s\" on stderr:\n%s", p->name, bad[i],
		    tail(p->ebuf, 4000));
}

/* Stops the process, which must exit with `status`, quietly. */
static void
proc_finish(struct proc *p, int status)
{
	int st = proc_stop(p);
	ck_assert_msg(st == status, "%s exited with %d, expected %d; stderr:\n%s",
	    p->name, st, status, tail(p->ebuf, 3000));
	assert_quiet(p);
}

/* Waits for the process to exit on its own with `status` within timeout_ms. */
static void
proc_expect_exit(struct proc *p, int status, int timeout_ms)
{
	int st = proc_wait(p, timeout_ms);
	ck_assert_msg(st >= 0, "%s still runs after %d ms; stderr:\n%s",
	    p->name, timeout_ms, tail(p->ebuf, 3000));
	ck_assert_msg(st == status, "%s exited with %d, expected %d; stderr:\n%s",
	    p->name, st, status, tail(p->ebuf, 3000));
	assert_quiet(p);
}

/* Starts listen on 127.0.0.1:0 with more arguments; returns the port. */
static uint16_t
listen_startv(struct proc *l, const char *md5_env, const char *const *more)
{
	const char *args[32] = { "listen", "--bind", "127.0.0.1:0",
		"--local-as", G_STRINGIFY(LOCAL_AS) };
	size_t n = 5;

	for (size_t i = 0; more != NULL && more[i] != NULL; i++) {
		ck_assert(n + 1 < G_N_ELEMENTS(args));
		args[n++] = more[i];
	}
	args[n] = NULL;
	proc_startv(l, md5_env, args);
	JsonObject *o = proc_expect(l, "listening", NULL, WAIT_MS);
	gint64 port = json_object_get_int_member(o, "port");
	ck_assert(port > 0 && port < 65536);
	return (uint16_t)port;
}

static uint16_t
listen_start(struct proc *l)
{
	return listen_startv(l, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* The fixture                                                          */

static int fds_at_setup;
static unsigned procs_at_setup;
static char *tmpdir;

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert(d != NULL);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static void
setup(void)
{
	procs_at_setup = reg->n;
	tmpdir = g_dir_make_tmp("fc-session-XXXXXX", NULL);
	ck_assert(tmpdir != NULL);
	/* A test that runs a session here opens its wakeup descriptor. */
	(void)g_main_context_default();
	fds_at_setup = count_fds();
}

static void
teardown(void)
{
	unsigned left = 0;

	for (unsigned i = procs_at_setup; i < reg->n; i++) {
		if (reg->reaped[i])
			continue;
		kill(reg->pid[i], SIGKILL);
		waitpid(reg->pid[i], NULL, 0);
		reg->reaped[i] = 1;
		left++;
	}
	int fds = count_fds();
	GDir *d = g_dir_open(tmpdir, 0, NULL);
	const char *name;
	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(tmpdir, name, NULL);
		g_unlink(path);
		g_free(path);
	}
	if (d != NULL)
		g_dir_close(d);
	int gone = g_rmdir(tmpdir);
	g_free(tmpdir);
	tmpdir = NULL;
	ck_assert_msg(left == 0, "the test left %u processes running", left);
	ck_assert_msg(fds == fds_at_setup, "the test left %d descriptors open",
	    fds - fds_at_setup);
	ck_assert_msg(gone == 0, "the temporary directory could not be removed");
}

/* Writes `text` to a new file in the test's directory; returns its path. */
static char *
write_file(const char *name, const char *text, mode_t mode)
{
	char *path = g_build_filename(tmpdir, name, NULL);
	ck_assert(g_file_set_contents(path, text, -1, NULL));
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

/* ------------------------------------------------------------------ */
/* Raw sockets                                                          */

static int
tcp_listen(uint16_t *port, const char *addr)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert(fd >= 0);
	ck_assert_int_eq(inet_pton(AF_INET, addr, &a.sin_addr), 1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	ck_assert_msg(bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    listen(fd, 16) == 0, "cannot listen: %s", strerror(errno));
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Returns an accepted connection, or -1 after timeout_ms. */
static int
tcp_accept(int lfd, int timeout_ms, struct sockaddr_in *from)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	socklen_t len = sizeof *from;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return -1;
	int fd = accept4(lfd, (struct sockaddr *)from, &len, SOCK_CLOEXEC);
	ck_assert_msg(fd >= 0, "accept: %s", strerror(errno));
	return fd;
}

static int
tcp_connect(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert(fd >= 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&a, sizeof a) == 0,
	    "cannot connect to port %u: %s", port, strerror(errno));
	return fd;
}

static void
send_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		ck_assert_msg(k > 0, "send: %s", strerror(errno));
		p += k;
		n -= (size_t)k;
	}
}

static void
send_buf(int fd, struct bgp_buf *b)
{
	send_all(fd, b->p, b->len);
	b->len = 0;
}

enum { RD_OK = 1, RD_EOF = 0, RD_TIMEOUT = -1, RD_CUT = -2, RD_RESET = -3 };

static const char *
rd_name(int r)
{
	switch (r) {
	case RD_EOF: return "end of stream";
	case RD_TIMEOUT: return "nothing (timeout)";
	case RD_CUT: return "a stream cut inside a message";
	case RD_RESET: return "a connection reset";
	default: return "a message";
	}
}

/*
 * Reads n octets by `deadline`: RD_OK, RD_EOF (before any octet), or why
 * not; *got says how many came.
 */
static int
read_part(int fd, uint8_t *buf, size_t n, gint64 deadline, size_t *got)
{
	*got = 0;
	while (*got < n) {
		gint64 left = deadline - now_us();
		if (left <= 0)
			return RD_TIMEOUT;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, (int)(left / 1000 + 1));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			continue;
		ssize_t k = recv(fd, buf + *got, n - *got, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k == 0)
			return *got == 0 ? RD_EOF : RD_CUT;
		if (k < 0)
			return errno == ECONNRESET ? RD_RESET : RD_CUT;
		*got += (size_t)k;
	}
	return RD_OK;
}

/* Reads n octets by `deadline`: RD_OK, RD_EOF (before any octet), or why not. */
static int
read_full(int fd, uint8_t *buf, size_t n, gint64 deadline)
{
	size_t got;

	return read_part(fd, buf, n, deadline, &got);
}

struct msg {
	size_t len;
	unsigned type;
	uint8_t b[BGP_EXT_MAX_LEN];
};

/* Reads one message within timeout_ms; returns RD_OK or why not. */
static int
read_msg(int fd, struct msg *m, int timeout_ms)
{
	gint64 deadline = now_us() + (gint64)timeout_ms * 1000;
	int r = read_full(fd, m->b, BGP_HEADER_LEN, deadline);

	if (r != RD_OK)
		return r;
	for (int i = 0; i < BGP_MARKER_LEN; i++)
		ck_assert_msg(m->b[i] == 0xff, "a message with a bad marker came");
	m->len = (size_t)m->b[16] << 8 | m->b[17];
	m->type = m->b[18];
	ck_assert_msg(m->len >= BGP_HEADER_LEN, "a message of length %zu came",
	    m->len);
	if (m->len > BGP_HEADER_LEN) {
		r = read_full(fd, m->b + BGP_HEADER_LEN, m->len - BGP_HEADER_LEN,
		    deadline);
		if (r == RD_EOF)
			r = RD_CUT;
		if (r != RD_OK)
			return r;
	}
	return RD_OK;
}

static struct msg *
msg_new(void)
{
	return g_malloc(sizeof(struct msg));
}

/* Reads the next message, which must be of `type`. */
static void
expect_msg(int fd, struct msg *m, unsigned type, int timeout_ms)
{
	int r = read_msg(fd, m, timeout_ms);
	ck_assert_msg(r == RD_OK, "expected a message of type %u, got %s", type,
	    rd_name(r));
	if (m->type == BGP_NOTIFICATION && type != BGP_NOTIFICATION)
		ck_abort_msg("expected a message of type %u, got NOTIFICATION "
		    "%u/%u", type, m->b[19], m->b[20]);
	ck_assert_msg(m->type == type, "expected a message of type %u, got %u",
	    type, m->type);
}

/* The peer must close cleanly (a FIN, not a reset) within timeout_ms. */
static void
expect_eof(int fd, int timeout_ms)
{
	struct msg *m = msg_new();
	int r;

	/* Nothing may follow a NOTIFICATION. */
	r = read_msg(fd, m, timeout_ms);
	ck_assert_msg(r == RD_EOF, "expected the peer to close, got %s%s",
	    rd_name(r), r == RD_OK ? " after its NOTIFICATION" : "");
	g_free(m);
}

/*
 * Half-closes, then reads (and drops) what the peer still sends until it
 * closes too, so that our close sends no reset.  The peer must not answer
 * with a NOTIFICATION.
 */
static void
drain_to_eof(int fd)
{
	struct msg *m = msg_new();
	int r;

	shutdown(fd, SHUT_WR);
	while ((r = read_msg(fd, m, WAIT_MS)) == RD_OK)
		ck_assert_msg(m->type != BGP_NOTIFICATION, "the peer answered "
		    "with NOTIFICATION %u/%u", m->b[19], m->b[20]);
	ck_assert_msg(r == RD_EOF, "expected the peer to close, got %s",
	    rd_name(r));
	g_free(m);
}

/*
 * Reads until a NOTIFICATION (skipping OPEN, KEEPALIVE, UPDATE), checks
 * its code, subcode and (if data_hex) data, then expects the close.
 * Returns the milliseconds it took to come.
 */
static double
expect_notification(int fd, unsigned code, unsigned subcode,
    const char *data_hex, int timeout_ms)
{
	gint64 t0 = now_us(), end = t0 + (gint64)timeout_ms * 1000;
	struct msg *m = msg_new();

	for (;;) {
		int left = (int)((end - now_us()) / 1000);
		int r = read_msg(fd, m, left > 0 ? left : 0);
		ck_assert_msg(r == RD_OK, "expected NOTIFICATION %u/%u, got %s",
		    code, subcode, rd_name(r));
		if (m->type == BGP_NOTIFICATION)
			break;
		ck_assert_msg(m->type == BGP_OPEN || m->type == BGP_KEEPALIVE ||
		    m->type == BGP_UPDATE, "message type %u before the "
		    "NOTIFICATION", m->type);
	}
	double ms = (double)(now_us() - t0) / 1000.0;
	ck_assert_msg(m->len >= 21, "NOTIFICATION of %zu octets", m->len);
	ck_assert_msg(m->b[19] == code && m->b[20] == subcode,
	    "expected NOTIFICATION %u/%u, got %u/%u", code, subcode, m->b[19],
	    m->b[20]);
	if (data_hex != NULL) {
		char hex[2 * 64 + 1];
		size_t dl = MIN(m->len - 21, (size_t)64);
		fc_hex(m->b + 21, dl, hex);
		ck_assert_str_eq(hex, data_hex);
	}
	g_free(m);
	expect_eof(fd, WAIT_MS);
	return ms;
}

/* ------------------------------------------------------------------ */
/* Messages                                                             */

static void
build_open(struct bgp_buf *b, uint32_t as, uint16_t hold, unsigned fams,
    bool ext)
{
	struct bgp_open o = { .as = as, .hold_time = hold,
		.bgp_id = 0x0a000000u | (as & 0xffff), .families = fams,
		.route_refresh = true, .ext_message = ext };
	ck_assert_int_eq(bgp_open_build(b, &o), 0);
}

/* Returns `text` (a rule of `family`, 0: inferred) in canonical syntax. */
static char *
canon(const char *text, int family, bool with_actions)
{
	struct fs_rule r;

	fs_rule_init(&r, family ? family : FS_IPV4);
	fc_parse_or_fail(text, family, &r);
	if (!with_actions)
		r.nactions = 0;
	char *c = fs_print_rule_alloc(&r);
	ck_assert(c != NULL);
	char *g = g_strdup(c);
	free(c);
	fs_rule_free(&r);
	return g;
}

/* Appends UPDATEs announcing texts[0..n) (one family); returns how many. */
static long
build_announce(struct bgp_buf *b, uint32_t as, size_t max_len, int family,
    const char *const *texts, size_t n)
{
	struct fs_rule *rules = g_new0(struct fs_rule, n);
	struct bgp_route *routes = g_new0(struct bgp_route, n);
	const struct bgp_route **ptrs = g_new(const struct bgp_route *, n);
	uint8_t *nlri = g_malloc(n * (FS_NLRI_MAX_LEN + 2));
	struct bgp_update_params prm = { .as4 = true, .ebgp = true,
		.local_as = as, .max_len = max_len, .families = BOTH };

	for (size_t i = 0; i < n; i++) {
		struct fs_error err = { 0 };
		uint8_t *at = nlri + i * (FS_NLRI_MAX_LEN + 2);
		fs_rule_init(&rules[i], family);
		fc_parse_or_fail(texts[i], family, &rules[i]);
		ssize_t k = fs_nlri_encode(&rules[i], at, FS_NLRI_MAX_LEN + 2, &err);
		ck_assert_msg(k > 0, "cannot encode %s: %s", texts[i], err.msg);
		routes[i] = (struct bgp_route){ .family = (uint8_t)family,
			.nlri_len = (uint16_t)k, .nlri = at,
			.nactions = (uint16_t)rules[i].nactions,
			.actions = rules[i].actions };
		ptrs[i] = &routes[i];
	}
	qsort(ptrs, n, sizeof *ptrs, bgp_route_cmp_actions);
	long msgs = bgp_update_build_reach(b, &prm, ptrs, n);
	ck_assert_msg(msgs > 0, "cannot build UPDATEs: %s", strerror(errno));
	for (size_t i = 0; i < n; i++)
		fs_rule_free(&rules[i]);
	g_free(rules);
	g_free(routes);
	g_free(ptrs);
	g_free(nlri);
	return msgs;
}

static void
build_announce1(struct bgp_buf *b, const char *text, int family)
{
	build_announce(b, PEER_AS, BGP_MAX_LEN, family, &text, 1);
}

/* Appends an UPDATE whose path attributes are attrs[0..alen). */
static void
build_update_raw(struct bgp_buf *b, const uint8_t *attrs, size_t alen)
{
	uint8_t *p = bgp_buf_reserve(b, 23 + alen);
	ck_assert(p != NULL);
	bgp_header_write(p, 23 + alen, BGP_UPDATE);
	bgp_put16(p + 19, 0);
	bgp_put16(p + 21, (uint16_t)alen);
	memcpy(p + 23, attrs, alen);
}

/* ------------------------------------------------------------------ */
/* A raw peer towards listen                                            */

enum stage { ST_CONNECTED, ST_OPENCONFIRM, ST_ESTABLISHED };

/*
 * Connects to listen and goes as far as `upto`: OpenConfirm (OPENs
 * exchanged, listen's KEEPALIVE read) or Established (ours sent too).
 */
static int
peer_connect(uint16_t port, uint32_t as, unsigned fams, bool ext,
    uint16_t hold, enum stage upto)
{
	int fd = tcp_connect(port);
	struct bgp_buf b = { 0 };
	struct msg *m;

	if (upto == ST_CONNECTED)
		return fd;
	m = msg_new();
	build_open(&b, as, hold, fams, ext);
	send_buf(fd, &b);
	expect_msg(fd, m, BGP_OPEN, WAIT_MS);
	struct bgp_open o;
	struct bgp_error e = { 0 };
	ck_assert_msg(bgp_open_parse(m->b, m->len, &o, &e) == 0,
	    "listen's OPEN does not parse: %s", e.msg);
	ck_assert_uint_eq(o.as, LOCAL_AS);
	ck_assert(o.as4 && o.route_refresh && o.ext_message);
	expect_msg(fd, m, BGP_KEEPALIVE, WAIT_MS);
	if (upto == ST_ESTABLISHED) {
		ck_assert_int_eq(bgp_keepalive_build(&b), 0);
		send_buf(fd, &b);
	}
	bgp_buf_free(&b);
	g_free(m);
	return fd;
}

/* Sends Cease/Administrative Shutdown and closes. */
static void
peer_close(int fd)
{
	struct bgp_buf b = { 0 };

	ck_assert_int_eq(bgp_notification_build(&b, BGP_ERR_CEASE,
	    BGP_CEASE_ADMIN_SHUTDOWN, NULL, 0), 0);
	send_buf(fd, &b);
	bgp_buf_free(&b);
	drain_to_eof(fd);
	close(fd);
}

#define GOOD_RULE "match destination 198.51.100.0/24 protocol ==tcp " \
	"destination-port ==443 then discard"

/*
 * A fresh, well-behaved session to the same listen process reaches
 * Established and has its rule printed: the process survived.
 */
static void
assert_survives(struct proc *l, uint16_t port, uint32_t as)
{
	struct bgp_buf b = { 0 };
	int fd = peer_connect(port, as, BOTH, true, 90, ST_ESTABLISHED);
	JsonObject *o = proc_expect(l, "established", NULL, WAIT_MS);
	ck_assert_int_eq(json_object_get_int_member(o, "peer_as"), as);
	build_announce(&b, as, BGP_MAX_LEN, FS_IPV4,
	    (const char *const[]){ GOOD_RULE }, 1);
	send_buf(fd, &b);
	bgp_buf_free(&b);
	o = proc_expect(l, "announce", NULL, WAIT_MS);
	char *want = canon(GOOD_RULE, FS_IPV4, true);
	ck_assert_str_eq(json_object_get_string_member(o, "rule"), want);
	g_free(want);
	peer_close(fd);
	o = proc_expect(l, "down", NULL, WAIT_MS);
	ck_assert_str_eq(json_object_get_string_member(o, "notification_received"),
	    "6/2");
}

/* ------------------------------------------------------------------ */
/* 1. listen and malformed input                                        */

static void
bad_marker(struct bgp_buf *b)
{
	ck_assert_int_eq(bgp_keepalive_build(b), 0);
	b->p[5] = 0x7f;
}

static void
garbage(struct bgp_buf *b)
{
	static const char text[] = "GET / HTTP/1.1\r\nHost: router\r\n\r\n";
	memcpy(bgp_buf_reserve(b, sizeof text - 1), text, sizeof text - 1);
}

static void
length_18(struct bgp_buf *b)
{
	bgp_header_write(bgp_buf_reserve(b, 19), 18, BGP_KEEPALIVE);
}

static void
length_5000(struct bgp_buf *b)
{
	uint8_t *p = bgp_buf_reserve(b, 5000);
	memset(p, 0, 5000);
	bgp_header_write(p, 5000, BGP_UPDATE);
}

static void
type_9(struct bgp_buf *b)
{
	bgp_header_write(bgp_buf_reserve(b, 19), 19, 9);
}

static void
open_version_3(struct bgp_buf *b)
{
	build_open(b, PEER_AS, 90, BOTH, true);
	b->p[19] = 3;
}

static void
open_hold_2(struct bgp_buf *b)
{
	build_open(b, PEER_AS, 2, BOTH, true);
}

static void
open_no_flowspec(struct bgp_buf *b)
{
	build_open(b, PEER_AS, 90, 0, true);
}

static void
open_as_65001(struct bgp_buf *b)
{
	build_open(b, PEER_AS, 90, BOTH, true);
}

/* RFC 7607: My AS 0 and no 4-octet AS capability. */
static void
open_as_0(struct bgp_buf *b)
{
	static const uint8_t params[] = { 8 + 8 + 4 + 4,
		2, 6, BGP_CAP_MP, 4, 0, BGP_AFI_IPV4, 0, BGP_SAFI_FLOWSPEC,
		2, 6, BGP_CAP_MP, 4, 0, BGP_AFI_IPV6, 0, BGP_SAFI_FLOWSPEC,
		2, 2, BGP_CAP_ROUTE_REFRESH, 0,
		2, 2, BGP_CAP_EXT_MESSAGE, 0 };
	uint8_t *p = bgp_buf_reserve(b, 28 + sizeof params);

	ck_assert(p != NULL);
	bgp_header_write(p, 28 + sizeof params, BGP_OPEN);
	p[19] = 4;
	bgp_put16(p + 20, 0);		/* My Autonomous System */
	bgp_put16(p + 22, 90);
	bgp_put32(p + 24, 0x0a000001);
	memcpy(p + 28, params, sizeof params);
}

/* RFC 7607 with RFC 6793: the 4-octet AS capability carries 0. */
static void
open_as4_0(struct bgp_buf *b)
{
	build_open(b, 0, 90, BOTH, true);
}

static void
open_then_update(struct bgp_buf *b)
{
	build_open(b, PEER_AS, 90, BOTH, true);
	ck_assert_int_eq(bgp_update_build_eor(b, FS_IPV4), 0);
}

static void
update_eor(struct bgp_buf *b)
{
	ck_assert_int_eq(bgp_update_build_eor(b, FS_IPV4), 0);
}

static void
attr_list_overrun(struct bgp_buf *b)
{
	/* Total path attribute length 40; four octets follow. */
	static const uint8_t attrs[] = { 0x40, 1, 1, 0 };
	build_update_raw(b, attrs, sizeof attrs);
	bgp_put16(b->p + 21, 40);
}

static void
attr_overrun(struct bgp_buf *b)
{
	/* ORIGIN says 10 octets; the attribute field ends after 1. */
	static const uint8_t attrs[] = { 0x40, 1, 10, 0 };
	build_update_raw(b, attrs, sizeof attrs);
}

static void
truncated_update(struct bgp_buf *b)
{
	build_announce1(b, GOOD_RULE, FS_IPV4);
	ck_assert(b->len > 30);
	b->len = 30;
}

static void
truncated_open(struct bgp_buf *b)
{
	build_open(b, PEER_AS, 90, BOTH, true);
	b->len = 25;
}

/* Appends the NLRI of `text` (IPv4) to a. */
static void
put_nlri(struct bgp_buf *a, const char *text)
{
	struct fs_rule r;
	struct fs_error err = { 0 };
	uint8_t nlri[FS_NLRI_MAX_LEN + 2];

	fs_rule_init(&r, FS_IPV4);
	fc_parse_or_fail(text, FS_IPV4, &r);
	ssize_t n = fs_nlri_encode(&r, nlri, sizeof nlri, &err);
	ck_assert(n > 0);
	memcpy(bgp_buf_reserve(a, (size_t)n), nlri, (size_t)n);
	fs_rule_free(&r);
}

/* Appends ORIGIN IGP and AS_PATH [PEER_AS] (4-octet ASes). */
static void
put_origin_path(struct bgp_buf *a)
{
	static const uint8_t attrs[] = {
		0x40, 1, 1, 0,
		0x40, 2, 6, 2, 1, 0, 0, PEER_AS >> 8, PEER_AS & 0xff,
	};
	memcpy(bgp_buf_reserve(a, sizeof attrs), attrs, sizeof attrs);
}

/* Appends MP_REACH_NLRI (IPv4 flowspec, no next hop) around nlri[0..n). */
static void
put_mp_reach(struct bgp_buf *a, const uint8_t *nlri, size_t n)
{
	uint8_t *p = bgp_buf_reserve(a, 9 + n);
	p[0] = BGP_ATTR_OPTIONAL | BGP_ATTR_EXTLEN;
	p[1] = BGP_A_MP_REACH;
	bgp_put16(p + 2, (uint16_t)(5 + n));
	bgp_put16(p + 4, BGP_AFI_IPV4);
	p[6] = BGP_SAFI_FLOWSPEC;
	p[7] = 0;	/* next hop length */
	p[8] = 0;	/* reserved */
	memcpy(p + 9, nlri, n);
}

#define OTHER_RULE "match destination 192.0.2.0/24 then discard"

/* A good MP_REACH_NLRI, then a second one: the UPDATE is refused whole. */
static void
mp_reach_twice(struct bgp_buf *b)
{
	struct bgp_buf a = { 0 }, n1 = { 0 }, n2 = { 0 };

	put_origin_path(&a);
	put_nlri(&n1, GOOD_RULE);
	put_nlri(&n2, OTHER_RULE);
	put_mp_reach(&a, n1.p, n1.len);
	put_mp_reach(&a, n2.p, n2.len);
	build_update_raw(b, a.p, a.len);
	bgp_buf_free(&a);
	bgp_buf_free(&n1);
	bgp_buf_free(&n2);
}

/*
 * An NLRI that does not decode (component type 14) but whose length is
 * sound, a good one, then one whose length (32) runs past the attribute.
 */
static void
nlri_overrun(struct bgp_buf *b)
{
	struct bgp_buf a = { 0 }, n = { 0 };
	static const uint8_t bad[] = { 2, 14, 0 };
	static const uint8_t cut[] = { 32, 1, 24, 10 };

	put_origin_path(&a);
	memcpy(bgp_buf_reserve(&n, sizeof bad), bad, sizeof bad);
	put_nlri(&n, GOOD_RULE);
	memcpy(bgp_buf_reserve(&n, sizeof cut), cut, sizeof cut);
	put_mp_reach(&a, n.p, n.len);
	build_update_raw(b, a.p, a.len);
	bgp_buf_free(&a);
	bgp_buf_free(&n);
}

struct bad_case {
	const char *name;
	enum stage stage;
	bool ext;		/* the raw peer offers extended messages */
	void (*build)(struct bgp_buf *b);
	unsigned code, subcode;	/* 0: no NOTIFICATION, the raw peer closes */
	const char *data_hex;	/* expected NOTIFICATION data, NULL: unchecked */
	const char *peer_as;	/* listen --peer-as */
	bool update_error;	/* listen reports the UPDATE before "down" */
};

static const struct bad_case bad_cases[] = {
	{ "bad marker", ST_CONNECTED, true, bad_marker, 1, 1, "", NULL, false },
	{ "garbage", ST_CONNECTED, true, garbage, 1, 1, NULL, NULL, false },
	{ "length 18", ST_CONNECTED, true, length_18, 1, 2, "0012", NULL, false },
	{ "length 5000 (no extended message)", ST_ESTABLISHED, false,
	  length_5000, 1, 2, "1388", NULL, false },
	{ "type 9", ST_CONNECTED, true, type_9, 1, 3, "09", NULL, false },
	{ "OPEN version 3", ST_CONNECTED, true, open_version_3, 2, 1, "0004",
	  NULL, false },
	{ "OPEN hold time 2", ST_CONNECTED, true, open_hold_2, 2, 6, NULL, NULL,
	  false },
	{ "OPEN without flowspec", ST_CONNECTED, true, open_no_flowspec, 2, 7,
	  "010400010085010400020085", NULL, false },
	{ "OPEN from the wrong AS", ST_CONNECTED, true, open_as_65001, 2, 2,
	  NULL, "65002", false },
	{ "OPEN from AS 0", ST_CONNECTED, true, open_as_0, 2, 2, NULL, NULL,
	  false },
	{ "OPEN from AS 0 (4-octet AS capability)", ST_CONNECTED, true,
	  open_as4_0, 2, 2, NULL, NULL, false },
	{ "UPDATE in OpenSent", ST_CONNECTED, true, update_eor, 5, 1, NULL, NULL,
	  false },
	{ "UPDATE in OpenConfirm", ST_CONNECTED, true, open_then_update, 5, 2,
	  NULL, NULL, false },
	{ "attribute length past the message", ST_ESTABLISHED, true,
	  attr_list_overrun, 3, 1, NULL, NULL, true },
	{ "attribute past the attribute field", ST_ESTABLISHED, true,
	  attr_overrun, 3, 1, NULL, NULL, true },
	{ "MP_REACH_NLRI twice", ST_ESTABLISHED, true, mp_reach_twice, 3, 1,
	  NULL, NULL, true },
	{ "flowspec NLRI past its attribute", ST_ESTABLISHED, true,
	  nlri_overrun, 3, 9, NULL, NULL, true },
	{ "UPDATE cut short, then close", ST_ESTABLISHED, true,
	  truncated_update, 0, 0, NULL, NULL, false },
	{ "OPEN cut short, then close", ST_CONNECTED, true, truncated_open,
	  0, 0, NULL, NULL, false },
};

START_TEST(listen_survives_malformed)
{
	const struct bad_case *c = &bad_cases[_i];
	const char *more[] = { c->peer_as ? "--peer-as" : NULL, c->peer_as, NULL };
	struct proc l;
	struct bgp_buf b = { 0 };
	char want[64];

	uint16_t port = listen_startv(&l, NULL, more);
	int fd = peer_connect(port, PEER_AS, BOTH, c->ext, 90, c->stage);
	if (c->stage == ST_ESTABLISHED)
		proc_expect(&l, "established", NULL, WAIT_MS);
	c->build(&b);
	send_buf(fd, &b);
	bgp_buf_free(&b);
	if (c->code == 0) {
		/* Cut short, then a clean close: no NOTIFICATION, no rule. */
		drain_to_eof(fd);
		close(fd);
		JsonObject *o = proc_next(&l, WAIT_MS);
		ck_assert_msg(strcmp(json_object_get_string_member(o, "event"),
		    "down") == 0 && strstr(json_object_get_string_member(o,
		    "reason"), "closed") != NULL, "%s: listen said %s", c->name,
		    (char *)l.lines->pdata[l.cursor - 1]);
		ck_assert(!json_object_has_member(o, "notification_sent"));
	} else {
		expect_notification(fd, c->code, c->subcode, c->data_hex, WAIT_MS);
		close(fd);
		snprintf(want, sizeof want, "%u/%u", c->code, c->subcode);
		JsonObject *o = proc_next(&l, WAIT_MS);
		if (c->update_error) {
			ck_assert_msg(strcmp(json_object_get_string_member(o,
			    "event"), "update-error") == 0 &&
			    strcmp(json_object_get_string_member(o, "action"),
			    "reset") == 0 && g_str_has_prefix(
			    json_object_get_string_member(o, "error"), want),
			    "%s: listen said %s", c->name,
			    (char *)l.lines->pdata[l.cursor - 1]);
			o = proc_next(&l, WAIT_MS);
		}
		snprintf(want, sizeof want, "\"notification_sent\":\"%u/%u\"",
		    c->code, c->subcode);
		ck_assert_msg(strcmp(json_object_get_string_member(o, "event"),
		    "down") == 0 && strstr(l.lines->pdata[l.cursor - 1], want),
		    "%s: listen said %s", c->name,
		    (char *)l.lines->pdata[l.cursor - 1]);
		ck_assert(json_object_get_boolean_member(o, "was_established") ==
		    (c->stage == ST_ESTABLISHED));
	}
	assert_survives(&l, port, c->peer_as ? (uint32_t)atoi(c->peer_as) :
	    PEER_AS);
	proc_finish(&l, 0);
	proc_free(&l);
}
END_TEST

static void assert_same(GPtrArray *got, GPtrArray *want, const char *what);

/* EXTENDED_COMMUNITIES of 7 octets: treat-as-withdraw, the session stays. */
START_TEST(listen_treat_as_withdraw)
{
	struct proc l;
	struct bgp_buf b = { 0 }, a = { 0 }, n = { 0 };
	static const char rule[] = "match destination 10.1.0.0/16 then discard";

	uint16_t port = listen_start(&l);
	int fd = peer_connect(port, PEER_AS, BOTH, true, 90, ST_ESTABLISHED);
	proc_expect(&l, "established", NULL, WAIT_MS);

	/* ORIGIN, AS_PATH, EXTENDED_COMMUNITIES of 7 octets, MP_REACH_NLRI. */
	static const uint8_t ext7[] = { 0xc0, 16, 7, 0x80, 6, 0, 0, 0, 0, 0 };
	put_origin_path(&a);
	memcpy(bgp_buf_reserve(&a, sizeof ext7), ext7, sizeof ext7);
	put_nlri(&n, rule);
	put_mp_reach(&a, n.p, n.len);
	bgp_buf_free(&n);
	build_update_raw(&b, a.p, a.len);
	bgp_buf_free(&a);
	send_buf(fd, &b);

	JsonObject *o = proc_expect(&l, "update-error", NULL, WAIT_MS);
	ck_assert_str_eq(json_object_get_string_member(o, "action"),
	    "treat-as-withdraw");
	ck_assert(g_str_has_prefix(json_object_get_string_member(o, "error"),
	    "3/5 "));
	/* The rule is withdrawn, never announced. */
	o = proc_next(&l, WAIT_MS);
	ck_assert_str_eq(json_object_get_string_member(o, "event"), "withdraw");
	char *want = canon(rule, FS_IPV4, false);
	ck_assert_str_eq(json_object_get_string_member(o, "rule"), want);
	g_free(want);

	/* Same session: a good UPDATE is still read, and nothing was reset. */
	build_announce1(&b, GOOD_RULE, FS_IPV4);
	send_buf(fd, &b);
	bgp_buf_free(&b);
	o = proc_next(&l, WAIT_MS);
	ck_assert_str_eq(json_object_get_string_member(o, "event"), "announce");
	struct msg *m = msg_new();
	for (;;) {
		int rr = read_msg(fd, m, 200);
		if (rr == RD_TIMEOUT)
			break;
		ck_assert_msg(rr == RD_OK && m->type != BGP_NOTIFICATION,
		    "listen reset the session: %s %u/%u", rd_name(rr),
		    m->b[19], m->b[20]);
	}
	g_free(m);
	peer_close(fd);
	o = proc_expect(&l, "down", NULL, WAIT_MS);
	ck_assert(json_object_get_boolean_member(o, "was_established"));
	proc_finish(&l, 0);
	proc_free(&l);
}
END_TEST

/* With extended messages agreed, an UPDATE above 4096 octets is read whole. */
START_TEST(listen_extended_message)
{
	struct proc l;
	struct bgp_buf b = { 0 };
	enum { N = 400 };
	char **texts = g_new0(char *, N + 1);

	uint16_t port = listen_start(&l);
	int fd = peer_connect(port, PEER_AS, BOTH, true, 90, ST_ESTABLISHED);
	JsonObject *o = proc_expect(&l, "established", NULL, WAIT_MS);
	ck_assert(json_object_get_boolean_member(o, "ext_message"));
	for (int i = 0; i < N; i++)
		texts[i] = g_strdup_printf("match destination 10.%d.%d.0/24 "
		    "protocol ==tcp destination-port ==443 then discard",
		    i / 256, i % 256);
	long msgs = build_announce(&b, PEER_AS, BGP_EXT_MAX_LEN, FS_IPV4,
	    (const char *const *)texts, N);
	ck_assert_int_eq(msgs, 1);
	ck_assert_uint_gt(b.len, BGP_MAX_LEN);
	send_buf(fd, &b);
	bgp_buf_free(&b);
	GPtrArray *got = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *want = g_ptr_array_new_with_free_func(g_free);
	for (int i = 0; i < N; i++) {
		o = proc_next(&l, WAIT_MS);
		ck_assert_str_eq(json_object_get_string_member(o, "event"),
		    "announce");
		g_ptr_array_add(got, g_strdup(json_object_get_string_member(o,
		    "rule")));
		g_ptr_array_add(want, canon(texts[i], FS_IPV4, true));
	}
	assert_same(got, want, "received");
	g_ptr_array_free(got, TRUE);
	g_ptr_array_free(want, TRUE);
	g_strfreev(texts);
	peer_close(fd);
	proc_expect(&l, "down", NULL, WAIT_MS);
	proc_finish(&l, 0);
	proc_free(&l);
}
END_TEST

/* Returns the CPU time `pid` has used, in seconds. */
static double
cpu_seconds(pid_t pid)
{
	char path[64];
	gchar *text = NULL;
	unsigned long ut = 0, st = 0;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	ck_assert(g_file_get_contents(path, &text, NULL, NULL));
	const char *p = strrchr(text, ')');
	ck_assert(p != NULL && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u "
	    "%*u %*u %*u %lu %lu", &ut, &st) == 2);
	g_free(text);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int
count_fds_of(pid_t pid)
{
	char path[64];
	int n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	GDir *d = g_dir_open(path, 0, NULL);
	ck_assert(d != NULL);
	while (g_dir_read_name(d) != NULL)
		n++;
	g_dir_close(d);
	return n;
}

/*
 * Out of descriptors, listen cannot accept: it must wait, not spin on
 * the listening socket, and serve the queued connections once it can.
 */
START_TEST(listen_out_of_descriptors)
{
	struct proc l;
	struct msg *m = msg_new();
	int q[3];

	uint16_t port = listen_start(&l);
	int fd = peer_connect(port, PEER_AS, BOTH, true, 90, ST_ESTABLISHED);
	proc_expect(&l, "established", NULL, WAIT_MS);
	struct rlimit old, lim;
	ck_assert_int_eq(prlimit(l.pid, RLIMIT_NOFILE, NULL, &old), 0);
	lim = (struct rlimit){ (rlim_t)count_fds_of(l.pid), old.rlim_max };
	ck_assert_int_eq(prlimit(l.pid, RLIMIT_NOFILE, &lim, NULL), 0);
	for (int i = 0; i < 3; i++)
		q[i] = tcp_connect(port);	/* queued, not accepted */
	double c0 = cpu_seconds(l.pid);
	g_usleep(G_USEC_PER_SEC);
	double used = cpu_seconds(l.pid) - c0;
	ck_assert_msg(used < 0.3, "listen used %.2f s of CPU in 1 s while "
	    "out of descriptors", used);

	/* A descriptor comes free: the first queued connection is served. */
	peer_close(fd);
	proc_expect(&l, "down", NULL, WAIT_MS);
	expect_msg(q[0], m, BGP_OPEN, WAIT_MS);
	ck_assert_int_eq(prlimit(l.pid, RLIMIT_NOFILE, &old, NULL), 0);
	for (int i = 0; i < 3; i++) {
		if (i > 0)
			expect_msg(q[i], m, BGP_OPEN, WAIT_MS);
		drain_to_eof(q[i]);
		close(q[i]);
		proc_expect(&l, "down", NULL, WAIT_MS);
	}
	g_free(m);
	assert_survives(&l, port, PEER_AS);
	proc_finish(&l, 0);
	proc_free(&l);
}
END_TEST

/*
 * After its NOTIFICATION listen drains what the peer still sends, but
 * not for ever: a peer that keeps talking loses the connection after a
 * bounded time (twice the 2 s idle timeout), and listen lives on.
 */
START_TEST(listen_drain_is_bounded)
{
	struct proc l;
	struct bgp_buf b = { 0 };
	static const uint8_t one = 0;

	uint16_t port = listen_start(&l);
	int fd = peer_connect(port, PEER_AS, BOTH, true, 90, ST_CONNECTED);
	garbage(&b);
	send_buf(fd, &b);
	bgp_buf_free(&b);
	expect_notification(fd, BGP_ERR_HEADER, BGP_HDR_NOT_SYNC, NULL, WAIT_MS);
	gint64 t0 = now_us();
	double s = -1;
	while (now_us() - t0 < 7 * G_USEC_PER_SEC) {
		if (send(fd, &one, 1, MSG_NOSIGNAL) < 0) {
			ck_assert_msg(errno == ECONNRESET || errno == EPIPE,
			    "send: %s", strerror(errno));
			s = (double)(now_us() - t0) / 1e6;
			break;
		}
		g_usleep(G_USEC_PER_SEC / 4);
	}
	close(fd);
	ck_assert_msg(s >= 0, "listen still reads a talking peer 7 s after "
	    "its NOTIFICATION");
	ck_assert_msg(s > 3.0 && s < 6.0, "listen dropped the connection %.2f s "
	    "after its NOTIFICATION; expected about 4 s", s);
	proc_expect(&l, "down", NULL, WAIT_MS);
	assert_survives(&l, port, PEER_AS);
	proc_finish(&l, 0);
	proc_free(&l);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 2. inject against a raw peer                                         */

static const char six_rules[] =
    "# inject test rules: both families, several actions\n"
    "match destination 192.0.2.53/32 protocol ==udp "
	"packet-length >=99971&<=99985 then discard\n"
    "match destination 198.51.100.0/24 destination-port ==53 "
	"then rate-limit 1000\n"
    "match source 203.0.113.7/32 protocol ==tcp tcp-flags =syn then discard\n"
    "match destination 10.0.0.0/8 fragment =first-fragment then mark 46\n"
    "match destination 2001:db8::/32 protocol ==tcp then discard\n"
    "match destination 2001:db8:1::/48 destination-port ==80 "
	"then rate-limit 5000\n";

/* What the raw peer read from inject. */
struct seen {
	GPtrArray *reach, *withdrawn;	/* canonical text */
	unsigned eor;			/* families whose End-of-RIB came */
	size_t updates;			/* UPDATEs with routes (not End-of-RIB) */
	size_t max_len;			/* of the largest UPDATE */
};

static void
seen_init(struct seen *s)
{
	s->reach = g_ptr_array_new_with_free_func(g_free);
	s->withdrawn = g_ptr_array_new_with_free_func(g_free);
	s->eor = 0;
	s->updates = s->max_len = 0;
}

static void
seen_free(struct seen *s)
{
	g_ptr_array_free(s->reach, TRUE);
	g_ptr_array_free(s->withdrawn, TRUE);
}

/* Decodes one UPDATE from inject into `s`. */
static void
seen_update(struct seen *s, const struct msg *m, unsigned fams)
{
	struct bgp_update u;
	struct bgp_update_params prm = { .as4 = true, .ebgp = true,
		.local_as = LOCAL_AS, .families = fams };

	bgp_update_init(&u);
	ck_assert_msg(bgp_update_parse(m->b, m->len, &prm, &u) == 0 &&
	    u.err.action == BGP_ACT_NONE && u.nbad == 0,
	    "inject sent an UPDATE that does not read cleanly: %s", u.err.msg);
	ck_assert_msg(u.family != 0, "an UPDATE without flowspec");
	for (size_t i = 0; i < u.nreach; i++) {
		char *t = fs_print_rule_alloc(&u.reach[i]);
		g_ptr_array_add(s->reach, g_strdup(t));
		free(t);
		ck_assert_msg(u.as_path_len == 1 && u.as_path[0] == PEER_AS,
		    "AS_PATH is not [%u]", PEER_AS);
	}
	for (size_t i = 0; i < u.nwithdrawn; i++) {
		char *t = fs_print_rule_alloc(&u.withdrawn[i]);
		g_ptr_array_add(s->withdrawn, g_strdup(t));
		free(t);
	}
	if (u.eor) {
		ck_assert_msg(!(s->eor & BGP_FAM_BIT(u.family)),
		    "two End-of-RIBs for one family");
		s->eor |= BGP_FAM_BIT(u.family);
	}
	if (u.nreach + u.nwithdrawn > 0)
		s->updates++;
	s->max_len = MAX(s->max_len, m->len);
	bgp_update_free(&u);
}

/* Reads UPDATEs until End-of-RIB came for every family of `want`. */
static void
read_until_eor(int fd, struct seen *s, unsigned want, unsigned fams)
{
	struct msg *m = msg_new();

	while ((s->eor & want) != want) {
		int r = read_msg(fd, m, WAIT_MS);
		ck_assert_msg(r == RD_OK, "expected UPDATEs, got %s", rd_name(r));
		if (m->type == BGP_KEEPALIVE)
			continue;
		ck_assert_msg(m->type == BGP_UPDATE, "expected an UPDATE, got "
		    "type %u (%u/%u)", m->type, m->b[19], m->b[20]);
		seen_update(s, m, fams);
		ck_assert_msg((s->eor & ~want) == 0, "End-of-RIB of a family "
		    "not asked for");
	}
	g_free(m);
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Asserts `got` and `want` hold the same strings, as many times each. */
static void
assert_same(GPtrArray *got, GPtrArray *want, const char *what)
{
	g_ptr_array_sort(got, cmp_str);
	g_ptr_array_sort(want, cmp_str);
	for (guint i = 0; i < MIN(got->len, want->len); i++)
		ck_assert_msg(strcmp(got->pdata[i], want->pdata[i]) == 0,
		    "%s: got \"%s\", expected \"%s\"", what,
		    (char *)got->pdata[i], (char *)want->pdata[i]);
	ck_assert_msg(got->len == want->len, "%s: %u rules, expected %u", what,
	    got->len, want->len);
}

/* Returns the canonical rules of a file (of `family` only, 0: all). */
static GPtrArray *
file_rules(const char *path, int family, bool with_actions)
{
	struct fs_ruleset set;
	struct fs_error err = { 0 };
	GPtrArray *v = g_ptr_array_new_with_free_func(g_free);

	fs_ruleset_init(&set);
	ck_assert_msg(fs_ruleset_load_file(&set, path, 0, &err) >= 0,
	    "%s: %s", path, err.msg);
	for (size_t i = 0; i < set.n; i++) {
		struct fs_rule r = set.v[i].rule;
		if (family != 0 && r.family != family)
			continue;
		if (!with_actions)
			r.nactions = 0;
		char *t = fs_print_rule_alloc(&r);
		g_ptr_array_add(v, g_strdup(t));
		free(t);
	}
	fs_ruleset_free(&set);
	return v;
}

/*
 * Completes the handshake on inject's connection as AS LOCAL_AS offering
 * `fams` (and extended messages if `ext`).  *theirs gets inject's OPEN.
 */
static int
handshake(int fd, unsigned fams, bool ext, struct bgp_open *theirs)
{
	struct bgp_buf b = { 0 };
	struct bgp_error e = { 0 };
	struct msg *m = msg_new();

	expect_msg(fd, m, BGP_OPEN, WAIT_MS);
	ck_assert_msg(bgp_open_parse(m->b, m->len, theirs, &e) == 0,
	    "inject's OPEN does not parse: %s", e.msg);
	build_open(&b, LOCAL_AS, 90, fams, ext);
	ck_assert_int_eq(bgp_keepalive_build(&b), 0);
	send_buf(fd, &b);
	bgp_buf_free(&b);
	expect_msg(fd, m, BGP_KEEPALIVE, WAIT_MS);
	g_free(m);
	return fd;
}

/* Accepts inject's connection and completes the handshake. */
static int
accept_session(int lfd, unsigned fams, bool ext, struct bgp_open *theirs)
{
	struct sockaddr_in from;
	int fd = tcp_accept(lfd, WAIT_MS, &from);

	ck_assert_msg(fd >= 0, "inject did not connect");
	return handshake(fd, fams, ext, theirs);
}

/* As accept_session, but fails at once, with its stderr, if `in` exits. */
static int
accept_session_of(struct proc *in, int lfd, unsigned fams, bool ext,
    struct bgp_open *theirs)
{
	struct sockaddr_in from;
	gint64 end = now_us() + (gint64)WAIT_MS * 1000;
	int fd;

	while ((fd = tcp_accept(lfd, 50, &from)) < 0) {
		int st = proc_wait(in, 0);
		ck_assert_msg(st < 0, "inject exited with %d before connecting; "
		    "stderr:\n%s", st, tail(in->ebuf, 4000));
		ck_assert_msg(now_us() < end, "inject did not connect; "
		    "stderr:\n%s", tail(in->ebuf, 4000));
	}
	return handshake(fd, fams, ext, theirs);
}

static void
send_refresh(int fd, int family)
{
	struct bgp_buf b = { 0 };
	ck_assert_int_eq(bgp_refresh_build(&b, family), 0);
	send_buf(fd, &b);
	bgp_buf_free(&b);
}

/* Starts inject towards 127.0.0.1:port with the rule file and more options. */
static void
inject_start(struct proc *in, uint16_t port, const char *rules,
    const char *const *more)
{
	char peer[32];
	const char *args[32] = { "inject", "--peer", peer, "--local-as",
		G_STRINGIFY(PEER_AS), "--peer-as", G_STRINGIFY(LOCAL_AS) };
	size_t n = 7;

	snprintf(peer, sizeof peer, "127.0.0.1:%u", port);
	for (size_t i = 0; more != NULL && more[i] != NULL; i++) {
		ck_assert(n + 2 < G_N_ELEMENTS(args));
		args[n++] = more[i];
	}
	args[n++] = rules;
	args[n] = NULL;
	proc_startv(in, NULL, args);
}

/*
 * Many sessions at once: three injects, from three loopback addresses,
 * each with its own rule, reach one listen together.  Each rule must be
 * reported once, from its own peer, and each session end on its own.
 */
START_TEST(listen_many_sessions)
{
	static const char *const from[] = { "127.0.0.2", "127.0.0.3", "127.0.0.4" };
	struct proc l, in[G_N_ELEMENTS(from)];
	uint16_t port = listen_start(&l);
	char *files[G_N_ELEMENTS(from)];

	for (size_t i = 0; i < G_N_ELEMENTS(from); i++) {
		char name[32], text[128];
		snprintf(name, sizeof name, "peer%zu.flow", i);
		snprintf(text, sizeof text, "match destination 192.0.2.%zu/32 "
		    "then discard\n", i + 10);
		files[i] = write_file(name, text, 0644);
		const char *more[] = { "--bind", from[i], "--hold", "30", NULL };
		inject_start(&in[i], port, files[i], more);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(from); i++) {
		char want[64];
		snprintf(want, sizeof want, "192.0.2.%zu/32", i + 10);
		JsonObject *o = proc_expect(&l, "announce", want, WAIT_MS);
		l.cursor = 0;	/* the sessions interleave: search from the top */
		ck_assert_str_eq(json_object_get_string_member(o, "peer"), from[i]);
	}
	unsigned est = 0, ann = 0;
	for (size_t k = 0; k < l.nodes->len; k++) {
		JsonObject *o = json_node_get_object(l.nodes->pdata[k]);
		const char *ev = json_object_get_string_member_with_default(o, "event", "");
		est += strcmp(ev, "established") == 0;
		ann += strcmp(ev, "announce") == 0;
	}
	ck_assert_uint_eq(est, G_N_ELEMENTS(from));
	ck_assert_uint_eq(ann, G_N_ELEMENTS(from));
	/* Ending one session leaves the others up. */
	proc_finish(&in[0], 0);
	proc_expect(&l, "down", from[0], WAIT_MS);
	for (size_t k = 0; k < l.nodes->len; k++) {
		JsonObject *o = json_node_get_object(l.nodes->pdata[k]);
		if (strcmp(json_object_get_string_member_with_default(o, "event", ""), "down") == 0)
			ck_assert_str_eq(json_object_get_string_member(o, "peer"), from[0]);
	}
	for (size_t i = 1; i < G_N_ELEMENTS(from); i++)
		proc_finish(&in[i], 0);
	proc_finish(&l, 0);
	for (size_t i = 0; i < G_N_ELEMENTS(from); i++) {
		proc_free(&in[i]);
		g_free(files[i]);
	}
	proc_free(&l);
}
END_TEST

START_TEST(inject_sends_rules_and_refreshes)
{
	char *rules = write_file("six.flow", six_rules, 0644);
	uint16_t port;
	int lfd = tcp_listen(&port, "127.0.0.1");
	struct proc in;
	struct bgp_open o;
	struct seen s;

	inject_start(&in, port, rules, NULL);
	int fd = accept_session(lfd, BOTH, true, &o);
	ck_assert_uint_eq(o.as, PEER_AS);
	ck_assert_uint_eq(o.families, BOTH);
	ck_assert(o.as4 && o.route_refresh && o.ext_message);
	ck_assert_uint_eq(o.hold_time, 90);

	/* All rules, each once, then End-of-RIB for both families. */
	seen_init(&s);
	read_until_eor(fd, &s, BOTH, BOTH);
	GPtrArray *want = file_rules(rules, 0, true);
	ck_assert_uint_eq(want->len, 6);
	assert_same(s.reach, want, "first announcement");
	ck_assert_uint_eq(s.withdrawn->len, 0);
	g_ptr_array_free(want, TRUE);
	seen_free(&s);

	/* ROUTE-REFRESH, one family at a time: that family's rules again. */
	for (int f = FS_IPV4; f <= FS_IPV6; f++) {
		send_refresh(fd, f);
		seen_init(&s);
		read_until_eor(fd, &s, BGP_FAM_BIT(f), BOTH);
		want = file_rules(rules, f, true);
		ck_assert_uint_eq(want->len, f == FS_IPV4 ? 4 : 2);
		assert_same(s.reach, want, "after ROUTE-REFRESH");
		g_ptr_array_free(want, TRUE);
		seen_free(&s);
	}

	/* SIGTERM: Cease, Administrative Shutdown, clean close, exit 0. */
	kill(in.pid, SIGTERM);
	expect_notification(fd, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL,
	    WAIT_MS);
	close(fd);
	proc_expect_exit(&in, 0, WAIT_MS);
	close(lfd);
	proc_free(&in);
	g_free(rules);
}
END_TEST

START_TEST(inject_hold_and_withdraw)
{
	char *rules = write_file("six.flow", six_rules, 0644);
	const char *more[] = { "--hold", "1", "--withdraw", NULL };
	uint16_t port;
	int lfd = tcp_listen(&port, "127.0.0.1");
	struct proc in;
	struct bgp_open o;
	struct seen s;
	struct msg *m = msg_new();

	inject_start(&in, port, rules, more);
	int fd = accept_session(lfd, BOTH, true, &o);
	seen_init(&s);
	read_until_eor(fd, &s, BOTH, BOTH);
	gint64 t_eor = now_us();
	GPtrArray *want = file_rules(rules, 0, true);
	assert_same(s.reach, want, "announcement");
	g_ptr_array_free(want, TRUE);
	seen_free(&s);

	/* After --hold: MP_UNREACH for every rule, then Cease. */
	seen_init(&s);
	gint64 t_first = 0;
	for (;;) {
		int r = read_msg(fd, m, WAIT_MS);
		ck_assert_msg(r == RD_OK, "expected withdraws, got %s", rd_name(r));
		if (m->type == BGP_NOTIFICATION)
			break;
		if (m->type != BGP_UPDATE)
			continue;
		if (t_first == 0)
			t_first = now_us();
		seen_update(&s, m, BOTH);
	}
	double held = (double)(t_first - t_eor) / 1e6;
	ck_assert_msg(t_first != 0 && held > 0.7 && held < 4.0,
	    "withdraws came %.2f s after End-of-RIB, --hold was 1", held);
	ck_assert_uint_eq(s.reach->len, 0);
	want = file_rules(rules, 0, false);
	assert_same(s.withdrawn, want, "withdrawn");
	g_ptr_array_free(want, TRUE);
	seen_free(&s);
	ck_assert_msg(m->b[19] == BGP_ERR_CEASE &&
	    m->b[20] == BGP_CEASE_ADMIN_SHUTDOWN,
	    "expected NOTIFICATION 6/2, got %u/%u", m->b[19], m->b[20]);
	g_free(m);
	expect_eof(fd, WAIT_MS);
	close(fd);
	proc_expect_exit(&in, 0, WAIT_MS);
	ck_assert(strstr(in.ebuf->str, "withdrew 6 rules") != NULL);
	close(lfd);
	proc_free(&in);
	g_free(rules);
}
END_TEST

/* _i == 0: the raw peer offers extended messages; 1: it does not. */
START_TEST(inject_extended_message)
{
	bool ext = _i == 0;
	GString *text = g_string_new(NULL);
	enum { N = 1500 };

	for (int i = 0; i < N; i++)
		g_string_append_printf(text, "match destination 10.%d.%d.0/24 "
		    "protocol ==tcp destination-port ==%d then discard\n",
		    i / 256, i % 256, 1000 + i);
	char *rules = write_file("many.flow", text->str, 0644);
	g_string_free(text, TRUE);
	uint16_t port;
	int lfd = tcp_listen(&port, "127.0.0.1");
	struct proc in;
	struct bgp_open o;
	struct seen s;

	inject_start(&in, port, rules, NULL);
	int fd = accept_session(lfd, BOTH, ext, &o);
	ck_assert(o.ext_message);
	ck_assert_uint_eq(o.families, V4);
	seen_init(&s);
	read_until_eor(fd, &s, V4, V4);
	GPtrArray *want = file_rules(rules, 0, true);
	assert_same(s.reach, want, "announcement");
	g_ptr_array_free(want, TRUE);
	if (ext)
		ck_assert_msg(s.max_len > BGP_MAX_LEN, "no UPDATE above 4096 "
		    "octets (largest %zu) though both offered extended "
		    "messages", s.max_len);
	else
		ck_assert_msg(s.max_len <= BGP_MAX_LEN, "an UPDATE of %zu "
		    "octets without extended messages", s.max_len);
	/* 19.5 kB of NLRI: one message with, five of at most 4096 without. */
	ck_assert_msg(ext ? s.updates == 1 : s.updates >= 5,
	    "%zu UPDATEs", s.updates);
	seen_free(&s);
	kill(in.pid, SIGTERM);
	expect_notification(fd, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL,
	    WAIT_MS);
	close(fd);
	proc_expect_exit(&in, 0, WAIT_MS);
	close(lfd);
	proc_free(&in);
	g_free(rules);
}
END_TEST

/* Some rules are IPv6, the peer takes only IPv4: inject says so and closes. */
START_TEST(inject_family_not_negotiated)
{
	char *rules = write_file("six.flow", six_rules, 0644);
	uint16_t port;
	int lfd = tcp_listen(&port, "127.0.0.1");
	struct proc in;
	struct bgp_open o;

	inject_start(&in, port, rules, NULL);
	int fd = accept_session(lfd, V4, true, &o);
	expect_notification(fd, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL,
	    WAIT_MS);
	close(fd);
	proc_expect_exit(&in, 4, WAIT_MS);
	ck_assert_msg(strstr(in.ebuf->str, "does not accept ipv6 flowspec"),
	    "stderr: %s", in.ebuf->str);
	close(lfd);
	proc_free(&in);
	g_free(rules);
}
END_TEST

/* The peer refuses (NOTIFICATION 6/5) or drops the session: inject exits 4 now. */
START_TEST(inject_peer_refuses_or_drops)
{
	bool drop = _i == 1;
	char *rules = write_file("six.flow", six_rules, 0644);
	const char *more[] = { "--connect-timeout", "20", NULL };
	uint16_t port;
	int lfd = tcp_listen(&port, "127.0.0.1");
	struct proc in;
	struct sockaddr_in from;
	struct bgp_buf b = { 0 };
	struct msg *m = msg_new();
	gint64 t0 = now_us();

	inject_start(&in, port, rules, more);
	int fd;
	if (drop) {
		struct bgp_open o;
		struct seen s;
		fd = accept_session(lfd, BOTH, true, &o);
		seen_init(&s);
		read_until_eor(fd, &s, BOTH, BOTH);
		seen_free(&s);
	} else {
		fd = tcp_accept(lfd, WAIT_MS, &from);
		ck_assert(fd >= 0);
		expect_msg(fd, m, BGP_OPEN, WAIT_MS);
		ck_assert_int_eq(bgp_notification_build(&b, BGP_ERR_CEASE,
		    BGP_CEASE_REJECTED, NULL, 0), 0);
		send_buf(fd, &b);
		bgp_buf_free(&b);
	}
	drain_to_eof(fd);	/* and inject answers no NOTIFICATION with one */
	close(fd);
	proc_expect_exit(&in, 4, WAIT_MS);
	double s = (double)(now_us() - t0) / 1e6;
	ck_assert_msg(s < 5, "inject took %.1f s to give up", s);
	ck_assert_msg(strstr(in.ebuf->str, drop ? "closed" : "6/5") != NULL,
	    "stderr: %s", in.ebuf->str);
	ck_assert_int_lt(tcp_accept(lfd, 300, &from), 0);
	g_free(m);
	close(lfd);
	proc_free(&in);
	g_free(rules);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 3. Hold timer                                                        */

START_TEST(listen_hold_timer)
{
	const char *more[] = { "--hold-time", "3", NULL };
	struct proc l;
	struct msg *m = msg_new();

	uint16_t port = listen_startv(&l, NULL, more);
	int fd = peer_connect(port, PEER_AS, BOTH, true, 3, ST_ESTABLISHED);
	gint64 t0 = now_us();
	JsonObject *o = proc_expect(&l, "established", NULL, WAIT_MS);
	ck_assert_int_eq(json_object_get_int_member(o, "hold_time"), 3);

	/* Say nothing; listen keeps sending KEEPALIVEs, then gives up. */
	unsigned keepalives = 0;
	for (;;) {
		int r = read_msg(fd, m, 8000);
		ck_assert_msg(r == RD_OK, "expected NOTIFICATION 4/0, got %s",
		    rd_name(r));
		if (m->type == BGP_NOTIFICATION)
			break;
		keepalives += m->type == BGP_KEEPALIVE;
	}
	double s = (double)(now_us() - t0) / 1e6;
	ck_assert_msg(m->b[19] == BGP_ERR_HOLD && m->b[20] == 0,
	    "expected NOTIFICATION 4/0, got %u/%u", m->b[19], m->b[20]);
	ck_assert_msg(s >= 2.0 && s <= 6.0, "hold timer expired after %.2f s, "
	    "the hold time is 3 s", s);
	ck_assert_msg(keepalives >= 1, "no KEEPALIVE in %.2f s with hold 3", s);
	g_free(m);
	expect_eof(fd, WAIT_MS);
	close(fd);
	o = proc_expect(&l, "down", NULL, WAIT_MS);
	ck_assert_str_eq(json_object_get_string_member(o, "notification_sent"),
	    "4/0");
	ck_assert(json_object_get_boolean_member(o, "was_established"));
	assert_survives(&l, port, PEER_AS);
	proc_finish(&l, 0);
	proc_free(&l);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 4. Reconnect backoff                                                 */

#define RETRY_S		0.25
#define RETRY_TIMEOUT	"4.5"	/* attempts near 0, .25, .75, 1.75, 3.75 s */

START_TEST(inject_backoff)
{
	char *rules = write_file("six.flow", six_rules, 0644);
	/* Two injects from two addresses, started together. */
	static const char *const from[2] = { "127.0.0.2", "127.0.0.3" };
	const char *m0[] = { "--connect-retry", G_STRINGIFY(RETRY_S),
		"--connect-timeout", RETRY_TIMEOUT, "--bind", from[0], NULL };
	const char *m1[] = { "--connect-retry", G_STRINGIFY(RETRY_S),
		"--connect-timeout", RETRY_TIMEOUT, "--bind", from[1], NULL };
	uint16_t port;
	int lfd = tcp_listen(&port, "127.0.0.1");
	struct proc in[2];
	double t[2][16];
	unsigned n[2] = { 0, 0 };
	gint64 t0 = now_us();

	inject_start(&in[0], port, rules, m0);
	inject_start(&in[1], port, rules, m1);
	/* Accept each connection and close it at once; note when it came. */
	while (now_us() - t0 < 8 * G_USEC_PER_SEC) {
		struct sockaddr_in peer;
		int fd = tcp_accept(lfd, 50, &peer);
		if (fd >= 0) {
			double at = (double)(now_us() - t0) / 1e6;
			char name[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &peer.sin_addr, name, sizeof name);
			close(fd);
			int k = strcmp(name, from[0]) == 0 ? 0 :
			    strcmp(name, from[1]) == 0 ? 1 : -1;
			ck_assert_msg(k >= 0, "a connection from %s", name);
			ck_assert(n[k] < G_N_ELEMENTS(t[k]));
			t[k][n[k]++] = at;
		}
		proc_pump(&in[0], 0);
		proc_pump(&in[1], 0);
		if (proc_wait(&in[0], 0) >= 0 && proc_wait(&in[1], 0) >= 0)
			break;
	}
	for (int k = 0; k < 2; k++) {
		proc_expect_exit(&in[k], 4, WAIT_MS);
		ck_assert_msg(strstr(in[k].ebuf->str, "no session with 127.0.0.1 "
		    "before the connect timeout") != NULL, "stderr: %s",
		    in[k].ebuf->str);
		/* 1 + 4 attempts: gaps 0.25, 0.5, 1, 2 s, each times 0.75..1. */
		ck_assert_msg(n[k] == 5, "inject %d tried %u times", k, n[k]);
		double nominal = RETRY_S;
		for (unsigned i = 1; i < n[k]; i++, nominal *= 2) {
			double gap = t[k][i] - t[k][i - 1];
			ck_assert_msg(gap >= 0.74 * nominal &&
			    gap <= nominal + 0.15, "inject %d: gap %u is %.3f s, "
			    "expected %.3f..%.3f", k, i, gap, 0.75 * nominal,
			    nominal);
			if (i > 1)
				ck_assert_msg(gap > t[k][i - 1] - t[k][i - 2],
				    "inject %d: gap %u does not grow", k, i);
		}
	}
	/* Jitter: the two do not retry in lockstep. */
	double most = 0;
	for (unsigned i = 1; i < 5; i++)
		most = MAX(most, fabs((t[0][i] - t[0][i - 1]) -
		    (t[1][i] - t[1][i - 1])));
	ck_assert_msg(most > 0.005, "two injects retried in lockstep (gaps "
	    "differ by %.4f s at most)", most);
	close(lfd);
	proc_free(&in[0]);
	proc_free(&in[1]);
	g_free(rules);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 5. Bad Peer AS, seen from inject                                      */

START_TEST(inject_bad_peer_as)
{
	char *rules = write_file("six.flow", six_rules, 0644);
	uint16_t port;
	int lfd = tcp_listen(&port, "127.0.0.1");
	char peer[32];
	struct proc in;
	struct sockaddr_in from;
	struct bgp_buf b = { 0 };
	struct msg *m = msg_new();
	gint64 t0 = now_us();

	snprintf(peer, sizeof peer, "127.0.0.1:%u", port);
	proc_start(&in, NULL, "inject", "--peer", peer, "--local-as", "65001",
	    "--peer-as", "65009", "--connect-timeout", "20", rules, NULL);
	int fd = tcp_accept(lfd, WAIT_MS, &from);
	ck_assert(fd >= 0);
	expect_msg(fd, m, BGP_OPEN, WAIT_MS);
	g_free(m);
	build_open(&b, 65001, 90, BOTH, true);
	send_buf(fd, &b);
	bgp_buf_free(&b);
	expect_notification(fd, BGP_ERR_OPEN, BGP_OPEN_PEER_AS, NULL, WAIT_MS);
	close(fd);
	proc_expect_exit(&in, 4, WAIT_MS);
	double s = (double)(now_us() - t0) / 1e6;
	ck_assert_msg(s < 5, "inject took %.1f s to give up", s);
	ck_assert(strstr(in.ebuf->str, "65001") != NULL);
	ck_assert(strstr(in.ebuf->str, "65009") != NULL);
	/* It gave up instead of reconnecting. */
	ck_assert_int_lt(tcp_accept(lfd, 300, &from), 0);
	close(lfd);
	proc_free(&in);
	g_free(rules);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 6. TCP MD5                                                            */

/* The key text must appear in no output of `p`. */
static void
assert_no_secret(const struct proc *p, const char *key)
{
	ck_assert_msg(strstr(p->obuf->str, key) == NULL,
	    "%s printed the MD5 key on stdout", p->name);
	ck_assert_msg(strstr(p->ebuf->str, key) == NULL,
	    "%s printed the MD5 key on stderr", p->name);
}

static char *
make_key(void)
{
	return g_strdup_printf("Fc-md5-%08x%08x", g_random_int(), g_random_int());
}

/* Returns true if a plain (unsigned) connection to port gets through in ms. */
static bool
plain_connect_works(uint16_t port, int ms)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t len = sizeof err;

	ck_assert(fd >= 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return false;
	}
	bool ok = poll(&pfd, 1, ms) == 1 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
	close(fd);
	return ok;
}

/*
 * listen and inject, each with the key from a file or the environment:
 * the session comes up and a rule goes through.
 */
static void
md5_session(const char *listen_file, const char *listen_env,
    const char *inject_file, const char *inject_env, const char *bind,
    const char *key)
{
	char *rules = write_file("one.flow", GOOD_RULE "\n", 0644);
	char peer[32];
	const char *largs[8] = { "listen", "--bind", bind, "--local-as",
		G_STRINGIFY(LOCAL_AS), NULL };
	const char *iargs[16] = { "inject", "--peer", peer, "--local-as",
		G_STRINGIFY(PEER_AS), "--peer-as", G_STRINGIFY(LOCAL_AS),
		"--hold", "0.2", rules, NULL };
	struct proc l, in;

	if (listen_file != NULL) {
		largs[5] = "--md5-key-file";
		largs[6] = listen_file;
	}
	proc_startv(&l, listen_env, largs);
	JsonObject *o = proc_expect(&l, "listening", NULL, WAIT_MS);
	ck_assert(json_object_get_boolean_member(o, "md5"));
	uint16_t port = (uint16_t)json_object_get_int_member(o, "port");
	/* Without the key, not even TCP gets through. */
	ck_assert_msg(!plain_connect_works(port, 500),
	    "an unsigned connection reached an MD5 listener");
	snprintf(peer, sizeof peer, "127.0.0.1:%u", port);
	if (inject_file != NULL) {
		iargs[9] = "--md5-key-file";
		iargs[10] = inject_file;
		iargs[11] = rules;
	}
	proc_startv(&in, inject_env, iargs);
	proc_expect(&l, "established", NULL, WAIT_MS);
	o = proc_expect(&l, "announce", NULL, WAIT_MS);
	char *want = canon(GOOD_RULE, FS_IPV4, true);
	ck_assert_str_eq(json_object_get_string_member(o, "rule"), want);
	g_free(want);
	proc_expect_exit(&in, 0, WAIT_MS);
	proc_expect(&l, "down", NULL, WAIT_MS);
	proc_finish(&l, 0);
	assert_no_secret(&l, key);
	assert_no_secret(&in, key);
	proc_free(&l);
	proc_free(&in);
	g_free(rules);
}

START_TEST(md5_same_key_file)
{
	char *key = make_key();
	char *text = g_strconcat(key, "\n", NULL);
	char *kf = write_file("md5.key", text, 0600);

	md5_session(kf, NULL, kf, NULL, "127.0.0.1:0", key);
	g_free(kf);
	g_free(text);
	g_free(key);
}
END_TEST

/* From the environment, and listen on the dual-stack wildcard (its default). */
START_TEST(md5_key_from_environment)
{
	char *key = make_key();

	md5_session(NULL, key, NULL, key, "[::]:0", key);
	g_free(key);
}
END_TEST

START_TEST(md5_different_keys)
{
	char *key = make_key(), *other = make_key();
	char *kf = write_file("md5.key", key, 0600);
	char *rules = write_file("one.flow", GOOD_RULE "\n", 0644);
	const char *lmore[] = { "--md5-key-file", kf, NULL };
	struct proc l, in;
	char peer[32];

	uint16_t port = listen_startv(&l, NULL, lmore);
	snprintf(peer, sizeof peer, "127.0.0.1:%u", port);
	gint64 t0 = now_us();
	proc_start(&in, other, "inject", "--peer", peer, "--local-as",
	    G_STRINGIFY(PEER_AS), "--peer-as", G_STRINGIFY(LOCAL_AS),
	    "--connect-timeout", "1.5", rules, NULL);
	proc_expect_exit(&in, 4, WAIT_MS);
	double s = (double)(now_us() - t0) / 1e6;
	ck_assert_msg(s >= 1.4, "inject gave up after %.2f s, before its "
	    "--connect-timeout of 1.5 s", s);
	ck_assert(strstr(in.ebuf->str, "127.0.0.1") != NULL);
	proc_finish(&l, 0);
	for (guint i = 0; i < l.lines->len; i++)
		ck_assert_msg(strstr(l.lines->pdata[i], "\"listening\"") != NULL,
		    "with different keys listen printed %s",
		    (char *)l.lines->pdata[i]);
	assert_no_secret(&l, key);
	assert_no_secret(&l, other);
	assert_no_secret(&in, key);
	assert_no_secret(&in, other);
	proc_free(&l);
	proc_free(&in);
	g_free(rules);
	g_free(kf);
	g_free(key);
	g_free(other);
}
END_TEST

START_TEST(md5_key_file_mode)
{
	char *key = make_key();
	char *kf = write_file("md5.key", key, 0644);
	char *rules = write_file("one.flow", GOOD_RULE "\n", 0644);
	struct proc l, in;

	proc_start(&l, NULL, "listen", "--bind", "127.0.0.1:0", "--local-as",
	    "65000", "--md5-key-file", kf, NULL);
	proc_expect_exit(&l, 3, WAIT_MS);
	proc_start(&in, NULL, "inject", "--peer", "127.0.0.1:9", "--local-as",
	    "65001", "--peer-as", "65000", "--md5-key-file", kf, rules, NULL);
	proc_expect_exit(&in, 3, WAIT_MS);
	for (int k = 0; k < 2; k++) {
		struct proc *p = k == 0 ? &l : &in;
		ck_assert_msg(strstr(p->ebuf->str, kf) != NULL &&
		    strstr(p->ebuf->str, "0644") != NULL,
		    "%s: the message names neither file nor mode: %s", p->name,
		    p->ebuf->str);
		ck_assert_str_eq(p->obuf->str, "");
		assert_no_secret(p, key);
	}
	proc_free(&l);
	proc_free(&in);
	g_free(rules);
	g_free(kf);
	g_free(key);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 7. Usage errors                                                      */

struct usage_case {
	const char *args[16];
	const char *names;	/* what the message must name */
};

static const struct usage_case usage_cases[] = {
	{ { "inject", "--local-as", "65001", "--peer-as", "65000", "RULES" },
	  "--peer" },
	{ { "inject", "--peer", "300.1.2.3", "--local-as", "65001", "--peer-as",
	    "65000", "RULES" }, "--peer" },
	{ { "inject", "--peer", "127.0.0.1:99999", "--local-as", "65001",
	    "--peer-as", "65000", "RULES" }, "--peer" },
	{ { "inject", "--peer", "127.0.0.1:0", "--local-as", "65001",
	    "--peer-as", "65000", "RULES" }, "--peer" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "0", "--peer-as",
	    "65000", "RULES" }, "--local-as" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "65001", "RULES" },
	  "--peer-as" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "65001", "--peer-as",
	    "65000", "--hold-time", "2", "RULES" }, "--hold-time" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "65001", "--peer-as",
	    "65000", "--connect-timeout", "nan", "RULES" }, "--connect-timeout" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "65001", "--peer-as",
	    "65000", "--connect-timeout", "1e300", "RULES" }, "--connect-timeout" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "65001", "--peer-as",
	    "65000", "--hold", "nan", "RULES" }, "--hold" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "65001", "--peer-as",
	    "65000", "--connect-retry", "0", "RULES" }, "--connect-retry" },
	{ { "listen", "--local-as", "65000", "--hold-time", "2" }, "--hold-time" },
	{ { "listen", "--local-as", "65000", "--bind", "localhost" }, "--bind" },
	{ { "listen", "--local-as", "4294967296" }, "--local-as" },
};

START_TEST(usage_errors)
{
	const struct usage_case *c = &usage_cases[_i];
	char *rules = write_file("one.flow", GOOD_RULE "\n", 0644);
	const char *args[16];
	struct proc p;
	GString *cmd = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(args); i++) {
		const char *a = c->args[i];
		args[i] = a != NULL && strcmp(a, "RULES") == 0 ? rules : a;
		if (a != NULL)
			g_string_append_printf(cmd, " %s", a);
		if (a == NULL)
			break;
	}
	proc_startv(&p, NULL, args);
	proc_expect_exit(&p, 2, WAIT_MS);
	ck_assert_msg(strstr(p.ebuf->str, c->names) != NULL,
	    "flowcanary%s: the message does not name %s: %s", cmd->str,
	    c->names, p.ebuf->str);
	ck_assert_str_eq(p.obuf->str, "");
	g_string_free(cmd, TRUE);
	proc_free(&p);
	g_free(rules);
}
END_TEST

START_TEST(inject_help_names_connect_retry)
{
	struct proc p;

	proc_start(&p, NULL, "inject", "--help", NULL);
	proc_expect_exit(&p, 0, WAIT_MS);
	ck_assert(strstr(p.obuf->str, "--connect-retry") != NULL);
	proc_free(&p);
}
END_TEST

/* ------------------------------------------------------------------ */
/* 8. What review found                                                 */

/* Rules with one match: one route, the last rule's, counted once. */
START_TEST(inject_same_match_later_wins)
{
	static const char text[] =
	    "match destination 192.0.2.0/24 protocol ==udp then discard\n"
	    "match destination 198.51.100.0/24 then discard\n"
	    "match destination 192.0.2.0/24 protocol ==udp then rate-limit 1000\n"
	    "match destination 192.0.2.0/24 protocol ==udp then rate-limit 2000\n";
	char *rules = write_file("twice.flow", text, 0644);
	const char *more[] = { "--json", NULL };
	uint16_t port;
	int lfd = tcp_listen(&port, "127.0.0.1");
	struct proc in;
	struct bgp_open o;
	struct seen s;

	inject_start(&in, port, rules, more);
	int fd = accept_session_of(&in, lfd, BOTH, true, &o);
	seen_init(&s);
	read_until_eor(fd, &s, V4, V4);
	GPtrArray *want = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(want, canon("match destination 192.0.2.0/24 "
	    "protocol ==udp then rate-limit 2000", FS_IPV4, true));
	g_ptr_array_add(want, canon("match destination 198.51.100.0/24 "
	    "then discard", FS_IPV4, true));
	assert_same(s.reach, want, "announced");
	g_ptr_array_free(want, TRUE);
	seen_free(&s);
	kill(in.pid, SIGTERM);
	expect_notification(fd, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL,
	    WAIT_MS);
	close(fd);
	proc_expect_exit(&in, 0, WAIT_MS);
	ck_assert_msg(strstr(in.ebuf->str, "replaced") != NULL,
	    "inject did not say that a rule was replaced; stderr:\n%s",
	    in.ebuf->str);
	ck_assert_msg(strstr(in.ebuf->str, "sending 2 rules") != NULL,
	    "stderr:\n%s", in.ebuf->str);
	JsonNode *n = json_from_string(in.obuf->str, NULL);
	ck_assert_msg(n != NULL && JSON_NODE_HOLDS_OBJECT(n),
	    "inject --json printed %s", in.obuf->str);
	JsonObject *sum = json_node_get_object(n);
	ck_assert_int_eq(json_object_get_int_member(sum, "rules"), 2);
	ck_assert(json_object_get_boolean_member(sum, "sent"));
	json_node_unref(n);
	close(lfd);
	proc_free(&in);
	g_free(rules);
}
END_TEST

/*
 * The same, through the library, once Established: one announce with
 * three rules of one match (the table used to free an earlier route while
 * the batch being sent still pointed at it).  A session of this process,
 * attached to a loopback connection, against the raw peer.
 */
START_TEST(session_announce_same_match_in_one_batch)
{
	static const char *const texts[] = {
	    "match destination 192.0.2.0/24 protocol ==udp then discard",
	    "match destination 198.51.100.0/24 then discard",
	    "match destination 192.0.2.0/24 protocol ==udp then rate-limit 1000",
	    "match destination 192.0.2.0/24 protocol ==udp then rate-limit 2000",
	};
	enum { N = G_N_ELEMENTS(texts) };
	uint16_t port;
	int lfd = tcp_listen(&port, "127.0.0.1");
	int peer = tcp_connect(port);
	struct sockaddr_in from;
	int fd = tcp_accept(lfd, WAIT_MS, &from);
	/* Our session speaks as inject would, AS PEER_AS, to LOCAL_AS. */
	struct bgp_session_config cfg = { .local_as = PEER_AS, .families = BOTH };
	struct bgp_buf b = { 0 };
	struct msg *m = msg_new();
	struct fs_rule rules[N];
	struct fs_error err = { 0 };
	struct seen s;

	ck_assert(fd >= 0);
	close(lfd);
	struct bgp_session *ss = bgp_session_new(&cfg, NULL, NULL);
	ck_assert(ss != NULL);
	ck_assert_int_eq(bgp_session_attach(ss, fd), 0);
	expect_msg(peer, m, BGP_OPEN, WAIT_MS);
	build_open(&b, LOCAL_AS, 90, BOTH, true);
	ck_assert_int_eq(bgp_keepalive_build(&b), 0);
	send_buf(peer, &b);
	gint64 end = now_us() + (gint64)WAIT_MS * 1000;
	while (bgp_session_state(ss) != BGP_ESTABLISHED) {
		ck_assert_msg(now_us() < end, "no Established; state %s",
		    bgp_state_name(bgp_session_state(ss)));
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(1000);
	}
	/* Its KEEPALIVE, then End-of-RIB of an empty Adj-RIB-Out. */
	expect_msg(peer, m, BGP_KEEPALIVE, WAIT_MS);
	seen_init(&s);
	read_until_eor(peer, &s, BOTH, BOTH);
	ck_assert_uint_eq(s.reach->len, 0);
	seen_free(&s);

	for (size_t i = 0; i < N; i++) {
		fs_rule_init(&rules[i], FS_IPV4);
		fc_parse_or_fail(texts[i], FS_IPV4, &rules[i]);
	}
	ck_assert_int_eq(bgp_session_announce(ss, rules, N, &err), 0);
	ck_assert_uint_eq(bgp_session_rib_out_size(ss), 2);
	for (size_t i = 0; i < N; i++)
		fs_rule_free(&rules[i]);
	/* What the announce wrote, until quiet: the last rule and the other. */
	seen_init(&s);
	int r;
	while ((r = read_msg(peer, m, 300)) == RD_OK) {
		ck_assert_msg(m->type == BGP_UPDATE || m->type == BGP_KEEPALIVE,
		    "message of type %u", m->type);
		if (m->type == BGP_UPDATE)
			seen_update(&s, m, BOTH);
	}
	ck_assert_msg(r == RD_TIMEOUT, "the session ended: %s", rd_name(r));
	GPtrArray *want = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(want, canon(texts[3], FS_IPV4, true));
	g_ptr_array_add(want, canon(texts[1], FS_IPV4, true));
	assert_same(s.reach, want, "announced");
	g_ptr_array_free(want, TRUE);
	seen_free(&s);
	bgp_session_free(ss);
	expect_eof(peer, WAIT_MS);
	close(peer);
	bgp_buf_free(&b);
	g_free(m);
}
END_TEST

/* Listens on 127.0.0.1; what it accepts has a receive buffer of `rcvbuf`. */
static int
tcp_listen_rcvbuf(uint16_t *port, int rcvbuf)
{
	int fd = tcp_listen(port, "127.0.0.1");

	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof rcvbuf), 0);
	return fd;
}

/*
 * Waits until what the peer sent us stops growing for 300 ms: its output
 * is blocked on our not reading.  Returns the octets waiting in our
 * receive buffer.
 */
static int
wait_blocked(int fd)
{
	gint64 end = now_us() + (gint64)3 * WAIT_MS * 1000, since = now_us();
	int last = -1;

	for (;;) {
		int q = 0;
		ck_assert_int_eq(ioctl(fd, FIONREAD, &q), 0);
		if (q != last) {
			last = q;
			since = now_us();
		} else if (q > 0 && now_us() - since > 300 * 1000) {
			return q;
		}
		ck_assert_msg(now_us() < end, "the peer's output never "
		    "stalled (%d octets in our receive buffer)", q);
		g_usleep(20 * 1000);
	}
}

#define BIG_PORTS	800	/* destination ports of a big rule: 2.4 kB */

/* Returns big rule number i (0..65535): BIG_PORTS destination ports. */
static char *
big_rule(size_t i)
{
	GString *t = g_string_new(NULL);

	g_string_append_printf(t, "match destination 10.%zu.%zu.0/24 "
	    "protocol ==tcp destination-port", i >> 8 & 255, i & 255);
	for (int p = 0; p < BIG_PORTS; p++)
		g_string_append_printf(t, " %d", 1024 + 2 * p);
	g_string_append(t, " then discard");
	return g_string_free(t, FALSE);
}

/*
 * Writes big rules (about 2.4 kB of NLRI each, so that few rules make a
 * big Adj-RIB-Out), enough of them that the Adj-RIB-Out is twice what the
 * sender's socket buffer can hold at most (tcp_wmem) and more: some is
 * always left queued in the process while the peer does not read.
 * Returns the path; *n gets the number of rules.
 */
static char *
write_big_rules(const char *name, size_t *n)
{
	long wmem[3] = { 0, 0, 4 << 20 };
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_wmem", "r");

	if (f != NULL) {
		if (fscanf(f, "%ld %ld %ld", &wmem[0], &wmem[1], &wmem[2]) != 3)
			wmem[2] = 4 << 20;
		fclose(f);
	}
	*n = (2 * (size_t)wmem[2] + (1u << 20)) / (3 * BIG_PORTS) + 1;
	ck_assert_uint_le(*n, 65536);
	char *one = big_rule(0);
	GString *t = g_string_sized_new(*n * (strlen(one) + 2));
	g_free(one);
	for (size_t i = 0; i < *n; i++) {
		char *r = big_rule(i);
		g_string_append(t, r);
		g_string_append_c(t, '\n');
		g_free(r);
	}
	char *path = write_file(name, t->str, 0644);
	g_string_free(t, TRUE);
	return path;
}

/*
 * Returns the set (GBytes) of the NLRIs of big rules 0..n), length prefix
 * included: rule 0 encoded, then its destination's octets changed.
 */
static GHashTable *
big_nlris(size_t n)
{
	GHashTable *set = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
	    (GDestroyNotify)g_bytes_unref, NULL);
	char *text = big_rule(0);
	struct fs_rule r;
	struct fs_error err = { 0 };
	uint8_t nlri[FS_NLRI_MAX_LEN + 2];
	static const uint8_t dest0[] = { 1, 24, 10, 0, 0 };

	fs_rule_init(&r, FS_IPV4);
	fc_parse_or_fail(text, FS_IPV4, &r);
	ssize_t k = fs_nlri_encode(&r, nlri, sizeof nlri, &err);
	ck_assert_msg(k > 0, "%s", err.msg);
	fs_rule_free(&r);
	g_free(text);
	uint8_t *d = memmem(nlri, (size_t)k, dest0, sizeof dest0);
	ck_assert(d != NULL);
	for (size_t i = 0; i < n; i++) {
		d[3] = (uint8_t)(i >> 8);
		d[4] = (uint8_t)i;
		g_hash_table_add(set, g_bytes_new(nlri, (size_t)k));
	}
	ck_assert_uint_eq(g_hash_table_size(set), n);
	return set;
}

/*
 * Adds the NLRIs of the UPDATE's MP_REACH_NLRI (raw, length prefix
 * included) to `set`; returns how many there were.  It must withdraw
 * nothing.
 */
static size_t
raw_reach(const struct msg *m, GHashTable *set)
{
	const uint8_t *b = m->b;
	size_t off = BGP_HEADER_LEN, count = 0;

	ck_assert(m->len >= off + 4);
	ck_assert_msg((b[off] << 8 | b[off + 1]) == 0, "an UPDATE withdraws");
	off += 2;
	size_t end = off + 2 + (size_t)(b[off] << 8 | b[off + 1]);
	off += 2;
	ck_assert(end <= m->len);
	while (off < end) {
		ck_assert(off + 3 <= end);
		bool ext = b[off] & BGP_ATTR_EXTLEN;
		unsigned type = b[off + 1];
		size_t len = ext ? (size_t)(b[off + 2] << 8 | b[off + 3]) : b[off + 2];
		size_t v = off + (ext ? 4 : 3);
		ck_assert(v + len <= end);
		off = v + len;
		if (type != BGP_A_MP_REACH)
			continue;
		ck_assert(len >= 5);
		size_t p = v + 4 + b[v + 3] + 1;	/* after next hop, reserved */
		while (p < v + len) {
			size_t l = b[p], h = 1;
			if ((l & 0xf0) == 0xf0) {
				l = (l & 0x0f) << 8 | b[p + 1];
				h = 2;
			}
			ck_assert(p + h + l <= v + len);
			g_hash_table_add(set, g_bytes_new(b + p, h + l));
			p += h + l;
			count++;
		}
	}
	return count;
}

/* Asserts that sets a and b (of GBytes) are equal. */
static void
assert_same_set(GHashTable *got, GHashTable *want, const char *what)
{
	GHashTableIter it;
	gpointer k;
	size_t missing = 0;

	g_hash_table_iter_init(&it, want);
	while (g_hash_table_iter_next(&it, &k, NULL))
		missing += !g_hash_table_contains(got, k);
	ck_assert_msg(missing == 0 && g_hash_table_size(got) ==
	    g_hash_table_size(want), "%s: %zu of %u rules missing, %u routes",
	    what, missing, g_hash_table_size(want), g_hash_table_size(got));
}

/* True for an IPv4 flowspec End-of-RIB. */
static bool
is_eor_v4(const struct msg *m)
{
	struct bgp_update u;
	struct bgp_update_params prm = { .as4 = true, .ebgp = true,
		.local_as = LOCAL_AS, .families = BOTH };
	bool eor;

	if (m->type != BGP_UPDATE || m->len > 64)
		return false;
	bgp_update_init(&u);
	eor = bgp_update_parse(m->b, m->len, &prm, &u) == 0 && u.eor &&
	    u.family == FS_IPV4;
	bgp_update_free(&u);
	return eor;
}

/*
 * Reads one message, checking its framing as a receiver would (the
 * extended maximum, 65535): RD_OK, RD_EOF at a message boundary, or a
 * failure saying where the stream stopped making sense.
 */
static int
read_framed(int fd, struct msg *m, size_t nth, uint64_t at, int timeout_ms)
{
	gint64 deadline = now_us() + (gint64)timeout_ms * 1000;
	struct bgp_error e = { 0 };
	int r = read_full(fd, m->b, BGP_HEADER_LEN, deadline);

	if (r == RD_EOF)
		return r;
	ck_assert_msg(r == RD_OK, "message %zu (octet %" G_GUINT64_FORMAT
	    "): %s", nth, at, rd_name(r));
	ssize_t k = bgp_header_check(m->b, BGP_HEADER_LEN, BGP_EXT_MAX_LEN, &e);
	ck_assert_msg(k >= 0, "message %zu (octet %" G_GUINT64_FORMAT ") does "
	    "not frame: %s", nth, at, e.msg);
	m->len = (size_t)m->b[16] << 8 | m->b[17];
	m->type = m->b[18];
	if (m->len > BGP_HEADER_LEN) {
		static const uint8_t notif[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0, 21, BGP_NOTIFICATION };
		size_t got;
		r = read_part(fd, m->b + BGP_HEADER_LEN, m->len - BGP_HEADER_LEN,
		    deadline, &got);
		const uint8_t *in = r == RD_OK ? NULL :
		    memmem(m->b, BGP_HEADER_LEN + got, notif, sizeof notif);
		ck_assert_msg(r == RD_OK, "message %zu (octet %" G_GUINT64_FORMAT
		    ", type %u, %zu octets) is cut short after %zu octets: %s%s",
		    nth, at, m->type, m->len, BGP_HEADER_LEN + got,
		    r == RD_EOF ? "end of stream" : rd_name(r), in == NULL ? "" :
		    "; a NOTIFICATION came inside it");
	}
	k = bgp_header_check(m->b, m->len, BGP_EXT_MAX_LEN, &e);
	ck_assert_msg(k == (ssize_t)m->len, "message %zu (octet %"
	    G_GUINT64_FORMAT ") does not frame: %s", nth, at, e.msg);
	return RD_OK;
}

/*
 * The peer resets the session (a bad marker) while inject is in the middle
 * of writing an UPDATE that it cannot finish (the peer does not read):
 * what reaches the peer must still be whole messages, the last one the
 * NOTIFICATION, not a NOTIFICATION inside an UPDATE.
 *
 * inject exits as soon as the session is down, so its last words (the
 * rest of the UPDATE, the NOTIFICATION) arrive only if the kernel takes
 * them at once.  With our receive buffer of 64 kB it does; with 1 MB it
 * sometimes does not, and they are lost (a remaining bug, reported).
 */
START_TEST(inject_notification_after_half_sent_update)
{
	size_t n;
	char *rules = write_big_rules("big.flow", &n);
	uint16_t port;
	int lfd = tcp_listen_rcvbuf(&port, 65536);
	struct proc in;
	struct bgp_open o;
	struct bgp_buf b = { 0 };
	struct msg *m = msg_new();

	inject_start(&in, port, rules, NULL);
	int fd = accept_session_of(&in, lfd, BOTH, true, &o);
	wait_blocked(fd);
	bad_marker(&b);
	send_buf(fd, &b);
	bgp_buf_free(&b);

	size_t nth = 0, updates = 0;
	uint64_t at = 0;
	bool notified = false;
	for (;;) {
		int r = read_framed(fd, m, nth, at, WAIT_MS);
		if (r == RD_EOF)
			break;
		ck_assert_msg(!notified, "message %zu (type %u) after the "
		    "NOTIFICATION", nth, m->type);
		nth++;
		at += m->len;
		if (m->type == BGP_NOTIFICATION) {
			ck_assert_msg(m->b[19] == BGP_ERR_HEADER &&
			    m->b[20] == BGP_HDR_NOT_SYNC, "NOTIFICATION %u/%u, "
			    "expected 1/1", m->b[19], m->b[20]);
			notified = true;
			continue;
		}
		ck_assert_msg(m->type == BGP_UPDATE || m->type == BGP_KEEPALIVE,
		    "message %zu is of type %u", nth, m->type);
		ck_assert_msg(!is_eor_v4(m), "End-of-RIB came before the "
		    "NOTIFICATION: the %zu rules all left inject before the "
		    "reset, so this test did not catch an UPDATE half-sent",
		    n);
		updates += m->type == BGP_UPDATE;
	}
	ck_assert_msg(notified, "the stream of %zu messages (%zu UPDATEs, %"
	    G_GUINT64_FORMAT " octets) ended at a message boundary but "
	    "without NOTIFICATION 1/1", nth, updates, at);
	close(fd);
	proc_expect_exit(&in, 4, WAIT_MS);
	ck_assert_msg(strstr(in.ebuf->str, "1/1") != NULL, "stderr: %s",
	    in.ebuf->str);
	g_free(m);
	close(lfd);
	proc_free(&in);
	g_free(rules);
}
END_TEST

#define REFRESHES	300

/*
 * A peer that does not read sends ROUTE-REFRESH after ROUTE-REFRESH:
 * inject answers them once, when its queue is out, however many came;
 * not with one Adj-RIB-Out each.
 */
START_TEST(inject_refresh_flood_merged)
{
	size_t n;
	char *rules = write_big_rules("big.flow", &n);
	uint16_t port;
	int lfd = tcp_listen_rcvbuf(&port, 65536);
	struct proc in;
	struct bgp_open o;
	struct bgp_buf b = { 0 };
	struct msg *m = msg_new();

	inject_start(&in, port, rules, NULL);
	int fd = accept_session_of(&in, lfd, BOTH, true, &o);
	wait_blocked(fd);
	for (int i = 0; i < REFRESHES; i++)
		ck_assert_int_eq(bgp_refresh_build(&b, FS_IPV4), 0);
	send_buf(fd, &b);
	bgp_buf_free(&b);

	/* Read everything, until quiet after the second End-of-RIB. */
	GHashTable *first = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
	    (GDestroyNotify)g_bytes_unref, NULL);
	GHashTable *again = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
	    (GDestroyNotify)g_bytes_unref, NULL);
	unsigned eors = 0;
	size_t routes = 0;
	for (;;) {
		int r = read_msg(fd, m, eors >= 2 ? 500 : WAIT_MS);
		if (r == RD_TIMEOUT && eors >= 2)
			break;
		ck_assert_msg(r == RD_OK, "after %u End-of-RIBs: %s", eors,
		    rd_name(r));
		if (m->type == BGP_KEEPALIVE)
			continue;
		ck_assert_msg(m->type == BGP_UPDATE, "message of type %u (%u/%u)",
		    m->type, m->b[19], m->b[20]);
		if (is_eor_v4(m)) {
			eors++;
			ck_assert_msg(eors <= 2, "End-of-RIB number %u: inject "
			    "answered %d ROUTE-REFRESHes one by one", eors,
			    REFRESHES);
			continue;
		}
		if (routes == 0) {
			/* The first UPDATE decoded in full: the routes are the rules. */
			struct seen s;
			seen_init(&s);
			seen_update(&s, m, BOTH);
			for (guint k = 0; k < s.reach->len; k++) {
				unsigned a, c;
				const char *t = s.reach->pdata[k];
				const char *d = strstr(t, "destination 10.");
				ck_assert(d != NULL && sscanf(d, "destination "
				    "10.%u.%u.", &a, &c) == 2);
				char *want = big_rule(a << 8 | c);
				char *cw = canon(want, FS_IPV4, true);
				ck_assert_str_eq(t, cw);
				g_free(cw);
				g_free(want);
			}
			seen_free(&s);
		}
		routes += raw_reach(m, eors == 0 ? first : again);
	}
	/* Each of the two carried every rule, once. */
	GHashTable *want = big_nlris(n);
	assert_same_set(first, want, "the first announcement");
	assert_same_set(again, want, "the answer to ROUTE-REFRESH");
	ck_assert_uint_eq(routes, 2 * n);
	g_hash_table_destroy(want);
	g_hash_table_destroy(first);
	g_hash_table_destroy(again);

	kill(in.pid, SIGTERM);
	expect_notification(fd, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL,
	    WAIT_MS);
	close(fd);
	proc_expect_exit(&in, 0, WAIT_MS);
	g_free(m);
	close(lfd);
	proc_free(&in);
	g_free(rules);
}
END_TEST

/*
 * SIGTERM to listen with an Established peer: Cease, Administrative
 * Shutdown, then exit 0 within 3 s.  _i == 0: the peer closes at once;
 * 1: it keeps the connection open and silent.
 */
START_TEST(listen_sigterm_ceases_sessions)
{
	bool silent = _i == 1;
	struct proc l;
	struct msg *m = msg_new();

	uint16_t port = listen_start(&l);
	int fd = peer_connect(port, PEER_AS, BOTH, true, 90, ST_ESTABLISHED);
	proc_expect(&l, "established", NULL, WAIT_MS);
	gint64 t0 = now_us();
	kill(l.pid, SIGTERM);
	int r;
	/* Its End-of-RIBs and KEEPALIVEs may come first. */
	while ((r = read_msg(fd, m, WAIT_MS)) == RD_OK &&
	    (m->type == BGP_KEEPALIVE || m->type == BGP_UPDATE))
		;
	ck_assert_msg(r == RD_OK, "on SIGTERM listen closed the session "
	    "without NOTIFICATION: %s", rd_name(r));
	ck_assert_msg(m->type == BGP_NOTIFICATION && m->b[19] == BGP_ERR_CEASE &&
	    m->b[20] == BGP_CEASE_ADMIN_SHUTDOWN, "expected NOTIFICATION 6/2, "
	    "got type %u (%u/%u)", m->type, m->b[19], m->b[20]);
	expect_eof(fd, WAIT_MS);
	if (!silent)
		close(fd);
	proc_expect_exit(&l, 0, 3500);
	double s = (double)(now_us() - t0) / 1e6;
	ck_assert_msg(s < (silent ? 3.5 : 2.0), "listen took %.2f s to exit", s);
	if (silent)
		close(fd);
	JsonObject *o = proc_expect(&l, "down", NULL, 0);
	ck_assert_str_eq(json_object_get_string_member(o, "notification_sent"),
	    "6/2");
	g_free(m);
	proc_free(&l);
}
END_TEST

/* Returns true if `pid` catches `sig` (/proc/PID/status, SigCgt). */
static bool
catches(pid_t pid, int sig)
{
	char path[64];
	gchar *text = NULL;
	unsigned long long mask = 0;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return false;
	const char *p = strstr(text, "\nSigCgt:");
	bool ok = p != NULL && sscanf(p + 8, "%llx", &mask) == 1 &&
	    (mask >> (sig - 1) & 1);
	g_free(text);
	return ok;
}

/* SIGTERM to listen without sessions: it exits at once. */
START_TEST(listen_sigterm_without_sessions)
{
	struct proc l;

	listen_start(&l);
	/*
	 * listen prints "listening" before it sets its signal handlers: a
	 * SIGTERM sent at once would kill it (status 143).  Wait for them.
	 */
	gint64 t0 = now_us();
	while (!catches(l.pid, SIGTERM)) {
		ck_assert_msg(now_us() - t0 < (gint64)WAIT_MS * 1000,
		    "listen never set a SIGTERM handler");
		g_usleep(2000);
	}
	t0 = now_us();
	kill(l.pid, SIGTERM);
	proc_expect_exit(&l, 0, WAIT_MS);
	double s = (double)(now_us() - t0) / 1e6;
	ck_assert_msg(s < 1.5, "listen took %.2f s to exit", s);
	proc_free(&l);
}
END_TEST

/*
 * Returns the number of places `needle` is found in the readable memory
 * of `pid` (/proc/PID/maps and /proc/PID/mem); `where` gets the regions.
 * Mappings above 1 GiB are sanitizer shadow or reservations, not data.
 */
static unsigned
memory_find(pid_t pid, const void *needle, size_t nlen, GString *where)
{
	char path[64];
	gchar *maps = NULL;
	enum { CHUNK = 1 << 20 };
	uint8_t *buf = g_malloc(CHUNK + nlen);
	unsigned found = 0, regions = 0;

	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	ck_assert(g_file_get_contents(path, &maps, NULL, NULL));
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	int mem = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(mem >= 0, "%s: %s (the test needs to read another "
	    "process's memory: run it as root)", path, strerror(errno));
	gchar **lines = g_strsplit(maps, "\n", -1);
	for (gchar **ln = lines; *ln != NULL; ln++) {
		unsigned long lo, hi;
		char perm[8];
		if (sscanf(*ln, "%lx-%lx %7s", &lo, &hi, perm) != 3 ||
		    perm[0] != 'r' || strstr(*ln, "[vvar") != NULL ||
		    strstr(*ln, "[vsyscall]") != NULL || hi - lo > (1ul << 30))
			continue;
		regions++;
		size_t keep = 0;
		for (unsigned long a = lo; a < hi; ) {
			size_t want = MIN((unsigned long)CHUNK, hi - a);
			ssize_t k = pread(mem, buf + keep, want, (off_t)a);
			if (k <= 0)
				break;
			size_t have = keep + (size_t)k;
			const uint8_t *p = buf;
			while ((p = memmem(p, have - (size_t)(p - buf), needle,
			    nlen)) != NULL) {
				found++;
				g_string_append_printf(where, "  at %#lx in %s\n",
				    a - keep + (unsigned long)(p - buf), *ln);
				p++;
			}
			keep = MIN(nlen - 1, have);
			memmove(buf, buf + have - keep, keep);
			a += (unsigned long)k;
		}
	}
	ck_assert_msg(regions > 0, "no readable region in %s", path);
	g_strfreev(lines);
	g_free(maps);
	close(mem);
	g_free(buf);
	return found;
}

/*
 * listen wipes the MD5 key once the listening socket holds it: the key
 * is nowhere in its memory, after "listening" nor with a session up.
 */
START_TEST(md5_listen_forgets_key)
{
	char *key = make_key();
	char *kf = write_file("md5.key", key, 0600);
	const char *lmore[] = { "--md5-key-file", kf, NULL };
	struct proc l;
	struct bgp_md5_key k = { 0 };
	struct bgp_buf b = { 0 };
	struct msg *m = msg_new();
	GString *where = g_string_new(NULL);
	char err[256];

	uint16_t port = listen_startv(&l, NULL, lmore);
	/* The control: the key file's name, in listen's arguments, is found. */
	ck_assert_msg(memory_find(l.pid, kf, strlen(kf), where) > 0,
	    "the memory scan did not find listen's own arguments");
	g_string_truncate(where, 0);
	unsigned found = memory_find(l.pid, key, strlen(key), where);
	ck_assert_msg(found == 0, "listen holds the MD5 key %u times after "
	    "\"listening\":\n%s", found, where->str);

	/* A session, signed with the key, to Established. */
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert(fd >= 0);
	k.len = strlen(key);
	memcpy(k.key, key, k.len);
	ck_assert_msg(bgp_md5_apply(fd, (struct sockaddr *)&a, sizeof a, -1, &k,
	    err, sizeof err) == 0, "%s", err);
	bgp_md5_key_wipe(&k);
	ck_assert_msg(connect(fd, (struct sockaddr *)&a, sizeof a) == 0,
	    "connect: %s", strerror(errno));
	build_open(&b, PEER_AS, 90, BOTH, true);
	ck_assert_int_eq(bgp_keepalive_build(&b), 0);
	send_buf(fd, &b);
	bgp_buf_free(&b);
	expect_msg(fd, m, BGP_OPEN, WAIT_MS);
	expect_msg(fd, m, BGP_KEEPALIVE, WAIT_MS);
	proc_expect(&l, "established", NULL, WAIT_MS);
	found = memory_find(l.pid, key, strlen(key), where);
	ck_assert_msg(found == 0, "listen holds the MD5 key %u times with a "
	    "session up:\n%s", found, where->str);
	peer_close(fd);
	proc_expect(&l, "down", NULL, WAIT_MS);
	proc_finish(&l, 0);
	assert_no_secret(&l, key);
	proc_free(&l);
	g_string_free(where, TRUE);
	g_free(m);
	g_free(kf);
	g_free(key);
}
END_TEST

/*
 * A second signal while the first one's close is under way (the peer
 * does not close its end): inject exits at once, and not with 0.
 */
START_TEST(inject_second_signal_is_not_clean)
{
	char *rules = write_file("six.flow", six_rules, 0644);
	const char *more[] = { "--json", NULL };
	uint16_t port;
	int lfd = tcp_listen(&port, "127.0.0.1");
	struct proc in;
	struct bgp_open o;
	struct seen s;
	struct msg *m = msg_new();
	int r;

	inject_start(&in, port, rules, more);
	int fd = accept_session_of(&in, lfd, BOTH, true, &o);
	seen_init(&s);
	read_until_eor(fd, &s, BOTH, BOTH);
	seen_free(&s);
	kill(in.pid, SIGTERM);
	while ((r = read_msg(fd, m, WAIT_MS)) == RD_OK &&
	    m->type == BGP_KEEPALIVE)
		;
	ck_assert_msg(r == RD_OK && m->type == BGP_NOTIFICATION &&
	    m->b[19] == BGP_ERR_CEASE && m->b[20] == BGP_CEASE_ADMIN_SHUTDOWN,
	    "expected NOTIFICATION 6/2, got %s", rd_name(r));
	expect_eof(fd, WAIT_MS);
	/* inject now waits for our end to close; it is interrupted again. */
	gint64 t0 = now_us();
	kill(in.pid, SIGTERM);
	proc_expect_exit(&in, 4, WAIT_MS);
	double secs = (double)(now_us() - t0) / 1e6;
	ck_assert_msg(secs < 1.5, "inject took %.2f s to exit after the second "
	    "signal", secs);
	ck_assert_msg(strstr(in.ebuf->str, "interrupted again") != NULL,
	    "stderr: %s", in.ebuf->str);
	JsonNode *n = json_from_string(in.obuf->str, NULL);
	ck_assert_msg(n != NULL && JSON_NODE_HOLDS_OBJECT(n),
	    "inject --json printed %s", in.obuf->str);
	ck_assert(json_object_has_member(json_node_get_object(n), "error"));
	json_node_unref(n);
	close(fd);
	g_free(m);
	close(lfd);
	proc_free(&in);
	g_free(rules);
}
END_TEST

/* ------------------------------------------------------------------ */

/* Kills and reaps what failed tests left behind; returns how many. */
static unsigned
reap_leftovers(void)
{
	unsigned left = 0;

	for (unsigned i = 0; i < reg->n; i++) {
		if (reg->reaped[i])
			continue;
		kill(reg->pid[i], SIGKILL);
		if (waitpid(reg->pid[i], NULL, 0) == reg->pid[i])
			left++;
		reg->reaped[i] = 1;
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		left++;
	return left;
}

static TCase *
tcase(Suite *s, const char *name, int timeout)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

int
main(void)
{
	Suite *s = suite_create("test_bgp_session");
	TCase *tc;

	reg = mmap(NULL, sizeof *reg, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (reg == MAP_FAILED) {
		perror("mmap");
		return EXIT_FAILURE;
	}
	/* Orphans of a failed test come back here to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	tc = tcase(s, "listen", 30);
	tcase_add_loop_test(tc, listen_survives_malformed, 0,
	    (int)G_N_ELEMENTS(bad_cases));
	tcase_add_test(tc, listen_treat_as_withdraw);
	tcase_add_test(tc, listen_extended_message);
	tcase_add_test(tc, listen_hold_timer);
	tcase_add_test(tc, listen_out_of_descriptors);
	tcase_add_test(tc, listen_drain_is_bounded);
	tcase_add_test(tc, listen_many_sessions);
	tcase_add_loop_test(tc, listen_sigterm_ceases_sessions, 0, 2);
	tcase_add_test(tc, listen_sigterm_without_sessions);

	tc = tcase(s, "inject", 30);
	tcase_add_test(tc, inject_sends_rules_and_refreshes);
	tcase_add_test(tc, inject_hold_and_withdraw);
	tcase_add_loop_test(tc, inject_extended_message, 0, 2);
	tcase_add_test(tc, inject_backoff);
	tcase_add_test(tc, inject_bad_peer_as);
	tcase_add_test(tc, inject_family_not_negotiated);
	tcase_add_loop_test(tc, inject_peer_refuses_or_drops, 0, 2);
	tcase_add_test(tc, inject_same_match_later_wins);
	tcase_add_test(tc, session_announce_same_match_in_one_batch);
	tcase_add_test(tc, inject_notification_after_half_sent_update);
	tcase_add_test(tc, inject_refresh_flood_merged);
	tcase_add_test(tc, inject_second_signal_is_not_clean);

	tc = tcase(s, "md5", 30);
	tcase_add_test(tc, md5_same_key_file);
	tcase_add_test(tc, md5_key_from_environment);
	tcase_add_test(tc, md5_different_keys);
	tcase_add_test(tc, md5_key_file_mode);
	tcase_add_test(tc, md5_listen_forgets_key);

	tc = tcase(s, "usage", 30);
	tcase_add_loop_test(tc, usage_errors, 0, (int)G_N_ELEMENTS(usage_cases));
	tcase_add_test(tc, inject_help_names_connect_retry);

	int rc = fc_run_suite(s);
	unsigned left = reap_leftovers();
	if (left > 0) {
		fprintf(stderr, "%u processes outlived their test; killed and "
		    "reaped now\n", left);
		rc = EXIT_FAILURE;
	}
	munmap(reg, sizeof *reg);
	return rc;
}
