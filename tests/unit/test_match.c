/*
 * test_match.c - vr_match_packet against packets built field by field:
 * every component type, AND and OR, open ranges and !=, bitmask match
 * and not, fragment bits, RFC 8956 offset prefixes, fields a packet
 * lacks, the other family; and vr_actions_from_rule for every action.
 */
#include <errno.h>
#include <string.h>

#include "support.h"
#include "flowspec/ecomm.h"
#include "flowspec/rule.h"
#include "vrouter/match.h"

/* An IPv4 UDP packet 192.0.2.1:1000 -> 198.51.100.7:53, 100 octets. */
static struct vr_packet
udp4(void)
{
	struct vr_packet p = { .family = FS_IPV4, .proto = 17, .length = 100,
	    .has_ports = true, .sport = 1000, .dport = 53 };

	memcpy(p.src, "\xc0\x00\x02\x01", 4);
	memcpy(p.dst, "\xc6\x33\x64\x07", 4);
	return p;
}

/* An IPv4 TCP packet with flags `flags` to port 443. */
static struct vr_packet
tcp4(uint16_t flags)
{
	struct vr_packet p = udp4();

	p.proto = 6;
	p.dport = 443;
	p.has_tcp_flags = true;
	p.tcp_flags = flags;
	return p;
}

/* An IPv4 ICMP packet of type and code. */
static struct vr_packet
icmp4(uint8_t type, uint8_t code)
{
	struct vr_packet p = udp4();

	p.proto = 1;
	p.has_ports = false;
	p.sport = p.dport = 0;
	p.has_icmp = true;
	p.icmp_type = type;
	p.icmp_code = code;
	return p;
}

