/*
 * test_bgp_msg.c - the BGP messages other than UPDATE (emulator/bgp/msg.c):
 * header framing per RFC 4271 section 4.1 and 6.1 (with RFC 8654's
 * extended messages), OPEN and its capabilities per RFC 4271 section 6.2,
 * RFC 5492, RFC 4760, RFC 6793, RFC 2918, RFC 8654 and RFC 9072, the
 * NOTIFICATION with an RFC 8203/9003 shutdown communication, ROUTE-REFRESH,
 * and the names of error codes and subcodes.
 *
 * Test messages are written octet by octet from the RFCs' layouts, not by
 * the codec's builders, except where a build -> parse round trip is the
 * point.
 */
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "bgp/msg.h"
#include "bgp/wire.h"

/* Writes a message header at p (RFC 4271 section 4.1). */
static void
put_header(uint8_t *p, size_t len, uint8_t type)
{
	memset(p, 0xff, 16);
	p[16] = (uint8_t)(len >> 8);
	p[17] = (uint8_t)len;
	p[18] = type;
}

/*
 * Writes an OPEN (RFC 4271 section 4.2) into buf: the fixed fields, then
 * `tail` as is (the Opt Parm Len octet and the parameters).  Returns the
 * message length.
 */
static size_t
make_open(uint8_t *buf, uint8_t version, uint16_t as, uint16_t hold,
    uint32_t id, const uint8_t *tail, size_t tail_len)
{
	size_t len = 28 + tail_len;

	put_header(buf, len, BGP_OPEN);
	buf[19] = version;
	buf[20] = (uint8_t)(as >> 8);
	buf[21] = (uint8_t)as;
	buf[22] = (uint8_t)(hold >> 8);
	buf[23] = (uint8_t)hold;
	buf[24] = (uint8_t)(id >> 24);
	buf[25] = (uint8_t)(id >> 16);
	buf[26] = (uint8_t)(id >> 8);
	buf[27] = (uint8_t)id;
	memcpy(buf + 28, tail, tail_len);
	return len;
}

/* One capabilities parameter with the flowspec MP capability for IPv4. */
static const uint8_t caps_v4[] = { 8, 2, 6, 1, 4, 0, 1, 0, 133 };

/* ---- header framing ---- */

START_TEST(header_bad_marker_refused_early)
{
	uint8_t buf[64];
	struct bgp_error e;

	/* Every marker octet, wrong, is refused as soon as it is in. */
	for (size_t bad = 0; bad < BGP_MARKER_LEN; bad++) {
		put_header(buf, 19, BGP_KEEPALIVE);
		buf[bad] = 0xfe;
		for (size_t have = bad + 1; have <= 19; have++) {
			memset(&e, 0, sizeof e);
			ck_assert_int_eq(bgp_header_check(buf, have, BGP_MAX_LEN,
			    &e), -1);
			ck_assert_int_eq(e.action, BGP_ACT_RESET);
			ck_assert_uint_eq(e.code, BGP_ERR_HEADER);
			ck_assert_uint_eq(e.subcode, BGP_HDR_NOT_SYNC);
		}
		/* Before the bad octet arrives, more is needed. */
		memset(&e, 0, sizeof e);
		ck_assert_int_eq(bgp_header_check(buf, bad, BGP_MAX_LEN, &e), 0);
		ck_assert_int_eq(e.action, BGP_ACT_NONE);
	}
	/* Nothing yet, not even a buffer. */
	ck_assert_int_eq(bgp_header_check(NULL, 0, BGP_MAX_LEN, &e), 0);
	/* An all-zero marker (RFC 1771 authentication is long gone). */
	memset(buf, 0, 19);
	memset(&e, 0, sizeof e);
	ck_assert_int_eq(bgp_header_check(buf, 3, BGP_MAX_LEN, &e), -1);
	ck_assert_uint_eq(e.subcode, BGP_HDR_NOT_SYNC);
}
END_TEST

struct len_case {
	uint8_t type;
	size_t len;
	size_t max_len;
	bool ok;
};

/*
 * RFC 4271 6.1: below 19, above the maximum, or outside the type's own
 * bounds is Bad Message Length.  RFC 8654 section 4: with extended messages
 * agreed, 65535 is the ceiling, except for OPEN and KEEPALIVE.
 */
static const struct len_case len_cases[] = {
	{ BGP_KEEPALIVE, 19, BGP_MAX_LEN, true },
	{ BGP_KEEPALIVE, 18, BGP_MAX_LEN, false },
	{ BGP_KEEPALIVE, 20, BGP_MAX_LEN, false },
	{ BGP_KEEPALIVE, 0, BGP_MAX_LEN, false },
	{ BGP_KEEPALIVE, 20, BGP_EXT_MAX_LEN, false },
	{ BGP_ROUTE_REFRESH, 23, BGP_MAX_LEN, true },
	{ BGP_ROUTE_REFRESH, 22, BGP_MAX_LEN, false },
	{ BGP_ROUTE_REFRESH, 24, BGP_MAX_LEN, false },
	{ BGP_ROUTE_REFRESH, 19, BGP_MAX_LEN, false },
	{ BGP_OPEN, 29, BGP_MAX_LEN, true },
	{ BGP_OPEN, 28, BGP_MAX_LEN, false },
	{ BGP_OPEN, 19, BGP_MAX_LEN, false },
	{ BGP_OPEN, 4096, BGP_MAX_LEN, true },
	{ BGP_OPEN, 4097, BGP_MAX_LEN, false },
	{ BGP_OPEN, 4097, BGP_EXT_MAX_LEN, false },
	{ BGP_UPDATE, 23, BGP_MAX_LEN, true },
	{ BGP_UPDATE, 22, BGP_MAX_LEN, false },
	{ BGP_UPDATE, 18, BGP_MAX_LEN, false },
	{ BGP_UPDATE, 4096, BGP_MAX_LEN, true },
	{ BGP_UPDATE, 4097, BGP_MAX_LEN, false },
	{ BGP_UPDATE, 65535, BGP_MAX_LEN, false },
	{ BGP_UPDATE, 4097, BGP_EXT_MAX_LEN, true },
	{ BGP_UPDATE, 65535, BGP_EXT_MAX_LEN, true },
	{ BGP_NOTIFICATION, 21, BGP_MAX_LEN, true },
	{ BGP_NOTIFICATION, 20, BGP_MAX_LEN, false },
	{ BGP_NOTIFICATION, 4097, BGP_MAX_LEN, false },
	{ BGP_NOTIFICATION, 8000, BGP_EXT_MAX_LEN, true },
};

