/*
 * test_text.c - the one-line syntax: every component, operator and action
 * form encodes as the RFCs say; canonical printing; errors at the right
 * column with a message that says what was expected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "flowspec/nlri.h"
#include "flowspec/ruleset.h"
#include "flowspec/text.h"
#include "flowspec/ecomm.h"

struct enc_case {
	const char *text;
	const char *nlri;	/* hex */
	const char *canonical;	/* fs_print_rule output */
};

static const struct enc_case encs[] = {
	/* bare value means == ; names */
	{ "match protocol udp", "03038111", "match protocol ==udp" },
	{ "match protocol 47", "0303812f", "match protocol ==gre" },
	{ "match next-header tcp", "03038106", "match protocol ==tcp" },
	/* every numeric operator */
	{ "match port >80", "03048250", "match port >80" },
	{ "match port >=80", "03048350", "match port >=80" },
	{ "match port <80", "03048450", "match port <80" },
	{ "match port <=80", "03048550", "match port <=80" },
	{ "match port !=80", "03048650", "match port !=80" },
	{ "match port =80", "03048150", "match port ==80" },
	{ "match port true", "03048700", "match port true" },
	{ "match port false:7", "03048007", "match port false:7" },
	/* A-B sugar, OR of terms, AND chains, a leading & */
	{ "match destination-port 1024-2047", "0705130400d507ff",
	  "match destination-port >=1024&<=2047" },
	{ "match source-port ==53 ==123", "05060135817b",
	  "match source-port ==53 ==123" },
	{ "match packet-length >=100 &<=200", "050a0364c5c8",
	  "match packet-length >=100&<=200" },
	/* explicit value sizes survive */
	{ "match port ==80/2", "0404910050", "match port ==80/2" },
	{ "match packet-length ==1/4", "060aa100000001", "match packet-length ==1/4" },
	{ "match dscp 46 icmp-type 8 icmp-code 0", "090781080881000b812e",
	  "match icmp-type ==8 icmp-code ==0 dscp ==46" },
	/* bitmasks: names, letters, numbers, = ! != */
	{ "match tcp-flags syn", "03098002", "match tcp-flags S" },
	{ "match tcp-flags =syn|ack", "03098112", "match tcp-flags =SA" },
	{ "match tcp-flags !=SA", "03098312", "match tcp-flags !=SA" },
	{ "match tcp-flags =0x12", "03098112", "match tcp-flags =SA" },
	{ "match tcp-flags 0x100", "0409900100", "match tcp-flags 0x100" },
	{ "match tcp-flags =S&!A", "05090102c210", "match tcp-flags =S&!A" },
	{ "match tcp-flags fin push urgent cwr ece rst", "0d09000100080020008000408004",
	  "match tcp-flags F P U C E R" },
	{ "match fragment dont-fragment|last-fragment", "030c8009",
	  "match fragment dont-fragment|last-fragment" },
	{ "match fragment !is-fragment", "030c8202", "match fragment !is-fragment" },
	/* prefixes */
	{ "match source 10.1.2.3", "0602200a010203", "match source 10.1.2.3/32" },
	{ "match destination 10.1.2.3/8", "0301080a", "match destination 10.0.0.0/8" },
	{ "match destination 2001:db8::/32 flow-label 5",
	  "0a01200020010db80d8105",
	  "match destination 2001:db8::/32 flow-label ==5" },
	{ "match source ::1234:5678:9a00:0/104 offset 64",
	  "0802684012345678 9a", "match source ::1234:5678:9a00:0/104 offset 64" },
	/* decimal, or hex after 0x; a leading zero is not octal */
	{ "match destination 10.0.0.0/010", "04010a0a00", "match destination 10.0.0.0/10" },
	{ "match dscp 010 port 0x50 source-port 08", "09048150068108 0b810a",
	  "match port ==80 source-port ==8 dscp ==10" },
	/* flag names win over GoBGP letters, in any case: ECE is ece, not E|C */
	{ "match tcp-flags ECE", "03098040", "match tcp-flags E" },
	{ "match tcp-flags =SYN|ACK", "03098112", "match tcp-flags =SA" },
	{ "match tcp-flags EC", "030980c0", "match tcp-flags EC" },
	/* components in any order come out in type order */
	{ "match packet-length <64 protocol icmp destination 0.0.0.0/0",
	  "08010003810 10a8440", "match destination 0.0.0.0/0 protocol ==icmp packet-length <64" },
};

