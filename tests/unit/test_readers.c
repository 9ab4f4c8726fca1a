/*
 * test_readers.c - the ExaBGP and Junos readers: realistic configurations
 * read into canonical one-line rules, names and places kept, bad input
 * refused with file:line:column and the set left as it was.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "flowspec/ruleset.h"
#include "flowspec/text.h"

typedef int (*reader_fn)(struct fs_ruleset *, const char *, size_t,
    const char *, int, struct fs_error *);

struct expect {
	const char *name;
	unsigned line, column;
	const char *rule;
};

/* Returns the contents of the source file `rel`, NUL-terminated; *len its size. */
static char *
slurp(const char *rel, size_t *len)
{
	char *path = fc_source_path(rel), *buf;
	FILE *f = fopen(path, "r");
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert(fseek(f, 0, SEEK_END) == 0);
	n = ftell(f);
	ck_assert(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert(buf != NULL);
	ck_assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = '\0';
	fclose(f);
	free(path);
	*len = (size_t)n;
	return buf;
}

/* Checks entries set->v[from..] against want[0..n). */
static void
check_entries(const struct fs_ruleset *set, size_t from,
    const struct expect *want, size_t n, const char *file)
{
	char buf[1024];

	ck_assert_uint_eq(set->n, from + n);
	for (size_t i = 0; i < n; i++) {
		const struct fs_entry *e = &set->v[from + i];

		fs_print_rule(&e->rule, buf, sizeof(buf));
		ck_assert_msg(strcmp(buf, want[i].rule) == 0,
		    "rule %zu (%s):\n got  %s\n want %s", i, want[i].name, buf,
		    want[i].rule);
		ck_assert_ptr_nonnull(e->name);
		ck_assert_str_eq(e->name, want[i].name);
		ck_assert_str_eq(e->file, file);
		ck_assert_msg(e->line == want[i].line && e->column == want[i].column,
		    "rule %s at %u:%u, want %u:%u", want[i].name, e->line,
		    e->column, want[i].line, want[i].column);
	}
}

/* Reads text with `rd` into an empty set and checks the rules. */
static void
read_ok(reader_fn rd, const char *text, int family, const struct expect *want,
    size_t n)
{
	struct fs_ruleset set;
	struct fs_error err;
	char msg[512];
	int r;

	fs_ruleset_init(&set);
	memset(&err, 0, sizeof(err));
	r = rd(&set, text, strlen(text), "test.conf", family, &err);
	fs_error_format(&err, msg, sizeof(msg));
	ck_assert_msg(r == (int)n, "read returned %d, want %zu (%s)", r, n,
	    r < 0 ? msg : "");
	check_entries(&set, 0, want, n, "test.conf");
	fs_ruleset_free(&set);
}

/*
 * Reads bad text with `rd` into a set that already holds one rule and
 * checks the error: code, place and message (`msg` a substring of the
 * formatted error), and that the set is as it was.
 */
static void
read_bad(reader_fn rd, const char *text, int family, enum fs_errcode code,
    unsigned line, unsigned column, const char *msg)
{
	struct fs_ruleset set;
	struct fs_rule r;
	struct fs_error err;
	char buf[512], before[512];

	fs_ruleset_init(&set);
	fs_rule_init(&r, FS_IPV4);
	fc_parse_or_fail("match destination 10.9.9.0/24 then discard", 0, &r);
	ck_assert_int_eq(fs_ruleset_add(&set, &r, "kept", "kept.conf", 3, 1), 0);
	fs_print_rule(&set.v[0].rule, before, sizeof(before));
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(rd(&set, text, strlen(text), "rules.conf", family,
	    &err), -1);
	fs_error_format(&err, buf, sizeof(buf));
	ck_assert_msg(err.code == code, "code %s, want %s: %s",
	    fs_errcode_name(err.code), fs_errcode_name(code), buf);
	ck_assert_msg(err.line == line && err.column == column,
	    "error at %u:%u, want %u:%u: %s", err.line, err.column, line,
	    column, buf);
	ck_assert_str_eq(err.file, "rules.conf");
	ck_assert_msg(strstr(buf, msg) != NULL, "message \"%s\" lacks \"%s\"",
	    buf, msg);
	/* Nothing half-done: the set holds exactly what it held. */
	ck_assert_uint_eq(set.n, 1);
	ck_assert_str_eq(set.v[0].name, "kept");
	fs_print_rule(&set.v[0].rule, buf, sizeof(buf));
	ck_assert_str_eq(buf, before);
	fs_rule_free(&r);
	fs_ruleset_free(&set);
}

/* ExaBGP */

static const struct expect exabgp_example[] = {
	{ "dns-amplification", 42, 3, "match destination 203.0.113.0/24 "
	    "protocol ==udp source-port ==53 packet-length >512 "
	    "then rate-limit 125000" },
	{ "ntp-monlist", 56, 3, "match destination 203.0.113.0/24 "
	    "protocol ==udp source-port ==123 packet-length >=468 then discard" },
	{ "syn-flood-web", 70, 3, "match destination 198.51.100.10/32 "
	    "protocol ==tcp destination-port ==80 ==443 tcp-flags =S&!A "
	    "then rate-limit 9600 action sample" },
	{ "icmp-echo-flood", 85, 3, "match destination 198.51.100.0/24 "
	    "protocol ==icmp icmp-type ==8 then rate-limit 12500 mark 8" },
	{ "udp-fragments-to-scrubber", 99, 3, "match destination "
	    "198.51.100.64/26 protocol ==udp fragment is-fragment "
	    "first-fragment then redirect 64500:666" },
	{ "dns6-oversized", 111, 3, "match destination 2001:db8:53::/48 "
	    "protocol ==udp source-port ==53 packet-length >=1280 then discard" },
};

START_TEST(exabgp_example_config)
{
	struct fs_ruleset set;
	struct fs_error err;
	size_t len;
	char *text = slurp("faults/rules/examples/exabgp.conf", &len);
	int n = (int)(sizeof(exabgp_example) / sizeof(exabgp_example[0]));

	fs_ruleset_init(&set);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(fs_read_exabgp(&set, text, len, "exabgp.conf", 0,
	    &err), n);
	check_entries(&set, 0, exabgp_example, (size_t)n, "exabgp.conf");
	ck_assert_int_eq(set.v[5].rule.family, FS_IPV6);
	ck_assert_int_eq(fs_ruleset_detect(text, len), FS_SYNTAX_EXABGP);
	fs_ruleset_free(&set);
	free(text);
}
END_TEST

START_TEST(exabgp_values)
{
	static const char text[] =
	    "neighbor 192.0.2.1 {\n"
	    "\tlocal-as 64500;\n"
	    "\tflow {\n"
	    "\t\troute v6-offset {\n"
	    "\t\t\trd 65000:1;\n"
	    "\t\t\tmatch {\n"
	    "\t\t\t\tdestination 2001:db8::/64/32;\n"
	    "\t\t\t\tsource ::1234:5678:9a00:0/104 offset 64;\n"
	    "\t\t\t\tnext-header [ =tcp =udp ];\n"
	    "\t\t\t\tflow-label >100&<2000;\n"
	    "\t\t\t\tdscp [ 10 20 ];\n"
	    "\t\t\t}\n"
	    "\t\t\tthen { redirect 4200000000:100; action sample-terminal; }\n"
	    "\t\t}\n"
	    "\t\troute icmp {\n"
	    "\t\t\tmatch {\n"
	    "\t\t\t\tdestination-ipv4 192.0.2.0/24;\n"
	    "\t\t\t\ticmp-type [ echo-request echo-reply unreachable ];\n"
	    "\t\t\t\ticmp-code [ network-unreachable port-unreachable ];\n"
	    "\t\t\t\tfragment [ not-a-fragment dont-fragment ];\n"
	    "\t\t\t}\n"
	    "\t\t\tthen {\n"
	    "\t\t\t\taccept;\n"
	    "\t\t\t\tredirect 198.51.100.1:5678;\n"
	    "\t\t\t\tmark 46;\n"
	    "\t\t\t\tcommunity [ 64500:1 64500:2 ];\n"
	    "\t\t\t\textended-community [ origin:2345:6.7.8.9 ];\n"
	    "\t\t\t\tredirect-to-nexthop;\n"
	    "\t\t\t\tcopy 192.0.2.9;\n"
	    "\t\t\t}\n"
	    "\t\t}\n"
	    "\t\troute ports {\n"
	    "\t\t\tmatch {\n"
	    "\t\t\t\tport =80;\n"
	    "\t\t\t\tdestination-port >8080&<8088 =3128;\n"
	    "\t\t\t\tsource-port [ >=1024 ];\n"
	    "\t\t\t\tport =443;\n"
	    "\t\t\t\ttcp-flags [ syn ack ];\n"
	    "\t\t\t\tpacket-length [ >200&<300 >400&<500 ];\n"
	    "\t\t\t}\n"
	    "\t\t\tthen { action terminal; rate-limit 0; }\n"
	    "\t\t}\n"
	    "\t}\n"
	    "}\n";
	static const struct expect want[] = {
	    /* The core keeps no address bits below an offset. */
	    { "v6-offset", 4, 3, "match destination ::/64 offset 32 "
		"source ::1234:5678:9a00:0/104 offset 64 protocol ==tcp ==udp "
		"dscp ==10 ==20 flow-label >100&<2000 "
		"then redirect 4200000000:100 action sample-terminal" },
	    { "icmp", 15, 3, "match destination 192.0.2.0/24 "
		"icmp-type ==8 ==0 ==3 icmp-code ==0 ==3 "
		"fragment not-a-fragment dont-fragment "
		"then redirect 198.51.100.1:5678 mark 46" },
	    /* Two port statements are OR-ed into one component, as ExaBGP does. */
	    { "ports", 32, 3, "match port ==80 ==443 "
		"destination-port >8080&<8088 ==3128 source-port >=1024 "
		"tcp-flags S A packet-length >200&<300 >400&<500 "
		"then discard action terminal" },
	};

	read_ok(fs_read_exabgp, text, 0, want, 3);
}
END_TEST

START_TEST(exabgp_top_level_flow_and_comments)
{
	static const char text[] =
	    "# mitigation of ticket 4711\n"
	    "flow {\n"
	    "  route \"quoted name\" { # trailing comment\n"
	    "    match { destination 10.0.0.0/8; protocol =tcp; }\n"
	    "    then { discard; }\n"
	    "  }\n"
	    "  route empty-then { match { source 10.1.0.0/16; } }\n"
	    "}\n";
	static const struct expect want[] = {
	    { "quoted name", 3, 3,
		"match destination 10.0.0.0/8 protocol ==tcp then discard" },
	    { "empty-then", 7, 3, "match source 10.1.0.0/16" },
	};

	read_ok(fs_read_exabgp, text, 0, want, 2);
}
END_TEST

START_TEST(exabgp_forced_family)
{
	static const char text[] =
	    "flow { route r { match { protocol udp; } then { discard; } } }\n";
	static const struct expect want[] = {
	    { "r", 1, 8, "match protocol ==udp then discard" },
	};
	struct fs_ruleset set;
	struct fs_error err;

	read_ok(fs_read_exabgp, text, FS_IPV6, want, 1);
	fs_ruleset_init(&set);
	ck_assert_int_eq(fs_read_exabgp(&set, text, strlen(text), "f", FS_IPV6,
	    &err), 1);
	ck_assert_int_eq(set.v[0].rule.family, FS_IPV6);
	fs_ruleset_free(&set);
}
END_TEST

START_TEST(exabgp_errors)
{
	/* The message of the brief, at line 7, column 20. */
	read_bad(fs_read_exabgp,
	    "neighbor 192.0.2.1 {\n"
	    "    flow {\n"
	    "        route ok { match { destination 10.0.0.0/8; } then { discard; } }\n"
	    "        route typo {\n"
	    "            match {\n"
	    "                destination 10.0.0.0/8;\n"
	    "                   prot udp;\n"
	    "            }\n"
	    "        }\n"
	    "    }\n"
	    "}\n", 0, FS_E_SYNTAX, 7, 20,
	    "rules.conf:7:20: unknown match statement \"prot\"; expected one of "
	    "destination, source, protocol, ");
	/* A missing ";" shows at the next statement. */
	read_bad(fs_read_exabgp,
	    "flow {\n"
	    "  route r {\n"
	    "    match {\n"
	    "      destination 10.0.0.0/8\n"
	    "      protocol udp;\n"
	    "    }\n"
	    "  }\n"
	    "}\n", 0, FS_E_SYNTAX, 5, 7,
	    "unexpected \"protocol\"; expected \";\" to end the \"destination\" "
	    "statement");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { port =80\n source-port =53; } } }\n",
	    0, FS_E_SYNTAX, 2, 2,
	    "unexpected \"source-port\"; expected \";\" to end the \"port\"");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 10.0.0.0/8; }\n"
	    "  then { discard } } }\n", 0, FS_E_SYNTAX, 2, 18,
	    "unexpected \"}\"; expected \";\" after \"discard\"");
	/* Unbalanced braces, both ways. */
	read_bad(fs_read_exabgp,
	    "neighbor 192.0.2.1 {\n"
	    "  flow {\n"
	    "    route r { match { destination 10.0.0.0/8; } then { discard; } }\n"
	    "  }\n", 0, FS_E_SYNTAX, 5, 1,
	    "unexpected end of file; expected \"}\" to close the block of "
	    "\"neighbor\" opened at line 1");
	read_bad(fs_read_exabgp,
	    "flow {\n"
	    "  route r { match { destination 10.0.0.0/8; } then { discard; }\n"
	    "}\n", 0, FS_E_SYNTAX, 4, 1,
	    "expected \"}\" to close the flow block opened at line 1");
	read_bad(fs_read_exabgp,
	    "flow {\n"
	    "  route r { match { destination 10.0.0.0/8; }\n", 0, FS_E_SYNTAX,
	    3, 1, "expected \"}\" to close route \"r\" opened at line 2");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 10.0.0.0/8;\n", 0,
	    FS_E_SYNTAX, 2, 1, "expected \"}\" to close the match block opened "
	    "at line 1");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 10.0.0.0/8; } } }\n}\n",
	    0, FS_E_SYNTAX, 2, 1, "unexpected \"}\" with no block open");
	/* Bad prefixes. */
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 10.0.0.300/8; } } }\n",
	    0, FS_E_VALUE, 1, 38, "\"10.0.0.300\" is not an IPv4 address");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 10.0.0.0/33; } } }\n",
	    0, FS_E_VALUE, 1, 38, "bad prefix length \"33\"");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 2001:db8::/64/65; } } }\n",
	    0, FS_E_VALUE, 1, 38, "prefix offset 65 beyond the prefix length 64");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 10.0.0.0/8;\n"
	    "  source 2001:db8::/32; } } }\n", 0, FS_E_FAMILY, 2, 10,
	    "IPv6 prefix \"2001:db8::/32\" in an IPv4 rule (\"destination\" at "
	    "line 1)");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 2001:db8::/32; } } }\n",
	    FS_IPV4, FS_E_FAMILY, 1, 38, "the family asked for");
	/* Unknown then statements are refused, not dropped. */
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 10.0.0.0/8; }\n"
	    "  then { drop; } } }\n", 0, FS_E_SYNTAX, 2, 10,
	    "unknown then statement \"drop\"; expected one of accept, discard, "
	    "rate-limit, redirect, mark, action");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 10.0.0.0/8; }\n"
	    "  then discard; } }\n", 0, FS_E_SYNTAX, 2, 8,
	    "unexpected \"discard\"; expected \"{\" after \"then\"");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 10.0.0.0/8; }\n"
	    "  then { action drop; } } }\n", 0, FS_E_VALUE, 2, 17,
	    "action \"drop\"; expected sample, terminal or sample-terminal");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 10.0.0.0/8; }\n"
	    "  then { redirect 70000:70000; } } }\n", 0, FS_E_VALUE, 2, 19,
	    "a 4-octet AS leaves 16 bits for the value");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 10.0.0.0/8; }\n"
	    "  then { mark 64; } } }\n", 0, FS_E_VALUE, 2, 15,
	    "expected a DSCP value from 0 to 63");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 10.0.0.0/8; }\n"
	    "  then { rate-limit fast; } } }\n", 0, FS_E_VALUE, 2, 21,
	    "rate-limit \"fast\"; expected a whole number of bytes per second");
	/* Routes without a match, or matching everything. */
	read_bad(fs_read_exabgp,
	    "flow {\n  route r { then { discard; } }\n}\n", 0, FS_E_SYNTAX,
	    2, 3, "route \"r\" has no match block");
	read_bad(fs_read_exabgp,
	    "flow {\n  route r { match { } then { discard; } }\n}\n", 0,
	    FS_E_SYNTAX, 2, 3, "route \"r\" has an empty match block");
	read_bad(fs_read_exabgp,
	    "flow { route r { mtch { destination 10.0.0.0/8; } } }\n", 0,
	    FS_E_SYNTAX, 1, 18, "unknown route statement \"mtch\"");
	/* Values: the core's message, at the token. */
	read_bad(fs_read_exabgp,
	    "flow { route r { match { port =8x0; } } }\n", 0, FS_E_VALUE,
	    1, 31, "port: \"8x0\" is not a value");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { port =80&; } } }\n", 0,
	    FS_E_SYNTAX, 1, 35, "port: empty term");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { icmp-type [ echo ]; } } }\n", 0,
	    FS_E_VALUE, 1, 38, "unknown icmp-type name \"echo\"; expected a "
	    "number or one of echo-reply");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { port [ 80 ] 81; } } }\n", 0,
	    FS_E_SYNTAX, 1, 38, "expected \";\" to end the \"port\" statement");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { port ; } } }\n", 0,
	    FS_E_SYNTAX, 1, 31, "expected a value after \"port\"");
	read_bad(fs_read_exabgp,
	    "flow { route r { match { destination 10.0.0.0/8; flow-label 5; } } }\n",
	    0, FS_E_FAMILY, 1, 50, "IPv6-only \"flow-label\" in an IPv4 rule");
	read_bad(fs_read_exabgp,
	    "process p { run \"/usr/bin/env\n", 0, FS_E_SYNTAX, 1, 17,
	    "unterminated string");
}
END_TEST

