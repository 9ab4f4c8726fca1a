/*
 * test_compile.c - the platform compilers and entry memory: exact entry
 * counts per mode, cross products, the 2013 rule's endless walk and its
 * clean refusal, budgets and stops, and memory that really grows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "support.h"
#include "flowspec/ruleset.h"
#include "flowspec/valueset.h"
#include "vrouter/arena.h"
#include "vrouter/compile.h"
#include "vrouter/profile.h"

#define RULE_2013 "match destination 192.0.2.53/32 protocol ==udp " \
	"packet-length >=99971&<=99985 then discard"
#define WALK_LIMIT 200000	/* no safe mitigation may need more */

/* Returns a profile with the defaults and the given mechanisms. */
static struct vr_profile
profile(enum vr_range_mode range, bool cross, enum vr_wide_value wide,
    unsigned counter_bits)
{
	struct vr_profile p;

	vr_profile_defaults(&p);
	p.range = range;
	p.cross_product = cross;
	p.wide = wide;
	p.counter_bits = counter_bits;
	return p;
}

/* What a collecting callback saw. */
struct seen {
	uint64_t n;
	struct vr_entry *v;	/* the first `cap` entries */
	size_t cap;
	uint64_t stop_after;	/* refuse with ENOSPC once n reaches this (0: never) */
	uint64_t min_a, max_a;	/* over every field of type `type` */
	unsigned type;
	bool wrapped;		/* a field of `type` was below the one before it */
	uint64_t last_a;
	bool have_last;
};

/* Returns 0 after recording `e`, or -1 with ENOSPC when told to stop. */
static int
collect(const struct vr_entry *e, void *ud)
{
	struct seen *s = ud;

	if (s->stop_after != 0 && s->n >= s->stop_after) {
		errno = ENOSPC;
		return -1;
	}
	if (s->n < s->cap)
		s->v[s->n] = *e;
	for (unsigned i = 0; i < e->nfields; i++) {
		const struct vr_entry_field *f = &e->field[i];

		if (f->type != s->type)
			continue;
		if (f->a < s->min_a)
			s->min_a = f->a;
		if (f->a > s->max_a)
			s->max_a = f->a;
		/* Values and intervals are walked upwards: going down is a wrap. */
		if (s->have_last && f->a < s->last_a)
			s->wrapped = true;
		s->last_a = f->a;
		s->have_last = true;
	}
	s->n++;
	return 0;
}

/* Prepares a `seen` that keeps up to `cap` entries and watches fields of `type`. */
static void
seen_init(struct seen *s, size_t cap, unsigned type)
{
	memset(s, 0, sizeof *s);
	s->cap = cap;
	s->type = type;
	s->min_a = UINT64_MAX;
	if (cap > 0) {
		s->v = calloc(cap, sizeof *s->v);
		ck_assert_ptr_nonnull(s->v);
	}
}

/* Returns a new walk of `text` under `p`, or fails the test. */
static struct vr_walk *
walk_of(const struct vr_profile *p, const char *text, uint32_t id)
{
	struct fs_rule r;
	struct vr_reject why = { "" };
	struct vr_walk *w;

	fs_rule_init(&r, 0);
	fc_parse_or_fail(text, 0, &r);
	w = vr_walk_new(p, &r, id, &why);
	/* The walk copied what it needs. */
	fs_rule_free(&r);
	ck_assert_msg(w != NULL, "%s: %s (%s)", text, why.msg, strerror(errno));
	return w;
}

/* Walks `text` to its end (at most `limit` entries) into `s`; returns the status. */
static enum vr_walk_status
walk_all(const struct vr_profile *p, const char *text, struct seen *s,
    uint64_t limit, uint64_t *need, bool *known)
{
	struct vr_walk *w = walk_of(p, text, 7);
	enum vr_walk_status st = VR_WALK_MORE;

	*need = vr_walk_need(w, known);
	while (st == VR_WALK_MORE && s->n < limit)
		st = vr_walk_step(w, limit - s->n, collect, s);
	ck_assert_uint_eq(vr_walk_emitted(w), s->n);
	vr_walk_free(w);
	return st;
}

/* Returns the number of entries `text` compiles to under `p`, asserting the walk ends and `need` agrees. */
static uint64_t
count(const struct vr_profile *p, const char *text)
{
	struct seen s;
	uint64_t need;
	bool known;

	seen_init(&s, 0, 0);
	ck_assert_int_eq(walk_all(p, text, &s, 10000000, &need, &known),
	    VR_WALK_DONE);
	if (p->range == VR_RANGE_PER_VALUE)
		ck_assert(!known);
	else {
		ck_assert(known);
		ck_assert_uint_eq(need, s.n);
	}
	return s.n;
}

