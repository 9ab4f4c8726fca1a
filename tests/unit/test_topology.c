/*
 * test_topology.c - topology files (emulator/lab/topology*.c): the
 * examples under topologies/, every resolved value (addresses, router
 * ids, AS numbers, sessions, sizes), a table of bad files each refused
 * with its code and place, the size and CPU parsers, the caps on
 * untrusted input, and the error helpers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "support.h"
#include "lab/topology.h"

#define GIB (1ull << 30)
#define MIB (1ull << 20)
#define HOST_MEMORY (24 * GIB)
#define HOST_CPUS 2

/* Returns the topology `yaml` describes, as read on a 24 GiB, 2-CPU host. */
static struct lab_topology *
parse(const char *yaml, struct lab_error *e)
{
	memset(e, 0, sizeof(*e));
	return lab_topology_parse("t.yml", yaml, strlen(yaml), HOST_MEMORY,
	    HOST_CPUS, e);
}

/* Returns the topology `yaml` describes, or fails the test with the error. */
static struct lab_topology *
parse_ok(const char *yaml)
{
	struct lab_error e;
	struct lab_topology *t = parse(yaml, &e);
	char msg[1024];

	if (t == NULL) {
		lab_error_format(&e, msg, sizeof(msg));
		ck_abort_msg("refused: %s\n%s", msg, yaml);
	}
	return t;
}

/* Returns the node called `name`, or fails the test. */
static const struct lab_node *
node(const struct lab_topology *t, const char *name)
{
	long i = lab_topology_find(t, name);

	ck_assert_msg(i >= 0, "no node %s", name);
	return &t->nodes[i];
}

/* Returns a host-order address from its four octets. */
static uint32_t
ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)(a << 24 | b << 16 | c << 8 | d);
}

/* Returns the topology in topologies/NAME, or fails the test. */
static struct lab_topology *
load_example(const char *name)
{
	char *rel = g_strdup_printf("topologies/%s", name);
	char *path = fc_source_path(rel);
	struct lab_error e;
	struct lab_topology *t;
	char msg[1024];

	memset(&e, 0, sizeof(e));
	t = lab_topology_load(path, HOST_MEMORY, HOST_CPUS, &e);
	if (t == NULL) {
		lab_error_format(&e, msg, sizeof(msg));
		ck_abort_msg("%s", msg);
	}
	ck_assert_str_eq(t->path, path);
	free(path);
	g_free(rel);
	return t;
}

/* ---- the examples ---- */

START_TEST(every_example_loads)
{
	char *dir = fc_source_path("topologies");
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *f;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((f = g_dir_read_name(d)) != NULL) {
		if (!g_str_has_suffix(f, ".yml"))
			continue;
		lab_topology_free(load_example(f));
		n++;
	}
	g_dir_close(d);
	free(dir);
	ck_assert_int_ge(n, 4);
}
END_TEST

START_TEST(example_single)
{
	struct lab_topology *t = load_example("single.yml");
	const struct lab_node *n;

	ck_assert_str_eq(t->name, "single");
	ck_assert_uint_eq(t->controller_asn, 65000);
	ck_assert_uint_eq(t->n_nodes, 1);
	ck_assert_uint_eq(t->n_links, 0);
	n = node(t, "frr1");
	ck_assert_int_eq(n->kind, LAB_KIND_FRR);
	ck_assert_uint_eq(n->asn, 65001);
	ck_assert_uint_eq(n->memory_limit, 256 * MIB);
	ck_assert_uint_eq(n->memory_budget, 0);
	ck_assert_uint_eq(n->cpu_millis, 1000);
	ck_assert(n->controller_peer);
	ck_assert_uint_eq(n->ctl_ip.addr, ip4(172, 30, 0, 2));
	ck_assert_uint_eq(n->ctl_ip.plen, 30);
	ck_assert_uint_eq(n->ctl_peer_ip.addr, ip4(172, 30, 0, 1));
	ck_assert_uint_eq(n->ctl_peer_ip.plen, 30);
	ck_assert_uint_eq(n->router_id, ip4(172, 30, 0, 2));
	ck_assert_uint_eq(n->n_peerings, 0);
	ck_assert_ptr_null(n->platform);
	ck_assert_ptr_null(n->exec);
	lab_topology_free(t);
}
END_TEST

START_TEST(example_daemons)
{
	struct lab_topology *t = load_example("daemons.yml");
	static const char *const names[] = { "frr1", "bird1", "gobgp1" };
	static const enum lab_kind kinds[] = { LAB_KIND_FRR, LAB_KIND_BIRD,
		LAB_KIND_GOBGP };

	ck_assert_uint_eq(t->n_nodes, 3);
	for (unsigned j = 0; j < 3; j++) {
		const struct lab_node *n = node(t, names[j]);

		ck_assert_int_eq(n->kind, kinds[j]);
		ck_assert(n->controller_peer);
		ck_assert_uint_eq(n->ctl_ip.addr, ip4(172, 30, 0, 4 * j + 2));
		ck_assert_uint_eq(n->ctl_peer_ip.addr, ip4(172, 30, 0, 4 * j + 1));
		ck_assert_uint_eq(n->memory_limit, 256 * MIB);
	}
	lab_topology_free(t);
}
END_TEST

START_TEST(example_bench)
{
	struct lab_topology *t = load_example("bench.yml");
	static const char *const platforms[] = { "interval-firewall", "tcam",
		"value-walk-16bit", "full-recompile" };
	size_t vrouters = 0, daemons = 0;

	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct lab_node *n = &t->nodes[i];

		ck_assert(n->controller_peer);
		ck_assert_uint_eq(n->memory_limit, 256 * MIB);
		if (n->kind == LAB_KIND_VROUTER) {
			ck_assert_str_eq(n->platform, platforms[vrouters]);
			vrouters++;
		} else {
			ck_assert_ptr_null(n->platform);
			daemons++;
		}
	}
	ck_assert_uint_eq(vrouters, 4);
	ck_assert_uint_eq(daemons, 3);
	ck_assert_int_eq(node(t, "frr1")->kind, LAB_KIND_FRR);
	ck_assert_int_eq(node(t, "bird1")->kind, LAB_KIND_BIRD);
	ck_assert_int_eq(node(t, "gobgp1")->kind, LAB_KIND_GOBGP);
	lab_topology_free(t);
}
END_TEST

START_TEST(example_fleet23)
{
	struct lab_topology *t = load_example("fleet23.yml");
	const struct lab_node *rr = node(t, "rr");
	long rr_i = lab_topology_find(t, "rr");

	ck_assert_uint_eq(t->n_nodes, 24);
	ck_assert_uint_eq(t->n_links, 23);
	ck_assert_int_eq(rr->kind, LAB_KIND_FRR);
	ck_assert_uint_eq(rr->asn, 65100);
	ck_assert(rr->route_reflector);
	ck_assert(rr->controller_peer);
	ck_assert_uint_eq(rr->router_id, ip4(172, 30, 0, 2));
	ck_assert_uint_eq(rr->n_peerings, 23);
	for (unsigned k = 1; k <= 23; k++) {
		char name[16], ifname[16];
		const struct lab_node *e;
		const struct lab_link *l = &t->links[k - 1];
		long e_i;

		snprintf(name, sizeof(name), "edge%02u", k);
		snprintf(ifname, sizeof(ifname), "eth%u", k);
		e = node(t, name);
		e_i = lab_topology_find(t, name);
		ck_assert_int_eq(e->kind, LAB_KIND_VROUTER);
		ck_assert_str_eq(e->platform, "value-walk-16bit");
		ck_assert_uint_eq(e->asn, 65100);
		ck_assert(!e->route_reflector);
		ck_assert(!e->controller_peer);
		/* Link k-1: rr:ethK (.1) to edgeKK:eth1 (.2), in the (k-1)-th /30. */
		ck_assert_uint_eq(l->ep[0].node, (size_t)rr_i);
		ck_assert_str_eq(l->ep[0].ifname, ifname);
		ck_assert_uint_eq(l->ep[1].node, (size_t)e_i);
		ck_assert_str_eq(l->ep[1].ifname, "eth1");
		ck_assert_uint_eq(l->ep[0].ip.addr,
		    ip4(10, 100, 0, 0) + 4 * (k - 1) + 1);
		ck_assert_uint_eq(l->ep[1].ip.addr,
		    ip4(10, 100, 0, 0) + 4 * (k - 1) + 2);
		ck_assert_uint_eq(e->router_id, l->ep[1].ip.addr);
		ck_assert_uint_eq(e->n_peerings, 1);
		ck_assert_uint_eq(e->peerings[0].peer, (size_t)rr_i);
		ck_assert_uint_eq(e->peerings[0].link, k - 1);
		ck_assert_int_eq(e->peerings[0].side, 1);
		ck_assert_uint_eq(rr->peerings[k - 1].peer, (size_t)e_i);
		ck_assert_uint_eq(rr->peerings[k - 1].link, k - 1);
		ck_assert_int_eq(rr->peerings[k - 1].side, 0);
	}
	lab_topology_free(t);
}
END_TEST

