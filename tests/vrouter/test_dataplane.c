/*
 * test_dataplane.c - the vrouter dataplane in-process, between real
 * network namespaces (root).
 *
 *   src  s0 10.77.1.2/30 --- m0 10.77.1.1/30  mid  m1 10.77.2.1/30 --- d0 10.77.2.2/30  dst
 *                                                  m2 10.77.3.1/30 --- d1 10.77.3.2/30
 *
 * The kernel of mid does not forward (ip_forward 0): what crosses it is
 * the dataplane's doing.  Packets are sent from sockets made in src and
 * received by sockets made in dst.  Namespaces are named fcdp.PID.*
 * and every veth is made inside them, so nothing reaches the host's
 * namespace; main sweeps fcdp.PID.* before and after the suite (Check's
 * fork mode skips a failed test's teardown) and fails if anything is left.
 *
 * No assertion depends on timing: waits are bounded only so that a
 * broken dataplane fails instead of hanging, and "nothing arrived" is
 * proved by a later packet on the same path arriving first.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "support.h"
#include "flowspec/ecomm.h"
#include "flowspec/error.h"
#include "flowspec/text.h"
#include "vrouter/arena.h"
#include "vrouter/dataplane.h"
#include "vrouter/match.h"

#define SRC_IP	"10.77.1.2"
#define MID0_IP	"10.77.1.1"
#define DST_IP	"10.77.2.2"
#define DST1_IP	"10.77.3.2"
#define WAIT_MS	5000		/* a packet that takes longer is lost */
#define MAGIC	0x5eed0000u	/* sequence numbers of sync packets */

enum { SRC, MID, DST };
enum { S0, M0, M1, D0, M2, D1 };

static pid_t test_pid;
static char ns[3][48];
static char ifn[6][IF_NAMESIZE];
static char setup_err[512];
static bool setup_ok;

/* ---- commands and namespaces ---- */

/* Returns the exit status of the shell command made from fmt (-1 if it did not run). */
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

/* Returns an fd of the namespace `name` (or of this thread's when NULL), or -1. */
static int
ns_fd(const char *name)
{
	char path[128];

	if (name == NULL)
		return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof path, "/run/netns/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* Moves this thread into namespace `name`; returns the fd to come back with, or -1. */
static int
ns_enter(const char *name)
{
	int back = ns_fd(NULL), to = ns_fd(name);

	if (back < 0 || to < 0 || setns(to, CLONE_NEWNET) != 0) {
		if (back >= 0)
			close(back);
		back = -1;
	}
	if (to >= 0)
		close(to);
	return back;
}

/* Moves this thread back to the namespace `back` came from, and closes it. */
static void
ns_leave(int back)
{
	if (setns(back, CLONE_NEWNET) != 0)
		ck_abort_msg("cannot return to the test's namespace: %s", strerror(errno));
	close(back);
}

/* Returns a socket made in namespace `name`, or fails the test. */
static int
ns_socket(const char *name, int domain, int type, int proto)
{
	int back = ns_enter(name), fd;

	ck_assert_msg(back >= 0, "cannot enter namespace %s: %s", name, strerror(errno));
	fd = socket(domain, type | SOCK_CLOEXEC, proto);
	ns_leave(back);
	ck_assert_msg(fd >= 0, "socket in %s: %s", name, strerror(errno));
	return fd;
}

/* Returns the index of interface `name` in namespace `space`. */
static int
ns_ifindex(const char *space, const char *name)
{
	int back = ns_enter(space);
	unsigned idx;

	ck_assert(back >= 0);
	idx = if_nametoindex(name);
	ns_leave(back);
	ck_assert_msg(idx != 0, "no interface %s in %s", name, space);
	return (int)idx;
}

/* Deletes every namespace of this test run; returns how many are left afterwards. */
static int
sweep(void)
{
	char prefix[48];
	int left = 0;

	snprintf(prefix, sizeof prefix, "fcdp.%d.", (int)test_pid);
	for (int pass = 0; pass < 2; pass++) {
		DIR *d = opendir("/run/netns");
		struct dirent *e;

		if (d == NULL)
			return 0;
		while ((e = readdir(d)) != NULL) {
			if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
				continue;
			if (pass == 0)
				(void)sh("ip netns del '%s' 2>/dev/null", e->d_name);
			else
				left++;
		}
		closedir(d);
	}
	return left;
}

/* Returns 0 if the command made from fmt succeeded, or -1 with it in setup_err. */
static int step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int
step(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (sh("%s", cmd) == 0)
		return 0;
	snprintf(setup_err, sizeof setup_err, "topology step failed: %.400s", cmd);
	return -1;
}

/* Returns 0 once every command of the topology ran, or -1 with setup_err. */
static int
build_topology(void)
{
	const char *s = ns[SRC], *m = ns[MID], *d = ns[DST];

	if (step("ip netns add %s && ip netns add %s && ip netns add %s", s, m, d) != 0 ||
	    step("ip -n %s link add %s type veth peer name %s netns %s", s, ifn[S0], ifn[M0], m) != 0 ||
	    step("ip -n %s link add %s type veth peer name %s netns %s", m, ifn[M1], ifn[D0], d) != 0 ||
	    step("ip -n %s link add %s type veth peer name %s netns %s", m, ifn[M2], ifn[D1], d) != 0 ||
	    step("ip -n %s addr add " SRC_IP "/30 dev %s && ip -n %s link set %s up && "
		"ip -n %s link set lo up", s, ifn[S0], s, ifn[S0], s) != 0 ||
	    step("ip -n %s addr add " MID0_IP "/30 dev %s && ip -n %s link set %s up",
		m, ifn[M0], m, ifn[M0]) != 0 ||
	    step("ip -n %s addr add 10.77.2.1/30 dev %s && ip -n %s link set %s up",
		m, ifn[M1], m, ifn[M1]) != 0 ||
	    step("ip -n %s addr add 10.77.3.1/30 dev %s && ip -n %s link set %s up && "
		"ip -n %s link set lo up", m, ifn[M2], m, ifn[M2], m) != 0 ||
	    step("ip -n %s addr add " DST_IP "/30 dev %s && ip -n %s link set %s up",
		d, ifn[D0], d, ifn[D0]) != 0 ||
	    step("ip -n %s addr add " DST1_IP "/30 dev %s && ip -n %s link set %s up && "
		"ip -n %s link set lo up", d, ifn[D1], d, ifn[D1], d) != 0 ||
	    step("ip -n %s route add 10.77.0.0/16 via " MID0_IP " && "
		"ip -n %s route add 10.99.0.0/16 via " MID0_IP, s, s) != 0 ||
	    step("ip -n %s route add 10.77.0.0/16 via 10.77.2.1", d) != 0 ||
	    /* The kernel of mid must not forward: the daemon does the same. */
	    step("ip netns exec %s sysctl -qw net.ipv4.ip_forward=0", m) != 0 ||
	    /* A redirected packet reaches dst by d1, which is not its route back. */
	    step("ip netns exec %s sysctl -qw net.ipv4.conf.all.rp_filter=0 "
		"net.ipv4.conf.%s.rp_filter=0", d, ifn[D1]) != 0)
		return -1;
	return 0;
}

/* Returns 0 if ip_forward reads 0 in mid, or -1 with setup_err. */
static int
check_forwarding_off(void)
{
	int back = ns_enter(ns[MID]);
	char v = '?';
	int fd;

	if (back < 0) {
		snprintf(setup_err, sizeof setup_err, "cannot enter %s", ns[MID]);
		return -1;
	}
	fd = open("/proc/sys/net/ipv4/ip_forward", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &v, 1) != 1)
			v = '?';
		close(fd);
	}
	if (setns(back, CLONE_NEWNET) != 0)
		abort();
	close(back);
	if (v != '0') {
		snprintf(setup_err, sizeof setup_err, "ip_forward in %s reads '%c'", ns[MID], v);
		return -1;
	}
	return 0;
}

