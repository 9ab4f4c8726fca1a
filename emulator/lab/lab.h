/*
 * lab.h - bringing a lab up and down.
 *
 * `lab_up` makes every namespace, link, address and cgroup of the
 * topology, then forks the lab's controller: a process that starts each
 * node's daemon inside its namespace and cgroup, holds a BGP session to
 * every peered node, and samples RAM and CPU.  lab_up returns once every
 * daemon runs and every session is Established; the controller stays.
 * On any failure what was made is removed again.
 *
 * `lab_down` needs only the lab's name (see state.h): it stops the
 * controller, kills every process of every node, and removes the
 * namespaces (and with them every link), the cgroups and the state.
 */
#ifndef FC_LAB_LAB_H
#define FC_LAB_LAB_H

#include <stdbool.h>

#include "error.h"
#include "topology.h"

struct lab_up_options {
	double timeout_s;		/* for daemons and sessions; 0: 60 */
	unsigned interval_ms;		/* monitor sampling period; 0: 100 (10 Hz) */
	const char *vrouter_bin;	/* NULL: not available */
	/* Progress lines ("node frr1: bgpd running, pid 123"); may be NULL. */
	void (*progress)(const char *line, void *ud);
	void *ud;
};

/*
 * Brings up the lab of topology `t` (read from t->path, which is copied
 * into the state directory).  Returns 0, or -1 with `err`; after -1
 * nothing of the lab is left.
 */
int lab_up(const struct lab_topology *t, const struct lab_up_options *o,
    struct lab_error *err);

/* What lab_down found and removed. */
struct lab_down_report {
	unsigned processes;	/* killed, controller included */
	unsigned namespaces;
	unsigned cgroups;
	bool state_dir;
	bool leftovers;		/* something could not be removed (see err) */
};

/*
 * Removes every resource of lab `name`.  Returns 0 (also when there was
 * nothing to remove: see the report), or -1 with `err` when something
 * could not be removed.
 */
int lab_down(const char *name, struct lab_down_report *rep,
    struct lab_error *err);

#endif