/* ---- resolved values ---- */

START_TEST(asn_defaults)
{
	struct lab_topology *t = parse_ok(
	    "name: a\n"
	    "controller: {asn: 4200000000}\n"
	    "topology:\n"
	    "  nodes:\n"
	    "    r1: {kind: frr}\n"
	    "    r2: {kind: bird, asn: 4294967295}\n"
	    "    r3: {kind: gobgp}\n");

	ck_assert_uint_eq(t->controller_asn, 4200000000u);
	ck_assert_uint_eq(node(t, "r1")->asn, 65001);
	ck_assert_uint_eq(node(t, "r2")->asn, 4294967295u);
	/* Index-based, not "next free": r3 is index 2. */
	ck_assert_uint_eq(node(t, "r3")->asn, 65003);
	lab_topology_free(t);

	t = parse_ok("name: a\ntopology:\n  defaults: {asn: 65100}\n  nodes:\n"
	    "    r1: {kind: frr}\n    r2: {kind: frr, asn: \"7\"}\n");
	ck_assert_uint_eq(node(t, "r1")->asn, 65100);
	ck_assert_uint_eq(node(t, "r2")->asn, 7);
	lab_topology_free(t);
}
END_TEST

START_TEST(defaults_and_overrides)
{
	struct lab_topology *t = parse_ok(
	    "name: lab_1-X\n"
	    "topology:\n"
	    "  defaults:\n"
	    "    kind: frr\n"
	    "    memory: 256MiB\n"
	    "    memory-budget: 200MiB\n"
	    "    cpus: 1\n"
	    "    route-reflector: true\n"
	    "  nodes:\n"
	    "    a: {}\n"
	    "    b: {kind: bird, memory: 1GiB, memory-budget: 0, cpus: 1500m,"
	    " route-reflector: false}\n"
	    "    c:\n"
	    "    d: {memory: 0, memory-budget: 2G}\n"
	    "    e: {memory: 268435456, cpus: \"0.25\"}\n");
	const struct lab_node *n;

	ck_assert_str_eq(t->name, "lab_1-X");
	n = node(t, "a");
	ck_assert_int_eq(n->kind, LAB_KIND_FRR);
	ck_assert_uint_eq(n->memory_limit, 256 * MIB);
	ck_assert_uint_eq(n->memory_budget, 200 * MIB);
	ck_assert_uint_eq(n->cpu_millis, 1000);
	ck_assert(n->route_reflector);
	ck_assert_uint_eq(n->line, 10);
	n = node(t, "b");
	ck_assert_int_eq(n->kind, LAB_KIND_BIRD);
	ck_assert_uint_eq(n->memory_limit, GIB);
	ck_assert_uint_eq(n->memory_budget, 0);
	ck_assert_uint_eq(n->cpu_millis, 1500);
	ck_assert(!n->route_reflector);
	/* A node with no body takes every default. */
	n = node(t, "c");
	ck_assert_int_eq(n->kind, LAB_KIND_FRR);
	ck_assert_uint_eq(n->memory_limit, 256 * MIB);
	ck_assert_uint_eq(n->line, 12);
	/* No limit: any budget is a threshold only. */
	n = node(t, "d");
	ck_assert_uint_eq(n->memory_limit, 0);
	ck_assert_uint_eq(n->memory_budget, 2 * GIB);
	n = node(t, "e");
	ck_assert_uint_eq(n->memory_limit, 256 * MIB);
	ck_assert_uint_eq(n->cpu_millis, 250);
	lab_topology_free(t);
}
END_TEST

START_TEST(link_addresses_and_router_ids)
{
	struct lab_topology *t = parse_ok(
	    "name: a\n"
	    "controller: {peers: [r3], subnet: 192.168.8.0/22}\n"
	    "topology:\n"
	    "  defaults: {kind: frr, link-subnet: 10.9.0.0/24}\n"
	    "  nodes:\n"
	    "    r1: {}\n"
	    "    r2: {}\n"
	    "    r3: {}\n"
	    "    lonely: {}\n"
	    "  links:\n"
	    "    - endpoints: [\"r1:eth1\", \"r2:eth1\"]\n"
	    "    - endpoints: [r3:eth1, r2:eth2]\n"
	    "    - endpoints: [r2:eth3, r1:eth2]\n");
	const struct lab_link *l = t->links;

	ck_assert_uint_eq(t->n_links, 3);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_uint_eq(l[i].ep[0].ip.addr, ip4(10, 9, 0, 4 * i + 1));
		ck_assert_uint_eq(l[i].ep[1].ip.addr, ip4(10, 9, 0, 4 * i + 2));
		ck_assert_uint_eq(l[i].ep[0].ip.plen, 30);
		ck_assert_uint_eq(l[i].ep[1].ip.plen, 30);
		ck_assert_uint_eq(l[i].line, 11 + i);
	}
	ck_assert_str_eq(l[1].ep[1].ifname, "eth2");
	ck_assert_uint_eq(l[1].ep[0].node, (size_t)lab_topology_find(t, "r3"));
	/* First link endpoint; the controller link wins; else 10.255.0.N. */
	ck_assert_uint_eq(node(t, "r1")->router_id, ip4(10, 9, 0, 1));
	ck_assert_uint_eq(node(t, "r2")->router_id, ip4(10, 9, 0, 2));
	ck_assert_uint_eq(node(t, "r3")->router_id, ip4(192, 168, 8, 2));
	ck_assert_uint_eq(node(t, "r3")->ctl_peer_ip.addr, ip4(192, 168, 8, 1));
	ck_assert_uint_eq(node(t, "lonely")->router_id, ip4(10, 255, 0, 4));
	ck_assert(!node(t, "r1")->controller_peer);
	lab_topology_free(t);
}
END_TEST

START_TEST(router_id_fallback_carries)
{
	GString *y = g_string_new("name: big\ntopology:\n  defaults: {kind: bird}\n"
	    "  nodes:\n");
	struct lab_topology *t;

	for (unsigned i = 0; i < 1024; i++)
		g_string_append_printf(y, "    n%u:\n", i);
	t = parse_ok(y->str);
	ck_assert_uint_eq(t->n_nodes, 1024);
	ck_assert_uint_eq(t->nodes[0].router_id, ip4(10, 255, 0, 1));
	ck_assert_uint_eq(t->nodes[254].router_id, ip4(10, 255, 0, 255));
	ck_assert_uint_eq(t->nodes[255].router_id, ip4(10, 255, 1, 0));
	ck_assert_uint_eq(t->nodes[1023].router_id, ip4(10, 255, 4, 0));
	ck_assert_uint_eq(t->nodes[1023].asn, 65001 + 1023);
	lab_topology_free(t);
	g_string_free(y, TRUE);
}
END_TEST

