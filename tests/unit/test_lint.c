/*
 * test_lint.c - the static checker: every finding code fires where it
 * should, with its severity, and stays silent on a near miss.
 */
#include <errno.h>
#include <stdint.h>
#include <glib.h>
#include <string.h>

#include "support.h"
#include "flowspec/ecomm.h"
#include "flowspec/lint.h"
#include "flowspec/ruleset.h"

#define RULES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/*
 * Lints the NULL-terminated `rules` (rule i from t.rules line i + 1) of
 * `family` (0: inferred) with `o` (NULL: defaults) into `out`.
 */
static void
lint(const char *const *rules, int family, const struct fs_lint_options *o,
    struct fs_findings *out)
{
	struct fs_ruleset set;
	struct fs_rule r;

	fs_ruleset_init(&set);
	fs_rule_init(&r, FS_IPV4);
	for (unsigned i = 0; rules[i] != NULL; i++) {
		fc_parse_or_fail(rules[i], family, &r);
		ck_assert_int_eq(fs_ruleset_add(&set, &r, NULL, "t.rules",
		    i + 1, 1), 0);
	}
	memset(out, 0, sizeof(*out));
	ck_assert_int_eq(fs_lint(&set, o, out), 0);
	fs_rule_free(&r);
	fs_ruleset_free(&set);
}

/* Returns the finding `code` about rule `rule`, or NULL. */
static const struct fs_finding *
find(const struct fs_findings *f, const char *code, size_t rule)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].rule == rule && strcmp(f->v[i].code, code) == 0)
			return &f->v[i];
	return NULL;
}

/* Returns how many findings have `code`. */
static size_t
count(const struct fs_findings *f, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n; i++)
		n += strcmp(f->v[i].code, code) == 0;
	return n;
}

/* Asserts rule `rule` has finding `code` of severity `sev`; returns it. */
static const struct fs_finding *
expect(const struct fs_findings *f, const char *code, size_t rule,
    enum fs_severity sev)
{
	const struct fs_finding *x = find(f, code, rule);

	ck_assert_msg(x != NULL, "no %s finding on rule %zu (%zu findings)",
	    code, rule, f->n);
	ck_assert_msg(x->severity == sev, "%s on rule %zu is %s, expected %s",
	    code, rule, fs_severity_name(x->severity), fs_severity_name(sev));
	return x;
}

/* Lints one rule and asserts it draws no finding `code`. */
static void
silent(const char *rule, int family, const char *code)
{
	struct fs_findings f;

	lint(RULES(rule), family, NULL, &f);
	ck_assert_msg(count(&f, code) == 0, "\"%s\" drew %s: %s", rule, code,
	    find(&f, code, 0) ? find(&f, code, 0)->message : "");
	fs_findings_free(&f);
}

/* Lints one rule and asserts finding `code` of `sev` on it; returns nothing. */
static void
fires(const char *rule, int family, const char *code, enum fs_severity sev)
{
	struct fs_findings f;

	lint(RULES(rule), family, NULL, &f);
	expect(&f, code, 0, sev);
	ck_assert_uint_eq(count(&f, code), 1);
	fs_findings_free(&f);
}

START_TEST(incident_2013)
{
	struct fs_findings f;
	const struct fs_finding *x;

	lint(RULES("match destination 192.0.2.53/32 protocol ==udp "
	    "packet-length >=99971&<=99985 then discard"), 0, NULL, &f);
	x = expect(&f, "packet-length-unreachable", 0, FS_SEV_ERROR);
	ck_assert_uint_eq(x->related, SIZE_MAX);
	ck_assert_ptr_nonnull(strstr(x->message, "no packet can have that length"));
	ck_assert_ptr_nonnull(strstr(x->message, "99971-99985"));
	ck_assert_ptr_nonnull(strstr(x->message, "9216 bytes"));
	ck_assert_ptr_nonnull(strstr(x->message, "65535"));
	ck_assert_ptr_nonnull(strstr(x->message, "2013"));
	ck_assert_ptr_nonnull(strstr(x->message, "23-site"));
	ck_assert_ptr_nonnull(strstr(x->message, "value by value"));
	ck_assert_ptr_nonnull(strstr(x->message, "memory"));
	/* Not cut off by the message buffer. */
	ck_assert_uint_lt(strlen(x->message), sizeof(x->message) - 1);
	/* One finding for the length, not a second "range" one. */
	ck_assert_uint_eq(count(&f, "packet-length-range"), 0);
	ck_assert_uint_eq(count(&f, "contradictory-terms"), 0);
	ck_assert_uint_eq(f.n, 1);
	fs_findings_free(&f);
}
END_TEST