/* Unchecked fixture (the parent, once): the namespaces and links. */
static void
setup(void)
{
	setup_ok = build_topology() == 0 && check_forwarding_off() == 0;
}

static void
teardown(void)
{
	(void)sweep();
}

/* ---- the dataplane ---- */

/*
 * The running dataplane.  Under CK_FORK=no a failed test leaves its own
 * running; the next start stops it, so that it cannot forward beside the
 * new one and fail every test after.
 */
static struct vr_dataplane *live_dp;

/* Stops and frees the dataplane a test started. */
static void
stop_dp(struct vr_dataplane *dp)
{
	vr_dp_free(dp);
	if (dp == live_dp)
		live_dp = NULL;
}

/* Returns the dataplane on m0, m1, m2 with `n` redirects, opened in mid and running. */
static struct vr_dataplane *
start_dp(const struct vr_redirect *rd, size_t n)
{
	const char *names[] = { ifn[M0], ifn[M1], ifn[M2] };
	struct vr_dataplane_config cfg = { .ifnames = names, .n_ifnames = 3,
	    .redirects = rd, .n_redirects = n };
	struct vr_dataplane *dp;
	char err[256] = "";
	int back;

	ck_assert_msg(setup_ok, "%s", setup_err);
	stop_dp(live_dp);
	back = ns_enter(ns[MID]);
	ck_assert_msg(back >= 0, "cannot enter %s", ns[MID]);
	dp = vr_dp_new(&cfg, err, sizeof err);
	ns_leave(back);
	ck_assert_msg(dp != NULL, "vr_dp_new: %s", err);
	live_dp = dp;
	ck_assert_msg(vr_dp_start(dp, err, sizeof err) == 0, "vr_dp_start: %s", err);
	return dp;
}

static struct vr_dp_stats
stats(struct vr_dataplane *dp)
{
	struct vr_dp_stats st;

	vr_dp_read_stats(dp, &st, NULL, 0);
	return st;
}

/* Returns the counters of interface `name`. */
static struct vr_if_stats
if_stats(struct vr_dataplane *dp, const char *name)
{
	struct vr_if_stats ifs[8];
	size_t n = vr_dp_read_stats(dp, NULL, ifs, 8);

	for (size_t i = 0; i < n && i < 8; i++)
		if (strcmp(ifs[i].ifname, name) == 0)
			return ifs[i];
	ck_abort_msg("no counters for %s", name);
}

/* An installed rule and what it owns. */
struct trule {
	struct fs_rule r;
	struct vr_match *m;
	struct vr_rule_state *st;
};

/* Returns the dataplane rule for `text`, keeping what it owns in t. */
static struct vr_dp_rule
make_rule(struct trule *t, const char *text)
{
	struct vr_dp_rule d = { 0 };

	fs_rule_init(&t->r, FS_IPV4);
	fc_parse_or_fail(text, FS_IPV4, &t->r);
	ck_assert_ptr_nonnull(t->m = vr_match_new(&t->r));
	ck_assert_ptr_nonnull(t->st = calloc(1, sizeof *t->st));
	d.match = t->m;
	d.state = t->st;
	vr_actions_from_rule(&d.actions, &t->r);
	return d;
}

static void
free_rule(struct trule *t)
{
	vr_match_free(t->m);
	free(t->st);
	fs_rule_free(&t->r);
}

static uint64_t
ctr(_Atomic uint64_t *c)
{
	return atomic_load(c);
}

/* ---- traffic ---- */

/* What came with a received datagram. */
struct rx {
	uint32_t seq;
	int tos, ttl, ifindex;
	size_t len;
};

/* Returns a UDP socket in src bound to its address, with TTL and TOS set (-1: default). */
static int
udp_tx(int ttl, int tos)
{
	int fd = ns_socket(ns[SRC], AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };

	inet_pton(AF_INET, SRC_IP, &a.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	if (ttl >= 0)
		ck_assert_int_eq(setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl), 0);
	if (tos >= 0)
		ck_assert_int_eq(setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos), 0);
	return fd;
}

/* Returns a UDP socket in dst on `port` that reports TOS, TTL and the arrival interface. */
static int
udp_rx(uint16_t port)
{
	int fd = ns_socket(ns[DST], AF_INET, SOCK_DGRAM, 0), one = 1, big = 4 << 20;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof one), 0);
	ck_assert_int_eq(setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof one), 0);
	ck_assert_int_eq(setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one), 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
	return fd;
}