START_TEST(header_length_bounds)
{
	const struct len_case *c = &len_cases[_i];
	uint8_t *buf = calloc(1, 65536);
	struct bgp_error e = { 0 };
	ssize_t r;

	ck_assert_ptr_nonnull(buf);
	put_header(buf, c->len, c->type);
	/* Give it the whole message, or as much as the length says. */
	r = bgp_header_check(buf, c->len > 19 ? c->len : 19, c->max_len, &e);
	if (c->ok) {
		ck_assert_msg(r == (ssize_t)c->len,
		    "type %u length %zu max %zu: %zd", c->type, c->len,
		    c->max_len, r);
		ck_assert_int_eq(e.action, BGP_ACT_NONE);
		/* One octet short: wait for more. */
		ck_assert_int_eq(bgp_header_check(buf, c->len - 1, c->max_len,
		    &e), 0);
	} else {
		ck_assert_msg(r == -1, "type %u length %zu max %zu accepted",
		    c->type, c->len, c->max_len);
		ck_assert_int_eq(e.action, BGP_ACT_RESET);
		ck_assert_uint_eq(e.code, BGP_ERR_HEADER);
		ck_assert_uint_eq(e.subcode, BGP_HDR_BAD_LENGTH);
		/* The data is the erroneous Length field. */
		ck_assert_uint_eq(e.data_len, 2);
		ck_assert_uint_eq((size_t)e.data[0] << 8 | e.data[1], c->len);
		/* Refused from the header alone: the body need not arrive. */
		memset(&e, 0, sizeof e);
		ck_assert_int_eq(bgp_header_check(buf, 19, c->max_len, &e), -1);
		ck_assert_uint_eq(e.subcode, BGP_HDR_BAD_LENGTH);
	}
	free(buf);
}
END_TEST

START_TEST(header_unknown_type)
{
	static const uint8_t types[] = { 0, 6, 7, 128, 255 };
	uint8_t buf[64];
	struct bgp_error e = { 0 };

	put_header(buf, 19, types[_i]);
	ck_assert_int_eq(bgp_header_check(buf, 19, BGP_MAX_LEN, &e), -1);
	ck_assert_int_eq(e.action, BGP_ACT_RESET);
	ck_assert_uint_eq(e.code, BGP_ERR_HEADER);
	ck_assert_uint_eq(e.subcode, BGP_HDR_BAD_TYPE);
	/* The data is the erroneous Type field. */
	ck_assert_uint_eq(e.data_len, 1);
	ck_assert_uint_eq(e.data[0], types[_i]);
}
END_TEST

START_TEST(header_partial_and_back_to_back)
{
	uint8_t buf[128];
	struct bgp_error e = { 0 };

	/* An UPDATE of 60 octets, then a KEEPALIVE. */
	memset(buf, 0, sizeof buf);
	put_header(buf, 60, BGP_UPDATE);
	put_header(buf + 60, 19, BGP_KEEPALIVE);
	for (size_t have = 0; have < 60; have++)
		ck_assert_int_eq(bgp_header_check(buf, have, BGP_MAX_LEN, &e), 0);
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
	/* Framing takes one message, not what follows. */
	ck_assert_int_eq(bgp_header_check(buf, 60, BGP_MAX_LEN, &e), 60);
	ck_assert_int_eq(bgp_header_check(buf, 79, BGP_MAX_LEN, &e), 60);
	ck_assert_int_eq(bgp_header_check(buf + 60, 19, BGP_MAX_LEN, &e), 19);
	ck_assert_uint_eq(bgp_msg_type(buf), BGP_UPDATE);
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
}
END_TEST

START_TEST(keepalive_build)
{
	struct bgp_buf b = { 0 };
	struct bgp_error e = { 0 };

	ck_assert_int_eq(bgp_keepalive_build(&b), 0);
	ck_assert_uint_eq(b.len, 19);
	ck_assert_int_eq(bgp_header_check(b.p, b.len, BGP_MAX_LEN, &e), 19);
	ck_assert_uint_eq(bgp_msg_type(b.p), BGP_KEEPALIVE);
	/* Builders append. */
	ck_assert_int_eq(bgp_keepalive_build(&b), 0);
	ck_assert_uint_eq(b.len, 38);
	ck_assert_int_eq(bgp_header_check(b.p + 19, 19, BGP_MAX_LEN, &e), 19);
	bgp_buf_consume(&b, 19);
	ck_assert_uint_eq(b.len, 19);
	bgp_buf_free(&b);
	ck_assert_ptr_null(b.p);
}
END_TEST

/* ---- OPEN ---- */

/* Builds `in`, checks the framing, parses it back into `out`. */
static void
open_round_trip(const struct bgp_open *in, struct bgp_open *out)
{
	struct bgp_buf b = { 0 };
	struct bgp_error e = { 0 };

	ck_assert_int_eq(bgp_open_build(&b, in), 0);
	ck_assert_int_eq(bgp_header_check(b.p, b.len, BGP_MAX_LEN, &e),
	    (ssize_t)b.len);
	ck_assert_uint_eq(bgp_msg_type(b.p), BGP_OPEN);
	ck_assert_int_eq(bgp_open_parse(b.p, b.len, out, &e), 0);
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
	bgp_buf_free(&b);
}