static void
strip_spaces(const char *in, char *out)
{
	for (; *in; in++)
		if (*in != ' ')
			*out++ = *in;
	*out = '\0';
}

START_TEST(encodes_and_prints)
{
	const struct enc_case *c = &encs[_i];
	struct fs_rule r;
	uint8_t buf[256];
	char want[256], got[600], text[512];
	ssize_t n;

	fs_rule_init(&r, 0);
	fc_parse_or_fail(c->text, 0, &r);
	n = fs_nlri_encode(&r, buf, sizeof(buf), NULL);
	ck_assert_int_gt(n, 0);
	fc_hex(buf, (size_t)n, got);
	strip_spaces(c->nlri, want);
	ck_assert_msg(strcmp(got, want) == 0, "\"%s\": %s, want %s", c->text, got, want);
	fs_print_rule(&r, text, sizeof(text));
	ck_assert_str_eq(text, c->canonical);
	fs_rule_free(&r);
}
END_TEST

struct act_case {
	const char *text;
	const char *ext;	/* hex of the first action */
	const char *canonical;
};

static const struct act_case acts[] = {
	{ "discard", "8006000000000000", "discard" },
	{ "rate-limit 0", "8006000000000000", "discard" },
	{ "rate-limit 125000", "8006000047f42400", "rate-limit 125000" },
	{ "rate-limit 1000 as 65000", "8006fde8447a0000", "rate-limit 1000 as 65000" },
	{ "rate-limit 0.5", "800600003f000000", "rate-limit 0.5" },
	{ "rate-limit-packets 100", "800c000042c80000", "rate-limit-packets 100" },
	{ "redirect 65000:100", "8008fde800000064", "redirect 65000:100" },
	{ "redirect 65000:4000000000", "8008fde8ee6b2800", "redirect 65000:4000000000" },
	{ "redirect 4200000000:100", "8208fa56ea000064", "redirect 4200000000:100" },
	{ "redirect 65000L:100", "82080000fde80064", "redirect 65000L:100" },
	{ "redirect 10.0.0.1:100", "81080a0000010064", "redirect 10.0.0.1:100" },
	{ "mark 46", "800900000000002e", "mark 46" },
	{ "action sample", "8007000000000002", "action sample" },
	{ "action terminal", "8007000000000001", "action terminal" },
	{ "action sample-terminal", "8007000000000003", "action sample-terminal" },
	{ "ext 0002fde800000064", "0002fde800000064", "ext 0002fde800000064" },
	/* the largest float prints and parses back */
	{ "rate-limit 3.40282347e+38", "800600007f7fffff", "rate-limit 3.40282347e+38" },
	/* a rate of -0.0 is not the octets of discard: it stays raw */
	{ "ext 8006000080000000", "8006000080000000", "ext 8006000080000000" },
	{ "ext 800600007fc00000", "800600007fc00000", "ext 800600007fc00000" },
};

START_TEST(actions_encode_and_print)
{
	const struct act_case *c = &acts[_i];
	char text[256], hex[17], printed[128];
	struct fs_rule r;

	snprintf(text, sizeof(text), "match protocol tcp then %s", c->text);
	fs_rule_init(&r, 0);
	fc_parse_or_fail(text, 0, &r);
	ck_assert_uint_eq(r.nactions, 1);
	fs_ec_to_hex(&r.actions[0], hex);
	ck_assert_msg(strcmp(hex, c->ext) == 0, "%s: %s, want %s", c->text, hex, c->ext);
	fs_ec_print(&r.actions[0], printed, sizeof(printed));
	ck_assert_str_eq(printed, c->canonical);
	fs_rule_free(&r);
}
END_TEST