/* Sends one datagram of `len` octets (>= 4) carrying seq to dst:port. */
static void
send_udp(int fd, const char *dst, uint16_t port, uint32_t seq, size_t len)
{
	uint8_t buf[1500] = { 0 };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	uint32_t s = htonl(seq);

	ck_assert_uint_le(len, sizeof buf);
	ck_assert_uint_ge(len, 4);
	inet_pton(AF_INET, dst, &a.sin_addr);
	memcpy(buf, &s, 4);
	ck_assert_int_eq(sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof a),
	    (ssize_t)len);
}

/* Returns 1 with r filled when a datagram arrives on fd within ms, else 0. */
static int
recv_udp(int fd, int ms, struct rx *r)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t buf[2048];
	union { struct cmsghdr c; char b[256]; } cb;
	struct iovec iov = { buf, sizeof buf };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cb.b, .msg_controllen = sizeof cb.b };
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return 0;
	n = recvmsg(fd, &m, MSG_DONTWAIT);
	if (n < 4)
		return 0;
	memset(r, 0, sizeof *r);
	r->tos = r->ttl = r->ifindex = -1;
	r->len = (size_t)n;
	memcpy(&r->seq, buf, 4);
	r->seq = ntohl(r->seq);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != IPPROTO_IP)
			continue;
		if (c->cmsg_type == IP_TOS)
			r->tos = *(unsigned char *)CMSG_DATA(c);
		else if (c->cmsg_type == IP_TTL)
			memcpy(&r->ttl, CMSG_DATA(c), sizeof r->ttl);
		else if (c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			r->ifindex = pi.ipi_ifindex;
		}
	}
	return 1;
}

/*
 * Sends sync packets to dst:port until one comes back on rx (the first
 * may wait for ARP), then one more that must: afterwards, nothing sent
 * before is still on the way.  Returns how many it sent.
 */
static unsigned
sync_path(int tx, int rx, const char *dst, uint16_t port)
{
	static uint32_t next = MAGIC;
	struct rx r;
	bool got = false;
	unsigned sent = 0;

	for (int i = 0; i < 250 && !got; i++, sent++) {
		send_udp(tx, dst, port, next++, 32);
		got = recv_udp(rx, 20, &r) == 1;
	}
	ck_assert_msg(got, "no packet crossed the dataplane to %s:%u", dst, port);
	uint32_t last = next++;
	send_udp(tx, dst, port, last, 32);
	do
		ck_assert_msg(recv_udp(rx, WAIT_MS, &r) == 1, "the sync packet was lost");
	while (r.seq != last);
	return sent + 1;
}

/* Returns how many datagrams are waiting on fd (read without blocking). */
static unsigned
drain(int fd)
{
	struct rx r;
	unsigned n = 0;

	while (recv_udp(fd, 0, &r) == 1)
		n++;
	return n;
}

/* Returns CLOCK_MONOTONIC in seconds. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- tests ---- */

START_TEST(forwards_without_rules)
{
	struct vr_dataplane *dp = start_dp(NULL, 0);
	int tx = udp_tx(-1, -1), rx = udp_rx(7000);
	struct vr_dp_stats a, b;
	struct vr_if_stats in0, out0, in1, out1;
	struct rx r;
	const unsigned n = 50;

	sync_path(tx, rx, DST_IP, 7000);
	a = stats(dp);
	in0 = if_stats(dp, ifn[M0]);
	out0 = if_stats(dp, ifn[M1]);
	for (unsigned i = 0; i < n; i++)
		send_udp(tx, DST_IP, 7000, i, 100 + i);
	for (unsigned i = 0; i < n; i++) {
		ck_assert_msg(recv_udp(rx, WAIT_MS, &r) == 1, "packet %u of %u lost", i, n);
		ck_assert_uint_eq(r.seq, i);
		ck_assert_uint_eq(r.len, 100 + i);
		/* One hop: the TTL the sender used (64) less one. */
		ck_assert_int_eq(r.ttl, 63);
	}
	b = stats(dp);
	in1 = if_stats(dp, ifn[M0]);
	out1 = if_stats(dp, ifn[M1]);
	ck_assert_uint_eq(b.forwarded_packets - a.forwarded_packets, n);
	ck_assert_uint_eq(b.unmatched_packets - a.unmatched_packets, n);
	ck_assert_uint_eq(b.ttl_expired_packets, a.ttl_expired_packets);
	ck_assert_uint_ge(in1.rx_packets - in0.rx_packets, n);
	ck_assert_uint_eq(out1.tx_packets - out0.tx_packets, n);
	ck_assert_uint_eq(out1.tx_errors, out0.tx_errors);
	stop_dp(dp);
	close(tx);
	close(rx);
}
END_TEST