START_TEST(open_round_trip_all_capabilities)
{
	struct bgp_open in = {
		.as = 65001, .hold_time = 90, .bgp_id = 0xc0000201,
		.families = BGP_FAM_BIT(FS_IPV4) | BGP_FAM_BIT(FS_IPV6),
		.route_refresh = true, .ext_message = true,
	}, out;

	open_round_trip(&in, &out);
	ck_assert_uint_eq(out.version, 4);
	ck_assert_uint_eq(out.my_as, 65001);
	ck_assert_uint_eq(out.as, 65001);
	ck_assert(out.as4);	/* always offered */
	ck_assert_uint_eq(out.hold_time, 90);
	ck_assert_uint_eq(out.bgp_id, 0xc0000201);
	ck_assert_uint_eq(out.families, in.families);
	ck_assert_uint_eq(out.other_afs, 0);
	ck_assert(out.route_refresh);
	ck_assert(out.ext_message);
}
END_TEST

START_TEST(open_round_trip_as4_and_few_capabilities)
{
	struct bgp_open in = {
		.as = 4200000000u, .hold_time = 0, .bgp_id = 1,
		.families = BGP_FAM_BIT(FS_IPV6),
	}, out;

	open_round_trip(&in, &out);
	/* RFC 6793 section 4.1: My AS carries AS_TRANS for a 4-octet AS. */
	ck_assert_uint_eq(out.my_as, BGP_AS_TRANS);
	ck_assert_uint_eq(out.my_as, 23456);
	ck_assert_uint_eq(out.as, 4200000000u);
	ck_assert(out.as4);
	ck_assert_uint_eq(out.hold_time, 0);
	ck_assert_uint_eq(out.bgp_id, 1);
	ck_assert_uint_eq(out.families, BGP_FAM_BIT(FS_IPV6));
	ck_assert(!out.route_refresh);
	ck_assert(!out.ext_message);

	/* 65535 is still a 2-octet AS; 65536 is not. */
	in.as = 65535;
	open_round_trip(&in, &out);
	ck_assert_uint_eq(out.my_as, 65535);
	in.as = 65536;
	open_round_trip(&in, &out);
	ck_assert_uint_eq(out.my_as, BGP_AS_TRANS);
	ck_assert_uint_eq(out.as, 65536);
}
END_TEST

START_TEST(open_hand_built_capabilities)
{
	/*
	 * Capabilities in separate parameters, as older speakers send them:
	 * IPv4 unicast, IPv4 flowspec, IPv6 flowspec, route refresh, AS4
	 * 4200000000, graceful restart (64) and FQDN (73), unknown here.
	 */
	static const uint8_t tail[] = { 8 + 8 + 8 + 4 + 8 + 6 + 8,
		2, 6, 1, 4, 0, 1, 0, 1,
		2, 6, 1, 4, 0, 1, 0, 133,
		2, 6, 1, 4, 0, 2, 0, 133,
		2, 2, 2, 0,
		2, 6, 65, 4, 0xfa, 0x56, 0xea, 0x00,
		2, 4, 64, 2, 0x80, 0x78,
		2, 6, 73, 4, 1, 'r', 0, 0 };
	uint8_t buf[256];
	struct bgp_open o;
	struct bgp_error e = { 0 };
	size_t len = make_open(buf, 4, BGP_AS_TRANS, 180, 0x0a000001, tail,
	    sizeof tail);

	ck_assert_int_eq(bgp_header_check(buf, len, BGP_MAX_LEN, &e), (ssize_t)len);
	ck_assert_int_eq(bgp_open_parse(buf, len, &o, &e), 0);
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
	ck_assert_uint_eq(o.families, BGP_FAM_BIT(FS_IPV4) | BGP_FAM_BIT(FS_IPV6));
	ck_assert_uint_eq(o.other_afs, 1);
	ck_assert(o.route_refresh);
	ck_assert(!o.ext_message);
	ck_assert(o.as4);
	ck_assert_uint_eq(o.as, 4200000000u);
	ck_assert_uint_eq(o.my_as, BGP_AS_TRANS);
	ck_assert_uint_eq(o.hold_time, 180);
	ck_assert_uint_eq(o.bgp_id, 0x0a000001);
}
END_TEST

START_TEST(open_without_capabilities)
{
	static const uint8_t tail[] = { 0 };
	uint8_t buf[64];
	struct bgp_open o;
	struct bgp_error e = { 0 };
	size_t len = make_open(buf, 4, 64512, 3, 0x01020304, tail, sizeof tail);

	ck_assert_uint_eq(len, 29);	/* the least an OPEN can be */
	ck_assert_int_eq(bgp_open_parse(buf, len, &o, &e), 0);
	/* Without the AS4 capability, the AS is My AS. */
	ck_assert(!o.as4);
	ck_assert_uint_eq(o.as, 64512);
	ck_assert_uint_eq(o.families, 0);
	ck_assert_uint_eq(o.hold_time, 3);
}
END_TEST

/* Parses msg expecting a reset with code/subcode; returns the error. */
static struct bgp_error
open_refused(const uint8_t *msg, size_t len, uint8_t code, uint8_t subcode)
{
	struct bgp_open o;
	struct bgp_error e = { 0 };

	ck_assert_int_eq(bgp_open_parse(msg, len, &o, &e), -1);
	ck_assert_int_eq(e.action, BGP_ACT_RESET);
	ck_assert_msg(e.code == code && e.subcode == subcode,
	    "got %u/%u (%s), want %u/%u", e.code, e.subcode, e.msg, code, subcode);
	ck_assert(e.msg[0] != '\0');
	return e;
}