START_TEST(accept_and_several_actions)
{
	struct fs_rule r;
	char text[256];

	fs_rule_init(&r, 0);
	fc_parse_or_fail("match protocol tcp then accept", 0, &r);
	ck_assert_uint_eq(r.nactions, 0);
	fc_parse_or_fail("match protocol tcp then rate-limit 1000 mark 10 action sample",
	    0, &r);
	ck_assert_uint_eq(r.nactions, 3);
	fs_print_rule(&r, text, sizeof(text));
	ck_assert_str_eq(text,
	    "match protocol ==tcp then rate-limit 1000 mark 10 action sample");
	fs_rule_free(&r);
}
END_TEST

struct err_case {
	const char *text;
	int family;
	enum fs_errcode code;
	unsigned column;
	const char *words;
};

static const struct err_case errs[] = {
	{ "", 0, FS_E_SYNTAX, 1, "expected \"match\"" },
	{ "destination 10.0.0.0/8", 0, FS_E_SYNTAX, 1, "expected \"match\"" },
	{ "match", 0, FS_E_SYNTAX, 6, "at least one component" },
	{ "match then discard", 0, FS_E_SYNTAX, 7, "at least one component" },
	{ "match prot tcp", 0, FS_E_SYNTAX, 7, "unknown component \"prot\"" },
	{ "match protocol", 0, FS_E_SYNTAX, 7, "at least one term" },
	{ "match protocol then discard", 0, FS_E_SYNTAX, 7, "at least one term" },
	{ "match protocol tpc", 0, FS_E_VALUE, 16, "\"tpc\" is not a value" },
	{ "match port >=100&<=x", 0, FS_E_VALUE, 18, "\"x\" is not a value" },
	{ "match port &80", 0, FS_E_SYNTAX, 12, "nothing before it" },
	{ "match port 80 port 81", 0, FS_E_DUPLICATE, 15, "given twice" },
	{ "match port ==80/3", 0, FS_E_VALUE, 12, "value size" },
	{ "match port ==300/1", 0, FS_E_VALUE, 12, "does not fit" },
	{ "match port 99999999999999999999999", 0, FS_E_VALUE, 12, "not a value" },
	{ "match tcp-flags =SYNX", 0, FS_E_VALUE, 17, "not a value" },
	{ "match fragment is-frag", 0, FS_E_VALUE, 16, "not a value" },
	{ "match destination 10.0.0.0/33", 0, FS_E_VALUE, 19, "prefix length" },
	{ "match destination 10.0.0/8", 0, FS_E_VALUE, 19, "not an IPv4 address" },
	{ "match destination 2001:db8::/32 source 10.0.0.0/8", 0, FS_E_FAMILY, 40, "IPv4 address in an IPv6 rule" },
	{ "match destination 10.0.0.0/8", FS_IPV6, FS_E_FAMILY, 19, "IPv4 address" },
	{ "match destination 10.0.0.0/8 offset 2", 0, FS_E_FAMILY, 30, "only for IPv6" },
	{ "match destination 2001:db8::/32 offset", 0, FS_E_SYNTAX, 40, "needs a number" },
	{ "match destination 2001:db8::/32 offset 33", 0, FS_E_VALUE, 40, "offset must be" },
	{ "match destination 10.0.0.0/8 flow-label 1", 0, FS_E_FAMILY, 30, "only in IPv6" },
	{ "match protocol tcp then", 0, FS_E_SYNTAX, 20, "expected an action" },
	{ "match protocol tcp then drop", 0, FS_E_SYNTAX, 25, "unknown action \"drop\"" },
	{ "match protocol tcp then rate-limit fast", 0, FS_E_VALUE, 36, "not a rate" },
	{ "match protocol tcp then rate-limit -5", 0, FS_E_VALUE, 36, "not a rate" },
	{ "match protocol tcp then rate-limit 5 as 70000", 0, FS_E_VALUE, 41, "2 octets" },
	{ "match protocol tcp then redirect 65000", 0, FS_E_VALUE, 34, "route target" },
	{ "match protocol tcp then redirect 70000:70000", 0, FS_E_VALUE, 34, "2 octets" },
	{ "match protocol tcp then redirect 10.0.0.1:70000", 0, FS_E_VALUE, 34, "2 octets" },
	{ "match protocol tcp then mark 64", 0, FS_E_VALUE, 30, "0 to 63" },
	{ "match protocol tcp then action drop", 0, FS_E_VALUE, 32, "sample, terminal" },
	{ "match protocol tcp then ext 0102", 0, FS_E_EXT_COMMUNITY, 29, "16 hex digits" },
	{ "match protocol tcp then discard", FS_IPV4, 0, 0, NULL },	/* control */
};

