/*
 * test_rule.c - the rule model: builders refuse what the wire cannot
 * carry, sorting puts components in type order, copies are deep,
 * equality compares meaning (match) and sets (actions).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "flowspec/ecomm.h"
#include "flowspec/grow.h"
#include "flowspec/nlri.h"

START_TEST(builders_refuse_bad_components)
{
	struct fs_rule r;
	struct fs_prefix p = { .len = 33 };

	fs_rule_init(&r, FS_IPV4);
	/* a term with no component to hold it */
	errno = 0;
	ck_assert_int_eq(fs_rule_add_term(&r, FS_NUM_EQ, 6, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* wrong kind, unknown types */
	ck_assert_int_eq(fs_rule_add_component(&r, FS_DST), -1);
	ck_assert_int_eq(fs_rule_add_component(&r, 0), -1);
	ck_assert_int_eq(fs_rule_add_component(&r, 14), -1);
	ck_assert_int_eq(fs_rule_add_prefix(&r, FS_PROTO, &p), -1);
	/* prefix bounds per family; offsets only in IPv6 */
	ck_assert_int_eq(fs_rule_add_prefix(&r, FS_DST, &p), -1);
	p.len = 24;
	p.offset = 8;
	ck_assert_int_eq(fs_rule_add_prefix(&r, FS_DST, &p), -1);
	p.offset = 0;
	ck_assert_int_eq(fs_rule_add_prefix(&r, FS_DST, &p), 0);
	/* each type once */
	errno = 0;
	ck_assert_int_eq(fs_rule_add_prefix(&r, FS_DST, &p), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(fs_rule_add_component(&r, FS_PROTO), 0);
	ck_assert_int_eq(fs_rule_add_component(&r, FS_PROTO), -1);
	ck_assert_int_eq(errno, EEXIST);
	/* a value that does not fit the size asked for */
	ck_assert_int_eq(fs_rule_add_term(&r, FS_NUM_EQ, 300, 1), -1);
	ck_assert_int_eq(fs_rule_add_term(&r, FS_NUM_EQ, 6, 3), -1);
	ck_assert_int_eq(fs_rule_add_term(&r, FS_NUM_EQ, 6, 2), 0);
	ck_assert_uint_eq(r.ncomp, 2);
	ck_assert_uint_eq(r.nterms, 1);
	fs_rule_free(&r);
}
END_TEST

/* A term may only extend the component added last: slices stay contiguous. */
START_TEST(terms_go_to_the_last_component)
{
	struct fs_rule r;

	fs_rule_init(&r, FS_IPV4);
	ck_assert_int_eq(fs_rule_add_component(&r, FS_PORT), 0);
	ck_assert_int_eq(fs_rule_add_term(&r, FS_NUM_EQ, 80, 0), 0);
	ck_assert_int_eq(fs_rule_add_component(&r, FS_PROTO), 0);
	ck_assert_int_eq(fs_rule_add_term(&r, FS_NUM_EQ, 6, 0), 0);
	ck_assert_int_eq(fs_rule_add_term(&r, FS_NUM_EQ, 17, 0), 0);
	fs_rule_sort(&r);
	ck_assert_uint_eq(r.comp[0].type, FS_PROTO);
	ck_assert_uint_eq(r.comp[0].count, 2);
	ck_assert_uint_eq(fs_comp_terms(&r, &r.comp[0])[1].value, 17);
	ck_assert_uint_eq(r.comp[1].type, FS_PORT);
	ck_assert_uint_eq(fs_comp_terms(&r, &r.comp[1])[0].value, 80);
	fs_rule_free(&r);
}
END_TEST

START_TEST(copy_is_deep_and_clear_keeps_pools)
{
	struct fs_rule a, b;
	struct fs_term *pool;

	fs_rule_init(&a, 0);
	fs_rule_init(&b, 0);
	fc_parse_or_fail("match destination 10.0.0.0/8 port 80 443 then discard mark 3", 0, &a);
	ck_assert_int_eq(fs_rule_copy(&b, &a), 0);
	ck_assert(fs_rule_match_equal(&a, &b));
	ck_assert(fs_rule_actions_equal(&a, &b));
	ck_assert_ptr_ne(a.terms, b.terms);
	b.terms[0].value = 81;
	ck_assert(!fs_rule_match_equal(&a, &b));
	ck_assert_uint_eq(a.terms[0].value, 80);
	pool = a.terms;
	fs_rule_clear(&a, FS_IPV6);
	ck_assert_uint_eq(a.ncomp, 0);
	ck_assert_uint_eq(a.family, FS_IPV6);
	ck_assert_ptr_eq(a.terms, pool);
	fs_rule_free(&a);
	ck_assert_ptr_null(a.terms);
	fs_rule_free(&b);
}
END_TEST

START_TEST(equality)
{
	struct fs_rule a, b;

	fs_rule_init(&a, 0);
	fs_rule_init(&b, 0);
	/* spelling differs, meaning and octets do not */
	fc_parse_or_fail("match protocol udp port 80", 0, &a);
	fc_parse_or_fail("match port ==80 protocol ==17", 0, &b);
	ck_assert(fs_rule_match_equal(&a, &b));
	/* a size that is not the smallest is a different encoding */
	fc_parse_or_fail("match protocol udp port ==80/2", 0, &b);
	ck_assert(!fs_rule_match_equal(&a, &b));
	/* family matters */
	fc_parse_or_fail("match protocol udp port 80", FS_IPV6, &b);
	ck_assert(!fs_rule_match_equal(&a, &b));
	/* actions compare as multisets */
	fc_parse_or_fail("match protocol tcp then mark 1 discard", 0, &a);
	fc_parse_or_fail("match protocol tcp then discard mark 1", 0, &b);
	ck_assert(fs_rule_actions_equal(&a, &b));
	fc_parse_or_fail("match protocol tcp then discard discard", 0, &b);
	ck_assert(!fs_rule_actions_equal(&a, &b));
	fs_rule_free(&a);
	fs_rule_free(&b);
}
END_TEST

START_TEST(type_table)
{
	ck_assert_str_eq(fs_type_name(FS_PKT_LEN), "packet-length");
	ck_assert_uint_eq(fs_type_by_name("flow-label", 10), FS_FLOW_LABEL);
	ck_assert_uint_eq(fs_type_by_name("flow", 4), 0);
	ck_assert_ptr_null(fs_type_name(14));
	ck_assert(fs_type_size_allowed(FS_PKT_LEN, 2));
	ck_assert(!fs_type_size_allowed(FS_PKT_LEN, 4));
	ck_assert(fs_type_size_allowed(FS_FLOW_LABEL, 4));
	ck_assert(!fs_type_size_allowed(FS_PROTO, 2));
	ck_assert_uint_eq(fs_value_min_size(255), 1);
	ck_assert_uint_eq(fs_value_min_size(256), 2);
	ck_assert_uint_eq(fs_value_min_size(65536), 4);
	ck_assert_uint_eq(fs_value_min_size(1ull << 32), 8);
	ck_assert_uint_eq(fs_type_field_max(FS_DSCP), 63);
}
END_TEST

/* 8-octet values are carried whole, though no component allows them. */
START_TEST(eight_octet_values)
{
	struct fs_rule r, back;
	uint8_t buf[32];
	ssize_t n;

	fs_rule_init(&r, 0);
	fs_rule_init(&back, 0);
	fc_parse_or_fail("match packet-length ==18446744073709551615", 0, &r);
	n = fs_nlri_encode(&r, buf, sizeof(buf), NULL);
	ck_assert_int_eq(n, 11);
	ck_assert_uint_eq(buf[2], 0xb1);
	ck_assert_int_eq(fs_nlri_decode(buf, (size_t)n, FS_IPV4, 0, &back, NULL), n);
	ck_assert_uint_eq(back.terms[0].value, UINT64_MAX);
	ck_assert_uint_eq(back.nonconform, FS_NC_VALUE_SIZE);
	fs_rule_free(&r);
	fs_rule_free(&back);
}
END_TEST

/* Growth doubles from its minimum and refuses sizes that would overflow. */
START_TEST(grow_doubles_and_refuses_overflow)
{
	int *v = NULL;
	size_t cap = 0;

	ck_assert_int_eq(fs_grow((void **)&v, &cap, 1, sizeof(*v), 8), 0);
	ck_assert_uint_eq(cap, 8);
	ck_assert_int_eq(fs_grow((void **)&v, &cap, 9, sizeof(*v), 8), 0);
	ck_assert_uint_eq(cap, 16);
	v[15] = 1;
	errno = 0;
	ck_assert_int_eq(fs_grow((void **)&v, &cap, SIZE_MAX / 2 + 2, sizeof(*v), 8), -1);
	ck_assert_int_eq(errno, ENOMEM);
	ck_assert_uint_eq(cap, 16);	/* untouched on failure */
	ck_assert_int_eq(v[15], 1);
	free(v);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("rule");
	TCase *tc = tcase_create("model");

	tcase_add_test(tc, builders_refuse_bad_components);
	tcase_add_test(tc, terms_go_to_the_last_component);
	tcase_add_test(tc, copy_is_deep_and_clear_keeps_pools);
	tcase_add_test(tc, equality);
	tcase_add_test(tc, type_table);
	tcase_add_test(tc, eight_octet_values);
	tcase_add_test(tc, grow_doubles_and_refuses_overflow);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