START_TEST(packet_length_limits)
{
	struct fs_lint_options o;
	struct fs_findings f;
	const struct fs_finding *x;

	/* The network's largest packet is an option. */
	fs_lint_options_default(&o);
	ck_assert_uint_eq(o.max_packet, 9216);
	ck_assert_uint_eq(o.entry_limit, 4096);
	o.max_packet = 4470;
	lint(RULES("match packet-length >=5000&<=6000 then discard"), 0, &o, &f);
	x = expect(&f, "packet-length-unreachable", 0, FS_SEV_ERROR);
	ck_assert_ptr_nonnull(strstr(x->message, "4470 bytes"));
	fs_findings_free(&f);
	/* ... but no packet exceeds the IP total-length field, whatever it says. */
	o.max_packet = 200000;
	lint(RULES("match packet-length >=99971&<=99985"), 0, &o, &f);
	expect(&f, "packet-length-unreachable", 0, FS_SEV_ERROR);
	fs_findings_free(&f);
	lint(RULES("match packet-length >=5000&<=6000"), 0, &o, &f);
	ck_assert_uint_eq(count(&f, "packet-length-unreachable"), 0);
	fs_findings_free(&f);
	/* Wholly above by the operator, not by a value above the limit. */
	fires("match packet-length >9216", 0, "packet-length-unreachable",
	    FS_SEV_ERROR);
	silent("match packet-length >=9000&<=9216", 0,
	    "packet-length-unreachable");
	silent("match packet-length >=9000&<=9216", 0, "packet-length-range");
	silent("match packet-length ==9216", 0, "packet-length-unreachable");
	/* Open-ended ranges name no length above the limit. */
	silent("match packet-length >=1000", 0, "packet-length-range");
	silent("match packet-length >=1000", 0, "packet-length-unreachable");
}
END_TEST

START_TEST(packet_length_range)
{
	struct fs_findings f;
	const struct fs_finding *x;

	lint(RULES("match packet-length >=9000&<=100000 then discard"), 0,
	    NULL, &f);
	x = expect(&f, "packet-length-range", 0, FS_SEV_WARNING);
	ck_assert_ptr_nonnull(strstr(x->message, "9000-9216"));
	ck_assert_uint_eq(count(&f, "packet-length-unreachable"), 0);
	fs_findings_free(&f);
	fires("match packet-length ==100 ==20000", 0, "packet-length-range",
	    FS_SEV_WARNING);
	fires("match packet-length >=468&<=65536", 0, "packet-length-range",
	    FS_SEV_WARNING);
	/* The field's own maximum is how "and up" is written: no finding. */
	silent("match packet-length >=468&<=65535", 0, "packet-length-range");
	silent("match packet-length >=468&<65536", 0, "packet-length-range");
}
END_TEST