START_TEST(controller_pool_assignment)
{
	struct lab_topology *t = parse_ok(
	    "name: a\n"
	    "controller:\n"
	    "  peers: [r3, r1]\n"
	    "  subnet: 172.31.255.248/29\n"
	    "topology:\n"
	    "  nodes: {r1: {kind: frr}, r2: {kind: frr}, r3: {kind: gobgp}}\n");

	/* In peers order, not node order. */
	ck_assert_uint_eq(node(t, "r3")->ctl_ip.addr, ip4(172, 31, 255, 250));
	ck_assert_uint_eq(node(t, "r3")->ctl_peer_ip.addr, ip4(172, 31, 255, 249));
	ck_assert_uint_eq(node(t, "r1")->ctl_ip.addr, ip4(172, 31, 255, 254));
	ck_assert_uint_eq(node(t, "r1")->ctl_peer_ip.addr, ip4(172, 31, 255, 253));
	ck_assert(!node(t, "r2")->controller_peer);
	ck_assert_uint_eq(node(t, "r2")->ctl_ip.addr, 0);
	lab_topology_free(t);
}
END_TEST

/* Returns the peering of node a with b, or NULL. */
static const struct lab_peering *
peering(const struct lab_topology *t, const char *a, const char *b)
{
	const struct lab_node *n = node(t, a);
	size_t bi = (size_t)lab_topology_find(t, b);
	const struct lab_peering *found = NULL;

	for (size_t i = 0; i < n->n_peerings; i++)
		if (n->peerings[i].peer == bi) {
			ck_assert_msg(found == NULL, "%s peers %s twice", a, b);
			found = &n->peerings[i];
		}
	return found;
}

START_TEST(peerings_symmetric_and_deduplicated)
{
	struct lab_topology *t = parse_ok(
	    "name: a\n"
	    "topology:\n"
	    "  defaults: {kind: frr}\n"
	    "  nodes:\n"
	    "    a: {peers: [b, c]}\n"
	    "    b: {peers: [a]}\n"
	    "    c: {}\n"
	    "    d: {peers: [c]}\n"
	    "    e: {kind: linux}\n"
	    "  links:\n"
	    "    - endpoints: [c:e1, d:e1]\n"
	    "    - endpoints: [b:e1, a:e1]\n"
	    "    - endpoints: [a:e2, b:e2]\n"
	    "    - endpoints: [a:e3, c:e3]\n"
	    "    - endpoints: [e:e1, a:e4]\n");
	const struct lab_peering *p;

	ck_assert_uint_eq(node(t, "a")->n_peerings, 2);
	ck_assert_uint_eq(node(t, "b")->n_peerings, 1);
	ck_assert_uint_eq(node(t, "c")->n_peerings, 2);
	ck_assert_uint_eq(node(t, "d")->n_peerings, 1);
	ck_assert_uint_eq(node(t, "e")->n_peerings, 0);
	/* a-b: listed both ways, one session over their first link (1). */
	p = peering(t, "a", "b");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->link, 1);
	ck_assert_int_eq(p->side, 1);
	p = peering(t, "b", "a");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->link, 1);
	ck_assert_int_eq(p->side, 0);
	/* a-c listed by a only; c-d by d only: both ends know. */
	p = peering(t, "c", "a");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->link, 3);
	ck_assert_int_eq(p->side, 1);
	p = peering(t, "c", "d");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->link, 0);
	ck_assert_int_eq(p->side, 0);
	p = peering(t, "d", "c");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->side, 1);
	ck_assert_ptr_null(peering(t, "b", "c"));
	/* A linux node gets its default program. */
	ck_assert_ptr_nonnull(node(t, "e")->exec);
	ck_assert_str_eq(node(t, "e")->exec[0], "sleep");
	ck_assert_str_eq(node(t, "e")->exec[1], "infinity");
	ck_assert_ptr_null(node(t, "e")->exec[2]);
	lab_topology_free(t);
}
END_TEST

START_TEST(linux_exec_and_vrouter_platform)
{
	struct lab_topology *t = parse_ok(
	    "name: a\n"
	    "topology:\n"
	    "  nodes:\n"
	    "    tap: {kind: linux, exec: [\"/bin/sh\", \"-c\", \"\", 'x y']}\n"
	    "    edge1: {kind: vrouter, platform: value-walk-16bit}\n");

	ck_assert_str_eq(node(t, "tap")->exec[0], "/bin/sh");
	ck_assert_str_eq(node(t, "tap")->exec[1], "-c");
	ck_assert_str_eq(node(t, "tap")->exec[2], "");
	ck_assert_str_eq(node(t, "tap")->exec[3], "x y");
	ck_assert_ptr_null(node(t, "tap")->exec[4]);
	ck_assert_ptr_null(node(t, "tap")->platform);
	ck_assert_str_eq(node(t, "edge1")->platform, "value-walk-16bit");
	ck_assert_ptr_null(node(t, "edge1")->exec);
	lab_topology_free(t);
}
END_TEST

START_TEST(nulls_and_empties_are_absent)
{
	struct lab_topology *t = parse_ok(
	    "# a comment\n"
	    "name: a\n"
	    "controller:\n"
	    "topology:\n"
	    "  defaults: ~\n"
	    "  nodes:\n"
	    "    r1: {kind: frr, peers: []}\n"
	    "  links:\n"
	    "  # - endpoints: [r1:eth1, r2:eth1]\n");

	ck_assert_uint_eq(t->n_nodes, 1);
	ck_assert_uint_eq(t->n_links, 0);
	ck_assert_uint_eq(t->controller_asn, 65000);
	ck_assert(!t->nodes[0].controller_peer);
	ck_assert_ptr_null(t->links);
	lab_topology_free(t);

	t = parse_ok("name: a\ncontroller: {peers: []}\ntopology:\n  nodes: "
	    "{r1: {kind: frr}}\n  links: []\n");
	ck_assert_uint_eq(t->n_links, 0);
	lab_topology_free(t);
}
END_TEST

START_TEST(host_limits_zero_not_checked)
{
	struct lab_error e;
	const char *y = "name: a\ntopology:\n  nodes:\n"
	    "    r1: {kind: frr, memory: 64GiB, cpus: 64}\n";
	struct lab_topology *t;

	memset(&e, 0, sizeof(e));
	t = lab_topology_parse(NULL, y, strlen(y), 0, 0, &e);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(t->nodes[0].memory_limit, 64 * GIB);
	ck_assert_uint_eq(t->nodes[0].cpu_millis, 64000);
	ck_assert_ptr_null(t->path);
	lab_topology_free(t);
	/* At the host's limits exactly is fine. */
	y = "name: a\ntopology:\n  nodes:\n    r1: {kind: frr, memory: 24GiB, cpus: 2}\n";
	t = lab_topology_parse(NULL, y, strlen(y), HOST_MEMORY, HOST_CPUS, &e);
	ck_assert_ptr_nonnull(t);
	lab_topology_free(t);
	/* No error struct is needed to be refused. */
	ck_assert_ptr_null(lab_topology_parse("x", "name: [", 7, 0, 0, NULL));
}
END_TEST

/* ---- refusals ---- */

#define NODES "name: a\ntopology:\n  nodes:\n"
#define R1R2 "    r1: {kind: frr}\n    r2: {kind: bird}\n"
#define TWO NODES R1R2
#define CTL_TWO(ctl) "name: a\ncontroller: " ctl "\ntopology:\n  nodes:\n" R1R2

struct bad_case {
	const char *yaml;
	enum lab_errcode code;
	unsigned line, col;
	const char *needle;	/* in the message */
};

