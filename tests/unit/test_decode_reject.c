/*
 * test_decode_reject.c - every reason the NLRI decoder refuses input, with
 * the octet it names, and the readable-but-non-conformant cases it flags.
 */
#include <string.h>

#include "support.h"
#include "flowspec/nlri.h"
#include "flowspec/text.h"

struct reject_case {
	const char *hex;
	int family;
	enum fs_errcode code;
	size_t offset;
	const char *words;	/* a piece the message must contain */
};

static const struct reject_case rejects[] = {
	/* input shorter than its own length */
	{ "", FS_IPV4, FS_E_TRUNCATED, 0, "empty" },
	{ "05", FS_IPV4, FS_E_TRUNCATED, 0, "only 0 follow" },
	{ "0b0118c00002", FS_IPV4, FS_E_TRUNCATED, 0, "11 octets" },
	{ "f1", FS_IPV4, FS_E_TRUNCATED, 0, "2-octet" },
	/* zero length */
	{ "00", FS_IPV4, FS_E_ZERO_LENGTH, 0, "length is 0" },
	{ "f000", FS_IPV4, FS_E_ZERO_LENGTH, 0, "length is 0" },
	/* unknown types: 0, 14, 255, and 13 in IPv4 */
	{ "020000", FS_IPV4, FS_E_UNKNOWN_TYPE, 1, "type 0" },
	{ "030e8101", FS_IPV4, FS_E_UNKNOWN_TYPE, 1, "type 14" },
	{ "03ff8101", FS_IPV6, FS_E_UNKNOWN_TYPE, 1, "type 255" },
	{ "040d913039", FS_IPV4, FS_E_UNKNOWN_TYPE, 1, "type 13" },
	/* order: decreasing, and a type twice */
	{ "06048150038106", FS_IPV4, FS_E_BAD_ORDER, 4, "after type 4" },
	{ "060381060381 11", FS_IPV4, FS_E_BAD_ORDER, 4, "twice" },
	/* prefix bounds */
	{ "0301210a", FS_IPV4, FS_E_PREFIX_LENGTH, 2, "33 exceeds 32" },
	{ "04018100 00", FS_IPV6, FS_E_PREFIX_LENGTH, 2, "129 exceeds 128" },
	{ "0401102000", FS_IPV6, FS_E_OFFSET, 3, "offset 32 exceeds prefix length 16" },
	{ "040118c000", FS_IPV4, FS_E_TRUNCATED, 3, "needs 3 octets" },
	/* operator lists */
	{ "03038106", FS_IPV4, 0, 0, NULL },	/* control: valid */
	{ "0303c106", FS_IPV4, FS_E_AND_FIRST, 2, "AND bit" },
	{ "03038906", FS_IPV4, FS_E_RESERVED_BIT, 2, "reserved" },
	{ "03098402", FS_IPV4, FS_E_RESERVED_BIT, 2, "reserved" },
	{ "03098802", FS_IPV4, FS_E_RESERVED_BIT, 2, "reserved" },
	{ "03030106", FS_IPV4, FS_E_TRUNCATED, 4, "end-of-list" },
	{ "03049100", FS_IPV4, FS_E_TRUNCATED, 3, "2-octet value" },
	{ "0304a100", FS_IPV4, FS_E_TRUNCATED, 3, "4-octet value" },
	{ "0104", FS_IPV4, FS_E_TRUNCATED, 2, "end-of-list" },
	/* an operator that claims octets past the NLRI but inside the buffer */
	{ "03049100" "0050", FS_IPV4, FS_E_OVERRUN, 3, "past the end of the NLRI (length 3)" },
	{ "020380" "038106", FS_IPV4, FS_E_OVERRUN, 3, "past the end of the NLRI" },
	/* IPv6 prefix header cut short */
	{ "020140", FS_IPV6, FS_E_TRUNCATED, 2, "offset" },
};

