/*
 * fuzz_bgp.c - libFuzzer target for the BGP message codecs (emulator/bgp:
 * msg.c, update_parse.c, update_build.c).
 *
 * The input is a byte stream as a peer would send it.  bgp_header_check
 * frames it; each framed message is copied into a buffer of its own size
 * (so that ASan sees any read past it) and given to the parser of its type:
 * OPEN, UPDATE (4-octet and 2-octet AS sessions, both flowspec families
 * negotiated), NOTIFICATION (parse and format) and ROUTE-REFRESH.  Then the
 * whole input is read once more as a single message whose length field is
 * made to fit, so that mutations which move octets still reach the parsers.
 *
 * Whatever the input, these hold, or the target aborts:
 *  - framing: a refusal is a header error reset; a frame lies within the
 *    input, between 19 and 65535 octets, and one octet less is "more
 *    needed"; a frame under 4096 octets is framed alike at 4096;
 *  - a parse that returns 0 never asks for a reset; one that returns -1
 *    does (or says ENOMEM); an error's offset lies within the message;
 *  - OPEN: what parses is version 4 with a legal hold time and a non-zero
 *    identifier, and builds into an OPEN that parses to the same;
 *  - UPDATE: treat-as-withdraw leaves nothing announced; every decoded
 *    rule re-encodes with fs_nlri_encode, a conformant one to octets found
 *    in the message; every action is an extended community found in it;
 *    a dropped NLRI's offset, length and kept octets match the message;
 *    announced rules built again with bgp_update_build_reach parse back
 *    to the same matches and actions;
 *  - NOTIFICATION: format returns the length it writes, needs no more
 *    room than it says, and writes no control characters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp/msg.h"
#include "bgp/update.h"
#include "bgp/wire.h"
#include "flowspec/nlri.h"
#include "flowspec/rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BOTH (BGP_FAM_BIT(FS_IPV4) | BGP_FAM_BIT(FS_IPV6))
#define ENC_CAP (FS_NLRI_MAX_LEN + 2)

static void
fail(const char *what, const struct bgp_error *e)
{
	fprintf(stderr, "fuzz_bgp: %s", what);
	if (e != NULL)
		fprintf(stderr, " (%s %u/%u at %zu: %s)",
		    bgp_action_name(e->action), e->code, e->subcode, e->offset,
		    e->msg);
	fputc('\n', stderr);
	abort();
}

#define CHECK(cond, e) do { if (!(cond)) fail(#cond, (e)); } while (0)

/* Checks what any recorded error must be like. */
static void
check_error(const struct bgp_error *e, size_t len)
{
	if (e->action == BGP_ACT_NONE)
		return;
	CHECK(e->offset < len || (len == 0 && e->offset == 0), e);
	CHECK(e->data_len <= BGP_ERR_DATA_MAX, e);
	CHECK(e->code >= BGP_ERR_HEADER && e->code <= BGP_ERR_REFRESH, e);
	CHECK(memchr(e->msg, '\0', sizeof e->msg) != NULL, e);
}

