/*
 * test_bgp_inject.c - `flowcanary inject` ($FC_BIN) against a raw peer
 * over loopback: it sends every rule once then End-of-RIB, again on
 * ROUTE-REFRESH (a flood of them answered once); withdraws after --hold;
 * uses extended messages only when both offer them; gives up, exit 4, on a
 * family the peer does not take, a refusal, a drop, a wrong peer AS or the
 * connect timeout, retrying with a growing, jittered backoff until then;
 * sends one route per match, the later rule's (also through the session
 * library); never a NOTIFICATION inside a half-sent UPDATE; a second
 * signal ends it at once.  The harness: session_support.h.
 */
#include <arpa/inet.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bgp/msg.h"
#include "bgp/session.h"
#include "bgp/update.h"
#include "bgp/wire.h"
#include "flowspec/nlri.h"
#include "session_support.h"

/* ------------------------------------------------------------------ */
/* inject against a raw peer                                            */

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
/* Reconnect backoff                                                    */

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
/* Bad Peer AS, seen from inject                                        */

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
/* What review found                                                    */

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

static Suite *
inject_suite(void)
{
	Suite *s = suite_create("test_bgp_inject");
	TCase *tc = session_tcase(s, "inject", 30);

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
	return s;
}

int
main(void)
{
	return session_main(inject_suite());
}
