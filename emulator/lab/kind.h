/*
 * kind.h - how each node kind is realised: the configuration flowcanary
 * writes for it and the command that starts it inside the node.
 *
 * Every generated configuration peers with the controller (when the node
 * is peered) and with the node's `peers`, for the IPv4 and IPv6 flowspec
 * families, accepts everything it receives, and uses short timers so that
 * a lab comes up in seconds.
 */
#ifndef FC_LAB_KIND_H
#define FC_LAB_KIND_H

#include "error.h"
#include "topology.h"

/*
 * How to start one node's daemon.  It stays in the foreground; what it
 * prints (gobgpd's log among it) is the caller's to keep.
 */
struct lab_daemon {
	char **argv;		/* NULL-terminated; argv[0] is an absolute path */
	char **env;		/* extra "K=V" entries, NULL-terminated, or NULL */
};

/*
 * Writes node `i`'s configuration into `dir` (which exists; the node's
 * own directory: sockets, pid and log files go there too) and fills `d`.
 * `vrouter_bin` is the flowcanary-vrouter executable (NULL: not built).
 * Returns 0, or -1 with `err` (LAB_E_ENV when the daemon is not installed,
 * naming the Debian package).
 */
int lab_kind_prepare(const struct lab_topology *t, size_t i, const char *dir,
    const char *vrouter_bin, struct lab_daemon *d, struct lab_error *err);

void lab_daemon_clear(struct lab_daemon *d);

/*
 * Checks that the programs kind `k` needs are installed.  Returns 0, or
 * -1 with `err` (LAB_E_ENV) naming the program and its Debian package.
 */
int lab_kind_available(enum lab_kind k, const char *vrouter_bin,
    struct lab_error *err);

/*
 * Returns a new argv (g_strfreev) that prints the node's flowspec routes
 * of `family` ("ipv4" or "ipv6") when run inside its namespace, or NULL
 * for kinds that have no such view (linux, vrouter) and other families.
 */
char **lab_kind_view_argv(const struct lab_topology *t, size_t i,
    const char *dir, const char *family);

#endif