static void
one_open(const uint8_t *msg, size_t len)
{
	struct bgp_open o, back;
	struct bgp_error e = { 0 };
	struct bgp_buf b = { 0 };

	if (bgp_open_parse(msg, len, &o, &e) < 0) {
		CHECK(e.action == BGP_ACT_RESET, &e);
		CHECK(e.code == BGP_ERR_OPEN || e.code == BGP_ERR_HEADER, &e);
		check_error(&e, len);
		return;
	}
	CHECK(e.action == BGP_ACT_NONE, &e);
	CHECK(o.version == 4, NULL);
	CHECK(o.hold_time == 0 || o.hold_time >= 3, NULL);
	CHECK(o.bgp_id != 0, NULL);
	CHECK((o.families & ~BOTH) == 0, NULL);
	CHECK(o.as4 || o.as == o.my_as, NULL);

	/* What was read builds into an OPEN that reads the same. */
	if (bgp_open_build(&b, &o) < 0)
		fail("bgp_open_build failed", NULL);
	CHECK(bgp_header_check(b.p, b.len, BGP_MAX_LEN, &e) == (ssize_t)b.len, &e);
	CHECK(bgp_open_parse(b.p, b.len, &back, &e) == 0, &e);
	CHECK(back.as == o.as, NULL);
	CHECK(back.my_as == (o.as > 0xffff ? BGP_AS_TRANS : o.as), NULL);
	CHECK(back.as4, NULL);
	CHECK(back.hold_time == o.hold_time && back.bgp_id == o.bgp_id, NULL);
	CHECK(back.families == o.families && back.other_afs == 0, NULL);
	CHECK(back.route_refresh == o.route_refresh, NULL);
	CHECK(back.ext_message == o.ext_message, NULL);
	bgp_buf_free(&b);
}

/* Returns true if needle[0..n) occurs in hay[0..len). */
static bool
contains(const uint8_t *hay, size_t len, const uint8_t *needle, size_t n)
{
	return memmem(hay, len, needle, n) != NULL;
}

/* Checks one decoded rule against the message it came from. */
static void
check_rule(const struct fs_rule *r, int family, const uint8_t *msg,
    size_t len)
{
	static uint8_t enc[ENC_CAP];
	struct fs_error fe = { 0 };

	CHECK(r->family == family, NULL);
	CHECK(r->ncomp > 0, NULL);
	ssize_t n = fs_nlri_encode(r, enc, sizeof enc, &fe);
	if (r->nonconform == 0) {
		if (n <= 0) {
			fprintf(stderr, "fuzz_bgp: %s\n", fe.msg);
			fail("a decoded conformant rule does not re-encode", NULL);
		}
		/* Conformant: the octets it came from. */
		CHECK(contains(msg, len, enc, (size_t)n), NULL);
	}
	for (uint32_t i = 0; i < r->nactions; i++)
		CHECK(contains(msg, len, r->actions[i].ec, 8), NULL);
}

/*
 * Builds the announced rules of u again and checks that they parse back
 * the same, in order.
 */
static void
rebuild(const struct bgp_update *u, const struct bgp_update_params *rx)
{
	struct bgp_update_params tx = { .as4 = rx->as4, .ebgp = rx->ebgp,
		.local_as = 4200000000u, .max_len = BGP_EXT_MAX_LEN };
	struct bgp_route *routes = calloc(u->nreach, sizeof *routes);
	const struct bgp_route **pr = calloc(u->nreach, sizeof *pr);
	uint8_t *enc = malloc(u->nreach * ENC_CAP);
	struct bgp_buf b = { 0 };
	struct bgp_update back;
	size_t off = 0, k = 0;

	if (routes == NULL || pr == NULL || enc == NULL)
		fail("out of memory", NULL);
	for (size_t i = 0; i < u->nreach; i++) {
		const struct fs_rule *r = &u->reach[i];
		uint8_t *p = enc + i * ENC_CAP;
		ssize_t n = fs_nlri_encode(r, p, ENC_CAP, NULL);
		if (n <= 0)
			goto out;	/* non-conformant and not encodable */
		routes[i] = (struct bgp_route){ .family = r->family,
			.nlri_len = (uint16_t)n, .nactions = (uint16_t)r->nactions,
			.nlri = p, .actions = r->actions };
		pr[i] = &routes[i];
	}
	long m = bgp_update_build_reach(&b, &tx, pr, u->nreach);
	if (m < 0) {
		CHECK(errno == E2BIG, NULL);
		CHECK(b.len == 0, NULL);
		goto out;
	}
	bgp_update_init(&back);
	for (long j = 0; j < m; j++) {
		struct bgp_error e = { 0 };
		ssize_t n = bgp_header_check(b.p + off, b.len - off,
		    BGP_EXT_MAX_LEN, &e);
		CHECK(n > 0, &e);
		CHECK(bgp_update_parse(b.p + off, (size_t)n, rx, &back) == 0,
		    &back.err);
		CHECK(back.err.action == BGP_ACT_NONE, &back.err);
		CHECK(back.nbad == 0 && back.nwithdrawn == 0, NULL);
		for (size_t i = 0; i < back.nreach; i++, k++) {
			CHECK(k < u->nreach, NULL);
			CHECK(fs_rule_match_equal(&back.reach[i], &u->reach[k]),
			    NULL);
			CHECK(fs_rule_actions_equal(&back.reach[i], &u->reach[k]),
			    NULL);
		}
		off += (size_t)n;
	}
	CHECK(k == u->nreach && off == b.len, NULL);
	bgp_update_free(&back);
out:
	bgp_buf_free(&b);
	free(routes);
	free(pr);
	free(enc);
}