static const struct bad_case bad_cases[] = {
	/* unknown keys, everywhere, with the list of known ones */
	{ NODES "    r1: {kind: frr, memroy: 1G}\n", LAB_E_UNKNOWN_KEY, 4, 21,
	  "unknown key \"memroy\" in topology.nodes.r1; known keys: kind, asn, "
	  "memory, memory-budget, cpus, route-reflector, peers, platform, exec" },
	{ "name: a\nprefix: clab\ntopology: {nodes: {r1: {kind: frr}}}\n",
	  LAB_E_UNKNOWN_KEY, 2, 1, "known keys: name, controller, topology" },
	{ "name: a\ncontroller: {as: 1}\n", LAB_E_UNKNOWN_KEY, 2, 14,
	  "known keys: asn, peers, subnet" },
	{ "name: a\ntopology:\n  kinds: {}\n", LAB_E_UNKNOWN_KEY, 3, 3,
	  "known keys: defaults, nodes, links" },
	{ "name: a\ntopology:\n  defaults: {platform: tcam}\n",
	  LAB_E_UNKNOWN_KEY, 3, 14, "in topology.defaults; known keys: kind, "
	  "asn, memory, memory-budget, cpus, route-reflector, link-subnet" },
	{ NODES "    r1: {kind: frr}\n  links:\n    - {endpoints: [], mtu: 9000}\n",
	  LAB_E_UNKNOWN_KEY, 6, 23, "\"mtu\" in topology.links[0]" },
	{ NODES "    r1: {kind: frr, \"k\\x01\": 1}\n", LAB_E_UNKNOWN_KEY, 4, 21,
	  "\"k\\x01\"" },
	/* shapes */
	{ "name: a\ntopology:\n  nodes: [r1]\n", LAB_E_SYNTAX, 3, 10,
	  "topology.nodes: expected a mapping, found a list" },
	{ "name: {x: 1}\ntopology: {}\n", LAB_E_SYNTAX, 1, 7,
	  "name: expected a single value, found a mapping" },
	{ "hello\n", LAB_E_SYNTAX, 1, 1, "expected a mapping, found \"hello\"" },
	{ "- name: a\n", LAB_E_SYNTAX, 1, 1, "found a list" },
	{ "name: a\ncontroller: [r1]\n", LAB_E_SYNTAX, 2, 13,
	  "controller: expected a mapping" },
	{ NODES "    r1: kind\n", LAB_E_SYNTAX, 4, 9,
	  "topology.nodes.r1: expected a mapping, found \"kind\"" },
	{ NODES "    r1: {kind: [frr]}\n", LAB_E_SYNTAX, 4, 16,
	  "topology.nodes.r1.kind: expected a single value, found a list" },
	{ NODES "    r1: {kind: frr, peers: r2}\n", LAB_E_SYNTAX, 4, 28,
	  "peers: expected a list" },
	{ NODES "    r1: {kind: linux, exec: /bin/sh}\n", LAB_E_SYNTAX, 4, 29,
	  "exec: expected a list" },
	{ TWO "  links: {endpoints: [r1:e, r2:e]}\n", LAB_E_SYNTAX, 6, 10,
	  "topology.links: expected a list" },
	{ TWO "  links:\n    - [r1:e, r2:e]\n", LAB_E_SYNTAX, 7, 7,
	  "topology.links[0]: expected a mapping" },
	{ TWO "  links:\n    - endpoints: r1:e\n", LAB_E_SYNTAX, 7, 18,
	  "endpoints: expected a list" },
	{ NODES "    ? [a]\n    : {kind: frr}\n", LAB_E_SYNTAX, 4, 7,
	  "expected a single value, found a list" },
	{ "name: a\ntopology:\n  {nodes: {r1: {kind: frr}}}: x\n", LAB_E_SYNTAX,
	  3, 3, "expected a key, found a mapping" },
	/* not YAML */
	{ NODES "    r1: {kind: frr\n", LAB_E_SYNTAX, 5, 1,
	  "did not find expected ',' or '}'" },
	{ "name: a\n\ttopology:\n", LAB_E_SYNTAX, 2, 1,
	  "found a tab character that violates indentation" },
	{ "name: a\ntopology: \"x\n", LAB_E_SYNTAX, 3, 1,
	  "found unexpected end of stream" },
	{ "name: a\nname: b: c\n", LAB_E_SYNTAX, 2, 8,
	  "mapping values are not allowed" },
	{ "name: a\xff\n", LAB_E_SYNTAX, 1, 8, "invalid leading UTF-8 octet" },
	{ "name: a\x01\n", LAB_E_SYNTAX, 1, 8, "control characters are not allowed" },
	{ "name: a\n---\nname: b\n", LAB_E_SYNTAX, 2, 1, "a second YAML document" },
	/* An unterminated last line: libyaml places its end on a line past it. */
	{ "name: a\ntopoloy:\n  nodes:\n  true: {kind:gy:\n  node}\n[",
	  LAB_E_SYNTAX, 6, 2, "could not find expected ':'" },
	{ "name: a\ntopology:", LAB_E_MISSING, 2, 10, "topology has no nodes" },
	/* Lines end as YAML says: CR LF counts once, LS counts. */
	{ "name: a\r\ntopology:\r\n  nodes:\r\n    r1: {kind: vm}\r\n",
	  LAB_E_UNKNOWN_KIND, 4, 16, "\"vm\"" },
	{ "name: a\xe2\x80\xa8topology:\n  nodes:\n    r1: {kind: vm}\n",
	  LAB_E_UNKNOWN_KIND, 4, 16, "\"vm\"" },
	{ "", LAB_E_SYNTAX, 1, 1, "the file is empty" },
	{ "# only a comment\n", LAB_E_SYNTAX, 1, 1, "the file is empty" },
	{ "---\n...\n", LAB_E_SYNTAX, 1, 1, "the file is empty" },
	/* aliases, anchors, merge keys, tags */
	{ NODES "    r1: &x {kind: frr}\n    r2: *x\n", LAB_E_SYNTAX, 4, 9,
	  "aliases are not supported" },
	{ NODES "    r1: {kind: frr, peers: *p}\n", LAB_E_SYNTAX, 4, 28,
	  "aliases are not supported (alias \"p\")" },
	{ NODES "    r1: {<<: {kind: frr}}\n", LAB_E_SYNTAX, 4, 10,
	  "merge keys (<<) are not supported" },
	{ NODES "    <<: {kind: frr}\n", LAB_E_SYNTAX, 4, 5,
	  "merge keys (<<) are not supported" },
	{ "name: !!str a\n", LAB_E_SYNTAX, 1, 7, "tags are not supported" },
	{ "name: a\ntopology: !custom {}\n", LAB_E_SYNTAX, 2, 11,
	  "tags are not supported" },
	{ "a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
	  LAB_E_SYNTAX, 1, 19, "nested more than 16 levels deep" },
	/* missing */
	{ "topology:\n  nodes:\n    r1: {kind: frr}\n", LAB_E_MISSING, 1, 1,
	  "the lab has no name" },
	{ "name: a\n", LAB_E_MISSING, 1, 1, "the lab has no topology" },
	{ "name:\ntopology: {nodes: {r1: {kind: frr}}}\n", LAB_E_MISSING, 1, 6,
	  "name has no value" },
	{ "name: a\ntopology:\n  links: []\n", LAB_E_MISSING, 3, 3,
	  "topology has no nodes" },
	{ "name: a\ntopology:\n", LAB_E_MISSING, 2, 10, "topology has no nodes" },
	{ "name: a\ntopology:\n  nodes: {}\n", LAB_E_MISSING, 3, 10,
	  "topology.nodes is empty" },
	{ "name: a\ntopology:\n  nodes:\n", LAB_E_MISSING, 3, 9,
	  "topology.nodes is empty" },
	{ NODES "    r1: {asn: 1}\n", LAB_E_MISSING, 4, 5,
	  "node r1 has no kind: expected one of frr, bird, gobgp, vrouter, linux" },
	{ NODES "    r1:\n", LAB_E_MISSING, 4, 5, "node r1 has no kind" },
	{ NODES "    r1: {kind: ~}\n", LAB_E_MISSING, 4, 16,
	  "topology.nodes.r1.kind has no value" },
	{ NODES "    edge1: {kind: vrouter}\n", LAB_E_MISSING, 4, 5,
	  "node edge1 is a vrouter and has no platform" },
	{ NODES "    r1: {kind: frr}\n  links:\n    - {}\n", LAB_E_MISSING, 6, 7,
	  "topology.links[0] has no endpoints" },
	{ NODES "    r1: {kind: frr}\n  links:\n    -\n", LAB_E_MISSING, 6, 6,
	  "topology.links[0] has no endpoints" },
	/* kinds */
	{ NODES "    r1: {kind: vm}\n", LAB_E_UNKNOWN_KIND, 4, 16,
	  "unknown kind \"vm\"; expected one of frr, bird, gobgp, vrouter, linux" },
	{ NODES "    r1: {kind: FRR}\n", LAB_E_UNKNOWN_KIND, 4, 16, "\"FRR\"" },
	{ "name: a\ntopology:\n  defaults: {kind: ceos}\n", LAB_E_UNKNOWN_KIND,
	  3, 20, "unknown kind \"ceos\"" },
	/* duplicates */
	{ TWO "    r1: {kind: gobgp}\n", LAB_E_DUPLICATE, 6, 5,
	  "node r1 is defined twice (lines 4 and 6)" },
	{ NODES "    r1: {kind: frr, kind: bird}\n", LAB_E_DUPLICATE, 4, 21,
	  "kind is given twice (line 4, columns 10 and 21)" },
	{ "name: a\nname: b\n", LAB_E_DUPLICATE, 2, 1,
	  "name is given twice (lines 1 and 2)" },
	{ TWO "  links:\n    - endpoints: [r1:eth1, r2:eth1]\n"
	  "    - endpoints: [r2:eth2, r1:eth1]\n", LAB_E_DUPLICATE, 8, 28,
	  "interface r1:eth1 is used twice (lines 7 and 8)" },
	{ TWO "  links:\n    - endpoints: [r1:eth1, r1:eth1]\n", LAB_E_DUPLICATE,
	  7, 28, "interface r1:eth1 is used twice (line 7, columns 19 and 28)" },
	{ NODES "    r1: {kind: frr, peers: [r2, r2]}\n    r2: {kind: bird}\n"
	  "  links:\n    - endpoints: [r1:e, r2:e]\n", LAB_E_DUPLICATE, 4, 33,
	  "r2 is listed twice (line 4, columns 29 and 33)" },
	{ CTL_TWO("{peers: [r1, r2, r1]}"), LAB_E_DUPLICATE,
	  2, 30, "controller.peers: r1 is listed twice" },
	/* dangling */
	{ TWO "  links:\n    - endpoints: [r1:eth1, r9:eth1]\n", LAB_E_DANGLING,
	  7, 28, "endpoint \"r9:eth1\" names no node" },
	{ TWO "  links:\n    - endpoints: [r1:eth1, r1234567890abcdef:eth1]\n",
	  LAB_E_DANGLING, 7, 28, "names no node" },
	{ NODES "    r1: {kind: frr, peers: [r9]}\n", LAB_E_DANGLING, 4, 29,
	  "topology.nodes.r1.peers: \"r9\" names no node" },
	{ CTL_TWO("{peers: [r9]}"), LAB_E_DANGLING, 2, 22,
	  "controller.peers: \"r9\" names no node" },
	{ NODES "    r1: {kind: frr, peers: [r2]}\n    r2: {kind: bird}\n",
	  LAB_E_DANGLING, 4, 29, "node r1 shares no link with r2" },
	{ NODES "    r1: {kind: frr}\n    r2: {kind: bird, peers: [r1]}\n"
	  "    r3: {kind: frr}\n  links:\n    - endpoints: [r1:e, r3:e]\n",
	  LAB_E_DANGLING, 5, 30, "node r2 shares no link with r1" },
	/* values */
	{ NODES "    r1: {kind: frr, peers: [r1]}\n  links:\n"
	  "    - endpoints: [r1:a, r1:b]\n", LAB_E_VALUE, 4, 29,
	  "node r1 lists itself" },
	{ NODES "    r1: {kind: frr, peers: [t]}\n    t: {kind: linux}\n"
	  "  links:\n    - endpoints: [r1:e1, t:e1]\n", LAB_E_VALUE, 4, 29,
	  "t is a linux node, which runs no BGP speaker" },
	{ NODES "    t: {kind: linux, peers: [r1]}\n    r1: {kind: frr}\n"
	  "  links:\n    - endpoints: [r1:e1, t:e1]\n", LAB_E_VALUE, 4, 22,
	  "node t is a linux node" },
	{ "name: a\ncontroller: {peers: [t]}\ntopology:\n  nodes:\n"
	  "    t: {kind: linux}\n",
	  LAB_E_VALUE, 2, 22, "controller.peers: t is a linux node" },
	{ "name: bad.name\ntopology: {}\n", LAB_E_VALUE, 1, 7,
	  "name \"bad.name\": expected 1 to 15 of" },
	{ "name: abcdefghijklmnop\ntopology: {}\n", LAB_E_VALUE, 1, 7,
	  "expected 1 to 15" },
	{ "name: \"\"\ntopology: {}\n", LAB_E_VALUE, 1, 7, "expected 1 to 15" },
	{ "name: \"a\\0b\"\ntopology: {}\n", LAB_E_VALUE, 1, 7,
	  "name contains a NUL character" },
	{ NODES "    r.1: {kind: frr}\n", LAB_E_VALUE, 4, 5,
	  "node name \"r.1\": expected 1 to 15 of" },
	{ NODES "    abcdefghijklmnop: {kind: frr}\n", LAB_E_VALUE, 4, 5,
	  "node name" },
	{ NODES "    lo: {kind: frr}\n", LAB_E_VALUE, 4, 5,
	  "node name lo is reserved" },
	{ NODES "    controller: {kind: frr}\n", LAB_E_VALUE, 4, 5,
	  "node name controller is reserved" },
	{ NODES "    r1: {kind: frr, platform: tcam}\n", LAB_E_VALUE, 4, 21,
	  "platform is only for vrouter nodes; r1 is of kind frr" },
	{ NODES "    r1: {kind: vrouter, platform: TCAM}\n", LAB_E_VALUE, 4, 35,
	  "platform \"TCAM\": expected 1 to 64 of a-z" },
	{ NODES "    r1: {kind: vrouter, platform: \"\"}\n", LAB_E_VALUE, 4, 35,
	  "platform \"\"" },
	{ NODES "    r1: {kind: vrouter, platform: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}\n", LAB_E_VALUE, 4, 35,
	  "expected 1 to 64" },
	{ NODES "    r1: {kind: frr, exec: [sh]}\n", LAB_E_VALUE, 4, 21,
	  "exec is only for linux nodes; r1 is of kind frr" },
	{ NODES "    t: {kind: linux, exec: []}\n", LAB_E_VALUE, 4, 28,
	  "topology.nodes.t.exec is empty" },
	{ NODES "    t: {kind: linux, exec: }\n", LAB_E_VALUE, 4, 28,
	  "topology.nodes.t.exec is empty" },
	{ TWO "  links:\n    - endpoints:\n", LAB_E_VALUE, 7, 17,
	  "endpoints has 0 items: expected two" },
	{ NODES "    t: {kind: linux, exec: [\"\", x]}\n", LAB_E_VALUE, 4, 29,
	  "the program's name is empty" },
	{ NODES "    t: {kind: linux, exec: [sh, [x]]}\n", LAB_E_SYNTAX, 4, 33,
	  "expected a single value, found a list" },
	{ NODES "    r1: {kind: frr, asn: 0}\n", LAB_E_VALUE, 4, 26,
	  "asn \"0\": expected a number from 1 to 4294967295" },
	{ NODES "    r1: {kind: frr, asn: 4294967296}\n", LAB_E_VALUE, 4, 26,
	  "asn \"4294967296\"" },
	{ NODES "    r1: {kind: frr, asn: 65001.5}\n", LAB_E_VALUE, 4, 26, "asn" },
	{ NODES "    r1: {kind: frr, asn: -1}\n", LAB_E_VALUE, 4, 26, "asn" },
	{ "name: a\ncontroller: {asn: 0x10}\n", LAB_E_VALUE, 2, 19, "asn" },
	{ NODES "    r1: {kind: frr, route-reflector: yes}\n", LAB_E_VALUE, 4, 38,
	  "route-reflector \"yes\": expected true or false" },
	/* endpoints and interface names */
	{ TWO "  links:\n    - endpoints: [r1:e1]\n", LAB_E_VALUE, 7, 18,
	  "topology.links[0].endpoints has 1 items: expected two" },
	{ TWO "  links:\n    - endpoints: [r1:e1, r2:e1, r2:e2]\n", LAB_E_VALUE,
	  7, 18, "has 3 items" },
	{ TWO "  links:\n    - endpoints: [r1eth1, r2:e1]\n", LAB_E_VALUE, 7, 19,
	  "endpoint \"r1eth1\": expected NODE:IFNAME" },
	{ TWO "  links:\n    - endpoints: [\":e1\", r2:e1]\n", LAB_E_VALUE, 7, 19,
	  "expected NODE:IFNAME" },
	{ TWO "  links:\n    - endpoints: [\"r1:\", r2:e1]\n", LAB_E_VALUE, 7, 19,
	  "interface name \"\" is empty" },
	{ TWO "  links:\n    - endpoints: [r1:lo, r2:e1]\n", LAB_E_VALUE, 7, 19,
	  "interface name \"lo\" is the loopback's name" },
	{ TWO "  links:\n    - endpoints: [r1:e1, r2:fc0]\n", LAB_E_VALUE, 7, 26,
	  "interface name \"fc0\" is reserved for the controller link" },
	{ TWO "  links:\n    - endpoints: [r1:e/1, r2:e1]\n", LAB_E_VALUE, 7, 19,
	  "contains '/' or ':'" },
	{ TWO "  links:\n    - endpoints: [\"r1:e:1\", r2:e1]\n", LAB_E_VALUE, 7,
	  19, "contains '/' or ':'" },
	{ TWO "  links:\n    - endpoints: [r1:e 1, r2:e1]\n", LAB_E_VALUE, 7, 19,
	  "contains white space" },
	{ TWO "  links:\n    - endpoints: [\"r1:e\\t1\", r2:e1]\n", LAB_E_VALUE, 7,
	  19, "contains white space" },
	{ TWO "  links:\n    - endpoints: [\"r1:e\\x7f\", r2:e1]\n", LAB_E_VALUE,
	  7, 19, "contains a control character" },
	{ TWO "  links:\n    - endpoints: [r1:a123456789abcdef, r2:e1]\n",
	  LAB_E_VALUE, 7, 19, "is longer than 15 characters" },
	{ TWO "  links:\n    - endpoints: [\"r1:..\", r2:e1]\n", LAB_E_VALUE, 7,
	  19, "is not a name" },
	/* sizes and CPUs */
	{ NODES "    r1: {kind: frr, memory: lots}\n", LAB_E_VALUE, 4, 29,
	  "memory \"lots\" is not a size" },
	{ NODES "    r1: {kind: frr, memory: 1.5G}\n", LAB_E_VALUE, 4, 29,
	  "is not a size" },
	{ NODES "    r1: {kind: frr, memory: 18446744073709551616}\n",
	  LAB_E_VALUE, 4, 29, "is not a size" },
	{ NODES "    r1: {kind: frr, memory: 512KiB}\n", LAB_E_VALUE, 4, 29,
	  "memory 512KiB is less than 1 MiB" },
	{ NODES "    r1: {kind: frr, memory: 64GiB}\n", LAB_E_LIMIT, 4, 29,
	  "memory 64GiB is more than this host's 24.0 GiB" },
	{ NODES "    r1: {kind: frr, memory: 24577MiB}\n", LAB_E_LIMIT, 4, 29,
	  "more than this host's" },
	{ "name: a\ntopology:\n  defaults: {memory: 64GiB}\n", LAB_E_LIMIT, 3,
	  22, "memory 64GiB is more than this host's" },
	{ NODES "    r1: {kind: frr, memory: 256MiB, memory-budget: 257MiB}\n",
	  LAB_E_VALUE, 4, 52, "memory-budget 257MiB is more than memory 256MiB" },
	{ "name: a\ntopology:\n  defaults: {memory: 256MiB}\n  nodes:\n"
	  "    r1: {kind: frr, memory-budget: 300MiB}\n", LAB_E_VALUE, 5, 36,
	  "memory-budget 300MiB is more than memory 256MiB" },
	{ "name: a\ntopology:\n  defaults: {memory-budget: 300MiB}\n  nodes:\n"
	  "    r1: {kind: frr, memory: 256MiB}\n", LAB_E_VALUE, 3, 29,
	  "memory-budget 300MiB is more than memory 256MiB" },
	{ NODES "    r1: {kind: frr, memory-budget: x}\n", LAB_E_VALUE, 4, 36,
	  "memory-budget \"x\" is not a size" },
	{ NODES "    r1: {kind: frr, cpus: 4}\n", LAB_E_LIMIT, 4, 27,
	  "cpus 4 is more than this host's 2" },
	{ NODES "    r1: {kind: frr, cpus: 2001m}\n", LAB_E_LIMIT, 4, 27,
	  "cpus 2001m is more than this host's 2" },
	{ NODES "    r1: {kind: frr, cpus: 0}\n", LAB_E_VALUE, 4, 27,
	  "cpus 0: expected more than 0" },
	{ NODES "    r1: {kind: frr, cpus: 0.0001}\n", LAB_E_VALUE, 4, 27,
	  "cpus \"0.0001\" is not a CPU count" },
	{ NODES "    r1: {kind: frr, cpus: -1}\n", LAB_E_VALUE, 4, 27,
	  "is not a CPU count" },
	/* subnets */
	{ "name: a\ncontroller: {subnet: 172.30.0.0/31}\n", LAB_E_VALUE, 2, 22,
	  "controller.subnet 172.30.0.0/31: expected a prefix length of 30 or less" },
	{ "name: a\ncontroller: {subnet: 172.30.0.1/16}\n", LAB_E_VALUE, 2, 22,
	  "controller.subnet 172.30.0.1/16 has host bits set; expected 172.30.0.0/16" },
	{ "name: a\ncontroller: {subnet: 300.1.1.0/24}\n", LAB_E_VALUE, 2, 22,
	  "controller.subnet \"300.1.1.0/24\": expected an IPv4 subnet" },
	{ "name: a\ncontroller: {subnet: 10.0.0.0}\n", LAB_E_VALUE, 2, 22,
	  "expected an IPv4 subnet" },
	{ "name: a\ncontroller: {subnet: 10.0.0.0/33}\n", LAB_E_VALUE, 2, 22,
	  "expected an IPv4 subnet" },
	{ "name: a\ncontroller: {subnet: 010.0.0.0/8}\n", LAB_E_VALUE, 2, 22,
	  "expected an IPv4 subnet" },
	{ "name: a\ncontroller: {subnet: \"2001:db8::/64\"}\n", LAB_E_VALUE, 2,
	  22, "expected an IPv4 subnet" },
	{ "name: a\ntopology:\n  defaults: {link-subnet: 10.1.0.0/32}\n",
	  LAB_E_VALUE, 3, 27, "topology.defaults.link-subnet 10.1.0.0/32" },
	{ CTL_TWO("{peers: [r1, r2], subnet: 10.0.0.0/30}"),
	  LAB_E_ADDRESS, 2, 39,
	  "controller subnet 10.0.0.0/30 holds 1 /30s; controller.peers lists 2 nodes" },
	{ "name: a\ncontroller:\n  peers: [r1, r2, r1]\n  subnet: 10.0.0.0/30\n"
	  "topology:\n  nodes:\n" R1R2, LAB_E_DUPLICATE, 3, 19, "listed twice" },
	{ "name: a\ntopology:\n  defaults: {link-subnet: 10.1.0.0/29}\n"
	  "  nodes: {r1: {kind: frr}, r2: {kind: frr}}\n  links:\n"
	  "    - endpoints: [r1:a, r2:a]\n    - endpoints: [r1:b, r2:b]\n"
	  "    - endpoints: [r1:c, r2:c]\n", LAB_E_ADDRESS, 3, 27,
	  "link-subnet 10.1.0.0/29 holds 2 /30s; there are 3 links" },
	{ CTL_TWO("{peers: [r1], subnet: 10.100.4.0/24}")
	  "  links:\n    - endpoints: [r1:a, r2:a]\n", LAB_E_ADDRESS, 2, 35,
	  "link-subnet 10.100.0.0/16 overlaps the controller subnet 10.100.4.0/24" },
	{ "name: a\ncontroller: {peers: [r1]}\ntopology:\n"
	  "  defaults: {link-subnet: 172.16.0.0/12}\n  nodes:\n"
	  "    r1: {kind: frr}\n    r2: {kind: bird}\n"
	  "  links:\n    - endpoints: [r1:a, r2:a]\n", LAB_E_ADDRESS, 4, 27,
	  "link-subnet 172.16.0.0/12 overlaps the controller subnet 172.30.0.0/16" },
};

