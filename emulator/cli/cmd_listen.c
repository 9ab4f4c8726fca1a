/*
 * cmd_listen.c - flowcanary listen: a passive peer that reports, as one
 * JSON line each, every session event and every rule it receives.
 *
 * Lines are flushed as they are written so that a test or a pipeline can
 * react to each one.  What RFC 7606 made of a malformed UPDATE, and each
 * NLRI that could not be decoded, are reported too: finding speakers that
 * deviate from the RFCs is part of the job.
 */
#include <glib-unix.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bgp/session.h"
#include "bgp/wire.h"
#include "bgp_opts.h"
#include "cli.h"
#include "flowspec/nlri.h"

struct listen {
	GMainLoop *loop;
	struct bgp_session_config cfg;
	GPtrArray *sessions;
	bool quitting;		/* a signal came: sessions are being closed */
	guint quit_timer;
};

/* Starts an event line: {"event": NAME, "peer": PEER. */
static JsonBuilder *
event_begin(const char *name, struct bgp_session *s)
{
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "event");
	json_builder_add_string_value(b, name);
	if (s != NULL) {
		json_builder_set_member_name(b, "peer");
		json_builder_add_string_value(b, bgp_session_peer_name(s));
	}
	return b;
}

static void
event_end(JsonBuilder *b)
{
	json_builder_end_object(b);
	fc_print_json_line(json_builder_get_root(b));
	g_object_unref(b);
}

static void
add_str(JsonBuilder *b, const char *k, const char *v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_string_value(b, v);
}

static void
add_int(JsonBuilder *b, const char *k, gint64 v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_int_value(b, v);
}

static void
add_families(JsonBuilder *b, unsigned fams)
{
	json_builder_set_member_name(b, "families");
	json_builder_begin_array(b);
	for (int f = FS_IPV4; f <= FS_IPV6; f++)
		if (fams & BGP_FAM_BIT(f))
			json_builder_add_string_value(b, fs_family_name(f));
	json_builder_end_array(b);
}

/* Prints one announced or withdrawn rule. */
static void
print_rule(struct bgp_session *s, const char *event, const struct fs_rule *r,
    const struct bgp_update *u)
{
	uint8_t nlri[FS_NLRI_MAX_LEN + 2];
	struct fs_error err = { 0 };
	ssize_t n = fs_nlri_encode(r, nlri, sizeof nlri, &err);
	char *hex = fc_hex(nlri, n > 0 ? (size_t)n : 0);
	JsonBuilder *b = event_begin(event, s);

	fc_json_rule_members(b, r, hex);
	fc_json_notes(b, r->nonconform);
	if (u->as_path_len > 0) {
		json_builder_set_member_name(b, "as_path");
		json_builder_begin_array(b);
		for (unsigned i = 0; i < u->as_path_len; i++)
			json_builder_add_int_value(b, u->as_path[i]);
		json_builder_end_array(b);
	}
	event_end(b);
	g_free(hex);
}

static void
on_update(struct bgp_session *s, const struct bgp_update *u, void *ud)
{
	char text[320];
	/*
	 * A reset refuses the whole UPDATE: what was decoded before the
	 * error was never accepted, so only the error is reported.
	 */
	bool reset = u->err.action == BGP_ACT_RESET;

	for (size_t i = 0; i < u->nbad && !reset; i++) {
		const struct bgp_bad_nlri *bad = &u->bad[i];
		JsonBuilder *b = event_begin("malformed", s);
		char *hex = fc_hex(bad->octets, bad->len < BGP_BAD_NLRI_KEEP ?
		    bad->len : BGP_BAD_NLRI_KEEP);
		add_str(b, "family", fs_family_name(u->family));
		add_str(b, "code", fs_errcode_name(bad->err.code));
		add_str(b, "message", bad->err.msg);
		add_str(b, "nlri_hex", hex);
		add_int(b, "offset", (gint64)bad->offset);
		add_str(b, "action", bad->withdrawn ? "ignored" : "treat-as-withdraw");
		event_end(b);
		g_free(hex);
	}
	if (u->err.action != BGP_ACT_NONE) {
		JsonBuilder *b = event_begin("update-error", s);
		add_str(b, "action", bgp_action_name(u->err.action));
		snprintf(text, sizeof text, "%u/%u %s, %s", u->err.code,
		    u->err.subcode, bgp_err_code_name(u->err.code),
		    bgp_err_subcode_name(u->err.code, u->err.subcode));
		add_str(b, "error", text);
		add_str(b, "message", u->err.msg);
		add_int(b, "offset", (gint64)u->err.offset);
		event_end(b);
	}
	if (reset)
		return;
	for (size_t i = 0; i < u->nreach; i++)
		print_rule(s, "announce", &u->reach[i], u);
	for (size_t i = 0; i < u->nwithdrawn; i++)
		print_rule(s, "withdraw", &u->withdrawn[i], u);
	if (u->eor && u->family != 0) {
		JsonBuilder *b = event_begin("eor", s);
		add_str(b, "family", fs_family_name(u->family));
		event_end(b);
	}
}

