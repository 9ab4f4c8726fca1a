/*
 * test_bgp_update.c - UPDATE messages carrying flowspec (emulator/bgp/
 * update_parse.c and update_build.c).
 *
 * Building: the rules of shared/vectors/flowspec-nlri.jsonl, IPv4 and
 * IPv6, announced and withdrawn, come back from the parser with the same
 * match and actions; routes with equal actions share messages filled up
 * to the negotiated size (RFC 4271, RFC 8654) and no more; a route that
 * cannot fit is refused; the AS_PATH, AS4_PATH and LOCAL_PREF follow
 * RFC 4271 section 5.1 and RFC 6793 section 4.2.2; End-of-RIB is RFC 4724.
 *
 * Parsing: hand-written malformed UPDATEs get the RFC 7606 action (session
 * reset, treat-as-withdraw or attribute discard) with the RFC 4271
 * section 6.3 code and subcode; a flowspec NLRI with a sound length but an
 * undecodable body is dropped alone (update.h); MP attributes of other or
 * non-negotiated AFI/SAFIs are ignored (RFC 4760).  One struct is reused
 * across many parses.
 */
#include <json-glib/json-glib.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "bgp/update.h"
#include "bgp/wire.h"
#include "flowspec/ecomm.h"
#include "flowspec/nlri.h"
#include "flowspec/text.h"

#define BOTH (BGP_FAM_BIT(FS_IPV4) | BGP_FAM_BIT(FS_IPV6))

/* Decodes hex that may hold spaces into buf; fails the test if it cannot. */
static size_t
unhex(const char *hex, uint8_t *buf, size_t cap)
{
	char *copy = malloc(strlen(hex) + 1);
	size_t k = 0;
	ssize_t n;

	for (const char *p = hex; *p; p++)
		if (*p != ' ')
			copy[k++] = *p;
	copy[k] = '\0';
	n = fc_unhex(copy, buf, cap);
	ck_assert_msg(n >= 0, "bad hex in the test: %s", hex);
	free(copy);
	return (size_t)n;
}

/* Writes an UPDATE header at p (RFC 4271 section 4.1). */
static void
put_header(uint8_t *p, size_t len)
{
	memset(p, 0xff, 16);
	p[16] = (uint8_t)(len >> 8);
	p[17] = (uint8_t)len;
	p[18] = BGP_UPDATE;
}

/*
 * Writes an UPDATE with no withdrawn routes, the path attributes `attrs`
 * and the (IPv4 unicast) NLRI field `nlri`, both hex.  Returns its length.
 */
static size_t
make_update(uint8_t *buf, size_t cap, const char *attrs, const char *nlri)
{
	size_t n = 19;

	buf[n++] = 0;
	buf[n++] = 0;
	size_t alen = unhex(attrs, buf + n + 2, cap - n - 2);
	buf[n++] = (uint8_t)(alen >> 8);
	buf[n++] = (uint8_t)alen;
	n += alen;
	n += unhex(nlri, buf + n, cap - n);
	put_header(buf, n);
	return n;
}

/* Writes an UPDATE whose body (all after the header) is `body`, hex. */
static size_t
make_raw_update(uint8_t *buf, size_t cap, const char *body)
{
	size_t n = 19 + unhex(body, buf + 19, cap - 19);

	put_header(buf, n);
	return n;
}

/* ---- vectors ---- */

struct vrule {
	struct fs_rule rule;
	uint8_t *nlri;
	struct bgp_route route;
};

struct vset {
	struct vrule *v;
	size_t n, cap;
};

/* Adds the rule `text` of `family` to s, encoded as a route. */
static void
vset_add(struct vset *s, const char *text, int family)
{
	uint8_t buf[FS_NLRI_MAX_LEN + 2];
	struct fs_error err = { 0 };
	ssize_t n;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		ck_assert_ptr_nonnull(s->v);
	}
	struct vrule *v = &s->v[s->n++];
	fs_rule_init(&v->rule, family);
	fc_parse_or_fail(text, family, &v->rule);
	n = fs_nlri_encode(&v->rule, buf, sizeof buf, &err);
	ck_assert_msg(n > 0, "%s: %s", text, err.msg);
	v->nlri = malloc((size_t)n);
	memcpy(v->nlri, buf, (size_t)n);
	v->route = (struct bgp_route){ .family = (uint8_t)family,
		.nlri_len = (uint16_t)n, .nactions = (uint16_t)v->rule.nactions,
		.nlri = v->nlri, .actions = v->rule.actions };
}

/* Adds a rule built elsewhere (ownership moves to s). */
static void
vset_add_rule(struct vset *s, struct fs_rule *r)
{
	uint8_t *buf = malloc(FS_NLRI_MAX_LEN + 2);
	struct fs_error err = { 0 };
	ssize_t n = fs_nlri_encode(r, buf, FS_NLRI_MAX_LEN + 2, &err);

	ck_assert_msg(n > 0, "%s", err.msg);
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
	}
	struct vrule *v = &s->v[s->n++];
	v->rule = *r;
	v->nlri = buf;
	v->route = (struct bgp_route){ .family = r->family,
		.nlri_len = (uint16_t)n, .nactions = (uint16_t)r->nactions,
		.nlri = buf, .actions = r->actions };
}

static void
vset_free(struct vset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		fs_rule_free(&s->v[i].rule);
		free(s->v[i].nlri);
	}
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* Loads every rule of the vectors of `family` (the multi-rule one too). */
static void
load_vectors(struct vset *s, int family)
{
	char *path = fc_vectors_path("flowspec-nlri.jsonl");
	gchar *text = NULL;
	GError *gerr = NULL;

	ck_assert_msg(g_file_get_contents(path, &text, NULL, &gerr), "%s: %s",
	    path, gerr ? gerr->message : "?");
	gchar **lines = g_strsplit(text, "\n", -1);
	for (gchar **p = lines; *p; p++) {
		if (**p == '\0')
			continue;
		JsonParser *jp = json_parser_new();
		ck_assert(json_parser_load_from_data(jp, *p, -1, NULL));
		JsonObject *o = json_node_get_object(json_parser_get_root(jp));
		int f = strcmp(json_object_get_string_member(o, "family"),
		    "ipv6") == 0 ? FS_IPV6 : FS_IPV4;
		if (f == family && json_object_has_member(o, "rule")) {
			vset_add(s, json_object_get_string_member(o, "rule"), f);
		} else if (f == family) {
			JsonArray *a = json_object_get_array_member(o, "rules");
			for (guint i = 0; i < json_array_get_length(a); i++)
				vset_add(s, json_array_get_string_element(a, i), f);
		}
		g_object_unref(jp);
	}
	g_strfreev(lines);
	g_free(text);
	free(path);
	ck_assert_uint_gt(s->n, 5);
}

/* Returns route pointers of s, sorted as the builder wants them. */
static const struct bgp_route **
sorted_routes(const struct vset *s)
{
	const struct bgp_route **r = malloc((s->n ? s->n : 1) * sizeof *r);

	for (size_t i = 0; i < s->n; i++)
		r[i] = &s->v[i].route;
	qsort(r, s->n, sizeof *r, bgp_route_cmp_actions);
	return r;
}

/* Returns the vrule that route r belongs to. */
static const struct vrule *
owner(const struct bgp_route *r)
{
	return (const struct vrule *)((const char *)r -
	    offsetof(struct vrule, route));
}

static bool
same_actions(const struct bgp_route *a, const struct bgp_route *b)
{
	return a->nactions == b->nactions && (a->nactions == 0 ||
	    memcmp(a->actions, b->actions, 8u * a->nactions) == 0);
}

/*
 * Builds routes `r` (n of them), then checks every message: framed within
 * max_len, parsed with no error, carrying the next routes in order with
 * the same match and actions, one action set per message (reach), and
 * filled: the next route of the same set would not have fit.  Returns the
 * number of messages.
 */