START_TEST(prefix_expansion_30)
{
	struct vr_profile p = profile(VR_RANGE_PREFIX, false, VR_WIDE_REJECT, 16);
	struct seen s;
	uint64_t need;
	bool known;
	static uint8_t cover[65536];

	seen_init(&s, 64, FS_PKT_LEN);
	ck_assert_int_eq(walk_all(&p, "match packet-length 1-65534", &s, 1000,
	    &need, &known), VR_WALK_DONE);
	ck_assert(known);
	ck_assert_uint_eq(need, 30);
	ck_assert_uint_eq(s.n, 30);
	ck_assert_uint_eq(s.n, fs_range_prefix_count(1, 65534, 16));
	/* The 30 value/mask pairs cover 1..65534, each value exactly once. */
	memset(cover, 0, sizeof cover);
	for (uint64_t i = 0; i < s.n; i++) {
		const struct vr_entry_field *f = &s.v[i].field[0];

		ck_assert(f->ternary);
		ck_assert_uint_eq(s.v[i].nfields, 1);
		ck_assert_uint_eq(f->a & ~f->b, 0);
		for (uint32_t x = 0; x < 65536; x++)
			if ((x & f->b) == f->a)
				cover[x]++;
	}
	ck_assert_uint_eq(cover[0], 0);
	ck_assert_uint_eq(cover[65535], 0);
	for (uint32_t x = 1; x < 65535; x++)
		ck_assert_uint_eq(cover[x], 1);
	free(s.v);
}
END_TEST

START_TEST(cross_product_900)
{
	struct vr_profile p = profile(VR_RANGE_PREFIX, true, VR_WIDE_REJECT, 16);
	const char *rule = "match destination-port 1-65534 source-port 1-65534";
	struct seen s;
	uint64_t need;
	bool known;

	seen_init(&s, 900, FS_DPORT);
	ck_assert_int_eq(walk_all(&p, rule, &s, 100000, &need, &known),
	    VR_WALK_DONE);
	ck_assert(known);
	ck_assert_uint_eq(need, 900);
	ck_assert_uint_eq(s.n, 900);
	/* Every combination once: 900 distinct (dport, sport) prefix pairs. */
	for (size_t i = 0; i < s.n; i++) {
		ck_assert_uint_eq(s.v[i].nfields, 2);
		ck_assert_uint_eq(s.v[i].field[0].type, FS_DPORT);
		ck_assert_uint_eq(s.v[i].field[1].type, FS_SPORT);
		for (size_t j = 0; j < i; j++)
			ck_assert(memcmp(&s.v[i].field, &s.v[j].field,
			    2 * sizeof s.v[i].field[0]) != 0);
	}
	free(s.v);
	/* Without the cross product, the sum. */
	p.cross_product = false;
	ck_assert_uint_eq(count(&p, rule), 60);
}
END_TEST

START_TEST(sum_and_product)
{
	const char *rule = "match destination 192.0.2.0/24 protocol 6 17 "
	    "port 80 443 8000-8080 tcp-flags =S&!A";
	struct vr_profile p = profile(VR_RANGE_INTERVAL, false, VR_WIDE_CLAMP, 64);

	/* 1 prefix + 2 protocols + 3 port intervals + 2 bitmask terms. */
	ck_assert_uint_eq(count(&p, rule), 1 + 2 + 3 + 2);
	p.cross_product = true;
	ck_assert_uint_eq(count(&p, rule), 1 * 2 * 3 * 2);
	/* Per value: 2 + (2 + 81) summed, and multiplied. */
	p = profile(VR_RANGE_PER_VALUE, false, VR_WIDE_KEEP, 16);
	ck_assert_uint_eq(count(&p, rule), 1 + 2 + 83 + 2);
	p.cross_product = true;
	ck_assert_uint_eq(count(&p, rule), 1 * 2 * 83 * 2);
}
END_TEST

START_TEST(interval_entries)
{
	struct vr_profile p = profile(VR_RANGE_INTERVAL, false, VR_WIDE_CLAMP, 64);
	static const uint64_t want[] = { 80, 80, 443, 443, 8000, 8080 };
	struct seen s;
	uint64_t need;
	bool known;

	seen_init(&s, 8, FS_PORT);
	ck_assert_int_eq(walk_all(&p, "match port 80 443 8000-8080", &s, 100,
	    &need, &known), VR_WALK_DONE);
	ck_assert(known);
	ck_assert_uint_eq(need, 3);
	ck_assert_uint_eq(s.n, 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_uint_eq(s.v[i].rule_id, 7);
		ck_assert(!s.v[i].field[0].ternary);
		ck_assert_uint_eq(s.v[i].field[0].type, FS_PORT);
		ck_assert_uint_eq(s.v[i].field[0].a, want[2 * i]);
		ck_assert_uint_eq(s.v[i].field[0].b, want[2 * i + 1]);
	}
	free(s.v);
	/* Overlapping terms are one set: 80-90 or 85-100 is one interval. */
	ck_assert_uint_eq(count(&p, "match port 80-90 85-100"), 1);
}
END_TEST

