/*
 * kind_gobgp.c - GoBGP: gobgpd with a TOML configuration, its API on
 * the node's own loopback.
 *
 * gobgpd has no log file of its own: it logs to stderr, which the
 * caller keeps.  It writes no pid file or socket.
 */
#include <stdio.h>

#include "kind_private.h"

#define POLICY_NOTHING "fc-nothing-to-controller"
#define SET_CONTROLLER "fc-controller"

/*
 * Appends the global export policy that gives the controller nothing.
 * GoBGP's policies are global; the neighbor set names the receiving peer
 * on export.  Only with a controller: an empty set would match every peer.
 */
static void
append_policy(GString *c, const char *controller)
{
	g_string_append(c, "\n[global.apply-policy.config]\n");
	g_string_append(c, "  export-policy-list = [\"" POLICY_NOTHING "\"]\n");
	g_string_append(c, "  default-export-policy = \"accept-route\"\n");
	g_string_append(c, "  default-import-policy = \"accept-route\"\n");
	g_string_append(c, "\n[[defined-sets.neighbor-sets]]\n");
	g_string_append(c, "  neighbor-set-name = \"" SET_CONTROLLER "\"\n");
	g_string_append_printf(c, "  neighbor-info-list = [\"%s\"]\n", controller);
	g_string_append(c, "\n[[policy-definitions]]\n");
	g_string_append(c, "  name = \"" POLICY_NOTHING "\"\n");
	g_string_append(c, "  [[policy-definitions.statements]]\n");
	g_string_append(c, "    name = \"fc-reject\"\n");
	g_string_append(c, "    [policy-definitions.statements.conditions."
	    "match-neighbor-set]\n");
	g_string_append(c, "      neighbor-set = \"" SET_CONTROLLER "\"\n");
	g_string_append(c, "    [policy-definitions.statements.actions]\n");
	g_string_append(c, "      route-disposition = \"reject-route\"\n");
}

/* Appends one [[neighbors]] table for session `s`. */
static void
append_neighbor(GString *c, const struct kind_session *s, const char *rid)
{
	g_string_append(c, "\n[[neighbors]]\n  [neighbors.config]\n");
	g_string_append_printf(c, "    neighbor-address = \"%s\"\n", s->remote);
	g_string_append_printf(c, "    peer-as = %u\n", s->remote_as);
	g_string_append_printf(c, "    description = \"%s\"\n", s->name);
	g_string_append(c, "  [neighbors.timers.config]\n");
	g_string_append_printf(c, "    connect-retry = %d\n", KIND_RETRY);
	g_string_append_printf(c, "    hold-time = %d\n", KIND_HOLD);
	g_string_append_printf(c, "    keepalive-interval = %d\n", KIND_KEEPALIVE);
	g_string_append(c, "  [neighbors.transport.config]\n");
	g_string_append_printf(c, "    local-address = \"%s\"\n", s->local);
	/* GoBGP's first connect waits 5 to 9 s: the controller is quicker. */
	if (s->controller)
		g_string_append(c, "    passive-mode = true\n");
	if (s->rr_client) {
		g_string_append(c, "  [neighbors.route-reflector.config]\n");
		g_string_append(c, "    route-reflector-client = true\n");
		g_string_append_printf(c, "    route-reflector-cluster-id = \"%s\"\n",
		    rid);
	}
	g_string_append(c, "  [[neighbors.afi-safis]]\n");
	g_string_append(c, "    [neighbors.afi-safis.config]\n");
	g_string_append(c, "      afi-safi-name = \"ipv4-flowspec\"\n");
	g_string_append(c, "  [[neighbors.afi-safis]]\n");
	g_string_append(c, "    [neighbors.afi-safis.config]\n");
	g_string_append(c, "      afi-safi-name = \"ipv6-flowspec\"\n");
}

/* Returns gobgpd.toml for node `i` (g_free), or NULL with err. */
static char *
gobgp_conf(const struct lab_topology *t, size_t i, struct lab_error *err)
{
	const struct lab_node *node = &t->nodes[i];
	char rid[KIND_IP4_LEN];
	size_t n;
	struct kind_session *s = kind_sessions(t, i, &n, err);

	if (s == NULL)
		return NULL;
	kind_ip4(node->router_id, rid);
	GString *c = g_string_new(NULL);
	g_string_append_printf(c, "# flowcanary: node %s of lab %s (generated)\n",
	    node->name, t->name);
	g_string_append(c, "[global.config]\n");
	g_string_append_printf(c, "  as = %u\n", node->asn);
	g_string_append_printf(c, "  router-id = \"%s\"\n", rid);
	g_string_append(c, "  port = 179\n");
	/* Every session is IPv4; "::" too would only be one more listener. */
	g_string_append(c, "  local-address-list = [\"0.0.0.0\"]\n");
	if (n > 0 && s[0].controller)
		append_policy(c, s[0].remote);
	for (size_t k = 0; k < n; k++)
		append_neighbor(c, &s[k], rid);
	g_free(s);
	return g_string_free(c, FALSE);
}

/* Returns 0 with d filled (gobgpd.toml written), or -1 with err. */
int
kind_gobgp_prepare(const struct lab_topology *t, size_t i, const char *dir,
    struct lab_daemon *d, struct lab_error *err)
{
	if (kind_need("gobgp", KIND_GOBGPD, "gobgpd", err) != 0)
		return -1;
	char *conf = kind_write_conf(dir, "gobgpd.toml", gobgp_conf(t, i, err), err);
	if (conf == NULL)
		return -1;
	/* gobgpd stays in the foreground; plain lines read better than JSON. */
	d->argv = kind_argv(KIND_GOBGPD, "-f", conf, "-t", "toml", "--api-hosts",
	    "127.0.0.1:" KIND_GOBGP_API_PORT, "--pprof-disable", "--log-plain",
	    "--log-level", "info", NULL);
	g_free(conf);
	return 0;
}

/* Returns gobgp's argv for the global RIB of family 4 or 6. */
char **
kind_gobgp_view(const char *dir, int family)
{
	return kind_argv(KIND_GOBGP, "-u", "127.0.0.1", "-p", KIND_GOBGP_API_PORT,
	    "global", "rib", "-a", family == 6 ? "ipv6-flowspec" : "ipv4-flowspec",
	    "-j", NULL);
}
