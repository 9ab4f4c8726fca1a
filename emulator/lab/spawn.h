/*
 * spawn.h - starts a node's daemon inside the node: its cgroups first,
 * then its network namespace, then exec (internal to emulator/lab).
 */
#ifndef FC_LAB_SPAWN_H
#define FC_LAB_SPAWN_H

#include <sys/types.h>

#include "kind.h"
#include "monitor/cgroup.h"

/*
 * Forks and execs `d` with the node's cgroup joined (by writing to the
 * cgroup.procs files, before anything else, so that nothing of the
 * node ever runs outside its limits), in namespace `netns_fd`, in a new
 * session, with stdout and stderr on `log_path`.  Returns the pid, or -1
 * with a sentence in `err`.
 */
pid_t lab_spawn(const struct lab_daemon *d, const struct mon_cgroup *cg,
    int netns_fd, const char *log_path, char *err, size_t cap);

#endif