START_TEST(field_ranges)
{
	struct fs_findings f;
	const struct fs_finding *x;

	lint(RULES("match destination-port ==70000 then discard"), 0, NULL, &f);
	x = expect(&f, "port-range", 0, FS_SEV_ERROR);
	ck_assert_ptr_nonnull(strstr(x->message, "70000"));
	ck_assert_ptr_nonnull(strstr(x->message, "65535"));
	fs_findings_free(&f);
	/* Part of the component still matches: a warning. */
	lint(RULES("match source-port ==80 ==70000"), 0, NULL, &f);
	x = expect(&f, "port-range", 0, FS_SEV_WARNING);
	ck_assert_ptr_nonnull(strstr(x->message, "80"));
	fs_findings_free(&f);
	fires("match port >=65000&<=70000", 0, "port-range", FS_SEV_WARNING);
	silent("match port ==65535", 0, "port-range");
	fires("match protocol ==300", 0, "protocol-range", FS_SEV_ERROR);
	fires("match protocol ==6 ==256", 0, "protocol-range", FS_SEV_WARNING);
	silent("match protocol ==255", 0, "protocol-range");
	fires("match dscp ==64", 0, "dscp-range", FS_SEV_ERROR);
	silent("match dscp ==63", 0, "dscp-range");
	fires("match icmp-type ==256", 0, "icmp-range", FS_SEV_ERROR);
	fires("match icmp-code ==0 ==300", 0, "icmp-range", FS_SEV_WARNING);
	silent("match icmp-code ==255", 0, "icmp-range");
	fires("match flow-label ==1048576", FS_IPV6, "flow-label-range",
	    FS_SEV_ERROR);
	silent("match flow-label ==1048575", FS_IPV6, "flow-label-range");
}
END_TEST

START_TEST(contradictory_terms)
{
	struct fs_findings f;
	const struct fs_finding *x;

	lint(RULES("match destination-port >=100&<=50 then discard"), 0, NULL, &f);
	x = expect(&f, "contradictory-terms", 0, FS_SEV_ERROR);
	ck_assert_ptr_nonnull(strstr(x->message, ">=100&<=50"));
	ck_assert_ptr_nonnull(strstr(x->message, "never match"));
	fs_findings_free(&f);
	/* Another OR-ed group still matches: a warning naming the dead one. */
	lint(RULES("match destination-port ==80 >=100&<=50"), 0, NULL, &f);
	x = expect(&f, "contradictory-terms", 0, FS_SEV_WARNING);
	ck_assert_ptr_nonnull(strstr(x->message, ">=100&<=50"));
	fs_findings_free(&f);
	fires("match tcp-flags =S&!S", 0, "contradictory-terms", FS_SEV_ERROR);
	/* A lone term testing no bit is false by RFC 8955: say what to write. */
	lint(RULES("match fragment not-a-fragment then discard"), 0, NULL, &f);
	x = expect(&f, "contradictory-terms", 0, FS_SEV_ERROR);
	ck_assert_ptr_nonnull(strstr(x->message, "!is-fragment"));
	ck_assert_ptr_null(strstr(x->message, "AND-ed"));
	fs_findings_free(&f);
	silent("match fragment !is-fragment", 0, "contradictory-terms");
	silent("match destination-port >=50&<=100", 0, "contradictory-terms");
	silent("match tcp-flags =S&!A", 0, "contradictory-terms");
}
END_TEST

START_TEST(offset_beyond_prefix)
{
	struct fs_findings f;
	const struct fs_finding *x;

	lint(RULES("match source ::1234:0:0:0/64 offset 64 then discard"), 0,
	    NULL, &f);
	x = expect(&f, "offset-beyond-prefix", 0, FS_SEV_ERROR);
	ck_assert_ptr_nonnull(strstr(x->message, "offset 64"));
	/* Comparing no bit, it matches every address: all IPv6 is dropped. */
	expect(&f, "discards-all", 0, FS_SEV_ERROR);
	fs_findings_free(&f);
	silent("match source ::1234:0:0:0/80 offset 64", 0,
	    "offset-beyond-prefix");
	silent("match destination ::/0", 0, "offset-beyond-prefix");
}
END_TEST

