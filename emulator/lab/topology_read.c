/*
 * topology_read.c - a topology document into struct lab_topology: every
 * key known and every node's settings complete.  Scalars are parsed in
 * topology_value.c, links read in topology_link.c; sessions and
 * addresses need all nodes and links, and come after (topology_resolve.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology_int.h"

static const char *const root_keys[] = { "name", "controller", "topology" };
enum { R_NAME, R_CONTROLLER, R_TOPOLOGY, R_COUNT };

static const char *const controller_keys[] = { "asn", "peers", "subnet" };
enum { C_ASN, C_PEERS, C_SUBNET, C_COUNT };

static const char *const topology_keys[] = { "defaults", "nodes", "links" };
enum { T_DEFAULTS, T_NODES, T_LINKS, T_COUNT };

/* The first TP_F_COUNT keys of both are the settings, in enum tp_field order. */
static const char *const defaults_keys[] = { "kind", "asn", "memory",
	"memory-budget", "cpus", "route-reflector", "link-subnet" };
enum { D_LINK_SUBNET = TP_F_COUNT, D_COUNT };

static const char *const node_keys[] = { "kind", "asn", "memory",
	"memory-budget", "cpus", "route-reflector", "peers", "platform", "exec" };
enum { N_PEERS = TP_F_COUNT, N_PLATFORM, N_EXEC, N_COUNT };

/* Returns 0 with controller's asn and subnet read and its peers kept, or -1. */
static int
read_controller(struct tp_ctx *c, const yaml_node_t *n)
{
	yaml_node_t *v[C_COUNT];
	struct tp_mark at[C_COUNT];
	const char *s;

	if (tp_map(c, n, "controller", controller_keys, C_COUNT, v, at) != 0)
		return -1;
	if (v[C_ASN] != NULL &&
	    (tp_scalar(c, v[C_ASN], "controller.asn", &s) != 0 ||
	    tp_read_asn(c, v[C_ASN], s, &c->t->controller_asn) != 0))
		return -1;
	if (v[C_SUBNET] != NULL &&
	    tp_read_pool(c, v[C_SUBNET], "controller.subnet", &c->ctl_pool) != 0)
		return -1;
	/* Peers name nodes, which are not read yet. */
	c->ctl_peers = v[C_PEERS];
	c->ctl_peers_at = at[C_PEERS];
	return 0;
}

/* Returns 0 with topology.defaults in c->defaults and c->link_pool, or -1. */
static int
read_defaults(struct tp_ctx *c, const yaml_node_t *n)
{
	yaml_node_t *v[D_COUNT];
	struct tp_mark at[D_COUNT];

	if (tp_map(c, n, "topology.defaults", defaults_keys, D_COUNT, v, at) != 0)
		return -1;
	for (int f = 0; f < TP_F_COUNT; f++)
		if (v[f] != NULL && tp_read_setting(c, (enum tp_field)f, v[f],
		    "topology.defaults", &c->defaults) != 0)
			return -1;
	if (v[D_LINK_SUBNET] != NULL && tp_read_pool(c, v[D_LINK_SUBNET],
	    "topology.defaults.link-subnet", &c->link_pool) != 0)
		return -1;
	return 0;
}

/* Returns whether s is a platform name: 1..64 of [a-z0-9_-]. */
static bool
valid_platform(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		char ch = s[n];

		if (n >= TP_PLATFORM_MAX)
			return false;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_'))
			return false;
	}
	return n > 0;
}

/* Returns 0 with a vrouter's platform in node->platform, or -1. */
static int
read_platform(struct tp_ctx *c, const yaml_node_t *n, const char *path,
    struct lab_node *node)
{
	char what[96], q[80];
	const char *s;

	snprintf(what, sizeof(what), "%s.platform", path);
	if (tp_scalar(c, n, what, &s) != 0)
		return -1;
	if (!valid_platform(s))
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "platform %s: expected 1 to 64 of a-z, 0-9, '-' and '_'",
		    tp_quote(s, q, sizeof(q)));
	if ((node->platform = strdup(s)) == NULL)
		return tp_nomem(c);
	return 0;
}

