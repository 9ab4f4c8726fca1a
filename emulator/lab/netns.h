/*
 * netns.h - the netns backend's network: named namespaces, veth pairs
 * made directly inside them, addresses and routes, all through
 * libnl-route (no `ip` subprocesses).
 *
 * Namespaces are named and pinned as iproute2 does (a bind mount of the
 * namespace on /run/netns/NAME), so that `ip netns exec` reaches them and
 * `lab down` finds them from any process.
 */
#ifndef FC_LAB_NETNS_H
#define FC_LAB_NETNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define LAB_NETNS_DIR "/run/netns"

/* One open namespace: its name, an fd on it, and a route socket inside it. */
struct lab_netns;

/*
 * Creates namespace `name` (pinned at /run/netns/NAME) with loopback up,
 * and opens a route socket inside it.  A name is 1 to 200 characters,
 * no '/', not "." or ".." (else LAB_E_VALUE).  Fails with LAB_E_EXISTS if
 * the name is taken.  Returns the namespace, or NULL with `err` set.
 * Here and below, the calling thread ends in the namespace it was in.
 */
struct lab_netns *lab_netns_create(const char *name, struct lab_error *err);

/* Opens the existing namespace `name`.  Returns it, or NULL with `err`. */
struct lab_netns *lab_netns_open(const char *name, struct lab_error *err);

/* Closes fds and sockets; the namespace itself stays. */
void lab_netns_close(struct lab_netns *ns);

/* Returns an fd on the namespace (for setns), owned by `ns`. */
int lab_netns_fd(const struct lab_netns *ns);
const char *lab_netns_name(const struct lab_netns *ns);

/*
 * Unpins /run/netns/NAME (unmount and unlink).  The kernel frees the
 * namespace, and every link inside it, when no process is left in it.
 * Returns 0, 1 if it did not exist, or -1 with `err`.
 */
int lab_netns_remove(const char *name, struct lab_error *err);

/*
 * Appends to `out` the names under /run/netns that start with `prefix`.
 * Returns the count, or -1 with `err`.  (out: a GPtrArray of g_strdup'ed
 * names, passed as void * to keep GLib out of this header.)
 */
int lab_netns_list(const char *prefix, void *out, struct lab_error *err);

/*
 * Creates a veth pair: `name_a` inside `a` and `name_b` inside `b`, both
 * up.  Returns 0, or -1 with `err`.
 */
int lab_veth_create(struct lab_netns *a, const char *name_a,
    struct lab_netns *b, const char *name_b, struct lab_error *err);

/* Adds addr/plen (IPv4, host order) to interface `ifname` in `ns`. Returns 0 or -1. */
int lab_addr_add(struct lab_netns *ns, const char *ifname, uint32_t addr,
    uint8_t plen, struct lab_error *err);

/* Adds a route to dst/plen via gateway `via` (IPv4, host order) in `ns`. Returns 0 or -1. */
int lab_route_add(struct lab_netns *ns, uint32_t dst, uint8_t plen,
    uint32_t via, struct lab_error *err);

/*
 * Returns the inode of the network namespace of process `pid` (from
 * /proc/PID/ns/net), or 0 if it cannot be read.  lab_netns_inode gives
 * the inode of a pinned namespace, to compare.
 */
uint64_t lab_pid_netns_inode(pid_t pid);
uint64_t lab_netns_inode(const char *name);

/* Link counters of interface `ifname` in `ns`. Returns 0 or -1. */
int lab_link_stats(struct lab_netns *ns, const char *ifname,
    uint64_t *rx_packets, uint64_t *tx_packets, uint64_t *rx_bytes,
    uint64_t *tx_bytes);

#endif
