/*
 * test_interop_gobgp.c - flowcanary and GoBGP 3.10 (gobgpd), both ways.
 *
 * flowcanary_to_gobgp: `flowcanary inject` announces every single-rule
 * vector of flowspec-nlri.jsonl to a passive gobgpd; GoBGP's RIB
 * (`gobgp global rib -j`) is read back into rules, operator octets and
 * extended communities included, and compared rule by rule.
 *
 * gobgp_to_flowcanary: gobgpd, active, announces the GoBGP-sourced vectors
 * (added with `gobgp global rib add`) to `flowcanary listen`, whose
 * "announce" lines are parsed and compared; a `gobgp ... del` must show as
 * one "withdraw".
 *
 * A RIB holds one path per NLRI and peer, and several vectors share a match
 * (nine for destination 203.0.113.7/32, one per action).  So rules are
 * sent in layers: layer k holds the k-th rule of each match (the rules
 * whose round is k).  Towards GoBGP each layer is its own session from its
 * own address (GoBGP keeps a path per neighbor); from GoBGP the layers are
 * added one after the other, each replacing the last and each showing as
 * its own "announce".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flowspec/ecomm.h"
#include "flowspec/text.h"
#include "gobgp_view.h"
#include "harness.h"
#include "listen_view.h"
#include "support.h"

#define API_PORT 50551		/* gobgpd's gRPC API, on namespace b's loopback */
#define EXTRA_NET "10.203.1."	/* more flowcanary addresses, one per session */

/* Returns true if `r` carries a 4-octet-AS redirect. */
static bool
has_as4_redirect(const struct fs_rule *r)
{
	for (unsigned i = 0; i < r->nactions; i++)
		if (fs_ec_kind(&r->actions[i]) == FS_EC_REDIRECT_AS4)
			return true;
	return false;
}

/* Appends a copy of `r` to the rule array `a` (GArray of struct fs_rule). */
static void
push_rule(GArray *a, const struct fs_rule *r)
{
	struct fs_rule c;
	fs_rule_init(&c, r->family);
	ck_assert_int_eq(fs_rule_copy(&c, r), 0);
	g_array_append_val(a, c);
}

static void
free_rule_array(GArray *a)
{
	for (guint i = 0; i < a->len; i++)
		fs_rule_free(&g_array_index(a, struct fs_rule, i));
	g_array_free(a, TRUE);
}

/* Returns the device of namespace `ns` that holds `ip` (g_free), or NULL. */
static char *
lab_dev(const char *ns, const char *ip)
{
	char *to = g_strdup_printf("%s/32", ip);
	const char *argv[] = { "/usr/sbin/ip", "-o", "-4", "addr", "show", "to", to, NULL };
	int st;
	char *out = it_run(ns, argv, &st, 10);
	gchar **f = g_strsplit_set(out, " \t", -1);
	char *dev = NULL;
	/* "2: fcv123a    inet 10.203.0.1/30 ..." */
	for (size_t i = 1, n = 0; f[0] != NULL && f[i] != NULL; i++)
		if (f[i][0] != '\0' && ++n == 1)
			dev = g_strdup(f[i]);
	g_strfreev(f);
	g_free(out);
	g_free(to);
	return dev;
}

/* Runs `ip ARGS...` on the host; returns true on success. */
static bool
ip_cmd(const char *a1, const char *a2, const char *a3, const char *a4,
    const char *a5, const char *a6, const char *a7, const char *a8)
{
	const char *argv[] = { "/usr/sbin/ip", a1, a2, a3, a4, a5, a6, a7, a8, NULL };
	int st;
	g_free(it_run(NULL, argv, &st, 10));
	return st == 0;
}

static bool
api_up(struct it_lab *lab, void *ud)
{
	(void)ud;
	const char *argv[] = { GV_GOBGP, "-p", G_STRINGIFY(API_PORT), "global", NULL };
	int st;
	g_free(it_run(lab->ns_b, argv, &st, 5));
	return st == 0;
}

