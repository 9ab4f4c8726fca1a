/*
 * table.c - the flow table: paths per rule, the compile queue, capacity,
 * and publishing what is installed to the dataplane.
 *
 * A rule is "live" when the dataplane applies it; that is separate from
 * where its compile stands, because a platform that recompiles its whole
 * table keeps forwarding with the old table until the new one is built
 * (and holds both in memory meanwhile, as such routers do).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/nlri.h"
#include "flowspec/order.h"
#include "flowspec/text.h"
#include "table.h"

/* How long one main-loop turn may compile, and entries per walk step. */
#define SLICE_US 4000
#define STEP_ENTRIES 256

struct vr_table {
	const struct vr_profile *p;
	struct vr_dataplane *dp;
	GHashTable *rules;	/* GBytes key -> struct vr_rule (owned) */
	GQueue queue;		/* struct vr_rule * waiting to compile, head first */
	uint64_t used;		/* fast-path entries of live rules */
	uint64_t building;	/* fast-path entries written by compiles not yet live */
	bool rebuilding;	/* full-recompile platform: a rebuild is under way */
	bool rebuild_pending;	/* ... and another must start at the next slice */
	bool dirty;		/* the dataplane's table is out of date */
	GPtrArray *graveyard;	/* arenas to free once the dataplane lets go */
	GPtrArray *dead;	/* rules to free once the dataplane lets go */
	guint idle;
	uint32_t next_id;
	struct vr_rule *cur;	/* the rule whose walk is emitting */
	struct vr_table_stats st;
	vr_table_log_fn log;
	void *log_ud;
};

static gboolean on_idle(gpointer data);
static void rule_free(gpointer data);

/* Returns the status word of s. */
const char *
vr_rule_status_name(enum vr_rule_status s)
{
	switch (s) {
	case VR_RULE_QUEUED: return "queued";
	case VR_RULE_COMPILING: return "compiling";
	case VR_RULE_INSTALLED: return "installed";
	case VR_RULE_SPILLED: return "spilled";
	case VR_RULE_REJECTED: return "rejected";
	case VR_RULE_INVALID: return "invalid";
	}
	return "?";
}

/* Returns true for the platforms that rebuild everything on each update. */
static bool
full_mode(const struct vr_table *t)
{
	return t->p->update == VR_UPDATE_FULL;
}

/* Sets the status and reason of r; tells the log unless `quiet`. */
static void
set_status_q(struct vr_table *t, struct vr_rule *r, enum vr_rule_status s,
    const char *reason, bool quiet)
{
	r->status = s;
	snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
	if (t->log != NULL && !quiet)
		t->log(r, t->log_ud);
}

static void
set_status(struct vr_table *t, struct vr_rule *r, enum vr_rule_status s,
    const char *reason)
{
	set_status_q(t, r, s, reason, false);
}

/* Returns fast-path entries r's compile has written (0 when spilled). */
static uint64_t
next_fast_entries(const struct vr_rule *r)
{
	return r->next != NULL && !r->next_spilled ? vr_arena_count(r->next) : 0;
}

/* Drops r's compile in progress: walk, entries written, queue place. */
static void
cancel_compile(struct vr_table *t, struct vr_rule *r)
{
	t->building -= next_fast_entries(r);
	vr_arena_free(r->next);	/* never published: free at once */
	r->next = NULL;
	r->next_spilled = false;
	vr_walk_free(r->walk);
	r->walk = NULL;
	if (r->queued) {
		g_queue_remove(&t->queue, r);
		r->queued = false;
	}
}

/* Returns the qsort order of live rules: RFC 8955 section 5.1. */
static int
cmp_precedence(const void *a, const void *b)
{
	const struct vr_rule *x = *(struct vr_rule *const *)a;
	const struct vr_rule *y = *(struct vr_rule *const *)b;
	int c = fs_rule_precedence(&x->active->rule, &y->active->rule);
	return c != 0 ? c : (x->id < y->id ? -1 : x->id > y->id);
}

