/*
 * route.c - the dataplane's addresses and routes: what its interfaces
 * hold (the connected routes), the configured static routes, the
 * redirect targets, and longest-prefix match over them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp.h"

/* Returns the netmask of a prefix `plen` bits long, host order. */
static uint32_t
plen_mask(unsigned plen)
{
	return plen == 0 ? 0 : plen >= 32 ? UINT32_MAX : ~(UINT32_MAX >> plen);
}

/* Returns the length of the contiguous netmask m, or -1 if it is not one. */
static int
mask_plen(uint32_t m)
{
	int n = 0;

	while (n < 32 && (m & (UINT32_C(1) << (31 - n))))
		n++;
	return plen_mask((unsigned)n) == m ? n : -1;
}

/* Returns the index of the interface named `name`, or -1. */
static int
if_by_name(const struct vr_dataplane *dp, const char *name)
{
	for (size_t i = 0; i < dp->n_ifs; i++)
		if (strcmp(dp->ifs[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Records address sa/nm of interface ifp or of the node (IPv6). */
static void
take_address(struct vr_dataplane *dp, struct dp_if *ifp,
    const struct sockaddr *sa, const struct sockaddr *nm)
{
	if (sa->sa_family == AF_INET && nm != NULL && nm->sa_family == AF_INET &&
	    ifp != NULL && ifp->n_addr < DP_MAX_ADDRS) {
		struct sockaddr_in a4, m4;
		uint32_t a, m;

		memcpy(&a4, sa, sizeof a4);
		memcpy(&m4, nm, sizeof m4);
		a = ntohl(a4.sin_addr.s_addr);
		m = ntohl(m4.sin_addr.s_addr);
		if (mask_plen(m) < 0)
			return;
		ifp->addr[ifp->n_addr] = a;
		ifp->mask[ifp->n_addr++] = m;
	} else if (sa->sa_family == AF_INET && ifp == NULL &&
	    dp->n_addr4_other < DP_MAX_ADDRS) {
		/* Not a data interface: the node's address all the same. */
		struct sockaddr_in a4;

		memcpy(&a4, sa, sizeof a4);
		dp->addr4_other[dp->n_addr4_other++] = ntohl(a4.sin_addr.s_addr);
	} else if (sa->sa_family == AF_INET6 && dp->n_addr6 < DP_MAX_ADDRS6) {
		struct sockaddr_in6 a6;

		memcpy(&a6, sa, sizeof a6);
		memcpy(dp->addr6[dp->n_addr6++], &a6.sin6_addr, 16);
	}
}

/* Returns 0 with the addresses of every interface read, or -1 with err. */
static int
read_addresses(struct vr_dataplane *dp, char *err, size_t cap)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) != 0) {
		snprintf(err, cap, "cannot list interface addresses: %s",
		    strerror(errno));
		return -1;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		int k;

		if (i->ifa_addr == NULL || i->ifa_name == NULL)
			continue;
		k = if_by_name(dp, i->ifa_name);
		/* IPv6 addresses of any interface are the node's own. */
		take_address(dp, k < 0 ? NULL : &dp->ifs[k], i->ifa_addr,
		    i->ifa_netmask);
	}
	freeifaddrs(ifa);
	return 0;
}

/* Returns a pointer to a new route slot, or NULL (ENOMEM). */
static struct dp_route *
new_route(struct vr_dataplane *dp, size_t *cap)
{
	if (dp->n_routes == *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		struct dp_route *r = reallocarray(dp->routes, n, sizeof *r);

		if (r == NULL)
			return NULL;
		dp->routes = r;
		*cap = n;
	}
	dp->routes[dp->n_routes].seq = dp->n_routes;
	return &dp->routes[dp->n_routes++];
}

/* Returns the longest connected route holding ip, or NULL. */
static const struct dp_route *
connected(const struct vr_dataplane *dp, uint32_t ip)
{
	const struct dp_route *best = NULL;

	for (size_t i = 0; i < dp->n_routes; i++)
		if (dp->routes[i].via == 0 &&
		    (ip & dp->routes[i].mask) == dp->routes[i].prefix &&
		    (best == NULL || dp->routes[i].plen > best->plen))
			best = &dp->routes[i];
	return best;
}

/* Orders routes longest prefix first, so that the first match is the best. */
static int
cmp_plen(const void *a, const void *b)
{
	const struct dp_route *x = a, *y = b;

	/* qsort is not stable: equal lengths keep the order they were added in. */
	if (x->plen != y->plen)
		return (int)y->plen - (int)x->plen;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Returns 0 once the static routes of cfg are added, or -1 with err. */
static int
add_static(struct vr_dataplane *dp, const struct vr_dataplane_config *cfg,
    size_t *cap, char *err, size_t errcap)
{
	for (size_t i = 0; i < cfg->n_routes; i++) {
		const struct vr_route *s = &cfg->routes[i];
		const struct dp_route *c = connected(dp, s->via);
		struct dp_route *r;
		struct in_addr a = { htonl(s->prefix) }, v = { htonl(s->via) };
		char ps[INET_ADDRSTRLEN], vs[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &a, ps, sizeof ps);
		inet_ntop(AF_INET, &v, vs, sizeof vs);
		if (s->plen > 32 || (s->prefix & ~plen_mask(s->plen)) != 0) {
			snprintf(err, errcap, "route %s/%u is not a prefix", ps,
			    s->plen);
			return -1;
		}
		/* Only a next hop on a data interface's subnet can be reached. */
		if (c == NULL || s->via == 0) {
			snprintf(err, errcap, "route %s/%u via %s: the next hop is on "
			    "no data interface's subnet", ps, s->plen, vs);
			return -1;
		}
		size_t ifi = c->ifi;
		if ((r = new_route(dp, cap)) == NULL) {
			snprintf(err, errcap, "out of memory");
			return -1;
		}
		size_t seq = r->seq;
		*r = (struct dp_route){ .prefix = s->prefix, .plen = s->plen,
		    .mask = plen_mask(s->plen), .ifi = ifi, .via = s->via, .seq = seq };
	}
	return 0;
}

/* Returns 0 once the redirects of cfg are resolved to interfaces, or -1 with err. */
static int
add_redirects(struct vr_dataplane *dp, const struct vr_dataplane_config *cfg,
    char *err, size_t cap)
{
	if (cfg->n_redirects == 0)
		return 0;
	if (cfg->redirects == NULL) {
		snprintf(err, cap, "redirects missing from the configuration");
		return -1;
	}
	dp->redirects = calloc(cfg->n_redirects, sizeof *dp->redirects);
	if (dp->redirects == NULL) {
		snprintf(err, cap, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < cfg->n_redirects; i++) {
		const struct vr_redirect *c = &cfg->redirects[i];
		char name[sizeof c->ifname + 1];
		int k;

		memcpy(name, c->ifname, sizeof c->ifname);
		name[sizeof c->ifname] = '\0';
		if ((k = if_by_name(dp, name)) < 0 || c->via == 0) {
			snprintf(err, cap, "redirect via %s: not a data interface, "
			    "or no next hop", name);
			return -1;
		}
		memcpy(dp->redirects[i].ec, c->ec, 8);
		dp->redirects[i].ifi = (size_t)k;
		dp->redirects[i].via = c->via;
	}
	dp->n_redirects = cfg->n_redirects;
	return 0;
}

int
dp_routes_init(struct vr_dataplane *dp, const struct vr_dataplane_config *cfg,
    char *err, size_t cap)
{
	size_t rcap = 0;

	if (dp == NULL || cfg == NULL ||
	    (cfg->n_routes > 0 && cfg->routes == NULL)) {
		snprintf(err, cap, "no configuration");
		return -1;
	}
	if (read_addresses(dp, err, cap) != 0)
		return -1;
	for (size_t i = 0; i < dp->n_ifs; i++) {
		struct dp_if *ifp = &dp->ifs[i];

		for (size_t k = 0; k < ifp->n_addr; k++) {
			struct dp_route *r = new_route(dp, &rcap);

			if (r == NULL) {
				snprintf(err, cap, "out of memory");
				return -1;
			}
			size_t seq = r->seq;
			*r = (struct dp_route){
			    .prefix = ifp->addr[k] & ifp->mask[k],
			    .mask = ifp->mask[k],
			    .plen = (uint8_t)mask_plen(ifp->mask[k]),
			    .ifi = i, .via = 0, .seq = seq };
		}
	}
	if (add_static(dp, cfg, &rcap, err, cap) != 0 ||
	    add_redirects(dp, cfg, err, cap) != 0)
		return -1;
	if (dp->n_routes > 1)
		qsort(dp->routes, dp->n_routes, sizeof *dp->routes, cmp_plen);
	return 0;
}

const struct dp_route *
dp_route_lookup(const struct vr_dataplane *dp, uint32_t dst)
{
	for (size_t i = 0; i < dp->n_routes; i++)
		if ((dst & dp->routes[i].mask) == dp->routes[i].prefix)
			return &dp->routes[i];
	return NULL;
}

const struct dp_redirect *
dp_redirect_lookup(const struct vr_dataplane *dp, const uint8_t ec[8])
{
	for (size_t i = 0; i < dp->n_redirects; i++)
		if (memcmp(dp->redirects[i].ec, ec, 8) == 0)
			return &dp->redirects[i];
	return NULL;
}

bool
dp_is_local4(const struct vr_dataplane *dp, uint32_t ip)
{
	/* Loopback, "this network", multicast and limited broadcast. */
	if ((ip >> 24) == 127 || (ip >> 24) == 0 || (ip >> 28) == 0xe ||
	    ip == UINT32_MAX)
		return true;
	for (size_t i = 0; i < dp->n_addr4_other; i++)
		if (ip == dp->addr4_other[i])
			return true;
	for (size_t i = 0; i < dp->n_ifs; i++) {
		const struct dp_if *ifp = &dp->ifs[i];

		for (size_t k = 0; k < ifp->n_addr; k++) {
			/* The address itself, or its subnet's directed broadcast. */
			if (ip == ifp->addr[k] || (ifp->mask[k] < UINT32_MAX - 1 &&
			    ip == (ifp->addr[k] | ~ifp->mask[k])))
				return true;
		}
	}
	return false;
}

bool
dp_is_local6(const struct vr_dataplane *dp, const uint8_t ip[16])
{
	/* Multicast ff00::/8 and link-local fe80::/10 never transit. */
	if (ip[0] == 0xff || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80))
		return true;
	for (size_t i = 0; i < dp->n_addr6; i++)
		if (memcmp(dp->addr6[i], ip, 16) == 0)
			return true;
	return false;
}

uint32_t
dp_if_source(const struct dp_if *ifp, uint32_t ip)
{
	for (size_t k = 0; k < ifp->n_addr; k++)
		if ((ip & ifp->mask[k]) == (ifp->addr[k] & ifp->mask[k]))
			return ifp->addr[k];
	return ifp->n_addr > 0 ? ifp->addr[0] : 0;
}