/* Junos */

static const struct expect junos_example[] = {
	{ "192.0.2.53/32-DNS-DROP", 38, 9, "match destination 192.0.2.53/32 "
	    "protocol ==udp port ==53 packet-length >=99971&<=99985 "
	    "then discard" },
	/* 10 Mbit/s is 1,250,000 bytes/s. */
	{ "ntp-reflection", 48, 9, "match destination 203.0.113.0/24 "
	    "protocol ==udp source-port ==123 packet-length >=468&<=65535 "
	    "then rate-limit 1250000" },
	{ "syn-flood-web", 60, 9, "match destination 198.51.100.10/32 "
	    "protocol ==tcp destination-port ==80 ==443 tcp-flags S&!A "
	    "then rate-limit 125000 action sample" },
	{ "dns-to-scrubber", 73, 9, "match destination 198.51.100.53/32 "
	    "protocol ==udp ==tcp destination-port ==53 "
	    "then redirect 64500:100" },
	/* In rib inet6.0: ICMPv6 numbers. */
	{ "icmp6-echo-flood", 91, 13, "match destination 2001:db8::/32 "
	    "protocol ==icmpv6 icmp-type ==128 then rate-limit 8000 mark 8" },
};

START_TEST(junos_example_config)
{
	struct fs_ruleset set;
	struct fs_error err;
	size_t len;
	char *text = slurp("faults/rules/examples/junos.conf", &len);
	int n = (int)(sizeof(junos_example) / sizeof(junos_example[0]));

	fs_ruleset_init(&set);
	memset(&err, 0, sizeof(err));
	/* The inactive route is not read. */
	ck_assert_int_eq(fs_read_junos(&set, text, len, "junos.conf", 0, &err),
	    n);
	check_entries(&set, 0, junos_example, (size_t)n, "junos.conf");
	ck_assert_int_eq(set.v[4].rule.family, FS_IPV6);
	ck_assert_int_eq(fs_ruleset_detect(text, len), FS_SYNTAX_JUNOS);
	fs_ruleset_free(&set);
	free(text);
}
END_TEST

