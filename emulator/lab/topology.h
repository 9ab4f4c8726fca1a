/*
 * topology.h - a lab as a topology file describes it, checked and
 * resolved: every name, size, address and peering known before anything
 * is created.
 *
 * The file is YAML in containerlab's shape:
 *
 *   name: bench
 *   controller:              # flowcanary's own BGP speaker
 *     asn: 65000
 *     peers: [frr1, bird1]   # nodes that get a flowspec session from it
 *     subnet: 172.30.0.0/16  # one /30 per peered node (this is the default)
 *   topology:
 *     defaults: {memory: 256MiB, cpus: 1}
 *     nodes:
 *       frr1: {kind: frr, asn: 65001}
 *       edge1: {kind: vrouter, platform: tcam, memory: 512MiB}
 *     links:
 *       - endpoints: ["frr1:eth1", "edge1:eth1"]
 *
 * See docs/topology.md for every key.
 */
#ifndef FC_LAB_TOPOLOGY_H
#define FC_LAB_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define LAB_NAME_MAX 15		/* lab and node names: [A-Za-z0-9_-], an ifname */
#define LAB_IFNAME_MAX 15	/* IFNAMSIZ - 1 */
#define LAB_CTL_IFNAME "fc0"	/* a node's side of its controller link */

enum lab_kind {
	LAB_KIND_FRR,		/* FRR bgpd, alone (-Z) */
	LAB_KIND_BIRD,		/* BIRD 2 */
	LAB_KIND_GOBGP,		/* gobgpd */
	LAB_KIND_VROUTER,	/* flowcanary-vrouter with a platform profile */
	LAB_KIND_LINUX,		/* a namespace that runs `exec` (containerlab's linux) */
};

/* An IPv4 address in host byte order, with its prefix length. */
struct lab_ip4 {
	uint32_t addr;
	uint8_t plen;
};

struct lab_endpoint {
	size_t node;				/* index into lab_topology.nodes */
	char ifname[LAB_IFNAME_MAX + 1];
	struct lab_ip4 ip;			/* assigned from defaults.link-subnet */
};

struct lab_link {
	struct lab_endpoint ep[2];
	unsigned line;
};

/* A BGP session between two nodes over a link they share. */
struct lab_peering {
	size_t link;			/* index into lab_topology.links */
	int side;			/* this node's endpoint of that link: 0 or 1 */
	size_t peer;			/* the other node */
};

struct lab_node {
	char name[LAB_NAME_MAX + 1];
	enum lab_kind kind;
	char *platform;			/* vrouter: profile name; else NULL */
	char **exec;			/* linux: argv, NULL-terminated; else NULL */
	uint32_t asn;
	uint32_t router_id;		/* host order; the controller link's node side, or derived */
	uint64_t memory_limit;		/* bytes; 0: none */
	uint64_t memory_budget;		/* bytes; over it is an event; 0: 80% of the limit */
	unsigned cpu_millis;		/* 1000 = one core; 0: none */
	bool route_reflector;		/* its iBGP peers are route-reflector clients */
	/*
	 * Session with the controller (peered), over a link whose node side
	 * is LAB_CTL_IFNAME and whose controller side is named after the node.
	 */
	bool controller_peer;
	struct lab_ip4 ctl_ip;		/* the node's side */
	struct lab_ip4 ctl_peer_ip;	/* the controller's side */
	struct lab_peering *peerings;	/* sessions with other nodes */
	size_t n_peerings;
	unsigned line;			/* where the node is defined */
};

struct lab_topology {
	char name[LAB_NAME_MAX + 1];
	char *path;			/* the file it was read from */
	uint32_t controller_asn;
	struct lab_node *nodes;
	size_t n_nodes;
	struct lab_link *links;
	size_t n_links;
};

/*
 * Reads and checks the topology file at `path`.  `host_memory` (bytes)
 * and `host_cpus` bound the limits a node may ask for (0: do not check).
 * Returns the topology, or NULL with `err` naming file:line:column and
 * what is wrong.
 */
struct lab_topology *lab_topology_load(const char *path, uint64_t host_memory,
    unsigned host_cpus, struct lab_error *err);

/* The same, from a buffer; `path` is only used in messages. */
struct lab_topology *lab_topology_parse(const char *path, const char *text,
    size_t len, uint64_t host_memory, unsigned host_cpus,
    struct lab_error *err);

void lab_topology_free(struct lab_topology *t);

/* Returns the index of the node called `name`, or -1. */
long lab_topology_find(const struct lab_topology *t, const char *name);

/* Returns "frr", "bird", ...; lab_kind_parse returns -1 for an unknown name. */
const char *lab_kind_name(enum lab_kind k);
int lab_kind_parse(const char *name);

/*
 * Parses a size: a whole number with an optional unit B, K, KB, KiB, M,
 * MB, MiB, G, GB, GiB (KB = 1000, KiB = K = 1024), in any case, after at
 * most one space.  Returns 0 and sets *bytes, or -1 if it does not parse
 * or overflows.
 */
int lab_parse_size(const char *s, uint64_t *bytes);

/*
 * Parses a CPU count ("1", "0.5" with up to three decimals, "1500m");
 * returns 0 and millis (0 included), or -1.
 */
int lab_parse_cpus(const char *s, unsigned *millis);

#endif
