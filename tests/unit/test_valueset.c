/*
 * test_valueset.c - value sets: term semantics, set algebra, RFC 8955
 * component evaluation (numeric and bitmask) and prefix expansion counts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "flowspec/rule.h"
#include "flowspec/valueset.h"

/* Asserts that `s` is exactly the `n` intervals of `want` (lo, hi pairs). */
static void
assert_set(const struct fs_valueset *s, const uint64_t *want, size_t n)
{
	ck_assert_uint_eq(s->n, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(s->v[i].lo, want[2 * i]);
		ck_assert_uint_eq(s->v[i].hi, want[2 * i + 1]);
	}
}

/* Makes `s` the set of the component of `type` of the rule in `text`. */
static void
component_set(const char *text, int family, unsigned type,
    struct fs_valueset *s)
{
	struct fs_rule r;
	const struct fs_component *c;

	fs_rule_init(&r, family);
	fc_parse_or_fail(text, family, &r);
	c = fs_rule_find(&r, type);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(fs_vs_from_component(s, &r, c), 0);
	fs_rule_free(&r);
}

START_TEST(term_operators)
{
	struct fs_valueset s;

	fs_vs_init(&s);
	ck_assert_int_eq(fs_vs_from_term(&s, FS_NUM_EQ, 80), 0);
	assert_set(&s, (uint64_t[]){ 80, 80 }, 1);
	ck_assert_int_eq(fs_vs_from_term(&s, FS_NUM_GT, 80), 0);
	assert_set(&s, (uint64_t[]){ 81, UINT64_MAX }, 1);
	ck_assert_int_eq(fs_vs_from_term(&s, FS_NUM_GT | FS_NUM_EQ, 80), 0);
	assert_set(&s, (uint64_t[]){ 80, UINT64_MAX }, 1);
	ck_assert_int_eq(fs_vs_from_term(&s, FS_NUM_LT, 80), 0);
	assert_set(&s, (uint64_t[]){ 0, 79 }, 1);
	ck_assert_int_eq(fs_vs_from_term(&s, FS_NUM_LT | FS_NUM_EQ, 80), 0);
	assert_set(&s, (uint64_t[]){ 0, 80 }, 1);
	ck_assert_int_eq(fs_vs_from_term(&s, FS_NUM_LT | FS_NUM_GT, 80), 0);
	assert_set(&s, (uint64_t[]){ 0, 79, 81, UINT64_MAX }, 2);
	ck_assert_int_eq(fs_vs_from_term(&s, FS_NUM_LT | FS_NUM_GT | FS_NUM_EQ, 80), 0);
	assert_set(&s, (uint64_t[]){ 0, UINT64_MAX }, 1);
	ck_assert_int_eq(fs_vs_from_term(&s, 0, 80), 0);
	ck_assert(fs_vs_is_empty(&s));
	/* The AND and size bits do not change what a term matches. */
	ck_assert_int_eq(fs_vs_from_term(&s, FS_OP_AND | 0x10 | FS_NUM_EQ, 7), 0);
	assert_set(&s, (uint64_t[]){ 7, 7 }, 1);
	fs_vs_free(&s);
}
END_TEST

START_TEST(term_edges)
{
	struct fs_valueset s;

	fs_vs_init(&s);
	/* Nothing is below 0 or above the largest value. */
	ck_assert_int_eq(fs_vs_from_term(&s, FS_NUM_LT, 0), 0);
	ck_assert(fs_vs_is_empty(&s));
	ck_assert_int_eq(fs_vs_from_term(&s, FS_NUM_GT, UINT64_MAX), 0);
	ck_assert(fs_vs_is_empty(&s));
	ck_assert_int_eq(fs_vs_from_term(&s, FS_NUM_LT | FS_NUM_GT, 0), 0);
	assert_set(&s, (uint64_t[]){ 1, UINT64_MAX }, 1);
	ck_assert_int_eq(fs_vs_from_term(&s, FS_NUM_LT | FS_NUM_GT, UINT64_MAX), 0);
	assert_set(&s, (uint64_t[]){ 0, UINT64_MAX - 1 }, 1);
	ck_assert_int_eq(fs_vs_from_term(&s, FS_NUM_LT | FS_NUM_EQ, UINT64_MAX), 0);
	assert_set(&s, (uint64_t[]){ 0, UINT64_MAX }, 1);
	fs_vs_free(&s);
}
END_TEST