START_TEST(junos_outage_rule_equals_oneline)
{
	static const char text[] =
	    "routing-options {\n"
	    "    flow {\n"
	    "        route 173.245.58.0/32-DNS-DROP {\n"
	    "            match {\n"
	    "                destination 192.0.2.53/32;\n"
	    "                protocol udp;\n"
	    "                packet-length 99971-99985;\n"
	    "            }\n"
	    "            then discard;\n"
	    "        }\n"
	    "    }\n"
	    "}\n";
	struct fs_ruleset set;
	struct fs_rule r;
	struct fs_error err;

	/* The same rule as DESIGN.md writes it in one line. */
	fs_rule_init(&r, FS_IPV4);
	fc_parse_or_fail("match destination 192.0.2.53/32 protocol ==udp "
	    "packet-length >=99971&<=99985 then discard", 0, &r);
	fs_ruleset_init(&set);
	ck_assert_int_eq(fs_read_junos(&set, text, strlen(text), "j", 0, &err), 1);
	ck_assert(fs_rule_match_equal(&set.v[0].rule, &r));
	ck_assert(fs_rule_actions_equal(&set.v[0].rule, &r));
	fs_rule_free(&r);
	fs_ruleset_free(&set);
}
END_TEST

START_TEST(junos_values)
{
	static const char text[] =
	    "/* annotation */\n"
	    "routing-instances {\n"
	    "    SCRUB {\n"
	    "        routing-options {\n"
	    "            flow {\n"
	    "                route flags {\n"
	    "                    no-install;\n"
	    "                    match {\n"
	    "                        tcp-flags \"(syn & !ack) | (fin & rst) | urgent\";\n"
	    "                        port [ ftp-data-ssh 1024-65535 ];\n"
	    "                        dscp [ ef af41 ];\n"
	    "                        icmp-code port-unreachable;\n"
	    "                        inactive: source-port 53;\n"
	    "                        fragment [ is-fragment first-fragment ];\n"
	    "                    }\n"
	    "                    then {\n"
	    "                        next-term;\n"
	    "                        sample;\n"
	    "                        mark af11;\n"
	    "                        rate-limit 9.6k;\n"
	    "                        routing-instance target:65536L:5;\n"
	    "                        community [ BLACKHOLE NO-EXPORT ];\n"
	    "                    }\n"
	    "                }\n"
	    "                route synonyms {\n"
	    "                    match {\n"
	    "                        destination 10.0.0.0/8;\n"
	    "                        tcp-flags tcp-initial;\n"
	    "                    }\n"
	    "                    then { routing-instance target:192.0.2.1:7; accept; }\n"
	    "                }\n"
	    "                route established {\n"
	    "                    match { destination 10.0.0.0/8; tcp-flags [ tcp-established \"(syn & ack) | 0x40\" ]; }\n"
	    "                }\n"
	    "                route one-line {\n"
	    "                    match destination 10.1.0.0/16;\n"
	    "                    then rate-limit 0;\n"
	    "                }\n"
	    "            }\n"
	    "        }\n"
	    "    }\n"
	    "}\n"
	    "flow {\n"
	    "    route top-level {\n"
	    "        match { source 2001:db8::/48; protocol icmp6; icmp-type "
	    "[ echo-request packet-too-big ]; flow-label 5; }\n"
	    "        then { rate-limit 1g; }\n"
	    "    }\n"
	    "}\n";
	static const struct expect want[] = {
	    /* next-term sets the RFC 8955 "terminal" bit: go on matching. */
	    { "flags", 6, 17, "match port >=20&<=22 >=1024&<=65535 "
		"icmp-code ==3 tcp-flags S&!A F&R U dscp ==46 ==34 "
		"fragment is-fragment first-fragment "
		"then mark 10 rate-limit 1200 redirect 65536:5 "
		"action sample-terminal" },
	    { "synonyms", 25, 17, "match destination 10.0.0.0/8 tcp-flags S&!A "
		"then redirect 192.0.2.1:7" },
	    { "established", 32, 17, "match destination 10.0.0.0/8 "
		"tcp-flags A R S&A E" },
	    { "one-line", 35, 17, "match destination 10.1.0.0/16 then discard" },
	    { "top-level", 44, 5, "match source 2001:db8::/48 protocol ==icmpv6 "
		"icmp-type ==128 ==2 flow-label ==5 then rate-limit 125000000" },
	};

	read_ok(fs_read_junos, text, 0, want, 5);
}
END_TEST