START_TEST(matches_all)
{
	struct fs_findings f;

	lint(RULES("match destination 0.0.0.0/0 then rate-limit 1000"), 0,
	    NULL, &f);
	expect(&f, "matches-all", 0, FS_SEV_WARNING);
	ck_assert_uint_eq(count(&f, "discards-all"), 0);
	fs_findings_free(&f);
	lint(RULES("match destination 0.0.0.0/0 then discard"), 0, NULL, &f);
	expect(&f, "discards-all", 0, FS_SEV_ERROR);
	ck_assert_ptr_nonnull(strstr(find(&f, "discards-all", 0)->message,
	    "ipv4"));
	ck_assert_uint_eq(count(&f, "matches-all"), 0);
	fs_findings_free(&f);
	/* Whole fields, however written. */
	fires("match packet-length <=65535 destination-port >=0 then discard",
	    0, "discards-all", FS_SEV_ERROR);
	fires("match destination ::/0 then discard", 0, "discards-all",
	    FS_SEV_ERROR);
	fires("match protocol !=300", 0, "matches-all", FS_SEV_WARNING);
	/* Near misses: one value or one bit short of everything. */
	silent("match packet-length <=65534 then discard", 0, "discards-all");
	silent("match destination 0.0.0.0/1 then discard", 0, "discards-all");
	silent("match destination 0.0.0.0/0 protocol !=6", 0, "matches-all");
}
END_TEST

START_TEST(rate_limit_zero)
{
	struct fs_findings f;

	lint(RULES("match destination 10.0.0.0/8 then rate-limit-packets 0"), 0,
	    NULL, &f);
	ck_assert_ptr_nonnull(strstr(expect(&f, "rate-limit-zero", 0,
	    FS_SEV_WARNING)->message, "discard"));
	fs_findings_free(&f);
	fires("match destination 10.0.0.0/8 then rate-limit 0 as 65000", 0,
	    "rate-limit-zero", FS_SEV_WARNING);
	/*
	 * discard is the same octets as rate-limit 0; only the spelling
	 * differs, and only the spelled-out rate is flagged.
	 */
	silent("match destination 10.0.0.0/8 then discard", 0, "rate-limit-zero");
	fires("match destination 10.0.0.0/8 then rate-limit 0", 0,
	    "rate-limit-zero", FS_SEV_WARNING);
	silent("match destination 10.0.0.0/8 then rate-limit-packets 10", 0,
	    "rate-limit-zero");
	silent("match destination 10.0.0.0/8 then rate-limit 1000 as 65000", 0,
	    "rate-limit-zero");
}
END_TEST

/* The ExaBGP and Junos readers keep the spelling too. */
START_TEST(rate_limit_zero_in_other_syntaxes)
{
	static const char exa[] = "flow {\n route r {\n  match { protocol udp; }\n"
	    "  then { rate-limit 0; }\n }\n}\n";
	static const char exa_discard[] = "flow {\n route r {\n  match { protocol udp; }\n"
	    "  then { discard; }\n }\n}\n";
	static const char junos[] = "routing-options { flow { route r { match { "
	    "protocol udp; } then rate-limit 0; } } }\n";
	const char *texts[] = { exa, exa_discard, junos };
	bool want[] = { true, false, true };

	for (int k = 0; k < 3; k++) {
		struct fs_ruleset set;
		struct fs_findings f = { 0 };
		struct fs_error err;
		bool found = false;

		fs_ruleset_init(&set);
		ck_assert_int_eq(fs_ruleset_load_text(&set, texts[k], strlen(texts[k]),
		    "t.conf", 0, &err), 1);
		ck_assert_int_eq(fs_lint(&set, NULL, &f), 0);
		for (size_t i = 0; i < f.n; i++)
			found |= strcmp(f.v[i].code, "rate-limit-zero") == 0;
		ck_assert_msg(found == want[k], "text %d: rate-limit-zero %s", k,
		    found ? "fired" : "silent");
		fs_findings_free(&f);
		fs_ruleset_free(&set);
	}
}
END_TEST

