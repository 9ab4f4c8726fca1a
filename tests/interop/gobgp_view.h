/*
 * gobgp_view.h - GoBGP 3.10 as the interoperability tests see it: its RIB
 * (`gobgp global rib -a ipv4-flowspec -j`) read back into flowcanary rules,
 * and flowcanary's rule syntax turned into `gobgp global rib add` arguments.
 *
 * GoBGP's JSON keeps the wire: each numeric or bitmask term carries the
 * operator octet as sent ("op", end-of-list and value-size bits included)
 * and its value, so a term converts back exactly.  Extended communities are
 * structured ({"type":128,"subtype":6,"as":0,"rate":0}) and are rebuilt
 * into their 8 octets.
 */
#ifndef FC_TEST_GOBGP_VIEW_H
#define FC_TEST_GOBGP_VIEW_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "flowspec/rule.h"

#define GV_GOBGP "/usr/bin/gobgp"
#define GV_GOBGPD "/usr/bin/gobgpd"

/*
 * The paths of a GoBGP RIB.  A path whose NLRI GoBGP decoded becomes a rule;
 * a path GoBGP kept but cannot express (its JSON "nlri" is null: it parsed
 * part of the NLRI as an "unknown" component) is kept as its display key.
 */
struct gv_rib {
	GArray *rules;		/* struct fs_rule, one per decoded path */
	GPtrArray *rule_peer;	/* neighbor-ip of rules[i] (char *) */
	GPtrArray *opaque_key;	/* display key of each undecoded path */
	GPtrArray *opaque_peer;	/* its neighbor-ip */
};

void gv_rib_init(struct gv_rib *rib);
void gv_rib_free(struct gv_rib *rib);

/*
 * Appends the paths of `json` (the output of `gobgp global rib -a
 * FAMILY-flowspec -j`; "" or "null" is an empty RIB) for `family` to `rib`.
 * Returns false, with a message appended to `err`, on JSON it cannot read
 * (an unknown component or extended community: the test must learn it).
 */
bool gv_rib_parse(struct gv_rib *rib, const char *json, int family, GString *err);

/* Returns the output of `gobgp -p PORT global rib -a FAMILY-flowspec -j` run in `ns` (g_free); *status as it_run. */
char *gv_rib_json(const char *ns, int api_port, int family, int *status);

/* Returns how many paths the JSON RIB `json` holds, or -1 if it is not a RIB. */
int gv_rib_count(const char *json);

/* Rebuilds one GoBGP extended community object into `a`; false (and `err`) if unknown. */
bool gv_ecomm(JsonObject *o, struct fs_action *a, GString *err);

/*
 * Turns a rule in flowcanary's one-line syntax into the arguments that
 * follow `gobgp global rib -a FAMILY-flowspec add`: the syntaxes agree
 * but for `flow-label` (GoBGP: `label`) and an IPv6 offset (`PREFIX offset
 * N`; GoBGP: `PREFIX N`).  With `match_only`, stops before `then` (for
 * `del`).  Returns a NULL-terminated vector (g_strfreev).
 */
gchar **gv_cli_args(const char *rule, bool match_only);

#endif