/* Returns the Internet checksum of buf[0..n). */
static uint16_t
inet_sum(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

START_TEST(ping_both_ways)
{
	struct vr_dataplane *dp = start_dp(NULL, 0);
	int fd = ns_socket(ns[SRC], AF_INET, SOCK_RAW, IPPROTO_ICMP);
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct vr_dp_stats a, b;
	bool answered = false;
	uint16_t id = (uint16_t)getpid();

	inet_pton(AF_INET, DST_IP, &to.sin_addr);
	a = stats(dp);
	/* The first requests may wait for ARP on either side: try until one is answered. */
	for (int seq = 0; seq < 100 && !answered; seq++) {
		uint8_t req[16] = { 8, 0, 0, 0 }, buf[256];
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint16_t c;

		req[4] = (uint8_t)(id >> 8);
		req[5] = (uint8_t)id;
		req[7] = (uint8_t)seq;
		c = inet_sum(req, sizeof req);
		req[2] = (uint8_t)(c >> 8);
		req[3] = (uint8_t)c;
		ck_assert_int_eq(sendto(fd, req, sizeof req, 0, (struct sockaddr *)&to,
		    sizeof to), (ssize_t)sizeof req);
		while (!answered && poll(&p, 1, 50) == 1) {
			ssize_t n = recv(fd, buf, sizeof buf, 0);
			size_t ihl = n > 0 ? (size_t)(buf[0] & 0x0f) * 4 : 0;

			/* An echo reply (type 0) with our identifier, from dst. */
			answered = n >= (ssize_t)(ihl + 8) && buf[ihl] == 0 &&
			    buf[ihl + 4] == (uint8_t)(id >> 8) && buf[ihl + 5] == (uint8_t)id &&
			    memcmp(buf + 12, "\x0a\x4d\x02\x02", 4) == 0;
		}
	}
	ck_assert_msg(answered, "no echo reply crossed the dataplane");
	b = stats(dp);
	/* At least the answered request and its reply were forwarded. */
	ck_assert_uint_ge(b.forwarded_packets - a.forwarded_packets, 2);
	stop_dp(dp);
	close(fd);
}
END_TEST

START_TEST(node_traffic_is_the_kernels)
{
	struct vr_dataplane *dp = start_dp(NULL, 0);
	int fd = ns_socket(ns[SRC], AF_INET, SOCK_DGRAM, 0);
	int lfd = ns_socket(ns[MID], AF_INET, SOCK_DGRAM, 0);
	int tx = udp_tx(-1, -1), rx = udp_rx(7401);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7400) };
	struct vr_dp_stats s0, s1;
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	char buf[64];

	/* A listener in mid itself: datagrams to the node's address are the kernel's. */
	inet_pton(AF_INET, MID0_IP, &a.sin_addr);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
	sync_path(tx, rx, DST_IP, 7401);
	s0 = stats(dp);
	ck_assert_int_eq(sendto(fd, "hello", 5, 0, (struct sockaddr *)&a, sizeof a), 5);
	ck_assert_int_eq(poll(&p, 1, WAIT_MS), 1);
	ck_assert_int_eq(recv(lfd, buf, sizeof buf, 0), 5);
	/* The kernel and the thread each get a copy: a later transit packet orders them. */
	unsigned synced = sync_path(tx, rx, DST_IP, 7401);
	s1 = stats(dp);
	ck_assert_uint_ge(s1.not_ip_frames - s0.not_ip_frames, 1);
	/* Of all that, only the sync packets were forwarded. */
	ck_assert_uint_eq(s1.forwarded_packets - s0.forwarded_packets, synced);
	stop_dp(dp);
	close(fd);
	close(lfd);
	close(tx);
	close(rx);
}
END_TEST

START_TEST(discard_drops_only_its_flow)
{
	struct vr_dataplane *dp = start_dp(NULL, 0);
	int tx = udp_tx(-1, -1), rx_drop = udp_rx(7001), rx_pass = udp_rx(7002);
	struct trule t;
	struct vr_dp_rule d = make_rule(&t,
	    "match destination " DST_IP "/32 protocol udp destination-port 7001 then discard");
	struct vr_dp_stats a, b;
	struct rx r;
	const unsigned n = 30;

	ck_assert_int_eq(vr_dp_publish(dp, &d, 1), 0);
	sync_path(tx, rx_pass, DST_IP, 7002);
	a = stats(dp);
	for (unsigned i = 0; i < n; i++) {
		send_udp(tx, DST_IP, 7001, i, 200);
		send_udp(tx, DST_IP, 7002, i, 200);
	}
	for (unsigned i = 0; i < n; i++) {
		ck_assert_msg(recv_udp(rx_pass, WAIT_MS, &r) == 1, "passing packet %u lost", i);
		ck_assert_uint_eq(r.seq, i);
	}
	/* Each dropped one was sent before a passing one that arrived: none is on its way. */
	ck_assert_uint_eq(drain(rx_drop), 0);
	b = stats(dp);
	ck_assert_uint_eq(ctr(&t.st->c.matched_packets), n);
	ck_assert_uint_eq(ctr(&t.st->c.dropped_packets), n);
	ck_assert_uint_eq(ctr(&t.st->c.dropped_bytes), n * (200 + 28));
	ck_assert_uint_eq(ctr(&t.st->c.matched_bytes), n * (200 + 28));
	ck_assert_uint_eq(b.forwarded_packets - a.forwarded_packets, n);
	ck_assert_uint_eq(b.unmatched_packets - a.unmatched_packets, n);
	stop_dp(dp);
	free_rule(&t);
	close(tx);
	close(rx_drop);
	close(rx_pass);
}
END_TEST

/*
 * Sends `count` datagrams of `len` octets to port, one every `gap_us`,
 * under a rule limiting them; returns how many arrived and sets *secs to
 * how long sending took.
 */
static unsigned
blast_limited(int tx, int rx, uint16_t port, unsigned count, size_t len,
    long gap_us, double *secs)
{
	struct timespec gap = { 0, gap_us * 1000 };
	int fence = udp_rx(7100);
	double t0 = now_s();

	for (unsigned i = 0; i < count; i++) {
		send_udp(tx, DST_IP, port, i, len);
		nanosleep(&gap, NULL);
	}
	*secs = now_s() - t0;
	sync_path(tx, fence, DST_IP, 7100);
	close(fence);
	return drain(rx);
}

START_TEST(rate_limit_packets)
{
	struct vr_dataplane *dp = start_dp(NULL, 0);
	int tx = udp_tx(-1, -1), rx = udp_rx(7003), warm = udp_rx(7101);
	struct trule t;
	struct vr_dp_rule d = make_rule(&t,
	    "match destination-port 7003 then rate-limit-packets 100");
	const unsigned sent = 600;
	double secs, expect;
	unsigned got;

	ck_assert_int_eq(vr_dp_publish(dp, &d, 1), 0);
	sync_path(tx, warm, DST_IP, 7101);
	got = blast_limited(tx, rx, 7003, sent, 64, 1000, &secs);
	/* 100/s over the time it took, plus the bucket's 0.1 s; the bounds are wide. */
	expect = 100 * secs + 10;
	ck_assert_msg(got >= expect / 3 && got <= expect * 2 + 10,
	    "%u of %u passed in %.2f s; about %.0f expected", got, sent, secs, expect);
	/* Every packet is accounted for: passed or dropped by the rule. */
	ck_assert_uint_eq(ctr(&t.st->c.matched_packets), sent);
	ck_assert_uint_eq(ctr(&t.st->c.dropped_packets), sent - got);
	stop_dp(dp);
	free_rule(&t);
	close(tx);
	close(rx);
	close(warm);
}
END_TEST