/* Returns 0 with a linux node's argv in node->exec, or -1. */
static int
read_exec(struct tp_ctx *c, const yaml_node_t *n, const char *path,
    struct lab_node *node)
{
	char what[96];
	size_t len;

	snprintf(what, sizeof(what), "%s.exec", path);
	if (!tp_is_null(n) && tp_expect(c, n, YAML_SEQUENCE_NODE, what) != 0)
		return -1;
	if ((len = tp_len(n)) == 0)
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "%s is empty: expected a program and its arguments", what);
	if (len > TP_EXEC_MAX)
		return tp_fail(c, LAB_E_LIMIT, tp_at(n),
		    "%s has %zu items; at most %u", what, len, TP_EXEC_MAX);
	/* calloc: the vector stays NULL-terminated, and freeable, throughout. */
	if ((node->exec = calloc(len + 1, sizeof(char *))) == NULL)
		return tp_nomem(c);
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *item = tp_item(c, n, i);
		const char *s;

		if (tp_scalar(c, item, what, &s) != 0)
			return -1;
		if (i == 0 && s[0] == '\0')
			return tp_fail(c, LAB_E_VALUE, tp_at(item),
			    "%s: the program's name is empty", what);
		if ((node->exec[i] = strdup(s)) == NULL)
			return tp_nomem(c);
	}
	return 0;
}

/* Returns 0 with the default argv of a linux node, or -1. */
static int
default_exec(struct tp_ctx *c, struct lab_node *node)
{
	static const char *const argv[] = { "sleep", "infinity" };

	if ((node->exec = calloc(3, sizeof(char *))) == NULL)
		return tp_nomem(c);
	for (size_t i = 0; i < 2; i++)
		if ((node->exec[i] = strdup(argv[i])) == NULL)
			return tp_nomem(c);
	return 0;
}

/* Returns 0 if a node's settings agree with its kind and each other, or -1. */
static int
finish_node(struct tp_ctx *c, size_t i, const struct tp_vals *v,
    yaml_node_t *const *nv, const struct tp_mark *at)
{
	struct lab_node *node = &c->t->nodes[i];
	const struct tp_mark name_at = c->naux[i].at;

	if (!v->set[TP_F_KIND])
		return tp_fail(c, LAB_E_MISSING, name_at,
		    "node %s has no kind: expected one of " TP_KINDS
		    " (here or in topology.defaults)", node->name);
	node->kind = v->kind;
	if (node->kind == LAB_KIND_VROUTER && nv[N_PLATFORM] == NULL)
		return tp_fail(c, LAB_E_MISSING, name_at,
		    "node %s is a vrouter and has no platform", node->name);
	if (node->kind != LAB_KIND_VROUTER && nv[N_PLATFORM] != NULL)
		return tp_fail(c, LAB_E_VALUE, at[N_PLATFORM],
		    "platform is only for vrouter nodes; %s is of kind %s",
		    node->name, lab_kind_name(node->kind));
	if (node->kind != LAB_KIND_LINUX && nv[N_EXEC] != NULL)
		return tp_fail(c, LAB_E_VALUE, at[N_EXEC],
		    "exec is only for linux nodes; %s is of kind %s",
		    node->name, lab_kind_name(node->kind));
	if (node->kind == LAB_KIND_LINUX && node->exec == NULL &&
	    default_exec(c, node) != 0)
		return -1;
	/* memory 0 is no limit: any budget is then only a threshold. */
	if (v->set[TP_F_BUDGET] && v->set[TP_F_MEMORY] && v->memory != 0 &&
	    v->budget > v->memory)
		return tp_fail(c, LAB_E_VALUE, v->at[TP_F_BUDGET],
		    "memory-budget %s is more than memory %s",
		    v->text[TP_F_BUDGET], v->text[TP_F_MEMORY]);
	node->asn = v->set[TP_F_ASN] ? v->asn : TP_FIRST_ASN + (uint32_t)i;
	node->memory_limit = v->set[TP_F_MEMORY] ? v->memory : 0;
	node->memory_budget = v->set[TP_F_BUDGET] ? v->budget : 0;
	node->cpu_millis = v->set[TP_F_CPUS] ? v->cpus : 0;
	node->route_reflector = v->set[TP_F_RR] && v->rr;
	return 0;
}