START_TEST(per_value_finite)
{
	struct vr_profile p = profile(VR_RANGE_PER_VALUE, false, VR_WIDE_KEEP, 16);
	struct seen s;
	uint64_t need;
	bool known;

	seen_init(&s, 100, FS_PORT);
	ck_assert_int_eq(walk_all(&p, "match port 80 443 8000-8080", &s, 1000,
	    &need, &known), VR_WALK_DONE);
	ck_assert(!known);
	ck_assert_uint_eq(need, 0);
	ck_assert_uint_eq(s.n, 83);
	ck_assert_uint_eq(s.v[0].field[0].a, 80);
	ck_assert_uint_eq(s.v[1].field[0].a, 443);
	for (size_t i = 2; i < 83; i++) {
		ck_assert_uint_eq(s.v[i].field[0].a, 8000 + i - 2);
		ck_assert_uint_eq(s.v[i].field[0].b, s.v[i].field[0].a);
	}
	free(s.v);
	/* A range that ends at the field's maximum ends on a 16-bit counter. */
	ck_assert_uint_eq(count(&p, "match port 65530-65535"), 6);
	/* With no bound above the counter, a narrower counter finishes too. */
	p.counter_bits = 8;
	ck_assert_uint_eq(count(&p, "match protocol 250-255 icmp-type 0-255"), 6 + 256);
}
END_TEST

/* Asserts that `text` keeps emitting on `p` for `total` entries; returns what was seen. */
static void
assert_endless(const struct vr_profile *p, const char *text, uint64_t total,
    unsigned type, struct seen *s)
{
	struct vr_walk *w = walk_of(p, text, 1);
	bool known = true;

	seen_init(s, 0, type);
	(void)vr_walk_need(w, &known);
	ck_assert(!known);
	for (uint64_t done = 0; done < total; done += 1000000) {
		ck_assert_int_eq(vr_walk_step(w, 1000000, collect, s), VR_WALK_MORE);
		ck_assert_uint_eq(vr_walk_emitted(w), done + 1000000);
	}
	/* And it is still going. */
	ck_assert_int_eq(vr_walk_step(w, 1, collect, s), VR_WALK_MORE);
	vr_walk_free(w);
}

START_TEST(rule_2013_never_ends)
{
	struct vr_profile p = profile(VR_RANGE_PER_VALUE, false, VR_WIDE_KEEP, 16);
	uint64_t mask = fs_width_max(16), first = 99971 & mask;
	struct seen s;

	assert_endless(&p, RULE_2013, 3000000, FS_PKT_LEN, &s);
	/* The counter wrapped: it went through 0, below where it started,
	 * and never held a value the 16-bit counter cannot. */
	ck_assert(s.wrapped);
	ck_assert_uint_eq(s.min_a, 0);
	ck_assert_uint_lt(s.min_a, first);
	ck_assert_uint_eq(s.max_a, mask);
}
END_TEST

START_TEST(rule_2013_wide_counter)
{
	struct vr_profile p = profile(VR_RANGE_PER_VALUE, false, VR_WIDE_KEEP, 32);
	struct seen s;
	uint64_t need;
	bool known;

	seen_init(&s, 32, FS_PKT_LEN);
	ck_assert_int_eq(walk_all(&p, RULE_2013, &s, 10000000, &need, &known),
	    VR_WALK_DONE);
	/* One destination, one protocol, fifteen lengths. */
	ck_assert_uint_eq(s.n, 1 + 1 + 15);
	ck_assert_uint_eq(s.min_a, 99971);
	ck_assert_uint_eq(s.max_a, 99985);
	ck_assert(!s.wrapped);
	free(s.v);
}
END_TEST

START_TEST(any_wide_bound_never_ends)
{
	struct vr_profile p = profile(VR_RANGE_PER_VALUE, false, VR_WIDE_KEEP, 16);
	struct seen s;

	/* No value in particular: any bound the counter cannot hold. */
	assert_endless(&p, "match packet-length >65535", 1000000, FS_PKT_LEN, &s);
	ck_assert(s.wrapped);
	assert_endless(&p, "match destination-port <=70000", 1000000, FS_DPORT, &s);
	ck_assert(s.wrapped);
	/* The same mechanism on an 8-bit counter fails on an ordinary port. */
	p.counter_bits = 8;
	assert_endless(&p, "match port 1000-1001", 1000000, FS_PORT, &s);
	ck_assert_uint_le(s.max_a, 255);
	/* And a counter wide enough for the bound finishes. */
	p.counter_bits = 17;
	ck_assert_uint_eq(count(&p, "match packet-length >65535"), 1);
	ck_assert_uint_eq(count(&p, "match destination-port <=70000"), 70001);
}
END_TEST

