/*
 * test_netns.c - the netns backend's network (emulator/lab/netns.c) on
 * this host, for real: named namespaces, a veth pair made inside two of
 * them, addresses, a route, and removal.
 *
 * What the module did is checked by observers that do not share its
 * code: iproute2 (`ip -n NS ...`, `ip netns list`) for the kernel's view,
 * and UDP sockets opened in each namespace by this file's own setns()
 * for the data path.  After every call, failing ones included, the
 * calling thread must be back in its own namespace.
 *
 * Needs root.  Names start with "fctest<PID>-" (the runner's pid).  Each
 * test's teardown removes them and checks they are gone; Check skips a
 * checked teardown after a failed assertion in fork mode, so the runner
 * sweeps again after each test case and fails the run if it cannot.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glob.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"
#include "lab/netns.h"

#define BENCH_N		50
#define IP(a, b, c, d)	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			    (uint32_t)(c) << 8 | (uint32_t)(d))

static char prefix[32];		/* "fctest<runner pid>-" */
static uint64_t home;		/* this thread's namespace, at setup */
static int sweep_failed;	/* set in the runner: leftovers not removable */

/* Returns the inode of the calling thread's network namespace. */
static uint64_t
self_ns(void)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

/* Evaluates `call` and fails the test unless the thread is still at home. */
#define HOME(call) __extension__ ({					\
	__typeof__(call) r_ = (call);					\
	ck_assert_msg(self_ns() == home,				\
	    "%s left the thread in another namespace", #call);		\
	r_;								\
})

/* Returns prefix + `suffix` in buf (64 octets). */
static const char *
nsname(char *buf, const char *suffix)
{
	snprintf(buf, 64, "%s%s", prefix, suffix);
	return buf;
}

/* Returns the monotonic time in seconds. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Runs `cmd` (argv words split by the shell rules) and returns its exit
 * status (-1 if it did not run); its stdout in *out (g_free) if wanted.
 */
static int
run(const char *cmd, char **out)
{
	gchar **argv = NULL, *o = NULL, *e = NULL;
	GError *err = NULL;
	gint status;
	int rc = -1;

	if (out != NULL)
		*out = NULL;
	if (!g_shell_parse_argv(cmd, NULL, &argv, &err)) {
		g_clear_error(&err);
		return -1;
	}
	if (g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
	    &o, &e, &status, &err)) {
		rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		if (out != NULL) {
			*out = o;
			o = NULL;
		}
	} else
		g_clear_error(&err);
	g_free(o);
	g_free(e);
	g_strfreev(argv);
	return rc;
}