/* Returns 0 with node i read from its mapping (or null), or -1. */
static int
read_node(struct tp_ctx *c, size_t i, const yaml_node_t *body)
{
	struct lab_node *node = &c->t->nodes[i];
	struct tp_vals v = c->defaults;
	yaml_node_t *nv[N_COUNT];
	struct tp_mark at[N_COUNT];
	char path[48];

	snprintf(path, sizeof(path), "topology.nodes.%s", node->name);
	if (tp_map(c, body, path, node_keys, N_COUNT, nv, at) != 0)
		return -1;
	for (int f = 0; f < TP_F_COUNT; f++)
		if (nv[f] != NULL &&
		    tp_read_setting(c, (enum tp_field)f, nv[f], path, &v) != 0)
			return -1;
	if (nv[N_PLATFORM] != NULL &&
	    read_platform(c, nv[N_PLATFORM], path, node) != 0)
		return -1;
	if (nv[N_EXEC] != NULL && read_exec(c, nv[N_EXEC], path, node) != 0)
		return -1;
	c->naux[i].peers = nv[N_PEERS];
	c->naux[i].peers_at = at[N_PEERS];
	return finish_node(c, i, &v, nv, at);
}

/* Returns the order of two names, then of their indices. */
static int
cmp_name(const void *a, const void *b)
{
	const struct tp_name *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r != 0)
		return r;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Returns the index of the node called `name`, or -1. */