START_TEST(duplicate_and_conflicting)
{
	struct fs_findings f;
	const struct fs_finding *x;

	lint(RULES("match destination 10.0.0.0/8 port ==80 then discard",
	    "match destination 10.0.0.0/8 port ==443 then discard",
	    "match destination 10.0.0.0/8 port ==80 then discard"), 0, NULL, &f);
	x = expect(&f, "duplicate-rule", 2, FS_SEV_WARNING);
	ck_assert_uint_eq(x->related, 0);
	ck_assert_ptr_nonnull(strstr(x->message, "t.rules:1"));
	ck_assert_uint_eq(count(&f, "duplicate-rule"), 1);
	ck_assert_uint_eq(count(&f, "conflicting-rule"), 0);
	/* An exact duplicate is not also reported as shadowed. */
	ck_assert_uint_eq(count(&f, "shadowed-rule"), 0);
	fs_findings_free(&f);

	lint(RULES("match destination 10.0.0.0/8 port ==80 then discard",
	    "match destination 10.0.0.0/8 port ==80 then rate-limit 1000"), 0,
	    NULL, &f);
	x = expect(&f, "conflicting-rule", 1, FS_SEV_ERROR);
	ck_assert_uint_eq(x->related, 0);
	ck_assert_ptr_nonnull(strstr(x->message, "best path"));
	ck_assert_uint_eq(count(&f, "duplicate-rule"), 0);
	fs_findings_free(&f);

	/* Actions in another order are the same actions. */
	lint(RULES("match port ==80 then mark 10 action sample",
	    "match port ==80 then action sample mark 10"), 0, NULL, &f);
	expect(&f, "duplicate-rule", 1, FS_SEV_WARNING);
	fs_findings_free(&f);
}
END_TEST

/*
 * Pairs are looked for through an index of destinations: a rule is
 * compared only with rules whose destination could contain its own.
 * Among many unrelated rules the shadowing rule must still be found,
 * whatever the destinations: a prefix, none, one that compares no bit
 * (/0), an IPv6 prefix with an offset.  RFC 8955 puts the rule with a
 * destination, or the longer prefix, first, so the shadowing rule always
 * has the same destination here; ==80 ==443 precedes and covers ==80.
 * And the same match far apart is still a duplicate.
 */
START_TEST(pairs_among_many)
{
	static const char *const dsts[] = { "destination 10.1.0.0/16 ", "",
		"destination 0.0.0.0/0 ", "destination 2001:db8::/32 offset 16 " };
	enum { UNRELATED = 2000 };

	for (size_t k = 0; k < sizeof dsts / sizeof *dsts; k++) {
		const char **rules = g_new0(const char *, UNRELATED + 3);
		char **owned = g_new0(char *, UNRELATED + 2);
		bool v6 = strstr(dsts[k], "2001:") != NULL;
		struct fs_findings f;

		rules[0] = owned[0] = g_strdup_printf("match %sdestination-port "
		    "==80 ==443 then discard", dsts[k]);
		for (unsigned i = 1; i <= UNRELATED; i++)
			rules[i] = owned[i] = v6 ? g_strdup_printf("match "
			    "destination 2001:db8:%x::/48 destination-port ==%u "
			    "then discard", i, 1000 + i) : g_strdup_printf("match "
			    "destination 172.%u.%u.0/24 destination-port ==%u then "
			    "discard", 16 + i / 256, i % 256, 1000 + i);
		rules[UNRELATED + 1] = owned[UNRELATED + 1] = g_strdup_printf(
		    "match %sdestination-port ==80 then rate-limit 1000", dsts[k]);
		lint(rules, v6 ? FS_IPV6 : 0, NULL, &f);
		const struct fs_finding *x = expect(&f, "shadowed-rule",
		    UNRELATED + 1, FS_SEV_WARNING);
		ck_assert_uint_eq(x->related, 0);
		ck_assert_uint_eq(count(&f, "shadowed-rule"), 1);
		fs_findings_free(&f);
		for (unsigned i = 0; i < UNRELATED + 2; i++)
			g_free(owned[i]);
		g_free(owned);
		g_free(rules);
	}

	struct fs_findings f;
	lint(RULES("match destination 10.9.9.9/32 then discard",
	    "match destination 10.9.9.0/24 then discard",
	    "match destination 10.9.9.9/32 then discard"), 0, NULL, &f);
	ck_assert_uint_eq(expect(&f, "duplicate-rule", 2, FS_SEV_WARNING)->related, 0);
	fs_findings_free(&f);
}
END_TEST

