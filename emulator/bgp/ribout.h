/*
 * ribout.h - a session's Adj-RIB-Out: the flowspec routes it announces,
 * each encoded once and known by its family and NLRI octets.
 *
 * A route is a struct bgp_route with its octets in the same allocation,
 * so the lists handed out can go straight to the UPDATE builder.
 */
#ifndef FC_BGP_RIBOUT_H
#define FC_BGP_RIBOUT_H

#include <stddef.h>

#include "flowspec/error.h"
#include "flowspec/rule.h"
#include "update.h"

struct bgp_rib_out;

/* Returns an empty Adj-RIB-Out (aborts on ENOMEM, as GLib does). */
struct bgp_rib_out *bgp_rib_out_new(void);
void bgp_rib_out_free(struct bgp_rib_out *rib);

/* Returns the number of routes held. */
size_t bgp_rib_out_size(const struct bgp_rib_out *rib);

/*
 * Encodes rules[0..n) and adds them, each replacing a route of the same
 * NLRI (within the batch too: the later rule wins): all of them, or (on
 * error) none.  Returns the new routes, their number in *k (the array is
 * the caller's to g_free, the routes stay the table's), or NULL with `err`
 * naming the rule (its index + 1 in err->line).
 */
const struct bgp_route **bgp_rib_out_add(struct bgp_rib_out *rib,
    const struct fs_rule *rules, size_t n, size_t *k, struct fs_error *err);

/*
 * Removes the routes with the NLRI of rules[0..n) (those not held are
 * ignored).  Returns them, now the caller's (bgp_routes_free), with their
 * number in *k; or NULL with `err` if a rule cannot be encoded (then
 * nothing is removed).
 */
struct bgp_route **bgp_rib_out_remove(struct bgp_rib_out *rib,
    const struct fs_rule *rules, size_t n, size_t *k, struct fs_error *err);

/* Removes and returns every route (bgp_routes_free), their number in *k. */
struct bgp_route **bgp_rib_out_take_all(struct bgp_rib_out *rib, size_t *k);

/* Returns the routes of `family` (0: all), still the table's; g_free the array. */
const struct bgp_route **bgp_rib_out_list(const struct bgp_rib_out *rib,
    int family, size_t *k);

/* Frees routes[0..k) and the array. */
void bgp_routes_free(struct bgp_route **routes, size_t k);

#endif