START_TEST(rejects_with_reason_and_place)
{
	const struct reject_case *c = &rejects[_i];
	uint8_t buf[128];
	char hexcopy[128];
	size_t k = 0;
	ssize_t len, n;
	struct fs_rule r;
	struct fs_error err;

	/* Spaces in the table are for reading only. */
	for (const char *p = c->hex; *p; p++)
		if (*p != ' ')
			hexcopy[k++] = *p;
	hexcopy[k] = '\0';
	len = fc_unhex(hexcopy, buf, sizeof(buf));
	ck_assert_int_ge(len, 0);
	fs_rule_init(&r, 0);
	n = fs_nlri_decode(buf, (size_t)len, c->family, 0, &r, &err);
	if (c->code == 0) {
		ck_assert_int_eq(n, len);
		fs_rule_free(&r);
		return;
	}
	ck_assert_msg(n == -1, "case %d (%s) decoded", _i, c->hex);
	ck_assert_msg(err.code == c->code, "case %d (%s): code %s, want %s: %s", _i,
	    c->hex, fs_errcode_name(err.code), fs_errcode_name(c->code), err.msg);
	ck_assert_msg(err.offset == c->offset, "case %d (%s): octet %zu, want %zu",
	    _i, c->hex, err.offset, c->offset);
	ck_assert_msg(strstr(err.msg, c->words) != NULL,
	    "case %d: \"%s\" lacks \"%s\"", _i, err.msg, c->words);
	fs_rule_free(&r);
}
END_TEST

/* Readable but not conformant: decoded, flagged, refused only when strict. */
START_TEST(nonconformant_is_flagged)
{
	static const struct { const char *hex; int family; uint32_t bit; } cases[] = {
		{ "0403910006", FS_IPV4, FS_NC_VALUE_SIZE },	/* protocol in 2 octets */
		{ "04010a0a20", FS_IPV4, FS_NC_PREFIX_BITS },	/* 10.x/10 with a host bit */
		{ "030b8140", FS_IPV4, FS_NC_DSCP_BITS },	/* DSCP 64 */
		{ "f0030381 06", FS_IPV4, FS_NC_LONG_LENGTH },
		{ "040c910002", FS_IPV4, FS_NC_VALUE_SIZE },	/* fragment in 2 octets */
		/* RFC 8956 offset 65: 39 pattern bits and one of padding, set */
		{ "080268412468acf135", FS_IPV6, FS_NC_PREFIX_BITS },
		/* an IPv6 /60 with a bit set in its last half-octet */
		{ "0b013c0020010db800000008", FS_IPV6, FS_NC_PREFIX_BITS },
	};
	uint8_t buf[64];
	char hex[64];
	size_t k = 0;
	struct fs_rule r;
	struct fs_error err;
	ssize_t len;

	for (const char *p = cases[_i].hex; *p; p++)
		if (*p != ' ')
			hex[k++] = *p;
	hex[k] = '\0';
	len = fc_unhex(hex, buf, sizeof(buf));
	fs_rule_init(&r, 0);
	ck_assert_int_eq(fs_nlri_decode(buf, (size_t)len, cases[_i].family, 0, &r,
	    &err), len);
	ck_assert_uint_eq(r.nonconform, cases[_i].bit);
	ck_assert_int_eq(fs_nlri_decode(buf, (size_t)len, cases[_i].family,
	    FS_DECODE_STRICT, &r, &err), -1);
	ck_assert_int_eq(err.code, FS_E_NONCONFORMANT);
	ck_assert_str_eq(err.msg, fs_nonconformance_text(cases[_i].bit));
	fs_rule_free(&r);
}
END_TEST

/* The decoder stops at its own length: what follows is the next NLRI. */
START_TEST(consumes_exactly_one_nlri)
{
	uint8_t buf[32];
	ssize_t len = fc_unhex("030381060304815000", buf, sizeof(buf));
	struct fs_rule r;

	fs_rule_init(&r, 0);
	ck_assert_int_eq(fs_nlri_decode(buf, (size_t)len, FS_IPV4, 0, &r, NULL), 4);
	ck_assert_int_eq(fs_nlri_decode(buf + 4, (size_t)len - 4, FS_IPV4, 0, &r,
	    NULL), 4);
	ck_assert_int_eq(fs_nlri_decode(buf + 8, 1, FS_IPV4, 0, &r, NULL), -1);
	fs_rule_free(&r);
}
END_TEST

