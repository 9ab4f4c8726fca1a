/*
 * lab_support.h - what the lab integration tests share: running the real
 * `flowcanary lab` ($FC_BIN), writing topologies, reading a lab's status
 * and events, and proving that nothing of a lab is left.
 *
 * These tests need root: they make real namespaces, links, cgroups and
 * processes.  Without root they fail, saying so.
 */
#ifndef FC_TEST_LAB_SUPPORT_H
#define FC_TEST_LAB_SUPPORT_H

#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

struct run {
	int status;		/* exit status, or 128 + signal */
	char *out, *err;
};

/* Runs `flowcanary ARGS...` (NULL-terminated) to completion. */
void lab_cmd(struct run *r, const char *first, ...) G_GNUC_NULL_TERMINATED;
void run_clear(struct run *r);

/* Returns a lab name unique to this suite: "t<pid><suffix>" (g_free). */
char *lab_unique_name(const char *suffix);

/*
 * Writes a topology into this test's temporary directory, replacing
 * "@NAME@" by `name` and "@MEMHOG@" by the memhog helper's path.
 * Returns the path (g_free).
 */
char *lab_write_topology(const char *name, const char *yaml);

/* Fails the test unless running as root, naming what is missing. */
void lab_require_root(void);

/* Fails the test with the missing program and its Debian package. */
void lab_require_program(const char *path, const char *package);

/* Returns `lab status --json` parsed (json_node_unref), or fails. */
JsonNode *lab_status(const char *name);

/* Returns the node object called `node` in a status, or NULL. */
JsonObject *lab_status_node(JsonNode *status, const char *node);

/* Returns the lab's events.jsonl as an array of objects (g_ptr_array_unref). */
GPtrArray *lab_events(const char *name);

/* Returns the first event `event` of `node` (NULL: any), or NULL. */
JsonObject *lab_find_event(GPtrArray *events, const char *node, const char *event);

/* Polls `pred` every 100 ms for up to `seconds`; returns its last answer. */
bool lab_wait(bool (*pred)(void *), void *ud, double seconds);

/* Waits up to `seconds` for event `event` of `node` (NULL: any) in lab `lab`. */
bool lab_wait_event(const char *lab, const char *node, const char *event,
    double seconds);

/* Returns the inode of a namespace file or /proc/PID/ns/net, or 0. */
guint64 lab_inode(const char *path);

/*
 * Asserts that nothing of lab `name` is left: no state directory, no
 * namespace, no cgroup in any hierarchy, no process whose command line
 * names the lab's state directory, and none of `pids` alive.
 */
void lab_assert_gone(const char *name, const GArray *pids);

/* Brings lab `name` down (whatever is left of it) and asserts it is gone. */
void lab_down_and_check(const char *name);

/* Returns the pids a lab's pid files name: controller, lab up, nodes. */
GArray *lab_recorded_pids(const char *name);

/*
 * Takes down every lab this process's tests left up (a failed assertion
 * skips Check's teardown).  Returns `status`, or 1 if it found any and
 * `status` was 0: a leftover is a failure.
 */
int lab_sweep(int status);

/* Returns the pids of every node in a status (g_array_unref). */
GArray *lab_status_pids(JsonNode *status);

/* Returns the last `n` characters of s, for failure messages. */
const char *lab_tail(const char *s, size_t n);

#endif
