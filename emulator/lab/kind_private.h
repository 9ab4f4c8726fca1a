/*
 * kind_private.h - what the node kinds share (kind*.c only): the
 * programs, where a node's sessions run, and writing a file.
 */
#ifndef FC_LAB_KIND_PRIVATE_H
#define FC_LAB_KIND_PRIVATE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "kind.h"

/* Where Debian 12 installs them. */
#define KIND_BGPD	"/usr/lib/frr/bgpd"
#define KIND_VTYSH	"/usr/bin/vtysh"
#define KIND_BIRD	"/usr/sbin/bird"
#define KIND_BIRDC	"/usr/sbin/birdc"
#define KIND_GOBGPD	"/usr/bin/gobgpd"
#define KIND_GOBGP	"/usr/bin/gobgp"

#define KIND_GOBGP_API_PORT "50051"	/* one per namespace: no clash */

/* Timers: short, so that a lab is up (and a lost session back) in seconds. */
#define KIND_HOLD	9
#define KIND_KEEPALIVE	3
#define KIND_RETRY	1

#define KIND_IP4_LEN 16

/* One BGP session of a node, resolved from the topology. */
struct kind_session {
	char local[KIND_IP4_LEN];
	char remote[KIND_IP4_LEN];
	uint32_t remote_as;
	const char *name;	/* the peer node's name, or "controller" */
	bool controller;	/* passive, imports all, exports nothing */
	bool rr_client;
};

/* Returns buf, holding `addr` (host order) as a dotted quad. */
const char *kind_ip4(uint32_t addr, char *buf);

/*
 * Returns node `i`'s sessions (the controller's first) and their count
 * in *n (g_free), or NULL with `err` (LAB_E_VALUE) when a peering does
 * not match its link.  A node with no session gets a non-NULL empty list.
 */
struct kind_session *kind_sessions(const struct lab_topology *t, size_t i,
    size_t *n, struct lab_error *err);

/* Returns 0 if `path` is an executable file, else -1 with `err` (LAB_E_ENV). */
int kind_need(const char *kind, const char *path, const char *package,
    struct lab_error *err);

/*
 * Returns the path of `name` in `dir` (g_free) after writing `text` there
 * (mode 0644: it holds no secret), or NULL with `err` (LAB_E_IO).
 */
char *kind_write(const char *dir, const char *name, const char *text,
    struct lab_error *err);

/*
 * The same for a generated text it takes and frees; NULL text (the
 * generator failed, err already set) gives NULL.  Returns the path or NULL.
 */
char *kind_write_conf(const char *dir, const char *name, char *text,
    struct lab_error *err);

/* Returns a new NULL-terminated copy of the arguments (g_strfreev). */
char **kind_argv(const char *first, ...) G_GNUC_NULL_TERMINATED;

/* Each returns 0, or -1 with `err`; `dir` is absolute. */
int kind_frr_prepare(const struct lab_topology *t, size_t i, const char *dir,
    struct lab_daemon *d, struct lab_error *err);
int kind_bird_prepare(const struct lab_topology *t, size_t i, const char *dir,
    struct lab_daemon *d, struct lab_error *err);
int kind_gobgp_prepare(const struct lab_topology *t, size_t i, const char *dir,
    struct lab_daemon *d, struct lab_error *err);

/* Each returns a new argv that prints the routes of `family` (4 or 6). */
char **kind_frr_view(const char *dir, int family);
char **kind_bird_view(const char *dir, int family);
char **kind_gobgp_view(const char *dir, int family);

#endif