/* Returns 0, or -1 (ENOMEM): gives the dataplane every live rule, in precedence order. */
static int
publish(struct vr_table *t)
{
	GPtrArray *live = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;
	int rc;

	g_hash_table_iter_init(&it, t->rules);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct vr_rule *r = v;
		if (r->arena != NULL && r->active != NULL && r->match != NULL)
			g_ptr_array_add(live, r);
	}
	qsort(live->pdata, live->len, sizeof(gpointer), cmp_precedence);
	struct vr_dp_rule *dr = calloc(live->len + 1, sizeof *dr);
	if (dr == NULL) {
		g_ptr_array_free(live, TRUE);
		return -1;
	}
	for (guint i = 0; i < live->len; i++) {
		struct vr_rule *r = live->pdata[i];
		dr[i].match = r->match;
		dr[i].actions = r->actions;
		dr[i].state = r->dp;
		dr[i].spill = r->arena_spilled ? r->arena : NULL;
	}
	rc = vr_dp_publish(t->dp, dr, live->len);
	free(dr);
	g_ptr_array_free(live, TRUE);
	return rc;
}

/*
 * Brings the dataplane up to date, then frees what it no longer reads.
 * If the new table cannot be given (out of memory, which is when a rule
 * has just eaten the RAM), the dataplane is emptied, which allocates
 * nothing, so that it never reads freed memory; the next flush retries.
 */
static void
flush(struct vr_table *t)
{
	if (t->dirty && t->dp != NULL) {
		if (publish(t) == 0) {
			t->dirty = false;
			t->st.publishes++;
		} else {
			vr_dp_publish(t->dp, NULL, 0);
		}
	} else {
		t->dirty = false;
	}
	g_ptr_array_set_size(t->graveyard, 0);
	g_ptr_array_set_size(t->dead, 0);
}

/* Takes r out of the dataplane; its entries are freed at the next flush. */
static void
unlive(struct vr_table *t, struct vr_rule *r)
{
	if (r->arena == NULL)
		return;
	if (!r->arena_spilled)
		t->used -= vr_arena_count(r->arena);
	g_ptr_array_add(t->graveyard, r->arena);
	r->arena = NULL;
	r->arena_spilled = false;
	t->dirty = true;
}

/* Schedules the compiler if there is work. */
static void
kick(struct vr_table *t)
{
	if (t->idle == 0 && (!g_queue_is_empty(&t->queue) || t->rebuild_pending))
		t->idle = g_idle_add(on_idle, t);
}

/* Puts r at the tail of the compile queue (once). */
static void
enqueue_q(struct vr_table *t, struct vr_rule *r, bool quiet)
{
	if (!r->queued) {
		g_queue_push_tail(&t->queue, r);
		r->queued = true;
	}
	set_status_q(t, r, VR_RULE_QUEUED, NULL, quiet);
	kick(t);
}

static void
enqueue(struct vr_table *t, struct vr_rule *r)
{
	enqueue_q(t, r, false);
}