static long
build_and_check(const struct vset *s, const struct bgp_route **r, size_t n,
    const struct bgp_update_params *tx, bool reach)
{
	struct bgp_update_params rx = { .as4 = tx->as4, .ebgp = tx->ebgp,
		.families = BOTH };
	struct bgp_buf b = { 0 };
	struct bgp_update u;
	long msgs;
	size_t off = 0, next = 0, prev_len = 0;

	msgs = reach ? bgp_update_build_reach(&b, tx, r, n) :
	    bgp_update_build_unreach(&b, tx, r, n);
	ck_assert_int_gt(msgs, 0);
	bgp_update_init(&u);
	for (long m = 0; m < msgs; m++) {
		struct bgp_error e = { 0 };
		ssize_t len = bgp_header_check(b.p + off, b.len - off, tx->max_len,
		    &e);
		ck_assert_msg(len > 0, "message %ld of %ld: %s", m, msgs, e.msg);
		ck_assert_uint_le((size_t)len, tx->max_len);
		ck_assert_uint_eq(bgp_msg_type(b.p + off), BGP_UPDATE);
		ck_assert_int_eq(bgp_update_parse(b.p + off, (size_t)len, &rx, &u), 0);
		ck_assert_msg(u.err.action == BGP_ACT_NONE, "message %ld: %s", m,
		    u.err.msg);
		ck_assert_uint_eq(u.nbad, 0);
		ck_assert_uint_eq(u.family, r[next]->family);
		size_t got = reach ? u.nreach : u.nwithdrawn;
		ck_assert_uint_eq(reach ? u.nwithdrawn : u.nreach, 0);
		ck_assert_uint_gt(got, 0);
		ck_assert_uint_le(next + got, n);
		/* The previous message was full for this one's first route. */
		if (m > 0 && (!reach || same_actions(r[next - 1], r[next])))
			ck_assert_msg(prev_len + r[next]->nlri_len > tx->max_len,
			    "message %ld (%zu octets) had room for %u more", m - 1,
			    prev_len, r[next]->nlri_len);
		for (size_t i = 0; i < got; i++) {
			const struct fs_rule *want = &owner(r[next + i])->rule;
			const struct fs_rule *have = reach ? &u.reach[i] :
			    &u.withdrawn[i];
			char *tw = fs_print_rule_alloc(want);
			ck_assert_msg(fs_rule_match_equal(want, have),
			    "route %zu \"%.200s\" did not come back", next + i, tw);
			if (reach) {
				ck_assert_msg(fs_rule_actions_equal(want, have),
				    "route %zu \"%.200s\" lost its actions",
				    next + i, tw);
				ck_assert(same_actions(r[next], r[next + i]));
			} else {
				ck_assert_uint_eq(have->nactions, 0);
			}
			free(tw);
		}
		next += got;
		off += (size_t)len;
		prev_len = (size_t)len;
	}
	ck_assert_uint_eq(next, n);
	ck_assert_uint_eq(off, b.len);
	bgp_update_free(&u);
	bgp_buf_free(&b);
	return msgs;
}

/* Returns how many different action lists the sorted routes carry. */
static long
action_sets(const struct bgp_route **r, size_t n)
{
	long k = 0;

	for (size_t i = 0; i < n; i++)
		if (i == 0 || !same_actions(r[i - 1], r[i]))
			k++;
	return k;
}

START_TEST(vectors_round_trip)
{
	static const size_t maxes[] = { BGP_MAX_LEN, BGP_EXT_MAX_LEN };
	int family = _i / 2 == 0 ? FS_IPV4 : FS_IPV6;
	struct bgp_update_params tx = { .as4 = true, .ebgp = true,
		.local_as = 65001, .max_len = maxes[_i % 2] };
	struct vset s = { 0 };

	load_vectors(&s, family);
	const struct bgp_route **r = sorted_routes(&s);
	long msgs = build_and_check(&s, r, s.n, &tx, true);
	/* All of them fit in one message per action set. */
	ck_assert_int_eq(msgs, action_sets(r, s.n));
	ck_assert_int_gt(msgs, 1);
	/* Withdrawn, actions do not matter: they all fit in one. */
	ck_assert_int_eq(build_and_check(&s, r, s.n, &tx, false), 1);
	free(r);
	vset_free(&s);
}
END_TEST

/* The vector that packs three rules in one NLRI field decodes to three, in order. */
START_TEST(vector_three_rules_in_one_field)
{
	static const char *const texts[] = { "match fragment =is-fragment",
		"match tcp-flags =0x12", "match destination-port ==80 ==443" };
	uint8_t msg[256];
	struct bgp_update_params rx = { .as4 = true, .ebgp = true,
		.families = BOTH };
	struct bgp_update u;
	struct fs_rule want;

	/* MP_REACH_NLRI: AFI 1, SAFI 133, no next hop, reserved, the field. */
	size_t len = make_update(msg, sizeof msg, "40010100 40020602010000fde9"
	    "800e14 000185 00 00 030c810203098112060501509101bb", "");
	bgp_update_init(&u);
	fs_rule_init(&want, FS_IPV4);
	ck_assert_int_eq(bgp_update_parse(msg, len, &rx, &u), 0);
	ck_assert_int_eq(u.err.action, BGP_ACT_NONE);
	ck_assert_uint_eq(u.nreach, 3);
	for (int i = 0; i < 3; i++) {
		fc_parse_or_fail(texts[i], FS_IPV4, &want);
		ck_assert_msg(fs_rule_match_equal(&want, &u.reach[i]), "rule %d", i);
		ck_assert_uint_eq(u.reach[i].nactions, 0);
	}
	fs_rule_free(&want);
	bgp_update_free(&u);
}
END_TEST

/* Adds n rules "destination-port ==K" with K from `first`, and actions by `mix`. */
static void
add_port_rules(struct vset *s, unsigned first, size_t n, int family,
    unsigned mix)
{
	static const char *const actions[] = { "then discard",
		"then rate-limit 1000", "then redirect 65000:1", "" };
	char text[128];

	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof text, "match destination-port ==%zu %s",
		    first + i, actions[mix ? i % mix : 0]);
		vset_add(s, text, family);
	}
}

START_TEST(packing_equal_actions)
{
	static const size_t maxes[] = { BGP_MAX_LEN, BGP_EXT_MAX_LEN };
	struct vset s = { 0 };
	size_t total = 0;
	int family = _i < 2 ? FS_IPV4 : FS_IPV6;
	struct bgp_update_params tx = { .as4 = true, .ebgp = true,
		.local_as = 65001, .max_len = maxes[_i % 2] };

	add_port_rules(&s, 1, 3000, family, 0);
	for (size_t i = 0; i < s.n; i++)
		total += s.v[i].route.nlri_len;
	const struct bgp_route **r = sorted_routes(&s);
	long msgs = build_and_check(&s, r, s.n, &tx, true);
	/* No message can carry more NLRI octets than it has. */
	ck_assert_int_ge(msgs, (long)((total + tx.max_len - 1) / tx.max_len));
	if (tx.max_len == BGP_EXT_MAX_LEN)
		ck_assert_int_eq(msgs, 1);
	else
		ck_assert_int_gt(msgs, 3);
	build_and_check(&s, r, s.n, &tx, false);
	free(r);
	vset_free(&s);
}
END_TEST

START_TEST(packing_different_actions)
{
	static const size_t maxes[] = { BGP_MAX_LEN, BGP_EXT_MAX_LEN };
	struct vset s = { 0 };
	struct bgp_update_params tx = { .as4 = false, .ebgp = true,
		.local_as = 65001, .max_len = maxes[_i] };

	/* Four action sets (none is one), interleaved, 2000 routes each. */
	add_port_rules(&s, 100, 8000, FS_IPV4, 4);
	const struct bgp_route **r = sorted_routes(&s);
	ck_assert_int_eq(action_sets(r, s.n), 4);
	long msgs = build_and_check(&s, r, s.n, &tx, true);
	if (tx.max_len == BGP_EXT_MAX_LEN)
		ck_assert_int_eq(msgs, 4);
	else
		ck_assert_int_gt(msgs, 4);
	free(r);
	vset_free(&s);
}
END_TEST

START_TEST(sort_groups_family_and_actions)
{
	struct vset s = { 0 };

	add_port_rules(&s, 1, 40, FS_IPV6, 3);
	add_port_rules(&s, 1, 40, FS_IPV4, 3);
	const struct bgp_route **r = sorted_routes(&s);
	/* IPv4 first, and each action set in one run per family. */
	for (size_t i = 1; i < s.n; i++) {
		ck_assert_uint_le(r[i - 1]->family, r[i]->family);
		if (r[i - 1]->family == r[i]->family &&
		    !same_actions(r[i - 1], r[i]))
			for (size_t j = i + 1; j < s.n; j++)
				ck_assert(r[j]->family != r[i - 1]->family ||
				    !same_actions(r[j], r[i - 1]));
	}
	ck_assert_int_eq(action_sets(r, s.n), 6);
	free(r);
	vset_free(&s);
}
END_TEST