/* Returns the stdout of `cmd`, which must succeed (g_free it). */
static char *
observe(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
observe(const char *fmt, ...)
{
	char *cmd, *out;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	cmd = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	rc = run(cmd, &out);
	ck_assert_msg(rc == 0, "`%s` exited with %d", cmd, rc);
	g_free(cmd);
	return out;
}

/* Returns the exit status of the command made from fmt. */
static int
status_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
status_of(const char *fmt, ...)
{
	va_list ap;
	char *cmd;
	int rc;

	va_start(ap, fmt);
	cmd = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	rc = run(cmd, NULL);
	g_free(cmd);
	return rc;
}

/* Returns true if /run/netns/NAME exists. */
static bool
pinned(const char *name)
{
	char path[128];

	snprintf(path, sizeof path, "%s/%s", LAB_NETNS_DIR, name);
	return access(path, F_OK) == 0;
}

/* Returns how many threads of any process are in the namespace `ino`. */
static int
threads_in(uint64_t ino)
{
	glob_t g;
	struct stat st;
	int n = 0;

	if (glob("/proc/[0-9]*/task/[0-9]*/ns/net", 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++)
		n += stat(g.gl_pathv[i], &st) == 0 && (uint64_t)st.st_ino == ino;
	globfree(&g);
	return n;
}

/* Returns how many of our names `ip netns list` shows. */
static int
ip_netns_count(void)
{
	char *out = NULL;
	int n = 0;

	if (run("ip netns list", &out) != 0)
		return -1;
	for (char *p = out; (p = strstr(p, prefix)) != NULL; p++)
		n++;
	g_free(out);
	return n;
}

/* Returns how many of our names are under /run/netns. */
static int
pinned_count(void)
{
	struct dirent *de;
	DIR *d = opendir(LAB_NETNS_DIR);
	int n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

/* Removes every namespace of ours. Returns how many, or -1 if some stay. */
static int
sweep(void)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	struct lab_error err;
	int n = 0;

	if (lab_netns_list(prefix, names, &err) < 0) {
		g_ptr_array_unref(names);
		return -1;
	}
	for (guint i = 0; i < names->len; i++)
		if (lab_netns_remove(names->pdata[i], &err) == 0)
			n++;
	g_ptr_array_unref(names);
	return pinned_count() == 0 ? n : -1;
}

/* Before each test: notes the home namespace; clears what a failed test left. */
static void
setup(void)
{
	home = self_ns();
	ck_assert_uint_ne(home, 0);
	/* a failed test before this one had no teardown (fork mode) */
	ck_assert_int_ge(sweep(), 0);
}

/* After each test: removes its namespaces and checks that they are gone. */
static void
teardown(void)
{
	ck_assert_int_ge(HOME(sweep()), 0);
	ck_assert_int_eq(pinned_count(), 0);
	ck_assert_int_eq(ip_netns_count(), 0);
	ck_assert_uint_eq(self_ns(), home);
}

/* The runner's safety net, after each test case: see the file comment. */
static void
runner_sweep(void)
{
	int n = sweep();

	if (n != 0)
		fprintf(stderr, "test_netns: a failed test left namespaces "
		    "%s*; %s\n", prefix, n < 0 ? "they could NOT be removed" :
		    "removed them");
	if (n < 0)
		sweep_failed = 1;
}

/* Creates namespace prefix+suffix or fails the test. */
static struct lab_netns *
make_ns(const char *suffix)
{
	struct lab_error err = { 0 };
	struct lab_netns *ns;
	char name[64];

	ns = HOME(lab_netns_create(nsname(name, suffix), &err));
	ck_assert_msg(ns != NULL, "create %s: %s", name, err.msg);
	ck_assert_str_eq(lab_netns_name(ns), name);
	return ns;
}

/*
 * Returns a UDP socket bound to addr:port inside namespace `name`,
 * made through this file's own setns() (not the module's).
 */
static int
udp_in(const char *name, uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
		.sin_port = htons(port), .sin_addr.s_addr = htonl(addr) };
	char path[128];
	int nsfd, self, s;

	snprintf(path, sizeof path, "%s/%s", LAB_NETNS_DIR, name);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(nsfd, 0);
	ck_assert_int_ge(self, 0);
	ck_assert_int_eq(setns(nsfd, CLONE_NEWNET), 0);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0 && bind(s, (struct sockaddr *)&sin, sizeof sin) < 0) {
		close(s);
		s = -1;
	}
	ck_assert_int_eq(setns(self, CLONE_NEWNET), 0);
	close(self);
	close(nsfd);
	ck_assert_msg(s >= 0, "no UDP socket in %s: %s", name, strerror(errno));
	return s;
}

/* Receives one datagram on `s` within 2 s into buf. Returns its length. */
static ssize_t
recv_within(int s, char *buf, size_t cap, struct sockaddr_in *from)
{
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	socklen_t flen = sizeof *from;

	ck_assert_msg(poll(&pfd, 1, 2000) == 1, "no datagram within 2 s");
	return recvfrom(s, buf, cap, 0, (struct sockaddr *)from, &flen);
}

/* ---- names ---- */