START_TEST(tcam_rejects_2013)
{
	struct vr_profile p = profile(VR_RANGE_PREFIX, true, VR_WIDE_REJECT, 16);
	char *dir = fc_source_path("faults/platforms");
	struct vr_profile_error perr = { "" };
	struct fs_rule r;
	struct vr_reject why = { "" };

	fs_rule_init(&r, 0);
	fc_parse_or_fail(RULE_2013, 0, &r);
	errno = 0;
	ck_assert_ptr_null(vr_walk_new(&p, &r, 1, &why));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(why.msg, "packet-length") != NULL &&
	    strstr(why.msg, "99971") != NULL && strstr(why.msg, "16-bit") != NULL,
	    "%s", why.msg);
	/* The shipped TCAM profile refuses it the same way. */
	ck_assert_msg(vr_profile_find(&p, dir, "tcam", &perr) == 0, "%s", perr.msg);
	why.msg[0] = '\0';
	ck_assert_ptr_null(vr_walk_new(&p, &r, 1, &why));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(why.msg, "99971"));
	vr_profile_free(&p);
	/* Any term wider than the field, even OR-ed with good ones. */
	fc_parse_or_fail("match port 80 70000", 0, &r);
	p = profile(VR_RANGE_INTERVAL, false, VR_WIDE_REJECT, 16);
	ck_assert_ptr_null(vr_walk_new(&p, &r, 1, &why));
	ck_assert_msg(strstr(why.msg, "port value 70000 does not fit the 16-bit "
	    "key field") != NULL, "%s", why.msg);
	/* No term is wide, yet ">65535" and "!=65535" reach past the key: refused. */
	fc_parse_or_fail("match packet-length >65535", 0, &r);
	ck_assert_ptr_null(vr_walk_new(&p, &r, 1, &why));
	ck_assert_msg(strstr(why.msg, "packet-length matches values from 65536") != NULL,
	    "%s", why.msg);
	fc_parse_or_fail("match destination-port !=65535", 0, &r);
	p = profile(VR_RANGE_PER_VALUE, false, VR_WIDE_REJECT, 16);
	ck_assert_ptr_null(vr_walk_new(&p, &r, 1, &why));
	ck_assert_int_eq(errno, EINVAL);
	/* An open bound that stays inside the key is fine. */
	fc_parse_or_fail("match packet-length >=1200", 0, &r);
	struct vr_walk *w = vr_walk_new(&p, &r, 1, &why);
	ck_assert_msg(w != NULL, "%s", why.msg);
	vr_walk_free(w);
	fs_rule_free(&r);
	free(dir);
}
END_TEST

START_TEST(open_bounds_close)
{
	struct vr_profile p = profile(VR_RANGE_INTERVAL, false, VR_WIDE_KEEP, 16);
	struct seen s;
	uint64_t need;
	bool known;

	seen_init(&s, 4, FS_PKT_LEN);
	ck_assert_int_eq(walk_all(&p, "match packet-length >=1200", &s, 100,
	    &need, &known), VR_WALK_DONE);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.v[0].field[0].a, 1200);
	ck_assert_uint_eq(s.v[0].field[0].b, fs_width_max(16));
	free(s.v);
	/* The other modes see the same closed interval. */
	p.range = VR_RANGE_PREFIX;
	ck_assert_uint_eq(count(&p, "match packet-length >=1200"),
	    fs_range_prefix_count(1200, 65535, 16));
	p.range = VR_RANGE_PER_VALUE;
	ck_assert_uint_eq(count(&p, "match packet-length >=1200"), 65535 - 1200 + 1);
	/* != leaves both ends open on one side each. */
	p.range = VR_RANGE_INTERVAL;
	ck_assert_uint_eq(count(&p, "match dscp !=10"), 2);
	p.range = VR_RANGE_PER_VALUE;
	ck_assert_uint_eq(count(&p, "match dscp !=10"), 63);
}
END_TEST

START_TEST(wide_values_clamp_or_keep)
{
	struct vr_profile p = profile(VR_RANGE_INTERVAL, false, VR_WIDE_CLAMP, 64);
	struct seen s;
	uint64_t need;
	bool known;

	/* Clamp: the part above the field goes; an interval above it entirely
	 * leaves nothing, and the rule's other components remain. */
	seen_init(&s, 4, FS_PKT_LEN);
	walk_all(&p, "match packet-length 60000-99999", &s, 100, &need, &known);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.v[0].field[0].b, 65535);
	free(s.v);
	ck_assert_uint_eq(count(&p, RULE_2013), 2);
	p.cross_product = true;
	ck_assert_uint_eq(count(&p, RULE_2013), 0);
	/* Keep: walked as sent. */
	p = profile(VR_RANGE_INTERVAL, false, VR_WIDE_KEEP, 64);
	seen_init(&s, 4, FS_PKT_LEN);
	walk_all(&p, "match packet-length 60000-99999", &s, 100, &need, &known);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.v[0].field[0].b, 99999);
	free(s.v);
	ck_assert_uint_eq(count(&p, RULE_2013), 3);
}
END_TEST

START_TEST(stop_and_resume)
{
	struct vr_profile p = profile(VR_RANGE_PREFIX, false, VR_WIDE_REJECT, 16);
	struct vr_walk *w = walk_of(&p, "match packet-length 1-65534", 3);
	struct seen s, all;
	uint64_t need;
	bool known;

	/* The reference: the whole walk in one go. */
	seen_init(&all, 64, FS_PKT_LEN);
	walk_all(&p, "match packet-length 1-65534", &all, 1000, &need, &known);
	/* The callback refuses the 11th entry: the walk stops with its errno. */
	seen_init(&s, 64, FS_PKT_LEN);
	s.stop_after = 10;
	errno = 0;
	ck_assert_int_eq(vr_walk_step(w, 1000, collect, &s), VR_WALK_STOPPED);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_uint_eq(vr_walk_emitted(w), 10);
	ck_assert_uint_eq(s.n, 10);
	/* Given room again, it resumes with the entry that was refused. */
	s.stop_after = 0;
	ck_assert_int_eq(vr_walk_step(w, 1000, collect, &s), VR_WALK_DONE);
	ck_assert_uint_eq(s.n, all.n);
	for (size_t i = 0; i < all.n; i++)
		ck_assert(memcmp(&s.v[i].field[0], &all.v[i].field[0],
		    sizeof all.v[i].field[0]) == 0);
	vr_walk_free(w);
	free(s.v);
	free(all.v);
}
END_TEST