/* A rule of one packet-length component with nterms terms of 3 octets. */
static void
big_rule(struct fs_rule *r, int family, unsigned nterms)
{
	fs_rule_init(r, family);
	ck_assert_int_eq(fs_rule_add_component(r, FS_PKT_LEN), 0);
	for (unsigned i = 0; i < nterms; i++)
		ck_assert_int_eq(fs_rule_add_term(r, FS_NUM_EQ, 256 + i, 0), 0);
}

START_TEST(route_too_big)
{
	struct vset s = { 0 };
	struct fs_rule r;
	struct bgp_update_params tx = { .as4 = true, .ebgp = true,
		.local_as = 65001, .max_len = BGP_MAX_LEN };
	struct bgp_buf b = { 0 };

	/*
	 * 2 + 1 + 1360 * 3 = 4083 octets of NLRI, and a header, ORIGIN,
	 * AS_PATH and the MP_REACH_NLRI framing (19 + 4 + 4 + 9 + 9 = 45
	 * octets at least): more than 4096.
	 */
	add_port_rules(&s, 1, 3, FS_IPV4, 0);
	big_rule(&r, FS_IPV4, 1360);
	/* Two actions: it sorts after the routes with one. */
	struct fs_action a;
	fs_ec_rate(&a, false, 0, 0.0f);
	ck_assert_int_eq(fs_rule_add_action(&r, a.ec), 0);
	fs_ec_traffic_action(&a, true, false);
	ck_assert_int_eq(fs_rule_add_action(&r, a.ec), 0);
	vset_add_rule(&s, &r);
	ck_assert_uint_eq(s.v[3].route.nlri_len, 4083);
	const struct bgp_route *one[1] = { &s.v[3].route };
	errno = 0;
	ck_assert_int_eq(bgp_update_build_reach(&b, &tx, one, 1), -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_uint_eq(b.len, 0);
	errno = 0;
	ck_assert_int_eq(bgp_update_build_unreach(&b, &tx, one, 1), -1);
	ck_assert_int_eq(errno, E2BIG);
	/* After routes that fit: nothing half-built is left. */
	ck_assert_int_eq(bgp_keepalive_build(&b), 0);
	const struct bgp_route **all = sorted_routes(&s);
	errno = 0;
	ck_assert_int_eq(bgp_update_build_reach(&b, &tx, all, s.n), -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_uint_eq(b.len, 19);
	ck_assert(all[s.n - 1] == one[0]);
	/* With extended messages it fits, and comes back. */
	tx.max_len = BGP_EXT_MAX_LEN;
	ck_assert_int_eq(build_and_check(&s, all, s.n, &tx, true), 2);
	ck_assert_int_eq(build_and_check(&s, all, s.n, &tx, false), 1);
	free(all);
	bgp_buf_free(&b);
	vset_free(&s);
}
END_TEST

START_TEST(too_many_actions)
{
	struct vset s = { 0 };
	struct fs_rule r;
	struct bgp_update_params tx = { .as4 = true, .ebgp = true,
		.local_as = 65001, .max_len = BGP_MAX_LEN };
	struct bgp_buf b = { 0 };

	/* 600 redirect communities: 4800 octets of EXTENDED_COMMUNITIES. */
	fs_rule_init(&r, FS_IPV4);
	fc_parse_or_fail("match destination 192.0.2.0/24", FS_IPV4, &r);
	for (unsigned i = 0; i < 600; i++) {
		struct fs_action a;
		fs_ec_redirect_as2(&a, 65000, i);
		ck_assert_int_eq(fs_rule_add_action(&r, a.ec), 0);
	}
	vset_add_rule(&s, &r);
	const struct bgp_route *one[1] = { &s.v[0].route };
	errno = 0;
	ck_assert_int_eq(bgp_update_build_reach(&b, &tx, one, 1), -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_uint_eq(b.len, 0);
	tx.max_len = BGP_EXT_MAX_LEN;
	ck_assert_int_eq(build_and_check(&s, one, 1, &tx, true), 1);
	bgp_buf_free(&b);
	vset_free(&s);
}
END_TEST

/* ---- path attributes written ---- */

/*
 * Finds attribute `type` in the UPDATE msg by walking the attributes
 * (RFC 4271 section 4.3).  Returns its value, or NULL if absent.
 */
static const uint8_t *
find_attr(const uint8_t *msg, size_t len, uint8_t type, uint8_t *flags,
    size_t *alen)
{
	size_t wlen = (size_t)msg[19] << 8 | msg[20];
	size_t at = 21 + wlen;
	size_t end = at + 2 + ((size_t)msg[at] << 8 | msg[at + 1]);

	ck_assert_uint_le(end, len);
	at += 2;
	while (at < end) {
		uint8_t f = msg[at], t = msg[at + 1];
		size_t l, h;
		if (f & BGP_ATTR_EXTLEN) {
			l = (size_t)msg[at + 2] << 8 | msg[at + 3];
			h = 4;
		} else {
			l = msg[at + 2];
			h = 3;
		}
		ck_assert_uint_le(at + h + l, end);
		if (t == type) {
			*flags = f & (uint8_t)~BGP_ATTR_EXTLEN;
			*alen = l;
			return msg + at + h;
		}
		at += h + l;
	}
	return NULL;
}

struct path_case {
	bool as4, ebgp;
	uint32_t local_as;
	const char *as_path;	/* hex of the value */
	const char *as4_path;	/* NULL: absent */
	uint32_t kept[1];	/* what the parser keeps of the path */
	unsigned nkept;
};

static const struct path_case path_cases[] = {
	/* RFC 6793 4.2.2: to a NEW speaker, 4-octet ASes. */
	{ true, true, 65001, "02 01 0000fde9", NULL, { 65001 }, 1 },
	{ true, true, 4200000000u, "02 01 fa56ea00", NULL, { 4200000000u }, 1 },
	/* To an OLD speaker, 2 octets, AS_TRANS and AS4_PATH when too big. */
	{ false, true, 65001, "02 01 fde9", NULL, { 65001 }, 1 },
	{ false, true, 65535, "02 01 ffff", NULL, { 65535 }, 1 },
	{ false, true, 65536, "02 01 5ba0", "02 01 00010000", { 23456 }, 1 },
	{ false, true, 4200000000u, "02 01 5ba0", "02 01 fa56ea00", { 23456 }, 1 },
	/* RFC 4271 5.1.2 and 5.1.5: to an internal peer, an empty AS_PATH. */
	{ true, false, 65001, "", NULL, { 0 }, 0 },
	{ false, false, 4200000000u, "", NULL, { 0 }, 0 },
};

START_TEST(path_attributes)
{
	const struct path_case *c = &path_cases[_i];
	struct bgp_update_params tx = { .as4 = c->as4, .ebgp = c->ebgp,
		.local_as = c->local_as, .max_len = BGP_MAX_LEN };
	struct bgp_update_params rx = { .as4 = c->as4, .ebgp = c->ebgp,
		.families = BOTH };
	struct vset s = { 0 };
	struct bgp_buf b = { 0 };
	struct bgp_update u;
	uint8_t want[32], flags;
	size_t alen, wlen;
	const uint8_t *v;

	vset_add(&s, "match destination 192.0.2.0/24 then discard", FS_IPV4);
	const struct bgp_route *one[1] = { &s.v[0].route };
	ck_assert_int_eq(bgp_update_build_reach(&b, &tx, one, 1), 1);

	v = find_attr(b.p, b.len, BGP_A_ORIGIN, &flags, &alen);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(flags, BGP_ATTR_TRANSITIVE);
	ck_assert_uint_eq(alen, 1);
	ck_assert_uint_le(v[0], 2);

	v = find_attr(b.p, b.len, BGP_A_AS_PATH, &flags, &alen);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(flags, BGP_ATTR_TRANSITIVE);
	wlen = unhex(c->as_path, want, sizeof want);
	ck_assert_uint_eq(alen, wlen);
	ck_assert(memcmp(v, want, wlen) == 0);

	v = find_attr(b.p, b.len, BGP_A_AS4_PATH, &flags, &alen);
	if (c->as4_path == NULL) {
		ck_assert_ptr_null(v);
	} else {
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(flags, BGP_ATTR_OPTIONAL | BGP_ATTR_TRANSITIVE);
		wlen = unhex(c->as4_path, want, sizeof want);
		ck_assert_uint_eq(alen, wlen);
		ck_assert(memcmp(v, want, wlen) == 0);
	}

	v = find_attr(b.p, b.len, BGP_A_LOCAL_PREF, &flags, &alen);
	if (c->ebgp) {
		/* SHALL NOT be sent to external peers. */
		ck_assert_ptr_null(v);
	} else {
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(flags, BGP_ATTR_TRANSITIVE);
		ck_assert_uint_eq(alen, 4);
	}

	v = find_attr(b.p, b.len, BGP_A_MP_REACH, &flags, &alen);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(flags, BGP_ATTR_OPTIONAL);
	v = find_attr(b.p, b.len, BGP_A_EXT_COMMUNITIES, &flags, &alen);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(flags, BGP_ATTR_OPTIONAL | BGP_ATTR_TRANSITIVE);
	ck_assert_uint_eq(alen, 8);

	/* The same session reads it back as it was meant. */
	bgp_update_init(&u);
	ck_assert_int_eq(bgp_update_parse(b.p, b.len, &rx, &u), 0);
	ck_assert_msg(u.err.action == BGP_ACT_NONE, "%s", u.err.msg);
	ck_assert_uint_eq(u.nreach, 1);
	ck_assert_uint_eq(u.as_path_len, c->nkept);
	for (unsigned i = 0; i < c->nkept; i++)
		ck_assert_uint_eq(u.as_path[i], c->kept[i]);
	bgp_update_free(&u);
	bgp_buf_free(&b);
	vset_free(&s);
}
END_TEST

START_TEST(withdrawals_carry_no_path_attributes)
{
	struct bgp_update_params tx = { .as4 = true, .ebgp = true,
		.local_as = 65001, .max_len = BGP_MAX_LEN };
	struct vset s = { 0 };
	struct bgp_buf b = { 0 };
	uint8_t flags;
	size_t alen;

	vset_add(&s, "match destination 192.0.2.0/24 then discard", FS_IPV4);
	const struct bgp_route *one[1] = { &s.v[0].route };
	ck_assert_int_eq(bgp_update_build_unreach(&b, &tx, one, 1), 1);
	/* RFC 4760 section 4: MP_UNREACH_NLRI alone. */
	ck_assert_ptr_nonnull(find_attr(b.p, b.len, BGP_A_MP_UNREACH, &flags,
	    &alen));
	ck_assert_uint_eq(flags, BGP_ATTR_OPTIONAL);
	ck_assert_uint_eq(alen, 3 + s.v[0].route.nlri_len);
	static const uint8_t others[] = { BGP_A_ORIGIN, BGP_A_AS_PATH,
		BGP_A_EXT_COMMUNITIES, BGP_A_MP_REACH };
	for (size_t i = 0; i < sizeof others; i++)
		ck_assert_ptr_null(find_attr(b.p, b.len, others[i], &flags, &alen));
	bgp_buf_free(&b);
	vset_free(&s);
}
END_TEST

/* Attributes, written by hand. */
#define ORIGIN		"400101 00"
#define AS_PATH4	"400206 0201 0000fde9"		/* AS 65001, 4 octets */
#define AS_PATH2	"400204 0201 fde9"		/* AS 65001, 2 octets */
#define EXT_DISCARD	"c01008 8006000000000000"	/* traffic-rate 0 */
/* IPv4 flowspec: 10.0.0.0/8; protocol tcp; RFC 8955's 192.0.2.0/24 tcp port 25. */
#define NLRI3		"0301080a 03038106 0b0118c00002038106048119"
#define MP_REACH	"800e19 000185 00 00 " NLRI3
#define MP_UNREACH	"800f17 000185 " NLRI3
#define OK_ATTRS	ORIGIN AS_PATH4 MP_REACH EXT_DISCARD

/* ---- End-of-RIB ---- */

START_TEST(end_of_rib)
{
	struct bgp_update_params rx = { .as4 = true, .ebgp = true,
		.families = BOTH };
	struct bgp_buf b = { 0 };
	struct bgp_update u;
	struct bgp_error e = { 0 };
	uint8_t flags, msg[256];
	size_t alen;
	const uint8_t *v;

	bgp_update_init(&u);
	for (int f = FS_IPV4; f <= FS_IPV6; f++) {
		b.len = 0;
		ck_assert_int_eq(bgp_update_build_eor(&b, f), 0);
		ck_assert_int_eq(bgp_header_check(b.p, b.len, BGP_MAX_LEN, &e),
		    (ssize_t)b.len);
		/* RFC 4724 section 2: only an MP_UNREACH_NLRI with no NLRI. */
		ck_assert_uint_eq(b.p[19] << 8 | b.p[20], 0);
		v = find_attr(b.p, b.len, BGP_A_MP_UNREACH, &flags, &alen);
		ck_assert_ptr_nonnull(v);
		ck_assert_uint_eq(alen, 3);
		ck_assert_uint_eq(v[0] << 8 | v[1], f == FS_IPV4 ? 1 : 2);
		ck_assert_uint_eq(v[2], 133);
		ck_assert_uint_eq(b.len, 23 + 3 + 3);
		ck_assert_int_eq(bgp_update_parse(b.p, b.len, &rx, &u), 0);
		ck_assert(u.eor);
		ck_assert_int_eq(u.family, f);
		ck_assert_uint_eq(u.nreach + u.nwithdrawn + u.nbad, 0);
		ck_assert_int_eq(u.err.action, BGP_ACT_NONE);
	}
	/* IPv4 unicast's End-of-RIB: an empty UPDATE. */
	size_t len = make_raw_update(msg, sizeof msg, "0000 0000");
	ck_assert_uint_eq(len, 23);
	ck_assert_int_eq(bgp_update_parse(msg, len, &rx, &u), 0);
	ck_assert(u.eor);
	ck_assert_int_eq(u.family, 0);
	/* Nor is an UPDATE that announces (RFC 4724 section 2). */
	len = make_update(msg, sizeof msg, OK_ATTRS " 800f03 000185", "");
	ck_assert_int_eq(bgp_update_parse(msg, len, &rx, &u), 0);
	ck_assert(!u.eor);
	ck_assert_uint_eq(u.nreach, 3);
	/* A withdrawal is not an End-of-RIB. */
	len = make_update(msg, sizeof msg, "800f07 000185 0301080a", "");
	ck_assert_int_eq(bgp_update_parse(msg, len, &rx, &u), 0);
	ck_assert(!u.eor);
	ck_assert_uint_eq(u.nwithdrawn, 1);
	bgp_update_free(&u);
	bgp_buf_free(&b);
}
END_TEST

/* ---- RFC 7606 ---- */

static const char *const nlri3_text[] = { "match destination 10.0.0.0/8",
	"match protocol ==tcp",
	"match destination 192.0.2.0/24 protocol ==tcp port ==25" };

enum outcome {
	ANNOUNCED,	/* the three rules announced, with the discard action */
	WITHDRAWN,	/* the three rules withdrawn, no actions */
	NOTHING,	/* no rules at all */
	RESET,		/* -1 */
};

struct rfc7606_case {
	const char *name;
	const char *attrs;
	enum outcome outcome;
	enum bgp_action action;
	uint8_t code, subcode;
	bool as2;		/* the peer lacks the AS4 capability */
	bool ibgp;
	unsigned families;	/* 0: both */
};

/* Designated, so that the session's particulars can be left out. */
#define CASE(n, a, o, act, c, sub, ...) { .name = n, .attrs = a, \
	.outcome = o, .action = act, .code = c, .subcode = sub, __VA_ARGS__ }

static const struct rfc7606_case cases[] = {
	CASE("well formed", OK_ATTRS, ANNOUNCED, BGP_ACT_NONE, 0, 0),
	CASE("MP_REACH_NLRI first", MP_REACH ORIGIN AS_PATH4 EXT_DISCARD,
	    ANNOUNCED, BGP_ACT_NONE, 0, 0),
	CASE("ORIGIN INCOMPLETE", "400101 02" AS_PATH4 MP_REACH EXT_DISCARD,
	    ANNOUNCED, BGP_ACT_NONE, 0, 0),
	/* 7.1 ORIGIN */
	CASE("ORIGIN of 2 octets", "400102 0000" AS_PATH4 MP_REACH EXT_DISCARD,
	    WITHDRAWN, BGP_ACT_WITHDRAW, 3, BGP_UPD_ATTR_LENGTH),
	CASE("ORIGIN of 0 octets", "400100" AS_PATH4 MP_REACH EXT_DISCARD,
	    WITHDRAWN, BGP_ACT_WITHDRAW, 3, BGP_UPD_ATTR_LENGTH),
	CASE("ORIGIN 3", "400101 03" AS_PATH4 MP_REACH EXT_DISCARD,
	    WITHDRAWN, BGP_ACT_WITHDRAW, 3, BGP_UPD_ORIGIN),
	/* 7.2 AS_PATH */
	CASE("AS_PATH segment overruns", ORIGIN "400206 0202 0000fde9" MP_REACH
	    EXT_DISCARD, WITHDRAWN, BGP_ACT_WITHDRAW, 3, BGP_UPD_AS_PATH),
	CASE("AS_PATH segment of 0 ASes", ORIGIN "400202 0200" MP_REACH
	    EXT_DISCARD, WITHDRAWN, BGP_ACT_WITHDRAW, 3, BGP_UPD_AS_PATH),
	CASE("AS_PATH segment type 5", ORIGIN "400206 0501 0000fde9" MP_REACH
	    EXT_DISCARD, WITHDRAWN, BGP_ACT_WITHDRAW, 3, BGP_UPD_AS_PATH),
	CASE("AS_PATH with a stray octet", ORIGIN "400207 0201 0000fde9 02"
	    MP_REACH EXT_DISCARD, WITHDRAWN, BGP_ACT_WITHDRAW, 3,
	    BGP_UPD_AS_PATH),
	CASE("2-octet AS_PATH to a 4-octet session", ORIGIN AS_PATH2 MP_REACH
	    EXT_DISCARD, WITHDRAWN, BGP_ACT_WITHDRAW, 3, BGP_UPD_AS_PATH),
	CASE("2-octet AS_PATH to a 2-octet session", ORIGIN AS_PATH2 MP_REACH
	    EXT_DISCARD, ANNOUNCED, BGP_ACT_NONE, 0, 0, .as2 = true),
	/* 7.14 EXTENDED_COMMUNITIES */
	CASE("EXTENDED_COMMUNITIES of 12 octets", ORIGIN AS_PATH4 MP_REACH
	    "c0100c 8006000000000000 00000000", WITHDRAWN, BGP_ACT_WITHDRAW, 3,
	    BGP_UPD_ATTR_LENGTH),
	CASE("EXTENDED_COMMUNITIES of 0 octets", ORIGIN AS_PATH4 MP_REACH "c01000",
	    WITHDRAWN, BGP_ACT_WITHDRAW, 3, BGP_UPD_ATTR_LENGTH),
	/* 3(d) missing well-known attributes */
	CASE("ORIGIN missing", AS_PATH4 MP_REACH EXT_DISCARD, WITHDRAWN,
	    BGP_ACT_WITHDRAW, 3, BGP_UPD_MISSING),
	CASE("AS_PATH missing", ORIGIN MP_REACH EXT_DISCARD, WITHDRAWN,
	    BGP_ACT_WITHDRAW, 3, BGP_UPD_MISSING),
	/* 3(c) flags */
	CASE("ORIGIN marked optional", "c00101 00" AS_PATH4 MP_REACH EXT_DISCARD,
	    WITHDRAWN, BGP_ACT_WITHDRAW, 3, BGP_UPD_ATTR_FLAGS),
	CASE("AS_PATH marked non-transitive", ORIGIN "000206 0201 0000fde9"
	    MP_REACH EXT_DISCARD, WITHDRAWN, BGP_ACT_WITHDRAW, 3,
	    BGP_UPD_ATTR_FLAGS),
	CASE("EXTENDED_COMMUNITIES marked non-transitive", ORIGIN AS_PATH4
	    MP_REACH "801008 8006000000000000", WITHDRAWN, BGP_ACT_WITHDRAW, 3,
	    BGP_UPD_ATTR_FLAGS),
	CASE("MP_REACH_NLRI marked transitive", ORIGIN AS_PATH4
	    "c00e19 000185 00 00 " NLRI3 EXT_DISCARD, WITHDRAWN,
	    BGP_ACT_WITHDRAW, 3, BGP_UPD_ATTR_FLAGS),
	/* 3(g) attributes twice */
	CASE("MP_REACH_NLRI twice", ORIGIN AS_PATH4 MP_REACH MP_REACH, RESET,
	    BGP_ACT_RESET, 3, BGP_UPD_ATTR_LIST),
	CASE("MP_UNREACH_NLRI twice", MP_UNREACH MP_UNREACH, RESET,
	    BGP_ACT_RESET, 3, BGP_UPD_ATTR_LIST),
	CASE("ORIGIN twice, the first good", ORIGIN "400101 07" AS_PATH4 MP_REACH
	    EXT_DISCARD, ANNOUNCED, BGP_ACT_NONE, 0, 0),
	CASE("ORIGIN twice, the first bad", "400101 07" ORIGIN AS_PATH4 MP_REACH
	    EXT_DISCARD, WITHDRAWN, BGP_ACT_WITHDRAW, 3, BGP_UPD_ORIGIN),
	CASE("EXTENDED_COMMUNITIES twice, the first kept", ORIGIN AS_PATH4
	    MP_REACH EXT_DISCARD "c01008 8007000000000002", ANNOUNCED,
	    BGP_ACT_NONE, 0, 0),
	/* RFC 4271 6.3: unknown attributes */
	CASE("unrecognised well-known attribute", ORIGIN AS_PATH4 "406303 abcdef"
	    MP_REACH EXT_DISCARD, RESET, BGP_ACT_RESET, 3, BGP_UPD_WELLKNOWN),
	CASE("unrecognised optional transitive, partial", ORIGIN AS_PATH4
	    "e06303 abcdef" MP_REACH EXT_DISCARD, ANNOUNCED, BGP_ACT_NONE, 0, 0),
	CASE("unrecognised optional non-transitive", ORIGIN AS_PATH4 "80fe00"
	    MP_REACH EXT_DISCARD, ANNOUNCED, BGP_ACT_NONE, 0, 0),
	/* framing of the attribute list */
	CASE("attribute runs past the attributes", ORIGIN AS_PATH4 MP_REACH
	    "c0100a 8006000000000000", RESET, BGP_ACT_RESET, 3,
	    BGP_UPD_ATTR_LIST),
	CASE("attribute header cut short", OK_ATTRS "c010", RESET, BGP_ACT_RESET,
	    3, BGP_UPD_ATTR_LIST),
	CASE("extended-length header cut short", OK_ATTRS "d01000", RESET,
	    BGP_ACT_RESET, 3, BGP_UPD_ATTR_LIST),
	/* RFC 4760 section 7 and RFC 7606 5.3: MP attributes */
	CASE("MP_REACH_NLRI shorter than its next hop", ORIGIN AS_PATH4
	    "800e08 000185 10 c0000201", RESET, BGP_ACT_RESET, 3,
	    BGP_UPD_OPTIONAL),
	CASE("MP_REACH_NLRI without its reserved octet", ORIGIN AS_PATH4
	    "800e04 000185 00", RESET, BGP_ACT_RESET, 3, BGP_UPD_OPTIONAL),
	CASE("MP_REACH_NLRI of 0 octets, last", ORIGIN AS_PATH4 "800e00",
	    RESET, BGP_ACT_RESET, 3, BGP_UPD_OPTIONAL),
	CASE("MP_UNREACH_NLRI of 0 octets, last", "800f00", RESET,
	    BGP_ACT_RESET, 3, BGP_UPD_OPTIONAL),
	CASE("MP_REACH_NLRI of 2 octets", ORIGIN AS_PATH4 "800e02 0001", RESET,
	    BGP_ACT_RESET, 3, BGP_UPD_OPTIONAL),
	CASE("MP_UNREACH_NLRI of 2 octets", "800f02 0001", RESET, BGP_ACT_RESET,
	    3, BGP_UPD_OPTIONAL),
	CASE("flowspec NLRI runs past MP_REACH_NLRI", ORIGIN AS_PATH4
	    "800e0d 000185 00 00 0301080a 0a0118c0" EXT_DISCARD, RESET,
	    BGP_ACT_RESET, 3, BGP_UPD_OPTIONAL),
	CASE("2-octet NLRI length cut short", ORIGIN AS_PATH4
	    "800e0a 000185 00 00 0301080a f1" EXT_DISCARD, RESET,
	    BGP_ACT_RESET, 3, BGP_UPD_OPTIONAL),
	CASE("2-octet NLRI length runs past", ORIGIN AS_PATH4
	    "800e0d 000185 00 00 0301080a f0100301" EXT_DISCARD, RESET,
	    BGP_ACT_RESET, 3, BGP_UPD_OPTIONAL),
	CASE("flowspec NLRI runs past MP_UNREACH_NLRI",
	    "800f0b 000185 0301080a 0a0118c0", RESET, BGP_ACT_RESET, 3,
	    BGP_UPD_OPTIONAL),
	/* RFC 4760: AFI/SAFIs not negotiated, or not flowspec, are ignored */
	CASE("IPv4 unicast MP_REACH_NLRI", ORIGIN AS_PATH4
	    "800e0d 000101 04 c0000201 00 18c00002", NOTHING, BGP_ACT_NONE, 0, 0),
	CASE("flowspec VPN MP_REACH_NLRI", ORIGIN AS_PATH4
	    "800e0a 000186 00 00 0301080a ff", NOTHING, BGP_ACT_NONE, 0, 0),
	CASE("IPv6 flowspec, IPv4 negotiated", ORIGIN AS_PATH4
	    "800e07 000285 00 00 ffff", NOTHING, BGP_ACT_NONE, 0, 0,
	    .families = BGP_FAM_BIT(FS_IPV4)),
	CASE("IPv4 flowspec, IPv6 negotiated", OK_ATTRS, NOTHING, BGP_ACT_NONE,
	    0, 0, .families = BGP_FAM_BIT(FS_IPV6)),
	/* 7.6 and 7.7: attribute discard */
	CASE("ATOMIC_AGGREGATE of 1 octet", ORIGIN AS_PATH4 "400601 00" MP_REACH
	    EXT_DISCARD, ANNOUNCED, BGP_ACT_DISCARD, 3, BGP_UPD_ATTR_LENGTH),
	CASE("ATOMIC_AGGREGATE", ORIGIN AS_PATH4 "400600" MP_REACH EXT_DISCARD,
	    ANNOUNCED, BGP_ACT_NONE, 0, 0),
	CASE("AGGREGATOR of 8 octets, 4-octet session", ORIGIN AS_PATH4
	    "c00708 0000fde9 c0000201" MP_REACH EXT_DISCARD, ANNOUNCED,
	    BGP_ACT_NONE, 0, 0),
	CASE("AGGREGATOR of 6 octets, 4-octet session", ORIGIN AS_PATH4
	    "c00706 fde9 c0000201" MP_REACH EXT_DISCARD, ANNOUNCED,
	    BGP_ACT_DISCARD, 3, BGP_UPD_ATTR_LENGTH),
	CASE("AGGREGATOR of 6 octets, 2-octet session", ORIGIN AS_PATH2
	    "c00706 fde9 c0000201" MP_REACH EXT_DISCARD, ANNOUNCED,
	    BGP_ACT_NONE, 0, 0, .as2 = true),
	CASE("AGGREGATOR of 8 octets, 2-octet session", ORIGIN AS_PATH2
	    "c00708 0000fde9 c0000201" MP_REACH EXT_DISCARD, ANNOUNCED,
	    BGP_ACT_DISCARD, 3, BGP_UPD_ATTR_LENGTH, .as2 = true),
	/* RFC 6793 section 6: a malformed AS4_PATH is discarded */
	CASE("AS4_PATH malformed", ORIGIN AS_PATH2 "c01102 0200" MP_REACH
	    EXT_DISCARD, ANNOUNCED, BGP_ACT_DISCARD, 3, BGP_UPD_AS_PATH,
	    .as2 = true),
	CASE("AS4_PATH well formed", ORIGIN "400204 0201 5ba0"
	    "c01106 0201 fa56ea00" MP_REACH EXT_DISCARD, ANNOUNCED,
	    BGP_ACT_NONE, 0, 0, .as2 = true),
	/* 7.4, 7.5, 7.8, 7.3 */
	CASE("MULTI_EXIT_DISC of 2 octets", ORIGIN AS_PATH4 "800402 0000" MP_REACH
	    EXT_DISCARD, WITHDRAWN, BGP_ACT_WITHDRAW, 3, BGP_UPD_ATTR_LENGTH),
	CASE("LOCAL_PREF of 3 octets, internal", ORIGIN "400200" "400503 000064"
	    MP_REACH EXT_DISCARD, WITHDRAWN, BGP_ACT_WITHDRAW, 3,
	    BGP_UPD_ATTR_LENGTH, .ibgp = true),
	CASE("LOCAL_PREF of 3 octets, external", ORIGIN AS_PATH4 "400503 000064"
	    MP_REACH EXT_DISCARD, ANNOUNCED, BGP_ACT_DISCARD, 3,
	    BGP_UPD_ATTR_LENGTH),
	CASE("LOCAL_PREF, internal", ORIGIN "400200" "400504 00000064" MP_REACH
	    EXT_DISCARD, ANNOUNCED, BGP_ACT_NONE, 0, 0, .ibgp = true),
	CASE("COMMUNITIES of 6 octets", ORIGIN AS_PATH4 "c00806 fde90001 0000"
	    MP_REACH EXT_DISCARD, WITHDRAWN, BGP_ACT_WITHDRAW, 3,
	    BGP_UPD_ATTR_LENGTH),
	CASE("NEXT_HOP of 5 octets", ORIGIN AS_PATH4 "400305 c000020100" MP_REACH
	    EXT_DISCARD, WITHDRAWN, BGP_ACT_WITHDRAW, 3, BGP_UPD_ATTR_LENGTH),
	/* 3(f) the strongest action wins */
	CASE("discard, then withdraw", ORIGIN AS_PATH4 "400601 00" "800402 0000"
	    MP_REACH EXT_DISCARD, WITHDRAWN, BGP_ACT_WITHDRAW, 3,
	    BGP_UPD_ATTR_LENGTH),
	CASE("withdraw, then discard", "400101 05" AS_PATH4 "400601 00" MP_REACH
	    EXT_DISCARD, WITHDRAWN, BGP_ACT_WITHDRAW, 3, BGP_UPD_ORIGIN),
	CASE("withdraw, then reset", "400101 05" AS_PATH4 MP_REACH MP_REACH,
	    RESET, BGP_ACT_RESET, 3, BGP_UPD_ATTR_LIST),
};

/* Checks that rules r[0..n) are the three of NLRI3, in order. */
static void
assert_nlri3(const struct fs_rule *r, size_t n, bool with_discard)
{
	struct fs_rule want;
	struct fs_action discard;

	fs_ec_rate(&discard, false, 0, 0.0f);
	ck_assert_uint_eq(n, 3);
	fs_rule_init(&want, FS_IPV4);
	for (size_t i = 0; i < 3; i++) {
		fc_parse_or_fail(nlri3_text[i], FS_IPV4, &want);
		ck_assert_msg(fs_rule_match_equal(&want, &r[i]), "rule %zu", i);
		if (with_discard) {
			ck_assert_uint_eq(r[i].nactions, 1);
			ck_assert(memcmp(r[i].actions[0].ec, discard.ec, 8) == 0);
		} else {
			ck_assert_uint_eq(r[i].nactions, 0);
		}
	}
	fs_rule_free(&want);
}

START_TEST(rfc7606)
{
	const struct rfc7606_case *c = &cases[_i];
	struct bgp_update_params rx = { .as4 = !c->as2, .ebgp = !c->ibgp,
		.families = c->families ? c->families : BOTH };
	uint8_t msg[1024];
	struct bgp_update u;
	size_t len = make_update(msg, sizeof msg, c->attrs, "");
	struct bgp_error e = { 0 };

	ck_assert_int_eq(bgp_header_check(msg, len, BGP_MAX_LEN, &e), (ssize_t)len);
	bgp_update_init(&u);
	int ret = bgp_update_parse(msg, len, &rx, &u);
	ck_assert_msg(ret == (c->outcome == RESET ? -1 : 0), "%s: returned %d: %s",
	    c->name, ret, u.err.msg);
	ck_assert_msg(u.err.action == c->action, "%s: action %s, want %s (%s)",
	    c->name, bgp_action_name(u.err.action), bgp_action_name(c->action),
	    u.err.msg);
	if (c->action != BGP_ACT_NONE) {
		ck_assert_msg(u.err.code == c->code && u.err.subcode == c->subcode,
		    "%s: %u/%u, want %u/%u (%s)", c->name, u.err.code,
		    u.err.subcode, c->code, c->subcode, u.err.msg);
		ck_assert(u.err.msg[0] != '\0');
		ck_assert_uint_lt(u.err.offset, len);
	}
	switch (c->outcome) {
	case ANNOUNCED:
		assert_nlri3(u.reach, u.nreach, true);
		ck_assert_uint_eq(u.nwithdrawn, 0);
		ck_assert_int_eq(u.family, FS_IPV4);
		break;
	case WITHDRAWN:
		ck_assert_uint_eq(u.nreach, 0);
		assert_nlri3(u.withdrawn, u.nwithdrawn, false);
		break;
	case NOTHING:
		ck_assert_uint_eq(u.nreach + u.nwithdrawn + u.nbad, 0);
		ck_assert_uint_eq(u.other_afs, 1);
		ck_assert_int_eq(u.family, 0);
		break;
	case RESET:
		break;
	}
	if (c->subcode == BGP_UPD_MISSING) {
		/* RFC 4271 6.3: the data is the missing attribute's type code. */
		ck_assert_uint_eq(u.err.data_len, 1);
		ck_assert_uint_eq(u.err.data[0], strstr(c->name, "ORIGIN") ?
		    BGP_A_ORIGIN : BGP_A_AS_PATH);
	}
	if (c->subcode == BGP_UPD_WELLKNOWN) {
		/* RFC 4271 6.3: the data is the attribute: type, length, value. */
		uint8_t want[6];
		unhex("406303 abcdef", want, sizeof want);
		ck_assert_uint_eq(u.err.data_len, 6);
		ck_assert(memcmp(u.err.data, want, 6) == 0);
	}
	bgp_update_free(&u);
}
END_TEST

struct raw_case {
	const char *name;
	const char *body;	/* all after the header */
	int ret;
	enum bgp_action action;
	uint8_t code, subcode;
};

static const struct raw_case raw_cases[] = {
	{ "withdrawn length past the message", "0010 0000", -1,
	    BGP_ACT_RESET, 3, BGP_UPD_ATTR_LIST },
	{ "withdrawn length leaves no attribute length", "0002 0000", -1,
	    BGP_ACT_RESET, 3, BGP_UPD_ATTR_LIST },
	{ "total attribute length past the message", "0000 0030 " ORIGIN, -1,
	    BGP_ACT_RESET, 3, BGP_UPD_ATTR_LIST },
	{ "total attribute length one past", "0000 0005 " ORIGIN, -1,
	    BGP_ACT_RESET, 3, BGP_UPD_ATTR_LIST },
	/* RFC 7606 5.3: syntactically incorrect IPv4 fields reset */
	{ "withdrawn prefix of 33 bits", "0005 21c0000201 0000", -1,
	    BGP_ACT_RESET, 3, BGP_UPD_NETWORK },
	{ "withdrawn prefix past its field", "0003 18c000 0000", -1,
	    BGP_ACT_RESET, 3, BGP_UPD_NETWORK },
	{ "NLRI prefix past the message", "0000 000d " ORIGIN AS_PATH4
	    " 18c000", -1, BGP_ACT_RESET, 3, BGP_UPD_NETWORK },
	/* IPv4 unicast is not negotiated; well-formed, it is ignored */
	{ "IPv4 unicast withdrawal", "0004 18c00002 0000", 0, BGP_ACT_NONE, 0, 0 },
	{ "IPv4 unicast announcement", "0000 0014 " ORIGIN AS_PATH4
	    " 400304 c0000201 18c00002", 0, BGP_ACT_NONE, 0, 0 },
};

START_TEST(rfc7606_framing)
{
	const struct raw_case *c = &raw_cases[_i];
	struct bgp_update_params rx = { .as4 = true, .ebgp = true,
		.families = BOTH };
	uint8_t msg[256];
	struct bgp_update u;
	size_t len = make_raw_update(msg, sizeof msg, c->body);

	bgp_update_init(&u);
	ck_assert_msg(bgp_update_parse(msg, len, &rx, &u) == c->ret,
	    "%s: %s", c->name, u.err.msg);
	ck_assert_msg(u.err.action == c->action, "%s: %s", c->name,
	    bgp_action_name(u.err.action));
	if (c->action != BGP_ACT_NONE) {
		ck_assert_msg(u.err.code == c->code && u.err.subcode == c->subcode,
		    "%s: %u/%u (%s)", c->name, u.err.code, u.err.subcode, u.err.msg);
	} else {
		ck_assert_uint_eq(u.nreach + u.nwithdrawn + u.nbad, 0);
	}
	bgp_update_free(&u);
}
END_TEST

/* The parser reads nothing past `len`, even when the header claims more. */
START_TEST(short_buffers)
{
	struct bgp_update_params rx = { .as4 = true, .ebgp = true,
		.families = BOTH };
	uint8_t msg[256];
	struct bgp_update u;
	size_t len = make_update(msg, sizeof msg, OK_ATTRS, "");

	bgp_update_init(&u);
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, msg, n);
		ck_assert_int_eq(bgp_update_parse(copy, n, &rx, &u), -1);
		ck_assert_int_eq(u.err.action, BGP_ACT_RESET);
		free(copy);
	}
	ck_assert_int_eq(bgp_update_parse(msg, len, &rx, &u), 0);
	bgp_update_free(&u);
}
END_TEST