START_TEST(rate_limit_bytes)
{
	struct vr_dataplane *dp = start_dp(NULL, 0);
	int tx = udp_tx(-1, -1), rx = udp_rx(7004), warm = udp_rx(7102);
	struct trule t;
	struct vr_dp_rule d = make_rule(&t,
	    "match destination-port 7004 then rate-limit 20000");
	const unsigned sent = 300;
	double secs, expect;
	unsigned got;

	ck_assert_int_eq(vr_dp_publish(dp, &d, 1), 0);
	sync_path(tx, warm, DST_IP, 7102);
	/* 500-octet IP packets at 20,000 octets/s: 40 a second. */
	got = blast_limited(tx, rx, 7004, sent, 500 - 28, 2500, &secs);
	expect = 20000 * secs / 500 + 5;
	ck_assert_msg(got >= expect / 3 && got <= expect * 2 + 10,
	    "%u of %u passed in %.2f s; about %.0f expected", got, sent, secs, expect);
	ck_assert_uint_eq(ctr(&t.st->c.matched_packets), sent);
	ck_assert_uint_eq(ctr(&t.st->c.dropped_packets), sent - got);
	ck_assert_uint_eq(ctr(&t.st->c.dropped_bytes), (uint64_t)(sent - got) * 500);
	stop_dp(dp);
	free_rule(&t);
	close(tx);
	close(rx);
	close(warm);
}
END_TEST

/* Returns true if the IPv4 packet ip[0..n) carries a UDP datagram whose checksums are right. */
static bool
udp_checksums_ok(const uint8_t *ip, size_t n)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4, ulen;
	uint8_t pseudo[12 + 1500];

	if (n < ihl + 8 || inet_sum(ip, ihl) != 0)
		return false;
	ulen = (size_t)(ip[ihl + 4] << 8 | ip[ihl + 5]);
	if (ulen < 8 || ihl + ulen > n || ulen > 1500)
		return false;
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 17;
	pseudo[10] = (uint8_t)(ulen >> 8);
	pseudo[11] = (uint8_t)ulen;
	memcpy(pseudo + 12, ip + ihl, ulen);
	return inet_sum(pseudo, 12 + ulen) == 0;
}

START_TEST(mark_rewrites_dscp)
{
	struct vr_dataplane *dp = start_dp(NULL, 0);
	int tx = udp_tx(-1, 0x01), rx = udp_rx(7005), rx_plain = udp_rx(7105);
	int cap = ns_socket(ns[DST], AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
	    .sll_ifindex = ns_ifindex(ns[DST], ifn[D0]) };
	struct trule t;
	struct vr_dp_rule d = make_rule(&t, "match destination-port 7005 then mark 10");
	const unsigned n = 20;
	unsigned checked = 0;
	struct rx r;

	ck_assert_int_eq(bind(cap, (struct sockaddr *)&sll, sizeof sll), 0);
	ck_assert_int_eq(vr_dp_publish(dp, &d, 1), 0);
	sync_path(tx, rx_plain, DST_IP, 7105);
	for (unsigned i = 0; i < n; i++)
		send_udp(tx, DST_IP, 7005, i, 64);
	for (unsigned i = 0; i < n; i++) {
		ck_assert_msg(recv_udp(rx, WAIT_MS, &r) == 1, "marked packet %u lost", i);
		/* DSCP 10 in the top six bits; ECT(1) from the sender kept. */
		ck_assert_int_eq(r.tos, 10 << 2 | 0x01);
	}
	/* Unmatched traffic keeps its TOS. */
	send_udp(tx, DST_IP, 7105, 1, 64);
	ck_assert_int_eq(recv_udp(rx_plain, WAIT_MS, &r), 1);
	ck_assert_int_eq(r.tos, 0x01);
	/* On the wire in dst, the marked packets' IP and UDP checksums are right. */
	for (;;) {
		uint8_t buf[2048];
		ssize_t k = recv(cap, buf, sizeof buf, MSG_DONTWAIT);

		if (k <= 0)
			break;
		if (k >= 28 && buf[9] == 17 && buf[22] == 0x1b && buf[23] == 0x5d) {
			ck_assert_msg(udp_checksums_ok(buf, (size_t)k), "a marked packet's checksum is wrong");
			ck_assert_uint_eq(buf[1], 10 << 2 | 0x01);
			checked++;
		}
	}
	ck_assert_uint_eq(checked, n);
	ck_assert_uint_eq(ctr(&t.st->c.marked_packets), n);
	stop_dp(dp);
	free_rule(&t);
	close(tx);
	close(rx);
	close(rx_plain);
	close(cap);
}
END_TEST

START_TEST(redirect_to_third_interface)
{
	struct vr_redirect rd = { .via = 0x0a4d0302 };	/* 10.77.3.2 */
	struct fs_action ec;
	struct vr_dataplane *dp;
	int tx = udp_tx(-1, -1), rx = udp_rx(7006), rx2 = udp_rx(7007);
	struct trule t, u;
	struct vr_dp_rule d[2];
	int d0 = ns_ifindex(ns[DST], ifn[D0]), d1 = ns_ifindex(ns[DST], ifn[D1]);
	struct vr_if_stats m2a, m2b;
	const unsigned n = 20;
	struct rx r;

	fs_ec_redirect_as2(&ec, 65000, 100);
	memcpy(rd.ec, ec.ec, 8);
	snprintf(rd.ifname, sizeof rd.ifname, "%s", ifn[M2]);
	dp = start_dp(&rd, 1);
	d[0] = make_rule(&t, "match destination-port 7006 then redirect 65000:100");
	/* A community no redirect is configured for: routed as usual, still counted as matched. */
	d[1] = make_rule(&u, "match destination-port 7007 then redirect 65000:999");
	ck_assert_int_eq(vr_dp_publish(dp, d, 2), 0);
	/* The first redirected packets wait for ARP on m2. */
	sync_path(tx, rx, DST_IP, 7006);
	m2a = if_stats(dp, ifn[M2]);
	uint64_t base = ctr(&t.st->c.redirected_packets);
	for (unsigned i = 0; i < n; i++)
		send_udp(tx, DST_IP, 7006, i, 80);
	for (unsigned i = 0; i < n; i++) {
		ck_assert_msg(recv_udp(rx, WAIT_MS, &r) == 1, "redirected packet %u lost", i);
		ck_assert_uint_eq(r.seq, i);
		ck_assert_msg(r.ifindex == d1, "arrived on ifindex %d, not d1 (%d)", r.ifindex, d1);
	}
	m2b = if_stats(dp, ifn[M2]);
	ck_assert_uint_eq(ctr(&t.st->c.redirected_packets) - base, n);
	ck_assert_uint_eq(m2b.tx_packets - m2a.tx_packets, n);
	sync_path(tx, rx2, DST_IP, 7007);
	send_udp(tx, DST_IP, 7007, 99, 80);
	do
		ck_assert_int_eq(recv_udp(rx2, WAIT_MS, &r), 1);
	while (r.seq != 99);
	ck_assert_int_eq(r.ifindex, d0);
	ck_assert_uint_eq(ctr(&u.st->c.redirected_packets), 0);
	ck_assert_uint_ge(ctr(&u.st->c.matched_packets), 1);
	stop_dp(dp);
	free_rule(&t);
	free_rule(&u);
	close(tx);
	close(rx);
	close(rx2);
}
END_TEST