/* Starts gobgpd in namespace b with the lab file `conf`; waits for its API. */
static GPid
start_gobgpd(struct it_lab *lab, const char *conf, GString *fail)
{
	char *path = it_path(lab, conf);
	const char *argv[] = { GV_GOBGPD, "-f", path, "--api-hosts",
		"127.0.0.1:" G_STRINGIFY(API_PORT), "--pprof-disable", "--log-plain", NULL };
	GPid pid = it_spawn(lab, lab->ns_b, "gobgpd.log", argv, NULL);
	if (!it_wait(api_up, lab, NULL, 20))
		g_string_append_printf(fail, "\ngobgpd's API (127.0.0.1:%d) did not "
		    "answer within 20 s", API_PORT);
	g_free(path);
	return pid;
}

static const char neighbor_conf[] =
    "\n[[neighbors]]\n"
    "  [neighbors.config]\n"
    "    neighbor-address = \"%s\"\n"
    "    peer-as = %d\n"
    "  [neighbors.timers.config]\n"
    "    connect-retry = 1\n"
    "    hold-time = 30\n"
    "    keepalive-interval = 10\n"
    "  [neighbors.transport.config]\n"
    "%s"
    "  [[neighbors.afi-safis]]\n"
    "    [neighbors.afi-safis.config]\n"
    "      afi-safi-name = \"ipv4-flowspec\"\n"
    "  [[neighbors.afi-safis]]\n"
    "    [neighbors.afi-safis.config]\n"
    "      afi-safi-name = \"ipv6-flowspec\"\n";

/* ---- flowcanary inject -> gobgpd ---------------------------------------- */

/*
 * What GoBGP 3.10 holds for a rule whose IPv6 prefix has an offset, sent in
 * the RFC 8956 form (the pattern holds only bits offset..length).  GoBGP
 * reads the pre-RFC form (ceil(length/8) octets from bit 0), so the prefix
 * does not decode: it keeps the components before it, turns the rest of the
 * NLRI into an opaque "unknown" component (the octets in decimal), and
 * still installs the path (Received 1, Accepted 1).  Its API then cannot
 * express the path at all: "nlri" and "attrs" are null in the JSON (the
 * rule's actions are gone from the view), and the text view of `gobgp
 * global rib` dies with a nil-pointer panic.  Each rule goes alone in its
 * own session: with several such NLRIs in one UPDATE GoBGP reads one
 * NLRI's prefix out of the next NLRI's octets.
 */
static const struct {
	const char *rule;	/* vector text */
	const char *key;	/* GoBGP's key for the path it installs */
} gobgp_offset_view[] = {
	{ "match destination 2001:db8::/32 source ::1234:5678:9a00:0/104 offset 64 protocol ==tcp",
	  /* 02 68 40 123456789a 038106 */
	  "[destination: 2001:db8::/32/0][unknown:[2 104 64 18 52 86 120 154 3 129 6]]" },
	{ "match destination 2001:db8::/32 source ::1234:5678:9a00:0/104 offset 65",
	  /* 02 68 41 2468acf134 */
	  "[destination: 2001:db8::/32/0][unknown:[2 104 65 36 104 172 241 52]]" },
	{ "match destination 2001:db8::/64 offset 32 then discard",
	  /* 01 40 20 00000000 */
	  "[unknown:[1 64 32 0 0 0 0]]" },
};

struct session {
	char addr[24];		/* flowcanary's source address */
	char file[32];		/* its rule file in the lab */
	char log[32];
	GPid pid;		/* its flowcanary inject */
	GArray *rules;		/* struct fs_rule sent */
	GString *text;		/* the same, as the vectors write them */
	const char *offset_key;	/* set: one offset rule, and GoBGP's key for it */
	const char *offset_rule;
};

