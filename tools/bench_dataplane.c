/*
 * bench_dataplane.c - packets per second through the vrouter dataplane,
 * beside what an operator would use instead: the Linux kernel's own
 * forwarding, bare and with the same rules as nftables drop rules.
 *
 *   bench-dataplane [-s SECONDS] [-p PAYLOAD] [-r RULES,...]   (root)
 *
 * Three namespaces src - mid - dst joined by veths, as in the dataplane's
 * test.  A thread in src blasts UDP with sendmmsg; a thread in dst counts
 * what arrives with recvmmsg.  mid forwards, one way per run:
 *
 *   vrouter   the dataplane in this process (ip_forward 0), with N rules
 *   kernel    ip_forward 1, no filter
 *   nftables  ip_forward 1, N rules in a forward chain
 *
 * The rules match the traffic's destination and protocol but another
 * port, so that every packet is tested against every rule and none is
 * dropped: the cost of the rules, not of dropping.  After a vrouter run,
 * the rules' counters must show no match and the dataplane must have
 * forwarded at least what arrived, or the run is refused: a benchmark of
 * a dataplane that is wrong measures nothing.
 *
 * Each run warms up for a second, then counts what dst receives over
 * SECONDS (default 5).  Exit status 1 if a check fails or the
 * environment is missing (root, ip), 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "flowspec/error.h"
#include "flowspec/rule.h"
#include "flowspec/text.h"
#include "vrouter/dataplane.h"
#include "vrouter/match.h"

#define DST_IP	"10.78.2.2"
#define PORT	9000
#define BATCH	64
#define MAX_RUNS 16

static char ns_src[48], ns_mid[48], ns_dst[48];
static char if_s0[16], if_m0[16], if_m1[16], if_d0[16];

static atomic_bool stop;
static atomic_ullong sent, received;
static size_t payload = 18;	/* 64-octet Ethernet frames */

