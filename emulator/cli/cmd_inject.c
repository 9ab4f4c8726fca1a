/*
 * cmd_inject.c - flowcanary inject: announce a rule file to one peer.
 *
 * The session connects (retrying with backoff until --connect-timeout),
 * sends every rule and End-of-RIB, then holds the session: for --hold
 * seconds, or until SIGINT/SIGTERM.  With --withdraw the rules are
 * withdrawn before the session is closed with a Cease; closing alone also
 * makes the peer drop them, but an explicit withdraw is what a controller
 * does.
 */
#include <glib-unix.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>

#include "bgp/session.h"
#include "bgp/wire.h"
#include "bgp_opts.h"
#include "cli.h"
#include "flowspec/ruleset.h"

struct inject {
	GMainLoop *loop;
	struct bgp_session *s;
	size_t nrules;
	unsigned rule_families;
	double hold;			/* seconds; < 0: until a signal */
	bool withdraw;
	bool json;
	int exit;
	bool sent, closing;
	gint64 t_start, t_established, t_sent;
	char reason[400];
	guint hold_timer, connect_timer;
};

/* Withdraws if asked, then closes the session cleanly. */
static void
finish(struct inject *in, const char *why)
{
	if (in->closing)
		return;
	in->closing = true;
	if (in->withdraw && bgp_session_state(in->s) == BGP_ESTABLISHED) {
		bgp_session_withdraw_all(in->s);
		fprintf(stderr, "flowcanary inject: withdrew %zu rules\n", in->nrules);
	}
	bgp_session_stop(in->s, BGP_CEASE_ADMIN_SHUTDOWN, why);
}

static gboolean
on_hold_done(gpointer data)
{
	struct inject *in = data;
	in->hold_timer = 0;
	finish(in, "flowcanary inject: hold time over");
	return G_SOURCE_REMOVE;
}

static gboolean
on_signal(gpointer data)
{
	struct inject *in = data;
	if (in->closing) {
		/* A second signal: do not wait, and do not call it clean. */
		snprintf(in->reason, sizeof in->reason, "interrupted again before "
		    "the session was closed cleanly");
		in->exit = FC_EXIT_ENV;
		g_main_loop_quit(in->loop);
		return G_SOURCE_CONTINUE;
	}
	fprintf(stderr, "flowcanary inject: closing the session\n");
	finish(in, "flowcanary inject: interrupted");
	return G_SOURCE_CONTINUE;
}

static gboolean
on_connect_timeout(gpointer data)
{
	struct inject *in = data;
	in->connect_timer = 0;
	if (bgp_session_state(in->s) != BGP_ESTABLISHED && !in->sent) {
		char last[sizeof in->reason];
		g_strlcpy(last, bgp_session_last_error(in->s), sizeof last);
		g_snprintf(in->reason, sizeof in->reason, "no session with %s "
		    "before the connect timeout%s%s", bgp_session_peer_name(in->s),
		    last[0] ? "; last: " : "", last);
		in->exit = FC_EXIT_ENV;
		g_main_loop_quit(in->loop);
	}
	return G_SOURCE_REMOVE;
}

static void
on_state(struct bgp_session *s, enum bgp_state from, enum bgp_state to, void *ud)
{
	struct inject *in = ud;
	const struct bgp_negotiated *n = bgp_session_negotiated(s);

	if (to != BGP_ESTABLISHED)
		return;
	in->t_established = g_get_monotonic_time();
	fprintf(stderr, "flowcanary inject: established with %s (AS %u, hold "
	    "%u s%s%s); sending %zu rules\n", bgp_session_peer_name(s),
	    n->peer_as, n->hold_time, n->ext_message ? ", extended messages" : "",
	    n->as4 ? "" : ", 2-octet AS", in->nrules);
	unsigned missing = in->rule_families & ~n->families;
	if (missing != 0) {
		snprintf(in->reason, sizeof in->reason, "the peer does not accept "
		    "%s flowspec, which some rules need",
		    missing & BGP_FAM_BIT(FS_IPV6) ? "ipv6" : "ipv4");
		in->exit = FC_EXIT_ENV;
		finish(in, "flowcanary inject: family not negotiated");
	}
}