START_TEST(bad_names_refused)
{
	char long_ok[256], too_long[256];
	const char *bad[] = { "", "a/b", "/", ".", "..", too_long, NULL };
	struct lab_error err;
	struct lab_netns *ns;
	size_t plen = strlen(prefix);

	memset(too_long, 'x', 201);
	memcpy(too_long, prefix, plen);
	too_long[201] = '\0';
	for (size_t i = 0; bad[i] != NULL; i++) {
		memset(&err, 0, sizeof err);
		ck_assert_ptr_null(HOME(lab_netns_create(bad[i], &err)));
		ck_assert_int_eq(err.code, LAB_E_VALUE);
		ck_assert_ptr_null(HOME(lab_netns_open(bad[i], &err)));
		ck_assert_int_eq(HOME(lab_netns_remove(bad[i], &err)), -1);
		ck_assert_int_eq(err.code, LAB_E_VALUE);
		ck_assert_uint_eq(lab_netns_inode(bad[i]), 0);
	}
	ck_assert_ptr_null(HOME(lab_netns_create(NULL, &err)));

	/* 200 characters is the longest name, and fine */
	memset(long_ok, 'y', 200);
	memcpy(long_ok, prefix, plen);
	long_ok[200] = '\0';
	ns = HOME(lab_netns_create(long_ok, &err));
	ck_assert_msg(ns != NULL, "%s", err.msg);
	lab_netns_close(ns);
	ck_assert_int_eq(HOME(lab_netns_remove(long_ok, &err)), 0);
	ck_assert_int_eq(pinned_count(), 0);
}
END_TEST

/* ---- a two-node network ---- */

