/*
 * test_bgp_listen.c - `flowcanary listen` ($FC_BIN) against a raw peer
 * over loopback: each malformed message is answered with its NOTIFICATION
 * (or a malformed attribute treated as withdraw) and the next session is
 * served; an UPDATE above 4096 octets is read whole once extended
 * messages are agreed; the hold timer expires; out of descriptors listen
 * waits instead of spinning; its drain after a NOTIFICATION is bounded;
 * many sessions from injects run side by side; SIGTERM ends the sessions
 * with Cease and listen exits 0.  The harness: session_support.h.
 */
#include <errno.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bgp/msg.h"
#include "bgp/update.h"
#include "bgp/wire.h"
#include "flowspec/nlri.h"
#include "session_support.h"

/* ------------------------------------------------------------------ */
/* listen and malformed input                                           */

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
/* Many sessions, from injects                                          */

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

/* ------------------------------------------------------------------ */
/* Hold timer                                                           */

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
/* What review found                                                    */

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

static Suite *
listen_suite(void)
{
	Suite *s = suite_create("test_bgp_listen");
	TCase *tc = session_tcase(s, "listen", 30);

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
	return s;
}

int
main(void)
{
	return session_main(listen_suite());
}