long
tp_find(const struct tp_ctx *c, const char *name)
{
	struct tp_name key = { name, 0 };
	size_t lo = 0, hi = c->t->n_nodes;

	if (c->by_name == NULL)
		return -1;
	/* Not bsearch: equal names differ by index, and any will do. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(key.name, c->by_name[mid].name);

		if (r == 0)
			return (long)c->by_name[mid].idx;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* Returns 0 if no two nodes share a name, else -1 for the earliest repeat. */
static int
check_unique(struct tp_ctx *c)
{
	size_t n = c->t->n_nodes, first = 0, again = SIZE_MAX;
	char q[64];

	qsort(c->by_name, n, sizeof(c->by_name[0]), cmp_name);
	for (size_t k = 1; k < n; k++) {
		if (strcmp(c->by_name[k].name, c->by_name[k - 1].name) != 0)
			continue;
		if (c->by_name[k].idx < again) {
			again = c->by_name[k].idx;
			first = c->by_name[k - 1].idx;
		}
	}
	if (again == SIZE_MAX)
		return 0;
	return tp_fail(c, LAB_E_DUPLICATE, c->naux[again].at,
	    "node %s is defined twice (%s)", c->t->nodes[again].name,
	    tp_places(c->naux[first].at, c->naux[again].at, q, sizeof(q)));
}

/* Returns 0 with node i's name from its key, or -1. */
static int
read_node_name(struct tp_ctx *c, size_t i, const yaml_node_t *k)
{
	const char *s;
	char q[80];

	if (tp_scalar(c, k, "a node name", &s) != 0)
		return -1;
	if (strcmp(s, "<<") == 0)
		return tp_fail(c, LAB_E_SYNTAX, tp_at(k),
		    "merge keys (<<) are not supported");
	if (!tp_valid_name(s))
		return tp_fail(c, LAB_E_VALUE, tp_at(k),
		    "node name %s: expected 1 to 15 of A-Z, a-z, 0-9, '-' "
		    "and '_'", tp_quote(s, q, sizeof(q)));
	/* The controller's side of a node's link is named after the node. */
	if (strcmp(s, "lo") == 0)
		return tp_fail(c, LAB_E_VALUE, tp_at(k),
		    "node name lo is reserved (the loopback's name)");
	/* Daemons name their sessions after their peers; this one is taken. */
	if (strcmp(s, "controller") == 0)
		return tp_fail(c, LAB_E_VALUE, tp_at(k),
		    "node name controller is reserved (the lab's own BGP speaker)");
	memcpy(c->t->nodes[i].name, s, strlen(s) + 1);
	c->t->nodes[i].line = tp_at(k).line;
	c->naux[i].at = tp_at(k);
	c->by_name[i].name = c->t->nodes[i].name;
	c->by_name[i].idx = i;
	return 0;
}

/* Returns 0 with topology.nodes read: names first, then each node; or -1. */
static int
read_nodes(struct tp_ctx *c, const yaml_node_t *n)
{
	struct lab_topology *t = c->t;
	size_t count;
	yaml_node_pair_t *p;

	if (tp_is_null(n))
		return tp_fail(c, LAB_E_MISSING, tp_at(n),
		    "topology.nodes is empty: a lab needs a node");
	if (tp_expect(c, n, YAML_MAPPING_NODE, "topology.nodes") != 0)
		return -1;
	if ((count = tp_len(n)) == 0)
		return tp_fail(c, LAB_E_MISSING, tp_at(n),
		    "topology.nodes is empty: a lab needs a node");
	if (count > TP_NODES_MAX)
		return tp_fail(c, LAB_E_LIMIT, tp_at(n),
		    "topology.nodes has %zu nodes; at most %u", count,
		    TP_NODES_MAX);
	if ((t->nodes = calloc(count, sizeof(*t->nodes))) == NULL ||
	    (c->naux = calloc(count, sizeof(*c->naux))) == NULL ||
	    (c->by_name = calloc(count, sizeof(*c->by_name))) == NULL)
		return tp_nomem(c);
	t->n_nodes = count;
	p = n->data.mapping.pairs.start;
	for (size_t i = 0; i < count; i++)
		if (read_node_name(c, i, tp_node(c, p[i].key)) != 0)
			return -1;
	if (check_unique(c) != 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *body = tp_node(c, p[i].value);

		if (body == NULL)
			return tp_fail(c, LAB_E_SYNTAX, c->naux[i].at,
			    "malformed node");
		if (read_node(c, i, body) != 0)
			return -1;
	}
	return 0;
}

/* Returns 0 with topology: read into c, or -1. */
static int
read_topology(struct tp_ctx *c, const yaml_node_t *n)
{
	yaml_node_t *v[T_COUNT];

	if (tp_map(c, n, "topology", topology_keys, T_COUNT, v, NULL) != 0)
		return -1;
	if (v[T_DEFAULTS] != NULL && read_defaults(c, v[T_DEFAULTS]) != 0)
		return -1;
	if (v[T_NODES] == NULL)
		return tp_fail(c, LAB_E_MISSING, tp_at(n),
		    "topology has no nodes");
	if (read_nodes(c, v[T_NODES]) != 0)
		return -1;
	return tp_read_links(c, v[T_LINKS]);
}

/* Returns 0 with the whole document read and resolved into c->t, or -1. */
int
tp_read(struct tp_ctx *c, yaml_node_t *root)
{
	yaml_node_t *v[R_COUNT];
	const char *s;
	char q[80];

	if (tp_expect(c, root, YAML_MAPPING_NODE, "the file") != 0)
		return -1;
	if (tp_map(c, root, "the file", root_keys, R_COUNT, v, NULL) != 0)
		return -1;
	if (v[R_NAME] == NULL)
		return tp_fail(c, LAB_E_MISSING, tp_at(root),
		    "the lab has no name: expected name: at the top");
	if (tp_scalar(c, v[R_NAME], "name", &s) != 0)
		return -1;
	if (!tp_valid_name(s))
		return tp_fail(c, LAB_E_VALUE, tp_at(v[R_NAME]),
		    "name %s: expected 1 to 15 of A-Z, a-z, 0-9, '-' and '_'",
		    tp_quote(s, q, sizeof(q)));
	memcpy(c->t->name, s, strlen(s) + 1);
	if (v[R_CONTROLLER] != NULL && read_controller(c, v[R_CONTROLLER]) != 0)
		return -1;
	if (v[R_TOPOLOGY] == NULL)
		return tp_fail(c, LAB_E_MISSING, tp_at(root),
		    "the lab has no topology: expected topology: with nodes");
	if (read_topology(c, v[R_TOPOLOGY]) != 0)
		return -1;
	return tp_resolve(c);
}