START_TEST(add_keeps_canonical)
{
	struct fs_valueset s;

	fs_vs_init(&s);
	ck_assert_int_eq(fs_vs_add(&s, 50, 60), 0);
	ck_assert_int_eq(fs_vs_add(&s, 10, 20), 0);
	ck_assert_int_eq(fs_vs_add(&s, 100, 200), 0);
	assert_set(&s, (uint64_t[]){ 10, 20, 50, 60, 100, 200 }, 3);
	/* Adjacent intervals merge: 21 touches 20. */
	ck_assert_int_eq(fs_vs_add(&s, 21, 30), 0);
	assert_set(&s, (uint64_t[]){ 10, 30, 50, 60, 100, 200 }, 3);
	/* One interval bridging two merges all three. */
	ck_assert_int_eq(fs_vs_add(&s, 55, 99), 0);
	assert_set(&s, (uint64_t[]){ 10, 30, 50, 200 }, 2);
	/* Inside an existing interval: no change. */
	ck_assert_int_eq(fs_vs_add(&s, 12, 13), 0);
	assert_set(&s, (uint64_t[]){ 10, 30, 50, 200 }, 2);
	ck_assert_int_eq(fs_vs_add(&s, UINT64_MAX, UINT64_MAX), 0);
	ck_assert_int_eq(fs_vs_add(&s, 0, 9), 0);
	assert_set(&s, (uint64_t[]){ 0, 30, 50, 200, UINT64_MAX, UINT64_MAX }, 3);
	errno = 0;
	ck_assert_int_eq(fs_vs_add(&s, 5, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(s.n, 3);
	fs_vs_free(&s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_ptr_null(s.v);
}
END_TEST

START_TEST(algebra)
{
	struct fs_valueset a, b, out;

	fs_vs_init(&a);
	fs_vs_init(&b);
	fs_vs_init(&out);
	ck_assert_int_eq(fs_vs_add(&a, 0, 10), 0);
	ck_assert_int_eq(fs_vs_add(&a, 20, 30), 0);
	ck_assert_int_eq(fs_vs_add(&b, 5, 25), 0);
	ck_assert_int_eq(fs_vs_intersect(&out, &a, &b), 0);
	assert_set(&out, (uint64_t[]){ 5, 10, 20, 25 }, 2);
	ck_assert_int_eq(fs_vs_union(&out, &a, &b), 0);
	assert_set(&out, (uint64_t[]){ 0, 30 }, 1);
	/* Union of touching sets is one interval. */
	fs_vs_clear(&b);
	ck_assert_int_eq(fs_vs_add(&b, 11, 19), 0);
	ck_assert_int_eq(fs_vs_union(&out, &a, &b), 0);
	assert_set(&out, (uint64_t[]){ 0, 30 }, 1);
	/* Disjoint sets intersect to nothing. */
	ck_assert_int_eq(fs_vs_intersect(&out, &a, &b), 0);
	ck_assert(fs_vs_is_empty(&out));
	/* out may alias an operand. */
	ck_assert_int_eq(fs_vs_union(&a, &a, &b), 0);
	assert_set(&a, (uint64_t[]){ 0, 30 }, 1);
	ck_assert_int_eq(fs_vs_intersect(&a, &a, &b), 0);
	assert_set(&a, (uint64_t[]){ 11, 19 }, 1);
	ck_assert(fs_vs_equal(&a, &b));
	fs_vs_free(&a);
	fs_vs_free(&b);
	fs_vs_free(&out);
}
END_TEST

START_TEST(subset_covers_clamp)
{
	struct fs_valueset a, b;

	fs_vs_init(&a);
	fs_vs_init(&b);
	ck_assert_int_eq(fs_vs_add(&a, 80, 80), 0);
	ck_assert_int_eq(fs_vs_add(&a, 443, 443), 0);
	ck_assert_int_eq(fs_vs_add(&b, 0, 1023), 0);
	ck_assert(fs_vs_subset(&a, &b));
	ck_assert(!fs_vs_subset(&b, &a));
	/* An interval straddling two of b's is not inside b. */
	fs_vs_clear(&b);
	ck_assert_int_eq(fs_vs_add(&b, 0, 100), 0);
	ck_assert_int_eq(fs_vs_add(&b, 102, 1000), 0);
	fs_vs_clear(&a);
	ck_assert_int_eq(fs_vs_add(&a, 90, 110), 0);
	ck_assert(!fs_vs_subset(&a, &b));
	/* The empty set is inside everything. */
	fs_vs_clear(&a);
	ck_assert(fs_vs_subset(&a, &b));
	ck_assert(!fs_vs_contains(&b, 101));
	ck_assert(fs_vs_contains(&b, 102));
	ck_assert(fs_vs_covers(&b, 100));
	ck_assert(!fs_vs_covers(&b, 101));
	ck_assert_int_eq(fs_vs_fill(&a), 0);
	ck_assert(fs_vs_covers(&a, UINT64_MAX));
	fs_vs_clamp(&a, 65535);
	assert_set(&a, (uint64_t[]){ 0, 65535 }, 1);
	fs_vs_clamp(&b, 50);
	assert_set(&b, (uint64_t[]){ 0, 50 }, 1);
	fs_vs_clear(&b);
	ck_assert_int_eq(fs_vs_add(&b, 70000, 80000), 0);
	fs_vs_clamp(&b, 65535);
	ck_assert(fs_vs_is_empty(&b));
	fs_vs_free(&a);
	fs_vs_free(&b);
}
END_TEST

START_TEST(numeric_component)
{
	struct fs_valueset s;

	fs_vs_init(&s);
	component_set("match destination-port >=100&<=200 ==300", FS_IPV4,
	    FS_DPORT, &s);
	assert_set(&s, (uint64_t[]){ 100, 200, 300, 300 }, 2);
	/* A-B sugar is the same set. */
	component_set("match destination-port 100-200", FS_IPV4, FS_DPORT, &s);
	assert_set(&s, (uint64_t[]){ 100, 200 }, 1);
	/* AND binds tighter than OR: ==80 OR (==90 AND >=85), so 80 stays. */
	component_set("match port ==80 ==90&>=85", FS_IPV4, FS_PORT, &s);
	assert_set(&s, (uint64_t[]){ 80, 80, 90, 90 }, 2);
	/* A term that starts with & is AND-ed to the term before it. */
	component_set("match port >=1000 &<=2000 ==5", FS_IPV4, FS_PORT, &s);
	assert_set(&s, (uint64_t[]){ 5, 5, 1000, 2000 }, 2);
	/* Contradictory AND-group: nothing. */
	component_set("match packet-length >=100&<=50", FS_IPV4, FS_PKT_LEN, &s);
	ck_assert(fs_vs_is_empty(&s));
	/* Values are not clamped to the field here. */
	component_set("match packet-length >=99971&<=99985", FS_IPV4,
	    FS_PKT_LEN, &s);
	assert_set(&s, (uint64_t[]){ 99971, 99985 }, 1);
	component_set("match protocol !=6", FS_IPV4, FS_PROTO, &s);
	assert_set(&s, (uint64_t[]){ 0, 5, 7, UINT64_MAX }, 2);
	fs_vs_free(&s);
}
END_TEST

START_TEST(numeric_groups)
{
	struct fs_rule r;
	struct fs_valueset s;
	const struct fs_component *c;
	size_t pos = 0;

	fs_rule_init(&r, FS_IPV4);
	fs_vs_init(&s);
	fc_parse_or_fail("match port >=100&<=50 ==80 >=10&<=20", FS_IPV4, &r);
	c = fs_rule_find(&r, FS_PORT);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(fs_vs_from_group(&s, &r, c, &pos), 0);
	ck_assert(fs_vs_is_empty(&s));
	ck_assert_uint_eq(pos, 2);
	ck_assert_int_eq(fs_vs_from_group(&s, &r, c, &pos), 0);
	assert_set(&s, (uint64_t[]){ 80, 80 }, 1);
	ck_assert_uint_eq(pos, 3);
	ck_assert_int_eq(fs_vs_from_group(&s, &r, c, &pos), 0);
	assert_set(&s, (uint64_t[]){ 10, 20 }, 1);
	ck_assert_uint_eq(pos, 5);
	errno = 0;
	ck_assert_int_eq(fs_vs_from_group(&s, &r, c, &pos), -1);
	ck_assert_int_eq(errno, EINVAL);
	fs_vs_free(&s);
	fs_rule_free(&r);
}
END_TEST

START_TEST(bitmask_component)
{
	struct fs_valueset s;

	fs_vs_init(&s);
	/* =S: (data & 0x02) == 0x02, over 12 bits of flags. */
	component_set("match tcp-flags =S", FS_IPV4, FS_TCP_FLAGS, &s);
	ck_assert_uint_eq(s.n, 1024);
	ck_assert(fs_vs_contains(&s, 0x02));
	ck_assert(fs_vs_contains(&s, 0x12));
	ck_assert(fs_vs_contains(&s, 0xfff));
	ck_assert(!fs_vs_contains(&s, 0x10));
	ck_assert(!fs_vs_contains(&s, 0x1002));
	/* SA without =: any of syn, ack. */
	component_set("match tcp-flags SA", FS_IPV4, FS_TCP_FLAGS, &s);
	ck_assert(fs_vs_contains(&s, 0x02));
	ck_assert(fs_vs_contains(&s, 0x10));
	ck_assert(!fs_vs_contains(&s, 0x01));
	ck_assert(!fs_vs_contains(&s, 0));
	/* =SA: both. */
	component_set("match tcp-flags =SA", FS_IPV4, FS_TCP_FLAGS, &s);
	ck_assert(fs_vs_contains(&s, 0x12));
	ck_assert(!fs_vs_contains(&s, 0x02));
	/* !=SA: not both. */
	component_set("match tcp-flags !=SA", FS_IPV4, FS_TCP_FLAGS, &s);
	ck_assert(!fs_vs_contains(&s, 0x12));
	ck_assert(fs_vs_contains(&s, 0x02));
	/* !SA: neither. */
	component_set("match tcp-flags !SA", FS_IPV4, FS_TCP_FLAGS, &s);
	ck_assert(fs_vs_contains(&s, 0));
	ck_assert(fs_vs_contains(&s, 0x01));
	ck_assert(!fs_vs_contains(&s, 0x02));
	/* =S&!A: syn without ack (a connection opening). */
	component_set("match tcp-flags =S&!A", FS_IPV4, FS_TCP_FLAGS, &s);
	ck_assert(fs_vs_contains(&s, 0x02));
	ck_assert(!fs_vs_contains(&s, 0x12));
	/* =S&!S: nothing. */
	component_set("match tcp-flags =S&!S", FS_IPV4, FS_TCP_FLAGS, &s);
	ck_assert(fs_vs_is_empty(&s));
	/* Fragment domain is 4 bits: is-fragment (0x02) runs merge. */
	component_set("match fragment =is-fragment", FS_IPV4, FS_FRAGMENT, &s);
	assert_set(&s, (uint64_t[]){ 2, 3, 6, 7, 10, 11, 14, 15 }, 4);
	component_set("match fragment !is-fragment", FS_IPV4, FS_FRAGMENT, &s);
	assert_set(&s, (uint64_t[]){ 0, 1, 4, 5, 8, 9, 12, 13 }, 4);
	/* Two OR-ed terms: first or last fragment (0x04, 0x08). */
	component_set("match fragment first-fragment last-fragment", FS_IPV4,
	    FS_FRAGMENT, &s);
	assert_set(&s, (uint64_t[]){ 4, 15 }, 1);
	fs_vs_free(&s);
}
END_TEST

START_TEST(bad_inputs)
{
	struct fs_rule r;
	struct fs_valueset s;
	struct fs_component bogus;
	size_t pos = 0;

	fs_rule_init(&r, FS_IPV4);
	fs_vs_init(&s);
	fc_parse_or_fail("match destination 10.0.0.0/8 port ==80", FS_IPV4, &r);
	/* A prefix component has no value set. */
	errno = 0;
	ck_assert_int_eq(fs_vs_from_component(&s, &r, fs_rule_find(&r, FS_DST)), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* Terms outside the pool are refused, not read. */
	bogus = *fs_rule_find(&r, FS_PORT);
	bogus.first = 1000;
	errno = 0;
	ck_assert_int_eq(fs_vs_from_component(&s, &r, &bogus), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(fs_vs_from_group(&s, &r, &bogus, &pos), -1);
	ck_assert_int_eq(fs_vs_from_component(NULL, &r, &bogus), -1);
	ck_assert_int_eq(fs_vs_union(NULL, &s, &s), -1);
	ck_assert(!fs_vs_subset(NULL, &s));
	ck_assert(fs_vs_is_empty(NULL));
	fs_vs_free(&s);
	fs_rule_free(&r);
}
END_TEST

START_TEST(prefix_counts)
{
	struct fs_valueset s;

	ck_assert_uint_eq(fs_range_prefix_count(1, 65534, 16), 30);
	ck_assert_uint_eq(fs_range_prefix_count(0, 65535, 16), 1);
	ck_assert_uint_eq(fs_range_prefix_count(80, 80, 16), 1);
	ck_assert_uint_eq(fs_range_prefix_count(0, 1023, 16), 1);
	/* 1024-2047, 2048-4095, ..., 32768-65535. */
	ck_assert_uint_eq(fs_range_prefix_count(1024, 65535, 16), 6);
	/* 1, 2-3, 4-7, 8: four prefixes. */
	ck_assert_uint_eq(fs_range_prefix_count(1, 8, 16), 4);
	/* Values above the field do not count. */
	ck_assert_uint_eq(fs_range_prefix_count(0, 99999, 16), 1);
	ck_assert_uint_eq(fs_range_prefix_count(99971, 99985, 16), 0);
	ck_assert_uint_eq(fs_range_prefix_count(5, 4, 16), 0);
	ck_assert_uint_eq(fs_range_prefix_count(0, 1, 0), 0);
	ck_assert_uint_eq(fs_range_prefix_count(0, UINT64_MAX, 64), 1);
	ck_assert_uint_eq(fs_range_prefix_count(1, UINT64_MAX, 64), 64);
	ck_assert_uint_eq(fs_range_prefix_count(1, UINT64_MAX - 1, 64), 126);
	ck_assert_uint_eq(fs_range_prefix_count(1, 254, 8), 14);

	fs_vs_init(&s);
	ck_assert_int_eq(fs_vs_add(&s, 1, 65534), 0);
	ck_assert_int_eq(fs_vs_add(&s, 70000, 80000), 0);
	ck_assert_uint_eq(fs_vs_prefix_count(&s, 16), 30);
	ck_assert_int_eq(fs_vs_from_term(&s, FS_NUM_LT | FS_NUM_GT, 80), 0);
	/*
	 * != 80 on 16 bits: 0-63 64-79, then 81 82-83 84-87 88-95 96-127
	 * and the nine powers of two from 128-255 to 32768-65535.
	 */
	ck_assert_uint_eq(fs_vs_prefix_count(&s, 16), 2 + 5 + 9);
	fs_vs_free(&s);
}
END_TEST

START_TEST(field_widths)
{
	ck_assert_uint_eq(fs_field_width(FS_PROTO), 8);
	ck_assert_uint_eq(fs_field_width(FS_SPORT), 16);
	ck_assert_uint_eq(fs_field_width(FS_TCP_FLAGS), 12);
	ck_assert_uint_eq(fs_field_width(FS_DSCP), 6);
	ck_assert_uint_eq(fs_field_width(FS_FRAGMENT), 4);
	ck_assert_uint_eq(fs_field_width(FS_FLOW_LABEL), 20);
	ck_assert_uint_eq(fs_field_width(FS_DST), 0);
	/* The widths agree with the rule model's field maxima. */
	for (unsigned t = FS_PROTO; t <= FS_TYPE_MAX; t++)
		ck_assert_uint_eq(fs_width_max(fs_field_width(t)),
		    fs_type_field_max(t));
	ck_assert_uint_eq(fs_width_max(64), UINT64_MAX);
}
END_TEST

START_TEST(print)
{
	struct fs_valueset s;
	char buf[64], tiny[12];

	fs_vs_init(&s);
	fs_vs_print(&s, buf, sizeof(buf));
	ck_assert_str_eq(buf, "nothing");
	ck_assert_int_eq(fs_vs_add(&s, 80, 80), 0);
	ck_assert_int_eq(fs_vs_add(&s, 1024, 2048), 0);
	ck_assert_uint_eq(fs_vs_print(&s, buf, sizeof(buf)), strlen("80, 1024-2048"));
	ck_assert_str_eq(buf, "80, 1024-2048");
	/* Too long: cut at an interval, marked, still terminated. */
	for (uint64_t v = 3000; v < 3100; v += 2)
		ck_assert_int_eq(fs_vs_add(&s, v, v), 0);
	fs_vs_print(&s, tiny, sizeof(tiny));
	ck_assert_str_eq(tiny, "80, ...");
	fs_vs_free(&s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("valueset");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, term_operators);
	tcase_add_test(tc, term_edges);
	tcase_add_test(tc, add_keeps_canonical);
	tcase_add_test(tc, algebra);
	tcase_add_test(tc, subset_covers_clamp);
	tcase_add_test(tc, numeric_component);
	tcase_add_test(tc, numeric_groups);
	tcase_add_test(tc, bitmask_component);
	tcase_add_test(tc, bad_inputs);
	tcase_add_test(tc, prefix_counts);
	tcase_add_test(tc, field_widths);
	tcase_add_test(tc, print);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