/* Returns how many paths GoBGP's RIB holds in both families, or -1. */
static int
rib_paths(struct it_lab *lab)
{
	int st4, st6;
	char *j4 = gv_rib_json(lab->ns_b, API_PORT, FS_IPV4, &st4);
	char *j6 = gv_rib_json(lab->ns_b, API_PORT, FS_IPV6, &st6);
	int n4 = st4 == 0 ? gv_rib_count(j4) : -1, n6 = st6 == 0 ? gv_rib_count(j6) : -1;
	g_free(j4);
	g_free(j6);
	return n4 >= 0 && n6 >= 0 ? n4 + n6 : -1;
}

START_TEST(flowcanary_to_gobgp)
{
	it_require(GV_GOBGPD, "gobgpd");
	it_require(GV_GOBGP, "gobgpd");

	struct it_lab lab;
	it_lab_up(&lab);
	GString *fail = g_string_new(NULL);
	GArray *vecs = it_load_vectors(false, NULL, 0);
	GArray *sess = g_array_new(FALSE, TRUE, sizeof(struct session));
	unsigned nlayers = 0, total = 0;
	GPtrArray *logs = g_ptr_array_new();
	g_ptr_array_add(logs, "gobgpd.log");

	/* Layers for the rules GoBGP can represent; a session per offset rule. */
	for (guint i = 0; i < vecs->len; i++) {
		struct it_vec *x = &g_array_index(vecs, struct it_vec, i);
		if (!it_has_offset(&x->rule) && x->round + 1 > nlayers)
			nlayers = x->round + 1;
	}
	for (unsigned l = 0; l < nlayers; l++) {
		struct session s = { .rules = g_array_new(FALSE, TRUE, sizeof(struct fs_rule)),
			.text = g_string_new(NULL) };
		g_array_append_val(sess, s);
	}
	for (guint i = 0; i < vecs->len; i++) {
		struct it_vec *x = &g_array_index(vecs, struct it_vec, i);
		if (!it_has_offset(&x->rule)) {
			struct session *ss = &g_array_index(sess, struct session, x->round);
			push_rule(ss->rules, &x->rule);
			g_string_append_printf(ss->text, "%s\n", x->text);
			continue;
		}
		struct session s = { .rules = g_array_new(FALSE, TRUE, sizeof(struct fs_rule)),
			.text = g_string_new(NULL), .offset_rule = x->text };
		g_string_append_printf(s.text, "%s\n", x->text);
		for (size_t k = 0; k < G_N_ELEMENTS(gobgp_offset_view); k++)
			if (strcmp(gobgp_offset_view[k].rule, x->text) == 0)
				s.offset_key = gobgp_offset_view[k].key;
		ck_assert_msg(s.offset_key != NULL, "vector line %u (%s) has an IPv6 "
		    "offset: add what GoBGP holds for it to gobgp_offset_view", x->line,
		    x->text);
		push_rule(s.rules, &x->rule);
		g_array_append_val(sess, s);
	}
	ck_assert_uint_lt(sess->len, 250);

	/* Session 0 comes from IT_IP_A, the others from addresses added to the veth. */
	GString *conf = g_string_new(NULL);
	g_string_append_printf(conf, "[global.config]\n  as = %d\n  router-id = \"%s\"\n"
	    "  port = 179\n  local-address-list = [\"%s\"]\n", IT_AS_B, IT_IP_B, IT_IP_B);
	char *dev_a = lab_dev(lab.ns_a, IT_IP_A), *dev_b = lab_dev(lab.ns_b, IT_IP_B);
	ck_assert_msg(dev_a && dev_b, "cannot find the lab's veth devices");
	if (sess->len > 1)
		ck_assert_msg(ip_cmd("-n", lab.ns_b, "addr", "add", EXTRA_NET "254/24",
		    "dev", dev_b, NULL), "cannot add " EXTRA_NET "254/24 in %s", lab.ns_b);
	for (guint s = 0; s < sess->len; s++) {
		struct session *ss = &g_array_index(sess, struct session, s);
		if (s == 0) {
			g_strlcpy(ss->addr, IT_IP_A, sizeof ss->addr);
		} else {
			snprintf(ss->addr, sizeof ss->addr, EXTRA_NET "%u", s);
			char *cidr = g_strdup_printf("%s/24", ss->addr);
			ck_assert_msg(ip_cmd("-n", lab.ns_a, "addr", "add", cidr, "dev",
			    dev_a, NULL), "cannot add %s in %s", cidr, lab.ns_a);
			g_free(cidr);
		}
		g_string_append_printf(conf, neighbor_conf, ss->addr, IT_AS_A,
		    "    passive-mode = true\n");
		/* The rule file: one-line rules, as the vectors write them. */
		if (s == 0)
			g_strlcpy(ss->file, "vectors.rules", sizeof ss->file);
		else
			snprintf(ss->file, sizeof ss->file, "vectors-%u.rules", s);
		g_free(it_write(&lab, ss->file, ss->text->str, 0644));
		total += ss->rules->len;
	}
	g_free(it_write(&lab, "gobgpd.toml", conf->str, 0644));
	g_string_free(conf, TRUE);

	start_gobgpd(&lab, "gobgpd.toml", fail);
	if (fail->len)
		goto out;
	for (guint s = 0; s < sess->len; s++) {
		struct session *ss = &g_array_index(sess, struct session, s);
		snprintf(ss->log, sizeof ss->log, "inject-%u.log", s);
		g_ptr_array_add(logs, ss->log);
		ss->pid = it_inject_start(&lab, ss->file, ss->addr, ss->log);
	}

	struct it_count_wait w = { .count = rib_paths, .want = (int)total };
	if (!it_wait(it_count_reached, &lab, &w, 30)) {
		g_string_append_printf(fail, "\nGoBGP holds %d paths after 30 s, "
		    "%d were sent in %u sessions", w.have, w.want, sess->len);
		goto out;
	}

	/* GoBGP's view, back into rules. */
	struct gv_rib rib;
	gv_rib_init(&rib);
	for (int fam = FS_IPV4; fam <= FS_IPV6; fam++) {
		int st;
		char *j = gv_rib_json(lab.ns_b, API_PORT, fam, &st);
		if (st != 0)
			g_string_append_printf(fail, "\n`gobgp global rib -a %s-flowspec -j` "
			    "exited with %d", fs_family_name(fam), st);
		else if (!gv_rib_parse(&rib, j, fam, fail))
			g_string_append(fail, "\n(GoBGP's RIB has a path this test cannot read)");
		g_free(j);
	}

	for (guint s = 0; s < sess->len; s++) {
		struct session *ss = &g_array_index(sess, struct session, s);
		GArray *got = g_array_new(FALSE, TRUE, sizeof(struct fs_rule));
		unsigned opaque = 0;
		for (guint i = 0; i < rib.rules->len; i++)
			if (strcmp(g_ptr_array_index(rib.rule_peer, i), ss->addr) == 0)
				push_rule(got, &g_array_index(rib.rules, struct fs_rule, i));
		for (guint i = 0; i < rib.opaque_key->len; i++) {
			if (strcmp(g_ptr_array_index(rib.opaque_peer, i), ss->addr) != 0)
				continue;
			opaque++;
			if (ss->offset_key == NULL)
				g_string_append_printf(fail, "\nsession %u (%s): GoBGP holds a path "
				    "it cannot express: %s", s, ss->file,
				    (char *)g_ptr_array_index(rib.opaque_key, i));
			else if (strcmp(g_ptr_array_index(rib.opaque_key, i), ss->offset_key) != 0)
				g_string_append_printf(fail, "\n%s (RFC 8956 form): GoBGP holds "
				    "%s, expected %s", ss->offset_rule,
				    (char *)g_ptr_array_index(rib.opaque_key, i), ss->offset_key);
		}
		if (ss->offset_key != NULL) {
			/* GoBGP 3.10 misreads the RFC 8956 form: see gobgp_offset_view. */
			if (opaque != 1 || got->len != 0)
				g_string_append_printf(fail, "\n%s (RFC 8956 form): expected GoBGP "
				    "to hold it as one undecodable path (%s); it holds %u such "
				    "paths and %u decoded rules", ss->offset_rule, ss->offset_key,
				    opaque, got->len);
		} else {
			char *d = it_compare_rules((struct fs_rule *)(void *)ss->rules->data,
			    ss->rules->len, (struct fs_rule *)(void *)got->data, got->len);
			if (d != NULL)
				g_string_append_printf(fail, "\nsession %u (%s, from %s): GoBGP's "
				    "RIB differs from what flowcanary sent:%s", s, ss->file,
				    ss->addr, d);
			g_free(d);
		}
		free_rule_array(got);
	}

	/*
	 * The 2013 rule: packet-length >=99971&<=99985 needs 4-octet values.
	 * GoBGP refuses to *send* it (at `gobgp global rib add`), but receives
	 * and installs it as sent: operator octets 0x23 and 0xe5 (size 4).
	 * The 4-octet-AS redirect (0x8208, AS 4200000000) is received right as
	 * well (GoBGP prints it in asdot, 64086.59904:100); GoBGP truncates it
	 * only when it sends one (see gobgp_to_flowcanary).  Both are part of
	 * the comparison above; the 2013 rule is checked by name here too.
	 */
	bool found_2013 = false;
	for (guint i = 0; i < rib.rules->len; i++) {
		const struct fs_rule *r = &g_array_index(rib.rules, struct fs_rule, i);
		const struct fs_component *c = fs_rule_find(r, FS_PKT_LEN);
		if (c == NULL || c->count != 2 || fs_comp_terms(r, c)[0].value != 99971)
			continue;
		found_2013 = true;
		if (fs_comp_terms(r, c)[0].size != 4 || fs_comp_terms(r, c)[1].size != 4)
			g_string_append_printf(fail, "\nGoBGP holds the 2013 rule with value "
			    "sizes %u and %u, expected 4", fs_comp_terms(r, c)[0].size,
			    fs_comp_terms(r, c)[1].size);
	}
	if (!found_2013)
		g_string_append(fail, "\nGoBGP does not hold the 2013 rule "
		    "(packet-length >=99971&<=99985)");
	fprintf(stderr, "flowcanary -> GoBGP: %u rules in %u sessions; GoBGP holds "
	    "%u decoded paths and %u it cannot express\n", total, sess->len,
	    rib.rules->len, rib.opaque_key->len);
	gv_rib_free(&rib);

out:
	/* Stop the injects (a sanitizer reports leaks at exit), then read their logs. */
	for (guint s = 0; s < sess->len; s++) {
		struct session *ss = &g_array_index(sess, struct session, s);
		if (ss->pid > 0)
			it_stop_checked(&lab, ss->pid, ss->log, fail);
	}
	g_ptr_array_add(logs, NULL);
	it_finish(&lab, fail, (const char *const *)logs->pdata);
	g_ptr_array_free(logs, TRUE);
	for (guint s = 0; s < sess->len; s++) {
		free_rule_array(g_array_index(sess, struct session, s).rules);
		g_string_free(g_array_index(sess, struct session, s).text, TRUE);
	}
	g_array_free(sess, TRUE);
	it_free_vectors(vecs);
	g_free(dev_a);
	g_free(dev_b);
}
END_TEST