START_TEST(junos_errors)
{
	read_bad(fs_read_junos,
	    "routing-options {\n"
	    "    flow {\n"
	    "        route r {\n"
	    "            match {\n"
	    "                prot udp;\n"
	    "            }\n"
	    "            then discard;\n"
	    "        }\n"
	    "    }\n"
	    "}\n", 0, FS_E_SYNTAX, 5, 17,
	    "rules.conf:5:17: unknown match statement \"prot\"; expected one of "
	    "destination, source, protocol, port, destination-port, "
	    "source-port, icmp-type, icmp-code, tcp-flags, packet-length, dscp, "
	    "fragment, flow-label");
	read_bad(fs_read_junos,
	    "routing-options { flow { route r {\n"
	    "  match { destination 192.0.2.0/24; }\n"
	    "  then discard\n"
	    "} } }\n", 0, FS_E_SYNTAX, 4, 1,
	    "unexpected \"}\"; expected \";\" after \"discard\"");
	read_bad(fs_read_junos,
	    "routing-options {\n"
	    "  flow {\n"
	    "    route ok { match { destination 192.0.2.0/24; } then discard; }\n"
	    "    route r {\n"
	    "      match { destination 192.0.2.0/24; }\n"
	    "      then discard;\n"
	    "  }\n"
	    "}\n", 0, FS_E_SYNTAX, 9, 1,
	    "unexpected end of file; expected \"}\" to close the block of "
	    "\"routing-options\" opened at line 1");
	read_bad(fs_read_junos,
	    "routing-options { flow { route r {\n"
	    "  match { destination 192.0.2/24; } } } }\n", 0, FS_E_VALUE, 2, 23,
	    "\"192.0.2\" is not an IPv4 address");
	read_bad(fs_read_junos,
	    "routing-options { flow { route r {\n"
	    "  match { destination 192.0.2.0/24; }\n"
	    "  then { redirect 192.0.2.1; } } } }\n", 0, FS_E_SYNTAX, 3, 10,
	    "unknown then statement \"redirect\"; expected one of discard, "
	    "accept, rate-limit, sample, next-term, routing-instance, mark, "
	    "community");
	read_bad(fs_read_junos,
	    "routing-options { flow { route r {\n"
	    "  match { destination 192.0.2.0/24; }\n"
	    "  then { rate-limit 10x; } } } }\n", 0, FS_E_VALUE, 3, 21,
	    "rate-limit \"10x\"; expected bits per second");
	read_bad(fs_read_junos,
	    "routing-options { flow { route r {\n"
	    "  match { destination 192.0.2.0/24; }\n"
	    "  then routing-instance SCRUB; } } }\n", 0, FS_E_SYNTAX, 3, 25,
	    "unexpected \"SCRUB\"; expected a route target target:ASN:N");
	read_bad(fs_read_junos,
	    "routing-options { flow { route r {\n"
	    "  match { tcp-flags \"(syn | ack)\"; } } } }\n", 0, FS_E_SYNTAX,
	    2, 27, "unexpected \"|\"; expected \"&\" or \")\"");
	read_bad(fs_read_junos,
	    "routing-options { flow { route r {\n"
	    "  match { tcp-flags \"(syn & !bogus)\"; } } } }\n", 0, FS_E_VALUE,
	    2, 29, "tcp-flags: \"bogus\" is not a value");
	read_bad(fs_read_junos,
	    "routing-options { flow { route r {\n"
	    "  match { tcp-flags \"syn &\"; } } } }\n", 0, FS_E_SYNTAX,
	    2, 27, "tcp-flags expression ends early");
	read_bad(fs_read_junos,
	    "routing-options { flow { route r {\n"
	    "  match { destination-port htp; } } } }\n", 0, FS_E_VALUE,
	    2, 28, "unknown destination-port name \"htp\"");
	read_bad(fs_read_junos,
	    "routing-options { rib inet6.0 { flow { route r {\n"
	    "  match { destination 192.0.2.0/24; } } } } }\n", 0, FS_E_FAMILY,
	    2, 23, "IPv4 prefix \"192.0.2.0/24\" in an IPv6 rule (the family "
	    "of the enclosing rib)");
	read_bad(fs_read_junos,
	    "routing-options { flow { route r { then discard; } } }\n", 0,
	    FS_E_SYNTAX, 1, 26, "route \"r\" has no match block");
	read_bad(fs_read_junos,
	    "system { host-name x; }\n/* never closed\n", 0, FS_E_SYNTAX, 2, 1,
	    "unterminated comment");
	read_bad(fs_read_junos,
	    "routing-options { flow { route r {\n"
	    "  match { tcp-flags \"!(syn & ack)\"; } } } }\n", 0, FS_E_SYNTAX,
	    2, 23, "unexpected \"(\"; expected a flag name");
	read_bad(fs_read_junos,
	    "# exported with display set\n"
	    "set routing-options flow route r match destination 10.0.0.0/8\n",
	    0, FS_E_SYNTAX, 2, 1, "Junos \"set\" commands are not read");
}
END_TEST

