/*
 * harness.h - what the interoperability tests share: a lab of two network
 * namespaces joined by a veth, processes started inside them, and
 * flowcanary listen's JSON lines.
 *
 * Namespace "a" is flowcanary's side, "b" the real speaker's.  Every
 * process is started in the foreground with a parent-death signal, so a
 * killed test leaves no daemon behind; it_lab_down() stops them, deletes
 * the namespaces and the lab's directory, and fails the test if any of it
 * survived.  A missing daemon fails the test with the package to install:
 * nothing is skipped.
 */
#ifndef FC_TEST_HARNESS_H
#define FC_TEST_HARNESS_H

#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "flowspec/rule.h"

#define IT_IP_A "10.203.0.1"
#define IT_IP_B "10.203.0.2"
#define IT_AS_A 65000	/* flowcanary */
#define IT_AS_B 65001	/* the speaker */

struct it_lab {
	char ns_a[32], ns_b[32];
	char dir[256];		/* configs, logs, sockets */
	GArray *pids;		/* GPid of every process started */
};

/* Fails the test unless `path` is executable, naming `package`. */
void it_require(const char *path, const char *package);

/* Creates the namespaces, the veth and the addresses. Fails the test on error. */
void it_lab_up(struct it_lab *lab);
/* Stops everything and removes the lab; fails the test if anything is left. */
void it_lab_down(struct it_lab *lab);

/* Returns a new path inside the lab's directory. */
char *it_path(const struct it_lab *lab, const char *name);
/* Writes `text` to the lab file `name` with `mode`; returns its path. */
char *it_write(const struct it_lab *lab, const char *name, const char *text,
    int mode);

/*
 * Starts argv inside namespace `ns` (NULL: the host), output to the lab
 * file `log`, with `env` (NULL-terminated "K=V" list, may be NULL) added.
 * Returns the pid; fails the test if it cannot start.
 */
GPid it_spawn(struct it_lab *lab, const char *ns, const char *log,
    const char *const *argv, const char *const *env);
/* Stops one process: SIGTERM, then SIGKILL after 3 s; reaps it. */
void it_stop(struct it_lab *lab, GPid pid);
/* Returns true while `pid` runs. */
bool it_alive(GPid pid);

/*
 * Runs argv in `ns` to completion (at most `timeout` s) and returns its
 * stdout (g_free); *status gets the exit status (-1 on timeout).
 */
char *it_run(const char *ns, const char *const *argv, int *status, double timeout);

/* Returns the content of the lab file `name` ("" if absent; g_free). */
char *it_read(const struct it_lab *lab, const char *name);

/*
 * Polls `cond` every 100 ms for up to `timeout` s.  Returns true as soon
 * as it holds.
 */
bool it_wait(bool (*cond)(struct it_lab *lab, void *ud), struct it_lab *lab,
    void *ud, double timeout);

/* Returns the path of the built flowcanary ($FC_BIN). */
const char *it_flowcanary(void);

/*
 * Starts `flowcanary listen` in namespace a, on IT_IP_A:179, writing JSON
 * lines to the lab file `log`.  Waits for its "listening" line.
 */
GPid it_listen_start(struct it_lab *lab, const char *log);

/* Returns the JSON objects of the lab file `log`, one per line (unref). */
JsonArray *it_events(const struct it_lab *lab, const char *log);
/* Returns how many events of `event` (and `family`, if not NULL) `log` holds. */
unsigned it_count_events(const struct it_lab *lab, const char *log,
    const char *event, const char *family);

/* Loads the rules of the lab file or source path `path` or fails the test. */
struct fs_rule *it_load_rules(const char *path, int family, size_t *n);
/* Frees what it_load_rules returned. */
void it_free_rules(struct fs_rule *rules, size_t n);

/*
 * Compares two rule lists as sets (order ignored), matches and actions.
 * Returns NULL if equal, else a report of what is missing on each side
 * (g_free).
 */
char *it_compare_rules(const struct fs_rule *want, size_t nwant,
    const struct fs_rule *got, size_t ngot);

#endif