static void die(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* Says why on stderr and exits 1. */
static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench-dataplane: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Returns the exit status of the shell command made from fmt, or -1. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int
sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

/* Moves this thread into namespace `name` for good, or dies. */
static void
enter(const char *name)
{
	char path[96];
	int fd;

	snprintf(path, sizeof path, "/run/netns/%s", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || setns(fd, CLONE_NEWNET) != 0)
		die("cannot enter namespace %s: %s", name, strerror(errno));
	close(fd);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Removes the namespaces (and with them every veth). */
static void
teardown(void)
{
	(void)sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null; "
	    "ip netns del %s 2>/dev/null", ns_src, ns_mid, ns_dst);
}

/* Makes src - mid - dst, or dies. */
static void
topology(void)
{
	pid_t pid = getpid();

	snprintf(ns_src, sizeof ns_src, "fcbench.%d.src", (int)pid);
	snprintf(ns_mid, sizeof ns_mid, "fcbench.%d.mid", (int)pid);
	snprintf(ns_dst, sizeof ns_dst, "fcbench.%d.dst", (int)pid);
	snprintf(if_s0, sizeof if_s0, "fb%ds0", (int)pid % 10000000);
	snprintf(if_m0, sizeof if_m0, "fb%dm0", (int)pid % 10000000);
	snprintf(if_m1, sizeof if_m1, "fb%dm1", (int)pid % 10000000);
	snprintf(if_d0, sizeof if_d0, "fb%dd0", (int)pid % 10000000);
	if (sh("ip netns add %s && ip netns add %s && ip netns add %s", ns_src, ns_mid, ns_dst) != 0 ||
	    sh("ip -n %s link add %s type veth peer name %s netns %s", ns_src, if_s0, if_m0, ns_mid) != 0 ||
	    sh("ip -n %s link add %s type veth peer name %s netns %s", ns_mid, if_m1, if_d0, ns_dst) != 0 ||
	    sh("ip -n %s addr add 10.78.1.2/30 dev %s && ip -n %s link set %s up && "
		"ip -n %s route add 10.78.0.0/16 via 10.78.1.1", ns_src, if_s0, ns_src, if_s0, ns_src) != 0 ||
	    sh("ip -n %s addr add 10.78.1.1/30 dev %s && ip -n %s link set %s up && "
		"ip -n %s addr add 10.78.2.1/30 dev %s && ip -n %s link set %s up",
		ns_mid, if_m0, ns_mid, if_m0, ns_mid, if_m1, ns_mid, if_m1) != 0 ||
	    sh("ip -n %s addr add " DST_IP "/30 dev %s && ip -n %s link set %s up && "
		"ip -n %s route add 10.78.0.0/16 via 10.78.2.1", ns_dst, if_d0, ns_dst, if_d0, ns_dst) != 0) {
		teardown();
		die("could not build the namespaces");
	}
}

/* Returns NULL: sends UDP to dst from src, BATCH datagrams a call, until stop. */
static void *
sender(void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct mmsghdr m[BATCH];
	struct iovec iov;
	static char buf[1500];
	int fd;

	(void)arg;
	enter(ns_src);
	inet_pton(AF_INET, DST_IP, &a.sin_addr);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		die("sender socket: %s", strerror(errno));
	iov = (struct iovec){ buf, payload };
	memset(m, 0, sizeof m);
	for (int i = 0; i < BATCH; i++) {
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	while (!atomic_load(&stop)) {
		int n = sendmmsg(fd, m, BATCH, 0);

		if (n > 0)
			atomic_fetch_add(&sent, (unsigned long long)n);
	}
	close(fd);
	return NULL;
}

/* Returns NULL: counts the datagrams dst receives, until stop. */
static void *
receiver(void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	struct timeval tv = { 0, 100000 };
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	static char buf[BATCH][2048];
	int fd, big = 16 << 20;

	(void)arg;
	enter(ns_dst);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
		die("receiver socket: %s", strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	while (!atomic_load(&stop)) {
		int n;

		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ buf[i], sizeof buf[i] };
			memset(&m[i], 0, sizeof m[i]);
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, m, BATCH, 0, NULL);
		if (n > 0)
			atomic_fetch_add(&received, (unsigned long long)n);
	}
	close(fd);
	return NULL;
}

/* What one run measured. */
struct result {
	const char *how;
	unsigned rules;
	double offered, delivered;	/* packets per second */
};

/* Returns the delivered rate over `secs` after a second of warm-up; sets *offered. */
static double
measure(double secs, double *offered)
{
	pthread_t ts, tr;
	unsigned long long s0, r0, s1, r1;
	double t0, t1;
	struct timespec warm = { 1, 0 };

	atomic_store(&stop, false);
	if (pthread_create(&tr, NULL, receiver, NULL) != 0 ||
	    pthread_create(&ts, NULL, sender, NULL) != 0)
		die("cannot start threads");
	nanosleep(&warm, NULL);
	s0 = atomic_load(&sent);
	r0 = atomic_load(&received);
	t0 = now_s();
	struct timespec run = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
	nanosleep(&run, NULL);
	s1 = atomic_load(&sent);
	r1 = atomic_load(&received);
	t1 = now_s();
	atomic_store(&stop, true);
	pthread_join(ts, NULL);
	pthread_join(tr, NULL);
	*offered = (double)(s1 - s0) / (t1 - t0);
	return (double)(r1 - r0) / (t1 - t0);
}

/* The n installed rules and what they own. */
struct ruleset {
	struct fs_rule *r;
	struct vr_match **m;
	struct vr_rule_state *st;
	struct vr_dp_rule *d;
	unsigned n;
};

/* Returns the text of rule i: the traffic's destination and protocol, another port. */
static void
rule_text(unsigned i, char *buf, size_t cap)
{
	snprintf(buf, cap, "match destination " DST_IP "/32 protocol udp "
	    "destination-port %u then discard", 10000 + i);
}

/* Fills rs with n rules, or dies. */
static void
make_rules(struct ruleset *rs, unsigned n)
{
	char text[160];
	struct fs_error err;

	rs->n = n;
	rs->r = calloc(n ? n : 1, sizeof *rs->r);
	rs->m = calloc(n ? n : 1, sizeof *rs->m);
	rs->st = calloc(n ? n : 1, sizeof *rs->st);
	rs->d = calloc(n ? n : 1, sizeof *rs->d);
	if (rs->r == NULL || rs->m == NULL || rs->st == NULL || rs->d == NULL)
		die("out of memory");
	for (unsigned i = 0; i < n; i++) {
		rule_text(i, text, sizeof text);
		fs_rule_init(&rs->r[i], FS_IPV4);
		if (fs_parse_rule(text, strlen(text), FS_IPV4, &rs->r[i], &err) != 0 ||
		    (rs->m[i] = vr_match_new(&rs->r[i])) == NULL)
			die("rule %u does not parse: %s", i, err.msg);
		rs->d[i].match = rs->m[i];
		rs->d[i].state = &rs->st[i];
		vr_actions_from_rule(&rs->d[i].actions, &rs->r[i]);
	}
}

static void
free_rules(struct ruleset *rs)
{
	for (unsigned i = 0; i < rs->n; i++) {
		vr_match_free(rs->m[i]);
		fs_rule_free(&rs->r[i]);
	}
	free(rs->r);
	free(rs->m);
	free(rs->st);
	free(rs->d);
}

/* Returns the result of a run through the vrouter dataplane with n rules, or dies. */
static struct result
run_vrouter(unsigned n, double secs)
{
	const char *names[] = { if_m0, if_m1 };
	struct vr_dataplane_config cfg = { .ifnames = names, .n_ifnames = 2 };
	struct result res = { "vrouter dataplane", n, 0, 0 };
	struct vr_dataplane *dp;
	struct ruleset rs;
	struct vr_dp_stats a, b;
	char err[256];
	int back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	unsigned long long r0;

	if (back < 0 || sh("ip netns exec %s sysctl -qw net.ipv4.ip_forward=0", ns_mid) != 0)
		die("cannot turn kernel forwarding off in mid");
	enter(ns_mid);
	dp = vr_dp_new(&cfg, err, sizeof err);
	if (setns(back, CLONE_NEWNET) != 0)
		die("cannot come back from mid");
	close(back);
	if (dp == NULL || vr_dp_start(dp, err, sizeof err) != 0)
		die("dataplane: %s", err);
	make_rules(&rs, n);
	if (vr_dp_publish(dp, rs.d, rs.n) != 0)
		die("publish: %s", strerror(errno));
	vr_dp_read_stats(dp, &a, NULL, 0);
	r0 = atomic_load(&received);
	res.delivered = measure(secs, &res.offered);
	vr_dp_read_stats(dp, &b, NULL, 0);
	/* The checks: no rule matched, and what arrived was forwarded by us. */
	for (unsigned i = 0; i < n; i++)
		if (atomic_load(&rs.st[i].c.matched_packets) != 0)
			die("rule %u matched traffic it should not", i);
	if (b.forwarded_packets - a.forwarded_packets < atomic_load(&received) - r0)
		die("dst received more than the dataplane forwarded (is the kernel forwarding?)");
	vr_dp_publish(dp, NULL, 0);
	vr_dp_free(dp);
	free_rules(&rs);
	return res;
}

/* Returns the result of a run through the kernel with n nftables rules (0: no table). */
static struct result
run_kernel(unsigned n, double secs)
{
	struct result res = { n ? "kernel + nftables" : "kernel forwarding", n, 0, 0 };
	char path[] = "/tmp/fcbench-nft-XXXXXX";
	int fd;
	FILE *f;

	if (sh("ip netns exec %s sysctl -qw net.ipv4.ip_forward=1", ns_mid) != 0)
		die("cannot turn kernel forwarding on in mid");
	if (n > 0) {
		if ((fd = mkstemp(path)) < 0 || (f = fdopen(fd, "w")) == NULL)
			die("temporary file: %s", strerror(errno));
		fprintf(f, "table inet fcbench {\n chain forward {\n"
		    "  type filter hook forward priority 0; policy accept;\n");
		for (unsigned i = 0; i < n; i++)
			fprintf(f, "  ip daddr " DST_IP " meta l4proto udp udp dport %u drop\n",
			    10000 + i);
		fprintf(f, " }\n}\n");
		if (fclose(f) != 0)
			die("temporary file: %s", strerror(errno));
		if (sh("ip netns exec %s nft -f %s", ns_mid, path) != 0) {
			unlink(path);
			die("nft refused the rules");
		}
		unlink(path);
	}
	res.delivered = measure(secs, &res.offered);
	if (n > 0)
		(void)sh("ip netns exec %s nft delete table inet fcbench", ns_mid);
	(void)sh("ip netns exec %s sysctl -qw net.ipv4.ip_forward=0", ns_mid);
	return res;
}

/* Parses "0,20,1000" into counts; returns how many, or -1. */
static int
parse_counts(const char *s, unsigned *v, int cap)
{
	int n = 0;
	char *end;

	while (*s != '\0' && n < cap) {
		unsigned long x = strtoul(s, &end, 10);

		if (end == s || x > 100000)
			return -1;
		v[n++] = (unsigned)x;
		s = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			return -1;
	}
	return n;
}

int
main(int argc, char **argv)
{
	double secs = 5;
	unsigned counts[8] = { 0, 20, 1000 };
	int ncounts = 3, c, nr = 0;
	struct result res[MAX_RUNS];
	bool nft;
	double base = 0;

	while ((c = getopt(argc, argv, "s:p:r:")) != -1) {
		switch (c) {
		case 's':
			secs = atof(optarg);
			break;
		case 'p':
			payload = (size_t)atoi(optarg);
			break;
		case 'r':
			ncounts = parse_counts(optarg, counts, 8);
			break;
		default:
			ncounts = -1;
		}
	}
	if (ncounts <= 0 || secs <= 0 || secs > 600 || payload < 1 || payload > 1472) {
		fprintf(stderr, "usage: bench-dataplane [-s SECONDS] [-p PAYLOAD 1..1472] [-r RULES,...]\n");
		return 2;
	}
	if (geteuid() != 0)
		die("needs root (namespaces, veths, packet sockets)");
	if (sh("ip -V >/dev/null 2>&1") != 0)
		die("needs the ip command (Debian package iproute2)");
	nft = sh("nft --version >/dev/null 2>&1") == 0;
	topology();
	atexit(teardown);	/* also when a check fails */
	res[nr++] = run_kernel(0, secs);
	if (nft)
		for (int i = 0; i < ncounts; i++)
			if (counts[i] > 0)
				res[nr++] = run_kernel(counts[i], secs);
	for (int i = 0; i < ncounts; i++)
		res[nr++] = run_vrouter(counts[i], secs);
	base = res[0].delivered;
	printf("UDP, %zu-octet payload (%zu-octet IP packets), %.0f s per run\n",
	    payload, payload + 28, secs);
	printf("%-20s %6s %14s %14s %10s\n", "forwarding", "rules", "offered pps",
	    "delivered pps", "vs kernel");
	for (int i = 0; i < nr; i++)
		printf("%-20s %6u %14.0f %14.0f %10.2f\n", res[i].how, res[i].rules,
		    res[i].offered, res[i].delivered, base > 0 ? res[i].delivered / base : 0);
	if (!nft)
		printf("(nftables runs skipped: nft is not installed; apt-get install nftables)\n");
	return 0;
}