static void
on_drained(struct bgp_session *s, void *ud)
{
	struct inject *in = ud;

	/* Output drained while closing is the withdraw, not the rules. */
	if (in->sent || in->closing || bgp_session_state(s) != BGP_ESTABLISHED)
		return;
	in->sent = true;
	in->t_sent = g_get_monotonic_time();
	uint64_t updates, octets;
	bgp_session_counters(s, &updates, NULL, &octets);
	fprintf(stderr, "flowcanary inject: sent %zu rules in %" G_GUINT64_FORMAT
	    " UPDATEs (%" G_GUINT64_FORMAT " octets) and End-of-RIB in %.1f ms\n",
	    in->nrules, updates, octets,
	    (double)(in->t_sent - in->t_established) / 1000.0);
	if (in->hold >= 0 && !in->closing)
		in->hold_timer = g_timeout_add((guint)(in->hold * 1000),
		    on_hold_done, in);
}

static void
on_down(struct bgp_session *s, const struct bgp_down *d, void *ud)
{
	struct inject *in = ud;

	if (in->closing && !d->got_notification) {
		g_main_loop_quit(in->loop);
		return;
	}
	g_strlcpy(in->reason, d->reason, sizeof in->reason);
	/* A NOTIFICATION either way means a configuration the peer refuses. */
	if (d->was_established || d->got_notification || d->sent_notification) {
		in->exit = FC_EXIT_ENV;
		g_main_loop_quit(in->loop);
	}
}

static void
print_summary(const struct inject *in)
{
	uint64_t updates, octets;
	JsonBuilder *b = json_builder_new();

	bgp_session_counters(in->s, &updates, NULL, &octets);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "peer");
	json_builder_add_string_value(b, bgp_session_peer_name(in->s));
	json_builder_set_member_name(b, "rules");
	json_builder_add_int_value(b, (gint64)in->nrules);
	json_builder_set_member_name(b, "updates");
	json_builder_add_int_value(b, (gint64)updates);
	json_builder_set_member_name(b, "octets");
	json_builder_add_int_value(b, (gint64)octets);
	json_builder_set_member_name(b, "sent");
	json_builder_add_boolean_value(b, in->sent);
	json_builder_set_member_name(b, "withdrawn");
	json_builder_add_boolean_value(b, in->sent && in->withdraw && in->closing);
	json_builder_set_member_name(b, "connect_ms");
	json_builder_add_double_value(b, in->t_established ?
	    (double)(in->t_established - in->t_start) / 1000.0 : -1);
	json_builder_set_member_name(b, "send_ms");
	json_builder_add_double_value(b, in->sent ?
	    (double)(in->t_sent - in->t_established) / 1000.0 : -1);
	if (in->exit != FC_EXIT_PASS) {
		json_builder_set_member_name(b, "error");
		json_builder_add_string_value(b, in->reason);
	}
	json_builder_end_object(b);
	fc_print_json(json_builder_get_root(b));
	g_object_unref(b);
}