/* Returns the id order of two rules, for g_ptr_array_sort. */
static gint
cmp_id(gconstpointer a, gconstpointer b)
{
	const struct vr_rule *x = *(struct vr_rule *const *)a;
	const struct vr_rule *y = *(struct vr_rule *const *)b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Full-recompile platforms: asks for a rebuild at the next slice (once per burst of updates). */
static void
rebuild(struct vr_table *t)
{
	t->rebuild_pending = true;
	kick(t);
}

/* Throws away the rebuild under way, if any, and starts another. */
static void
start_rebuild(struct vr_table *t)
{
	GPtrArray *all = vr_table_rules(t);
	guint n = 0;

	t->rebuild_pending = false;
	if (t->rebuilding)
		t->st.recompiles++;
	for (guint i = 0; i < all->len; i++)
		cancel_compile(t, all->pdata[i]);
	t->building = 0;
	t->rebuilding = true;
	for (guint i = 0; i < all->len; i++) {
		struct vr_rule *r = all->pdata[i];
		if (r->active != NULL && r->match != NULL) {
			enqueue_q(t, r, true);
			n++;
		}
	}
	g_ptr_array_unref(all);
	if (t->log != NULL && n > 0)
		fprintf(stderr, "rebuilding the whole table: %u rules\n", n);
	if (g_queue_is_empty(&t->queue))
		t->rebuilding = false;
}

/* Full-recompile platforms: the new table is built; makes it the live one. */
static void
swap_in(struct vr_table *t)
{
	GPtrArray *all = vr_table_rules(t);

	for (guint i = 0; i < all->len; i++) {
		struct vr_rule *r = all->pdata[i];
		if (r->arena != NULL)
			g_ptr_array_add(t->graveyard, r->arena);
		r->arena = r->next;
		r->arena_spilled = r->next_spilled;
		r->next = NULL;
		r->next_spilled = false;
		if (r->arena != NULL) {
			r->installed_us = g_get_real_time();
			r->status = r->arena_spilled ? VR_RULE_SPILLED : VR_RULE_INSTALLED;
		}
	}
	t->used = t->building;
	t->building = 0;
	t->rebuilding = false;
	t->dirty = true;
	if (t->log != NULL)
		fprintf(stderr, "table rebuilt: %llu fast-path entries live\n",
		    (unsigned long long)t->used);
	g_ptr_array_unref(all);
}

/* Refuses r's compile: nothing of it is kept. */
static void
reject(struct vr_table *t, struct vr_rule *r, const char *why)
{
	cancel_compile(t, r);
	t->st.compiles_rejected++;
	if (!full_mode(t))
		unlive(t, r);
	set_status(t, r, VR_RULE_REJECTED, why);
}

/* Returns 0 or -1 with errno: the entry sink, counting capacity as it goes. */
static int
sink(const struct vr_entry *e, void *ud)
{
	struct vr_table *t = ud;
	struct vr_rule *r = t->cur;
	const struct vr_profile *p = t->p;

	if (!r->next_spilled && p->capacity != 0) {
		uint64_t in_use = t->building + (full_mode(t) ? 0 : t->used);
		if (in_use >= p->capacity) {
			if (p->at_capacity != VR_FULL_SPILL) {
				errno = ENOSPC;
				return -1;
			}
			t->building -= vr_arena_count(r->next);
			r->next_spilled = true;
		}
	}
	if (vr_arena_push(e, r->next) != 0)
		return -1;
	if (!r->next_spilled)
		t->building++;
	return 0;
}

/* Returns 0 when r's compile could start, -1 when r was rejected instead. */
static int
start_compile(struct vr_table *t, struct vr_rule *r)
{
	const struct vr_profile *p = t->p;
	struct vr_reject why = { "" };
	char msg[200];
	bool known;

	r->walk = vr_walk_new(p, &r->active->rule, r->id, &why);
	if (r->walk == NULL) {
		reject(t, r, errno == EINVAL ? why.msg : "out of memory preparing the compile");
		return -1;
	}
	r->next = vr_arena_new(p->entry_bytes, p->entry_write_ns);
	if (r->next == NULL) {
		reject(t, r, "out of memory for the rule's entries");
		return -1;
	}
	uint64_t need = vr_walk_need(r->walk, &known);
	if (known && p->capacity != 0) {
		uint64_t in_use = t->building + (full_mode(t) ? 0 : t->used);
		uint64_t avail = in_use < p->capacity ? p->capacity - in_use : 0;
		if (need > avail) {
			if (p->at_capacity != VR_FULL_SPILL) {
				snprintf(msg, sizeof msg, "table full: the rule needs %llu "
				    "entries, %llu of %llu are free",
				    (unsigned long long)need, (unsigned long long)avail,
				    (unsigned long long)p->capacity);
				reject(t, r, msg);
				return -1;
			}
			r->next_spilled = true;
		}
	}
	r->compile_started_us = (uint64_t)g_get_monotonic_time();
	set_status_q(t, r, VR_RULE_COMPILING, NULL, t->rebuilding);
	return 0;
}

/* The compile of r is complete. */
static void
finish_compile(struct vr_table *t, struct vr_rule *r)
{
	char msg[200];
	uint64_t n = vr_arena_count(r->next);
	bool spilled = r->next_spilled;

	vr_walk_free(r->walk);
	r->walk = NULL;
	r->compile_us = (uint64_t)g_get_monotonic_time() - r->compile_started_us;
	t->st.compiles_done++;
	t->st.compile_us_total += r->compile_us;
	snprintf(msg, sizeof msg, "%llu entries%s", (unsigned long long)n,
	    spilled ? " on the slow path: the table is full" : "");
	if (full_mode(t)) {
		/* Live at swap_in, with the whole new table. */
		snprintf(r->reason, sizeof r->reason, "%s", msg);
		return;
	}
	unlive(t, r);
	r->arena = r->next;
	r->arena_spilled = spilled;
	r->next = NULL;
	r->next_spilled = false;
	t->building -= spilled ? 0 : n;
	t->used += spilled ? 0 : n;
	r->installed_us = g_get_real_time();
	t->dirty = true;
	set_status(t, r, spilled ? VR_RULE_SPILLED : VR_RULE_INSTALLED, msg);
}

/* Compiles for one slice of time; keeps running while there is work. */
static gboolean
on_idle(gpointer data)
{
	struct vr_table *t = data;
	uint64_t start = (uint64_t)g_get_monotonic_time();

	if (t->rebuild_pending)
		start_rebuild(t);
	while (!g_queue_is_empty(&t->queue)) {
		struct vr_rule *r = g_queue_peek_head(&t->queue);
		if (r->walk == NULL && start_compile(t, r) != 0)
			continue;	/* rejected: it left the queue */
		t->cur = r;
		enum vr_walk_status st = vr_walk_step(r->walk, STEP_ENTRIES, sink, t);
		t->cur = NULL;
		if (st == VR_WALK_DONE) {
			g_queue_pop_head(&t->queue);
			r->queued = false;
			finish_compile(t, r);
		} else if (st == VR_WALK_STOPPED) {
			char msg[200];
			if (errno == ENOSPC)
				snprintf(msg, sizeof msg, "table full: %llu entries written "
				    "when the table's %llu were used up; nothing is kept",
				    (unsigned long long)vr_walk_emitted(r->walk),
				    (unsigned long long)t->p->capacity);
			else
				snprintf(msg, sizeof msg, "out of memory after %llu entries",
				    (unsigned long long)vr_walk_emitted(r->walk));
			reject(t, r, msg);
		}
		if ((uint64_t)g_get_monotonic_time() - start >= SLICE_US) {
			flush(t);
			return G_SOURCE_CONTINUE;
		}
	}
	if (t->rebuilding)
		swap_in(t);
	flush(t);
	t->idle = 0;
	return G_SOURCE_REMOVE;
}

/* Returns the lookup key of r: family octet and NLRI, or NULL. */
static GBytes *
rule_key(const struct fs_rule *r)
{
	uint8_t buf[FS_NLRI_MAX_LEN + 3];
	struct fs_error err = { 0 };

	buf[0] = r->family;
	ssize_t n = fs_nlri_encode(r, buf + 1, sizeof buf - 1, &err);
	if (n <= 0)
		return NULL;
	return g_bytes_new(buf, (gsize)n + 1);
}

/* Returns the key of rule for a change from peer, or NULL with errno EINVAL. */
static GBytes *
checked_key(const struct vr_table *t, const char *peer, const struct fs_rule *rule)
{
	GBytes *key = t != NULL && peer != NULL && rule != NULL ? rule_key(rule) : NULL;

	if (key == NULL)
		errno = EINVAL;
	return key;
}

static void
path_free(gpointer data)
{
	struct vr_path *p = data;
	g_free(p->peer);
	g_free(p->invalid);
	fs_rule_free(&p->rule);
	g_free(p);
}

static void
rule_free(gpointer data)
{
	struct vr_rule *r = data;
	vr_walk_free(r->walk);
	vr_arena_free(r->next);
	vr_arena_free(r->arena);
	vr_match_free(r->match);
	g_ptr_array_unref(r->paths);
	g_bytes_unref(r->key);
	free(r->text);
	g_free(r->dp);
	g_free(r);
}

/* Returns a new table, or NULL. */
struct vr_table *
vr_table_new(const struct vr_profile *p, struct vr_dataplane *dp)
{
	if (p == NULL) {
		errno = EINVAL;
		return NULL;
	}
	struct vr_table *t = g_new0(struct vr_table, 1);
	t->p = p;
	t->dp = dp;
	t->rules = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, NULL, rule_free);
	t->graveyard = g_ptr_array_new_with_free_func((GDestroyNotify)vr_arena_free);
	t->dead = g_ptr_array_new_with_free_func(rule_free);
	g_queue_init(&t->queue);
	return t;
}

