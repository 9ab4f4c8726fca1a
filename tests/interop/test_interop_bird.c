/*
 * test_interop_bird.c - flowcanary and BIRD 2.0.12, both ways.
 *
 * flowcanary_to_bird: bird, passive, in namespace b with flow4 and flow6
 * tables (flowspec validation off, as it is by default for eBGP as well:
 * with "validate on" and no IP route to the destinations BIRD still
 * imports the rules, but as unreachable, invalid routes); `flowcanary inject`
 * announces the single-rule vectors of flowspec-nlri.jsonl and a few
 * action combinations no vector has, in rounds (a table holds one route
 * per NLRI, and nine vectors share destination 203.0.113.7/32).  `birdc
 * show route table flowtab4 all` (and flowtab6) is compared rule by rule
 * with our rules rendered in BIRD's flow syntax (bird_view.c).
 *
 * bird_to_flowcanary: bird, active, announces static flow4/flow6 routes
 * written from our rules by the same renderer (BIRD's configuration reads
 * its display syntax) to `flowcanary listen`; every "announce" line is
 * parsed back and compared with the rules, End-of-RIB must come for both
 * families, and disabling the static protocols must withdraw exactly
 * those rules.  The rules: the vectors whose source is BIRD, then
 * every other vector with a match of its own that BIRD's configuration can
 * write (ranges, OR terms, bitmasks, fragments, IPv6 prefixes with
 * offsets 32, 64 and 65), and the extra rules.
 *
 * What BIRD 2.0.12 does that the RFCs do not say, asserted here:
 *  - its text for an IPv6 prefix with an offset puts the RFC 8956 pattern
 *    at octet offset/8 without shifting it by offset%8: the RFC example
 *    "source ::1234:5678:9a00:0/104 offset 65" shows (and must be
 *    configured) as "src ::2468:acf1:3400:0/104 offset 65"; on the wire
 *    BIRD is right both ways;
 *  - it refuses the 2013 rule (a 4-octet packet length, which RFC 8955
 *    does not allow): "Invalid flow route: Exceed maximal value length",
 *    NOTIFICATION 3/1 and a session reset, so every rule of that session
 *    is lost (it is sent alone);
 *  - its configuration cannot write some rules at all: a fragment term
 *    without "=" (GoBGP's is-fragment: match any bit) or "not-a-fragment"
 *    (a bitmask of 0); BIRD shows the first as "!!is_fragment".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bird_view.h"
#include "harness.h"
#include "listen_view.h"
#include "support.h"

/* Rules no vector has: IT_ACTION_RULES, then those of this test. */
static const char *const extra_rules[] = {
	IT_ACTION_RULES,
	/* 241 octets: a two-octet NLRI length (BIRD's display cuts it at 256 characters). */
	"match destination-port ==1000 ==1001 ==1002 ==1003 ==1004 ==1005 ==1006 ==1007 "
	"==1008 ==1009 ==1010 ==1011 ==1012 ==1013 ==1014 ==1015 ==1016 ==1017 ==1018 "
	"==1019 ==1020 ==1021 ==1022 ==1023 ==1024 ==1025 ==1026 ==1027 ==1028 ==1029 "
	"==1030 ==1031 ==1032 ==1033 ==1034 ==1035 ==1036 ==1037 ==1038 ==1039 ==1040 "
	"==1041 ==1042 ==1043 ==1044 ==1045 ==1046 ==1047 ==1048 ==1049 ==1050 ==1051 "
	"==1052 ==1053 ==1054 ==1055 ==1056 ==1057 ==1058 ==1059 ==1060 ==1061 ==1062 "
	"==1063 ==1064 ==1065 ==1066 ==1067 ==1068 ==1069 ==1070 ==1071 ==1072 ==1073 "
	"==1074 ==1075 ==1076 ==1077 ==1078 ==1079 then discard",
};

/* ---- the renderer, against what BIRD 2.0.12 printed --------------------- */

