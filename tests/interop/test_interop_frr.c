/*
 * test_interop_frr.c - flowcanary inject -> FRR 8.4 bgpd.
 *
 * bgpd runs alone (-Z, no zebra) in namespace b as a passive receiver of
 * ipv4 and ipv6 flowspec, with its configuration, vty socket and pid file
 * in the lab's directory (-S: no user switch, so nothing under /etc/frr or
 * /var/run/frr is touched; bgpd keeps a crash-log directory in
 * /var/tmp/frr/bgpd.PID while it runs and removes it when it stops).
 * `flowcanary inject` announces the single-rule vectors of
 * flowspec-nlri.jsonl, plus a few action combinations no vector has; FRR's
 * table is read with vtysh (`show bgp ipv4 flowspec json` for the keys,
 * `... detail` for the actions) and compared rule by rule with the same
 * rules rendered the way FRR 8.4 displays them (frr_view.c).
 *
 * A table holds one route per NLRI and several vectors share a match
 * (nine for destination 203.0.113.7/32, one per action), so the rules go
 * in rounds: round k holds the k-th rule of each match, one inject session
 * per round, each checked and closed before the next.
 *
 * What FRR 8.4 does that the RFCs do not say, asserted here:
 *  - it refuses an IPv6 prefix with an offset in the RFC 8956 form (it
 *    reads the pre-RFC form), a numeric "!=" (lt+gt) term, and any
 *    component of more than five terms: NOTIFICATION 3/9 and a session
 *    reset, so every rule of that session is lost (each such rule is sent
 *    alone);
 *  - it takes the 2013 rule (packet-length in 4-octet values, which RFC
 *    8955 allows only in 1 or 2) and displays it as sent;
 *  - it shows every traffic-action (sample, terminal, both) as
 *    "FS:action eval stops": it reads the wrong octet;
 *  - it shows redirect 4200000000:100 as "RT:4200000000:1" (a 16-octet
 *    buffer), and the AS of a rate limit not at all;
 *  - it shows rate-limit-packets (0x800c) as "UNK:128, 12";
 *  - it advertises flowspec routes back to the peer they came from, and
 *    writes the length of an NLRI of 240 octets or more in one octet;
 *  - `show bgp ipv6 flowspec detail` of a legal 259-octet rule kills
 *    bgpd (stack smashing: the rule's text overruns a 512-octet buffer).
 *    The routers-crash-on-a-rule kind of fault flowcanary exists to find.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/text.h"
#include "frr_view.h"
#include "harness.h"
#include "support.h"

/* Rules no vector has: IT_ACTION_RULES, then those of this test. */
static const char *const extra_rules[] = {
	IT_ACTION_RULES,
	/* FRR takes five terms in a component, and no more. */
	"match destination 198.51.100.6/32 destination-port ==1000 ==1001 ==1002 ==1003 ==1004 then discard",
	"match destination 198.51.100.7/32 destination-port ==1000 ==1001 ==1002 ==1003 ==1004 ==1005 then discard",
};

/*
 * A legal IPv6 rule of 259 octets (RFC 8955 allows 4095): a two-octet
 * NLRI length, five terms per component.  FRR 8.4 takes it, then:
 *  - `show bgp ipv6 flowspec detail` kills bgpd ("*** stack smashing
 *    detected ***"): bgp_fs_nlri_get_string writes the rule's text, here
 *    longer than its 512-octet BGP_FLOWSPEC_STRING_DISPLAY_MAX buffer,
 *    without a bound that holds;
 *  - when FRR advertises it (back to flowcanary, the peer it came from,
 *    unless an outbound policy stops it) it writes the NLRI length in one
 *    octet: 259 becomes 0x03, and the rest of the attribute is misread by
 *    any receiver (flowcanary resets the session: NOTIFICATION 3/9).
 */