/* ---- NLRIs dropped alone ---- */

START_TEST(undecodable_nlri_dropped_alone)
{
	struct bgp_update_params rx = { .as4 = true, .ebgp = true,
		.families = BOTH };
	uint8_t msg[256], bad[4];
	struct bgp_update u;
	struct fs_rule want;

	/*
	 * 10.0.0.0/8, then component type 14 (no such type, RFC 8955
	 * section 4.2.2), then RFC 8955's example: the middle one goes.
	 * Offset of the bad one: header 19, lengths 4, ORIGIN 4, AS_PATH 9,
	 * MP_REACH_NLRI header 3, AFI to reserved 5, first NLRI 4 = 48.
	 */
	size_t len = make_update(msg, sizeof msg, ORIGIN AS_PATH4
	    "800e19 000185 00 00 0301080a 030e8101 0b0118c00002038106048119"
	    EXT_DISCARD, "");
	ck_assert_uint_eq(msg[48], 0x03);
	ck_assert_uint_eq(msg[49], 0x0e);
	bgp_update_init(&u);
	fs_rule_init(&want, FS_IPV4);
	ck_assert_int_eq(bgp_update_parse(msg, len, &rx, &u), 0);
	ck_assert_int_eq(u.err.action, BGP_ACT_NONE);
	ck_assert_uint_eq(u.nreach, 2);
	fc_parse_or_fail(nlri3_text[0], FS_IPV4, &want);
	ck_assert(fs_rule_match_equal(&want, &u.reach[0]));
	ck_assert_uint_eq(u.reach[0].nactions, 1);
	fc_parse_or_fail(nlri3_text[2], FS_IPV4, &want);
	ck_assert(fs_rule_match_equal(&want, &u.reach[1]));
	ck_assert_uint_eq(u.reach[1].nactions, 1);
	ck_assert_uint_eq(u.nbad, 1);
	ck_assert_uint_eq(u.bad[0].offset, 48);
	ck_assert_uint_eq(u.bad[0].len, 4);
	unhex("030e8101", bad, sizeof bad);
	ck_assert(memcmp(u.bad[0].octets, bad, 4) == 0);
	ck_assert(!u.bad[0].withdrawn);
	ck_assert_int_eq(u.bad[0].err.code, FS_E_UNKNOWN_TYPE);

	/* The same in MP_UNREACH_NLRI, with a zero-length NLRI as well. */
	len = make_update(msg, sizeof msg,
	    "800f18 000185 0301080a 00 030e8101 0b0118c00002038106048119", "");
	ck_assert_int_eq(bgp_update_parse(msg, len, &rx, &u), 0);
	ck_assert_int_eq(u.err.action, BGP_ACT_NONE);
	ck_assert_uint_eq(u.nreach, 0);
	ck_assert_uint_eq(u.nwithdrawn, 2);
	ck_assert(fs_rule_match_equal(&want, &u.withdrawn[1]));
	ck_assert_uint_eq(u.nbad, 2);
	/* header 19, lengths 4, attribute header 3, AFI and SAFI 3, first 4 */
	ck_assert_uint_eq(u.bad[0].offset, 33);
	ck_assert_uint_eq(u.bad[0].len, 1);
	ck_assert_int_eq(u.bad[0].err.code, FS_E_ZERO_LENGTH);
	ck_assert(u.bad[0].withdrawn);
	ck_assert_uint_eq(u.bad[1].offset, 34);
	ck_assert_int_eq(u.bad[1].err.code, FS_E_UNKNOWN_TYPE);
	ck_assert(u.bad[1].withdrawn);
	ck_assert(!u.eor);
	fs_rule_free(&want);
	bgp_update_free(&u);
}
END_TEST

