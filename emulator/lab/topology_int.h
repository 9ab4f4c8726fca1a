/*
 * topology_int.h - what the parts of the topology reader share: the
 * parse context, where each setting came from, and the YAML helpers.
 * Not for use outside emulator/lab/topology*.c.
 */
#ifndef FC_LAB_TOPOLOGY_INT_H
#define FC_LAB_TOPOLOGY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "topology.h"

/* Caps on untrusted input, so that no file costs much to refuse. */
#define TP_FILE_MAX	(4u << 20)
#define TP_NODES_MAX	1024
#define TP_LINKS_MAX	4096
#define TP_DEPTH_MAX	16	/* the format needs 5 levels */
#define TP_VALUES_MAX	(1u << 18)	/* a full-size lab has about 50,000 */
#define TP_EXEC_MAX	256	/* argv entries of a linux node */
#define TP_PLATFORM_MAX	64
#define TP_KEYS_MAX	12	/* keys of the largest mapping (a node) */

#define TP_CTL_ASN	65000
#define TP_CTL_SUBNET	0xac1e0000u	/* 172.30.0.0/16 */
#define TP_LINK_SUBNET	0x0a640000u	/* 10.100.0.0/16 */
#define TP_FIRST_ASN	65001
#define TP_MEMORY_MIN	(1u << 20)

/* A place in the file: 1-based; line 0 when the value is built in. */
struct tp_mark {
	unsigned line, col;
};

/* A /30 pool: the controller's subnet or defaults.link-subnet. */
struct tp_pool {
	uint32_t base;
	uint8_t plen;
	bool given;
	struct tp_mark at;		/* where it was given; line 0: built in */
};

/* The settings a node may take from topology.defaults. */
enum tp_field {
	TP_F_KIND,
	TP_F_ASN,
	TP_F_MEMORY,
	TP_F_BUDGET,
	TP_F_CPUS,
	TP_F_RR,
	TP_F_COUNT
};

/* Those settings as read, each with where it was written. */
struct tp_vals {
	bool set[TP_F_COUNT];
	struct tp_mark at[TP_F_COUNT];
	const char *text[TP_F_COUNT];	/* as written, for messages */
	enum lab_kind kind;
	uint32_t asn;
	uint64_t memory, budget;
	unsigned cpus;
	bool rr;
};

/* A node's name and index, for lookups by name. */
struct tp_name {
	const char *name;
	size_t idx;
};

/* What the resolver needs of a node beyond struct lab_node. */
struct tp_node_aux {
	struct tp_mark at;		/* its name */
	yaml_node_t *peers;		/* its peers sequence, or NULL */
	struct tp_mark peers_at;
};

struct tp_ctx {
	const char *file;
	struct lab_error *err;
	struct tp_mark end;		/* where the text ends */
	yaml_document_t *doc;
	uint64_t host_memory;
	unsigned host_cpus;
	struct lab_topology *t;

	struct tp_vals defaults;
	struct tp_pool ctl_pool, link_pool;
	yaml_node_t *ctl_peers;		/* controller.peers, or NULL */
	struct tp_mark ctl_peers_at;

	struct tp_node_aux *naux;	/* one per node */
	struct tp_mark *link_at;	/* per link: where each endpoint is, 2 each */
	struct tp_name *by_name;	/* the nodes sorted by name */
};

/* topology_yaml.c: the document, checked before it is read. */
int tp_prescan(struct tp_ctx *c, const char *text, size_t len);
int tp_yaml_error(struct tp_ctx *c, const yaml_parser_t *p, const char *text,
    size_t len);
struct tp_mark tp_at(const yaml_node_t *n);
struct tp_mark tp_offset_at(const char *text, size_t len, size_t off);
int tp_fail(struct tp_ctx *c, enum lab_errcode code, struct tp_mark at,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int tp_nomem(struct tp_ctx *c);
const char *tp_quote(const char *s, char *buf, size_t cap);
const char *tp_places(struct tp_mark a, struct tp_mark b, char *buf,
    size_t cap);
bool tp_is_null(const yaml_node_t *n);
yaml_node_t *tp_node(struct tp_ctx *c, int index);
int tp_expect(struct tp_ctx *c, const yaml_node_t *n, yaml_node_type_t type,
    const char *what);
int tp_scalar(struct tp_ctx *c, const yaml_node_t *n, const char *what,
    const char **s);
int tp_map(struct tp_ctx *c, const yaml_node_t *n, const char *what,
    const char *const *keys, size_t nkeys, yaml_node_t **vals,
    struct tp_mark *key_at);
size_t tp_len(const yaml_node_t *n);
yaml_node_t *tp_item(struct tp_ctx *c, const yaml_node_t *seq, size_t i);

#define TP_KINDS "frr, bird, gobgp, vrouter, linux"

/* topology_value.c: names, numbers, sizes and addresses; settings. */
bool tp_valid_name(const char *s);
const char *tp_ifname_problem(const char *s);
int tp_parse_u32(const char *s, uint32_t *v);
int tp_parse_cidr(const char *s, uint32_t *addr, uint8_t *plen);
void tp_fmt_ip(uint32_t addr, char *buf, size_t cap);
void tp_fmt_bytes(uint64_t bytes, char *buf, size_t cap);
int tp_read_asn(struct tp_ctx *c, const yaml_node_t *n, const char *s,
    uint32_t *asn);
int tp_read_setting(struct tp_ctx *c, enum tp_field f, const yaml_node_t *n,
    const char *path, struct tp_vals *v);
int tp_read_pool(struct tp_ctx *c, const yaml_node_t *n, const char *what,
    struct tp_pool *pool);

/* topology_read.c: the document into c->t and the side tables. */
int tp_read(struct tp_ctx *c, yaml_node_t *root);
long tp_find(const struct tp_ctx *c, const char *name);

/* topology_link.c: topology.links, once the nodes are read. */
int tp_read_links(struct tp_ctx *c, const yaml_node_t *n);

/* topology_resolve.c: peerings, addresses and router ids. */
int tp_resolve(struct tp_ctx *c);

#endif
