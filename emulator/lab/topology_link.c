/*
 * topology_link.c - topology.links: each link's two "NODE:IFNAME"
 * endpoints, checked against the nodes and against each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology_int.h"

static const char *const link_keys[] = { "endpoints" };

/* Returns 0 with "NODE:IFNAME" in *ep, or -1. */
static int
read_endpoint(struct tp_ctx *c, const yaml_node_t *n, const char *what,
    struct lab_endpoint *ep)
{
	char q[80], q2[80], name[LAB_NAME_MAX + 1];
	const char *s, *colon, *problem;
	size_t nlen;
	long k;

	if (tp_scalar(c, n, what, &s) != 0)
		return -1;
	if ((colon = strchr(s, ':')) == NULL || colon == s)
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "endpoint %s: expected NODE:IFNAME",
		    tp_quote(s, q, sizeof(q)));
	/* A name longer than any node's names none. */
	if ((nlen = (size_t)(colon - s)) < sizeof(name)) {
		memcpy(name, s, nlen);
		name[nlen] = '\0';
	}
	if (nlen >= sizeof(name) || (k = tp_find(c, name)) < 0)
		return tp_fail(c, LAB_E_DANGLING, tp_at(n),
		    "endpoint %s names no node", tp_quote(s, q, sizeof(q)));
	if ((problem = tp_ifname_problem(colon + 1)) != NULL)
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "endpoint %s: interface name %s %s",
		    tp_quote(s, q, sizeof(q)), tp_quote(colon + 1, q2,
		    sizeof(q2)), problem);
	ep->node = (size_t)k;
	memcpy(ep->ifname, colon + 1, strlen(colon + 1) + 1);
	return 0;
}

/* Returns 0 with link i read from its mapping, or -1. */
static int
read_link(struct tp_ctx *c, size_t i, const yaml_node_t *item)
{
	struct lab_link *l = &c->t->links[i];
	yaml_node_t *v[1], *ends;
	char path[48], what[64];

	snprintf(path, sizeof(path), "topology.links[%zu]", i);
	if (item == NULL)
		return tp_fail(c, LAB_E_SYNTAX, tp_at(NULL), "malformed link");
	l->line = tp_at(item).line;
	if (tp_map(c, item, path, link_keys, 1, v, NULL) != 0)
		return -1;
	if ((ends = v[0]) == NULL)
		return tp_fail(c, LAB_E_MISSING, tp_at(item),
		    "%s has no endpoints", path);
	snprintf(what, sizeof(what), "%s.endpoints", path);
	if (!tp_is_null(ends) && tp_expect(c, ends, YAML_SEQUENCE_NODE, what) != 0)
		return -1;
	if (tp_len(ends) != 2)
		return tp_fail(c, LAB_E_VALUE, tp_at(ends),
		    "%s has %zu items: expected two, as \"NODE:IFNAME\"",
		    what, tp_len(ends));
	for (int side = 0; side < 2; side++) {
		yaml_node_t *e = tp_item(c, ends, (size_t)side);

		c->link_at[2 * i + (size_t)side] = tp_at(e);
		if (read_endpoint(c, e, what, &l->ep[side]) != 0)
			return -1;
	}
	return 0;
}

/* An endpoint, for finding an interface used twice. */
struct ep_ref {
	size_t node;
	const char *ifname;
	size_t pos;			/* 2 * link + side: file order */
};

/* Returns the order of two endpoints by node, interface, then position. */
static int
cmp_ep(const void *a, const void *b)
{
	const struct ep_ref *x = a, *y = b;
	int r;

	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	if ((r = strcmp(x->ifname, y->ifname)) != 0)
		return r;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Returns 0 if no interface is an endpoint twice, else -1 for the earliest repeat. */
static int
check_ifnames(struct tp_ctx *c)
{
	const struct lab_topology *t = c->t;
	size_t n = 2 * t->n_links, again = SIZE_MAX, first = 0;
	struct ep_ref *e;
	char q[64];

	if (n == 0)
		return 0;
	if ((e = calloc(n, sizeof(*e))) == NULL)
		return tp_nomem(c);
	for (size_t k = 0; k < n; k++) {
		e[k].node = t->links[k / 2].ep[k % 2].node;
		e[k].ifname = t->links[k / 2].ep[k % 2].ifname;
		e[k].pos = k;
	}
	qsort(e, n, sizeof(*e), cmp_ep);
	for (size_t k = 1; k < n; k++)
		if (e[k].node == e[k - 1].node &&
		    strcmp(e[k].ifname, e[k - 1].ifname) == 0 &&
		    e[k].pos < again) {
			again = e[k].pos;
			first = e[k - 1].pos;
		}
	free(e);
	if (again == SIZE_MAX)
		return 0;
	return tp_fail(c, LAB_E_DUPLICATE, c->link_at[again],
	    "interface %s:%s is used twice (%s)",
	    t->nodes[t->links[again / 2].ep[again % 2].node].name,
	    t->links[again / 2].ep[again % 2].ifname,
	    tp_places(c->link_at[first], c->link_at[again], q, sizeof(q)));
}

/* Returns 0 with topology.links read (absent or null: none), or -1. */
int
tp_read_links(struct tp_ctx *c, const yaml_node_t *n)
{
	struct lab_topology *t = c->t;
	size_t count;

	if (n == NULL || tp_is_null(n))
		return 0;
	if (tp_expect(c, n, YAML_SEQUENCE_NODE, "topology.links") != 0)
		return -1;
	if ((count = tp_len(n)) == 0)
		return 0;
	if (count > TP_LINKS_MAX)
		return tp_fail(c, LAB_E_LIMIT, tp_at(n),
		    "topology.links has %zu links; at most %u", count,
		    TP_LINKS_MAX);
	if ((t->links = calloc(count, sizeof(*t->links))) == NULL ||
	    (c->link_at = calloc(2 * count, sizeof(*c->link_at))) == NULL)
		return tp_nomem(c);
	t->n_links = count;
	for (size_t i = 0; i < count; i++)
		if (read_link(c, i, tp_item(c, n, i)) != 0)
			return -1;
	return check_ifnames(c);
}