static void
one_update(const uint8_t *msg, size_t len, bool as4, bool ebgp,
    struct bgp_update *u)
{
	struct bgp_update_params rx = { .as4 = as4, .ebgp = ebgp,
		.families = BOTH };

	errno = 0;
	int ret = bgp_update_parse(msg, len, &rx, u);
	check_error(&u->err, len);
	if (ret < 0) {
		CHECK(u->err.action == BGP_ACT_RESET || errno == ENOMEM, &u->err);
		return;
	}
	CHECK(ret == 0, NULL);
	CHECK(u->err.action != BGP_ACT_RESET, &u->err);
	if (u->err.action != BGP_ACT_NONE)
		CHECK(u->err.code == BGP_ERR_UPDATE, &u->err);
	if (u->err.action == BGP_ACT_WITHDRAW)
		CHECK(u->nreach == 0, &u->err);
	CHECK(u->family == 0 || u->family == FS_IPV4 || u->family == FS_IPV6,
	    NULL);
	CHECK(u->nreach + u->nwithdrawn == 0 || u->family != 0, NULL);
	CHECK(u->as_path_len <= BGP_AS_PATH_KEEP, NULL);
	CHECK(!u->eor || u->nreach == 0, NULL);
	for (size_t i = 0; i < u->nreach; i++) {
		check_rule(&u->reach[i], u->family, msg, len);
		/* One EXTENDED_COMMUNITIES for all the announced rules. */
		CHECK(fs_rule_actions_equal(&u->reach[i], &u->reach[0]), NULL);
	}
	for (size_t i = 0; i < u->nwithdrawn; i++) {
		check_rule(&u->withdrawn[i], u->family, msg, len);
		CHECK(u->withdrawn[i].nactions == 0, NULL);
	}
	for (size_t i = 0; i < u->nbad; i++) {
		const struct bgp_bad_nlri *b = &u->bad[i];
		CHECK(b->offset >= 23 && b->len > 0, NULL);
		CHECK(b->offset <= len && b->len <= len - b->offset, NULL);
		CHECK(memcmp(b->octets, msg + b->offset, b->len < BGP_BAD_NLRI_KEEP ?
		    b->len : BGP_BAD_NLRI_KEEP) == 0, NULL);
		CHECK(b->err.code != FS_OK, NULL);
	}
	if (u->err.action == BGP_ACT_NONE && u->nreach > 0)
		rebuild(u, &rx);
}

static void
one_notification(const uint8_t *msg, size_t len)
{
	uint8_t code, sub;
	const uint8_t *d;
	size_t dl;
	char out[600];

	CHECK(bgp_notification_parse(msg, len, &code, &sub, &d, &dl) == 0, NULL);
	CHECK(d == msg + 21 && dl == len - 21, NULL);
	CHECK(code == msg[19] && sub == msg[20], NULL);
	int n = bgp_notification_format(code, sub, d, dl, out, sizeof out);
	CHECK(n > 0, NULL);
	CHECK(bgp_notification_format(code, sub, d, dl, NULL, 0) == n, NULL);
	if ((size_t)n < sizeof out) {
		CHECK(strlen(out) == (size_t)n, NULL);
		for (int i = 0; i < n; i++)
			CHECK((unsigned char)out[i] >= 0x20 &&
			    (unsigned char)out[i] < 0x7f, NULL);
	}
}

