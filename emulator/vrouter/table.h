/*
 * table.h - the vrouter's flow table: every rule its peers announced, the
 * state its platform compiled for it, and what the dataplane applies.
 *
 * Rules are keyed by NLRI, as BGP keys routes; each keeps one path per
 * peer that announced it, and the first valid path's actions are used.
 * Compiles run on the main loop a slice at a time, one rule after the
 * other in arrival order, as a router's single compile thread does: a
 * rule whose compile never ends holds up every rule behind it.
 *
 * Changes reach the dataplane once per call and once per compile slice:
 * what a change frees waits until the dataplane has a table without it.
 */
#ifndef FC_VROUTER_TABLE_H
#define FC_VROUTER_TABLE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "compile.h"
#include "dataplane.h"
#include "match.h"
#include "profile.h"

enum vr_rule_status {
	VR_RULE_QUEUED,		/* waiting for the compiler */
	VR_RULE_COMPILING,
	VR_RULE_INSTALLED,	/* in the fast path */
	VR_RULE_SPILLED,	/* installed on the slow path: the table was full */
	VR_RULE_REJECTED,	/* the platform refused it; no state is held */
	VR_RULE_INVALID,	/* RFC 8955 section 6 validation refused every path */
};

/* One peer's announcement of a rule. */
struct vr_path {
	char *peer;		/* the neighbor's name */
	struct fs_rule rule;	/* match and that peer's actions */
	char *invalid;		/* why validation refused it, or NULL */
	int64_t received_us;	/* g_get_real_time() */
};

struct vr_rule {
	uint32_t id;
	GBytes *key;		/* family octet + NLRI */
	char *text;		/* one-line rule syntax of the active path */
	GPtrArray *paths;	/* struct vr_path *, in arrival order */
	const struct vr_path *active;	/* the first valid path, or NULL */
	enum vr_rule_status status;
	char reason[200];	/* why rejected or invalid, or what the compile did */
	struct vr_walk *walk;	/* while queued or compiling */
	struct vr_arena *arena;	/* entries the dataplane is using */
	bool arena_spilled;	/* ... on the slow path */
	struct vr_arena *next;	/* entries being written */
	bool next_spilled;
	bool queued;		/* in the compile queue */
	struct vr_match *match;
	struct vr_actions actions;
	struct vr_rule_state *dp;	/* counters, for the rule's lifetime */
	uint64_t compile_us;	/* wall time of the last finished compile */
	uint64_t compile_started_us;
	int64_t installed_us;
};

/* Memory by category, in octets. */
struct vr_memory {
	uint64_t entries;	/* compiled fast-path entries in use */
	uint64_t spill;		/* entries on the slow path */
	uint64_t building;	/* entries being written by a compile */
	uint64_t rules;		/* the rules themselves: keys, text, paths, counters (not matchers) */
};

struct vr_table_stats {
	uint64_t announces, withdraws, replaced;
	uint64_t compiles_done, compiles_rejected, recompiles;
	uint64_t entries_used, entries_building;
	uint64_t compile_us_total;
	uint64_t publishes;
};

struct vr_table;

/*
 * Returns a new, empty table compiling with `p` (which must outlive it)
 * and publishing to `dp` (NULL: no dataplane), or NULL (ENOMEM).
 */
struct vr_table *vr_table_new(const struct vr_profile *p, struct vr_dataplane *dp);

/* Stops compiles, unpublishes, frees every rule and the table (NULL is fine). */
void vr_table_free(struct vr_table *t);

/*
 * Records `peer`'s announcement of `r` (its actions replace what that peer
 * sent before); `invalid` says why validation refused it, or is NULL.
 * Returns 0, or -1 (ENOMEM, EINVAL).
 */
int vr_table_announce(struct vr_table *t, const char *peer,
    const struct fs_rule *r, const char *invalid);

/* Removes `peer`'s path of `r`. Returns 0 (also when there was none) or -1. */
int vr_table_withdraw(struct vr_table *t, const char *peer,
    const struct fs_rule *r);

/* Removes every path of `peer` (its session went down). */
void vr_table_peer_down(struct vr_table *t, const char *peer);

/* Returns the rules sorted by id (g_ptr_array_unref; the rules stay the table's). */
GPtrArray *vr_table_rules(struct vr_table *t);

void vr_table_memory(const struct vr_table *t, struct vr_memory *m);
void vr_table_stats(const struct vr_table *t, struct vr_table_stats *s);
/* Returns true when no compile is queued or running and the dataplane has the table. */
bool vr_table_idle(const struct vr_table *t);

/* Returns "queued", "compiling", "installed", ... */
const char *vr_rule_status_name(enum vr_rule_status s);

/* Called with every status change, for the daemon's log. */
typedef void (*vr_table_log_fn)(const struct vr_rule *r, void *ud);
void vr_table_set_log(struct vr_table *t, vr_table_log_fn fn, void *ud);

#endif