START_TEST(budgets)
{
	struct vr_profile p = profile(VR_RANGE_PREFIX, true, VR_WIDE_REJECT, 16);
	struct vr_walk *w = walk_of(&p, "match destination-port 1-65534 "
	    "source-port 1-65534", 3);
	struct seen s;
	enum vr_walk_status st;
	uint64_t steps = 0;

	seen_init(&s, 0, 0);
	/* A budget of 0 emits nothing and calls nobody. */
	ck_assert_int_eq(vr_walk_step(w, 0, collect, &s), VR_WALK_MORE);
	ck_assert_uint_eq(s.n, 0);
	do {
		uint64_t before = vr_walk_emitted(w);

		st = vr_walk_step(w, 7, collect, &s);
		ck_assert_uint_le(vr_walk_emitted(w) - before, 7);
		if (st == VR_WALK_MORE)
			ck_assert_uint_eq(vr_walk_emitted(w) - before, 7);
		steps++;
	} while (st == VR_WALK_MORE);
	ck_assert_int_eq(st, VR_WALK_DONE);
	ck_assert_uint_eq(s.n, 900);
	ck_assert_uint_eq(steps, (900 + 6) / 7);
	/* Done stays done. */
	ck_assert_int_eq(vr_walk_step(w, 5, collect, &s), VR_WALK_DONE);
	ck_assert_uint_eq(s.n, 900);
	vr_walk_free(w);
}
END_TEST

/* Adds a numeric component of `type` to `r` with `n` disjoint two-value ranges. */
static void
add_ranges(struct fs_rule *r, unsigned type, unsigned n)
{
	ck_assert_int_eq(fs_rule_add_component(r, type), 0);
	for (unsigned k = 0; k < n; k++) {
		ck_assert_int_eq(fs_rule_add_term(r, FS_NUM_GT | FS_NUM_EQ,
		    4 * k + 1, 0), 0);
		ck_assert_int_eq(fs_rule_add_term(r, FS_OP_AND | FS_NUM_LT | FS_NUM_EQ,
		    4 * k + 2, 0), 0);
	}
}

START_TEST(need_saturates)
{
	struct vr_profile p = profile(VR_RANGE_PREFIX, true, VR_WIDE_REJECT, 16);
	static const unsigned types[] = { FS_PROTO, FS_PORT, FS_DPORT, FS_SPORT,
		FS_ICMP_TYPE, FS_ICMP_CODE, FS_PKT_LEN };
	struct fs_rule r;
	struct vr_reject why = { "" };
	struct vr_walk *w;
	struct seen s;
	bool known = false;
	uint64_t sum = 0;

	/* 16-bit fields of 2 x 1000 prefixes, 8-bit ones of 2 x 60:
	 * 2000^4 x 120^3 > 2^64. */
	fs_rule_init(&r, FS_IPV4);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		unsigned n = fs_field_width(types[i]) == 16 ? 1000 : 60;

		add_ranges(&r, types[i], n);
		sum += 2 * n;
	}
	fs_rule_sort(&r);
	w = vr_walk_new(&p, &r, 1, &why);
	ck_assert_msg(w != NULL, "%s", why.msg);
	ck_assert_uint_eq(vr_walk_need(w, &known), UINT64_MAX);
	ck_assert(known);
	/* The product is walked lazily: the first entries come at once. */
	seen_init(&s, 0, 0);
	ck_assert_int_eq(vr_walk_step(w, 100000, collect, &s), VR_WALK_MORE);
	ck_assert_uint_eq(s.n, 100000);
	vr_walk_free(w);
	/* Summed, the same rule needs the sum. */
	p.cross_product = false;
	w = vr_walk_new(&p, &r, 1, &why);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(vr_walk_need(w, &known), sum);
	vr_walk_free(w);
	fs_rule_free(&r);
}
END_TEST

START_TEST(empty_components)
{
	struct vr_profile p = profile(VR_RANGE_INTERVAL, false, VR_WIDE_CLAMP, 64);
	const char *rule = "match destination 192.0.2.0/24 port >80&<80";

	/* A component that matches nothing adds nothing, and zeroes a product. */
	ck_assert_uint_eq(count(&p, rule), 1);
	p.cross_product = true;
	ck_assert_uint_eq(count(&p, rule), 0);
}
END_TEST