/* Lines BIRD 2.0.12 printed (show route table flowtabN all) for rules GoBGP, ExaBGP and flowcanary sent it. */
static const struct {
	const char *rule, *bird;
} seen[] = {
	{ "match source 10.2.0.0/16 fragment =dont-fragment &!last-fragment then discard",
	  "flow4 { src 10.2.0.0/16; fragment dont_fragment && !last_fragment; } => (generic, 0x80060000, 0x0)" },
	{ "match source 10.1.0.0/16 fragment is-fragment first-fragment then mark 10",
	  "flow4 { src 10.1.0.0/16; fragment !!is_fragment || !!first_fragment; } => (generic, 0x80090000, 0xa)" },
	{ "match destination 198.51.100.0/24 protocol ==tcp destination-port >=137&<=139 ==8080 then rate-limit 1000",
	  "flow4 { dst 198.51.100.0/24; proto 6; dport 137..139,8080; } => (generic, 0x80060000, 0x447a0000)" },
	{ "match destination 203.0.113.0/24 protocol ==tcp tcp-flags S !A then redirect 65000:100",
	  "flow4 { dst 203.0.113.0/24; proto 6; tcp flags !0x0/0x2 || 0x0/0x10; } => (generic, 0x8008fde8, 0x64)" },
	{ "match destination 203.0.113.128/25 tcp-flags =S &=A then accept",
	  "flow4 { dst 203.0.113.128/25; tcp flags 0x2/0x2 && 0x10/0x10; }" },
	{ "match destination 10.13.0.0/16 port <1024 >=2000&<3000 then accept",
	  "flow4 { dst 10.13.0.0/16; port < 1024 || >= 2000 && < 3000; }" },
	{ "match destination 10.10.0.0/16 then redirect 10.0.0.1:100",
	  "flow4 { dst 10.10.0.0/16; } => (generic, 0x81080a00, 0x10064)" },
	{ "match destination 192.0.2.16/28 protocol ==6 ==17 source-port >1023 then rate-limit 1000 redirect 65000:100 mark 10 action sample-terminal",
	  "flow4 { dst 192.0.2.16/28; proto 6,17; sport > 1023; } => (generic, 0x80060000, 0x447a0000) (generic, 0x80070000, 0x3) (generic, 0x8008fde8, 0x64) (generic, 0x80090000, 0xa)" },
	{ "match destination 192.0.2.128/25 packet-length >=1000&<=1500 then action sample",
	  "flow4 { dst 192.0.2.128/25; length 1000..1500; } => (generic, 0x80070000, 0x2)" },
	{ "match destination-port >=80&<=80 >=443&<=443 then discard",
	  "flow4 { dport 80..80,443..443; } => (generic, 0x80060000, 0x0)" },
	{ "match fragment not-a-fragment then discard",
	  "flow4 { fragment !0x0/0x0; } => (generic, 0x80060000, 0x0)" },
	{ "match packet-length !=100 then discard",
	  "flow4 { length != 100; } => (generic, 0x80060000, 0x0)" },
	{ "match destination 2001:db8:3::/48 protocol ==udp destination-port >=137&<=139 ==8080 then mark 10",
	  "flow6 { dst 2001:db8:3::/48; next header 17; dport 137..139,8080; } => (generic, 0x80090000, 0xa)" },
	{ "match destination 2001:db8:2::/64 flow-label ==1234 then redirect 65000:100",
	  "flow6 { dst 2001:db8:2::/64; label 1234; } => (generic, 0x8008fde8, 0x64)" },
	{ "match destination 2001:db8::/64 offset 32 then discard",
	  "flow6 { dst ::/64 offset 32; } => (generic, 0x80060000, 0x0)" },
	{ "match destination 2001:db8::/32 source ::1234:5678:9a00:0/104 offset 64 protocol ==tcp",
	  "flow6 { dst 2001:db8::/32; src ::1234:5678:9a00:0/104 offset 64; next header 6; }" },
	/* BIRD's text for a bit offset that is not a multiple of 8: see the top. */
	{ "match destination 2001:db8::/32 source ::1234:5678:9a00:0/104 offset 65",
	  "flow6 { dst 2001:db8::/32; src ::2468:acf1:3400:0/104 offset 65; }" },
};