static const char long_rule[] =
    "match destination 2001:db8:1:2:3:4:5:6/128 source 2001:db8:a:b:c:d:e:f/128 "
    "protocol ==6 ==17 ==1 ==58 ==47 port ==80/4 ==81/4 ==82/4 ==83/4 ==84/4 "
    "destination-port ==90/4 ==91/4 ==92/4 ==93/4 ==94/4 "
    "source-port >=1000/4&<=1999/4 >=3000/4&<=3999/4 ==5000/4 "
    "icmp-type ==1 ==2 ==3 ==4 ==128 icmp-code ==0 ==1 ==2 ==3 ==4 "
    "tcp-flags =S/2 =A/2 !R/2 =F/2 &!U/2 "
    "packet-length >=40/4&<=1500/4 >=9000/4&<=9100/4 ==0/4 "
    "dscp ==0 ==10 ==18 ==26 ==46 "
    "fragment =is-fragment =first-fragment =last-fragment !is-fragment &!last-fragment "
    "flow-label ==1/8 ==2/8 ==3/8 ==4/8 ==5/8 then discard";

/* The key FRR 8.4.4 showed for long_rule. */
static const char long_rule_key[] =
    "to 2001:db8:1:2:3:4:5:6/128/off 0 from 2001:db8:a:b:c:d:e:f/128/off 0 "
    "proto = 6 , = 17 , = 1 , = 58 , = 47  port = 80 , = 81 , = 82 , = 83 , = 84  "
    "dstp = 90 , = 91 , = 92 , = 93 , = 94  "
    "srcp >= 1000 , <= 1999 , >= 3000 , <= 3999 , = 5000  "
    "type = 1 , = 2 , = 3 , = 4 , = 128  code = 0 , = 1 , = 2 , = 3 , = 4  "
    "tcp = 2,|= 16,|\u220b ! 4,|= 1,&\u220b ! 32 "
    "pktlen >= 40 , <= 1500 , >= 9000 , <= 9100 , = 0  "
    "dscp = 0 , = 10 , = 18 , = 26 , = 46  "
    "pktfrag = 2,|= 4,|= 8,|\u220b ! 2,&\u220b ! 8 "
    "flwlbl = 1 , = 2 , = 3 , = 4 , = 5 /259";

/* ---- the renderer, against what FRR 8.4 printed ------------------------- */

/*
 * Lines FRR 8.4.4 printed (show bgp ipv4|ipv6 flowspec json / detail),
 * for rules GoBGP, ExaBGP and flowcanary sent it.
 */
static const struct {
	const char *rule, *frr;
} seen[] = {
	{ "match destination 198.51.100.0/24 protocol ==tcp destination-port >=137&<=139 ==8080 then rate-limit 1000",
	  "to 198.51.100.0/24 proto = 6  dstp >= 137 , <= 139 , = 8080 /16 => FS:rate 1000.000000" },
	{ "match source 10.2.0.0/16 fragment =dont-fragment &!last-fragment then discard",
	  "from 10.2.0.0/16 pktfrag = 1,&\u220b ! 8/9 => FS:rate 0.000000" },
	{ "match source 10.1.0.0/16 fragment is-fragment first-fragment then mark 10",
	  "from 10.1.0.0/16 pktfrag \u220b 2,|\u220b 4/9 => FS:marking 10" },
	{ "match destination 203.0.113.0/24 protocol ==tcp tcp-flags S !A then redirect 65000:100",
	  "to 203.0.113.0/24 proto = 6  tcp \u220b 2,|\u220b ! 16/13 => FS:redirect VRF RT:65000:100" },
	{ "match destination 203.0.113.128/25 tcp-flags =S &=A then accept",
	  "to 203.0.113.128/25 tcp = 2,&= 16/11" },
	{ "match destination 192.0.2.32/27 protocol ==icmp icmp-type ==8 icmp-code ==0 then rate-limit 0",
	  "to 192.0.2.32/27 proto = 1  type = 8  code = 0 /15 => FS:rate 0.000000" },
	{ "match destination 192.0.2.16/28 protocol ==6 ==17 source-port >1023 then rate-limit 1000 redirect 65000:100 mark 10 action sample-terminal",
	  "to 192.0.2.16/28 proto = 6 , = 17  srcp > 1023 /15 => FS:rate 1000.000000 FS:action eval stops FS:redirect VRF RT:65000:100 FS:marking 10" },
	{ "match destination 192.0.2.128/25 packet-length >=1000&<=1500 then action sample",
	  "to 192.0.2.128/25 pktlen >= 1000 , <= 1500 /13 => FS:action eval stops" },
	{ "match destination 10.10.0.0/16 then redirect 10.0.0.1:100",
	  "to 10.10.0.0/16/4 => FS:redirect VRF RT:10.0.0.1:100" },
	{ "match destination 10.11.0.0/16 then redirect 4200000000:100",
	  "to 10.11.0.0/16/4 => FS:redirect VRF RT:4200000000:1" },
	{ "match destination 10.13.0.0/16 port <1024 >=2000&<3000 then accept",
	  "to 10.13.0.0/16 port < 1024 , >= 2000 , < 3000 /14" },
	{ "match destination 198.51.100.4/32 then rate-limit-packets 100",
	  "to 198.51.100.4/32/6 => UNK:128, 12" },
	{ "match destination 192.0.2.53/32 protocol ==udp packet-length >=99971&<=99985 then discard",
	  "to 192.0.2.53/32 proto = 17  pktlen >= 99971 , <= 99985 /20 => FS:rate 0.000000" },
	{ "match destination 2001:db8:2::/64 flow-label ==1234 then redirect 65000:100",
	  "to 2001:db8:2::/64/off 0 flwlbl = 1234 /15 => FS:redirect VRF RT:65000:100" },
	{ "match destination 2001:db8::1/128 source 2001:db8:ff::/48 then discard",
	  "to 2001:db8::1/128/off 0 from 2001:db8:ff::/48/off 0/28 => FS:rate 0.000000" },
};