START_TEST(open_bad_version)
{
	uint8_t buf[64];
	size_t len = make_open(buf, 3, 65001, 90, 1, caps_v4, sizeof caps_v4);
	struct bgp_error e = open_refused(buf, len, BGP_ERR_OPEN, BGP_OPEN_VERSION);

	/* RFC 4271 6.2: the data is the largest version supported, 2 octets. */
	ck_assert_uint_eq(e.data_len, 2);
	ck_assert_uint_eq(e.data[0], 0);
	ck_assert_uint_eq(e.data[1], 4);
	ck_assert_uint_eq(e.offset, 19);
	len = make_open(buf, 5, 65001, 90, 1, caps_v4, sizeof caps_v4);
	open_refused(buf, len, BGP_ERR_OPEN, BGP_OPEN_VERSION);
}
END_TEST

START_TEST(open_hold_time)
{
	uint8_t buf[64];
	struct bgp_open o;
	struct bgp_error e = { 0 };
	size_t len;

	/* RFC 4271 4.2: zero or at least three seconds. */
	for (uint16_t h = 1; h <= 2; h++) {
		len = make_open(buf, 4, 65001, h, 1, caps_v4, sizeof caps_v4);
		e = open_refused(buf, len, BGP_ERR_OPEN, BGP_OPEN_HOLD_TIME);
		ck_assert_uint_eq(e.offset, 22);
	}
	static const uint16_t good[] = { 0, 3, 4, 65535 };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		len = make_open(buf, 4, 65001, good[i], 1, caps_v4, sizeof caps_v4);
		memset(&e, 0, sizeof e);
		ck_assert_int_eq(bgp_open_parse(buf, len, &o, &e), 0);
		ck_assert_uint_eq(o.hold_time, good[i]);
	}
}
END_TEST

START_TEST(open_zero_bgp_id)
{
	uint8_t buf[64];
	size_t len = make_open(buf, 4, 65001, 90, 0, caps_v4, sizeof caps_v4);
	struct bgp_error e = open_refused(buf, len, BGP_ERR_OPEN, BGP_OPEN_BGP_ID);

	ck_assert_uint_eq(e.offset, 24);
}
END_TEST

/*
 * RFC 7607 section 2: a peer AS of zero in an OPEN is Bad Peer AS, both
 * in My Autonomous System without the 4-octet AS capability and in that
 * capability (RFC 6793 section 4.1: the AS it carries is the speaker's).
 */
START_TEST(open_peer_as_zero)
{
	/* IPv4 flowspec and a 4-octet AS capability holding 0. */
	static const uint8_t as4_zero[] = { 8 + 8,
		2, 6, 1, 4, 0, 1, 0, 133,
		2, 6, 65, 4, 0, 0, 0, 0 };
	static const uint8_t as4_65001[] = { 8 + 8,
		2, 6, 1, 4, 0, 1, 0, 133,
		2, 6, 65, 4, 0, 0, 0xfd, 0xe9 };
	uint8_t buf[64];
	struct bgp_open o;
	struct bgp_error e = { 0 };
	size_t len;

	/* My AS 0, no 4-octet AS capability. */
	len = make_open(buf, 4, 0, 90, 1, caps_v4, sizeof caps_v4);
	open_refused(buf, len, BGP_ERR_OPEN, BGP_OPEN_PEER_AS);
	/* AS_TRANS in My AS, 0 in the capability. */
	len = make_open(buf, 4, BGP_AS_TRANS, 90, 1, as4_zero, sizeof as4_zero);
	open_refused(buf, len, BGP_ERR_OPEN, BGP_OPEN_PEER_AS);
	/* 0 in both. */
	len = make_open(buf, 4, 0, 90, 1, as4_zero, sizeof as4_zero);
	open_refused(buf, len, BGP_ERR_OPEN, BGP_OPEN_PEER_AS);
	/* As built by the codec for AS 0. */
	struct bgp_buf b = { 0 };
	struct bgp_open in = { .as = 0, .hold_time = 90, .bgp_id = 1,
		.families = BGP_FAM_BIT(FS_IPV4) };
	ck_assert_int_eq(bgp_open_build(&b, &in), 0);
	open_refused(b.p, b.len, BGP_ERR_OPEN, BGP_OPEN_PEER_AS);
	bgp_buf_free(&b);

	/* The control: the same OPENs with AS 65001 are accepted. */
	len = make_open(buf, 4, 65001, 90, 1, caps_v4, sizeof caps_v4);
	ck_assert_int_eq(bgp_open_parse(buf, len, &o, &e), 0);
	ck_assert_uint_eq(o.as, 65001);
	len = make_open(buf, 4, BGP_AS_TRANS, 90, 1, as4_65001,
	    sizeof as4_65001);
	ck_assert_int_eq(bgp_open_parse(buf, len, &o, &e), 0);
	ck_assert_uint_eq(o.as, 65001);
}
END_TEST

START_TEST(open_unsupported_parameter)
{
	/* Type 1 (authentication, deprecated by RFC 5492), then capabilities. */
	static const uint8_t tail[] = { 4 + 8, 1, 2, 0xab, 0xcd,
		2, 6, 1, 4, 0, 1, 0, 133 };
	uint8_t buf[64];
	size_t len = make_open(buf, 4, 65001, 90, 1, tail, sizeof tail);

	open_refused(buf, len, BGP_ERR_OPEN, BGP_OPEN_OPT_PARAM);
}
END_TEST

