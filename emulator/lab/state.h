/*
 * state.h - where a lab lives on the host, by name alone.
 *
 * Every resource of lab NAME is found from NAME, so that `lab down`
 * works from any process after any crash, without trusting a record the
 * crash may have cut short:
 *
 *   /run/flowcanary/NAME/         state: the topology, pids, events, series
 *   /run/netns/fc.NAME            the controller's namespace
 *   /run/netns/fc.NAME.NODE       one per node
 *   <cgroup roots>/flowcanary/NAME/NODE
 *
 * Lab and node names are [A-Za-z0-9_-], so "fc.NAME." cannot be the
 * prefix of another lab's names.
 */
#ifndef FC_LAB_STATE_H
#define FC_LAB_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LAB_RUN_DIR "/run/flowcanary"
#define LAB_CGROUP_TOP "flowcanary"

/* File names inside the state directory. */
#define LAB_F_TOPOLOGY "topology.yml"		/* the file the lab was made from */
#define LAB_F_CONTROLLER_PID "controller.pid"
#define LAB_F_UP_PID "up.pid"			/* the `lab up` that is still waiting */
#define LAB_F_EVENTS "events.jsonl"
#define LAB_F_STATUS "status.json"		/* the controller's latest view */
#define LAB_F_CONTROLLER_LOG "controller.log"
#define LAB_D_NODES "nodes"			/* nodes/NODE/: configs, logs, series.csv */
#define LAB_F_SERIES "series.csv"
#define LAB_F_NODE_PID "pid"

/* Returns the lab's state directory, "/run/flowcanary/NAME" (g_free). */
char *lab_state_dir(const char *lab);
/* Returns "/run/flowcanary/NAME/nodes/NODE" (g_free). */
char *lab_node_dir(const char *lab, const char *node);
/* Returns the controller's namespace name "fc.NAME" (g_free). */
char *lab_ctl_netns(const char *lab);
/* Returns node's namespace name "fc.NAME.NODE" (g_free). */
char *lab_node_netns(const char *lab, const char *node);
/* Returns the namespace prefix of a lab's nodes, "fc.NAME." (g_free). */
char *lab_netns_prefix(const char *lab);
/* Returns the cgroup of the lab, "flowcanary/NAME" (g_free). */
char *lab_cgroup_lab(const char *lab);
/* Returns the cgroup of a node, "flowcanary/NAME/NODE" (g_free). */
char *lab_cgroup_node(const char *lab, const char *node);

/*
 * Reads a pid file.  Returns the pid if that very process (same pid and
 * start time) is alive and runs flowcanary, so that a recycled pid is
 * never signalled; else 0.
 */
pid_t lab_read_live_pid(const char *path);

/* Writes "PID START_NS\n" to path atomically. Returns 0 or -1 with errno. */
int lab_write_pid(const char *path, pid_t pid);

/* Writes `len` bytes to path through a temporary file and rename. Returns 0 or -1. */
int lab_write_atomic(const char *path, const char *data, size_t len);

/* Returns true if `s` is a valid lab or node name. */
bool lab_name_valid(const char *s);

#endif