START_TEST(entry_fields)
{
	struct vr_profile p = profile(VR_RANGE_INTERVAL, true, VR_WIDE_CLAMP, 64);
	struct seen s;
	uint64_t need;
	bool known;
	const struct vr_entry_field *f;

	seen_init(&s, 4, 0);
	walk_all(&p, "match destination 192.0.2.53/32 source 198.51.100.0/24 "
	    "tcp-flags =S&!A", &s, 100, &need, &known);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_uint_eq(s.v[0].nfields, 3);
	f = s.v[0].field;
	ck_assert_uint_eq(f[0].type, FS_DST);
	ck_assert_uint_eq(f[0].a, (uint64_t)192 << 56 | (uint64_t)2 << 40 |
	    (uint64_t)53 << 32);
	ck_assert_uint_eq(f[0].b, 32);
	ck_assert_uint_eq(f[1].type, FS_SRC);
	ck_assert_uint_eq(f[1].a, (uint64_t)198 << 56 | (uint64_t)51 << 48 |
	    (uint64_t)100 << 40);
	ck_assert_uint_eq(f[1].b, 24);
	/* Bitmask terms: the bits in a, the operator in b. */
	ck_assert_uint_eq(f[2].type, FS_TCP_FLAGS);
	ck_assert_uint_eq(f[2].a, 0x02);
	ck_assert_uint_eq(f[2].b & (FS_BM_MATCH | FS_BM_NOT), FS_BM_MATCH);
	ck_assert_uint_eq(s.v[1].field[2].a, 0x10);
	ck_assert_uint_eq(s.v[1].field[2].b & FS_BM_NOT, FS_BM_NOT);
	free(s.v);
	/* IPv6: the first 8 octets of the address. */
	seen_init(&s, 1, 0);
	walk_all(&p, "match destination 2001:db8:1:2::/64", &s, 10, &need, &known);
	ck_assert_uint_eq(s.v[0].field[0].a, 0x20010db800010002u);
	ck_assert_uint_eq(s.v[0].field[0].b, 64);
	free(s.v);
}
END_TEST

START_TEST(bad_inputs)
{
	struct vr_profile p = profile(VR_RANGE_INTERVAL, false, VR_WIDE_CLAMP, 64);
	struct fs_rule r;
	struct vr_reject why = { "" };
	bool known = true;

	fs_rule_init(&r, FS_IPV4);
	errno = 0;
	ck_assert_ptr_null(vr_walk_new(NULL, &r, 1, &why));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(vr_walk_new(&p, NULL, 1, NULL));
	ck_assert_int_eq(errno, EINVAL);
	p.counter_bits = 0;
	ck_assert_ptr_null(vr_walk_new(&p, &r, 1, &why));
	ck_assert_int_eq(errno, EINVAL);
	p.counter_bits = 64;
	/* A component whose terms run past the rule's pool is refused, not read. */
	fc_parse_or_fail("match port 80 443", 0, &r);
	r.comp[0].count = 50;
	errno = 0;
	ck_assert_ptr_null(vr_walk_new(&p, &r, 1, &why));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(why.msg, "terms outside the rule"));
	r.comp[0].count = 2;
	errno = 0;
	ck_assert_int_eq(vr_walk_step(NULL, 1, collect, NULL), VR_WALK_STOPPED);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(vr_walk_need(NULL, &known), 0);
	ck_assert(!known);
	ck_assert_uint_eq(vr_walk_emitted(NULL), 0);
	vr_walk_free(NULL);
	fs_rule_free(&r);
}
END_TEST

/* Returns the profile `name` from the source tree, or fails the test. */
static struct vr_profile
shipped(const char *name)
{
	char *dir = fc_source_path("faults/platforms");
	struct vr_profile p;
	struct vr_profile_error err = { "" };

	ck_assert_msg(vr_profile_find(&p, dir, name, &err) == 0, "%s", err.msg);
	free(dir);
	return p;
}

static const char *const platforms[] = { "interval-firewall", "tcam",
	"value-walk-16bit", "full-recompile" };

/* Returns 0 after counting `e`: the cheapest sink. */
static int
tally(const struct vr_entry *e, void *ud)
{
	(void)e;
	++*(uint64_t *)ud;
	return 0;
}

START_TEST(safe_mitigations)
{
	struct vr_profile p = shipped(platforms[_i]);
	char *path = fc_source_path("faults/rules/safe-mitigations.flow");
	struct fs_ruleset set;
	struct fs_error err;
	uint64_t total = 0;

	fs_ruleset_init(&set);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(fs_ruleset_load_file(&set, path, 0, &err), 20);
	for (size_t i = 0; i < set.n; i++) {
		struct vr_reject why = { "" };
		struct vr_walk *w = vr_walk_new(&p, &set.v[i].rule, (uint32_t)i, &why);
		uint64_t n = 0, need;
		bool known;

		ck_assert_msg(w != NULL, "%s: %s refused: %s", p.name,
		    set.v[i].name, why.msg);
		need = vr_walk_need(w, &known);
		ck_assert_msg(vr_walk_step(w, WALK_LIMIT, tally, &n) == VR_WALK_DONE,
		    "%s: %s needs more than %d entries", p.name, set.v[i].name,
		    WALK_LIMIT);
		ck_assert_uint_ge(n, 1);
		if (known)
			ck_assert_uint_eq(need, n);
		total += n;
		vr_walk_free(w);
	}
	if (p.capacity != 0)
		ck_assert_msg(total <= p.capacity, "%s: %llu entries for a capacity "
		    "of %llu", p.name, (unsigned long long)total,
		    (unsigned long long)p.capacity);
	fs_ruleset_free(&set);
	vr_profile_free(&p);
	free(path);
}
END_TEST