START_TEST(bad_topology)
{
	const struct bad_case *c = &bad_cases[_i];
	struct lab_error e;
	struct lab_topology *t = parse(c->yaml, &e);
	char msg[1024], want[64];

	lab_error_format(&e, msg, sizeof(msg));
	ck_assert_msg(t == NULL, "case %d accepted:\n%s", _i, c->yaml);
	ck_assert_msg(e.code == c->code, "case %d: code %s, want %s: %s", _i,
	    lab_errcode_name(e.code), lab_errcode_name(c->code), msg);
	ck_assert_msg(e.line == c->line && e.column == c->col,
	    "case %d: at %u:%u, want %u:%u: %s", _i, e.line, e.column,
	    c->line, c->col, msg);
	ck_assert_msg(strstr(e.msg, c->needle) != NULL,
	    "case %d: message lacks \"%s\": %s", _i, c->needle, msg);
	ck_assert_str_eq(e.file, "t.yml");
	snprintf(want, sizeof(want), "t.yml:%u:%u: ", c->line, c->col);
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "%s", msg);
	ck_assert_int_eq(lab_error_exit(e.code), 3);
}
END_TEST

/* ---- caps on untrusted input ---- */

START_TEST(too_many_nodes)
{
	GString *y = g_string_new("name: big\ntopology:\n  nodes:\n");
	struct lab_error e;

	for (unsigned i = 0; i < 1025; i++)
		g_string_append_printf(y, "    n%u: {kind: frr}\n", i);
	ck_assert_ptr_null(parse(y->str, &e));
	ck_assert_int_eq(e.code, LAB_E_LIMIT);
	ck_assert_uint_eq(e.line, 4);
	ck_assert_uint_eq(e.column, 5);
	ck_assert_ptr_nonnull(strstr(e.msg, "1025 nodes; at most 1024"));
	g_string_free(y, TRUE);
}
END_TEST