START_TEST(bird_renderer)
{
	for (size_t i = 0; i < G_N_ELEMENTS(seen); i++) {
		struct fs_rule r;
		fs_rule_init(&r, 0);
		fc_parse_or_fail(seen[i].rule, 0, &r);
		char *e = bird_render_entry(&r);
		ck_assert_msg(strcmp(e, seen[i].bird) == 0, "%s\n  rendered:    %s\n"
		    "  BIRD 2.0.12: %s", seen[i].rule, e, seen[i].bird);
		g_free(e);
		fs_rule_free(&r);
	}
	/* The configuration's variant: bare values only where they may be OR-ed. */
	struct fs_rule r;
	fs_rule_init(&r, 0);
	fc_parse_or_fail("match destination-port ==80 >=100&<=200 >=300 packet-length >1&==5", 0, &r);
	char *c = bird_render_flow(&r, true, NULL), *d = bird_render_flow(&r, false, NULL);
	ck_assert_str_eq(d, "flow4 { dport 80,100..200,>= 300; length > 1 && 5; }");
	ck_assert_str_eq(c, "flow4 { dport 80 || 100..200 || >= 300; length > 1 && = 5; }");
	g_free(c);
	g_free(d);
	fs_rule_free(&r);
}
END_TEST

/* ---- helpers ------------------------------------------------------------ */

/* Runs birdc on the lab's control socket `sock`; returns its output (g_free). */
static char *
birdc(const struct it_lab *lab, const char *sock, const char *cmd, int *status)
{
	char *path = it_path(lab, sock);
	gchar **words = g_strsplit(cmd, " ", -1);
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, (gpointer)BIRDC_BIN);
	g_ptr_array_add(argv, (gpointer)"-s");
	g_ptr_array_add(argv, path);
	for (size_t i = 0; words[i] != NULL; i++)
		g_ptr_array_add(argv, words[i]);
	g_ptr_array_add(argv, NULL);
	char *out = it_run(NULL, (const char *const *)argv->pdata, status, 10);
	g_ptr_array_free(argv, TRUE);
	g_strfreev(words);
	g_free(path);
	return out;
}

/* Starts bird in the foreground in namespace b with the lab file `conf`. */
static GPid
start_bird(struct it_lab *lab, const char *conf, const char *sock, const char *log)
{
	char *c = it_path(lab, conf), *s = it_path(lab, sock);
	char *pid = g_strdup_printf("%s.pid", s);
	const char *argv[] = { BIRD_BIN, "-f", "-c", c, "-s", s, "-P", pid, NULL };
	GPid p = it_spawn(lab, lab->ns_b, log, argv, NULL);
	g_free(c);
	g_free(s);
	g_free(pid);
	return p;
}

/* Reads BIRD's entries of both flow tables; *n gets -1 if birdc failed. */
static GPtrArray *
bird_entries(const struct it_lab *lab, const char *sock, int *n, GString *raw)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(g_free);
	*n = 0;
	for (int fam = FS_IPV4; fam <= FS_IPV6; fam++) {
		int st;
		char *out = birdc(lab, sock, fam == FS_IPV4 ? "show route table flowtab4 all" :
		    "show route table flowtab6 all", &st);
		if (st != 0)
			*n = -1;
		if (raw != NULL)
			g_string_append_printf(raw, "\n--- birdc show route table flowtab%c "
			    "all (status %d):\n%s", fam == FS_IPV4 ? '4' : '6', st, out);
		GPtrArray *e = bird_parse_routes(out);
		for (guint i = 0; i < e->len; i++)
			g_ptr_array_add(all, g_strdup(e->pdata[i]));
		g_ptr_array_unref(e);
		g_free(out);
	}
	if (*n == 0)
		*n = (int)all->len;
	return all;
}