int
fc_cmd_inject(int argc, char **argv)
{
	gchar *peer = NULL, *local_as = NULL, *peer_as = NULL, *md5_file = NULL;
	gchar *hold_time = NULL, *router_id = NULL, *bind_addr = NULL;
	gchar *family_name = NULL;
	gdouble hold = -1, connect_timeout = 30, connect_retry = 1;
	gboolean withdraw = FALSE, json = FALSE;
	GOptionEntry entries[] = {
		{ "peer", 0, 0, G_OPTION_ARG_STRING, &peer, "the router: ADDR[:PORT] (port 179)", "ADDR" },
		{ "local-as", 0, 0, G_OPTION_ARG_STRING, &local_as, "our AS number", "N" },
		{ "peer-as", 0, 0, G_OPTION_ARG_STRING, &peer_as, "the router's AS number", "N" },
		{ "md5-key-file", 0, 0, G_OPTION_ARG_FILENAME, &md5_file,
		  "TCP MD5 key, from a file of mode 0600 (or $" FC_MD5_ENV ")", "FILE" },
		{ "hold", 0, 0, G_OPTION_ARG_DOUBLE, &hold,
		  "keep the rules announced this long after sending, then close "
		  "(default: until SIGINT/SIGTERM)", "SECONDS" },
		{ "withdraw", 0, 0, G_OPTION_ARG_NONE, &withdraw, "withdraw the rules before closing", NULL },
		{ "family", 'f', 0, G_OPTION_ARG_STRING, &family_name, "ipv4 or ipv6 for every rule", "FAMILY" },
		{ "hold-time", 0, 0, G_OPTION_ARG_STRING, &hold_time, "BGP hold time to offer (default 90)", "SECONDS" },
		{ "router-id", 0, 0, G_OPTION_ARG_STRING, &router_id, "BGP identifier (default: the local address)", "A.B.C.D" },
		{ "bind", 0, 0, G_OPTION_ARG_STRING, &bind_addr, "local address to connect from", "ADDR" },
		{ "connect-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &connect_timeout,
		  "give up if no session is up after this long (default 30)", "SECONDS" },
		{ "connect-retry", 0, 0, G_OPTION_ARG_DOUBLE, &connect_retry,
		  "first reconnect delay; it doubles after each failure, up to "
		  "120 s, each delay times a random 0.75..1 (default 1)", "SECONDS" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "print a JSON summary", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct bgp_session_config cfg = { 0 };
	struct fs_ruleset set;
	struct fs_error err = { 0 };
	struct bgp_md5_key key = { 0 };
	struct inject in = { .exit = FC_EXIT_PASS };
	int rc = FC_EXIT_USAGE, family;

	fs_ruleset_init(&set);
	if (!fc_parse_options("inject", "RULES...",
	    "Announces the rules of RULES to a BGP peer as flowspec, holds the "
	    "session, and closes it cleanly.", entries, &argc, &argv))
		goto out;
	if (argc < 2 || peer == NULL) {
		fprintf(stderr, "flowcanary inject: %s\n", peer == NULL ?
		    "--peer is required" : "no rule file given");
		goto out;
	}
	if (!fc_parse_endpoint("--peer", peer, BGP_PORT, &cfg.peer, &cfg.peer_len) ||
	    !fc_parse_asn("--local-as", local_as, false, &cfg.local_as) ||
	    !fc_parse_asn("--peer-as", peer_as, false, &cfg.peer_as) ||
	    !fc_parse_hold_time(hold_time, &cfg.hold_time, &cfg.hold_time_set) ||
	    !fc_parse_router_id(router_id, &cfg.router_id) ||
	    (family = fc_parse_family(family_name)) < 0)
		goto out;
	if ((cfg.peer.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&cfg.peer)->sin_port :
	    ((struct sockaddr_in6 *)&cfg.peer)->sin6_port) == 0) {
		fprintf(stderr, "flowcanary inject: --peer \"%s\": port 0 cannot "
		    "be connected to\n", peer);
		goto out;
	}
	if (bind_addr != NULL && !fc_parse_endpoint("--bind", bind_addr, 0,
	    &cfg.local, &cfg.local_len))
		goto out;
	/* Written so that NaN fails too: it would reach a guint cast. */
	if (!(connect_timeout > 0 && connect_timeout <= 1e6)) {
		fprintf(stderr, "flowcanary inject: --connect-timeout takes more "
		    "than 0 and at most 1000000 seconds\n");
		goto out;
	}
	if (!(hold >= 0 && hold <= 1e6) && hold != -1) {
		fprintf(stderr, "flowcanary inject: --hold takes 0 to 1000000 "
		    "seconds\n");
		goto out;
	}
	if (!(connect_retry >= 0.001 && connect_retry <= 120)) {
		fprintf(stderr, "flowcanary inject: --connect-retry takes 0.001 to "
		    "120 seconds\n");
		goto out;
	}
	cfg.retry_initial_ms = (unsigned)(connect_retry * 1000 + 0.5);
	for (int i = 1; i < argc; i++) {
		if (fs_ruleset_load_file(&set, argv[i], family, &err) < 0) {
			if (json)
				fc_print_json_error(&err);
			fc_print_error("inject", &err);
			rc = FC_EXIT_INPUT;
			goto out;
		}
	}
	int k = fc_load_md5("inject", md5_file, &key);
	if (k < 0) {
		rc = FC_EXIT_INPUT;
		goto out;
	}
	cfg.md5 = k > 0 ? &key : NULL;

	struct fs_rule *rules = g_new(struct fs_rule, set.n ? set.n : 1);
	for (size_t i = 0; i < set.n; i++) {
		rules[i] = set.v[i].rule;	/* shallow: the set owns the pools */
		in.rule_families |= BGP_FAM_BIT(set.v[i].rule.family);
	}
	cfg.families = in.rule_families ? in.rule_families :
	    BGP_FAM_BIT(FS_IPV4) | BGP_FAM_BIT(FS_IPV6);

	struct bgp_session_events ev = { .state = on_state, .down = on_down,
		.drained = on_drained };
	in.s = bgp_session_new(&cfg, &ev, &in);
	bgp_md5_key_wipe(&key);
	if (in.s == NULL) {
		g_free(rules);
		fprintf(stderr, "flowcanary inject: cannot create the session\n");
		rc = FC_EXIT_ENV;
		goto out;
	}
	if (bgp_session_announce(in.s, rules, set.n, &err) < 0) {
		struct fs_entry *e = &set.v[err.line - 1];
		fprintf(stderr, "flowcanary inject: %s:%u:%u: cannot encode: %s\n",
		    e->file, e->line, e->column, err.msg);
		g_free(rules);
		bgp_session_free(in.s);
		rc = FC_EXIT_INPUT;
		goto out;
	}
	g_free(rules);
	/* Rules with the same match are one route: the last one wins. */
	in.nrules = bgp_session_rib_out_size(in.s);
	if (in.nrules < set.n)
		fprintf(stderr, "flowcanary inject: %zu rules repeat the match of "
		    "a later rule and are replaced by it\n", set.n - in.nrules);
	in.hold = hold;
	in.withdraw = withdraw;
	in.json = json;
	in.loop = g_main_loop_new(NULL, FALSE);
	guint sig1 = g_unix_signal_add(SIGINT, on_signal, &in);
	guint sig2 = g_unix_signal_add(SIGTERM, on_signal, &in);
	in.connect_timer = g_timeout_add((guint)(connect_timeout * 1000),
	    on_connect_timeout, &in);
	in.t_start = g_get_monotonic_time();
	fprintf(stderr, "flowcanary inject: connecting to %s\n", peer);
	bgp_session_start(in.s);
	g_main_loop_run(in.loop);

	g_source_remove(sig1);
	g_source_remove(sig2);
	if (in.exit == FC_EXIT_PASS && !in.sent) {
		in.exit = FC_EXIT_ENV;
		snprintf(in.reason, sizeof in.reason, "stopped before the rules "
		    "were sent");
	}
	if (in.connect_timer)
		g_source_remove(in.connect_timer);
	if (in.hold_timer)
		g_source_remove(in.hold_timer);
	if (in.exit != FC_EXIT_PASS)
		fprintf(stderr, "flowcanary inject: %s\n", in.reason);
	else
		fprintf(stderr, "flowcanary inject: session closed\n");
	if (json)
		print_summary(&in);
	rc = in.exit;
	bgp_session_free(in.s);
	g_main_loop_unref(in.loop);
out:
	fs_ruleset_free(&set);
	g_free(peer);
	g_free(local_as);
	g_free(peer_as);
	g_free(md5_file);
	g_free(hold_time);
	g_free(router_id);
	g_free(bind_addr);
	g_free(family_name);
	return rc;
}