START_TEST(pre_rfc8956_offset_dropped_alone)
{
	struct bgp_update_params rx = { .as4 = true, .ebgp = true,
		.families = BOTH };
	uint8_t msg[256];
	struct bgp_update u;
	struct fs_rule want;

	/*
	 * The vectors' notes: 2001:db8::/64 offset 32 is 0701402000000000 in
	 * the RFC 8956 form (BIRD); GoBGP 3.10 and ExaBGP 4.2 send
	 * 0b01402020010db800000000.  Between two good IPv6 NLRIs.
	 */
	size_t len = make_update(msg, sizeof msg, ORIGIN AS_PATH4
	    "800e2c 000285 00 00 0701402000000000 0b01402020010db800000000"
	    " 1201200020010db8026840123456789a038106" EXT_DISCARD, "");
	bgp_update_init(&u);
	fs_rule_init(&want, FS_IPV6);
	ck_assert_int_eq(bgp_update_parse(msg, len, &rx, &u), 0);
	ck_assert_int_eq(u.err.action, BGP_ACT_NONE);
	ck_assert_int_eq(u.family, FS_IPV6);
	ck_assert_uint_eq(u.nreach, 2);
	fc_parse_or_fail("match destination 2001:db8::/64 offset 32", FS_IPV6,
	    &want);
	ck_assert(fs_rule_match_equal(&want, &u.reach[0]));
	fc_parse_or_fail("match destination 2001:db8::/32 source "
	    "::1234:5678:9a00:0/104 offset 64 protocol ==tcp", FS_IPV6, &want);
	ck_assert(fs_rule_match_equal(&want, &u.reach[1]));
	ck_assert_uint_eq(u.nbad, 1);
	ck_assert_uint_eq(u.bad[0].len, 12);
	ck_assert_int_eq(u.bad[0].err.code, FS_E_PRE_RFC8956);
	/* header 19, lengths 4, ORIGIN 4, AS_PATH 9, MP header 3 + 5, first 8 */
	ck_assert_uint_eq(u.bad[0].offset, 52);
	fs_rule_free(&want);
	bgp_update_free(&u);
}
END_TEST