/* Returns how many routes the lab's BIRD (bird.ctl) holds in both flow tables, or -1. */
static int
bird_routes(struct it_lab *lab)
{
	int n;
	g_ptr_array_unref(bird_entries(lab, "bird.ctl", &n, NULL));
	return n;
}

struct proto_wait {
	const char *sock, *proto, *state;
};

/* True when `birdc show protocols PROTO` shows STATE ("Passive", "Established"). */
static bool
bird_proto(struct it_lab *lab, void *ud)
{
	struct proto_wait *w = ud;
	char cmd[64];
	int st;
	snprintf(cmd, sizeof cmd, "show protocols %s", w->proto);
	char *out = birdc(lab, w->sock, cmd, &st);
	bool ok = st == 0 && strstr(out, w->state) != NULL;
	g_free(out);
	return ok;
}

/* ---- flowcanary inject -> bird ------------------------------------------ */

static const char bird_rcv_conf[] =
    "log \"%s/bird.log\" all;\n"
    "router id " IT_IP_B ";\n"
    "flow4 table flowtab4;\n"
    "flow6 table flowtab6;\n"
    "protocol device { }\n"
    "protocol bgp fc {\n"
    "  local " IT_IP_B " as " G_STRINGIFY(IT_AS_B) ";\n"
    "  neighbor " IT_IP_A " as " G_STRINGIFY(IT_AS_A) ";\n"
    "  passive on;\n"
    "  hold time 9;\n"
    "  keepalive time 3;\n"
    "  connect retry time 1;\n"
    "  error wait time 1, 5;\n"
    "  flow4 { table flowtab4; import all; export none; validate off; };\n"
    "  flow6 { table flowtab6; import all; export none; validate off; };\n"
    "}\n";