START_TEST(ttl_one_is_dropped)
{
	struct vr_dataplane *dp = start_dp(NULL, 0);
	int tx = udp_tx(1, -1), ok = udp_tx(-1, -1), rx = udp_rx(7008), fence = udp_rx(7108);
	struct vr_dp_stats a, b;
	const unsigned n = 10;

	sync_path(ok, fence, DST_IP, 7108);
	a = stats(dp);
	for (unsigned i = 0; i < n; i++)
		send_udp(tx, DST_IP, 7008, i, 40);
	sync_path(ok, fence, DST_IP, 7108);
	ck_assert_uint_eq(drain(rx), 0);
	b = stats(dp);
	ck_assert_uint_eq(b.ttl_expired_packets - a.ttl_expired_packets, n);
	stop_dp(dp);
	close(tx);
	close(ok);
	close(rx);
	close(fence);
}
END_TEST

START_TEST(no_route_is_counted)
{
	struct vr_dataplane *dp = start_dp(NULL, 0);
	int tx = udp_tx(-1, -1), fence = udp_rx(7109);
	struct vr_dp_stats a, b;
	const unsigned n = 7;

	sync_path(tx, fence, DST_IP, 7109);
	a = stats(dp);
	/* src routes 10.99/16 to mid, which has no route for it. */
	for (unsigned i = 0; i < n; i++)
		send_udp(tx, "10.99.0.1", 7009, i, 40);
	sync_path(tx, fence, DST_IP, 7109);
	b = stats(dp);
	ck_assert_uint_eq(b.no_route_packets - a.no_route_packets, n);
	stop_dp(dp);
	close(tx);
	close(fence);
}
END_TEST

START_TEST(terminal_goes_on)
{
	struct vr_dataplane *dp = start_dp(NULL, 0);
	int tx = udp_tx(-1, -1), rx_t = udp_rx(7010), rx_f = udp_rx(7011), fence = udp_rx(7110);
	struct trule t1, t2, t3;
	struct vr_dp_rule d[3];
	const unsigned n = 10;
	struct rx r;

	/* 7010: marked by a terminal rule, so the discard after it applies too. */
	d[0] = make_rule(&t1, "match destination-port 7010 then mark 10 action terminal");
	/* 7011: marked by a rule without the bit: evaluation stops, the discard never sees it. */
	d[1] = make_rule(&t2, "match destination-port 7011 then mark 12");
	d[2] = make_rule(&t3, "match destination-port 7010-7011 then discard");
	ck_assert_int_eq(vr_dp_publish(dp, d, 3), 0);
	sync_path(tx, fence, DST_IP, 7110);
	for (unsigned i = 0; i < n; i++) {
		send_udp(tx, DST_IP, 7010, i, 40);
		send_udp(tx, DST_IP, 7011, i, 40);
	}
	for (unsigned i = 0; i < n; i++) {
		ck_assert_int_eq(recv_udp(rx_f, WAIT_MS, &r), 1);
		ck_assert_int_eq(r.tos, 12 << 2);
	}
	ck_assert_uint_eq(drain(rx_t), 0);
	ck_assert_uint_eq(ctr(&t1.st->c.matched_packets), n);
	ck_assert_uint_eq(ctr(&t2.st->c.matched_packets), n);
	ck_assert_uint_eq(ctr(&t3.st->c.matched_packets), n);
	ck_assert_uint_eq(ctr(&t3.st->c.dropped_packets), n);
	/* A packet dropped after a mark was not forwarded marked. */
	ck_assert_uint_eq(ctr(&t1.st->c.marked_packets), 0);
	ck_assert_uint_eq(ctr(&t2.st->c.marked_packets), n);
	stop_dp(dp);
	free_rule(&t1);
	free_rule(&t2);
	free_rule(&t3);
	close(tx);
	close(rx_t);
	close(rx_f);
	close(fence);
}
END_TEST

START_TEST(spill_pays_the_walk)
{
	struct vr_dataplane *dp = start_dp(NULL, 0);
	int tx = udp_tx(-1, -1), rx = udp_rx(7012);
	struct vr_arena *ar = vr_arena_new(64, 0);
	struct vr_entry e = { .rule_id = 1, .nfields = 1 };
	struct trule t;
	struct vr_dp_rule d;
	struct vr_dp_stats a, b;
	const unsigned n = 25;
	struct rx r;

	ck_assert_ptr_nonnull(ar);
	for (uint64_t i = 0; i < 1000; i++) {
		e.field[0] = (struct vr_entry_field){ .type = FS_DPORT, .a = i, .b = i };
		ck_assert_int_eq(vr_arena_push(&e, ar), 0);
	}
	d = make_rule(&t, "match destination-port 9999 then discard");
	d.spill = ar;
	ck_assert_int_eq(vr_dp_publish(dp, &d, 1), 0);
	sync_path(tx, rx, DST_IP, 7012);
	a = stats(dp);
	uint64_t w0 = ctr(&t.st->c.spill_walks);
	for (unsigned i = 0; i < n; i++)
		send_udp(tx, DST_IP, 7012, i, 40);
	for (unsigned i = 0; i < n; i++)
		ck_assert_int_eq(recv_udp(rx, WAIT_MS, &r), 1);
	b = stats(dp);
	/* Every transit packet reached the rule and paid its walk; none matched. */
	ck_assert_uint_eq(ctr(&t.st->c.spill_walks) - w0, b.forwarded_packets - a.forwarded_packets);
	ck_assert_uint_ge(ctr(&t.st->c.spill_walks) - w0, n);
	ck_assert_uint_eq(ctr(&t.st->c.matched_packets), 0);
	stop_dp(dp);
	vr_arena_free(ar);
	free_rule(&t);
	close(tx);
	close(rx);
}
END_TEST