START_TEST(shadowed)
{
	struct fs_findings f;
	const struct fs_finding *x;

	/* ==80 ==443 (01 50 91 01 bb) precedes ==80 (81 50) and covers it. */
	lint(RULES("match destination 10.0.0.0/8 destination-port ==80 then "
	    "rate-limit 1000",
	    "match destination 10.0.0.0/8 destination-port ==80 ==443 then "
	    "discard"), 0, NULL, &f);
	x = expect(&f, "shadowed-rule", 0, FS_SEV_WARNING);
	ck_assert_uint_eq(x->related, 1);
	ck_assert_ptr_nonnull(strstr(x->message, "t.rules:2"));
	ck_assert_ptr_null(find(&f, "shadowed-rule", 1));
	fs_findings_free(&f);

	/* The same set, written differently, preceding: >=0&<=1023 is 03 ... */
	lint(RULES("match destination-port ==80",
	    "match destination-port >=0&<=1023"), 0, NULL, &f);
	expect(&f, "shadowed-rule", 0, FS_SEV_WARNING);
	fs_findings_free(&f);

	/* Near miss: the longer prefix has precedence, so it is not shadowed. */
	lint(RULES("match destination 10.1.0.0/16 destination-port ==80",
	    "match destination 10.0.0.0/8 destination-port ==80 ==443"), 0,
	    NULL, &f);
	ck_assert_uint_eq(count(&f, "shadowed-rule"), 0);
	fs_findings_free(&f);

	/* Near miss: a protocol component (type 3) puts the narrower rule first. */
	lint(RULES("match protocol ==tcp destination-port ==80",
	    "match destination-port ==80 ==443"), 0, NULL, &f);
	ck_assert_uint_eq(count(&f, "shadowed-rule"), 0);
	fs_findings_free(&f);

	/* Near miss: the preceding rule does not cover 8080. */
	lint(RULES("match destination-port ==8080",
	    "match destination-port ==80 ==443"), 0, NULL, &f);
	ck_assert_uint_eq(count(&f, "shadowed-rule"), 0);
	fs_findings_free(&f);

	/* The preceding rule's extra component covers its whole field. */
	lint(RULES("match destination-port ==80",
	    "match protocol >=0 destination-port ==80"), 0, NULL, &f);
	expect(&f, "shadowed-rule", 0, FS_SEV_WARNING);
	fs_findings_free(&f);

	/* Near miss: tcp only; the rule without protocol also matches udp. */
	lint(RULES("match destination-port ==80",
	    "match protocol ==tcp destination-port ==80"), 0, NULL, &f);
	ck_assert_uint_eq(count(&f, "shadowed-rule"), 0);
	fs_findings_free(&f);

	/* Near miss: a /16 preceding a /8 does not cover it. */
	lint(RULES("match destination 10.0.0.0/8",
	    "match destination 10.0.0.0/16"), 0, NULL, &f);
	ck_assert_uint_eq(count(&f, "shadowed-rule"), 0);
	fs_findings_free(&f);

	/* Near miss: a rule that matches nothing is reported as such, not shadowed. */
	lint(RULES("match destination-port >=100&<=50",
	    "match destination-port ==80 ==443"), 0, NULL, &f);
	ck_assert_uint_eq(count(&f, "shadowed-rule"), 0);
	expect(&f, "contradictory-terms", 0, FS_SEV_ERROR);
	fs_findings_free(&f);

	/* Near miss: the terminal bit lets evaluation go on past the first. */
	lint(RULES("match destination-port ==80 then rate-limit 1000",
	    "match destination-port ==80 ==443 then action terminal"), 0,
	    NULL, &f);
	ck_assert_uint_eq(count(&f, "shadowed-rule"), 0);
	fs_findings_free(&f);
}
END_TEST

