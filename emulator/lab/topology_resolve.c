/*
 * topology_resolve.c - what a topology implies once every node and link
 * is read: link addresses, the controller's sessions and addresses, the
 * sessions between nodes, and router ids.
 *
 * Link i gets the i-th /30 of link-subnet (endpoint 0 .1, endpoint 1 .2);
 * the j-th node of controller.peers gets the j-th /30 of the controller's
 * subnet (controller .1, node .2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology_int.h"

/* Returns how many /30s a pool holds. */
static uint64_t
pool_room(const struct tp_pool *p)
{
	return 1ull << (30 - p->plen);
}

/* Returns whether two pools share an address. */
static bool
pools_overlap(const struct tp_pool *a, const struct tp_pool *b)
{
	uint8_t plen = a->plen < b->plen ? a->plen : b->plen;
	uint32_t mask = plen == 0 ? 0 : ~0u << (32 - plen);

	return (a->base & mask) == (b->base & mask);
}

/* Returns 0 if the pools in use have room and are apart, or -1. */
static int
check_pools(struct tp_ctx *c, size_t n_ctl)
{
	const struct tp_pool *lp = &c->link_pool, *cp = &c->ctl_pool;
	char a[16], b[16];

	tp_fmt_ip(lp->base, a, sizeof(a));
	tp_fmt_ip(cp->base, b, sizeof(b));
	if (c->t->n_links > pool_room(lp))
		return tp_fail(c, LAB_E_ADDRESS, lp->at,
		    "link-subnet %s/%u holds %llu /30s; there are %zu links",
		    a, lp->plen, (unsigned long long)pool_room(lp),
		    c->t->n_links);
	if (n_ctl > pool_room(cp))
		return tp_fail(c, LAB_E_ADDRESS, cp->given ? cp->at :
		    c->ctl_peers_at,
		    "controller subnet %s/%u holds %llu /30s; "
		    "controller.peers lists %zu nodes", b, cp->plen,
		    (unsigned long long)pool_room(cp), n_ctl);
	/* Unused pools cannot clash: a lab without links may reuse the range. */
	if (c->t->n_links > 0 && n_ctl > 0 && pools_overlap(lp, cp))
		return tp_fail(c, LAB_E_ADDRESS, lp->given ? lp->at : cp->at,
		    "link-subnet %s/%u overlaps the controller subnet %s/%u",
		    a, lp->plen, b, cp->plen);
	return 0;
}

/* Returns nothing; gives each link its /30 of link-subnet. */
static void
link_addresses(struct tp_ctx *c)
{
	for (size_t i = 0; i < c->t->n_links; i++) {
		uint32_t net = c->link_pool.base + 4 * (uint32_t)i;

		for (int side = 0; side < 2; side++) {
			c->t->links[i].ep[side].ip.addr = net + 1 + (uint32_t)side;
			c->t->links[i].ep[side].ip.plen = 30;
		}
	}
}

/*
 * Returns 0 with the node an item of a peers list names in *k, or -1 if
 * it names none, names a linux node, or was listed before in the same
 * list (`seen`, per node: where it was listed; line 0: not yet).
 */
static int
peer_item(struct tp_ctx *c, const yaml_node_t *item, const char *list,
    struct tp_mark *seen, size_t *k)
{
	const char *s;
	char q[80];
	long idx;

	if (tp_scalar(c, item, list, &s) != 0)
		return -1;
	if ((idx = tp_find(c, s)) < 0)
		return tp_fail(c, LAB_E_DANGLING, tp_at(item),
		    "%s: %s names no node", list, tp_quote(s, q, sizeof(q)));
	*k = (size_t)idx;
	if (c->t->nodes[*k].kind == LAB_KIND_LINUX)
		return tp_fail(c, LAB_E_VALUE, tp_at(item),
		    "%s: %s is a linux node, which runs no BGP speaker", list,
		    s);
	if (seen[*k].line != 0)
		return tp_fail(c, LAB_E_DUPLICATE, tp_at(item),
		    "%s: %s is listed twice (%s)", list, s,
		    tp_places(seen[*k], tp_at(item), q, sizeof(q)));
	seen[*k] = tp_at(item);
	return 0;
}