START_TEST(errors_name_column_and_expectation)
{
	const struct err_case *c = &errs[_i];
	struct fs_rule r;
	struct fs_error err;
	int rc;

	fs_rule_init(&r, 0);
	rc = fs_parse_rule(c->text, strlen(c->text), c->family, &r, &err);
	if (c->code == 0) {
		ck_assert_int_eq(rc, 0);
		fs_rule_free(&r);
		return;
	}
	ck_assert_msg(rc == -1, "\"%s\" parsed", c->text);
	ck_assert_msg(err.code == c->code, "\"%s\": code %s, want %s (%s)", c->text,
	    fs_errcode_name(err.code), fs_errcode_name(c->code), err.msg);
	ck_assert_msg(err.column == c->column, "\"%s\": column %u, want %u (%s)",
	    c->text, err.column, c->column, err.msg);
	ck_assert_msg(strstr(err.msg, c->words) != NULL, "\"%s\": \"%s\" lacks \"%s\"",
	    c->text, err.msg, c->words);
	ck_assert_uint_eq(r.ncomp, 0);	/* nothing half-built */
	fs_rule_free(&r);
}
END_TEST

/* Rule files: names, comments, line numbers; an error leaves the set as it was. */
START_TEST(oneline_file)
{
	static const char text[] =
	    "# mitigations\n"
	    "\n"
	    "dns-amp: match destination 192.0.2.0/24 protocol udp source-port 53 then rate-limit 125000\n"
	    "   match protocol tcp tcp-flags =S then discard   # SYN flood\n";
	static const char bad[] =
	    "match protocol tcp\n"
	    "match protocol tcp\n"
	    "ntp:  match protocol udp source-port 123 packet-length >=468 then rate-limit x\n";
	struct fs_ruleset set;
	struct fs_error err;

	fs_ruleset_init(&set);
	ck_assert_int_eq(fs_ruleset_detect(text, sizeof(text) - 1), FS_SYNTAX_ONELINE);
	ck_assert_int_eq(fs_ruleset_load_text(&set, text, sizeof(text) - 1, "m.flow", 0,
	    &err), 2);
	ck_assert_uint_eq(set.n, 2);
	ck_assert_str_eq(set.v[0].name, "dns-amp");
	ck_assert_uint_eq(set.v[0].line, 3);
	ck_assert_uint_eq(set.v[0].column, 10);
	ck_assert_ptr_null(set.v[1].name);
	ck_assert_uint_eq(set.v[1].line, 4);
	ck_assert_uint_eq(set.v[1].rule.ncomp, 2);
	ck_assert_int_eq(fs_ruleset_load_text(&set, bad, sizeof(bad) - 1, "bad.flow", 0,
	    &err), -1);
	ck_assert_uint_eq(set.n, 2);
	ck_assert_str_eq(err.file, "bad.flow");
	ck_assert_uint_eq(err.line, 3);
	ck_assert_uint_eq(err.column, 78);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a rate"));
	fs_ruleset_free(&set);
}
END_TEST