/* A TCP sender: writes `total` octets of a pattern on fd, then closes it. */
struct writer {
	int fd;
	size_t total, written;
};

static void *
write_all(void *arg)
{
	struct writer *w = arg;
	uint8_t buf[65536];

	while (w->written < w->total) {
		size_t n = w->total - w->written < sizeof buf ? w->total - w->written : sizeof buf;
		ssize_t k;

		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)((w->written + i) * 7 + 3);
		k = write(w->fd, buf, n);
		if (k <= 0)
			break;
		w->written += (size_t)k;
	}
	close(w->fd);
	return NULL;
}

START_TEST(tcp_stream_crosses)
{
	struct vr_dataplane *dp = start_dp(NULL, 0);
	int tx = udp_tx(-1, -1), rx = udp_rx(7500);
	int lfd = ns_socket(ns[DST], AF_INET, SOCK_STREAM, 0), cfd, afd, one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7500) };
	struct writer w = { .total = 8u << 20 };
	struct pollfd p;
	pthread_t th;
	size_t got = 0;
	bool same = true;
	uint8_t buf[65536];

	/* Both directions learn their neighbours before the handshake. */
	sync_path(tx, rx, DST_IP, 7500);
	inet_pton(AF_INET, DST_IP, &a.sin_addr);
	ck_assert_int_eq(setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	cfd = ns_socket(ns[SRC], AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(cfd, (struct sockaddr *)&a, sizeof a), 0);
	p = (struct pollfd){ .fd = lfd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, WAIT_MS), 1);
	ck_assert_int_ge(afd = accept(lfd, NULL, NULL), 0);
	w.fd = cfd;
	ck_assert_int_eq(pthread_create(&th, NULL, write_all, &w), 0);
	/*
	 * The sender's kernel hands the veth 64 KiB aggregates (TSO): they
	 * cross as one frame each and are cut into segments by mid's egress.
	 */
	for (;;) {
		ssize_t k;

		p = (struct pollfd){ .fd = afd, .events = POLLIN };
		if (poll(&p, 1, WAIT_MS) != 1)
			break;
		if ((k = read(afd, buf, sizeof buf)) <= 0)
			break;
		for (ssize_t i = 0; i < k; i++)
			same &= buf[i] == (uint8_t)((got + (size_t)i) * 7 + 3);
		got += (size_t)k;
	}
	pthread_join(th, NULL);
	ck_assert_uint_eq(w.written, w.total);
	ck_assert_uint_eq(got, w.total);
	ck_assert_msg(same, "the stream arrived altered");
	ck_assert_uint_eq(if_stats(dp, ifn[M1]).tx_errors, 0);
	stop_dp(dp);
	close(afd);
	close(lfd);
	close(tx);
	close(rx);
}
END_TEST

/* Sends on the socket in arg until stop is set. */
struct blaster {
	int fd;
	atomic_bool stop;
	atomic_uint sent;
};

static void *
blast(void *arg)
{
	struct blaster *b = arg;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7013) };
	char buf[64] = { 0 };

	inet_pton(AF_INET, DST_IP, &a.sin_addr);
	while (!atomic_load(&b->stop)) {
		if (sendto(b->fd, buf, sizeof buf, 0, (struct sockaddr *)&a, sizeof a) > 0)
			atomic_fetch_add(&b->sent, 1);
	}
	return NULL;
}

START_TEST(publish_while_forwarding)
{
	struct vr_dataplane *dp = start_dp(NULL, 0);
	int rx = udp_rx(7013), fence = udp_rx(7113);
	struct blaster b = { .fd = udp_tx(-1, -1) };
	pthread_t th;
	struct trule prev[2];
	bool have_prev = false;
	uint64_t f0;

	sync_path(b.fd, fence, DST_IP, 7113);
	f0 = stats(dp).forwarded_packets;
	ck_assert_int_eq(pthread_create(&th, NULL, blast, &b), 0);
	/*
	 * Each publish replaces two rules and frees the old ones at once:
	 * if the thread still used them, ASan would say so.  Publishing goes
	 * on until the thread has forwarded a good many packets meanwhile.
	 */
	for (int i = 0; i < 200 || (stats(dp).forwarded_packets - f0 < 2000 && i < 2000000); i++) {
		struct trule cur[2];
		struct vr_dp_rule d[2];

		d[0] = make_rule(&cur[0], i % 2 ? "match destination-port 7013 then mark 8 action terminal"
		    : "match protocol udp then action sample-terminal");
		d[1] = make_rule(&cur[1], "match destination-port 1-1000 then discard");
		ck_assert_int_eq(vr_dp_publish(dp, d, 2), 0);
		if (have_prev) {
			free_rule(&prev[0]);
			free_rule(&prev[1]);
		}
		memcpy(prev, cur, sizeof prev);
		have_prev = true;
	}
	ck_assert_int_eq(vr_dp_publish(dp, NULL, 0), 0);
	free_rule(&prev[0]);
	free_rule(&prev[1]);
	atomic_store(&b.stop, true);
	pthread_join(th, NULL);
	ck_assert_uint_ge(stats(dp).forwarded_packets - f0, 2000);
	/* The path still works with no rule. */
	sync_path(b.fd, fence, DST_IP, 7113);
	stop_dp(dp);
	close(b.fd);
	close(rx);
	close(fence);
}
END_TEST