START_TEST(mixed_families_in_one_update)
{
	struct bgp_update_params rx = { .as4 = true, .ebgp = true,
		.families = BOTH };
	uint8_t msg[256];
	struct bgp_update u;

	/* One family per UPDATE here, whichever attribute comes first. */
	bgp_update_init(&u);
	size_t len = make_update(msg, sizeof msg, OK_ATTRS
	    " 800f07 000285 03010000", "");
	ck_assert_int_eq(bgp_update_parse(msg, len, &rx, &u), -1);
	ck_assert_int_eq(u.err.action, BGP_ACT_RESET);
	len = make_update(msg, sizeof msg, "800f07 000285 03010000 " OK_ATTRS,
	    "");
	ck_assert_int_eq(bgp_update_parse(msg, len, &rx, &u), -1);
	ck_assert_int_eq(u.err.action, BGP_ACT_RESET);
	/* The same family in both is fine. */
	len = make_update(msg, sizeof msg, OK_ATTRS " 800f07 000185 03038111",
	    "");
	ck_assert_int_eq(bgp_update_parse(msg, len, &rx, &u), 0);
	ck_assert_uint_eq(u.nreach, 3);
	ck_assert_uint_eq(u.nwithdrawn, 1);
	bgp_update_free(&u);
}
END_TEST