static void
one_message(const uint8_t *msg, size_t len)
{
	struct bgp_error e = { 0 };
	struct bgp_update u;

	switch (bgp_msg_type(msg)) {
	case BGP_OPEN:
		one_open(msg, len);
		break;
	case BGP_UPDATE:
		/* One struct for all four readings: its pools are reused. */
		bgp_update_init(&u);
		one_update(msg, len, true, true, &u);
		one_update(msg, len, false, true, &u);
		one_update(msg, len, true, false, &u);
		one_update(msg, len, false, false, &u);
		bgp_update_free(&u);
		break;
	case BGP_NOTIFICATION:
		one_notification(msg, len);
		break;
	case BGP_ROUTE_REFRESH: {
		int f = bgp_refresh_parse(msg, len, &e);
		CHECK(f == 0 || f == FS_IPV4 || f == FS_IPV6, &e);
		CHECK(e.action == BGP_ACT_NONE, &e);
		break;
	}
	case BGP_KEEPALIVE:
		CHECK(len == BGP_HEADER_LEN, NULL);
		break;
	default:
		fail("a frame of an unknown type", NULL);
	}
}

/*
 * Frames buf[0..len) and checks what framing promises.  Returns the frame
 * length, 0 (more needed) or -1.
 */
static ssize_t
frame(const uint8_t *buf, size_t len)
{
	struct bgp_error e = { 0 }, e4 = { 0 };
	ssize_t n = bgp_header_check(buf, len, BGP_EXT_MAX_LEN, &e);

	if (n < 0) {
		CHECK(e.action == BGP_ACT_RESET && e.code == BGP_ERR_HEADER, &e);
		CHECK(e.subcode >= BGP_HDR_NOT_SYNC &&
		    e.subcode <= BGP_HDR_BAD_TYPE, &e);
		CHECK(bgp_header_check(buf, len, BGP_MAX_LEN, &e4) < 0, &e4);
		return -1;
	}
	CHECK(e.action == BGP_ACT_NONE, &e);
	if (n == 0)
		return 0;
	CHECK(n >= BGP_HEADER_LEN && (size_t)n <= len, NULL);
	CHECK(bgp_header_check(buf, (size_t)n - 1, BGP_EXT_MAX_LEN, &e) == 0, &e);
	ssize_t n4 = bgp_header_check(buf, len, BGP_MAX_LEN, &e4);
	CHECK(n <= BGP_MAX_LEN ? n4 == n : n4 == -1, &e4);
	return n;
}

/* Copies a frame into a buffer of its own size and parses it. */
static void
parse_copy(const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n);

	if (copy == NULL)
		fail("out of memory", NULL);
	memcpy(copy, p, n);
	one_message(copy, n);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		ssize_t n = frame(data + off, size - off);
		if (n <= 0)
			break;
		parse_copy(data + off, (size_t)n);
		off += (size_t)n;
	}

	/* The whole input as one message, its length made to fit. */
	if (size >= BGP_HEADER_LEN) {
		size_t n = size > BGP_EXT_MAX_LEN ? BGP_EXT_MAX_LEN : size;
		uint8_t *copy = malloc(n);
		if (copy == NULL)
			fail("out of memory", NULL);
		memcpy(copy, data, n);
		memset(copy, 0xff, BGP_MARKER_LEN);
		bgp_put16(copy + 16, (uint16_t)n);
		if (frame(copy, n) == (ssize_t)n)
			one_message(copy, n);
		free(copy);
	}
	return 0;
}
