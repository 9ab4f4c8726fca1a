/*
 * match.h - whether a packet matches a Flowspec rule (RFC 8955 section 4,
 * RFC 8956), and what the rule's actions do to it.
 *
 * The matcher is built once per rule from its value sets and is the same
 * on every platform: a platform decides what a rule costs and whether it
 * is installed, not what an installed rule matches.
 */
#ifndef FC_VROUTER_MATCH_H
#define FC_VROUTER_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "flowspec/rule.h"
#include "packet.h"

struct vr_match;

/* Returns the matcher of `r`, or NULL with errno (EINVAL, ENOMEM). */
struct vr_match *vr_match_new(const struct fs_rule *r);

/*
 * Returns true if `p` matches every component.  A component on a field
 * the packet lacks (ports of an ICMP packet or of a non-first fragment,
 * flow-label of IPv4) does not match; a rule of the other family never
 * matches.
 */
bool vr_match_packet(const struct vr_match *m, const struct vr_packet *p);

void vr_match_free(struct vr_match *m);

/* What a rule's extended communities ask of the packets it matches. */
struct vr_actions {
	bool discard;		/* traffic-rate of 0 (bytes or packets) */
	double rate_bytes;	/* traffic-rate-bytes > 0, else < 0 */
	double rate_packets;	/* traffic-rate-packets > 0, else < 0 */
	int mark;		/* DSCP to write, or -1 */
	bool redirect;
	uint8_t redirect_ec[8];	/* the redirect community, as on the wire */
	bool sample;
	bool terminal;		/* traffic-action T bit: go on to later rules */
};

/* Fills `a` from the actions of `r` (none: accept). */
void vr_actions_from_rule(struct vr_actions *a, const struct fs_rule *r);

#endif