static void
on_state(struct bgp_session *s, enum bgp_state from, enum bgp_state to, void *ud)
{
	if (to != BGP_ESTABLISHED)
		return;
	const struct bgp_negotiated *n = bgp_session_negotiated(s);
	JsonBuilder *b = event_begin("established", s);
	add_int(b, "peer_as", n->peer_as);
	add_families(b, n->families);
	add_int(b, "hold_time", n->hold_time);
	json_builder_set_member_name(b, "as4");
	json_builder_add_boolean_value(b, n->as4);
	json_builder_set_member_name(b, "ext_message");
	json_builder_add_boolean_value(b, n->ext_message);
	json_builder_set_member_name(b, "route_refresh");
	json_builder_add_boolean_value(b, n->route_refresh);
	event_end(b);
}

static void
on_down(struct bgp_session *s, const struct bgp_down *d, void *ud)
{
	struct listen *l = ud;
	JsonBuilder *b = event_begin("down", s);

	add_str(b, "reason", d->reason);
	if (d->sent_notification || d->got_notification) {
		char text[64];
		snprintf(text, sizeof text, "%u/%u", d->code, d->subcode);
		add_str(b, d->sent_notification ? "notification_sent" :
		    "notification_received", text);
	}
	json_builder_set_member_name(b, "was_established");
	json_builder_add_boolean_value(b, d->was_established);
	event_end(b);
	g_ptr_array_remove(l->sessions, s);	/* frees it */
	if (l->quitting && l->sessions->len == 0)
		g_main_loop_quit(l->loop);
}

static void
on_accept(int fd, const struct sockaddr *peer, socklen_t len, void *ud)
{
	struct listen *l = ud;
	struct bgp_session_events ev = { .state = on_state, .update = on_update,
		.down = on_down };
	struct bgp_session *s = l->quitting ? NULL :
	    bgp_session_new(&l->cfg, &ev, l);

	if (s == NULL) {
		close(fd);
		return;
	}
	g_ptr_array_add(l->sessions, s);
	if (bgp_session_attach(s, fd) < 0)
		g_ptr_array_remove(l->sessions, s);
}

static gboolean
on_quit_timeout(gpointer data)
{
	struct listen *l = data;
	l->quit_timer = 0;
	g_main_loop_quit(l->loop);
	return G_SOURCE_REMOVE;
}

/*
 * The first signal closes every session with a Cease, so that peers see
 * an orderly shutdown, and quits once they are down (at most 3 s); a
 * second signal quits at once.  Kept: fc_cmd_listen removes it.
 */
static gboolean
on_signal(gpointer data)
{
	struct listen *l = data;

	if (l->quitting || l->sessions->len == 0) {
		g_main_loop_quit(l->loop);
		return G_SOURCE_CONTINUE;
	}
	l->quitting = true;
	l->quit_timer = g_timeout_add(3000, on_quit_timeout, l);
	for (guint i = 0; i < l->sessions->len; i++)
		bgp_session_stop(l->sessions->pdata[i], BGP_CEASE_ADMIN_SHUTDOWN,
		    "flowcanary listen: shutting down");
	return G_SOURCE_CONTINUE;
}