START_TEST(pair_veth_addresses_route)
{
	struct lab_netns *a = make_ns("a"), *b = make_ns("b"), *a2;
	struct lab_error err = { 0 };
	char na[64], nb[64], buf[16], *out, *ping;
	uint64_t rx, tx, rxb, txb, ino_a, ino_b;
	struct sockaddr_in to, from;
	int sa, sb;

	nsname(na, "a");
	nsname(nb, "b");
	/* three distinct namespaces, and the pins are the real ones */
	ck_assert_uint_ne(lab_netns_inode(na), 0);
	ck_assert_uint_ne(lab_netns_inode(na), lab_netns_inode(nb));
	ck_assert_uint_ne(lab_netns_inode(na), home);
	ck_assert_uint_eq(lab_pid_netns_inode(getpid()), home);
	ck_assert_uint_eq(lab_pid_netns_inode(0), 0);

	ck_assert_msg(HOME(lab_veth_create(a, "a0", b, "b0", &err)) == 0, "%s",
	    err.msg);
	ck_assert_msg(HOME(lab_addr_add(a, "a0", IP(10, 0, 0, 1), 30, &err))
	    == 0, "%s", err.msg);
	ck_assert_msg(HOME(lab_addr_add(b, "b0", IP(10, 0, 0, 2), 30, &err))
	    == 0, "%s", err.msg);
	ck_assert_msg(HOME(lab_addr_add(b, "lo", IP(10, 99, 0, 1), 32, &err))
	    == 0, "%s", err.msg);
	ck_assert_msg(HOME(lab_route_add(a, IP(10, 99, 0, 0), 24,
	    IP(10, 0, 0, 2), &err)) == 0, "%s", err.msg);

	/* iproute2's view */
	out = observe("ip -n %s -o link show lo", na);
	ck_assert_msg(strstr(out, ",UP") != NULL, "%s", out);
	g_free(out);
	out = observe("ip -n %s -o link show a0", na);
	ck_assert_msg(strstr(out, "veth") != NULL || strstr(out, "@") != NULL,
	    "%s", out);
	ck_assert_msg(strstr(out, "UP,LOWER_UP") != NULL, "%s", out);
	g_free(out);
	out = observe("ip -n %s -o link show b0", nb);
	ck_assert_msg(strstr(out, "<BROADCAST,MULTICAST,UP,LOWER_UP>") != NULL,
	    "%s", out);
	g_free(out);
	out = observe("ip -n %s -o -4 addr show dev a0", na);
	ck_assert_msg(strstr(out, "inet 10.0.0.1/30 ") != NULL, "%s", out);
	g_free(out);
	out = observe("ip -n %s -o -4 addr", nb);
	ck_assert_msg(strstr(out, "inet 10.0.0.2/30 ") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "inet 10.99.0.1/32 ") != NULL, "%s", out);
	g_free(out);
	out = observe("ip -n %s route", na);
	ck_assert_msg(strstr(out, "10.99.0.0/24 via 10.0.0.2 dev a0") != NULL,
	    "%s", out);
	g_free(out);
	/* nothing of the pair in ours */
	ck_assert_int_ne(run("ip -o link show a0", NULL), 0);
	ck_assert_int_ne(run("ip -o link show b0", NULL), 0);

	/* the data path: A -> 10.99.0.1 (by the route) and back */
	sa = udp_in(na, 0, 0);
	sb = udp_in(nb, IP(10, 99, 0, 1), 5599);
	to = (struct sockaddr_in){ .sin_family = AF_INET,
		.sin_port = htons(5599), .sin_addr.s_addr = htonl(IP(10, 99, 0, 1)) };
	ck_assert_int_eq(sendto(sa, "ping", 4, 0, (struct sockaddr *)&to,
	    sizeof to), 4);
	ck_assert_int_eq(recv_within(sb, buf, sizeof buf, &from), 4);
	ck_assert_uint_eq(ntohl(from.sin_addr.s_addr), IP(10, 0, 0, 1));
	ck_assert_int_eq(sendto(sb, "pong", 4, 0, (struct sockaddr *)&from,
	    sizeof from), 4);
	ck_assert_int_eq(recv_within(sa, buf, sizeof buf, &from), 4);
	ck_assert(memcmp(buf, "pong", 4) == 0);
	close(sa);
	close(sb);
	/* ICMP too, where ping is installed (Debian's iputils-ping) */
	ping = g_find_program_in_path("ping");
	if (ping != NULL)
		ck_assert_int_eq(status_of("ip netns exec %s %s -c1 -W1 "
		    "10.99.0.1", na, ping), 0);
	g_free(ping);

	ck_assert_int_eq(HOME(lab_link_stats(a, "a0", &rx, &tx, &rxb, &txb)), 0);
	ck_assert_uint_ge(tx, 1);
	ck_assert_uint_ge(rx, 1);
	ck_assert_uint_ge(txb, 4);
	ck_assert_int_eq(HOME(lab_link_stats(a, "nope0", &rx, &tx, NULL, NULL)),
	    -1);

	/* an opened handle works as the creating one did */
	a2 = HOME(lab_netns_open(na, &err));
	ck_assert_msg(a2 != NULL, "%s", err.msg);
	ck_assert_str_eq(lab_netns_name(a2), na);
	ck_assert_int_ge(lab_netns_fd(a2), 0);
	ck_assert_msg(HOME(lab_addr_add(a2, "a0", IP(10, 0, 1, 1), 24, &err))
	    == 0, "%s", err.msg);
	out = observe("ip -n %s -o -4 addr show dev a0", na);
	ck_assert_msg(strstr(out, "inet 10.0.1.1/24 ") != NULL, "%s", out);
	g_free(out);
	lab_netns_close(a2);

	/* no thread of any process stayed in them, this one least of all */
	ino_a = lab_netns_inode(na);
	ino_b = lab_netns_inode(nb);
	ck_assert_int_eq(threads_in(ino_a), 0);
	ck_assert_int_eq(threads_in(ino_b), 0);
	ck_assert_int_gt(threads_in(home), 0);

	lab_netns_close(a);
	lab_netns_close(b);
	ck_assert_int_eq(HOME(lab_netns_remove(na, &err)), 0);
	ck_assert_int_eq(HOME(lab_netns_remove(nb, &err)), 0);
	ck_assert_int_eq(threads_in(ino_a), 0);
	ck_assert_int_eq(threads_in(ino_b), 0);
	ck_assert(!pinned(na) && !pinned(nb));
	ck_assert_int_ne(status_of("ip -n %s link", na), 0);
	ck_assert_int_eq(ip_netns_count(), 0);
}
END_TEST

