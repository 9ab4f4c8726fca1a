/*
 * test_order.c - RFC 8955 section 5.1 rule precedence, with the RFC 8956
 * offset rule for IPv6 prefixes.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "flowspec/nlri.h"
#include "flowspec/order.h"
#include "flowspec/rule.h"

/* Returns the sign of fs_rule_precedence(a, b), checking it is antisymmetric. */
static int
prec(const char *a, const char *b)
{
	struct fs_rule ra, rb;
	int ab, ba;

	fs_rule_init(&ra, FS_IPV4);
	fs_rule_init(&rb, FS_IPV4);
	fc_parse_or_fail(a, 0, &ra);
	fc_parse_or_fail(b, 0, &rb);
	ab = fs_rule_precedence(&ra, &rb);
	ba = fs_rule_precedence(&rb, &ra);
	ab = (ab > 0) - (ab < 0);
	ba = (ba > 0) - (ba < 0);
	ck_assert_msg(ab == -ba, "precedence of \"%s\" and \"%s\" is not "
	    "antisymmetric: %d, %d", a, b, ab, ba);
	fs_rule_free(&ra);
	fs_rule_free(&rb);
	return ab;
}

/* Asserts that component `type` of the rule in `text` encodes as `hex`. */
static void
assert_encoding(const char *text, unsigned type, const char *hex)
{
	struct fs_rule r;
	struct fs_error err;
	uint8_t buf[64];
	char got[129];
	ssize_t n;
	unsigned idx;

	fs_rule_init(&r, FS_IPV4);
	fc_parse_or_fail(text, 0, &r);
	for (idx = 0; idx < r.ncomp && r.comp[idx].type != type; idx++)
		;
	ck_assert_uint_lt(idx, r.ncomp);
	n = fs_component_encode(&r, idx, buf, sizeof(buf), &err);
	ck_assert_int_gt(n, 0);
	fc_hex(buf, (size_t)n, got);
	ck_assert_str_eq(got, hex);
	fs_rule_free(&r);
}

START_TEST(longer_prefix_wins_on_overlap)
{
	/* 10.0.0.0/8 and 10.1.0.0/16 agree on 8 bits: the longer goes first. */
	ck_assert_int_eq(prec("match destination 10.1.0.0/16",
	    "match destination 10.0.0.0/8"), -1);
	ck_assert_int_eq(prec("match source 10.0.0.0/8",
	    "match source 10.0.0.0/24"), 1);
}
END_TEST

START_TEST(lower_prefix_wins_otherwise)
{
	ck_assert_int_eq(prec("match destination 10.0.0.0/16",
	    "match destination 10.1.0.0/16"), -1);
	/* The common 8 bits differ: the lower value wins though it is shorter. */
	ck_assert_int_eq(prec("match destination 10.0.0.0/8",
	    "match destination 192.0.2.0/24"), -1);
	/* The first component decides before the later ones are looked at. */
	ck_assert_int_eq(prec("match destination 10.0.0.0/16 protocol ==udp",
	    "match destination 10.0.0.0/8 protocol ==tcp"), -1);
}
END_TEST

START_TEST(missing_component_is_infinity)
{
	/* Same destination; only the first rule goes on: it has precedence. */
	ck_assert_int_eq(prec("match destination 10.0.0.0/8 protocol ==tcp",
	    "match destination 10.0.0.0/8"), -1);
	/* Type 1 before type 3, whatever the values. */
	ck_assert_int_eq(prec("match protocol ==tcp",
	    "match destination 192.0.2.0/24"), 1);
	ck_assert_int_eq(prec("match source 10.0.0.0/8",
	    "match destination 255.0.0.0/8 source 10.0.0.0/8"), 1);
	ck_assert_int_eq(prec("match packet-length ==100",
	    "match destination-port ==80 packet-length ==100"), 1);
}
END_TEST

START_TEST(numeric_strings)
{
	/* The strings compared, type octet excluded. */
	assert_encoding("match protocol ==tcp ==udp", FS_PROTO, "01068111");
	assert_encoding("match protocol ==udp", FS_PROTO, "8111");
	assert_encoding("match destination-port >=1024", FS_DPORT, "930400");
	assert_encoding("match destination-port ==80", FS_DPORT, "8150");
	/* 01 < 81 at the first octet. */
	ck_assert_int_eq(prec("match protocol ==tcp ==udp",
	    "match protocol ==udp"), -1);
	/* 81 06 < 81 11. */
	ck_assert_int_eq(prec("match protocol ==tcp", "match protocol ==udp"), -1);
	/* 81 50 < 93 04 00: == beats >= by the operator octet. */
	ck_assert_int_eq(prec("match destination-port >=1024",
	    "match destination-port ==80"), 1);
	/* 91 04 00 < 93 04 00. */
	ck_assert_int_eq(prec("match destination-port ==1024",
	    "match destination-port >=1024"), -1);
	/* 01 50 91 01 bb < 81 50. */
	ck_assert_int_eq(prec("match destination-port ==80 ==443",
	    "match destination-port ==80"), -1);
	/* Numerically smaller is not what counts: 81 ff < 91 01 00. */
	ck_assert_int_eq(prec("match destination-port ==256",
	    "match destination-port ==255"), 1);
}
END_TEST