/* A Junos file may start with a bare "flow {"; its "then discard;" gives it away. */
START_TEST(detects_syntax_by_content)
{
	static const char exa[] = "flow {\n route a {\n  match { protocol tcp; }\n"
	    "  then { discard; }\n }\n}\n";
	static const char junos[] = "flow {\n route a {\n  match { protocol tcp; }\n"
	    "  then discard;\n }\n}\n";
	static const char junos2[] = "# lab\nrouting-options { flow { route a { "
	    "match { protocol tcp; } then { discard; } } } }\n";

	static const char exa_comment[] = "# DNS: match udp/53, then rate-limit to 1 Mbit/s\n"
	    "# routing-options would say Junos, but not in a comment\n"
	    "flow {\n route dns {\n  match { protocol udp; }\n"
	    "  then { rate-limit 125000; }\n }\n}\n";

	ck_assert_int_eq(fs_ruleset_detect(exa, sizeof(exa) - 1), FS_SYNTAX_EXABGP);
	ck_assert_int_eq(fs_ruleset_detect(exa_comment, sizeof(exa_comment) - 1),
	    FS_SYNTAX_EXABGP);
	ck_assert_int_eq(fs_ruleset_detect(junos, sizeof(junos) - 1), FS_SYNTAX_JUNOS);
	ck_assert_int_eq(fs_ruleset_detect(junos2, sizeof(junos2) - 1), FS_SYNTAX_JUNOS);
	ck_assert_int_eq(fs_ruleset_detect("neighbor 10.0.0.1 { }", 21), FS_SYNTAX_EXABGP);
	ck_assert_int_eq(fs_ruleset_detect("match port 80", 13), FS_SYNTAX_ONELINE);
}
END_TEST

START_TEST(missing_file_is_an_io_error)
{
	struct fs_ruleset set;
	struct fs_error err;

	fs_ruleset_init(&set);
	ck_assert_int_eq(fs_ruleset_load_file(&set, "/nonexistent/rules.flow", 0,
	    &err), -1);
	ck_assert_int_eq(err.code, FS_E_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/rules.flow"));
	ck_assert_int_eq(fs_ruleset_load_file(&set, "/", 0, &err), -1);
	ck_assert_int_eq(err.code, FS_E_IO);
	fs_ruleset_free(&set);
}
END_TEST

START_TEST(shipped_outage_rule_loads)
{
	char *path = fc_source_path("faults/rules/cloudflare-2013.flow");
	struct fs_ruleset set;
	struct fs_error err;
	uint8_t buf[64];
	char hex[130];

	fs_ruleset_init(&set);
	ck_assert_int_eq(fs_ruleset_load_file(&set, path, 0, &err), 1);
	ck_assert_str_eq(set.v[0].name, "cloudflare-2013");
	fc_hex(buf, (size_t)fs_nlri_encode(&set.v[0].rule, buf, sizeof(buf), NULL), hex);
	ck_assert_str_eq(hex, "140120c00002350381110a2300018683e500018691");
	fs_ruleset_free(&set);
	free(path);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("syntax");

	tcase_add_loop_test(tc, encodes_and_prints, 0, (int)(sizeof(encs) / sizeof(encs[0])));
	tcase_add_loop_test(tc, actions_encode_and_print, 0,
	    (int)(sizeof(acts) / sizeof(acts[0])));
	tcase_add_test(tc, accept_and_several_actions);
	tcase_add_loop_test(tc, errors_name_column_and_expectation, 0,
	    (int)(sizeof(errs) / sizeof(errs[0])));
	tcase_add_test(tc, oneline_file);
	tcase_add_test(tc, detects_syntax_by_content);
	tcase_add_test(tc, missing_file_is_an_io_error);
	tcase_add_test(tc, shipped_outage_rule_loads);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