START_TEST(flowcanary_to_bird)
{
	it_require(BIRD_BIN, "bird2");
	it_require(BIRDC_BIN, "bird2");
	it_require(it_flowcanary(), "flowcanary (build it: ninja -C build)");

	GArray *rules = it_load_vectors(false, extra_rules, G_N_ELEMENTS(extra_rules));
	ck_assert_uint_gt(rules->len, 50);
	struct it_lab lab;
	it_lab_up(&lab);
	GString *fail = g_string_new(NULL);
	gint64 t0 = g_get_monotonic_time();
	struct proto_wait passive = { "bird.ctl", "fc", "Passive" };

	char *conf = g_strdup_printf(bird_rcv_conf, lab.dir);
	g_free(it_write(&lab, "bird.conf", conf, 0644));
	g_free(conf);
	start_bird(&lab, "bird.conf", "bird.ctl", "bird.out");

	unsigned nrounds = it_vec_rounds(rules, bird_refuses);
	for (unsigned k = 0; k < nrounds; k++) {
		char name[32], log[32];
		snprintf(name, sizeof name, "round-%u.rules", k);
		snprintf(log, sizeof log, "inject-%u.log", k);
		GPtrArray *want = it_write_round(&lab, name, rules, k, bird_refuses,
		    bird_render_entry);

		/* BIRD listens again only a moment after a session closed. */
		if (!it_wait(bird_proto, &lab, &passive, 15)) {
			g_string_append_printf(fail, "\nround %u: BIRD's protocol fc is not "
			    "Passive (listening) within 15 s", k);
			g_ptr_array_unref(want);
			goto out;
		}
		GPid pid = it_inject_start(&lab, name, NULL, log);
		struct it_count_wait w = { .count = bird_routes, .want = (int)want->len };
		bool filled = it_wait(it_count_reached, &lab, &w, 15);
		GString *raw = g_string_new(NULL);
		int n;
		GPtrArray *got = bird_entries(&lab, "bird.ctl", &n, raw);
		char *d = it_compare_entries(want, got, "BIRD");
		if (!filled || d != NULL) {
			g_string_append_printf(fail, "\nround %u (%s, %u rules): BIRD holds "
			    "%d routes%s%s%s", k, name, want->len, n,
			    d ? "; its tables differ from what flowcanary sent:" : "",
			    d ? d : "", raw->str);
			it_append_log(&lab, fail, log, 2000);
		}
		g_free(d);
		g_string_free(raw, TRUE);
		g_ptr_array_unref(got);
		g_ptr_array_unref(want);

		if (!it_end_round(&lab, pid, k, bird_routes, "BIRD", fail))
			goto out;	/* the next rounds would be compared with leftovers */
	}

	/*
	 * What BIRD refuses, each rule alone: BIRD logs "Invalid flow route:
	 * Exceed maximal value length" and resets the session with
	 * NOTIFICATION 3/1 (UPDATE Message Error, Malformed Attribute List).
	 */
	unsigned nrefused = 0;
	for (guint i = 0; i < rules->len; i++) {
		const struct it_vec *x = &g_array_index(rules, struct it_vec, i);
		const char *why = bird_refuses(&x->rule);
		if (why == NULL)
			continue;
		if (!it_wait(bird_proto, &lab, &passive, 15))
			g_string_append(fail, "\nBIRD's protocol fc is not Passive within 15 s");
		char *out;
		int st = it_inject_refused(&lab, x, nrefused++, &out);
		int left = bird_routes(&lab);
		if (st != 4 || strstr(out, "NOTIFICATION 3/1") == NULL || left != 0) {
			char *o = it_vec_origin(x);
			GString *raw = g_string_new(NULL);
			g_ptr_array_unref(bird_entries(&lab, "bird.ctl", &left, raw));
			g_string_append_printf(fail, "\n%s (%s): BIRD 2.0.12 refuses %s, so "
			    "inject should exit with 4 after a NOTIFICATION 3/1 and BIRD "
			    "hold nothing; inject exited with %d (%s) and BIRD holds %d "
			    "routes%s", o, x->text, why, st, g_strstrip(out), left, raw->str);
			g_string_free(raw, TRUE);
			g_free(o);
		}
		g_free(out);
	}
	if (nrefused == 0)	/* the 2013 rule */
		g_string_append(fail, "\nno rule BIRD refuses: bird_refuses() is broken");
	char *blog = it_read(&lab, "bird.log");
	if (strstr(blog, "Invalid flow route: Exceed maximal value length") == NULL)
		g_string_append(fail, "\nBIRD did not log \"Invalid flow route: Exceed "
		    "maximal value length\" for the 2013 rule");
	g_free(blog);
	fprintf(stderr, "flowcanary -> BIRD: %u rounds and %u refused rules of %u "
	    "in %.1f s\n", nrounds, nrefused, rules->len,
	    (double)(g_get_monotonic_time() - t0) / 1e6);

out:
	it_sanitizer_check_all(&lab, fail);
	if (fail->len > 0) {
		it_append_log(&lab, fail, "bird.log", 4000);
		it_append_log(&lab, fail, "bird.out", 1000);
	}
	it_free_vectors(rules);
	it_finish(&lab, fail, NULL);
}
END_TEST

/* ---- bird -> flowcanary listen ------------------------------------------ */

static const char bird_snd_head[] =
    "log \"%s/bird.log\" all;\n"
    "router id " IT_IP_B ";\n"
    "flow4 table flowtab4;\n"
    "flow6 table flowtab6;\n"
    "protocol device { }\n";

static const char bird_snd_tail[] =
    "protocol bgp fc {\n"
    "  local " IT_IP_B " as " G_STRINGIFY(IT_AS_B) ";\n"
    "  neighbor " IT_IP_A " as " G_STRINGIFY(IT_AS_A) ";\n"
    "  hold time 9;\n"
    "  keepalive time 3;\n"
    "  connect delay time 1;\n"
    "  connect retry time 1;\n"
    "  error wait time 1, 5;\n"
    "  flow4 { table flowtab4; import none; export all; };\n"
    "  flow6 { table flowtab6; import none; export all; };\n"
    "}\n";

struct listen_wait {
	unsigned eor4, eor6, withdraw, want_withdraw;
};

