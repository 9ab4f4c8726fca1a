/*
 * kind_bird.c - BIRD 2: one bird per node, flow4 and flow6 tables, one
 * BGP protocol per session.
 *
 * Sessions are `direct`: every peer, the controller too, is on a link the
 * node shares with it, and iBGP would otherwise be multihop and wait for
 * a route to its neighbor.
 */
#include <stdio.h>

#include "kind_private.h"

/* Appends BIRD's name for session `k` to `c`: a symbol, so no '-'. */
static void
append_proto_name(GString *c, const struct kind_session *s, size_t k)
{
	if (s->controller) {
		g_string_append(c, "ctl");
		return;
	}
	/* The index keeps "a-b" and "a_b" apart. */
	g_string_append_printf(c, "p%zu_", k);
	for (const char *p = s->name; *p; p++)
		g_string_append_c(c, g_ascii_isalnum(*p) ? *p : '_');
}

/* Appends one `protocol bgp` block for session `k` of node `node`. */
static void
append_session(GString *c, const struct lab_node *node,
    const struct kind_session *s, size_t k)
{
	/* The controller gets nothing back: it is the source, not a peer. */
	const char *export = s->controller ? "none" : "all";

	g_string_append(c, "\nprotocol bgp ");
	append_proto_name(c, s, k);
	g_string_append(c, " {\n");
	g_string_append_printf(c, "  description \"%s\";\n", s->name);
	g_string_append_printf(c, "  local %s as %u;\n", s->local, node->asn);
	g_string_append_printf(c, "  neighbor %s as %u;\n", s->remote, s->remote_as);
	g_string_append(c, "  direct;\n");
	if (s->controller)
		g_string_append(c, "  passive on;\n");
	if (s->rr_client)
		g_string_append(c, "  rr client;\n");
	g_string_append_printf(c, "  hold time %d;\n", KIND_HOLD);
	g_string_append_printf(c, "  keepalive time %d;\n", KIND_KEEPALIVE);
	g_string_append_printf(c, "  connect delay time %d;\n", KIND_RETRY);
	g_string_append_printf(c, "  connect retry time %d;\n", KIND_RETRY);
	g_string_append(c, "  error wait time 1, 5;\n");
	for (int v = 4; v <= 6; v += 2)
		g_string_append_printf(c, "  flow%d { table flowtab%d; import all; "
		    "export %s; validate off; };\n", v, v, export);
	g_string_append(c, "}\n");
}

/* Returns bird.conf for node `i` (g_free), or NULL with err. */
static char *
bird_conf(const struct lab_topology *t, size_t i, const char *dir,
    struct lab_error *err)
{
	const struct lab_node *node = &t->nodes[i];
	char rid[KIND_IP4_LEN];
	size_t n;
	struct kind_session *s = kind_sessions(t, i, &n, err);

	if (s == NULL)
		return NULL;
	GString *c = g_string_new(NULL);
	g_string_append_printf(c, "# flowcanary: node %s of lab %s (generated)\n",
	    node->name, t->name);
	g_string_append_printf(c, "log \"%s/bird.log\" all;\n", dir);
	g_string_append_printf(c, "router id %s;\n", kind_ip4(node->router_id, rid));
	g_string_append(c, "flow4 table flowtab4;\n");
	g_string_append(c, "flow6 table flowtab6;\n");
	/* Without it BIRD knows no interface, and a direct session never starts. */
	g_string_append(c, "protocol device { }\n");
	for (size_t k = 0; k < n; k++)
		append_session(c, node, &s[k], k);
	g_free(s);
	return g_string_free(c, FALSE);
}

/* Returns 0 with d filled (bird.conf written), or -1 with err. */
int
kind_bird_prepare(const struct lab_topology *t, size_t i, const char *dir,
    struct lab_daemon *d, struct lab_error *err)
{
	if (kind_need("bird", KIND_BIRD, "bird2", err) != 0)
		return -1;
	char *conf = kind_write_conf(dir, "bird.conf", bird_conf(t, i, dir, err), err);
	if (conf == NULL)
		return -1;
	char *sock = g_build_filename(dir, "bird.ctl", NULL);
	char *pid = g_build_filename(dir, "bird.pid", NULL);
	d->argv = kind_argv(KIND_BIRD, "-f", "-c", conf, "-s", sock, "-P", pid,
	    NULL);
	g_free(conf);
	g_free(sock);
	g_free(pid);
	return 0;
}

/* Returns birdc's argv for the flow table of family 4 or 6. */
char **
kind_bird_view(const char *dir, int family)
{
	char *sock = g_build_filename(dir, "bird.ctl", NULL);
	char **argv = kind_argv(KIND_BIRDC, "-s", sock, "show", "route", "table",
	    family == 6 ? "flowtab6" : "flowtab4", "all", NULL);
	g_free(sock);
	return argv;
}