START_TEST(shipped_2013)
{
	struct vr_profile p = shipped(platforms[_i]);
	struct fs_rule r;
	struct vr_reject why = { "" };
	struct vr_walk *w;
	uint64_t n = 0;
	enum vr_walk_status st;

	/* What each shipped platform does with the 2013 rule. */
	fs_rule_init(&r, 0);
	fc_parse_or_fail(RULE_2013, 0, &r);
	w = vr_walk_new(&p, &r, 1, &why);
	if (p.wide == VR_WIDE_REJECT) {
		ck_assert_ptr_null(w);
	} else {
		ck_assert_ptr_nonnull(w);
		st = vr_walk_step(w, 2000000, tally, &n);
		if (p.range == VR_RANGE_PER_VALUE && p.counter_bits < 17)
			ck_assert_int_eq(st, VR_WALK_MORE);
		else
			ck_assert_int_eq(st, VR_WALK_DONE);
	}
	vr_walk_free(w);
	fs_rule_free(&r);
	vr_profile_free(&p);
}
END_TEST

/* Returns the resident set size of this process in bytes. */
static uint64_t
rss(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%lu %lu", &size, &res), 2);
	fclose(f);
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Returns an entry of rule `id` with one interval field [a, a]. */
static struct vr_entry
entry(uint32_t id, uint64_t a)
{
	struct vr_entry e;

	memset(&e, 0, sizeof e);
	e.rule_id = id;
	e.nfields = 1;
	e.field[0].type = FS_PORT;
	e.field[0].a = a;
	e.field[0].b = a;
	return e;
}

START_TEST(arena_counts_and_grows)
{
	struct vr_arena *a = vr_arena_new(64, 0);
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), last = 0;

	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(vr_arena_count(a), 0);
	ck_assert_uint_eq(vr_arena_bytes(a), 0);
	for (uint64_t i = 0; i < 100000; i++) {
		struct vr_entry e = entry(1, i);

		ck_assert_int_eq(vr_arena_push(&e, a), 0);
		if (i == 0)
			ck_assert_uint_eq(vr_arena_bytes(a), page);
		ck_assert_uint_ge(vr_arena_bytes(a), last);
		last = vr_arena_bytes(a);
	}
	ck_assert_uint_eq(vr_arena_count(a), 100000);
	ck_assert_uint_ge(vr_arena_bytes(a), 100000 * 64);
	/* Chunks double: the slack is at most about as much again. */
	ck_assert_uint_le(vr_arena_bytes(a), 2 * 100000 * 64 + 2 * page);
	vr_arena_free(a);
	vr_arena_free(NULL);
}
END_TEST

START_TEST(arena_rss)
{
	const uint64_t want = 32u << 20;
	struct vr_arena *a = vr_arena_new(64, 0);
	uint64_t before, grown, after;

	ck_assert_ptr_nonnull(a);
	before = rss();
	for (uint64_t i = 0; i < want / 64; i++) {
		struct vr_entry e = entry(2, i);

		ck_assert_int_eq(vr_arena_push(&e, a), 0);
	}
	grown = rss();
	ck_assert_msg(grown >= before + want - (1u << 20),
	    "RSS grew by %llu, not %llu", (unsigned long long)(grown - before),
	    (unsigned long long)want);
	vr_arena_free(a);
	after = rss();
	ck_assert_msg(after + want - (1u << 20) <= grown,
	    "RSS fell by only %llu after free", (unsigned long long)(grown - after));
}
END_TEST

START_TEST(arena_scan)
{
	struct vr_arena *a = vr_arena_new(16, 0), *b = vr_arena_new(16, 0),
	    *c = vr_arena_new(4096, 0);
	uint64_t empty = vr_arena_scan(a);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	for (uint64_t i = 0; i < 5000; i++) {
		struct vr_entry e = entry(3, i), f = entry(i == 4999 ? 4 : 3, i);

		ck_assert_int_eq(vr_arena_push(&e, a), 0);
		ck_assert_int_eq(vr_arena_push(&f, b), 0);
		ck_assert_int_eq(vr_arena_push(&e, c), 0);
	}
	/* Same content, same digest; one rule_id differs, the digest differs. */
	ck_assert_uint_ne(vr_arena_scan(a), empty);
	ck_assert_uint_eq(vr_arena_scan(a), vr_arena_scan(a));
	ck_assert_uint_ne(vr_arena_scan(a), vr_arena_scan(b));
	ck_assert_uint_ne(vr_arena_scan(a), vr_arena_scan(c));
	ck_assert_uint_ge(vr_arena_bytes(c), 5000 * 4096);
	vr_arena_free(a);
	vr_arena_free(b);
	vr_arena_free(c);
}
END_TEST