START_TEST(bad_configurations)
{
	const char *lo[] = { "lo" }, *none[] = { "fcdp-no-such-if" };
	const char *ok[] = { ifn[M0] }, *twice[] = { ifn[M0], ifn[M0] };
	struct vr_route far = { .prefix = 0x0a630000, .plen = 16, .via = 0x0a0a0a0a };
	struct vr_route bad = { .prefix = 0x0a630001, .plen = 16, .via = 0x0a4d0102 };
	struct vr_redirect rd = { .ifname = "eth-nowhere", .via = 1 };
	struct {
		struct vr_dataplane_config c;
		const char *want;
	} cases[] = {
		{ { .ifnames = lo, .n_ifnames = 1 }, "not an Ethernet" },
		{ { .ifnames = none, .n_ifnames = 1 }, "fcdp-no-such-if" },
		{ { .ifnames = twice, .n_ifnames = 2 }, "twice" },
		{ { .ifnames = ok, .n_ifnames = 1, .routes = &far, .n_routes = 1 }, "no data interface's subnet" },
		{ { .ifnames = ok, .n_ifnames = 1, .routes = &bad, .n_routes = 1 }, "not a prefix" },
		{ { .ifnames = ok, .n_ifnames = 1, .redirects = &rd, .n_redirects = 1 }, "eth-nowhere" },
		{ { .ifnames = ok, .n_ifnames = 0 }, "no data interface" },
	};
	int back;

	ck_assert_msg(setup_ok, "%s", setup_err);
	back = ns_enter(ns[MID]);
	ck_assert(back >= 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[256] = "";
		struct vr_dataplane *dp = vr_dp_new(&cases[i].c, err, sizeof err);

		if (dp != NULL) {
			vr_dp_free(dp);
			ns_leave(back);
			ck_abort_msg("case %zu was accepted", i);
		}
		if (strstr(err, cases[i].want) == NULL) {
			ns_leave(back);
			ck_abort_msg("case %zu: \"%s\" does not say \"%s\"", i, err, cases[i].want);
		}
	}
	/* A static route via a neighbour on a data subnet is fine. */
	struct vr_route good = { .prefix = 0x0a630000, .plen = 16, .via = 0x0a4d0102 };
	struct vr_dataplane_config c = { .ifnames = ok, .n_ifnames = 1, .routes = &good, .n_routes = 1 };
	char err[256];
	struct vr_dataplane *dp = vr_dp_new(&c, err, sizeof err);
	ns_leave(back);
	ck_assert_msg(dp != NULL, "%s", err);
	/* Starting twice is refused; publishing bad rules too, leaving what was there. */
	ck_assert_int_eq(vr_dp_start(dp, err, sizeof err), 0);
	ck_assert_int_eq(vr_dp_start(dp, err, sizeof err), -1);
	struct vr_dp_rule nomatch = { 0 };
	errno = 0;
	ck_assert_int_eq(vr_dp_publish(dp, &nomatch, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(vr_dp_publish(NULL, NULL, 0), -1);
	ck_assert_int_eq(vr_dp_publish(dp, NULL, 1), -1);
	ck_assert_uint_eq(vr_dp_read_stats(NULL, NULL, NULL, 0), 0);
	vr_dp_free(dp);
	vr_dp_free(NULL);
	ck_assert_ptr_null(vr_dp_new(NULL, err, sizeof err));
}
END_TEST

START_TEST(nothing_in_the_host_namespace)
{
	ck_assert_msg(setup_ok, "%s", setup_err);
	/* Every link was made inside the namespaces: none may exist out here. */
	for (int i = 0; i < 6; i++)
		ck_assert_msg(if_nametoindex(ifn[i]) == 0,
		    "interface %s exists in the host's namespace", ifn[i]);
}
END_TEST

/* Returns "" if the test can run here, or what is missing. */
static const char *
missing(void)
{
	if (geteuid() != 0)
		return "root (network namespaces, veths and packet sockets)";
	if (sh("ip -V >/dev/null 2>&1") != 0)
		return "the ip command (Debian package iproute2)";
	if (sh("ip netns list >/dev/null 2>&1") != 0)
		return "network namespaces (ip netns list fails)";
	return "";
}

int
main(void)
{
	Suite *s = suite_create("test_dataplane");
	TCase *tc = tcase_create("dataplane");
	const char *what = missing();
	const char *names[6] = { "s0", "m0", "m1", "d0", "m2", "d1" };
	int rc, left;

	if (*what != '\0') {
		fprintf(stderr, "test_dataplane: cannot run without %s\n", what);
		return EXIT_FAILURE;
	}
	test_pid = getpid();
	snprintf(ns[SRC], sizeof ns[SRC], "fcdp.%d.src", (int)test_pid);
	snprintf(ns[MID], sizeof ns[MID], "fcdp.%d.mid", (int)test_pid);
	snprintf(ns[DST], sizeof ns[DST], "fcdp.%d.dst", (int)test_pid);
	for (int i = 0; i < 6; i++)
		snprintf(ifn[i], sizeof ifn[i], "fd%d%s", (int)test_pid % 10000000, names[i]);
	(void)sweep();
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, forwards_without_rules);
	tcase_add_test(tc, ping_both_ways);
	tcase_add_test(tc, node_traffic_is_the_kernels);
	tcase_add_test(tc, discard_drops_only_its_flow);
	tcase_add_test(tc, rate_limit_packets);
	tcase_add_test(tc, rate_limit_bytes);
	tcase_add_test(tc, mark_rewrites_dscp);
	tcase_add_test(tc, redirect_to_third_interface);
	tcase_add_test(tc, ttl_one_is_dropped);
	tcase_add_test(tc, no_route_is_counted);
	tcase_add_test(tc, terminal_goes_on);
	tcase_add_test(tc, spill_pays_the_walk);
	tcase_add_test(tc, tcp_stream_crosses);
	tcase_add_test(tc, publish_while_forwarding);
	tcase_add_test(tc, bad_configurations);
	tcase_add_test(tc, nothing_in_the_host_namespace);
	suite_add_tcase(s, tc);
	rc = fc_run_suite(s);
	left = sweep();
	if (left != 0) {
		fprintf(stderr, "test_dataplane: %d namespace(s) fcdp.%d.* left behind\n",
		    left, (int)test_pid);
		return EXIT_FAILURE;
	}
	for (int i = 0; i < 6; i++)
		if (if_nametoindex(ifn[i]) != 0) {
			fprintf(stderr, "test_dataplane: interface %s left behind\n", ifn[i]);
			return EXIT_FAILURE;
		}
	return rc;
}