/* Both */

START_TEST(detect_syntax)
{
	static const struct {
		const char *text;
		enum fs_syntax want;
	} cases[] = {
		{ "neighbor 192.0.2.1 {\n}\n", FS_SYNTAX_EXABGP },
		{ "# comment\nprocess api { run x; }\n", FS_SYNTAX_EXABGP },
		{ "template { neighbor t { } }\n", FS_SYNTAX_EXABGP },
		{ "flow {\n route r { match { port =80; } }\n}\n", FS_SYNTAX_EXABGP },
		{ "routing-options {\n flow {\n }\n}\n", FS_SYNTAX_JUNOS },
		{ "policy-options {\n}\n", FS_SYNTAX_JUNOS },
		{ "/* note */\nrouting-options { }\n", FS_SYNTAX_JUNOS },
		{ "match destination 10.0.0.0/8 then discard\n", FS_SYNTAX_ONELINE },
		{ "# only a comment\n", FS_SYNTAX_ONELINE },
		{ "", FS_SYNTAX_ONELINE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(fs_ruleset_detect(cases[i].text,
		    strlen(cases[i].text)) == cases[i].want, "case %zu: %s", i,
		    cases[i].text);
}
END_TEST

START_TEST(load_example_files)
{
	static const struct {
		const char *rel;
		int count;
	} files[] = {
		{ "faults/rules/examples/exabgp.conf", 6 },
		{ "faults/rules/examples/junos.conf", 5 },
	};
	struct fs_ruleset set;
	struct fs_error err;
	int total = 0;

	fs_ruleset_init(&set);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = fc_source_path(files[i].rel);

		memset(&err, 0, sizeof(err));
		ck_assert_int_eq(fs_ruleset_load_file(&set, path, 0, &err),
		    files[i].count);
		total += files[i].count;
		ck_assert_uint_eq(set.n, (size_t)total);
		ck_assert_str_eq(set.v[set.n - 1].file, path);
		free(path);
	}
	fs_ruleset_free(&set);
}
END_TEST

START_TEST(empty_and_unrelated_configs)
{
	static const char *const texts[] = {
		"",
		"# nothing\n",
		"neighbor 192.0.2.1 { local-as 64500; family { ipv4 flow; } }\n",
		"process p { run \"/usr/bin/env python3 -c 'print(1)'\"; }\n",
		"protocols { bgp { group g { family inet { flow { no-validate x; } } } } }\n",
	};
	struct fs_ruleset set;
	struct fs_error err;

	fs_ruleset_init(&set);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ck_assert_int_eq(fs_read_exabgp(&set, texts[i], strlen(texts[i]),
		    "x", 0, &err), 0);
		ck_assert_int_eq(fs_read_junos(&set, texts[i], strlen(texts[i]),
		    "x", 0, &err), 0);
	}
	ck_assert_uint_eq(set.n, 0);
	fs_ruleset_free(&set);
}
END_TEST