/* Returns 0 with the controller's sessions and their addresses set, or -1. */
static int
controller_peers(struct tp_ctx *c)
{
	const yaml_node_t *seq = c->ctl_peers;
	struct tp_mark *seen;
	size_t n;
	int r = 0;

	if (seq == NULL || tp_is_null(seq))
		return check_pools(c, 0);
	if (tp_expect(c, seq, YAML_SEQUENCE_NODE, "controller.peers") != 0)
		return -1;
	if ((seen = calloc(c->t->n_nodes, sizeof(*seen))) == NULL)
		return tp_nomem(c);
	n = tp_len(seq);
	for (size_t j = 0; j < n && r == 0; j++) {
		size_t k;

		r = peer_item(c, tp_item(c, seq, j), "controller.peers",
		    seen, &k);
		if (r == 0)
			c->t->nodes[k].controller_peer = true;
	}
	free(seen);
	if (r != 0 || check_pools(c, n) != 0)
		return -1;
	/* Only now is the pool known to have room for every j. */
	for (size_t j = 0; j < n; j++) {
		uint32_t net = c->ctl_pool.base + 4 * (uint32_t)j;
		long k = tp_find(c, (const char *)
		    tp_item(c, seq, j)->data.scalar.value);
		struct lab_node *node = &c->t->nodes[k];

		node->ctl_peer_ip = (struct lab_ip4){ net + 1, 30 };
		node->ctl_ip = (struct lab_ip4){ net + 2, 30 };
	}
	return 0;
}

/* A link between two different nodes, keyed by the pair. */
struct link_key {
	size_t lo, hi, link;
};

/* Returns the order of two keys by pair, then by link. */
static int
cmp_link_key(const void *a, const void *b)
{
	const struct link_key *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return x->link < y->link ? -1 : x->link > y->link;
}

/* Returns the first link (file order) between nodes a and b, or SIZE_MAX. */
static size_t
shared_link(const struct link_key *keys, size_t n, size_t a, size_t b)
{
	struct link_key want = { a < b ? a : b, a < b ? b : a, 0 };
	size_t lo = 0, hi = n;

	/* The lowest key not below `want`: link 0 sorts first. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_link_key(&keys[mid], &want) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && keys[lo].lo == want.lo && keys[lo].hi == want.hi)
		return keys[lo].link;
	return SIZE_MAX;
}

/* One session as listed: node a lists b; seq is its place in file order. */
struct pair {
	size_t lo, hi, a, link, seq;
};

/* Returns the order of two sessions by pair, then file order. */
static int
cmp_pair(const void *x_, const void *y_)
{
	const struct pair *x = x_, *y = y_;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* What node_sessions works with: links by pair, and sessions as listed. */
struct sessions {
	struct link_key *keys;		/* links between two nodes, sorted */
	size_t n_keys;
	struct tp_mark *seen;		/* per node: listed in this list, where */
	struct pair *pairs;
	size_t n_pairs, cap;
};

/* Returns 0 with node i's peers list checked and appended to s->pairs, or -1. */
static int
node_peers(struct tp_ctx *c, size_t i, struct sessions *s)
{
	const struct lab_node *node = &c->t->nodes[i];
	const yaml_node_t *seq = c->naux[i].peers;
	char list[48];
	size_t n;

	if (seq == NULL || tp_is_null(seq))
		return 0;
	snprintf(list, sizeof(list), "topology.nodes.%s.peers", node->name);
	if (tp_expect(c, seq, YAML_SEQUENCE_NODE, list) != 0)
		return -1;
	if ((n = tp_len(seq)) == 0)
		return 0;
	if (node->kind == LAB_KIND_LINUX)
		return tp_fail(c, LAB_E_VALUE, c->naux[i].peers_at,
		    "node %s is a linux node, which runs no BGP speaker: "
		    "it cannot have peers", node->name);
	memset(s->seen, 0, c->t->n_nodes * sizeof(*s->seen));
	for (size_t j = 0; j < n; j++) {
		const yaml_node_t *item = tp_item(c, seq, j);
		size_t k, link;

		if (item != NULL && item->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)item->data.scalar.value,
		    node->name) == 0)
			return tp_fail(c, LAB_E_VALUE, tp_at(item),
			    "%s: node %s lists itself", list, node->name);
		if (peer_item(c, item, list, s->seen, &k) != 0)
			return -1;
		if ((link = shared_link(s->keys, s->n_keys, i, k)) == SIZE_MAX)
			return tp_fail(c, LAB_E_DANGLING, tp_at(item),
			    "%s: node %s shares no link with %s", list,
			    node->name, c->t->nodes[k].name);
		/* Cannot happen (see node_sessions); checked all the same. */
		if (s->n_pairs >= s->cap)
			return tp_fail(c, LAB_E_LIMIT, tp_at(item),
			    "%s: too many peers", list);
		s->pairs[s->n_pairs] = (struct pair){ i < k ? i : k,
		    i < k ? k : i, i, link, s->n_pairs };
		s->n_pairs++;
	}
	return 0;
}

/* Returns nothing; adds the session with b over `link` to node a's room for it. */
static void
add_peering(struct lab_topology *t, size_t a, size_t b, size_t link)
{
	struct lab_node *node = &t->nodes[a];

	node->peerings[node->n_peerings++] = (struct lab_peering){
		.link = link,
		.side = t->links[link].ep[0].node == a ? 0 : 1,
		.peer = b,
	};
}