/* Frees everything; the dataplane is left with no rule. */
void
vr_table_free(struct vr_table *t)
{
	if (t == NULL)
		return;
	if (t->idle != 0)
		g_source_remove(t->idle);
	if (t->dp != NULL)
		vr_dp_publish(t->dp, NULL, 0);
	g_queue_clear(&t->queue);
	g_hash_table_destroy(t->rules);
	g_ptr_array_free(t->graveyard, TRUE);
	g_ptr_array_free(t->dead, TRUE);
	g_free(t);
}

/* Returns the index of peer's path in r, or -1. */
static int
path_of(const struct vr_rule *r, const char *peer)
{
	for (guint i = 0; i < r->paths->len; i++)
		if (strcmp(((struct vr_path *)r->paths->pdata[i])->peer, peer) == 0)
			return (int)i;
	return -1;
}

/*
 * Re-derives r's active path after its paths changed, and does what that
 * implies: compile, uninstall, re-publish new actions.  `rematch` says the
 * rule is new (nothing compiled yet).
 */
static void
paths_changed(struct vr_table *t, struct vr_rule *r, bool rematch)
{
	const struct vr_path *was = r->active;

	r->active = NULL;
	for (guint i = 0; i < r->paths->len && r->active == NULL; i++) {
		const struct vr_path *p = r->paths->pdata[i];
		if (p->invalid == NULL)
			r->active = p;
	}
	const struct vr_path *shown = r->active ? r->active : r->paths->pdata[0];
	char *text = fs_print_rule_alloc(&shown->rule);
	if (text != NULL) {
		free(r->text);
		r->text = text;
	}
	if (r->active == NULL) {
		const struct vr_path *first = r->paths->pdata[0];
		cancel_compile(t, r);
		unlive(t, r);
		set_status(t, r, VR_RULE_INVALID, first->invalid);
		if (full_mode(t) && was != NULL)
			rebuild(t);
		return;
	}
	vr_actions_from_rule(&r->actions, &r->active->rule);
	if (full_mode(t)) {
		rebuild(t);
	} else if (rematch || was == NULL || r->status == VR_RULE_REJECTED) {
		enqueue(t, r);	/* a refused rule is tried again when re-announced */
	} else if (r->arena != NULL) {
		t->dirty = true;	/* same match, new actions */
	}
}

