/*
 * dataplane.h - the vrouter's forwarding plane: AF_PACKET on its data
 * interfaces, IPv4 routing with its own ARP, and the installed Flowspec
 * rules applied to every transit packet, with per-rule counters.
 *
 * It runs on a thread of its own.  The kernel of the node's namespace
 * does not forward (the daemon refuses to start a dataplane where
 * ip_forward is on; a fresh namespace has it off): packets addressed
 * to the node itself (BGP, ARP for its addresses, pings) are the kernel's,
 * every other IP packet that reaches one of its MAC addresses is ours.
 */
#ifndef FC_VROUTER_DATAPLANE_H
#define FC_VROUTER_DATAPLANE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "match.h"

/* Counters of one rule: written by the dataplane thread, read by anyone. */
struct vr_rule_counters {
	_Atomic uint64_t matched_packets, matched_bytes;
	_Atomic uint64_t dropped_packets, dropped_bytes;	/* discard and over-rate */
	_Atomic uint64_t marked_packets, redirected_packets;
	_Atomic uint64_t spill_walks;	/* slow-path lookups paid */
};

/*
 * The state of one rule that the dataplane keeps across packets.  The
 * caller allocates it with the rule and frees it only after a publish
 * without the rule has returned.
 */
struct vr_rule_state {
	struct vr_rule_counters c;
	double tokens;		/* byte-rate limiter, dataplane thread only */
	double ptokens;		/* packet-rate limiter (a rule may carry both) */
	uint64_t last_ns;
};

/* One installed rule, as the dataplane sees it. */
struct vr_dp_rule {
	const struct vr_match *match;
	struct vr_actions actions;
	struct vr_rule_state *state;
	const struct vr_arena *spill;	/* non-NULL: on the slow path, which reads this per packet */
};

struct vr_route {
	uint32_t prefix;	/* IPv4, host byte order */
	uint8_t plen;
	uint32_t via;		/* next hop, host byte order */
};

/* Where a redirect community sends what it matches. */
struct vr_redirect {
	uint8_t ec[8];		/* the community, type and sub-type included */
	char ifname[16];
	uint32_t via;		/* next hop on that interface, host byte order */
};

struct vr_dataplane_config {
	const char *const *ifnames;	/* the data interfaces; never the control one */
	size_t n_ifnames;
	const struct vr_route *routes;	/* static routes beyond the connected ones */
	size_t n_routes;
	const struct vr_redirect *redirects;
	size_t n_redirects;
};

/* Counters of one interface. */
struct vr_if_stats {
	char ifname[16];
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t tx_errors;
};

/* Counters of the whole dataplane. */
struct vr_dp_stats {
	uint64_t forwarded_packets;	/* transit packets sent on */
	uint64_t unmatched_packets;	/* of them, matched by no rule */
	uint64_t no_route_packets, ttl_expired_packets, arp_unresolved_packets;
	uint64_t not_ip_frames;		/* left to the kernel: not IPv4 transit (ARP,
					 * IPv6, for the node itself, malformed) */
};

struct vr_dataplane;

/*
 * Opens an AF_PACKET socket on every interface of `cfg` and learns their
 * MAC and IPv4 addresses (the connected routes).  Returns the dataplane
 * (not yet running), or NULL with a sentence in err.
 */
struct vr_dataplane *vr_dp_new(const struct vr_dataplane_config *cfg,
    char *err, size_t cap);

/* Starts the forwarding thread.  Returns 0, or -1 with a sentence in err. */
int vr_dp_start(struct vr_dataplane *dp, char *err, size_t cap);

/*
 * Replaces the installed rules by rules[0..n), in the order they are to
 * be applied (RFC 8955 section 5.1).  The array is copied; what its
 * entries point to must stay valid until the next publish returns.
 * Returns 0, or -1 with errno ENOMEM, or EINVAL for a rule without a
 * matcher or a state (the old rules stay installed).
 */
int vr_dp_publish(struct vr_dataplane *dp, const struct vr_dp_rule *rules,
    size_t n);

/* Copies the counters; `ifs` gets at most `cap` interfaces. Returns how many there are. */
size_t vr_dp_read_stats(struct vr_dataplane *dp, struct vr_dp_stats *st,
    struct vr_if_stats *ifs, size_t cap);

/* Stops the thread, closes the sockets, frees (NULL is fine). */
void vr_dp_free(struct vr_dataplane *dp);

#endif