int
fc_cmd_listen(int argc, char **argv)
{
	gchar *bind_addr = NULL, *local_as = NULL, *peer_as = NULL;
	gchar *md5_file = NULL, *hold_time = NULL, *router_id = NULL;
	gchar *family_name = NULL;
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "bind", 0, 0, G_OPTION_ARG_STRING, &bind_addr,
		  "where to listen: ADDR[:PORT] (default [::]:179, IPv4 too)", "ADDR" },
		{ "local-as", 0, 0, G_OPTION_ARG_STRING, &local_as, "our AS number", "N" },
		{ "peer-as", 0, 0, G_OPTION_ARG_STRING, &peer_as,
		  "accept only peers of this AS (default: any)", "N" },
		{ "md5-key-file", 0, 0, G_OPTION_ARG_FILENAME, &md5_file,
		  "TCP MD5 key every peer must use, from a file of mode 0600 "
		  "(or $" FC_MD5_ENV ")", "FILE" },
		{ "family", 'f', 0, G_OPTION_ARG_STRING, &family_name,
		  "offer only ipv4 or ipv6 flowspec (default: both)", "FAMILY" },
		{ "hold-time", 0, 0, G_OPTION_ARG_STRING, &hold_time, "BGP hold time to offer (default 90)", "SECONDS" },
		{ "router-id", 0, 0, G_OPTION_ARG_STRING, &router_id, "BGP identifier (default: the local address)", "A.B.C.D" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "accepted for symmetry: output is always JSON lines", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct listen l = { 0 };
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct bgp_md5_key key = { 0 };
	char err[512];
	int rc = FC_EXIT_USAGE, family;

	if (!fc_parse_options("listen", "",
	    "Waits for BGP peers and prints each flowspec rule they announce or "
	    "withdraw, and each session event, as one JSON line.", entries,
	    &argc, &argv))
		goto out;
	if (argc > 1) {
		fprintf(stderr, "flowcanary listen: unexpected argument \"%s\"\n", argv[1]);
		goto out;
	}
	if (!fc_parse_endpoint("--bind", bind_addr ? bind_addr : "[::]", BGP_PORT,
	    &ss, &sslen) ||
	    !fc_parse_asn("--local-as", local_as, false, &l.cfg.local_as) ||
	    !fc_parse_asn("--peer-as", peer_as, true, &l.cfg.peer_as) ||
	    !fc_parse_hold_time(hold_time, &l.cfg.hold_time, &l.cfg.hold_time_set) ||
	    !fc_parse_router_id(router_id, &l.cfg.router_id) ||
	    (family = fc_parse_family(family_name)) < 0)
		goto out;
	l.cfg.families = family ? BGP_FAM_BIT(family) :
	    BGP_FAM_BIT(FS_IPV4) | BGP_FAM_BIT(FS_IPV6);
	int k = fc_load_md5("listen", md5_file, &key);
	if (k < 0) {
		rc = FC_EXIT_INPUT;
		goto out;
	}

	l.loop = g_main_loop_new(NULL, FALSE);
	l.sessions = g_ptr_array_new_with_free_func((GDestroyNotify)bgp_session_free);
	/*
	 * The kernel holds the key from here on; passive sessions never need
	 * it, so it is wiped before any peer is accepted.
	 */
	struct bgp_listener *lis = bgp_listener_new((struct sockaddr *)&ss, sslen,
	    k > 0 ? &key : NULL, on_accept, &l, err, sizeof err);
	bgp_md5_key_wipe(&key);
	if (lis == NULL) {
		fprintf(stderr, "flowcanary listen: %s\n", err);
		rc = FC_EXIT_ENV;
		goto done;
	}
	/* Handlers first: whoever reads "listening" may signal at once. */
	guint sig1 = g_unix_signal_add(SIGINT, on_signal, &l);
	guint sig2 = g_unix_signal_add(SIGTERM, on_signal, &l);
	JsonBuilder *b = event_begin("listening", NULL);
	add_int(b, "port", bgp_listener_port(lis));
	add_int(b, "local_as", l.cfg.local_as);
	json_builder_set_member_name(b, "md5");
	json_builder_add_boolean_value(b, k > 0);
	event_end(b);
	g_main_loop_run(l.loop);
	g_source_remove(sig1);
	g_source_remove(sig2);
	if (l.quit_timer)
		g_source_remove(l.quit_timer);
	bgp_listener_free(lis);
	rc = FC_EXIT_PASS;
done:
	g_ptr_array_free(l.sessions, TRUE);
	g_main_loop_unref(l.loop);
out:
	bgp_md5_key_wipe(&key);
	g_free(bind_addr);
	g_free(local_as);
	g_free(peer_as);
	g_free(md5_file);
	g_free(hold_time);
	g_free(router_id);
	g_free(family_name);
	return rc;
}