/* Returns 0 or -1; see table.h. */
int
vr_table_announce(struct vr_table *t, const char *peer, const struct fs_rule *rule,
    const char *invalid)
{
	GBytes *key = checked_key(t, peer, rule);
	if (key == NULL)
		return -1;
	struct vr_path *path = g_new0(struct vr_path, 1);
	fs_rule_init(&path->rule, rule->family);
	if (fs_rule_copy(&path->rule, rule) != 0) {
		path_free(path);
		g_bytes_unref(key);
		errno = ENOMEM;
		return -1;
	}
	path->peer = g_strdup(peer);
	path->invalid = g_strdup(invalid);
	path->received_us = g_get_real_time();
	t->st.announces++;

	struct vr_rule *r = g_hash_table_lookup(t->rules, key);
	bool fresh = r == NULL;
	if (fresh) {
		r = g_new0(struct vr_rule, 1);
		r->id = ++t->next_id;
		r->key = key;
		r->paths = g_ptr_array_new_with_free_func(path_free);
		r->dp = g_new0(struct vr_rule_state, 1);
		r->match = vr_match_new(rule);
		g_hash_table_insert(t->rules, key, r);
	} else {
		g_bytes_unref(key);
		t->st.replaced++;
	}
	int at = path_of(r, peer);
	if (at >= 0) {
		path_free(r->paths->pdata[at]);
		r->paths->pdata[at] = path;
	} else {
		g_ptr_array_add(r->paths, path);
	}
	if (r->match == NULL) {
		r->active = path;
		free(r->text);
		r->text = fs_print_rule_alloc(&path->rule);
		set_status(t, r, VR_RULE_REJECTED, "the rule cannot be matched "
		    "against packets (out of memory or a component the "
		    "dataplane does not read)");
		return 0;
	}
	paths_changed(t, r, fresh);
	flush(t);
	return 0;
}