/* ---- refusals ---- */

START_TEST(duplicates_and_failures)
{
	struct lab_netns *a = make_ns("a"), *b = make_ns("b");
	struct lab_error err;
	char na[64], nb[64], bogus[64], path[128], *out;
	int fd;

	nsname(na, "a");
	nsname(nb, "b");
	memset(&err, 0, sizeof err);
	ck_assert_ptr_null(HOME(lab_netns_create(na, &err)));
	ck_assert_int_eq(err.code, LAB_E_EXISTS);
	ck_assert_msg(strstr(err.msg, na) != NULL, "%s", err.msg);
	/* the refused create did not unpin the one that was there */
	ck_assert_uint_ne(lab_netns_inode(na), 0);

	/* one name per namespace: the same on both ends is fine */
	ck_assert_msg(HOME(lab_veth_create(a, "eth1", b, "eth1", &err)) == 0,
	    "%s", err.msg);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(HOME(lab_veth_create(a, "eth1", b, "eth2", &err)), -1);
	ck_assert_int_eq(err.code, LAB_E_EXISTS);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(HOME(lab_veth_create(a, "eth2", b, "eth1", &err)), -1);
	ck_assert_int_eq(err.code, LAB_E_EXISTS);
	/* ... and no half of a refused pair stays */
	out = observe("ip -n %s -o link", na);
	ck_assert_msg(strstr(out, "eth2") == NULL, "%s", out);
	g_free(out);
	out = observe("ip -n %s -o link", nb);
	ck_assert_msg(strstr(out, "eth2") == NULL, "%s", out);
	g_free(out);
	ck_assert_int_eq(HOME(lab_veth_create(a, "", b, "x", &err)), -1);
	ck_assert_int_eq(err.code, LAB_E_VALUE);
	ck_assert_int_eq(HOME(lab_veth_create(a, "sixteen-chars-xx", b, "x",
	    &err)), -1);
	ck_assert_int_eq(err.code, LAB_E_VALUE);
	ck_assert_int_eq(HOME(lab_veth_create(a, "x", b, "a:b", &err)), -1);
	ck_assert_int_eq(err.code, LAB_E_VALUE);

	ck_assert_int_eq(HOME(lab_addr_add(a, "eth1", IP(10, 0, 0, 1), 30,
	    &err)), 0);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(HOME(lab_addr_add(a, "eth1", IP(10, 0, 0, 1), 30,
	    &err)), -1);
	ck_assert_int_eq(err.code, LAB_E_EXISTS);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(HOME(lab_addr_add(a, "nope0", IP(10, 0, 2, 1), 30,
	    &err)), -1);
	ck_assert_int_eq(err.code, LAB_E_IO);
	ck_assert_msg(strstr(err.msg, "nope0") != NULL, "%s", err.msg);
	ck_assert_int_eq(HOME(lab_addr_add(a, "eth1", IP(10, 0, 3, 1), 33,
	    &err)), -1);
	ck_assert_int_eq(err.code, LAB_E_VALUE);

	ck_assert_int_eq(HOME(lab_route_add(a, IP(10, 50, 0, 0), 16,
	    IP(10, 0, 0, 2), &err)), 0);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(HOME(lab_route_add(a, IP(10, 50, 0, 0), 16,
	    IP(10, 0, 0, 2), &err)), -1);
	ck_assert_int_eq(err.code, LAB_E_EXISTS);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(HOME(lab_route_add(a, IP(10, 50, 0, 1), 16,
	    IP(10, 0, 0, 2), &err)), -1);
	ck_assert_int_eq(err.code, LAB_E_VALUE);
	/* a gateway that is not on any link */
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(HOME(lab_route_add(a, IP(10, 60, 0, 0), 16,
	    IP(192, 0, 2, 1), &err)), -1);
	ck_assert_int_eq(err.code, LAB_E_IO);
	/* the kernel's reason, which libnl alone reports as "Unspecific failure" */
	ck_assert_msg(strstr(err.msg, strerror(ENETUNREACH)) != NULL, "%s",
	    err.msg);

	/* open: absent, and a pin that is no namespace (setns refuses) */
	memset(&err, 0, sizeof err);
	ck_assert_ptr_null(HOME(lab_netns_open(nsname(bogus, "absent"), &err)));
	ck_assert_int_ne(err.code, LAB_OK);
	nsname(bogus, "bogus");
	snprintf(path, sizeof path, "%s/%s", LAB_NETNS_DIR, bogus);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	memset(&err, 0, sizeof err);
	ck_assert_ptr_null(HOME(lab_netns_open(bogus, &err)));
	ck_assert_msg(strstr(err.msg, "not a network namespace") != NULL, "%s",
	    err.msg);
	/* create on that name: taken */
	ck_assert_ptr_null(HOME(lab_netns_create(bogus, &err)));
	ck_assert_int_eq(err.code, LAB_E_EXISTS);
	/* remove unlinks a pin that was never mounted */
	ck_assert_int_eq(HOME(lab_netns_remove(bogus, &err)), 0);
	ck_assert_int_eq(access(path, F_OK), -1);
	ck_assert_int_eq(HOME(lab_netns_remove(bogus, &err)), 1);

	lab_netns_close(a);
	lab_netns_close(b);
}
END_TEST

