/*
 * controller.h - the controller's state, shared by its files (internal
 * to emulator/lab): controller.c runs nodes and sessions, record.c
 * writes what it sees.
 */
#ifndef FC_LAB_CONTROLLER_H
#define FC_LAB_CONTROLLER_H

#include <glib.h>
#include <stdio.h>

#include "bgp/session.h"
#include "monitor/detect.h"
#include "run.h"

enum ctl_node_state {
	CTL_NODE_STARTING,
	CTL_NODE_RUNNING,
	CTL_NODE_EXITED,	/* exited on its own */
	CTL_NODE_KILLED,	/* by a signal */
	CTL_NODE_OOM_KILLED,	/* by SIGKILL, and the cgroup counted an OOM kill */
	CTL_NODE_FAILED,	/* could not be started */
};

struct ctl;

struct ctl_node {
	struct ctl *c;
	size_t i;
	const struct lab_node *n;
	char *dir;
	pid_t pid;
	gint64 started;			/* monotonic µs */
	guint watch;
	enum ctl_node_state state;
	int exit_code, signal;
	struct mon_cgroup cg;
	bool cg_ok;
	struct mon_detector det;
	FILE *series;
	struct mon_cg_sample last;
	uint64_t oom_base;		/* OOM kills already accounted for */
	uint64_t oom_prev;		/* the count at the sample before */
	uint64_t rss;
	double cpu_pct;
	uint64_t events;
	char last_event[48];
	struct bgp_session *s;		/* NULL: not peered with the controller */
	bool session_up;
};

struct ctl {
	struct lab_run *run;
	const struct lab_topology *t;
	GMainLoop *loop;
	struct ctl_node *nodes;
	FILE *events;
	int report_fd;			/* -1 once ready or failed */
	guint report_watch;		/* notices lab up going away */
	gint64 t0;			/* monotonic, µs */
	guint tick, deadline;
	bool ready;			/* every node ran and every session came up */
	bool stopping;
	int exit;
};

/* Returns "starting", "running", "exited", "killed", "oom-killed", "failed". */
const char *ctl_node_state_name(enum ctl_node_state s);

/*
 * Appends one event to events.jsonl: {"t", "node", "event", ...}, with
 * `extra` (may be NULL) a function adding members to the object.
 */
void ctl_event(struct ctl *c, struct ctl_node *n, const char *event,
    void (*extra)(void *builder, const void *arg), const void *arg);

/* Samples every node once: series lines, detector events, status.json. */
void ctl_sample(struct ctl *c);

/* Rewrites status.json from what the controller knows now. */
void ctl_write_status(struct ctl *c);

#endif
