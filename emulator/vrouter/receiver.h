/*
 * receiver.h - the vrouter's BGP side: a passive listener that accepts the
 * configured neighbors (and, when allowed, injectors on loopback), checks
 * each announced flow route (RFC 8955 section 6, when configured), and
 * hands it to the flow table.
 *
 * The vrouter never connects out: the lab's controller and the nodes it
 * peers with connect to it, so one listening socket serves them all.
 */
#ifndef FC_VROUTER_RECEIVER_H
#define FC_VROUTER_RECEIVER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "table.h"

struct vr_peer_info {
	char name[64];		/* the neighbor's name, or "loopback:PORT" */
	char addr[64];
	const char *state;	/* bgp_state_name */
	uint32_t peer_as;
	uint64_t updates_in;
	uint64_t rules_in, withdraws_in, invalid_in, malformed_in;
	int64_t established_us;	/* g_get_real_time() when it came up, or 0 */
};

struct vr_receiver_stats {
	uint64_t accepted, refused;	/* connections */
	uint64_t updates, rules, withdraws, invalid, malformed;
};

struct vr_receiver;

/*
 * Listens where `c` says and feeds `t`; both must outlive the receiver.
 * Returns it, or NULL with a sentence in err.
 */
struct vr_receiver *vr_receiver_new(const struct vr_config *c, struct vr_table *t,
    char *err, size_t cap);

/* Copies at most `cap` peers into `out`. Returns how many sessions there are. */
size_t vr_receiver_peers(const struct vr_receiver *r, struct vr_peer_info *out,
    size_t cap);

void vr_receiver_stats(const struct vr_receiver *r, struct vr_receiver_stats *s);

/*
 * Closes every session with a Cease and calls `done` once all are down
 * (or at once when there are none).
 */
void vr_receiver_shutdown(struct vr_receiver *r, void (*done)(void *), void *ud);

/* Closes the listener and every session (no NOTIFICATION); frees. */
void vr_receiver_free(struct vr_receiver *r);

#endif