/* In a forked child, as nobody: exits 0 if the module refuses as it should. */
static void
unprivileged_child(const char *taken)
{
	struct lab_error err = { 0 };
	char name[64];

	if (setgid(65534) < 0 || setuid(65534) < 0)
		_exit(10);
	if (lab_netns_create(nsname(name, "np"), &err) != NULL)
		_exit(11);
	if (err.code != LAB_E_ENV || strstr(err.msg, "needs root") == NULL)
		_exit(12);
	memset(&err, 0, sizeof err);
	if (lab_netns_remove(taken, &err) != -1 || err.code != LAB_E_ENV ||
	    strstr(err.msg, "needs root (CAP_SYS_ADMIN)") == NULL)
		_exit(13);
	_exit(0);
}

START_TEST(unprivileged_refused)
{
	struct lab_netns *ns = make_ns("taken");
	char name[64];
	pid_t pid;
	int status;

	nsname(name, "taken");
	pid = fork();
	/* Not ck_assert: a passing one writes to Check's channel, from the child too. */
	if (pid < 0)
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0)
		unprivileged_child(name);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "unprivileged child: status %#x", status);
	ck_assert(pinned(name));
	ck_assert(!pinned(nsname(name, "np")));
	lab_netns_close(ns);
}
END_TEST

/* ---- listing and removal ---- */