START_TEST(many_links)
{
	GString *y = g_string_new("name: big\ntopology:\n"
	    "  nodes: {a: {kind: frr}, b: {kind: frr}}\n  links:\n");
	struct lab_topology *t;
	struct lab_error e;

	for (unsigned i = 0; i < 4096; i++)
		g_string_append_printf(y, "    - endpoints: [a:e%u, b:e%u]\n",
		    i, i);
	t = parse_ok(y->str);
	ck_assert_uint_eq(t->n_links, 4096);
	ck_assert_uint_eq(t->links[4095].ep[1].ip.addr,
	    ip4(10, 100, 63, 254));
	lab_topology_free(t);
	g_string_append(y, "    - endpoints: [a:x, b:x]\n");
	ck_assert_ptr_null(parse(y->str, &e));
	ck_assert_int_eq(e.code, LAB_E_LIMIT);
	ck_assert_uint_eq(e.line, 5);
	ck_assert_ptr_nonnull(strstr(e.msg, "4097 links; at most 4096"));
	g_string_free(y, TRUE);
}
END_TEST

START_TEST(too_many_values)
{
	/* 13 values before the list: its item 262131 is value 262145. */
	GString *y = g_string_new("name: a\ntopology:\n  nodes:\n"
	    "    r1: {kind: frr, peers: [a");
	struct lab_error e;

	for (unsigned i = 1; i < 300000; i++)
		g_string_append(y, ",a");
	g_string_append(y, "]}\n");
	ck_assert_ptr_null(parse(y->str, &e));
	ck_assert_int_eq(e.code, LAB_E_LIMIT);
	ck_assert_uint_eq(e.line, 4);
	ck_assert_uint_eq(e.column, 29 + 2 * 262131);
	ck_assert_ptr_nonnull(strstr(e.msg, "more than 262144 values"));
	g_string_free(y, TRUE);
}
END_TEST