START_TEST(open_malformed_parameters)
{
	/* RFC 4271 6.2: recognised but malformed is subcode 0. */
	static const struct { uint8_t tail[16]; size_t n; } cases[] = {
		/* a capability longer than its parameter */
		{ { 6, 2, 4, 1, 4, 0, 1 }, 7 },
		/* a capability header cut by its parameter */
		{ { 9, 2, 7, 1, 4, 0, 1, 0, 133, 65 }, 10 },
		/* MP capability of 3 and of 5 octets */
		{ { 7, 2, 5, 1, 3, 0, 1, 133 }, 8 },
		{ { 9, 2, 7, 1, 5, 0, 1, 0, 133, 0 }, 10 },
		/* AS4 capability of 2 octets */
		{ { 6, 2, 4, 65, 2, 0xfd, 0xe9 }, 7 },
		/* a parameter longer than the parameters */
		{ { 6, 2, 6, 1, 4, 0, 1 }, 7 },
		/* Opt Parm Len says more than the message holds */
		{ { 9, 2, 6, 1, 4, 0, 1, 0, 133 }, 8 },
		/* and less */
		{ { 7, 2, 6, 1, 4, 0, 1, 0, 133 }, 9 },
		/* a parameter type with no length octet */
		{ { 1, 2 }, 2 },
	};
	uint8_t buf[64];
	size_t len = make_open(buf, 4, 65001, 90, 1, cases[_i].tail, cases[_i].n);

	open_refused(buf, len, BGP_ERR_OPEN, 0);
}
END_TEST

START_TEST(open_truncated)
{
	uint8_t buf[64];
	size_t len = make_open(buf, 4, 65001, 90, 1, caps_v4, sizeof caps_v4);
	struct bgp_open o;
	struct bgp_error e = { 0 };

	/* Shorter than the fixed fields: nothing is read past the end. */
	for (size_t n = 0; n < 29; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		memset(&e, 0, sizeof e);
		ck_assert_int_eq(bgp_open_parse(copy, n, &o, &e), -1);
		ck_assert_int_eq(e.action, BGP_ACT_RESET);
		free(copy);
	}
	ck_assert_int_eq(bgp_open_parse(buf, len, &o, &e), 0);
}
END_TEST

/*
 * Builds an RFC 9072 OPEN (2-octet parameter lengths) whose capabilities
 * parameter holds `nfiller` unassigned capabilities besides the real ones.
 */
static size_t
make_ext_open(uint8_t *buf, size_t nfiller, bool ext_caps)
{
	uint8_t tail[2048];
	size_t n = 0, plen_at, cap_start;

	tail[n++] = 255;	/* Non-Ext OP Len */
	tail[n++] = 255;	/* Non-Ext OP Type */
	plen_at = n;
	n += 2;			/* Extended Opt. Parm. Length */
	tail[n++] = 2;		/* Parm. Type: capabilities */
	n += 2;			/* Parm. Length, 2 octets */
	cap_start = n;
	static const uint8_t caps[] = { 1, 4, 0, 2, 0, 133,
		65, 4, 0, 1, 0x11, 0x70, 2, 0 };
	memcpy(tail + n, caps, sizeof caps);
	n += sizeof caps;
	for (size_t i = 0; i < nfiller; i++) {
		tail[n++] = 200;	/* an unassigned capability */
		tail[n++] = 2;
		tail[n++] = (uint8_t)i;
		tail[n++] = 0;
	}
	if (ext_caps) {
		tail[n++] = 6;
		tail[n++] = 0;
	}
	size_t plen = n - cap_start;
	tail[cap_start - 2] = (uint8_t)(plen >> 8);
	tail[cap_start - 1] = (uint8_t)plen;
	size_t total = n - plen_at - 2;
	tail[plen_at] = (uint8_t)(total >> 8);
	tail[plen_at + 1] = (uint8_t)total;
	return make_open(buf, 4, BGP_AS_TRANS, 90, 0x0a000002, tail, n);
}

START_TEST(open_extended_parameters_rfc9072)
{
	uint8_t buf[2200];
	struct bgp_open o;
	struct bgp_error e = { 0 };

	/* A capabilities parameter of more than 255 octets needs RFC 9072. */
	for (int ext = 0; ext <= 1; ext++) {
		size_t len = make_ext_open(buf, 100, ext);
		ck_assert_int_gt(len, 29 + 255);
		ck_assert_int_eq(bgp_header_check(buf, len, BGP_MAX_LEN, &e),
		    (ssize_t)len);
		ck_assert_int_eq(bgp_open_parse(buf, len, &o, &e), 0);
		ck_assert_int_eq(e.action, BGP_ACT_NONE);
		ck_assert_uint_eq(o.families, BGP_FAM_BIT(FS_IPV6));
		ck_assert(o.as4);
		ck_assert_uint_eq(o.as, 70000);
		ck_assert(o.route_refresh);
		ck_assert(o.ext_message == (ext == 1));
		ck_assert_uint_eq(o.hold_time, 90);
	}
	/* The extended form with nothing in it but the capabilities. */
	size_t len = make_ext_open(buf, 0, false);
	ck_assert_int_eq(bgp_open_parse(buf, len, &o, &e), 0);
	ck_assert_uint_eq(o.as, 70000);
	/* An extended length that is one off is refused. */
	buf[29 + 2] ^= 0x01;
	open_refused(buf, len, BGP_ERR_OPEN, 0);
}
END_TEST