/* ---- gobgpd -> flowcanary listen ---------------------------------------- */

struct listen_wait {
	unsigned announce, malformed, withdraw;
	unsigned have_announce, have_malformed, have_withdraw;
};

static bool
listen_reached(struct it_lab *lab, void *ud)
{
	struct listen_wait *w = ud;
	w->have_announce = it_count_events(lab, "listen.log", "announce", NULL);
	w->have_malformed = it_count_events(lab, "listen.log", "malformed", NULL);
	w->have_withdraw = it_count_events(lab, "listen.log", "withdraw", NULL);
	return w->have_announce >= w->announce && w->have_malformed >= w->malformed &&
	    w->have_withdraw >= w->withdraw;
}

/*
 * The pre-RFC 8956 form GoBGP 3.10 sends for destination 2001:db8::/64
 * offset 32: all 64 bits of the prefix from bit 0 (the vector's note).
 */
#define GOBGP_PRE_RFC8956_HEX "0b01402020010db800000000"

START_TEST(gobgp_to_flowcanary)
{
	it_require(GV_GOBGPD, "gobgpd");
	it_require(GV_GOBGP, "gobgpd");

	struct it_lab lab;
	it_lab_up(&lab);
	GString *fail = g_string_new(NULL);
	GArray *vecs = it_load_vectors(false, NULL, 0);
	GArray *want = g_array_new(FALSE, TRUE, sizeof(struct fs_rule));
	unsigned nlayers = 0, nmalformed = 0;
	const struct it_vec *withdrawn = NULL;
	const char *logs[] = { "gobgpd.log", "listen.log", NULL };

	GPid listen = it_listen_start(&lab, "listen.log");

	/*
	 * The rules: those GoBGP produced for the vectors, the 4-octet-AS
	 * redirect, and the IPv6 offset rules (GoBGP sends those pre-RFC 8956).
	 */
	for (guint i = 0; i < vecs->len; i++) {
		struct it_vec *x = &g_array_index(vecs, struct it_vec, i);
		bool use = g_str_has_prefix(x->source, "GoBGP") ||
		    has_as4_redirect(&x->rule) || it_has_offset(&x->rule);
		if (!use) {
			x->round = G_MAXUINT;
			continue;
		}
		/* Layers again, among the chosen rules only. */
		x->round = 0;
		for (guint k = 0; k < i; k++) {
			struct it_vec *e = &g_array_index(vecs, struct it_vec, k);
			if (e->round != G_MAXUINT && e->rule.family == x->rule.family &&
			    fs_rule_match_equal(&e->rule, &x->rule))
				x->round++;
		}
		if (x->round + 1 > nlayers)
			nlayers = x->round + 1;
		if (it_has_offset(&x->rule)) {
			nmalformed++;
			continue;
		}
		struct fs_rule r;
		fs_rule_init(&r, x->rule.family);
		ck_assert_int_eq(fs_rule_copy(&r, &x->rule), 0);
		if (has_as4_redirect(&r)) {
			/*
			 * GoBGP 3.10 deviation: `redirect 4200000000:100` is accepted
			 * by the CLI and sent as a 2-octet-AS redirect with the AS
			 * truncated to 65535 (8008ffff00000064), not as 0x8208.
			 */
			for (unsigned a = 0; a < r.nactions; a++)
				if (fs_ec_kind(&r.actions[a]) == FS_EC_REDIRECT_AS4)
					fs_ec_redirect_as2(&r.actions[a], 65535, 100);
		}
		g_array_append_val(want, r);
	}
	/* The rule to delete: IPv4, a destination only, a match no other rule has. */
	for (guint i = 0; i < vecs->len && withdrawn == NULL; i++) {
		struct it_vec *x = &g_array_index(vecs, struct it_vec, i);
		bool unique = x->round == 0 && x->rule.family == FS_IPV4 &&
		    x->rule.ncomp == 1 && fs_rule_find(&x->rule, FS_DST) != NULL;
		for (guint k = 0; unique && k < vecs->len; k++) {
			struct it_vec *e = &g_array_index(vecs, struct it_vec, k);
			unique = k == i || e->round == G_MAXUINT ||
			    e->rule.family != x->rule.family ||
			    !fs_rule_match_equal(&e->rule, &x->rule);
		}
		if (unique)
			withdrawn = x;
	}
	ck_assert_msg(withdrawn != NULL, "no rule to withdraw among the vectors");

	GString *conf = g_string_new(NULL);
	g_string_append_printf(conf, "[global.config]\n  as = %d\n  router-id = \"%s\"\n"
	    "  port = -1\n", IT_AS_B, IT_IP_B);
	g_string_append_printf(conf, neighbor_conf, IT_IP_A, IT_AS_A,
	    "    local-address = \"" IT_IP_B "\"\n");
	g_free(it_write(&lab, "gobgpd.toml", conf->str, 0644));
	g_string_free(conf, TRUE);
	start_gobgpd(&lab, "gobgpd.toml", fail);
	if (fail->len)
		goto out;

	/* Layer by layer: add, then wait for listen to print them. */
	struct listen_wait w = { 0 };
	for (unsigned l = 0; l < nlayers && fail->len == 0; l++) {
		for (guint i = 0; i < vecs->len; i++) {
			struct it_vec *x = &g_array_index(vecs, struct it_vec, i);
			if (x->round != l)
				continue;
			gchar **args = gv_cli_args(x->text, false);
			GPtrArray *argv = g_ptr_array_new();
			const char *pre[] = { GV_GOBGP, "-p", G_STRINGIFY(API_PORT), "global",
				"rib", "-a", x->rule.family == FS_IPV6 ? "ipv6-flowspec" :
				"ipv4-flowspec", "add", NULL };
			for (size_t k = 0; pre[k] != NULL; k++)
				g_ptr_array_add(argv, (gpointer)pre[k]);
			for (size_t k = 0; args[k] != NULL; k++)
				g_ptr_array_add(argv, args[k]);
			g_ptr_array_add(argv, NULL);
			int st;
			char *out = it_run(lab.ns_b, (const char *const *)argv->pdata, &st, 10);
			if (st != 0)
				g_string_append_printf(fail, "\n`gobgp global rib add` refused "
				    "vector line %u (%s): status %d %s", x->line, x->text, st, out);
			g_free(out);
			g_ptr_array_free(argv, TRUE);
			g_strfreev(args);
			if (it_has_offset(&x->rule))
				w.malformed++;
			else
				w.announce++;
		}
		/* The first layer waits for GoBGP's connect delay too (up to ~10 s). */
		if (!it_wait(listen_reached, &lab, &w, l == 0 ? 40 : 10))
			g_string_append_printf(fail, "\nlayer %u: listen printed %u announce "
			    "and %u malformed lines, expected %u and %u", l,
			    w.have_announce, w.have_malformed, w.announce, w.malformed);
	}
	if (fail->len)
		goto out;

	size_t ngot = lv_expect_rules(&lab, "listen.log", "announce",
	    (struct fs_rule *)(void *)want->data, want->len, "the rules listen "
	    "received from GoBGP differ from what was added", fail);
	lv_expect_conformant(&lab, "listen.log", fail);

	JsonArray *ann = lv_select(&lab, "listen.log", "announce", NULL, NULL);
	for (guint i = 0; i < json_array_get_length(ann); i++) {
		JsonObject *o = json_array_get_object_element(ann, i);
		JsonArray *ecs = json_object_get_array_member(o, "ext_communities_hex");
		for (guint e = 0; ecs != NULL && e < json_array_get_length(ecs); e++)
			if (g_str_has_prefix(json_array_get_string_element(ecs, e), "8208"))
				g_string_append(fail, "\nGoBGP sent a 4-octet-AS redirect: "
				    "GoBGP 3.10 is known to truncate it to 65535 (update the test?)");
	}
	json_array_unref(ann);
	JsonArray *trunc = lv_select(&lab, "listen.log", "announce", "rule",
	    "match destination 203.0.113.7/32 then redirect 65535:100");
	if (json_array_get_length(trunc) != 1)
		g_string_append_printf(fail, "\nexpected GoBGP to send redirect "
		    "4200000000:100 truncated to 65535:100 once; listen printed it %u times",
		    json_array_get_length(trunc));
	json_array_unref(trunc);

	/* Every offset rule arrives in the pre-RFC 8956 form, reported as such. */
	JsonArray *mal = lv_select(&lab, "listen.log", "malformed", NULL, NULL);
	bool seen_hex = false;
	for (guint i = 0; i < json_array_get_length(mal); i++) {
		JsonObject *o = json_array_get_object_element(mal, i);
		const char *code = json_object_get_string_member_with_default(o, "code", "");
		const char *hex = json_object_get_string_member_with_default(o, "nlri_hex", "");
		if (strcmp(code, "pre-rfc8956-prefix") != 0 ||
		    strcmp(json_object_get_string_member_with_default(o, "family", ""), "ipv6") != 0) {
			char *t = lv_text(o);
			g_string_append_printf(fail, "\nexpected code pre-rfc8956-prefix "
			    "(ipv6): %s", t);
			g_free(t);
		}
		seen_hex |= strcmp(hex, GOBGP_PRE_RFC8956_HEX) == 0;
	}
	if (json_array_get_length(mal) != nmalformed || !seen_hex)
		g_string_append_printf(fail, "\nexpected %u malformed lines, one with "
		    "nlri_hex %s; listen printed %u", nmalformed, GOBGP_PRE_RFC8956_HEX,
		    json_array_get_length(mal));
	json_array_unref(mal);
	if (it_count_events(&lab, "listen.log", "update-error", NULL) != 0)
		g_string_append(fail, "\nlisten reported an update-error");

	fprintf(stderr, "GoBGP -> flowcanary: %u rules added in %u layers; listen "
	    "printed %zu announce and %u malformed lines\n", want->len + nmalformed,
	    nlayers, ngot, it_count_events(&lab, "listen.log", "malformed", NULL));

	/* Withdraw one rule: exactly one "withdraw" line, for exactly it. */
	{
		gchar **args = gv_cli_args(withdrawn->text, true);
		GPtrArray *argv = g_ptr_array_new();
		const char *pre[] = { GV_GOBGP, "-p", G_STRINGIFY(API_PORT), "global",
			"rib", "-a", "ipv4-flowspec", "del", NULL };
		for (size_t k = 0; pre[k] != NULL; k++)
			g_ptr_array_add(argv, (gpointer)pre[k]);
		for (size_t k = 0; args[k] != NULL; k++)
			g_ptr_array_add(argv, args[k]);
		g_ptr_array_add(argv, NULL);
		int st;
		g_free(it_run(lab.ns_b, (const char *const *)argv->pdata, &st, 10));
		g_ptr_array_free(argv, TRUE);
		g_strfreev(args);
		if (st != 0)
			g_string_append_printf(fail, "\n`gobgp global rib del` failed (%d) "
			    "for %s", st, withdrawn->text);
		w.withdraw = 1;
		if (!it_wait(listen_reached, &lab, &w, 10))
			g_string_append_printf(fail, "\nno withdraw line within 10 s after "
			    "deleting %s", withdrawn->text);
		g_usleep(500000);	/* anything else withdrawn would show by now */
		size_t nw;
		struct fs_rule *wd = lv_rules(&lab, "listen.log", "withdraw", &nw, fail);
		if (nw != 1 || !fs_rule_match_equal(&wd[0], &withdrawn->rule) ||
		    wd[0].nactions != 0) {
			char *t = nw ? fs_print_rule_alloc(&wd[0]) : NULL;
			g_string_append_printf(fail, "\nexpected one withdraw of \"%s\" "
			    "(match only); listen printed %zu, the first \"%s\"",
			    withdrawn->text, nw, t ? t : "");
			free(t);
		}
		it_free_rules(wd, nw);
	}

out:
	it_stop_checked(&lab, listen, "listen.log", fail);
	free_rule_array(want);
	it_free_vectors(vecs);
	it_finish(&lab, fail, logs);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("interop_gobgp");
	TCase *tc = tcase_create("gobgp");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, flowcanary_to_gobgp);
	tcase_add_test(tc, gobgp_to_flowcanary);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