/* Deep nesting is refused, not a stack overflow; runaway text is not read past its end. */
START_TEST(hostile_input)
{
	enum { DEPTH = 100000 };
	struct fs_ruleset set;
	struct fs_error err;
	char *text = malloc(2 * DEPTH + 64);
	size_t n = 0;

	ck_assert_ptr_nonnull(text);
	for (int i = 0; i < DEPTH; i++) {
		text[n++] = 'a';
		text[n++] = '{';
	}
	fs_ruleset_init(&set);
	ck_assert_int_eq(fs_read_exabgp(&set, text, n, "deep", 0, &err), -1);
	ck_assert_msg(strstr(err.msg, "nested deeper than") != NULL, "%s",
	    err.msg);
	ck_assert_int_eq(fs_read_junos(&set, text, n, "deep", 0, &err), -1);
	/* Inside a flow block, other blocks are skipped without recursion. */
	n = (size_t)sprintf(text, "flow { x ");
	for (int i = 0; i < DEPTH; i++)
		text[n++] = '{';
	ck_assert_int_eq(fs_read_exabgp(&set, text, n, "deep", 0, &err), -1);
	ck_assert_msg(strstr(err.msg, "unexpected end of file") != NULL, "%s",
	    err.msg);
	/* A length that stops inside a token: nothing is read past it. */
	strcpy(text, "flow { route r { match { destination 10.0.0.0/8; } } }");
	ck_assert_int_eq(fs_read_exabgp(&set, text, 40, "cut", 0, &err), -1);
	ck_assert_uint_eq(err.line, 1);
	ck_assert_uint_eq(err.column, 41);
	/* Control bytes are escaped in messages. */
	ck_assert_int_eq(fs_read_exabgp(&set, "flow { route r { \x01\x7f {",
	    23, "ctl", 0, &err), -1);
	ck_assert_msg(strstr(err.msg, "\\x01\\x7f") != NULL, "%s", err.msg);
	ck_assert_uint_eq(set.n, 0);
	fs_ruleset_free(&set);
	free(text);
}
END_TEST

static Suite *
readers_suite(void)
{
	Suite *s = suite_create("readers");
	TCase *tc = tcase_create("exabgp");

	tcase_add_test(tc, exabgp_example_config);
	tcase_add_test(tc, exabgp_values);
	tcase_add_test(tc, exabgp_top_level_flow_and_comments);
	tcase_add_test(tc, exabgp_forced_family);
	tcase_add_test(tc, exabgp_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("junos");
	tcase_add_test(tc, junos_example_config);
	tcase_add_test(tc, junos_outage_rule_equals_oneline);
	tcase_add_test(tc, junos_values);
	tcase_add_test(tc, junos_errors);
	suite_add_tcase(s, tc);
	tc = tcase_create("both");
	tcase_add_test(tc, detect_syntax);
	tcase_add_test(tc, load_example_files);
	tcase_add_test(tc, empty_and_unrelated_configs);
	tcase_add_test(tc, hostile_input);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return fc_run_suite(readers_suite());
}