START_TEST(file_size_cap)
{
	size_t len = (4u << 20) + 1;
	char *big = malloc(len);
	struct lab_error e;

	ck_assert_ptr_nonnull(big);
	memset(big, '#', len);
	memset(&e, 0, sizeof(e));
	ck_assert_ptr_null(lab_topology_parse("big.yml", big, len, 0, 0, &e));
	ck_assert_int_eq(e.code, LAB_E_LIMIT);
	ck_assert_uint_eq(e.line, 0);
	ck_assert_ptr_nonnull(strstr(e.msg, "4 MiB"));
	free(big);
}
END_TEST

START_TEST(deep_nesting_refused_early)
{
	/* A megabyte of '[': refused at the 17th, never recursed into. */
	size_t len = 1u << 20;
	char *deep = malloc(len);
	struct lab_error e;

	ck_assert_ptr_nonnull(deep);
	memset(deep, '[', len);
	ck_assert_ptr_null(lab_topology_parse("d.yml", deep, len, 0, 0, &e));
	ck_assert_int_eq(e.code, LAB_E_SYNTAX);
	ck_assert_uint_eq(e.line, 1);
	ck_assert_uint_eq(e.column, 17);
	free(deep);
}
END_TEST

START_TEST(load_errors)
{
	struct lab_error e;
	char *dir = fc_source_path("topologies");
	char buf[1024];

	memset(&e, 0, sizeof(e));
	ck_assert_ptr_null(lab_topology_load("/nonexistent/t.yml", 0, 0, &e));
	ck_assert_int_eq(e.code, LAB_E_IO);
	ck_assert_str_eq(e.file, "/nonexistent/t.yml");
	ck_assert_ptr_nonnull(strstr(e.msg, strerror(ENOENT)));
	ck_assert_int_eq(lab_error_exit(e.code), 4);
	lab_error_format(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "/nonexistent/t.yml: cannot open: No such file or directory");
	memset(&e, 0, sizeof(e));
	ck_assert_ptr_null(lab_topology_load(dir, 0, 0, &e));
	ck_assert_int_eq(e.code, LAB_E_IO);
	ck_assert_ptr_nonnull(strstr(e.msg, strerror(EISDIR)));
	free(dir);
	/* Endless input is read no further than the cap. */
	memset(&e, 0, sizeof(e));
	ck_assert_ptr_null(lab_topology_load("/dev/zero", 0, 0, &e));
	ck_assert_int_eq(e.code, LAB_E_LIMIT);
	ck_assert_ptr_nonnull(strstr(e.msg, "4194305 bytes"));
}
END_TEST

/* ---- sizes and CPU counts ---- */

struct size_case {
	const char *s;
	int ok;
	uint64_t bytes;
};

static const struct size_case size_cases[] = {
	{ "0", 1, 0 },
	{ "1", 1, 1 },
	{ "268435456", 1, 268435456 },
	{ "1B", 1, 1 },
	{ "1b", 1, 1 },
	{ "1K", 1, 1024 },
	{ "1k", 1, 1024 },
	{ "1KiB", 1, 1024 },
	{ "1KB", 1, 1000 },
	{ "1kb", 1, 1000 },
	{ "256M", 1, 256 * MIB },
	{ "256m", 1, 256 * MIB },
	{ "256MiB", 1, 256 * MIB },
	{ "256mib", 1, 256 * MIB },
	{ "256MB", 1, 256000000 },
	{ "256 MiB", 1, 256 * MIB },
	{ "2G", 1, 2 * GIB },
	{ "2GiB", 1, 2 * GIB },
	{ "2GB", 1, 2000000000 },
	{ "18446744073709551615", 1, UINT64_MAX },
	{ "18446744073709551615B", 1, UINT64_MAX },
	{ "17179869183GiB", 1, 17179869183ull << 30 },
	{ "18446744073709551KB", 1, 18446744073709551000ull },
	{ "18446744073709551616", 0, 0 },
	{ "17179869184GiB", 0, 0 },
	{ "18446744073709552KB", 0, 0 },
	{ "99999999999999999999999", 0, 0 },
	{ "", 0, 0 },
	{ "MiB", 0, 0 },
	{ "-1", 0, 0 },
	{ "+1", 0, 0 },
	{ " 1", 0, 0 },
	{ "1 ", 0, 0 },
	{ "1  MiB", 0, 0 },
	{ "1.5G", 0, 0 },
	{ "1e9", 0, 0 },
	{ "0x10", 0, 0 },
	{ "010", 0, 0 },
	{ "1TiB", 0, 0 },
	{ "1MiBx", 0, 0 },
	{ "1Mi", 0, 0 },
	{ "1iB", 0, 0 },
};