/* Removes r from the table entirely. */
static void
drop_rule(struct vr_table *t, struct vr_rule *r)
{
	cancel_compile(t, r);
	unlive(t, r);
	g_hash_table_steal(t->rules, r->key);
	g_ptr_array_add(t->dead, r);	/* freed once the dataplane lets go */
	t->dirty = true;
}

/* Removes one path of r; the rule goes when its last path does. */
static void
remove_path(struct vr_table *t, struct vr_rule *r, int at)
{
	g_ptr_array_remove_index(r->paths, (guint)at);
	if (r->paths->len == 0) {
		bool was_live = r->active != NULL;
		drop_rule(t, r);
		if (full_mode(t) && was_live)
			rebuild(t);
		return;
	}
	paths_changed(t, r, false);
}

/* Returns 0 or -1; see table.h. */
int
vr_table_withdraw(struct vr_table *t, const char *peer, const struct fs_rule *rule)
{
	GBytes *key = checked_key(t, peer, rule);
	if (key == NULL)
		return -1;
	struct vr_rule *r = g_hash_table_lookup(t->rules, key);
	g_bytes_unref(key);
	t->st.withdraws++;
	int at = r != NULL ? path_of(r, peer) : -1;
	if (at >= 0)
		remove_path(t, r, at);
	flush(t);
	return 0;
}

/* Removes every path `peer` announced. */
void
vr_table_peer_down(struct vr_table *t, const char *peer)
{
	if (t == NULL || peer == NULL)
		return;
	GPtrArray *all = vr_table_rules(t);
	for (guint i = 0; i < all->len; i++) {
		struct vr_rule *r = all->pdata[i];
		int at = path_of(r, peer);
		if (at >= 0)
			remove_path(t, r, at);
	}
	g_ptr_array_unref(all);
	flush(t);	/* once, however many rules went */
}

/* Returns the rules by id. */
GPtrArray *
vr_table_rules(struct vr_table *t)
{
	GPtrArray *a = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;

	if (t == NULL)
		return a;
	g_hash_table_iter_init(&it, t->rules);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(a, v);
	g_ptr_array_sort(a, cmp_id);
	return a;
}

/* Fills m with the table's memory by category. */
void
vr_table_memory(const struct vr_table *t, struct vr_memory *m)
{
	GHashTableIter it;
	gpointer v;

	memset(m, 0, sizeof *m);
	if (t == NULL)
		return;
	g_hash_table_iter_init(&it, t->rules);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct vr_rule *r = v;
		if (r->arena != NULL)
			*(r->arena_spilled ? &m->spill : &m->entries) +=
			    vr_arena_bytes(r->arena);
		if (r->next != NULL)
			m->building += vr_arena_bytes(r->next);
		m->rules += sizeof *r + sizeof(struct vr_rule_state) +
		    g_bytes_get_size(r->key) + (r->text ? strlen(r->text) + 1 : 0);
		for (guint i = 0; i < r->paths->len; i++) {
			const struct vr_path *p = r->paths->pdata[i];
			m->rules += sizeof *p + strlen(p->peer) + 1 +
			    p->rule.terms_cap * sizeof(struct fs_term) +
			    p->rule.actions_cap * sizeof(struct fs_action);
		}
	}
}

/* Fills s with the table's counters. */
void
vr_table_stats(const struct vr_table *t, struct vr_table_stats *s)
{
	if (t == NULL) {
		memset(s, 0, sizeof *s);
		return;
	}
	*s = t->st;
	s->entries_used = t->used;
	s->entries_building = t->building;
}

/* Returns true when nothing waits for the compiler. */
bool
vr_table_idle(const struct vr_table *t)
{
	return t == NULL || (t->queue.length == 0 && !t->rebuilding &&
	    !t->rebuild_pending && !t->dirty);
}

void
vr_table_set_log(struct vr_table *t, vr_table_log_fn fn, void *ud)
{
	if (t == NULL)
		return;
	t->log = fn;
	t->log_ud = ud;
}