START_TEST(open_255_octets_of_plain_parameters)
{
	/*
	 * Opt Parm Len 255 whose first parameter type is not 255 is the
	 * plain RFC 4271 form (RFC 9072 section 2).
	 */
	uint8_t tail[256];
	uint8_t buf[300];
	struct bgp_open o;
	struct bgp_error e = { 0 };
	size_t n = 0;

	tail[n++] = 255;
	memcpy(tail + n, caps_v4 + 1, sizeof caps_v4 - 1);
	n += sizeof caps_v4 - 1;
	while (n < 256) {
		size_t room = 256 - n - 2;	/* one more parameter */
		size_t clen = room > 200 ? 200 : room;
		tail[n++] = 2;
		tail[n++] = (uint8_t)clen;
		if (clen >= 2) {
			tail[n++] = 200;	/* one unassigned capability */
			tail[n++] = (uint8_t)(clen - 2);
			memset(tail + n, 0x5a, clen - 2);
			n += clen - 2;
		}
	}
	ck_assert_uint_eq(n, 256);
	size_t len = make_open(buf, 4, 65001, 90, 1, tail, n);
	ck_assert_int_eq(bgp_open_parse(buf, len, &o, &e), 0);
	ck_assert_uint_eq(o.families, BGP_FAM_BIT(FS_IPV4));
}
END_TEST

/* ---- NOTIFICATION ---- */

/* Builds a NOTIFICATION, frames it, parses it; returns the message length. */
static size_t
notification_round_trip(uint8_t code, uint8_t sub, const uint8_t *data,
    size_t dlen, struct bgp_buf *b)
{
	struct bgp_error e = { 0 };
	uint8_t c, s;
	const uint8_t *d;
	size_t dl;

	b->len = 0;
	ck_assert_int_eq(bgp_notification_build(b, code, sub, data, dlen), 0);
	ck_assert_int_eq(bgp_header_check(b->p, b->len, BGP_MAX_LEN, &e),
	    (ssize_t)b->len);
	ck_assert_uint_eq(bgp_msg_type(b->p), BGP_NOTIFICATION);
	ck_assert_int_eq(bgp_notification_parse(b->p, b->len, &c, &s, &d, &dl), 0);
	ck_assert_uint_eq(c, code);
	ck_assert_uint_eq(s, sub);
	ck_assert_uint_eq(dl, b->len - 21);
	ck_assert(dl == 0 || memcmp(d, data, dl) == 0);
	return b->len;
}

START_TEST(notification_build_parse)
{
	struct bgp_buf b = { 0 };
	static const uint8_t len_field[] = { 0x10, 0x01 };

	ck_assert_uint_eq(notification_round_trip(BGP_ERR_HOLD, 0, NULL, 0, &b), 21);
	ck_assert_uint_eq(notification_round_trip(BGP_ERR_HEADER,
	    BGP_HDR_BAD_LENGTH, len_field, 2, &b), 23);
	/* Data that cannot fit in 4096 octets is cut to fit. */
	uint8_t *big = malloc(5000);
	for (size_t i = 0; i < 5000; i++)
		big[i] = (uint8_t)i;
	ck_assert_uint_eq(notification_round_trip(BGP_ERR_UPDATE,
	    BGP_UPD_ATTR_LIST, big, 5000, &b), BGP_MAX_LEN);
	free(big);

	uint8_t c, s;
	const uint8_t *d;
	size_t dl;
	ck_assert_int_eq(bgp_notification_parse(b.p, 20, &c, &s, &d, &dl), -1);
	bgp_buf_free(&b);
}
END_TEST

/* Formats into a buffer; checks that the return value is the length written. */
static void
format(uint8_t code, uint8_t sub, const uint8_t *d, size_t dl, char *out,
    size_t cap)
{
	int n = bgp_notification_format(code, sub, d, dl, out, cap);

	ck_assert_int_ge(n, 0);
	ck_assert_uint_eq((size_t)n, strlen(out));
	/* What snprintf returns: the length needed, whatever the room. */
	ck_assert_int_eq(bgp_notification_format(code, sub, d, dl, NULL, 0), n);
}

START_TEST(notification_format_shutdown_communication)
{
	static const char said[] = "maintenance, back at 14:00 UTC";
	uint8_t data[300];
	char out[600], small[16];

	/* RFC 8203/9003: a length octet, then that many octets of UTF-8. */
	data[0] = (uint8_t)strlen(said);
	memcpy(data + 1, said, strlen(said));
	format(BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, data, 1 + strlen(said),
	    out, sizeof out);
	ck_assert_ptr_nonnull(strstr(out, "6/2"));
	ck_assert_ptr_nonnull(strstr(out, "Cease"));
	ck_assert_ptr_nonnull(strstr(out, "Administrative Shutdown"));
	ck_assert_ptr_nonnull(strstr(out, said));
	/* Administrative Reset carries one too (RFC 9003). */
	format(BGP_ERR_CEASE, BGP_CEASE_ADMIN_RESET, data, 1 + strlen(said),
	    out, sizeof out);
	ck_assert_ptr_nonnull(strstr(out, "Administrative Reset"));
	ck_assert_ptr_nonnull(strstr(out, said));

	/* Truncation: what fits is a prefix of the whole. */
	char whole[600];
	format(BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, data, 1 + strlen(said),
	    whole, sizeof whole);
	int n = bgp_notification_format(BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN,
	    data, 1 + strlen(said), small, sizeof small);
	ck_assert_uint_eq((size_t)n, strlen(whole));
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	ck_assert(strncmp(small, whole, sizeof small - 1) == 0);

	/* RFC 9003 raised the limit to 255 octets: all of them are shown. */
	data[0] = 255;
	memset(data + 1, 'x', 255);
	format(BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, data, 256, out, sizeof out);
	ck_assert_uint_eq(strspn(strchr(out, 'x'), "x"), 255);
}
END_TEST