START_TEST(parse_size_table)
{
	const struct size_case *c = &size_cases[_i];
	uint64_t v = 12345;
	int r = lab_parse_size(c->s, &v);

	ck_assert_msg((r == 0) == c->ok, "\"%s\": %d", c->s, r);
	if (c->ok)
		ck_assert_msg(v == c->bytes, "\"%s\": %llu", c->s,
		    (unsigned long long)v);
	else
		ck_assert_int_eq(r, -1);
}
END_TEST

struct cpus_case {
	const char *s;
	int ok;
	unsigned millis;
};

static const struct cpus_case cpus_cases[] = {
	{ "1", 1, 1000 },
	{ "2", 1, 2000 },
	{ "0.5", 1, 500 },
	{ "0.25", 1, 250 },
	{ "1.125", 1, 1125 },
	{ "0.001", 1, 1 },
	{ "1500m", 1, 1500 },
	{ "1m", 1, 1 },
	{ "0", 1, 0 },
	{ "0m", 1, 0 },
	{ "4294967", 1, 4294967000u },
	{ "4294967.295", 1, 4294967295u },
	{ "4294967295m", 1, 4294967295u },
	{ "4294968", 0, 0 },
	{ "4294967.296", 0, 0 },
	{ "4294967296m", 0, 0 },
	{ "99999999999999999999", 0, 0 },
	{ "", 0, 0 },
	{ ".5", 0, 0 },
	{ "1.", 0, 0 },
	{ "0.0005", 0, 0 },
	{ "1.5m", 0, 0 },
	{ "-1", 0, 0 },
	{ "1 ", 0, 0 },
	{ "one", 0, 0 },
	{ "01", 0, 0 },
	{ "1e3", 0, 0 },
	{ "1M", 0, 0 },
	{ "m", 0, 0 },
	{ "1mm", 0, 0 },
};

START_TEST(parse_cpus_table)
{
	const struct cpus_case *c = &cpus_cases[_i];
	unsigned v = 12345;
	int r = lab_parse_cpus(c->s, &v);

	ck_assert_msg((r == 0) == c->ok, "\"%s\": %d", c->s, r);
	if (c->ok)
		ck_assert_msg(v == c->millis, "\"%s\": %u", c->s, v);
	else
		ck_assert_int_eq(r, -1);
}
END_TEST

START_TEST(parse_null_arguments)
{
	uint64_t b;
	unsigned m;

	ck_assert_int_eq(lab_parse_size(NULL, &b), -1);
	ck_assert_int_eq(lab_parse_size("1", NULL), -1);
	ck_assert_int_eq(lab_parse_cpus(NULL, &m), -1);
	ck_assert_int_eq(lab_parse_cpus("1", NULL), -1);
}
END_TEST

/* ---- names and errors ---- */

START_TEST(kind_names)
{
	static const char *const names[] = { "frr", "bird", "gobgp",
		"vrouter", "linux" };

	for (int k = 0; k < 5; k++) {
		ck_assert_str_eq(lab_kind_name((enum lab_kind)k), names[k]);
		ck_assert_int_eq(lab_kind_parse(names[k]), k);
	}
	ck_assert_int_eq(lab_kind_parse("vm"), -1);
	ck_assert_int_eq(lab_kind_parse(""), -1);
	ck_assert_int_eq(lab_kind_parse(NULL), -1);
	ck_assert_str_eq(lab_kind_name((enum lab_kind)99), "unknown");
}
END_TEST

START_TEST(find_nodes)
{
	struct lab_topology *t = parse_ok(NODES "    b: {kind: frr}\n"
	    "    a: {kind: frr}\n");

	ck_assert_int_eq(lab_topology_find(t, "b"), 0);
	ck_assert_int_eq(lab_topology_find(t, "a"), 1);
	ck_assert_int_eq(lab_topology_find(t, "c"), -1);
	ck_assert_int_eq(lab_topology_find(t, NULL), -1);
	ck_assert_int_eq(lab_topology_find(NULL, "a"), -1);
	lab_topology_free(t);
	lab_topology_free(NULL);
}
END_TEST

START_TEST(error_helpers)
{
	struct lab_error e;
	char buf[64];

	ck_assert_str_eq(lab_errcode_name(LAB_OK), "ok");
	ck_assert_str_eq(lab_errcode_name(LAB_E_UNKNOWN_KIND), "unknown-kind");
	ck_assert_str_eq(lab_errcode_name(LAB_E_NOMEM), "out-of-memory");
	ck_assert_str_eq(lab_errcode_name((enum lab_errcode)999), "unknown");
	ck_assert_int_eq(lab_error_exit(LAB_OK), 0);
	for (int c = LAB_E_SYNTAX; c <= LAB_E_ADDRESS; c++)
		ck_assert_int_eq(lab_error_exit((enum lab_errcode)c), 3);
	for (int c = LAB_E_ENV; c <= LAB_E_NOMEM; c++)
		ck_assert_int_eq(lab_error_exit((enum lab_errcode)c), 4);

	ck_assert_int_eq(lab_error_at(&e, LAB_E_VALUE, "f.yml", 3, 7, "bad %d",
	    42), -1);
	lab_error_format(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "f.yml:3:7: bad 42");
	lab_error_at(&e, LAB_E_ENV, "f.yml", 0, 9, "no root");
	ck_assert_uint_eq(e.column, 0);
	lab_error_format(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "f.yml: no root");
	lab_error_at(&e, LAB_E_ENV, NULL, 0, 0, "no root");
	lab_error_format(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "no root");
	/* Truncated, never overrun. */
	lab_error_format(&e, buf, 4);
	ck_assert_str_eq(buf, "no ");
	ck_assert_int_eq(lab_error_at(NULL, LAB_E_IO, "x", 1, 1, "y"), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("topology");
	TCase *tc;

	tc = tcase_create("examples");
	tcase_add_test(tc, every_example_loads);
	tcase_add_test(tc, example_single);
	tcase_add_test(tc, example_daemons);
	tcase_add_test(tc, example_bench);
	tcase_add_test(tc, example_fleet23);
	suite_add_tcase(s, tc);

	tc = tcase_create("resolve");
	tcase_add_test(tc, asn_defaults);
	tcase_add_test(tc, defaults_and_overrides);
	tcase_add_test(tc, link_addresses_and_router_ids);
	tcase_add_test(tc, router_id_fallback_carries);
	tcase_add_test(tc, controller_pool_assignment);
	tcase_add_test(tc, peerings_symmetric_and_deduplicated);
	tcase_add_test(tc, linux_exec_and_vrouter_platform);
	tcase_add_test(tc, nulls_and_empties_are_absent);
	tcase_add_test(tc, host_limits_zero_not_checked);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_add_loop_test(tc, bad_topology, 0,
	    sizeof bad_cases / sizeof *bad_cases);
	tcase_add_test(tc, too_many_nodes);
	tcase_add_test(tc, many_links);
	tcase_add_test(tc, too_many_values);
	tcase_add_test(tc, file_size_cap);
	tcase_add_test(tc, deep_nesting_refused_early);
	tcase_add_test(tc, load_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_loop_test(tc, parse_size_table, 0,
	    sizeof size_cases / sizeof *size_cases);
	tcase_add_loop_test(tc, parse_cpus_table, 0,
	    sizeof cpus_cases / sizeof *cpus_cases);
	tcase_add_test(tc, parse_null_arguments);
	tcase_add_test(tc, kind_names);
	tcase_add_test(tc, find_nodes);
	tcase_add_test(tc, error_helpers);
	suite_add_tcase(s, tc);

	return fc_run_suite(s);
}
