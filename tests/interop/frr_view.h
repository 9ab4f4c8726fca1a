/*
 * frr_view.h - what FRR 8.4's bgpd shows of flowspec routes, and the same
 * rendered from flowcanary's rule model, so that the two can be compared
 * as strings.
 *
 * FRR's display is lossy (numeric terms do not show AND or OR, actions
 * lose some of their value), so a rule is not read back from FRR: our rule
 * is rendered the way FRR 8.4 displays it, quirks included, and the two
 * sets of strings are compared.  One entry is
 *
 *   KEY [" => " ACTIONS]
 *
 * KEY being the route's key in `show bgp ipv4 flowspec json` ("to P from P
 * proto = 6  port = 25 /11": the components as FRR prints them, then the
 * NLRI length in octets) and ACTIONS the extended-community line of
 * `show bgp ipv4 flowspec detail` ("FS:rate 0.000000").
 */
#ifndef FC_TEST_FRR_VIEW_H
#define FC_TEST_FRR_VIEW_H

#include <glib.h>
#include <stdbool.h>

#include "flowspec/rule.h"

#define FRR_BGPD "/usr/lib/frr/bgpd"
#define FRR_VTYSH "/usr/bin/vtysh"

/* Returns the route key FRR 8.4 shows for `r` (g_free), or NULL if `r` cannot be encoded. */
char *frr_render_key(const struct fs_rule *r);

/* Returns the action line FRR 8.4 shows for `r`, "" when it has none (g_free). */
char *frr_render_actions(const struct fs_rule *r);

/* Returns the whole entry for `r`: key, and " => " actions if any (g_free). */
char *frr_render_entry(const struct fs_rule *r);

/*
 * Returns why FRR 8.4 refuses `r` (it resets the session with a
 * NOTIFICATION), or NULL if it takes it.
 */
const char *frr_refuses(const struct fs_rule *r);

/* Returns the route keys of `show bgp ... flowspec json` (GPtrArray of strings). */
GPtrArray *frr_json_keys(const char *json);

/* Returns the number of routes in `show bgp ... flowspec json`, or -1 if unreadable. */
int frr_count_routes(const char *json);

/*
 * Returns the entries of one family's table (GPtrArray of strings, free
 * with g_ptr_array_unref), built from `show bgp ... flowspec json` (the
 * keys) and `show bgp ... flowspec detail` (the actions).  On a view this
 * cannot read, appends why to `err` and returns what it could read.
 */
GPtrArray *frr_parse_view(const char *json, const char *detail, GString *err);

#endif