START_TEST(entry_cost)
{
	struct fs_lint_options o;
	struct fs_findings f;
	struct fs_rule r;
	const struct fs_finding *x;
	const char *cross = "match destination-port 1-65534 source-port 1-65534";

	fs_rule_init(&r, FS_IPV4);
	fc_parse_or_fail(cross, 0, &r);
	ck_assert_uint_eq(fs_rule_entry_cost(&r), 900);
	fc_parse_or_fail("match destination-port 1-65534 source-port 1-65534 "
	    "packet-length 1-65534", 0, &r);
	ck_assert_uint_eq(fs_rule_entry_cost(&r), 27000);
	/* Prefixes and single values cost one entry each. */
	fc_parse_or_fail("match destination 10.0.0.0/8 protocol ==tcp "
	    "destination-port ==80", 0, &r);
	ck_assert_uint_eq(fs_rule_entry_cost(&r), 1);
	/* Values beyond the field do not count: 1-65535 is 16 prefixes. */
	fc_parse_or_fail("match port >=1", 0, &r);
	ck_assert_uint_eq(fs_rule_entry_cost(&r), 16);
	/* =syn is one value/mask entry, not 1024 ranges. */
	fc_parse_or_fail("match tcp-flags =S destination-port 1-65534", 0, &r);
	ck_assert_uint_eq(fs_rule_entry_cost(&r), 30);
	/* Any of syn, ack: one entry per bit. */
	fc_parse_or_fail("match tcp-flags SA", 0, &r);
	ck_assert_uint_eq(fs_rule_entry_cost(&r), 2);
	/* A rule that can match nothing needs nothing. */
	fc_parse_or_fail("match packet-length >=99971&<=99985 port 1-65534", 0, &r);
	ck_assert_uint_eq(fs_rule_entry_cost(&r), 0);
	fs_rule_free(&r);
	ck_assert_uint_eq(fs_rule_entry_cost(NULL), 0);

	lint(RULES(cross), 0, NULL, &f);
	ck_assert_uint_eq(count(&f, "entry-cost"), 0);
	fs_findings_free(&f);
	fs_lint_options_default(&o);
	o.entry_limit = 899;
	lint(RULES(cross), 0, &o, &f);
	x = expect(&f, "entry-cost", 0, FS_SEV_WARNING);
	ck_assert_ptr_nonnull(strstr(x->message, "900"));
	ck_assert_ptr_nonnull(strstr(x->message, "TCAM"));
	ck_assert_ptr_nonnull(strstr(x->message, "destination-port 30"));
	fs_findings_free(&f);
	o.entry_limit = 900;
	lint(RULES(cross), 0, &o, &f);
	ck_assert_uint_eq(count(&f, "entry-cost"), 0);
	fs_findings_free(&f);
	fires("match destination-port 1-65534 source-port 1-65534 "
	    "packet-length 1-65534", 0, "entry-cost", FS_SEV_WARNING);
}
END_TEST

START_TEST(ipv6_dont_fragment)
{
	fires("match destination 2001:db8::/32 fragment =dont-fragment", 0,
	    "ipv6-dont-fragment", FS_SEV_WARNING);
	silent("match destination 2001:db8::/32 fragment =is-fragment", 0,
	    "ipv6-dont-fragment");
	silent("match destination 10.0.0.0/8 fragment =dont-fragment", 0,
	    "ipv6-dont-fragment");
}
END_TEST

START_TEST(redirect_reserved_as)
{
	struct fs_findings f;

	lint(RULES("match destination 10.0.0.0/8 then redirect 65535:100"), 0,
	    NULL, &f);
	ck_assert_ptr_nonnull(strstr(expect(&f, "redirect-reserved-as", 0,
	    FS_SEV_WARNING)->message, "GoBGP"));
	fs_findings_free(&f);
	silent("match destination 10.0.0.0/8 then redirect 65000:100", 0,
	    "redirect-reserved-as");
	/* A real 4-octet AS, encoded as such. */
	silent("match destination 10.0.0.0/8 then redirect 4200000000:100", 0,
	    "redirect-reserved-as");
}
END_TEST

START_TEST(no_action)
{
	fires("match destination 10.0.0.0/8", 0, "no-action", FS_SEV_INFO);
	silent("match destination 10.0.0.0/8 then mark 10", 0, "no-action");
}
END_TEST