/* An IPv6 UDP packet 2001:db8:aaaa:bbbb:1234:5678:9a00:1 -> 2001:db8::2. */
static struct vr_packet
udp6(void)
{
	struct vr_packet p = { .family = FS_IPV6, .proto = 17, .length = 120,
	    .has_ports = true, .sport = 5000, .dport = 53, .flow_label = 12345 };

	memcpy(p.src, "\x20\x01\x0d\xb8\xaa\xaa\xbb\xbb\x12\x34\x56\x78\x9a\x00\x00\x01", 16);
	memcpy(p.dst, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02", 16);
	return p;
}

/* Returns whether the rule in `text` (of family, 0 to infer) matches p. */
static bool
matches(const char *text, int family, const struct vr_packet *p)
{
	struct fs_rule r;
	struct vr_match *m;
	bool ok;

	fs_rule_init(&r, FS_IPV4);
	fc_parse_or_fail(text, family, &r);
	m = vr_match_new(&r);
	ck_assert_msg(m != NULL, "no matcher for \"%s\"", text);
	ok = vr_match_packet(m, p);
	vr_match_free(m);
	fs_rule_free(&r);
	return ok;
}

START_TEST(prefixes_ipv4)
{
	struct vr_packet p = udp4();

	ck_assert(matches("match destination 198.51.100.0/24", 0, &p));
	ck_assert(matches("match destination 198.51.100.7/32", 0, &p));
	ck_assert(!matches("match destination 198.51.100.8/32", 0, &p));
	ck_assert(!matches("match destination 198.51.101.0/24", 0, &p));
	ck_assert(matches("match destination 0.0.0.0/0", 0, &p));
	ck_assert(matches("match source 192.0.2.0/25", 0, &p));
	ck_assert(!matches("match source 192.0.2.128/25", 0, &p));
	/* Every component must match: the source of one and the destination of another do not. */
	ck_assert(!matches("match destination 198.51.100.7/32 source 10.0.0.0/8", 0, &p));
}
END_TEST

START_TEST(prefixes_ipv6_offset)
{
	struct vr_packet p = udp6();

	ck_assert(matches("match destination 2001:db8::/32", 0, &p));
	ck_assert(!matches("match destination 2001:db9::/32", 0, &p));
	/* RFC 8956: bits [64, 104) only; the first 64 bits do not matter. */
	ck_assert(matches("match source ::1234:5678:9a00:0/104 offset 64", 0, &p));
	ck_assert(!matches("match source ::1234:5678:9b00:0/104 offset 64", 0, &p));
	memcpy(p.src, "\xfe\x80\x00\x00\x00\x00\x00\x00\x12\x34\x56\x78\x9a\xff\xff\xff", 16);
	ck_assert(matches("match source ::1234:5678:9a00:0/104 offset 64", 0, &p));
	/* A prefix that straddles the two halves of the address: bits [56, 108). */
	ck_assert(matches("match source ::1234:5678:9af0:0/108 offset 56", 0, &p));
	ck_assert(!matches("match source ::1:1234:5678:9af0:0/108 offset 56", 0, &p));
	ck_assert(!matches("match source ::1234:5678:9ae0:0/108 offset 56", 0, &p));
}
END_TEST

START_TEST(family_mismatch)
{
	struct vr_packet p4 = udp4(), p6 = udp6();

	/* A rule of one family never matches a packet of the other. */
	ck_assert(matches("match protocol udp", FS_IPV4, &p4));
	ck_assert(!matches("match protocol udp", FS_IPV6, &p4));
	ck_assert(matches("match protocol udp", FS_IPV6, &p6));
	ck_assert(!matches("match protocol udp", FS_IPV4, &p6));
	/* A zero-length prefix matches every packet of its family, and only those. */
	ck_assert(matches("match destination 0.0.0.0/0", 0, &p4));
	ck_assert(!matches("match destination 0.0.0.0/0", 0, &p6));
	ck_assert(matches("match destination ::/0", 0, &p6));
}
END_TEST

START_TEST(numeric_operators)
{
	struct vr_packet p = udp4();

	ck_assert(matches("match protocol udp", 0, &p));
	ck_assert(!matches("match protocol tcp", 0, &p));
	ck_assert(matches("match protocol tcp udp", 0, &p));	/* OR */
	ck_assert(matches("match packet-length >=100&<=100", 0, &p));	/* AND */
	ck_assert(!matches("match packet-length >100&<200", 0, &p));
	ck_assert(matches("match packet-length >=50", 0, &p));	/* open range */
	ck_assert(!matches("match packet-length <100", 0, &p));
	ck_assert(matches("match packet-length <=100", 0, &p));
	ck_assert(!matches("match packet-length !=100", 0, &p));
	ck_assert(matches("match packet-length !=99", 0, &p));
	ck_assert(matches("match packet-length 10-20 90-110", 0, &p));
	ck_assert(!matches("match packet-length 10-20 &>=15", 0, &p));
	ck_assert(matches("match packet-length true", 0, &p));
	ck_assert(!matches("match packet-length false", 0, &p));
	/* The 2013 rule: a length no packet has never matches, even the longest. */
	p.length = 65535;
	ck_assert(!matches("match packet-length >=99971&<=99985", 0, &p));
	ck_assert(matches("match packet-length >=1200", 0, &p));
}
END_TEST

START_TEST(ports)
{
	struct vr_packet p = udp4();
	struct vr_packet t = tcp4(0x10);

	ck_assert(matches("match destination-port 53", 0, &p));
	ck_assert(!matches("match destination-port 1000", 0, &p));
	ck_assert(matches("match source-port 1000", 0, &p));
	ck_assert(!matches("match source-port 53", 0, &p));
	/* port: either one. */
	ck_assert(matches("match port 53", 0, &p));
	ck_assert(matches("match port 1000", 0, &p));
	ck_assert(!matches("match port 80", 0, &p));
	ck_assert(matches("match destination-port >=1024 <=100", 0, &p));
	ck_assert(matches("match destination-port 443", 0, &t));
	/* SCTP has ports, but RFC 8955 lets port components match TCP and UDP only. */
	p.proto = 132;
	ck_assert(!matches("match destination-port 53", 0, &p));
	ck_assert(!matches("match port 53", 0, &p));
}
END_TEST

START_TEST(missing_fields)
{
	struct vr_packet ic = icmp4(8, 0), fr = udp4(), u = udp4(), v6 = udp6();

	/* ICMP has no ports: a port rule, even one matching 0, does not match it. */
	ck_assert(!matches("match destination-port 0", 0, &ic));
	ck_assert(!matches("match port <=65535", 0, &ic));
	/* A non-first fragment has none either. */
	fr.has_ports = false;
	fr.sport = fr.dport = 0;
	fr.frag = FS_FRAG_ISF;
	ck_assert(!matches("match source-port >=0", 0, &fr));
	/* UDP has no ICMP fields and no TCP flags. */
	ck_assert(!matches("match icmp-type 0", 0, &u));
	ck_assert(!matches("match icmp-code <=255", 0, &u));
	ck_assert(!matches("match tcp-flags !S", 0, &u));
	/* Flags read but the protocol is not TCP. */
	u.has_tcp_flags = true;
	ck_assert(!matches("match tcp-flags !S", 0, &u));
	/* An IPv6 packet has a flow label; an IPv6 rule on it matches. */
	ck_assert(matches("match flow-label 12345", FS_IPV6, &v6));
	ck_assert(!matches("match flow-label 12346", FS_IPV6, &v6));
	ck_assert(matches("match flow-label >=12000&<=13000", FS_IPV6, &v6));
}
END_TEST

START_TEST(flow_label_ipv4)
{
	struct fs_rule r;
	struct vr_match *m;
	struct vr_packet p = udp4();

	/* Only a builder makes an IPv4 rule with a flow label: IPv4 has none to match. */
	fs_rule_init(&r, FS_IPV4);
	ck_assert_int_eq(fs_rule_add_component(&r, FS_FLOW_LABEL), 0);
	ck_assert_int_eq(fs_rule_add_term(&r, FS_NUM_LT | FS_NUM_GT | FS_NUM_EQ, 0, 0), 0);
	ck_assert_ptr_nonnull(m = vr_match_new(&r));
	ck_assert(!vr_match_packet(m, &p));
	vr_match_free(m);
	fs_rule_free(&r);
}
END_TEST

START_TEST(icmp)
{
	struct vr_packet p = icmp4(3, 4);

	ck_assert(matches("match icmp-type 3", 0, &p));
	ck_assert(matches("match icmp-type 3 icmp-code 4", 0, &p));
	ck_assert(!matches("match icmp-type 3 icmp-code 1", 0, &p));
	ck_assert(!matches("match icmp-type 8", 0, &p));
	ck_assert(matches("match icmp-code >=1&<=4", 0, &p));
}
END_TEST

START_TEST(tcp_flags)
{
	struct vr_packet syn = tcp4(0x02), synack = tcp4(0x12), ack = tcp4(0x10);
	struct vr_packet finack = tcp4(0x11), cwr = tcp4(0x82);

	/* =: all of the bits. */
	ck_assert(matches("match tcp-flags =syn", 0, &syn));
	ck_assert(matches("match tcp-flags =syn", 0, &synack));
	ck_assert(!matches("match tcp-flags =syn", 0, &ack));
	ck_assert(!matches("match tcp-flags =SA", 0, &syn));
	ck_assert(matches("match tcp-flags =SA", 0, &synack));
	/* bare: any of the bits. */
	ck_assert(matches("match tcp-flags SA", 0, &syn));
	ck_assert(matches("match tcp-flags SA", 0, &ack));
	ck_assert(matches("match tcp-flags SA", 0, &finack));
	/* !: none of the bits. */
	ck_assert(matches("match tcp-flags !ack", 0, &syn));
	ck_assert(!matches("match tcp-flags !ack", 0, &synack));
	/* !=: not all of the bits. */
	ck_assert(matches("match tcp-flags !=SA", 0, &syn));
	ck_assert(!matches("match tcp-flags !=SA", 0, &synack));
	/* A SYN without ACK, and OR of two groups. */
	ck_assert(matches("match tcp-flags =S&!A", 0, &syn));
	ck_assert(!matches("match tcp-flags =S&!A", 0, &synack));
	ck_assert(matches("match tcp-flags =F =cwr", 0, &cwr));
	ck_assert(matches("match tcp-flags =F =cwr", 0, &finack));
	ck_assert(!matches("match tcp-flags =F =cwr", 0, &syn));
	ck_assert(matches("match tcp-flags 0x12", 0, &ack));
}
END_TEST

START_TEST(dscp)
{
	struct vr_packet p = udp4();

	p.dscp = 46;
	ck_assert(matches("match dscp 46", 0, &p));
	ck_assert(!matches("match dscp 10", 0, &p));
	ck_assert(matches("match dscp >=40", 0, &p));
	ck_assert(matches("match dscp 10 46", 0, &p));
}
END_TEST

START_TEST(fragments)
{
	struct vr_packet whole = udp4(), df = udp4(), first = udp4(), mid = udp4(), last = udp4();

	df.frag = FS_FRAG_DF;
	first.frag = FS_FRAG_FF;
	mid.frag = FS_FRAG_ISF;
	last.frag = FS_FRAG_ISF | FS_FRAG_LF;
	ck_assert(matches("match fragment dont-fragment", 0, &df));
	ck_assert(!matches("match fragment dont-fragment", 0, &whole));
	ck_assert(matches("match fragment first-fragment", 0, &first));
	ck_assert(!matches("match fragment first-fragment", 0, &mid));
	/* is-fragment: a fragment other than the first (RFC 8955 4.2.2.12). */
	ck_assert(matches("match fragment is-fragment", 0, &mid));
	ck_assert(matches("match fragment is-fragment", 0, &last));
	ck_assert(!matches("match fragment is-fragment", 0, &first));
	ck_assert(matches("match fragment last-fragment", 0, &last));
	ck_assert(!matches("match fragment last-fragment", 0, &mid));
	/* Any fragment at all, and no fragment at all. */
	ck_assert(matches("match fragment is-fragment|first-fragment", 0, &first));
	ck_assert(matches("match fragment is-fragment|first-fragment", 0, &mid));
	ck_assert(!matches("match fragment is-fragment|first-fragment", 0, &whole));
	ck_assert(matches("match fragment !is-fragment|first-fragment", 0, &whole));
	ck_assert(matches("match fragment !is-fragment|first-fragment", 0, &df));
	ck_assert(!matches("match fragment !is-fragment|first-fragment", 0, &last));
	/* =: all the bits. */
	ck_assert(matches("match fragment =is-fragment|last-fragment", 0, &last));
	ck_assert(!matches("match fragment =is-fragment|last-fragment", 0, &mid));
}
END_TEST

START_TEST(match_inputs)
{
	struct fs_rule r;
	struct vr_packet p = udp4();

	errno = 0;
	ck_assert_ptr_null(vr_match_new(NULL));
	ck_assert_int_eq(errno, EINVAL);
	fs_rule_init(&r, FS_IPV4);
	r.family = 7;
	errno = 0;
	ck_assert_ptr_null(vr_match_new(&r));
	ck_assert_int_eq(errno, EINVAL);
	fs_rule_free(&r);
	ck_assert(!vr_match_packet(NULL, &p));
	vr_match_free(NULL);
}
END_TEST

/* Fills a from the actions of the rule in `text`. */
static void
actions_of(const char *text, struct vr_actions *a)
{
	struct fs_rule r;

	fs_rule_init(&r, FS_IPV4);
	fc_parse_or_fail(text, FS_IPV4, &r);
	memset(a, 0x5a, sizeof *a);	/* nothing of before may survive */
	vr_actions_from_rule(a, &r);
	fs_rule_free(&r);
}

START_TEST(actions_none_and_discard)
{
	struct vr_actions a;

	actions_of("match protocol udp", &a);
	ck_assert(!a.discard);
	ck_assert(a.rate_bytes < 0);
	ck_assert(a.rate_packets < 0);
	ck_assert_int_eq(a.mark, -1);
	ck_assert(!a.redirect && !a.sample && !a.terminal);
	actions_of("match protocol udp then accept", &a);
	ck_assert(!a.discard && a.rate_bytes < 0 && a.mark == -1);
	actions_of("match protocol udp then discard", &a);
	ck_assert(a.discard);
	/* A packet rate of 0 is a discard as well (RFC 8955 7.2). */
	actions_of("match protocol udp then rate-limit-packets 0", &a);
	ck_assert(a.discard);
	/* A negative rate is read as 0 (RFC 8955 7.1): -1.0 as a float. */
	actions_of("match protocol udp then ext 80060000bf800000", &a);
	ck_assert(a.discard);
	/* A discard beside a rate: the discard wins. */
	actions_of("match protocol udp then rate-limit 1000 discard", &a);
	ck_assert(a.discard);
}
END_TEST

START_TEST(actions_rates)
{
	struct vr_actions a;

	actions_of("match protocol udp then rate-limit 125000", &a);
	ck_assert(!a.discard);
	ck_assert(a.rate_bytes == 125000.0);
	ck_assert(a.rate_packets < 0);
	actions_of("match protocol udp then rate-limit-packets 50 as 65000", &a);
	ck_assert(a.rate_packets == 50.0);
	ck_assert(a.rate_bytes < 0);
	/* Both kinds at once, and the lowest of two of one kind. */
	actions_of("match protocol udp then rate-limit 9000 rate-limit 3000 rate-limit-packets 7", &a);
	ck_assert(a.rate_bytes == 3000.0);
	ck_assert(a.rate_packets == 7.0);
	/* Infinity limits nothing; NaN asks for nothing. */
	actions_of("match protocol udp then ext 800600007f800000", &a);
	ck_assert(!a.discard && a.rate_bytes < 0);
	actions_of("match protocol udp then ext 800600007fc00000", &a);
	ck_assert(!a.discard && a.rate_bytes < 0);
}
END_TEST

START_TEST(actions_traffic_action_and_mark)
{
	struct vr_actions a;

	actions_of("match protocol udp then action sample", &a);
	ck_assert(a.sample && !a.terminal);
	actions_of("match protocol udp then action terminal", &a);
	ck_assert(!a.sample && a.terminal);
	actions_of("match protocol udp then action sample-terminal", &a);
	ck_assert(a.sample && a.terminal);
	actions_of("match protocol udp then mark 10", &a);
	ck_assert_int_eq(a.mark, 10);
	actions_of("match protocol udp then mark 0", &a);
	ck_assert_int_eq(a.mark, 0);
	/* Interfering marks: the first one. */
	actions_of("match protocol udp then mark 46 mark 10", &a);
	ck_assert_int_eq(a.mark, 46);
	/* Reserved bits above the six of DSCP are not DSCP. */
	actions_of("match protocol udp then ext 80090000000000ff", &a);
	ck_assert_int_eq(a.mark, 63);
}
END_TEST

START_TEST(actions_redirect)
{
	struct vr_actions a;
	struct fs_action want;

	actions_of("match protocol udp then redirect 65000:100", &a);
	fs_ec_redirect_as2(&want, 65000, 100);
	ck_assert(a.redirect);
	ck_assert_mem_eq(a.redirect_ec, want.ec, 8);
	actions_of("match protocol udp then redirect 4200000000:7", &a);
	fs_ec_redirect_as4(&want, 4200000000u, 7);
	ck_assert(a.redirect);
	ck_assert_mem_eq(a.redirect_ec, want.ec, 8);
	actions_of("match protocol udp then redirect 192.0.2.1:5", &a);
	fs_ec_redirect_ip4(&want, (const uint8_t *)"\xc0\x00\x02\x01", 5);
	ck_assert(a.redirect);
	ck_assert_mem_eq(a.redirect_ec, want.ec, 8);
	/* Interfering redirects: the first one. */
	actions_of("match protocol udp then redirect 65000:1 redirect 65000:2", &a);
	fs_ec_redirect_as2(&want, 65000, 1);
	ck_assert_mem_eq(a.redirect_ec, want.ec, 8);
	/* Other communities are no action. */
	actions_of("match protocol udp then ext 0002fde800000064", &a);
	ck_assert(!a.redirect && !a.discard && a.mark == -1);
	vr_actions_from_rule(NULL, NULL);
	vr_actions_from_rule(&a, NULL);
	ck_assert(!a.discard && a.mark == -1 && a.rate_bytes < 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("test_match");
	TCase *m = tcase_create("match");
	TCase *a = tcase_create("actions");

	tcase_add_test(m, prefixes_ipv4);
	tcase_add_test(m, prefixes_ipv6_offset);
	tcase_add_test(m, family_mismatch);
	tcase_add_test(m, numeric_operators);
	tcase_add_test(m, ports);
	tcase_add_test(m, missing_fields);
	tcase_add_test(m, flow_label_ipv4);
	tcase_add_test(m, icmp);
	tcase_add_test(m, tcp_flags);
	tcase_add_test(m, dscp);
	tcase_add_test(m, fragments);
	tcase_add_test(m, match_inputs);
	suite_add_tcase(s, m);
	tcase_add_test(a, actions_none_and_discard);
	tcase_add_test(a, actions_rates);
	tcase_add_test(a, actions_traffic_action_and_mark);
	tcase_add_test(a, actions_redirect);
	suite_add_tcase(s, a);
	return fc_run_suite(s);
}
