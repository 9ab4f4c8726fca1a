/*
 * arp.c - the dataplane's own neighbour table (RFC 826).
 *
 * The kernel of the node keeps answering ARP for the node's addresses;
 * this table is what the forwarding thread uses to reach next hops,
 * learnt from every ARP frame it sees and from requests it sends.  A
 * packet whose next hop is unknown is dropped while the request goes
 * out, as a router's glean path does.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "dp.h"

#define ARP_REACHABLE_NS	(60ull * 1000000000ull)	/* an answer is good this long */
#define ARP_REFRESH_NS		(15ull * 1000000000ull)	/* ask again this long before */
#define ARP_RETRY_NS		(1000000000ull)		/* one request a second at most */
#define ARP_FRAME		60			/* Ethernet minimum, without FCS */

/* Returns the set of the table that holds (ifi, ip). */
static struct dp_arp *
arp_set(struct vr_dataplane *dp, size_t ifi, uint32_t ip)
{
	uint32_t h = ip * 2654435761u ^ (uint32_t)ifi * 40503u;

	return dp->arp[(h >> 16) % DP_ARP_SETS];
}

/* Returns the entry of (ifi, ip), or NULL. */
static struct dp_arp *
arp_find(struct vr_dataplane *dp, size_t ifi, uint32_t ip)
{
	struct dp_arp *set = arp_set(dp, ifi, ip);

	for (int w = 0; w < DP_ARP_WAYS; w++)
		if (set[w].ip == ip && set[w].ifi == ifi)
			return &set[w];
	return NULL;
}

/*
 * Returns a slot for (ifi, ip): a free one, else the least recently used
 * unresolved one, else the least recently used, so that a scan of
 * addresses nobody answers for cannot push out next hops in use.
 */
static struct dp_arp *
arp_slot(struct vr_dataplane *dp, size_t ifi, uint32_t ip)
{
	struct dp_arp *set = arp_set(dp, ifi, ip), *old = NULL;

	for (int w = 0; w < DP_ARP_WAYS; w++) {
		struct dp_arp *e = &set[w];
		if (e->ip == 0) {
			old = e;
			break;
		}
		if (old == NULL || (old->resolved && !e->resolved) ||
		    (old->resolved == e->resolved && e->used_ns < old->used_ns))
			old = e;
	}
	memset(old, 0, sizeof *old);
	old->ip = ip;
	old->ifi = ifi;
	return old;
}

/* Writes a 16-bit value in network order at p. */
static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Writes a 32-bit value in network order at p. */
static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Returns 0 once a broadcast request for ip has left interface ifi, or -1. */
static int
arp_request(struct vr_dataplane *dp, size_t ifi, uint32_t ip)
{
	struct dp_if *ifp = &dp->ifs[ifi];
	uint8_t f[ARP_FRAME] = { 0 };

	memset(f, 0xff, 6);
	memcpy(f + 6, ifp->mac, 6);
	put16(f + 12, 0x0806);
	put16(f + 14, 1);		/* Ethernet */
	put16(f + 16, 0x0800);		/* IPv4 */
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, 1);		/* request */
	memcpy(f + 22, ifp->mac, 6);
	put32(f + 28, dp_if_source(ifp, ip));
	put32(f + 38, ip);
	return dp_send_now(ifp, f, sizeof f);
}

bool
dp_arp_resolve(struct vr_dataplane *dp, size_t ifi, uint32_t ip,
    uint64_t now, uint8_t mac[6])
{
	struct dp_arp *e;

	if (dp == NULL || ifi >= dp->n_ifs || ip == 0)
		return false;
	if ((e = arp_find(dp, ifi, ip)) == NULL)
		e = arp_slot(dp, ifi, ip);
	e->used_ns = now;
	if (e->resolved && now < e->expires_ns) {
		/* Ask before it expires, so that a busy flow never gleans. */
		if (now + ARP_REFRESH_NS >= e->expires_ns &&
		    now >= e->asked_ns + ARP_RETRY_NS) {
			e->asked_ns = now;
			(void)arp_request(dp, ifi, ip);
		}
		memcpy(mac, e->mac, 6);
		return true;
	}
	e->resolved = false;
	if (e->asked_ns == 0 || now >= e->asked_ns + ARP_RETRY_NS) {
		e->asked_ns = now;
		(void)arp_request(dp, ifi, ip);
	}
	return false;
}

/* Returns the 32-bit network-order value at p. */
static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

void
dp_arp_input(struct vr_dataplane *dp, size_t ifi, const uint8_t *f,
    size_t len, uint64_t now)
{
	const struct dp_if *ifp;
	struct dp_arp *e;
	uint32_t spa;
	bool on_link = false;

	/* Ethernet/IPv4 ARP only: 14 + 28 octets. */
	if (dp == NULL || f == NULL || ifi >= dp->n_ifs || len < 42 ||
	    f[14] != 0 || f[15] != 1 || f[16] != 8 || f[17] != 0 ||
	    f[18] != 6 || f[19] != 4)
		return;
	ifp = &dp->ifs[ifi];
	spa = get32(f + 28);
	/* Learn only neighbours on the interface's own subnets. */
	for (size_t k = 0; k < ifp->n_addr; k++)
		on_link |= (spa & ifp->mask[k]) == (ifp->addr[k] & ifp->mask[k]);
	if (!on_link || spa == 0 || dp_is_local4(dp, spa) || (f[22] & 1) != 0)
		return;
	/* A new neighbour only from a reply, or a request for one of our addresses. */
	if ((e = arp_find(dp, ifi, spa)) == NULL) {
		if (f[21] != 2 && !dp_is_local4(dp, get32(f + 38)))
			return;
		e = arp_slot(dp, ifi, spa);
		e->used_ns = now;
	}
	memcpy(e->mac, f + 22, 6);
	e->resolved = true;
	e->expires_ns = now + ARP_REACHABLE_NS;
}

int
dp_send_now(struct dp_if *ifp, const uint8_t *f, size_t len)
{
	uint8_t vnet[DP_VNET_LEN] = { 0 };
	struct iovec iov[2] = {
		{ .iov_base = vnet, .iov_len = sizeof vnet },
		{ .iov_base = (void *)(uintptr_t)f, .iov_len = len },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	if (ifp == NULL || f == NULL || ifp->dead)
		return -1;
	do
		n = sendmsg(ifp->fd, &m, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	/* A packet socket sends a frame whole or not at all. */
	if (n != (ssize_t)(sizeof vnet + len)) {
		dp_count(&ifp->tx_errors, 1);
		return -1;
	}
	dp_count(&ifp->tx_packets, 1);
	dp_count(&ifp->tx_bytes, len);
	return 0;
}