/* Returns the CPU time of this process in nanoseconds. */
static uint64_t
cpu_ns(void)
{
	struct timespec t;

	ck_assert_int_eq(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t), 0);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

START_TEST(arena_write_ns)
{
	const uint32_t ns = 100000, n = 2000;	/* 0.2 s in all */
	struct vr_arena *a = vr_arena_new(64, ns);
	uint64_t t0, spent;

	ck_assert_ptr_nonnull(a);
	t0 = cpu_ns();
	for (uint32_t i = 0; i < n; i++) {
		struct vr_entry e = entry(5, i);

		ck_assert_int_eq(vr_arena_push(&e, a), 0);
	}
	spent = cpu_ns() - t0;
	/* A lower bound only, and generous: the machine may be busy. */
	ck_assert_msg(spent >= (uint64_t)ns * n * 4 / 10,
	    "%u entries of %u ns took %llu ns of CPU", n, ns,
	    (unsigned long long)spent);
	vr_arena_free(a);
}
END_TEST

START_TEST(arena_bad_inputs)
{
	struct vr_entry e = entry(1, 1);

	errno = 0;
	ck_assert_ptr_null(vr_arena_new(15, 0));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(vr_arena_new(4097, 0));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(vr_arena_push(&e, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(vr_arena_push(NULL, &e), -1);
	ck_assert_uint_eq(vr_arena_count(NULL), 0);
	ck_assert_uint_eq(vr_arena_bytes(NULL), 0);
	ck_assert_uint_eq(vr_arena_scan(NULL), 0);
}
END_TEST

/* An arena that takes at most `cap` entries, as a table at capacity. */
struct bounded {
	struct vr_arena *a;
	uint64_t cap;
};

/* Returns 0 after pushing into the arena while it holds fewer than `cap` entries; else -1 ENOSPC. */
static int
bounded_push(const struct vr_entry *e, void *ud)
{
	struct bounded *b = ud;

	if (vr_arena_count(b->a) >= b->cap) {
		errno = ENOSPC;
		return -1;
	}
	return vr_arena_push(e, b->a);
}

START_TEST(walk_into_arena_at_capacity)
{
	struct vr_profile p = profile(VR_RANGE_PER_VALUE, false, VR_WIDE_KEEP, 16);
	struct vr_walk *w = walk_of(&p, RULE_2013, 9);
	struct bounded b = { vr_arena_new(p.entry_bytes, 0), 50000 };
	enum vr_walk_status st;

	/* The endless walk meets a table of 50,000 entries and is stopped. */
	ck_assert_ptr_nonnull(b.a);
	do
		st = vr_walk_step(w, 4096, bounded_push, &b);
	while (st == VR_WALK_MORE);
	ck_assert_int_eq(st, VR_WALK_STOPPED);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_uint_eq(vr_arena_count(b.a), 50000);
	ck_assert_uint_eq(vr_walk_emitted(w), 50000);
	ck_assert_uint_ge(vr_arena_bytes(b.a), 50000 * (uint64_t)p.entry_bytes);
	vr_walk_free(w);
	vr_arena_free(b.a);
}
END_TEST

static Suite *
compile_suite(void)
{
	Suite *s = suite_create("compile");
	TCase *tc = tcase_create("walk");
	TCase *ta = tcase_create("arena");

	tcase_add_test(tc, prefix_expansion_30);
	tcase_add_test(tc, cross_product_900);
	tcase_add_test(tc, sum_and_product);
	tcase_add_test(tc, interval_entries);
	tcase_add_test(tc, per_value_finite);
	tcase_add_test(tc, rule_2013_never_ends);
	tcase_add_test(tc, rule_2013_wide_counter);
	tcase_add_test(tc, any_wide_bound_never_ends);
	tcase_add_test(tc, tcam_rejects_2013);
	tcase_add_test(tc, open_bounds_close);
	tcase_add_test(tc, wide_values_clamp_or_keep);
	tcase_add_test(tc, stop_and_resume);
	tcase_add_test(tc, budgets);
	tcase_add_test(tc, need_saturates);
	tcase_add_test(tc, empty_components);
	tcase_add_test(tc, entry_fields);
	tcase_add_test(tc, bad_inputs);
	tcase_add_loop_test(tc, safe_mitigations, 0,
	    sizeof platforms / sizeof platforms[0]);
	tcase_add_loop_test(tc, shipped_2013, 0,
	    sizeof platforms / sizeof platforms[0]);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tcase_add_test(ta, arena_counts_and_grows);
	tcase_add_test(ta, arena_rss);
	tcase_add_test(ta, arena_scan);
	tcase_add_test(ta, arena_write_ns);
	tcase_add_test(ta, arena_bad_inputs);
	tcase_add_test(ta, walk_into_arena_at_capacity);
	tcase_set_timeout(ta, 60);
	suite_add_tcase(s, ta);
	return s;
}

int
main(void)
{
	return fc_run_suite(compile_suite());
}
