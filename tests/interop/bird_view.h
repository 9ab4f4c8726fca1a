/*
 * bird_view.h - BIRD 2.0's flow syntax: flowcanary's rules rendered in it,
 * and `birdc show route table flowtabN all` read back.
 *
 * BIRD prints a flow route in the syntax its configuration reads
 * ("flow4 { dst 192.0.2.0/24; proto 6; dport 137..139,8080; }"), and
 * extended communities as "(generic, 0x80060000, 0x0)".  One entry is
 *
 *   FLOW [" => " COMMUNITIES]
 *
 * with the communities sorted, so that sets of entries compare as strings.
 */
#ifndef FC_TEST_BIRD_VIEW_H
#define FC_TEST_BIRD_VIEW_H

#include <glib.h>
#include <stdbool.h>

#include "flowspec/rule.h"

#define BIRD_BIN "/usr/sbin/bird"
#define BIRDC_BIN "/usr/sbin/birdc"

/*
 * Returns `r` as BIRD 2.0.12 displays it ("flow4 { ... }", g_free).
 *
 * With `config`, returns it as a BIRD configuration writes it so that
 * BIRD encodes exactly the NLRI of `r`; where that syntax cannot (a
 * fragment term other than "name" or "!name", a bitmask of 0, a value
 * size BIRD would not choose), returns NULL and says why in `why` (may be
 * NULL).
 */
char *bird_render_flow(const struct fs_rule *r, bool config, GString *why);

/* Returns the actions of `r` as BIRD shows them, sorted, space-separated ("" if none; g_free). */
char *bird_render_ecs(const struct fs_rule *r);

/* Returns the whole entry for `r` (display syntax; g_free). */
char *bird_render_entry(const struct fs_rule *r);

/*
 * Returns the static-protocol route statement for `r`
 * ("route flow4 { ... } { bgp_ext_community.add((generic, ...)); };"),
 * or NULL with the reason in `why` (g_free).
 */
char *bird_render_route(const struct fs_rule *r, GString *why);

/*
 * Returns why BIRD 2.0.12 refuses `r` when it receives it (its validation
 * fails and it resets the session), or NULL if it takes it.
 */
const char *bird_refuses(const struct fs_rule *r);

/*
 * Returns the entries of `birdc show route table T all` output (GPtrArray
 * of strings; g_ptr_array_unref).
 */
GPtrArray *bird_parse_routes(const char *text);

#endif
