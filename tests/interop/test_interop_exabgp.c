/*
 * test_interop_exabgp.c - ExaBGP 4.2 announces to `flowcanary listen`.
 *
 * The test writes an ExaBGP configuration whose flow routes cover the
 * actions (discard, accept, rate-limit, redirect with 2- and 4-octet AS,
 * mark, sample, terminal) and matches (IPv4 and IPv6, port ranges, ORs,
 * tcp-flags, fragments, ICMP, DSCP, flow-label) flowcanary models, and the
 * same rules as a one-line file.  ExaBGP runs in the foreground in
 * namespace b and connects to listen; every rule it announces must come
 * out as written, End-of-RIB must follow for both families, the IPv6
 * offset rule (which ExaBGP 4.2 sends in the pre-RFC 8956 form) must be
 * reported as "malformed", and stopping ExaBGP must show as "down".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "listen_view.h"
#include "support.h"

#define EXABGP "/usr/sbin/exabgp"

/* One flow route: ExaBGP's match and then statements, and the same rule in flowcanary's syntax. */
static const struct route {
	const char *name, *match, *then, *rule;
} routes[] = {
	{ "ports", "destination 192.0.2.0/24; protocol tcp; destination-port [ >=137&<=139 =8080 ];",
	  "discard;",
	  "match destination 192.0.2.0/24 protocol ==tcp destination-port >=137&<=139 ==8080 then discard" },
	{ "ntp-rate", "source 198.51.100.0/24; protocol udp; source-port =53; packet-length >512;",
	  "rate-limit 125000;",
	  "match source 198.51.100.0/24 protocol ==udp source-port ==53 packet-length >512 then rate-limit 125000" },
	{ "syn-redirect", "destination 203.0.113.0/24; protocol tcp; tcp-flags [ syn !ack ];",
	  "redirect 65000:100;",
	  "match destination 203.0.113.0/24 protocol ==tcp tcp-flags S !A then redirect 65000:100" },
	{ "flags-and", "destination 203.0.113.128/25; tcp-flags [ =syn&!ack fin ];",
	  "accept;",
	  "match destination 203.0.113.128/25 tcp-flags =S&!A F then accept" },
	{ "fragments", "source 10.1.0.0/16; fragment [ is-fragment first-fragment ];",
	  "mark 10;",
	  "match source 10.1.0.0/16 fragment is-fragment first-fragment then mark 10" },
	{ "not-fragment", "source 10.2.0.0/16; fragment not-a-fragment;",
	  "discard;",
	  "match source 10.2.0.0/16 fragment not-a-fragment then discard" },
	{ "sample", "destination 192.0.2.128/25; packet-length >=1000&<=1500;",
	  "action sample;",
	  "match destination 192.0.2.128/25 packet-length >=1000&<=1500 then action sample" },
	{ "dscp", "destination 192.0.2.64/26; dscp [ =46 =10 ];",
	  "discard;",
	  "match destination 192.0.2.64/26 dscp ==46 ==10 then discard" },
	{ "icmp-rate-zero", "destination 192.0.2.32/27; protocol icmp; icmp-type =8; icmp-code =0;",
	  "rate-limit 0;",
	  "match destination 192.0.2.32/27 protocol ==icmp icmp-type ==8 icmp-code ==0 then rate-limit 0" },
	{ "all-actions", "destination 192.0.2.16/28; protocol [ =tcp =udp ]; source-port >1023;",
	  "rate-limit 1000; redirect 65000:100; mark 10; action sample-terminal;",
	  "match destination 192.0.2.16/28 protocol ==tcp ==udp source-port >1023 "
	  "then rate-limit 1000 redirect 65000:100 mark 10 action sample-terminal" },
	/* ExaBGP sends this right: 0x8208, AS 4200000000 (GoBGP 3.10 truncates it). */
	{ "redirect-as4", "destination 10.10.0.0/16;",
	  "redirect 4200000000:100;",
	  "match destination 10.10.0.0/16 then redirect 4200000000:100" },
	{ "terminal", "destination 10.12.0.0/16; port [ <1024 >=2000&<3000 ];",
	  "action terminal;",
	  "match destination 10.12.0.0/16 port <1024 >=2000&<3000 then action terminal" },
	{ "v6-port", "destination 2001:db8::/32; next-header tcp; port =80;",
	  "discard;",
	  "match destination 2001:db8::/32 protocol ==tcp port ==80 then discard" },
	{ "v6-label", "destination 2001:db8:2::/64; flow-label =1234;",
	  "redirect 65000:100;",
	  "match destination 2001:db8:2::/64 flow-label ==1234 then redirect 65000:100" },
	{ "v6-ports", "destination 2001:db8:3::/48; source 2001:db8:4::/48; next-header udp; "
	  "destination-port [ >=137&<=139 =8080 ]; packet-length >=1280;",
	  "mark 10;",
	  "match destination 2001:db8:3::/48 source 2001:db8:4::/48 protocol ==udp "
	  "destination-port >=137&<=139 ==8080 packet-length >=1280 then mark 10" },
	{ "v6-icmp", "source 2001:db8:5::/48; next-header 58; icmp-type =128;",
	  "rate-limit 9600;",
	  "match source 2001:db8:5::/48 protocol ==58 icmp-type ==128 then rate-limit 9600" },
	/* ExaBGP 4.2 sends an offset in the pre-RFC 8956 form (see OFFSET_HEX). */
	{ "v6-offset", "destination 2001:db8::/64/32;",
	  "discard;",
	  "match destination 2001:db8::/64 offset 32 then discard" },
};