static bool
listen_eor(struct it_lab *lab, void *ud)
{
	struct listen_wait *w = ud;
	w->eor4 = it_count_events(lab, "listen.log", "eor", "ipv4");
	w->eor6 = it_count_events(lab, "listen.log", "eor", "ipv6");
	return w->eor4 > 0 && w->eor6 > 0;
}

static bool
listen_withdrawn(struct it_lab *lab, void *ud)
{
	struct listen_wait *w = ud;
	w->withdraw = it_count_events(lab, "listen.log", "withdraw", NULL);
	return w->withdraw >= w->want_withdraw;
}

START_TEST(bird_to_flowcanary)
{
	it_require(BIRD_BIN, "bird2");
	it_require(BIRDC_BIN, "bird2");

	GArray *rules = it_load_vectors(true, extra_rules, G_N_ELEMENTS(extra_rules));
	ck_assert_uint_gt(rules->len, 50);
	GArray *use = g_array_new(FALSE, FALSE, sizeof(guint));

	/*
	 * The rules, one per match: BIRD's own vectors first, then the others
	 * BIRD's configuration can write.
	 */
	GString *skipped = g_string_new(NULL);
	for (int pass = 0; pass < 2; pass++)
		for (guint i = 0; i < rules->len; i++) {
			const struct it_vec *x = &g_array_index(rules, struct it_vec, i);
			bool from_bird = g_str_has_prefix(x->source, "BIRD");
			if (from_bird != (pass == 0))
				continue;
			bool dup = false;
			for (guint k = 0; k < use->len && !dup; k++) {
				const struct it_vec *e = &g_array_index(rules, struct it_vec,
				    g_array_index(use, guint, k));
				dup = e->rule.family == x->rule.family &&
				    fs_rule_match_equal(&e->rule, &x->rule);
			}
			GString *why = g_string_new(NULL);
			char *route = dup ? NULL : bird_render_route(&x->rule, why);
			if (route != NULL)
				g_array_append_val(use, i);
			else if (!dup)
				g_string_append_printf(skipped, "\n  %s: %s", x->text, why->str);
			/* BIRD's own vectors must all be writable. */
			ck_assert_msg(!from_bird || route != NULL || dup, "BIRD's vector "
			    "line %u (%s) cannot be written as BIRD configuration: %s",
			    x->line, x->text, why->str);
			g_string_free(why, TRUE);
			g_free(route);
		}
	fprintf(stderr, "BIRD -> flowcanary: %u rules; left out, as BIRD's "
	    "configuration cannot write them:%s\n", use->len, skipped->str);
	g_string_free(skipped, TRUE);

	GString *conf = g_string_new(NULL);	/* the static protocols, then the rest */
	size_t nwant = use->len, nwd_want = 0;
	struct fs_rule *want = g_new0(struct fs_rule, nwant + 1);
	struct fs_rule *want_wd = g_new0(struct fs_rule, nwant + 1);	/* match only */
	for (int fam = FS_IPV4; fam <= FS_IPV6; fam++) {
		g_string_append_printf(conf, "protocol static fs%d {\n  flow%d { table "
		    "flowtab%d; };\n", fam == FS_IPV4 ? 4 : 6, fam == FS_IPV4 ? 4 : 6,
		    fam == FS_IPV4 ? 4 : 6);
		for (guint k = 0; k < use->len; k++) {
			const struct it_vec *x = &g_array_index(rules, struct it_vec,
			    g_array_index(use, guint, k));
			if (x->rule.family != fam)
				continue;
			char *route = bird_render_route(&x->rule, NULL);
			char *o = it_vec_origin(x);
			g_string_append_printf(conf, "  # %s: %s\n  %s\n", o, x->text, route);
			g_free(o);
			g_free(route);
			fs_rule_init(&want[k], fam);
			ck_assert_int_eq(fs_rule_copy(&want[k], &x->rule), 0);
			fs_rule_init(&want_wd[nwd_want], fam);
			ck_assert_int_eq(fs_rule_copy(&want_wd[nwd_want], &x->rule), 0);
			want_wd[nwd_want++].nactions = 0;	/* a withdraw carries no actions */
		}
		g_string_append(conf, "}\n");
	}
	g_string_append(conf, bird_snd_tail);

	struct it_lab lab;
	it_lab_up(&lab);
	GString *fail = g_string_new(NULL);
	gint64 t0 = g_get_monotonic_time();
	char *head = g_strdup_printf(bird_snd_head, lab.dir);
	g_string_prepend(conf, head);
	g_free(head);
	g_free(it_write(&lab, "bird.conf", conf->str, 0644));
	g_string_free(conf, TRUE);

	it_listen_start(&lab, "listen.log");
	start_bird(&lab, "bird.conf", "bird.ctl", "bird.out");

	struct listen_wait w = { 0 };
	if (!it_wait(listen_eor, &lab, &w, 20)) {
		g_string_append_printf(fail, "\nno End-of-RIB from BIRD within 20 s "
		    "(ipv4: %u, ipv6: %u)", w.eor4, w.eor6);
		goto out;
	}
	lv_expect_rules(&lab, "listen.log", "announce", want, nwant, "the rules listen "
	    "received from BIRD differ from those BIRD was configured with", fail);
	lv_expect_conformant(&lab, "listen.log", fail);
	unsigned bad = it_count_events(&lab, "listen.log", "malformed", NULL) +
	    it_count_events(&lab, "listen.log", "update-error", NULL) +
	    it_count_events(&lab, "listen.log", "down", NULL);
	if (bad != 0)
		g_string_append_printf(fail, "\nlisten printed %u malformed, update-error "
		    "or down lines", bad);
	if (w.eor4 != 1 || w.eor6 != 1)
		g_string_append_printf(fail, "\nexpected one End-of-RIB per family, "
		    "got %u (ipv4) and %u (ipv6)", w.eor4, w.eor6);

	/* Disabling the static protocols withdraws exactly their rules. */
	int st4, st6;
	g_free(birdc(&lab, "bird.ctl", "disable fs4", &st4));
	g_free(birdc(&lab, "bird.ctl", "disable fs6", &st6));
	w.want_withdraw = (unsigned)nwd_want;
	if (st4 != 0 || st6 != 0 || !it_wait(listen_withdrawn, &lab, &w, 10))
		g_string_append_printf(fail, "\n`birdc disable fs4|fs6` (status %d, %d): "
		    "listen printed %u withdraw lines within 10 s, expected %zu", st4,
		    st6, w.withdraw, nwd_want);
	g_usleep(300000);	/* anything more would show by now */
	size_t nwd = lv_expect_rules(&lab, "listen.log", "withdraw", want_wd, nwd_want,
	    "the withdraws differ from the rules BIRD announced", fail);
	fprintf(stderr, "BIRD -> flowcanary: %zu rules and %zu withdraws in %.1f s\n",
	    nwant, nwd, (double)(g_get_monotonic_time() - t0) / 1e6);

out:
	it_sanitizer_check_all(&lab, fail);
	if (fail->len > 0) {
		it_append_log(&lab, fail, "listen.log", 6000);
		it_append_log(&lab, fail, "bird.log", 3000);
		it_append_log(&lab, fail, "bird.out", 1000);
		it_append_log(&lab, fail, "bird.conf", 8000);
	}
	for (size_t k = 0; k < nwant; k++)
		fs_rule_free(&want[k]);
	for (size_t k = 0; k < nwd_want; k++)
		fs_rule_free(&want_wd[k]);
	g_free(want);
	g_free(want_wd);
	g_array_free(use, TRUE);
	it_free_vectors(rules);
	it_finish(&lab, fail, NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("interop_bird");
	TCase *tr = tcase_create("renderer");
	tcase_add_test(tr, bird_renderer);
	suite_add_tcase(s, tr);
	TCase *tc = tcase_create("bird");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, flowcanary_to_bird);
	tcase_add_test(tc, bird_to_flowcanary);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
