/*
 * session_support.c - the harness of the BGP speaker's end-to-end tests
 * (session_support.h): the real binaries started and watched, the
 * fixture, and a peer written with raw sockets.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bgp/msg.h"
#include "bgp/update.h"
#include "bgp/wire.h"
#include "flowspec/nlri.h"
#include "flowspec/ruleset.h"
#include "flowspec/text.h"
#include "session_support.h"

extern char **environ;

#define MD5_ENV		"FLOWCANARY_MD5_KEY"

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

gint64
now_us(void)
{
	return g_get_monotonic_time();
}

/* Returns the last `n` octets of s, for failure messages. */
const char *
tail(const GString *s, size_t n)
{
	return s->len > n ? s->str + s->len - n : s->str;
}

/*
 * Starts $FC_BIN with args (NULL-terminated).  The child gets
 * $FLOWCANARY_MD5_KEY = md5_env if that is not NULL, and never otherwise.
 */
void
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
	/* Not ck_assert: a passing one writes to Check's channel, from the child too. */
	if (pid < 0)
		ck_abort_msg("fork: %s", strerror(errno));
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
void
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
void
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
JsonObject *
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
JsonObject *
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
int
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
int
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

void
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
void
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
void
proc_finish(struct proc *p, int status)
{
	int st = proc_stop(p);
	ck_assert_msg(st == status, "%s exited with %d, expected %d; stderr:\n%s",
	    p->name, st, status, tail(p->ebuf, 3000));
	assert_quiet(p);
}

/* Waits for the process to exit on its own with `status` within timeout_ms. */
void
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
uint16_t
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

uint16_t
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
char *
write_file(const char *name, const char *text, mode_t mode)
{
	char *path = g_build_filename(tmpdir, name, NULL);
	ck_assert(g_file_set_contents(path, text, -1, NULL));
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

/* ------------------------------------------------------------------ */
/* Raw sockets                                                          */

int
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
int
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

int
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

void
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

void
send_buf(int fd, struct bgp_buf *b)
{
	send_all(fd, b->p, b->len);
	b->len = 0;
}

const char *
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
int
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
int
read_full(int fd, uint8_t *buf, size_t n, gint64 deadline)
{
	size_t got;

	return read_part(fd, buf, n, deadline, &got);
}

/* Reads one message within timeout_ms; returns RD_OK or why not. */
int
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

struct msg *
msg_new(void)
{
	return g_malloc(sizeof(struct msg));
}

/* Reads the next message, which must be of `type`. */
void
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
void
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
void
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
double
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

void
build_open(struct bgp_buf *b, uint32_t as, uint16_t hold, unsigned fams,
    bool ext)
{
	struct bgp_open o = { .as = as, .hold_time = hold,
		.bgp_id = 0x0a000000u | (as & 0xffff), .families = fams,
		.route_refresh = true, .ext_message = ext };
	ck_assert_int_eq(bgp_open_build(b, &o), 0);
}

/* Returns `text` (a rule of `family`, 0: inferred) in canonical syntax. */
char *
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
long
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

void
build_announce1(struct bgp_buf *b, const char *text, int family)
{
	build_announce(b, PEER_AS, BGP_MAX_LEN, family, &text, 1);
}

/* Appends an UPDATE whose path attributes are attrs[0..alen). */
void
build_update_raw(struct bgp_buf *b, const uint8_t *attrs, size_t alen)
{
	uint8_t *p = bgp_buf_reserve(b, 23 + alen);
	ck_assert(p != NULL);
	bgp_header_write(p, 23 + alen, BGP_UPDATE);
	bgp_put16(p + 19, 0);
	bgp_put16(p + 21, (uint16_t)alen);
	memcpy(p + 23, attrs, alen);
}

void
bad_marker(struct bgp_buf *b)
{
	ck_assert_int_eq(bgp_keepalive_build(b), 0);
	b->p[5] = 0x7f;
}

/* ------------------------------------------------------------------ */
/* A raw peer towards listen                                            */

/*
 * Connects to listen and goes as far as `upto`: OpenConfirm (OPENs
 * exchanged, listen's KEEPALIVE read) or Established (ours sent too).
 */
int
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
void
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

/*
 * A fresh, well-behaved session to the same listen process reaches
 * Established and has its rule printed: the process survived.
 */
void
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
/* A raw peer towards inject                                            */

void
seen_init(struct seen *s)
{
	s->reach = g_ptr_array_new_with_free_func(g_free);
	s->withdrawn = g_ptr_array_new_with_free_func(g_free);
	s->eor = 0;
	s->updates = s->max_len = 0;
}

void
seen_free(struct seen *s)
{
	g_ptr_array_free(s->reach, TRUE);
	g_ptr_array_free(s->withdrawn, TRUE);
}

/* Decodes one UPDATE from inject into `s`. */
void
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
void
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
void
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
GPtrArray *
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
int
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
int
accept_session(int lfd, unsigned fams, bool ext, struct bgp_open *theirs)
{
	struct sockaddr_in from;
	int fd = tcp_accept(lfd, WAIT_MS, &from);

	ck_assert_msg(fd >= 0, "inject did not connect");
	return handshake(fd, fams, ext, theirs);
}

/* As accept_session, but fails at once, with its stderr, if `in` exits. */
int
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

void
send_refresh(int fd, int family)
{
	struct bgp_buf b = { 0 };
	ck_assert_int_eq(bgp_refresh_build(&b, family), 0);
	send_buf(fd, &b);
	bgp_buf_free(&b);
}

/* Starts inject towards 127.0.0.1:port with the rule file and more options. */
void
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

/* ------------------------------------------------------------------ */
/* The runner                                                           */

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

TCase *
session_tcase(Suite *s, const char *name, int timeout)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, timeout);
	suite_add_tcase(s, tc);
	return tc;
}

int
session_main(Suite *s)
{
	reg = mmap(NULL, sizeof *reg, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (reg == MAP_FAILED) {
		perror("mmap");
		return EXIT_FAILURE;
	}
	/* Orphans of a failed test come back here to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

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