/* ---- reuse ---- */

START_TEST(reuse_one_struct)
{
	struct bgp_update_params tx = { .as4 = true, .ebgp = true,
		.local_as = 65001, .max_len = BGP_EXT_MAX_LEN };
	struct bgp_update_params rx = { .as4 = true, .ebgp = true,
		.families = BOTH };
	struct vset s = { 0 };
	struct bgp_buf big = { 0 };
	uint8_t withdraw[256], bad[256], eor[64];
	struct bgp_update u;
	size_t reach_cap = 0, withdrawn_cap = 0;

	add_port_rules(&s, 1, 500, FS_IPV4, 0);
	const struct bgp_route **r = sorted_routes(&s);
	ck_assert_int_eq(bgp_update_build_reach(&big, &tx, r, s.n), 1);
	size_t wlen = make_update(withdraw, sizeof withdraw,
	    "400101 09" AS_PATH4 MP_REACH EXT_DISCARD, "");
	size_t blen = make_update(bad, sizeof bad, ORIGIN AS_PATH4
	    "800e19 000185 00 00 0301080a 030e8101 0b0118c00002038106048119",
	    "");
	size_t elen = make_raw_update(eor, sizeof eor,
	    "0000 0006 800f03 000285");

	bgp_update_init(&u);
	for (int round = 0; round < 40; round++) {
		ck_assert_int_eq(bgp_update_parse(big.p, big.len, &rx, &u), 0);
		ck_assert_int_eq(u.err.action, BGP_ACT_NONE);
		ck_assert_uint_eq(u.nreach, 500);
		ck_assert_uint_eq(u.nwithdrawn + u.nbad, 0);
		ck_assert(!u.eor);
		for (size_t i = 0; i < u.nreach; i += 97) {
			ck_assert(fs_rule_match_equal(&owner(r[i])->rule,
			    &u.reach[i]));
			ck_assert_uint_eq(u.reach[i].nactions, 1);
		}

		ck_assert_int_eq(bgp_update_parse(withdraw, wlen, &rx, &u), 0);
		ck_assert_int_eq(u.err.action, BGP_ACT_WITHDRAW);
		ck_assert_uint_eq(u.nreach, 0);
		assert_nlri3(u.withdrawn, u.nwithdrawn, false);

		ck_assert_int_eq(bgp_update_parse(bad, blen, &rx, &u), 0);
		ck_assert_int_eq(u.err.action, BGP_ACT_NONE);
		ck_assert_uint_eq(u.nreach, 2);
		ck_assert_uint_eq(u.nwithdrawn, 0);
		ck_assert_uint_eq(u.nbad, 1);
		ck_assert_uint_eq(u.reach[0].nactions, 0);

		ck_assert_int_eq(bgp_update_parse(eor, elen, &rx, &u), 0);
		ck_assert(u.eor);
		ck_assert_int_eq(u.family, FS_IPV6);
		ck_assert_uint_eq(u.nreach + u.nwithdrawn + u.nbad, 0);
		ck_assert_int_eq(u.err.action, BGP_ACT_NONE);

		/* After the first round, nothing more is allocated. */
		if (round == 0) {
			reach_cap = u.reach_cap;
			withdrawn_cap = u.withdrawn_cap;
		}
		ck_assert_uint_eq(u.reach_cap, reach_cap);
		ck_assert_uint_eq(u.withdrawn_cap, withdrawn_cap);
	}
	bgp_update_free(&u);
	ck_assert_ptr_null(u.reach);
	ck_assert_ptr_null(u.withdrawn);
	ck_assert_ptr_null(u.bad);
	ck_assert_uint_eq(u.nreach + u.reach_cap, 0);
	/* Freeing twice, or what was never used, is harmless. */
	bgp_update_free(&u);
	bgp_update_free(NULL);
	bgp_buf_free(&big);
	free(r);
	vset_free(&s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("test_bgp_update");
	TCase *tc;

	tc = tcase_create("build");
	tcase_add_loop_test(tc, vectors_round_trip, 0, 4);
	tcase_add_test(tc, vector_three_rules_in_one_field);
	tcase_add_loop_test(tc, packing_equal_actions, 0, 4);
	tcase_add_loop_test(tc, packing_different_actions, 0, 2);
	tcase_add_test(tc, sort_groups_family_and_actions);
	tcase_add_test(tc, route_too_big);
	tcase_add_test(tc, too_many_actions);
	tcase_add_loop_test(tc, path_attributes, 0,
	    sizeof path_cases / sizeof *path_cases);
	tcase_add_test(tc, withdrawals_carry_no_path_attributes);
	tcase_add_test(tc, end_of_rib);
	suite_add_tcase(s, tc);

	tc = tcase_create("rfc7606");
	tcase_add_loop_test(tc, rfc7606, 0, sizeof cases / sizeof *cases);
	tcase_add_loop_test(tc, rfc7606_framing, 0,
	    sizeof raw_cases / sizeof *raw_cases);
	tcase_add_test(tc, short_buffers);
	tcase_add_test(tc, undecodable_nlri_dropped_alone);
	tcase_add_test(tc, pre_rfc8956_offset_dropped_alone);
	tcase_add_test(tc, mixed_families_in_one_update);
	suite_add_tcase(s, tc);

	tc = tcase_create("reuse");
	tcase_add_test(tc, reuse_one_struct);
	suite_add_tcase(s, tc);

	return fc_run_suite(s);
}