START_TEST(notification_format_hostile_communication)
{
	uint8_t data[32];
	char out[256], plain[256];

	/* Control characters never reach the log line. */
	static const char said[] = "a\nb\rc\033[2Jd";
	data[0] = (uint8_t)strlen(said);
	memcpy(data + 1, said, strlen(said));
	format(BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, data, 1 + strlen(said),
	    out, sizeof out);
	for (const char *p = out; *p; p++)
		ck_assert_msg((unsigned char)*p >= 0x20,
		    "control character in \"%s\"", out);
	ck_assert_ptr_nonnull(strchr(out, 'a'));
	ck_assert_ptr_nonnull(strchr(out, 'd'));

	/* A length octet larger than the data: no communication, no over-read. */
	format(BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, NULL, 0, plain,
	    sizeof plain);
	data[0] = 200;
	format(BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, data, 5, out, sizeof out);
	ck_assert_str_eq(out, plain);
	/* Other codes' data is not a communication. */
	format(BGP_ERR_UPDATE, BGP_UPD_ATTR_LIST, NULL, 0, plain, sizeof plain);
	data[0] = 3;
	memcpy(data + 1, "abc", 3);
	format(BGP_ERR_UPDATE, BGP_UPD_ATTR_LIST, data, 4, out, sizeof out);
	ck_assert_str_eq(out, plain);
	ck_assert_ptr_nonnull(strstr(out, "3/1"));
	ck_assert_ptr_nonnull(strstr(out, "Malformed Attribute List"));
}
END_TEST

/* ---- ROUTE-REFRESH ---- */

START_TEST(refresh_build_parse)
{
	struct bgp_buf b = { 0 };
	struct bgp_error e = { 0 };

	for (int f = FS_IPV4; f <= FS_IPV6; f++) {
		b.len = 0;
		ck_assert_int_eq(bgp_refresh_build(&b, f), 0);
		ck_assert_uint_eq(b.len, 23);
		ck_assert_int_eq(bgp_header_check(b.p, b.len, BGP_MAX_LEN, &e), 23);
		ck_assert_uint_eq(bgp_msg_type(b.p), BGP_ROUTE_REFRESH);
		/* RFC 2918: AFI, reserved, SAFI. */
		ck_assert_uint_eq(b.p[19] << 8 | b.p[20],
		    f == FS_IPV4 ? BGP_AFI_IPV4 : BGP_AFI_IPV6);
		ck_assert_uint_eq(b.p[22], BGP_SAFI_FLOWSPEC);
		ck_assert_int_eq(bgp_refresh_parse(b.p, b.len, &e), f);
	}
	ck_assert_int_eq(e.action, BGP_ACT_NONE);

	/* Another AFI/SAFI is to be ignored: 0. */
	uint8_t msg[32];
	static const uint8_t others[][3] = { { 0, 1, 1 }, { 0, 2, 1 },
		{ 0, 3, 133 }, { 0, 1, 134 }, { 0, 0, 0 } };
	for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
		put_header(msg, 23, BGP_ROUTE_REFRESH);
		msg[19] = others[i][0];
		msg[20] = others[i][1];
		msg[21] = 0;
		msg[22] = others[i][2];
		ck_assert_int_eq(bgp_refresh_parse(msg, 23, &e), 0);
	}
	ck_assert_int_eq(e.action, BGP_ACT_NONE);
	/* A wrong length resets. */
	ck_assert_int_eq(bgp_refresh_parse(msg, 24, &e), -1);
	ck_assert_int_eq(e.action, BGP_ACT_RESET);
	bgp_buf_free(&b);
}
END_TEST

START_TEST(afi_family)
{
	ck_assert_int_eq(bgp_afi_family(1, 133), FS_IPV4);
	ck_assert_int_eq(bgp_afi_family(2, 133), FS_IPV6);
	ck_assert_int_eq(bgp_afi_family(1, 1), 0);
	ck_assert_int_eq(bgp_afi_family(2, 134), 0);	/* flowspec VPN */
	ck_assert_int_eq(bgp_afi_family(3, 133), 0);
	ck_assert_int_eq(bgp_afi_family(0, 133), 0);
}
END_TEST

/* ---- names ---- */

START_TEST(error_names)
{
	static const struct { unsigned code, sub; const char *name; } known[] = {
		/* RFC 4271 section 4.5 */
		{ 1, 1, "Connection Not Synchronized" },
		{ 1, 2, "Bad Message Length" },
		{ 1, 3, "Bad Message Type" },
		{ 2, 1, "Unsupported Version Number" },
		{ 2, 2, "Bad Peer AS" },
		{ 2, 3, "Bad BGP Identifier" },
		{ 2, 4, "Unsupported Optional Parameter" },
		{ 2, 6, "Unacceptable Hold Time" },
		{ 2, 7, "Unsupported Capability" },	/* RFC 5492 */
		{ 3, 1, "Malformed Attribute List" },
		{ 3, 2, "Unrecognized Well-known Attribute" },
		{ 3, 3, "Missing Well-known Attribute" },
		{ 3, 4, "Attribute Flags Error" },
		{ 3, 5, "Attribute Length Error" },
		{ 3, 6, "Invalid ORIGIN Attribute" },
		{ 3, 8, "Invalid NEXT_HOP Attribute" },
		{ 3, 9, "Optional Attribute Error" },
		{ 3, 10, "Invalid Network Field" },
		{ 3, 11, "Malformed AS_PATH" },
		/* RFC 6608 */
		{ 5, 1, "Receive Unexpected Message in OpenSent State" },
		{ 5, 2, "Receive Unexpected Message in OpenConfirm State" },
		{ 5, 3, "Receive Unexpected Message in Established State" },
		/* RFC 4486 */
		{ 6, 1, "Maximum Number of Prefixes Reached" },
		{ 6, 2, "Administrative Shutdown" },
		{ 6, 3, "Peer De-configured" },
		{ 6, 4, "Administrative Reset" },
		{ 6, 5, "Connection Rejected" },
		{ 6, 6, "Other Configuration Change" },
		{ 6, 7, "Connection Collision Resolution" },
		{ 6, 8, "Out of Resources" },
		/* RFC 7313 */
		{ 7, 1, "Invalid Message Length" },
		/* subcode 0 */
		{ 2, 0, "Unspecific" },
		{ 3, 0, "Unspecific" },
		{ 6, 0, "Unspecific" },
	};
	static const struct { unsigned code, sub; } unknown[] = {
		{ 1, 4 }, { 2, 5 },	/* deprecated by RFC 4271 */
		{ 3, 7 }, { 3, 12 }, { 4, 1 }, { 5, 4 }, { 6, 200 },
		{ 7, 2 }, { 0, 1 }, { 8, 1 }, { 255, 255 },
	};

	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		ck_assert_str_eq(bgp_err_subcode_name(known[i].code, known[i].sub),
		    known[i].name);
	for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++)
		ck_assert_str_eq(bgp_err_subcode_name(unknown[i].code,
		    unknown[i].sub), "unknown subcode");
	ck_assert_str_eq(bgp_err_code_name(1), "Message Header Error");
	ck_assert_str_eq(bgp_err_code_name(2), "OPEN Message Error");
	ck_assert_str_eq(bgp_err_code_name(3), "UPDATE Message Error");
	ck_assert_str_eq(bgp_err_code_name(4), "Hold Timer Expired");
	ck_assert_str_eq(bgp_err_code_name(5), "Finite State Machine Error");
	ck_assert_str_eq(bgp_err_code_name(6), "Cease");
	ck_assert_str_eq(bgp_err_code_name(7), "ROUTE-REFRESH Message Error");
	ck_assert_str_eq(bgp_err_code_name(0), "unknown error code");
	ck_assert_str_eq(bgp_err_code_name(8), "unknown error code");
}
END_TEST