START_TEST(transport)
{
	fires("match protocol ==icmp destination-port ==80", 0,
	    "ports-without-transport", FS_SEV_WARNING);
	fires("match protocol ==gre port ==80", 0, "ports-without-transport",
	    FS_SEV_WARNING);
	silent("match protocol ==icmp ==tcp destination-port ==80", 0,
	    "ports-without-transport");
	silent("match protocol ==132 source-port ==80", 0,
	    "ports-without-transport");
	silent("match destination-port ==80", 0, "ports-without-transport");
	/* A protocol that matches nothing is reported once, as contradictory. */
	silent("match protocol >=100&<=50 destination-port ==80", 0,
	    "ports-without-transport");
	fires("match protocol ==tcp icmp-type ==8", 0, "icmp-without-icmp",
	    FS_SEV_WARNING);
	silent("match protocol ==icmp icmp-type ==8", 0, "icmp-without-icmp");
	silent("match destination 2001:db8::/32 protocol ==58 icmp-type ==128",
	    0, "icmp-without-icmp");
	silent("match icmp-code ==0", 0, "icmp-without-icmp");
	/* ICMP is protocol 1 in IPv4 and next header 58 in IPv6, not either. */
	fires("match destination 2001:db8::/32 next-header icmp icmp-type 128", 0,
	    "icmp-without-icmp", FS_SEV_WARNING);
	fires("match destination 192.0.2.0/24 protocol icmpv6 icmp-type 8", 0,
	    "icmp-without-icmp", FS_SEV_WARNING);
}
END_TEST

START_TEST(clean_rule)
{
	struct fs_findings f;

	lint(RULES("match destination 192.0.2.0/24 protocol ==tcp "
	    "destination-port ==80 ==443 tcp-flags =S&!A packet-length <=1500 "
	    "then rate-limit 125000"), 0, NULL, &f);
	ck_assert_msg(f.n == 0, "a sound rule drew %s: %s",
	    f.n ? f.v[0].code : "", f.n ? f.v[0].message : "");
	fs_findings_free(&f);
}
END_TEST

START_TEST(api)
{
	struct fs_findings f = { 0 };
	struct fs_ruleset set;

	ck_assert_str_eq(fs_severity_name(FS_SEV_ERROR), "error");
	ck_assert_str_eq(fs_severity_name(FS_SEV_WARNING), "warning");
	ck_assert_str_eq(fs_severity_name(FS_SEV_INFO), "info");
	ck_assert_str_eq(fs_severity_name((enum fs_severity)42), "?");
	errno = 0;
	ck_assert_int_eq(fs_lint(NULL, NULL, &f), -1);
	ck_assert_int_eq(errno, EINVAL);
	fs_ruleset_init(&set);
	ck_assert_int_eq(fs_lint(&set, NULL, NULL), -1);
	ck_assert_int_eq(fs_lint(&set, NULL, &f), 0);
	ck_assert_uint_eq(f.n, 0);
	/* Findings come in rule order. */
	lint(RULES("match destination 10.0.0.0/8",
	    "match destination 0.0.0.0/0 then discard"), 0, NULL, &f);
	ck_assert_uint_eq(f.n, 2);
	ck_assert_uint_eq(f.v[0].rule, 0);
	ck_assert_uint_eq(f.v[1].rule, 1);
	fs_findings_free(&f);
	ck_assert_ptr_null(f.v);
	ck_assert_uint_eq(f.n, 0);
	fs_ruleset_free(&set);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lint");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, incident_2013);
	tcase_add_test(tc, packet_length_limits);
	tcase_add_test(tc, packet_length_range);
	tcase_add_test(tc, field_ranges);
	tcase_add_test(tc, contradictory_terms);
	tcase_add_test(tc, offset_beyond_prefix);
	tcase_add_test(tc, matches_all);
	tcase_add_test(tc, rate_limit_zero);
	tcase_add_test(tc, rate_limit_zero_in_other_syntaxes);
	tcase_add_test(tc, duplicate_and_conflicting);
	tcase_add_test(tc, shadowed);
	tcase_add_test(tc, pairs_among_many);
	tcase_add_test(tc, entry_cost);
	tcase_add_test(tc, ipv6_dont_fragment);
	tcase_add_test(tc, redirect_reserved_as);
	tcase_add_test(tc, no_action);
	tcase_add_test(tc, transport);
	tcase_add_test(tc, clean_rule);
	tcase_add_test(tc, api);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