/* Returns 0 with every node's peerings set, each session once, or -1. */
static int
peerings(struct tp_ctx *c, struct pair *pairs, size_t n_pairs)
{
	struct lab_topology *t = c->t;
	struct pair *sorted;
	bool *keep;

	if (n_pairs == 0)
		return 0;
	if ((sorted = calloc(n_pairs, sizeof(*sorted))) == NULL ||
	    (keep = calloc(n_pairs, sizeof(*keep))) == NULL) {
		free(sorted);
		return tp_nomem(c);
	}
	memcpy(sorted, pairs, n_pairs * sizeof(*pairs));
	qsort(sorted, n_pairs, sizeof(*sorted), cmp_pair);
	/* a lists b and b lists a: one session, where it was first listed. */
	for (size_t k = 0; k < n_pairs; k++)
		keep[sorted[k].seq] = k == 0 || sorted[k].lo != sorted[k - 1].lo ||
		    sorted[k].hi != sorted[k - 1].hi;
	free(sorted);
	for (size_t k = 0; k < n_pairs; k++)
		if (keep[k]) {
			t->nodes[pairs[k].lo].n_peerings++;
			t->nodes[pairs[k].hi].n_peerings++;
		}
	for (size_t i = 0; i < t->n_nodes; i++) {
		struct lab_node *node = &t->nodes[i];

		if (node->n_peerings == 0)
			continue;
		node->peerings = calloc(node->n_peerings, sizeof(*node->peerings));
		node->n_peerings = 0;
		if (node->peerings == NULL) {
			free(keep);
			return tp_nomem(c);
		}
	}
	for (size_t k = 0; k < n_pairs; k++)
		if (keep[k]) {
			size_t a = pairs[k].a;
			size_t b = a == pairs[k].lo ? pairs[k].hi : pairs[k].lo;

			add_peering(t, a, b, pairs[k].link);
			add_peering(t, b, a, pairs[k].link);
		}
	free(keep);
	return 0;
}

/* Returns 0 with the sessions between nodes resolved, or -1. */
static int
node_sessions(struct tp_ctx *c)
{
	const struct lab_topology *t = c->t;
	struct sessions s;
	int r = -1;

	memset(&s, 0, sizeof(s));
	/*
	 * A list names each node once at most, and never its own: one
	 * longer than the node count is refused before its end.
	 */
	for (size_t i = 0; i < t->n_nodes; i++) {
		size_t n = 0;

		if (c->naux[i].peers != NULL &&
		    c->naux[i].peers->type == YAML_SEQUENCE_NODE)
			n = tp_len(c->naux[i].peers);
		s.cap += n < t->n_nodes ? n : t->n_nodes;
	}
	/* +1: calloc(0) may return NULL, which is not out of memory. */
	if ((s.keys = calloc(t->n_links + 1, sizeof(*s.keys))) == NULL ||
	    (s.pairs = calloc(s.cap + 1, sizeof(*s.pairs))) == NULL ||
	    (s.seen = calloc(t->n_nodes, sizeof(*s.seen))) == NULL) {
		tp_nomem(c);
		goto out;
	}
	for (size_t l = 0; l < t->n_links; l++) {
		size_t a = t->links[l].ep[0].node, b = t->links[l].ep[1].node;

		if (a != b)
			s.keys[s.n_keys++] = (struct link_key){ a < b ? a : b,
			    a < b ? b : a, l };
	}
	qsort(s.keys, s.n_keys, sizeof(*s.keys), cmp_link_key);
	for (size_t i = 0; i < t->n_nodes; i++)
		if (node_peers(c, i, &s) != 0)
			goto out;
	r = peerings(c, s.pairs, s.n_pairs);
out:
	free(s.keys);
	free(s.pairs);
	free(s.seen);
	return r;
}

/* Returns nothing; gives each node its router id (see topology.h). */
static void
router_ids(struct lab_topology *t)
{
	for (size_t i = 0; i < t->n_nodes; i++) {
		struct lab_node *node = &t->nodes[i];

		/* 10.255.H.L from i + 1: nodes are capped well below 65536. */
		node->router_id = 0x0aff0000u | (uint32_t)((i + 1) & 0xffff);
		if (node->controller_peer) {
			node->router_id = node->ctl_ip.addr;
			continue;
		}
		for (size_t l = 0; l < t->n_links; l++) {
			const struct lab_link *ln = &t->links[l];

			if (ln->ep[0].node == i || ln->ep[1].node == i) {
				node->router_id = ln->ep[ln->ep[0].node == i ?
				    0 : 1].ip.addr;
				break;
			}
		}
	}
}

/* Returns 0 with addresses, sessions and router ids resolved, or -1. */
int
tp_resolve(struct tp_ctx *c)
{
	if (controller_peers(c) != 0)
		return -1;
	link_addresses(c);
	if (node_sessions(c) != 0)
		return -1;
	router_ids(c->t);
	return 0;
}