START_TEST(frr_renderer)
{
	for (size_t i = 0; i < G_N_ELEMENTS(seen); i++) {
		struct fs_rule r;
		fs_rule_init(&r, 0);
		fc_parse_or_fail(seen[i].rule, 0, &r);
		char *e = frr_render_entry(&r);
		ck_assert_msg(e != NULL && strcmp(e, seen[i].frr) == 0,
		    "%s\n  rendered: %s\n  FRR 8.4:  %s", seen[i].rule, e ? e : "(null)",
		    seen[i].frr);
		g_free(e);
		fs_rule_free(&r);
	}
	struct fs_rule r;
	fs_rule_init(&r, 0);
	fc_parse_or_fail(long_rule, 0, &r);
	char *k = frr_render_key(&r);
	ck_assert_str_eq(k, long_rule_key);
	g_free(k);
	fs_rule_free(&r);
}
END_TEST

/* ---- flowcanary inject -> bgpd ------------------------------------------ */

static const char bgpd_conf[] =
    "frr defaults traditional\n"
    "hostname fcit-frr\n"
    "log file %s/bgpd.log informational\n"
    "!\n"
    "router bgp " G_STRINGIFY(IT_AS_B) "\n"
    " bgp router-id " IT_IP_B "\n"
    " no bgp ebgp-requires-policy\n"
    " no bgp default ipv4-unicast\n"
    " timers bgp 3 9\n"
    " neighbor " IT_IP_A " remote-as " G_STRINGIFY(IT_AS_A) "\n"
    " neighbor " IT_IP_A " passive\n"
    " neighbor " IT_IP_A " timers connect 1\n"
    " !\n"
    " address-family ipv4 flowspec\n"
    "  neighbor " IT_IP_A " activate\n"
    "%s"
    " exit-address-family\n"
    " !\n"
    " address-family ipv6 flowspec\n"
    "  neighbor " IT_IP_A " activate\n"
    "%s"
    " exit-address-family\n"
    "!\n"
    "route-map NOTHING deny 10\n"
    "!\n";

/*
 * FRR advertises what it learned back to flowcanary (it does not leave
 * out the peer a route came from); NOTHING keeps sessions one-way.
 */
static const char deny_out[] = "  neighbor " IT_IP_A " route-map NOTHING out\n";

/* Runs one vtysh command against the lab's bgpd; returns its output (g_free). */
static char *
vtysh(const struct it_lab *lab, const char *cmd, int *status)
{
	const char *argv[] = { FRR_VTYSH, "--vty_socket", lab->dir, "-d", "bgpd",
		"-c", cmd, NULL };
	return it_run(NULL, argv, status, 10);
}