START_TEST(equal_matches)
{
	ck_assert_int_eq(prec("match destination 10.0.0.0/8 port ==80",
	    "match destination 10.0.0.0/8 port ==80 then discard"), 0);
	ck_assert_int_eq(prec("match tcp-flags =S", "match tcp-flags =S"), 0);
	/* Bits beyond the length are masked when parsed: same prefix. */
	ck_assert_int_eq(prec("match destination 10.1.2.3/8",
	    "match destination 10.0.0.0/8"), 0);
}
END_TEST

START_TEST(ipv6_offsets)
{
	/* The lower offset has precedence, whatever the pattern. */
	ck_assert_int_eq(prec("match destination ff00::/8",
	    "match destination ::1:0:0:0/72 offset 64"), -1);
	/* Same offset: the lower pattern from the offset on... */
	ck_assert_int_eq(prec("match source ::1234:0:0:0/80 offset 64",
	    "match source ::1233:0:0:0/80 offset 64"), 1);
	/* ... or the longer one when they agree. */
	ck_assert_int_eq(prec("match source ::1234:0:0:0/80 offset 64",
	    "match source ::1234:5600:0:0/88 offset 64"), 1);
	/* Bits below the offset are not compared (nor carried). */
	ck_assert_int_eq(prec("match source ff00::1234:0:0:0/80 offset 64",
	    "match source ::1234:0:0:0/80 offset 64"), 0);
	/* Without offsets, plain RFC 8955 rules. */
	ck_assert_int_eq(prec("match destination 2001:db8::/32",
	    "match destination 2001:db8:1::/48"), 1);
}
END_TEST

START_TEST(families)
{
	ck_assert_int_eq(prec("match destination 2001:db8::/32",
	    "match destination 10.0.0.0/8"), 1);
	ck_assert_int_eq(fs_rule_precedence(NULL, NULL), 0);
}
END_TEST

static const char *const corpus[] = {
	"match destination 10.0.0.0/8",
	"match destination 10.0.0.0/8 protocol ==tcp",
	"match destination 10.0.0.0/8 protocol ==tcp ==udp",
	"match destination 10.1.0.0/16",
	"match destination 10.1.0.0/16 destination-port ==80",
	"match destination 10.1.0.0/16 destination-port >=1024",
	"match destination 192.0.2.0/24 source 10.0.0.0/8",
	"match source 10.0.0.0/8",
	"match protocol ==udp",
	"match protocol ==udp packet-length >=99971&<=99985",
	"match destination-port ==80 ==443",
	"match destination-port ==80",
	"match tcp-flags =S&!A",
	"match tcp-flags =S",
	"match dscp ==46",
	"match fragment =is-fragment",
};

static struct fs_rule sorted[sizeof(corpus) / sizeof(corpus[0])];

static int
cmp_rules(const void *a, const void *b)
{
	return fs_rule_precedence(a, b);
}

START_TEST(total_order)
{
	size_t n = sizeof(corpus) / sizeof(corpus[0]);

	for (size_t i = 0; i < n; i++) {
		fs_rule_init(&sorted[i], FS_IPV4);
		fc_parse_or_fail(corpus[i], 0, &sorted[i]);
	}
	qsort(sorted, n, sizeof(sorted[0]), cmp_rules);
	/* Transitive: after sorting, every earlier rule precedes every later. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			ck_assert_int_lt(fs_rule_precedence(&sorted[i], &sorted[j]), 0);
	/* The most specific 10.1/16 rules come before 10/8 ones. */
	ck_assert_ptr_nonnull(fs_rule_find(&sorted[0], FS_DPORT));
	ck_assert_uint_eq(sorted[0].comp[0].prefix.len, 16);
	for (size_t i = 0; i < n; i++)
		fs_rule_free(&sorted[i]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("order");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, longer_prefix_wins_on_overlap);
	tcase_add_test(tc, lower_prefix_wins_otherwise);
	tcase_add_test(tc, missing_component_is_infinity);
	tcase_add_test(tc, numeric_strings);
	tcase_add_test(tc, equal_matches);
	tcase_add_test(tc, ipv6_offsets);
	tcase_add_test(tc, families);
	tcase_add_test(tc, total_order);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