START_TEST(error_severity_order)
{
	struct bgp_error e = { 0 };

	/* RFC 7606 section 3(f): the strongest action wins; the first of equals. */
	bgp_error_set(&e, BGP_ACT_DISCARD, 3, 5, 30, NULL, 0, "discard");
	ck_assert_int_eq(e.action, BGP_ACT_DISCARD);
	bgp_error_set(&e, BGP_ACT_WITHDRAW, 3, 6, 40, NULL, 0, "withdraw");
	ck_assert_int_eq(e.action, BGP_ACT_WITHDRAW);
	ck_assert_uint_eq(e.subcode, 6);
	bgp_error_set(&e, BGP_ACT_DISCARD, 3, 5, 50, NULL, 0, "discard again");
	ck_assert_uint_eq(e.subcode, 6);
	ck_assert_str_eq(e.msg, "withdraw");
	bgp_error_set(&e, BGP_ACT_WITHDRAW, 3, 11, 60, NULL, 0, "second");
	ck_assert_uint_eq(e.subcode, 6);
	uint8_t big[100];
	memset(big, 7, sizeof big);
	ck_assert_int_eq(bgp_error_set(&e, BGP_ACT_RESET, 3, 1, 70, big,
	    sizeof big, "reset %d", 1), -1);
	ck_assert_int_eq(e.action, BGP_ACT_RESET);
	ck_assert_uint_eq(e.data_len, BGP_ERR_DATA_MAX);
	ck_assert_str_eq(e.msg, "reset 1");
	bgp_error_set(&e, BGP_ACT_RESET, 1, 1, 0, NULL, 0, "later reset");
	ck_assert_uint_eq(e.code, 3);
	ck_assert_int_eq(bgp_error_set(NULL, BGP_ACT_RESET, 1, 1, 0, NULL, 0,
	    "no record"), -1);
	ck_assert_str_eq(bgp_action_name(BGP_ACT_RESET), "reset");
	ck_assert_str_eq(bgp_action_name(BGP_ACT_WITHDRAW), "treat-as-withdraw");
	ck_assert_str_eq(bgp_action_name(BGP_ACT_DISCARD), "attribute-discard");
	ck_assert_str_eq(bgp_action_name(BGP_ACT_NONE), "none");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("test_bgp_msg");
	TCase *tc;

	tc = tcase_create("header");
	tcase_add_test(tc, header_bad_marker_refused_early);
	tcase_add_loop_test(tc, header_length_bounds, 0,
	    sizeof len_cases / sizeof *len_cases);
	tcase_add_loop_test(tc, header_unknown_type, 0, 5);
	tcase_add_test(tc, header_partial_and_back_to_back);
	tcase_add_test(tc, keepalive_build);
	suite_add_tcase(s, tc);

	tc = tcase_create("open");
	tcase_add_test(tc, open_round_trip_all_capabilities);
	tcase_add_test(tc, open_round_trip_as4_and_few_capabilities);
	tcase_add_test(tc, open_hand_built_capabilities);
	tcase_add_test(tc, open_without_capabilities);
	tcase_add_test(tc, open_bad_version);
	tcase_add_test(tc, open_hold_time);
	tcase_add_test(tc, open_zero_bgp_id);
	tcase_add_test(tc, open_peer_as_zero);
	tcase_add_test(tc, open_unsupported_parameter);
	tcase_add_loop_test(tc, open_malformed_parameters, 0, 9);
	tcase_add_test(tc, open_truncated);
	tcase_add_test(tc, open_extended_parameters_rfc9072);
	tcase_add_test(tc, open_255_octets_of_plain_parameters);
	suite_add_tcase(s, tc);

	tc = tcase_create("notification");
	tcase_add_test(tc, notification_build_parse);
	tcase_add_test(tc, notification_format_shutdown_communication);
	tcase_add_test(tc, notification_format_hostile_communication);
	suite_add_tcase(s, tc);

	tc = tcase_create("refresh");
	tcase_add_test(tc, refresh_build_parse);
	tcase_add_test(tc, afi_family);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, error_names);
	tcase_add_test(tc, error_severity_order);
	suite_add_tcase(s, tc);

	return fc_run_suite(s);
}