/* What ExaBGP 4.2 sends for 2001:db8::/64 offset 32: all 64 bits from bit 0 (vector note). */
#define OFFSET_HEX "0b01402020010db800000000"

struct reached {
	const char *event, *family;
	unsigned n;
};

static bool
reached(struct it_lab *lab, void *ud)
{
	const struct reached *r = ud;
	return it_count_events(lab, "listen.log", r->event, r->family) >= r->n;
}

START_TEST(exabgp_to_flowcanary)
{
	it_require(EXABGP, "exabgp");

	struct it_lab lab;
	it_lab_up(&lab);
	GString *fail = g_string_new(NULL);

	/* The configuration ExaBGP runs, and the same rules in one-line syntax. */
	GString *conf = g_string_new(NULL), *oneline = g_string_new(NULL);
	g_string_append_printf(conf,
	    "neighbor %s {\n"
	    "    router-id %s;\n"
	    "    local-address %s;\n"
	    "    local-as %d;\n"
	    "    peer-as %d;\n"
	    "    hold-time 30;\n"
	    "    family {\n        ipv4 flow;\n        ipv6 flow;\n    }\n"
	    "    flow {\n", IT_IP_A, IT_IP_B, IT_IP_B, IT_AS_B, IT_AS_A);
	for (size_t i = 0; i < G_N_ELEMENTS(routes); i++) {
		g_string_append_printf(conf, "        route %s {\n"
		    "            match { %s }\n"
		    "            then { %s }\n"
		    "        }\n", routes[i].name, routes[i].match, routes[i].then);
		g_string_append_printf(oneline, "%s\n", routes[i].rule);
	}
	g_string_append(conf, "    }\n}\n");
	char *conf_path = it_write(&lab, "exabgp.conf", conf->str, 0644);
	char *rules_path = it_write(&lab, "expected.rules", oneline->str, 0644);
	g_string_free(conf, TRUE);
	g_string_free(oneline, TRUE);

	size_t nexp, nconf;
	struct fs_rule *exp = it_load_rules(rules_path, 0, &nexp);
	/* flowcanary's ExaBGP reader must read the configuration as the one-line file says. */
	struct fs_rule *fromconf = it_load_rules(conf_path, 0, &nconf);
	char *d = it_compare_rules(exp, nexp, fromconf, nconf);
	if (d != NULL)
		g_string_append_printf(fail, "\nflowcanary's ExaBGP reader reads %s "
		    "differently from the one-line rules:%s", "exabgp.conf", d);
	g_free(d);
	it_free_rules(fromconf, nconf);

	/* Expected announcements: all but the offset rule, which is reported as malformed. */
	struct fs_rule *want = g_new0(struct fs_rule, nexp);
	size_t nwant = 0, nmal = 0;
	for (size_t i = 0; i < nexp; i++) {
		if (it_has_offset(&exp[i])) {
			nmal++;
			continue;
		}
		fs_rule_init(&want[nwant], exp[i].family);
		ck_assert_int_eq(fs_rule_copy(&want[nwant], &exp[i]), 0);
		nwant++;
	}

	GPid listen = it_listen_start(&lab, "listen.log");
	const char *argv[] = { EXABGP, conf_path, NULL };
	const char *env[] = {
		"exabgp.daemon.user=root",	/* ExaBGP 4.2 drops to "nobody" otherwise */
		"exabgp.daemon.daemonize=false",
		"exabgp.daemon.pid=",
		"exabgp.log.destination=stdout",
		"exabgp.api.cli=false",		/* no control pipes */
		"exabgp.tcp.bind=",		/* connect only, no listening socket */
		NULL,
	};
	GPid exa = it_spawn(&lab, lab.ns_b, "exabgp.log", argv, env);

	struct reached eor4 = { "eor", "ipv4", 1 }, eor6 = { "eor", "ipv6", 1 };
	if (!it_wait(reached, &lab, &eor4, 30) || !it_wait(reached, &lab, &eor6, 5)) {
		g_string_append_printf(fail, "\nno End-of-RIB for %s within 30 s "
		    "(ExaBGP alive: %s)", it_count_events(&lab, "listen.log", "eor",
		    "ipv4") ? "ipv6" : "ipv4", it_alive(exa) ? "yes" : "no");
		goto out;
	}
	if (it_count_events(&lab, "listen.log", "established", NULL) != 1)
		g_string_append(fail, "\nexpected one \"established\" line");

	size_t ngot = lv_expect_rules(&lab, "listen.log", "announce", want, nwant,
	    "the rules listen received from ExaBGP differ from the configuration's",
	    fail);
	lv_expect_conformant(&lab, "listen.log", fail);
	/* The 4-octet-AS redirect arrives as ExaBGP sent it: 0x8208, AS 4200000000. */
	JsonArray *as4 = lv_select(&lab, "listen.log", "announce", "rule",
	    "match destination 10.10.0.0/16 then redirect 4200000000:100");
	if (json_array_get_length(as4) != 1)
		g_string_append(fail, "\nno announce of redirect 4200000000:100 (0x8208)");
	json_array_unref(as4);

	/* ExaBGP 4.2 sends the offset rule in the pre-RFC 8956 form: reported, not misread. */
	JsonArray *mal = lv_select(&lab, "listen.log", "malformed", NULL, NULL);
	for (guint i = 0; i < json_array_get_length(mal); i++) {
		JsonObject *o = json_array_get_object_element(mal, i);
		if (g_strcmp0(json_object_get_string_member_with_default(o, "code", NULL),
		    "pre-rfc8956-prefix") != 0 ||
		    g_strcmp0(json_object_get_string_member_with_default(o, "nlri_hex", NULL),
		    OFFSET_HEX) != 0 ||
		    g_strcmp0(json_object_get_string_member_with_default(o, "family", NULL),
		    "ipv6") != 0) {
			char *t = lv_text(o);
			g_string_append_printf(fail, "\nexpected malformed code "
			    "pre-rfc8956-prefix, ipv6, nlri_hex " OFFSET_HEX ": %s", t);
			g_free(t);
		}
	}
	if (json_array_get_length(mal) != nmal)
		g_string_append_printf(fail, "\nexpected %zu malformed line(s), listen "
		    "printed %u", nmal, json_array_get_length(mal));
	json_array_unref(mal);
	if (it_count_events(&lab, "listen.log", "update-error", NULL) != 0)
		g_string_append(fail, "\nlisten reported an update-error");
	if (it_count_events(&lab, "listen.log", "eor", NULL) != 2)
		g_string_append(fail, "\nexpected exactly one End-of-RIB per family");

	fprintf(stderr, "ExaBGP -> flowcanary: %zu routes; listen printed %zu "
	    "announce, %u malformed, %u eor lines\n", nexp, ngot,
	    it_count_events(&lab, "listen.log", "malformed", NULL),
	    it_count_events(&lab, "listen.log", "eor", NULL));

	/* ExaBGP stops: the session goes down, and listen says so. */
	it_stop(&lab, exa);
	struct reached down = { "down", NULL, 1 };
	if (!it_wait(reached, &lab, &down, 10))
		g_string_append(fail, "\nno \"down\" line within 10 s of stopping ExaBGP");
	JsonArray *dn = lv_select(&lab, "listen.log", "down", NULL, NULL);
	if (json_array_get_length(dn) == 1 && !json_object_get_boolean_member_with_default(
	    json_array_get_object_element(dn, 0), "was_established", FALSE))
		g_string_append(fail, "\nthe \"down\" line says the session was not established");
	json_array_unref(dn);

out:
	it_stop_checked(&lab, listen, "listen.log", fail);
	it_free_rules(want, nwant);
	it_free_rules(exp, nexp);
	g_free(conf_path);
	g_free(rules_path);
	const char *logs[] = { "exabgp.log", "listen.log", NULL };
	it_finish(&lab, fail, logs);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("interop_exabgp");
	TCase *tc = tcase_create("exabgp");
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, exabgp_to_flowcanary);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
