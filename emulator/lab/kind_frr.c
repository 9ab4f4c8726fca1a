/*
 * kind_frr.c - FRR: bgpd alone, without zebra, one per node.
 *
 * Several bgpd run at once on one host, each in its own namespace, but
 * the file system is shared: everything bgpd would put in /var/run/frr
 * (vty socket, pid file) is sent to the node's directory, and its zebra
 * socket too, so that a zebra running on the host is never reached
 * (bgpd -Z still asks zebra's table manager, every few seconds).  The
 * crash-log directory /var/tmp/frr/bgpd.PID is per process and bgpd
 * removes it when it stops on a signal.
 */
#include <stdio.h>

#include "kind_private.h"

#define ROUTE_MAP_NOTHING "FC-NOTHING"

/* Appends one address family's block: activate, route maps, RR clients. */
static void
append_family(GString *c, const char *afi, const struct kind_session *s,
    size_t n)
{
	g_string_append_printf(c, " !\n address-family %s flowspec\n", afi);
	for (size_t k = 0; k < n; k++) {
		g_string_append_printf(c, "  neighbor %s activate\n", s[k].remote);
		/* FRR sends a route back to the peer it came from: not here. */
		if (s[k].controller)
			g_string_append_printf(c, "  neighbor %s route-map "
			    ROUTE_MAP_NOTHING " out\n", s[k].remote);
		if (s[k].rr_client)
			g_string_append_printf(c, "  neighbor %s route-reflector-client\n",
			    s[k].remote);
	}
	g_string_append(c, " exit-address-family\n");
}

/* Returns bgpd.conf for node `i` (g_free), or NULL with err. */
static char *
frr_conf(const struct lab_topology *t, size_t i, const char *dir,
    struct lab_error *err)
{
	const struct lab_node *node = &t->nodes[i];
	char rid[KIND_IP4_LEN];
	size_t n;
	struct kind_session *s = kind_sessions(t, i, &n, err);

	if (s == NULL)
		return NULL;
	GString *c = g_string_new(NULL);
	g_string_append_printf(c, "! flowcanary: node %s of lab %s (generated)\n",
	    node->name, t->name);
	g_string_append(c, "frr defaults traditional\n");
	g_string_append_printf(c, "hostname %s\n", node->name);
	g_string_append_printf(c, "log file %s/bgpd.log informational\n", dir);
	g_string_append(c, "log timestamp precision 3\n!\n");
	g_string_append_printf(c, "router bgp %u\n", node->asn);
	g_string_append_printf(c, " bgp router-id %s\n",
	    kind_ip4(node->router_id, rid));
	/* Without a policy FRR 8 neither takes nor gives eBGP routes. */
	g_string_append(c, " no bgp ebgp-requires-policy\n");
	g_string_append(c, " no bgp default ipv4-unicast\n");
	g_string_append_printf(c, " timers bgp %d %d\n", KIND_KEEPALIVE, KIND_HOLD);
	for (size_t k = 0; k < n; k++) {
		const char *a = s[k].remote;
		g_string_append_printf(c, " neighbor %s remote-as %u\n", a,
		    s[k].remote_as);
		g_string_append_printf(c, " neighbor %s description %s\n", a,
		    s[k].name);
		g_string_append_printf(c, " neighbor %s update-source %s\n", a,
		    s[k].local);
		/* The controller connects: waiting for it is faster than racing it. */
		if (s[k].controller)
			g_string_append_printf(c, " neighbor %s passive\n", a);
		/* The default connect-retry is 120 s. */
		g_string_append_printf(c, " neighbor %s timers connect %d\n", a,
		    KIND_RETRY);
	}
	append_family(c, "ipv4", s, n);
	append_family(c, "ipv6", s, n);
	g_string_append(c, "!\nroute-map " ROUTE_MAP_NOTHING " deny 10\n!\n");
	g_free(s);
	return g_string_free(c, FALSE);
}

/* Returns 0 with d filled (bgpd.conf written), or -1 with err. */
int
kind_frr_prepare(const struct lab_topology *t, size_t i, const char *dir,
    struct lab_daemon *d, struct lab_error *err)
{
	if (kind_need("frr", KIND_BGPD, "frr", err) != 0)
		return -1;
	char *conf = kind_write_conf(dir, "bgpd.conf", frr_conf(t, i, dir, err), err);
	if (conf == NULL)
		return -1;
	char *pid = g_build_filename(dir, "bgpd.pid", NULL);
	char *zsock = g_build_filename(dir, "zserv.api", NULL);
	/*
	 * -S: stay root (user frr could not write the node's directory); -Z:
	 * no zebra; -n: no kernel routes; -P 0: no vty TCP port.
	 */
	d->argv = kind_argv(KIND_BGPD, "-S", "-Z", "-n", "-P", "0", "-f", conf,
	    "--vty_socket", dir, "-i", pid, "-z", zsock, NULL);
	/* glibc's fatal messages ("stack smashing detected") go to stderr. */
	d->env = kind_argv("LIBC_FATAL_STDERR_=1", NULL);
	g_free(conf);
	g_free(pid);
	g_free(zsock);
	return 0;
}

/* Returns vtysh's argv for the routes of family 4 or 6. */
char **
kind_frr_view(const char *dir, int family)
{
	/* vtysh keeps a history of -c commands; the node's, not root's. */
	char *hist = g_build_filename(dir, "vtysh.history", NULL);
	char **argv = kind_argv(KIND_VTYSH, "--vty_socket", dir, "-H", hist,
	    "-d", "bgpd", "-c", family == 6 ? "show bgp ipv6 flowspec json" :
	    "show bgp ipv4 flowspec json", NULL);
	g_free(hist);
	return argv;
}
