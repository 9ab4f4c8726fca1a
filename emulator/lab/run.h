/*
 * run.h - what `lab up` hands from its building half to the controller
 * it forks (internal to emulator/lab).
 */
#ifndef FC_LAB_RUN_H
#define FC_LAB_RUN_H

#include "kind.h"
#include "lab.h"
#include "monitor/cgroup.h"

struct lab_run {
	const struct lab_topology *t;
	const struct lab_up_options *o;
	struct mon_cg_host host;
	struct lab_daemon *daemons;	/* one per node */
	char *state_dir;
};

/*
 * Makes the lab's namespaces, links, addresses, cgroups, node directories
 * and daemon configurations (filling run->daemons).  Returns 0, or -1 with
 * `err`; what was made stays for lab_down to remove.
 */
int lab_build(struct lab_run *run, struct lab_error *err);

/*
 * The controller's main loop, in the forked process: runs until SIGTERM
 * or SIGINT.  Writes progress lines and then "ready" or "error: ..." to
 * `report_fd`, and closes it.  Returns an exit status.
 */
int lab_controller_run(struct lab_run *run, int report_fd);

#endif
