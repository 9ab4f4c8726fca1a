/*
 * ribout.c - the Adj-RIB-Out as a hash set of encoded routes.
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/nlri.h"
#include "ribout.h"

struct bgp_rib_out {
	GHashTable *set;	/* struct bgp_route *, keyed by family + NLRI */
};

/* A route and, after it, its NLRI and actions. */
struct entry {
	struct bgp_route route;
	uint8_t data[];
};

/* Returns a hash of a route's family and NLRI octets (FNV-1a). */
static guint
route_hash(gconstpointer key)
{
	const struct bgp_route *r = key;
	guint32 h = 2166136261u ^ r->family;
	for (size_t i = 0; i < r->nlri_len; i++)
		h = (h ^ r->nlri[i]) * 16777619u;
	return h;
}

static gboolean
route_equal(gconstpointer a, gconstpointer b)
{
	const struct bgp_route *x = a, *y = b;
	return x->family == y->family && x->nlri_len == y->nlri_len &&
	    memcmp(x->nlri, y->nlri, x->nlri_len) == 0;
}

/* Returns `r` encoded as a new route, or NULL with `err`. */
static struct bgp_route *
route_new(const struct fs_rule *r, struct fs_error *err)
{
	uint8_t nlri[FS_NLRI_MAX_LEN + 2];
	ssize_t n = fs_nlri_encode(r, nlri, sizeof nlri, err);
	if (n < 0)
		return NULL;
	if (r->nactions > UINT16_MAX) {
		fs_error_set(err, FS_E_TOO_LONG, "%u actions on one rule", r->nactions);
		return NULL;
	}
	size_t alen = (size_t)r->nactions * sizeof *r->actions;
	struct entry *e = malloc(sizeof *e + (size_t)n + alen);
	if (e == NULL) {
		fs_error_set(err, FS_E_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(e->data, nlri, (size_t)n);
	if (alen > 0)
		memcpy(e->data + n, r->actions, alen);
	e->route.family = r->family;
	e->route.nlri_len = (uint16_t)n;
	e->route.nactions = (uint16_t)r->nactions;
	e->route.nlri = e->data;
	e->route.actions = (const struct fs_action *)(e->data + n);
	return &e->route;
}

/* Encodes rules[0..n) into a new array, or returns NULL with `err`. */
static struct bgp_route **
encode_all(const struct fs_rule *rules, size_t n, struct fs_error *err)
{
	struct bgp_route **v = g_new(struct bgp_route *, n ? n : 1);

	for (size_t i = 0; i < n; i++) {
		if ((v[i] = route_new(&rules[i], err)) == NULL) {
			if (err != NULL)
				err->line = (unsigned)i + 1;
			bgp_routes_free(v, i);
			return NULL;
		}
	}
	return v;
}

void
bgp_routes_free(struct bgp_route **routes, size_t k)
{
	for (size_t i = 0; i < k; i++)
		free(routes[i]);
	g_free(routes);
}

struct bgp_rib_out *
bgp_rib_out_new(void)
{
	struct bgp_rib_out *rib = g_new0(struct bgp_rib_out, 1);
	rib->set = g_hash_table_new_full(route_hash, route_equal, free, NULL);
	return rib;
}

void
bgp_rib_out_free(struct bgp_rib_out *rib)
{
	if (rib == NULL)
		return;
	g_hash_table_destroy(rib->set);
	g_free(rib);
}

size_t
bgp_rib_out_size(const struct bgp_rib_out *rib)
{
	return g_hash_table_size(rib->set);
}

const struct bgp_route **
bgp_rib_out_add(struct bgp_rib_out *rib, const struct fs_rule *rules,
    size_t n, size_t *k, struct fs_error *err)
{
	struct bgp_route **v = encode_all(rules, n, err);
	GHashTable *batch;

	*k = 0;
	if (v == NULL)
		return NULL;
	/*
	 * Two rules of one batch with the same NLRI: the later wins, as it
	 * would in two batches, and the earlier never reaches the table (the
	 * table frees a key it replaces, which the returned list would still
	 * point at).
	 */
	batch = g_hash_table_new(route_hash, route_equal);
	for (size_t i = 0; i < n; i++) {
		gpointer seen = g_hash_table_lookup(batch, v[i]);
		/* Replace first: the old key must not be freed while keyed. */
		g_hash_table_replace(batch, v[i], GSIZE_TO_POINTER(i + 1));
		if (seen != NULL) {
			size_t j = GPOINTER_TO_SIZE(seen) - 1;
			free(v[j]);
			v[j] = NULL;
		}
	}
	g_hash_table_destroy(batch);
	for (size_t i = 0; i < n; i++) {
		if (v[i] == NULL)
			continue;
		g_hash_table_replace(rib->set, v[i], v[i]);
		v[(*k)++] = v[i];
	}
	return (const struct bgp_route **)v;
}

struct bgp_route **
bgp_rib_out_remove(struct bgp_rib_out *rib, const struct fs_rule *rules,
    size_t n, size_t *k, struct fs_error *err)
{
	struct bgp_route **probes = encode_all(rules, n, err);
	struct bgp_route **gone;

	*k = 0;
	if (probes == NULL)
		return NULL;
	gone = g_new(struct bgp_route *, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		gpointer have;
		if (g_hash_table_steal_extended(rib->set, probes[i], &have, NULL))
			gone[(*k)++] = have;
	}
	bgp_routes_free(probes, n);
	return gone;
}

struct bgp_route **
bgp_rib_out_take_all(struct bgp_rib_out *rib, size_t *k)
{
	guint n = 0;
	gpointer *keys = g_hash_table_get_keys_as_array(rib->set, &n);

	g_hash_table_steal_all(rib->set);
	*k = n;
	return (struct bgp_route **)keys;
}

const struct bgp_route **
bgp_rib_out_list(const struct bgp_rib_out *rib, int family, size_t *k)
{
	guint n = 0;
	gpointer *keys = g_hash_table_get_keys_as_array(rib->set, &n);
	const struct bgp_route **v = (const struct bgp_route **)keys;

	*k = 0;
	for (guint i = 0; i < n; i++)
		if (family == 0 || v[i]->family == family)
			v[(*k)++] = v[i];
	return v;
}