static bool
bgpd_ready(struct it_lab *lab, void *ud)
{
	int st;
	char *out = vtysh(lab, "show bgp summary json", &st);
	bool ok = st == 0 && strstr(out, IT_IP_A) != NULL;
	g_free(out);
	return ok;
}

/* Returns how many routes FRR holds in both families, or -1. */
static int
frr_routes(struct it_lab *lab)
{
	int st4, st6;
	char *j4 = vtysh(lab, "show bgp ipv4 flowspec json", &st4);
	char *j6 = vtysh(lab, "show bgp ipv6 flowspec json", &st6);
	int n4 = st4 == 0 ? frr_count_routes(j4) : -1;
	int n6 = st6 == 0 ? frr_count_routes(j6) : -1;
	g_free(j4);
	g_free(j6);
	return n4 < 0 || n6 < 0 ? -1 : n4 + n6;
}

/* Appends FRR's whole view of both families to `s`. */
static void
add_view(struct it_lab *lab, GString *s)
{
	static const char *const cmds[] = { "show bgp ipv4 flowspec json",
		"show bgp ipv4 flowspec detail", "show bgp ipv6 flowspec json",
		"show bgp ipv6 flowspec detail" };
	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++) {
		int st;
		char *out = vtysh(lab, cmds[i], &st);
		g_string_append_printf(s, "\n--- vtysh -c '%s' (status %d):\n%s", cmds[i],
		    st, out);
		g_free(out);
	}
}

/* Reads FRR's entries of both families. */
static GPtrArray *
frr_entries(struct it_lab *lab, GString *err)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(g_free);
	for (int fam = FS_IPV4; fam <= FS_IPV6; fam++) {
		char cmd[64];
		int st1, st2;
		snprintf(cmd, sizeof cmd, "show bgp %s flowspec json", fs_family_name(fam));
		char *json = vtysh(lab, cmd, &st1);
		snprintf(cmd, sizeof cmd, "show bgp %s flowspec detail", fs_family_name(fam));
		char *detail = vtysh(lab, cmd, &st2);
		if (st1 != 0 || st2 != 0)
			g_string_append_printf(err, "\nvtysh failed (%d, %d) for %s",
			    st1, st2, fs_family_name(fam));
		GPtrArray *e = frr_parse_view(json, detail, err);
		for (guint i = 0; i < e->len; i++)
			g_ptr_array_add(all, g_strdup(e->pdata[i]));
		g_ptr_array_unref(e);
		g_free(json);
		g_free(detail);
	}
	return all;
}

/*
 * Starts bgpd in the foreground in namespace b (each start with a
 * configuration file of its own); waits for its vty.  With `one_way`,
 * bgpd advertises nothing back to flowcanary.
 */
static GPid
start_bgpd(struct it_lab *lab, bool one_way, GString *fail)
{
	const char *name = one_way ? "bgpd.conf" : "bgpd-echo.conf";
	char *conf = g_strdup_printf(bgpd_conf, lab->dir, one_way ? deny_out : "",
	    one_way ? deny_out : "");
	char *conf_path = it_write(lab, name, conf, 0644);
	char *pid_path = it_path(lab, "bgpd.pid");
	const char *argv[] = { FRR_BGPD, "-f", conf_path, "-S", "-Z", "-n",
		"-P", "0", "-i", pid_path, "--vty_socket", lab->dir, NULL };
	/* glibc's "stack smashing detected" goes to stderr, not to a terminal. */
	const char *env[] = { "LIBC_FATAL_STDERR_=1", NULL };
	GPid pid = it_spawn(lab, lab->ns_b, "bgpd.out", argv, env);
	if (!it_wait(bgpd_ready, lab, NULL, 15))
		g_string_append_printf(fail, "\nbgpd (%s) did not answer vtysh within "
		    "15 s", name);
	g_free(conf);
	g_free(conf_path);
	g_free(pid_path);
	return pid;
}

struct dead_wait {
	GPid pid;
};

