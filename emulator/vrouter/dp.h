/*
 * dp.h - what the dataplane's files share (dataplane.c: sockets and the
 * thread; forward.c: one frame's fate; route.c: addresses and routes;
 * arp.c: neighbours).  Not an interface for anyone else.
 */
#ifndef FC_VROUTER_DP_H
#define FC_VROUTER_DP_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dataplane.h"
#include "packet.h"

#define DP_BATCH	32		/* frames per recvmmsg */
#define DP_VNET_LEN	10		/* struct virtio_net_hdr, before each frame */
#define DP_FRAME_MAX	(65536 + 256)	/* a GSO aggregate and its headers */
#define DP_MAX_ADDRS	8		/* IPv4 addresses kept per interface */
#define DP_MAX_ADDRS6	8
#define DP_ARP_SETS	256		/* neighbour table: sets of DP_ARP_WAYS */
#define DP_ARP_WAYS	4

/* One data interface and its socket. */
struct dp_if {
	char name[16];
	int ifindex;
	int fd;
	bool dead;			/* the socket failed for good: not polled */
	uint8_t mac[6];
	uint32_t addr[DP_MAX_ADDRS], mask[DP_MAX_ADDRS];	/* host order */
	size_t n_addr;
	_Atomic uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, tx_errors;
	/* Frames queued for sending at the end of the batch. */
	struct mmsghdr txm[DP_BATCH];
	struct iovec txv[DP_BATCH];
	size_t ntx;
};

/* A route: a prefix, the interface it leaves by, and the next hop (0: on-link). */
struct dp_route {
	uint32_t prefix, mask;		/* host order */
	uint8_t plen;
	size_t ifi;
	uint32_t via;
	size_t seq;			/* order added: connected first, then configuration order */
};

struct dp_redirect {
	uint8_t ec[8];
	size_t ifi;
	uint32_t via;
};

/* A neighbour: resolved while `mac` is set and now < expires_ns. */
struct dp_arp {
	uint32_t ip;			/* 0: free slot */
	size_t ifi;
	bool resolved;
	uint8_t mac[6];
	uint64_t expires_ns;		/* resolved entries */
	uint64_t asked_ns;		/* last request sent */
	uint64_t used_ns;		/* for eviction */
};

struct vr_dataplane {
	struct dp_if *ifs;
	size_t n_ifs;
	struct dp_route *routes;	/* longest prefix first */
	size_t n_routes;
	struct dp_redirect *redirects;
	size_t n_redirects;
	uint8_t addr6[DP_MAX_ADDRS6][16];	/* the node's IPv6 addresses */
	size_t n_addr6;
	uint32_t addr4_other[DP_MAX_ADDRS];	/* IPv4 of lo, the control link...: local, not routes */
	size_t n_addr4_other;
	struct dp_arp arp[DP_ARP_SETS][DP_ARP_WAYS];

	pthread_mutex_t mu;		/* rules; held by the thread for one batch */
	struct vr_dp_rule *rules;
	size_t n_rules;

	pthread_t thread;
	bool started;
	int stop_fd;			/* eventfd: written to stop the thread */

	struct pollfd *pf;		/* n_ifs sockets and stop_fd */
	uint8_t *rxbuf;			/* DP_BATCH slots of DP_FRAME_MAX */
	struct mmsghdr rxm[DP_BATCH];
	struct iovec rxv[DP_BATCH];

	_Atomic uint64_t forwarded, unmatched, no_route, ttl_expired;
	_Atomic uint64_t arp_unresolved, not_ip;
};

/* Adds n to counter c (only the dataplane thread writes; anyone reads). */
static inline void
dp_count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* forward.c */

/* One received frame: the virtio header, then the Ethernet frame. */
struct dp_frame {
	uint8_t *vnet;			/* DP_VNET_LEN octets */
	uint8_t *f;
	size_t len;
	unsigned char pkttype;		/* PACKET_HOST, PACKET_BROADCAST, ... */
	bool vlan;			/* the kernel took an 802.1Q tag off */
};

/*
 * Decides the fate of frame `fr` received on interface `in` at `now`
 * (CLOCK_MONOTONIC ns), with dp->mu held.  Returns the interface to send
 * it on (the frame rewritten, fr->len possibly trimmed), or NULL when it
 * is dropped or left to the kernel (counted either way).
 */
struct dp_if *dp_forward(struct vr_dataplane *dp, struct dp_if *in,
    struct dp_frame *fr, uint64_t now);

/* Returns the ones' complement sum of buf[0..len) added to sum, not folded. */
uint32_t dp_csum_add(uint32_t sum, const uint8_t *buf, size_t len);
/* Returns sum folded to 16 bits and complemented: the checksum to store. */
uint16_t dp_csum_fold(uint32_t sum);

/* route.c */

/*
 * Reads the MAC and IPv4 addresses of every interface of dp (the
 * calling thread's namespace), then builds the routes: connected ones,
 * cfg's static ones, longest prefix first, and the redirects.  Returns
 * 0, or -1 with a sentence in err.
 */
int dp_routes_init(struct vr_dataplane *dp, const struct vr_dataplane_config *cfg,
    char *err, size_t cap);

/* Returns the route for dst (host order), or NULL. */
const struct dp_route *dp_route_lookup(const struct vr_dataplane *dp, uint32_t dst);

/* Returns the redirect configured for community ec, or NULL. */
const struct dp_redirect *dp_redirect_lookup(const struct vr_dataplane *dp,
    const uint8_t ec[8]);

/* Returns true if the IPv4 address ip (host order) is for the node itself. */
bool dp_is_local4(const struct vr_dataplane *dp, uint32_t ip);

/* Returns true if the IPv6 address ip is for the node itself (its own, link-local, multicast). */
bool dp_is_local6(const struct vr_dataplane *dp, const uint8_t ip[16]);

/* Returns the address of interface `ifi` on the subnet of ip, or its first, or 0. */
uint32_t dp_if_source(const struct dp_if *ifp, uint32_t ip);

/* arp.c */

/*
 * Returns the MAC of neighbour ip (host order) on interface ifi in mac,
 * true; or false after asking for it (at most once a second), the caller
 * dropping the packet as a router's glean path does.
 */
bool dp_arp_resolve(struct vr_dataplane *dp, size_t ifi, uint32_t ip,
    uint64_t now, uint8_t mac[6]);

/* Learns the sender of the ARP frame f[0..len) seen on interface ifi. */
void dp_arp_input(struct vr_dataplane *dp, size_t ifi, const uint8_t *f,
    size_t len, uint64_t now);

/* Returns 0 once frame f[0..len) is sent on ifp (a virtio header is added), or -1. */
int dp_send_now(struct dp_if *ifp, const uint8_t *f, size_t len);

#endif
