/*
 * build.c - makes a lab's network, cgroups and node directories.
 *
 * Everything is named from the lab's name (state.h), so a failure half
 * way leaves nothing lab_down cannot find.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <string.h>
#include <sys/stat.h>

#include "netns.h"
#include "run.h"
#include "state.h"

/* Returns node ns handles opened for building: [0..n) nodes, [n] controller. */
static struct lab_netns **
make_namespaces(const struct lab_topology *t, struct lab_error *err)
{
	struct lab_netns **ns = g_new0(struct lab_netns *, t->n_nodes + 1);
	char *name = lab_ctl_netns(t->name);
	ns[t->n_nodes] = lab_netns_create(name, err);
	g_free(name);
	if (ns[t->n_nodes] == NULL)
		return ns;
	for (size_t i = 0; i < t->n_nodes; i++) {
		name = lab_node_netns(t->name, t->nodes[i].name);
		ns[i] = lab_netns_create(name, err);
		g_free(name);
		if (ns[i] == NULL)
			break;
	}
	return ns;
}

/* Returns 0 when every namespace in ns[0..n] exists. */
static int
all_made(struct lab_netns **ns, size_t n)
{
	for (size_t i = 0; i <= n; i++)
		if (ns[i] == NULL)
			return -1;
	return 0;
}

/* Returns 0 or -1: the controller's link to each peered node, and the links. */
static int
make_links(const struct lab_topology *t, struct lab_netns **ns,
    struct lab_error *err)
{
	struct lab_netns *ctl = ns[t->n_nodes];
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct lab_node *n = &t->nodes[i];
		if (!n->controller_peer)
			continue;
		if (lab_veth_create(ctl, n->name, ns[i], LAB_CTL_IFNAME, err) != 0 ||
		    lab_addr_add(ctl, n->name, n->ctl_peer_ip.addr,
		    n->ctl_peer_ip.plen, err) != 0 ||
		    lab_addr_add(ns[i], LAB_CTL_IFNAME, n->ctl_ip.addr, n->ctl_ip.plen,
		    err) != 0)
			return -1;
	}
	for (size_t l = 0; l < t->n_links; l++) {
		const struct lab_endpoint *a = &t->links[l].ep[0], *b = &t->links[l].ep[1];
		if (lab_veth_create(ns[a->node], a->ifname, ns[b->node], b->ifname,
		    err) != 0 ||
		    lab_addr_add(ns[a->node], a->ifname, a->ip.addr, a->ip.plen, err) != 0 ||
		    lab_addr_add(ns[b->node], b->ifname, b->ip.addr, b->ip.plen, err) != 0)
			return -1;
	}
	return 0;
}

/* Returns 0, or -1 with err: one cgroup per node, with its limits. */
static int
make_cgroups(struct lab_run *run, struct lab_error *err)
{
	const struct lab_topology *t = run->t;
	for (size_t i = 0; i < t->n_nodes; i++) {
		char *rel = lab_cgroup_node(t->name, t->nodes[i].name);
		struct mon_cgroup cg;
		char why[300];
		int rc = mon_cg_create(&cg, &run->host, rel, t->nodes[i].memory_limit,
		    t->nodes[i].cpu_millis, why, sizeof why);
		g_free(rel);
		if (rc != 0)
			return lab_error_at(err, LAB_E_ENV, "", 0, 0, "node %s: %s",
			    t->nodes[i].name, why);
	}
	return 0;
}

/* Returns 0, or -1 with err: node directories and daemon configurations. */
static int
make_node_dirs(struct lab_run *run, struct lab_error *err)
{
	const struct lab_topology *t = run->t;
	run->daemons = g_new0(struct lab_daemon, t->n_nodes);
	for (size_t i = 0; i < t->n_nodes; i++) {
		char *dir = lab_node_dir(t->name, t->nodes[i].name);
		int rc = g_mkdir_with_parents(dir, 0755);
		if (rc != 0)
			lab_error_at(err, LAB_E_IO, "", 0, 0, "cannot create %s: %s",
			    dir, g_strerror(errno));
		else
			rc = lab_kind_prepare(t, i, dir, run->o->vrouter_bin,
			    &run->daemons[i], err);
		g_free(dir);
		if (rc != 0)
			return -1;
	}
	return 0;
}

int
lab_build(struct lab_run *run, struct lab_error *err)
{
	const struct lab_topology *t = run->t;
	if (make_node_dirs(run, err) != 0 || make_cgroups(run, err) != 0)
		return -1;
	struct lab_netns **ns = make_namespaces(t, err);
	int rc = all_made(ns, t->n_nodes);
	if (rc == 0)
		rc = make_links(t, ns, err);
	for (size_t i = 0; i <= t->n_nodes; i++)
		if (ns[i] != NULL)
			lab_netns_close(ns[i]);
	g_free(ns);
	return rc;
}