/* The 2-octet length: 240 octets and more; and the 4095-octet ceiling. */
START_TEST(long_nlri_uses_two_octet_length)
{
	struct fs_rule r, back;
	uint8_t buf[5000];
	ssize_t n;
	struct fs_error err;

	fs_rule_init(&r, FS_IPV4);
	fs_rule_init(&back, FS_IPV4);
	ck_assert_int_eq(fs_rule_add_component(&r, FS_DPORT), 0);
	/* 1 type octet + 80 terms of 3 octets = 241 */
	for (unsigned i = 0; i < 80; i++)
		ck_assert_int_eq(fs_rule_add_term(&r, FS_NUM_EQ, 1000 + i, 0), 0);
	n = fs_nlri_encode(&r, buf, sizeof(buf), &err);
	ck_assert_int_eq(n, 243);
	ck_assert_uint_eq(buf[0], 0xf0);
	ck_assert_uint_eq(buf[1], 241);
	ck_assert_int_eq(fs_nlri_decode(buf, (size_t)n, FS_IPV4, FS_DECODE_STRICT,
	    &back, &err), n);
	ck_assert(fs_rule_match_equal(&r, &back));
	/* 1 + 1365 * 3 = 4096: one octet over the limit */
	for (unsigned i = 80; i < 1365; i++)
		ck_assert_int_eq(fs_rule_add_term(&r, FS_NUM_EQ, 1000 + i, 0), 0);
	ck_assert_int_eq(fs_nlri_encode(&r, buf, sizeof(buf), &err), -1);
	ck_assert_int_eq(err.code, FS_E_TOO_LONG);
	/* and a buffer too small is said, not overrun */
	r.comp[0].count = 2;
	r.nterms = 2;
	ck_assert_int_eq(fs_nlri_encode(&r, buf, 4, &err), -1);
	ck_assert_int_eq(err.code, FS_E_NO_SPACE);
	fs_rule_free(&r);
	fs_rule_free(&back);
}
END_TEST

/* Every value size is read and kept, so that re-encoding is exact. */
START_TEST(value_sizes_round_trip)
{
	static const char *const hexes[] = {
		"03048150", "0404915000", "0604a100000050", "0a04b10000000000000050",
		"040d91ffff", "060da1000fffff",
	};
	const char *hx = hexes[_i];
	uint8_t in[32], out[32];
	char text[256], back[64];
	ssize_t len = fc_unhex(hx, in, sizeof(in)), n;
	struct fs_rule r, again;

	fs_rule_init(&r, 0);
	fs_rule_init(&again, 0);
	ck_assert_int_eq(fs_nlri_decode(in, (size_t)len, _i >= 4 ? FS_IPV6 : FS_IPV4,
	    0, &r, NULL), len);
	fs_print_rule(&r, text, sizeof(text));
	fc_parse_or_fail(text, _i >= 4 ? FS_IPV6 : FS_IPV4, &again);
	n = fs_nlri_encode(&again, out, sizeof(out), NULL);
	fc_hex(out, (size_t)n, back);
	ck_assert_msg(strcmp(back, hx) == 0, "%s -> \"%s\" -> %s", hx, text, back);
	fs_rule_free(&r);
	fs_rule_free(&again);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("decode-reject");
	TCase *tc = tcase_create("reasons");

	tcase_add_loop_test(tc, rejects_with_reason_and_place, 0,
	    (int)(sizeof(rejects) / sizeof(rejects[0])));
	tcase_add_loop_test(tc, nonconformant_is_flagged, 0, 7);
	tcase_add_test(tc, consumes_exactly_one_nlri);
	tcase_add_test(tc, long_nlri_uses_two_octet_length);
	tcase_add_loop_test(tc, value_sizes_round_trip, 0, 6);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
