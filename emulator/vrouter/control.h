/*
 * control.h - the vrouter's control socket: a Unix stream socket that
 * answers one command line with one JSON document, then closes.
 *
 *   show        everything below, in one object
 *   rules       per-rule status, entries, memory, counters
 *   memory      RSS, and the table's memory by category
 *   peers       BGP sessions
 *   dataplane   interface and forwarding counters
 *
 * It is how tests, the lab and operators see what a rule did to the
 * router: the answer is computed on the main loop, between compile
 * slices, so it stays available while a rule is eating memory.
 */
#ifndef FC_VROUTER_CONTROL_H
#define FC_VROUTER_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dataplane.h"
#include "profile.h"
#include "receiver.h"
#include "table.h"

/* What the control socket reports on; everything may be NULL but c and p. */
struct vr_view {
	const struct vr_config *c;
	const struct vr_profile *p;
	struct vr_table *t;
	struct vr_receiver *rx;
	struct vr_dataplane *dp;
	int64_t started_us;	/* g_get_monotonic_time() at start */
};

struct vr_control;

/*
 * Listens on `path` (an old socket there is replaced; mode 0600).
 * Returns the control socket, or NULL with a sentence in err.
 */
struct vr_control *vr_control_new(const char *path, const struct vr_view *v,
    char *err, size_t cap);

/* Closes, unlinks the socket file, frees (NULL is fine). */
void vr_control_free(struct vr_control *ctl);

/*
 * Returns the JSON answer to `command` (g_free), or NULL when the command
 * is unknown.
 */
char *vr_control_answer(const struct vr_view *v, const char *command);

/*
 * Connects to the control socket at `path`, sends `command`, and returns
 * the answer (g_free), or NULL with a sentence in err.  For the --show
 * client and for tests.
 */
char *vr_control_query(const char *path, const char *command, char *err,
    size_t cap);

#endif