static bool
bgpd_dead(struct it_lab *lab, void *ud)
{
	return !it_alive(((struct dead_wait *)ud)->pid);
}

/*
 * bgpd keeps a crash-log directory, /var/tmp/frr/bgpd.PID, that it
 * removes when it stops cleanly; after an abort this test removes it.
 */
static void
forget_crash(struct it_lab *lab, GPid pid)
{
	it_stop(lab, pid);
	char *dir = g_strdup_printf("/var/tmp/frr/bgpd.%d", (int)pid);
	const char *argv[] = { "/bin/rm", "-rf", dir, NULL };
	int st;
	g_free(it_run(NULL, argv, &st, 10));
	g_free(dir);
}

START_TEST(flowcanary_to_frr)
{
	it_require(FRR_BGPD, "frr");
	it_require(FRR_VTYSH, "frr");
	it_require(it_flowcanary(), "flowcanary (build it: ninja -C build)");

	GArray *rules = it_load_vectors(false, extra_rules, G_N_ELEMENTS(extra_rules));
	ck_assert_uint_gt(rules->len, 50);
	struct it_lab lab;
	it_lab_up(&lab);
	GString *fail = g_string_new(NULL);
	gint64 t0 = g_get_monotonic_time();

	GPid bgpd = start_bgpd(&lab, true, fail);
	if (fail->len > 0)
		goto out;

	/* Rounds of the rules FRR takes; each refused rule alone afterwards. */
	unsigned nrounds = it_vec_rounds(rules, frr_refuses);
	for (unsigned k = 0; k < nrounds; k++) {
		char name[32], log[32];
		snprintf(name, sizeof name, "round-%u.rules", k);
		snprintf(log, sizeof log, "inject-%u.log", k);
		GPtrArray *want = it_write_round(&lab, name, rules, k, frr_refuses,
		    frr_render_entry);

		GPid pid = it_inject_start(&lab, name, NULL, log);
		struct it_count_wait w = { .count = frr_routes, .want = (int)want->len };
		bool filled = it_wait(it_count_reached, &lab, &w, 15);
		GString *err = g_string_new(NULL);
		GPtrArray *got = frr_entries(&lab, err);
		char *d = it_compare_entries(want, got, "FRR");
		if (!filled || d != NULL || err->len > 0) {
			g_string_append_printf(fail, "\nround %u (%s, %u rules): FRR holds "
			    "%d routes%s%s%s", k, name, want->len, w.have,
			    d ? "; its table differs from what flowcanary sent:" : "",
			    d ? d : "", err->str);
			add_view(&lab, fail);
			it_append_log(&lab, fail, log, 2000);
		}
		g_free(d);
		g_string_free(err, TRUE);
		g_ptr_array_unref(got);
		g_ptr_array_unref(want);

		/* Closing the session (a Cease) takes the routes away. */
		if (!it_end_round(&lab, pid, k, frr_routes, "FRR", fail))
			goto out;	/* the next rounds would be compared with leftovers */
	}

	/*
	 * The rules FRR 8.4 refuses: each alone, so that only it is lost.  FRR
	 * logs "Bad flowspec format or NLRI options not supported" and "Error
	 * parsing NLRI", and resets the session with NOTIFICATION 3/9 (UPDATE
	 * Message Error, Optional Attribute Error): inject exits with 4.
	 */
	unsigned nrefused = 0;
	for (guint i = 0; i < rules->len; i++) {
		const struct it_vec *x = &g_array_index(rules, struct it_vec, i);
		const char *why = frr_refuses(&x->rule);
		if (why == NULL)
			continue;
		char *out;
		int st = it_inject_refused(&lab, x, nrefused++, &out);
		int left = frr_routes(&lab);
		if (st != 4 || strstr(out, "NOTIFICATION 3/9") == NULL || left != 0) {
			char *o = it_vec_origin(x);
			g_string_append_printf(fail, "\n%s (%s): FRR 8.4 refuses %s, so "
			    "inject should exit with 4 after a NOTIFICATION 3/9 and FRR "
			    "hold nothing; inject exited with %d (%s) and FRR holds %d "
			    "routes", o, x->text, why, st, g_strstrip(out), left);
			g_free(o);
			add_view(&lab, fail);
		}
		g_free(out);
	}
	if (nrefused == 0)	/* the vectors have such rules */
		g_string_append(fail, "\nno rule FRR refuses: frr_refuses() is broken");
	if (fail->len > 0)
		goto out;

	/* long_rule: FRR holds it, and its detail view kills bgpd. */
	g_free(it_write(&lab, "long.rules", long_rule, 0644));
	GPid pid = it_inject_start(&lab, "long.rules", NULL, "inject-long.log");
	struct it_count_wait w = { .count = frr_routes, .want = 1, .exact = true };
	if (!it_wait(it_count_reached, &lab, &w, 15)) {
		g_string_append_printf(fail, "\nthe 259-octet rule: FRR holds %d routes "
		    "after 15 s, expected it alone", w.have);
		add_view(&lab, fail);
		it_append_log(&lab, fail, "inject-long.log", 2000);
		goto out;
	}
	int st;
	char *json = vtysh(&lab, "show bgp ipv6 flowspec json", &st);
	GPtrArray *keys = frr_json_keys(json);
	if (keys->len != 1 || strcmp(keys->pdata[0], long_rule_key) != 0)
		g_string_append_printf(fail, "\nthe 259-octet rule: FRR shows\n  %s\n"
		    "expected\n  %s", keys->len ? (char *)keys->pdata[0] : "(nothing)",
		    long_rule_key);
	g_ptr_array_unref(keys);
	g_free(json);
	g_free(vtysh(&lab, "show bgp ipv6 flowspec detail", &st));
	struct dead_wait dw = { bgpd };
	bool dead = it_wait(bgpd_dead, &lab, &dw, 5);
	char *out = it_read(&lab, "bgpd.out");
	if (!dead || strstr(out, "stack smashing detected") == NULL)
		g_string_append_printf(fail, "\nFRR 8.4's bgpd is known to abort "
		    "(\"stack smashing detected\") on `show bgp ipv6 flowspec detail` "
		    "with the 259-octet rule; it is %s (status %d), and said: %s",
		    it_alive(bgpd) ? "alive" : "gone", st, out);
	g_free(out);
	forget_crash(&lab, bgpd);
	it_stop(&lab, pid);
	if (fail->len > 0)
		goto out;

	/*
	 * long_rule again, to a bgpd that advertises back: FRR sends it to
	 * flowcanary with its length in one octet, and inject, finding an
	 * NLRI that runs past its attribute, resets the session.
	 */
	bgpd = start_bgpd(&lab, false, fail);
	if (fail->len > 0)
		goto out;
	st = it_inject_run(&lab, "long.rules", 10, "inject-echo.log", 25);
	char *res = it_read(&lab, "inject-echo.log");
	if (st != 4 || strstr(res, "sent NOTIFICATION 3/9") == NULL ||
	    strstr(res, "flowspec NLRI") == NULL)
		g_string_append_printf(fail, "\nthe 259-octet rule, advertised back "
		    "by FRR with a one-octet length: expected inject to reset the "
		    "session (NOTIFICATION 3/9, a flowspec NLRI past its attribute) "
		    "and exit with 4; it exited with %d: %s", st, g_strstrip(res));
	g_free(res);
	fprintf(stderr, "flowcanary -> FRR: %u rounds and %u refused rules of %u, "
	    "and the 259-octet rule, in %.1f s\n", nrounds, nrefused, rules->len,
	    (double)(g_get_monotonic_time() - t0) / 1e6);

out:
	it_sanitizer_check_all(&lab, fail);
	if (fail->len > 0) {
		it_append_log(&lab, fail, "bgpd.log", 4000);
		it_append_log(&lab, fail, "bgpd.out", 1000);
	}
	it_free_vectors(rules);
	it_finish(&lab, fail, NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("interop_frr");
	TCase *tr = tcase_create("renderer");
	tcase_add_test(tr, frr_renderer);
	suite_add_tcase(s, tr);
	TCase *tc = tcase_create("frr");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, flowcanary_to_frr);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