/* Orders C strings for g_ptr_array_sort. */
static gint
by_name(gconstpointer x, gconstpointer y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

START_TEST(list_and_remove)
{
	static const char *sfx[] = { "l1", "l2", "l3" };
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	struct lab_error err;
	char name[64], other[64];

	for (size_t i = 0; i < 3; i++)
		lab_netns_close(make_ns(sfx[i]));
	ck_assert_int_eq(HOME(lab_netns_list(prefix, names, &err)), 3);
	ck_assert_uint_eq(names->len, 3);
	g_ptr_array_sort(names, by_name);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(names->pdata[i], nsname(name, sfx[i]));
	g_ptr_array_set_size(names, 0);
	ck_assert_int_eq(HOME(lab_netns_list(nsname(other, "l2"), names,
	    &err)), 1);
	g_ptr_array_set_size(names, 0);
	ck_assert_int_eq(HOME(lab_netns_list(nsname(other, "zz"), names,
	    &err)), 0);
	ck_assert_int_eq(ip_netns_count(), 3);

	for (size_t i = 0; i < 3; i++) {
		char path[128];
		nsname(name, sfx[i]);
		ck_assert_int_eq(HOME(lab_netns_remove(name, &err)), 0);
		snprintf(path, sizeof path, "%s/%s", LAB_NETNS_DIR, name);
		ck_assert_int_eq(access(path, F_OK), -1);
		ck_assert_int_eq(errno, ENOENT);
		ck_assert_int_eq(HOME(lab_netns_remove(name, &err)), 1);
	}
	ck_assert_int_eq(HOME(lab_netns_list(prefix, names, &err)), 0);
	ck_assert_int_eq(ip_netns_count(), 0);
	g_ptr_array_unref(names);
}
END_TEST

/* ---- a bigger lab, timed ---- */

START_TEST(fifty_namespaces_timed)
{
	struct lab_netns *ns[BENCH_N];
	struct lab_error err;
	char name[64], sfx[16], ifn[16];
	double t0, t1, t2, t3;
	char *out;

	t0 = now_s();
	for (int i = 0; i < BENCH_N; i++) {
		snprintf(sfx, sizeof sfx, "b%02d", i);
		ns[i] = HOME(lab_netns_create(nsname(name, sfx), &err));
		ck_assert_msg(ns[i] != NULL, "%s", err.msg);
	}
	t1 = now_s();
	/* a ring: veth i joins namespace i and i+1, one /30 each */
	for (int i = 0; i < BENCH_N; i++) {
		int j = (i + 1) % BENCH_N;
		snprintf(ifn, sizeof ifn, "r%d", i);
		snprintf(sfx, sizeof sfx, "l%d", i);
		ck_assert_msg(HOME(lab_veth_create(ns[i], ifn, ns[j], sfx,
		    &err)) == 0, "%s", err.msg);
		ck_assert_msg(HOME(lab_addr_add(ns[i], ifn, IP(10, 1, i, 1), 30,
		    &err)) == 0, "%s", err.msg);
		ck_assert_msg(HOME(lab_addr_add(ns[j], sfx, IP(10, 1, i, 2), 30,
		    &err)) == 0, "%s", err.msg);
	}
	t2 = now_s();
	ck_assert_int_eq(ip_netns_count(), BENCH_N);
	out = observe("ip -n %sb07 -o -4 addr", prefix);
	ck_assert_msg(strstr(out, "10.1.7.1/30") != NULL &&
	    strstr(out, "10.1.6.2/30") != NULL, "%s", out);
	g_free(out);
	for (int i = 0; i < BENCH_N; i++) {
		snprintf(sfx, sizeof sfx, "b%02d", i);
		lab_netns_close(ns[i]);
		ck_assert_int_eq(HOME(lab_netns_remove(nsname(name, sfx), &err)),
		    0);
	}
	t3 = now_s();
	printf("%d namespaces in %.1f ms; %d veth pairs and %d addresses in "
	    "%.1f ms; total %.1f ms; removed in %.1f ms\n", BENCH_N,
	    (t1 - t0) * 1e3, BENCH_N, 2 * BENCH_N, (t2 - t1) * 1e3,
	    (t2 - t0) * 1e3, (t3 - t2) * 1e3);
	ck_assert_int_eq(pinned_count(), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("test_netns");
	TCase *tc;
	int rc;

	snprintf(prefix, sizeof prefix, "fctest%d-", (int)getpid());
	tc = tcase_create("netns");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_unchecked_fixture(tc, NULL, runner_sweep);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, bad_names_refused);
	tcase_add_test(tc, pair_veth_addresses_route);
	tcase_add_test(tc, duplicates_and_failures);
	tcase_add_test(tc, unprivileged_refused);
	tcase_add_test(tc, list_and_remove);
	tcase_add_test(tc, fifty_namespaces_timed);
	suite_add_tcase(s, tc);

	rc = fc_run_suite(s);
	return rc != 0 || sweep_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
