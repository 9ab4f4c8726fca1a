/*
 * config.h - flowcanary-vrouter's configuration file: `key = value` lines,
 * `#` comments.  The lab writes one per vrouter node (lab/kind.c); an
 * operator can write one by hand.  docs/vrouter.md lists every key.
 */
#ifndef FC_VROUTER_CONFIG_H
#define FC_VROUTER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dataplane.h"

#define VR_MAX_NEIGHBORS 256
#define VR_MAX_IFS 64
#define VR_MAX_ROUTES 1024

/* A peer the vrouter accepts a session from. */
struct vr_neighbor {
	struct sockaddr_storage addr;	/* port unused */
	socklen_t addr_len;
	uint32_t asn;
	char name[64];			/* for reports: "controller", a node name */
	bool rr_client;
	unsigned line;
};

/* A unicast route that RFC 8955 section 6 validation checks flow routes against. */
struct vr_unicast {
	uint8_t family;			/* FS_IPV4 or FS_IPV6 */
	uint8_t prefix[16];
	uint8_t plen;
	struct sockaddr_storage from;	/* the neighbor it came from */
	uint32_t from_as;
};

struct vr_config {
	char *path;
	char name[64];
	char *platform;			/* a profile name or path; NULL: interval-firewall */
	char *platform_dir;		/* NULL: the built-in directory */
	uint32_t asn, router_id;
	uint16_t hold_time;
	struct sockaddr_storage listen;	/* default [::]:179 */
	socklen_t listen_len;
	struct vr_neighbor *neighbors;
	size_t n_neighbors;
	bool accept_loopback;		/* any AS from 127.0.0.1 or ::1: injection inside the node */
	char *control;			/* control socket path, or NULL */
	char **ifnames;			/* data interfaces, NULL-terminated */
	size_t n_ifnames;
	struct vr_route *routes;
	size_t n_routes;
	struct vr_redirect *redirects;
	size_t n_redirects;
	bool validate;			/* RFC 8955 section 6 */
	struct vr_unicast *unicast;
	size_t n_unicast;
};

/*
 * Reads `path` into `c`.  Returns 0, or -1 with "FILE:LINE: message" in
 * err and `c` left empty.
 */
int vr_config_load(struct vr_config *c, const char *path, char *err, size_t cap);

/* Reads the text buf[0..len) into `c`; `origin` names it in errors. Returns 0 or -1. */
int vr_config_parse(struct vr_config *c, const char *buf, size_t len,
    const char *origin, char *err, size_t cap);

/* Frees what `c` holds; `c` is left empty. */
void vr_config_free(struct vr_config *c);

/* Returns the neighbor whose address is `sa` (port ignored), or NULL. */
const struct vr_neighbor *vr_config_neighbor(const struct vr_config *c,
    const struct sockaddr *sa);

/* Returns true if a and b hold the same address (ports ignored; IPv4-mapped IPv6 is IPv4). */
bool vr_addr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
