/*
 * dataplane.c - the forwarding thread: one AF_PACKET socket per data
 * interface, frames in by recvmmsg, rewritten in place, out by sendmmsg.
 *
 * Sockets carry a virtio header (PACKET_VNET_HDR) with every frame: it
 * says when the sender left a checksum to offload, and it lets a GSO
 * aggregate (a veth hands over up to 64 KiB at once) leave as one frame
 * that the egress cuts into segments, as the kernel's own forwarding
 * does.  PACKET_IGNORE_OUTGOING keeps the thread from seeing its sends.
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "dp.h"

#define RCVBUF		(4 << 20)	/* room for bursts while a batch is processed */
#define ROUNDS		8		/* batches from one socket before the next */

/* Returns CLOCK_MONOTONIC in nanoseconds. */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Returns 0 with ifp's socket open, bound and its MAC read, or -1 with err. */
static int
open_if(struct dp_if *ifp, const char *name, char *err, size_t cap)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { 0 };
	int one = 1, rcv = RCVBUF;

	if (strlen(name) >= sizeof ifp->name) {
		snprintf(err, cap, "interface name \"%s\" is too long", name);
		return -1;
	}
	strcpy(ifp->name, name);
	if ((ifp->ifindex = (int)if_nametoindex(name)) == 0) {
		snprintf(err, cap, "interface %s: %s", name, strerror(errno));
		return -1;
	}
	/* Protocol 0 until bound: nothing from other interfaces gets queued. */
	if ((ifp->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, cap, "packet socket for %s: %s", name, strerror(errno));
		return -1;
	}
	memcpy(ifr.ifr_name, name, strlen(name) + 1);
	if (ioctl(ifp->fd, SIOCGIFHWADDR, &ifr) != 0 ||
	    ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
		snprintf(err, cap, "interface %s is not an Ethernet interface", name);
		return -1;
	}
	memcpy(ifp->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (setsockopt(ifp->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
	    sizeof one) != 0 ||
	    setsockopt(ifp->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) != 0 ||
	    setsockopt(ifp->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) != 0) {
		snprintf(err, cap, "packet socket options on %s: %s", name,
		    strerror(errno));
		return -1;
	}
	/* Past rmem_max only with CAP_NET_ADMIN; else the default will do. */
	if (setsockopt(ifp->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) != 0)
		(void)setsockopt(ifp->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifp->ifindex;
	if (bind(ifp->fd, (struct sockaddr *)&sll, sizeof sll) != 0) {
		snprintf(err, cap, "binding to %s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

struct vr_dataplane *
vr_dp_new(const struct vr_dataplane_config *cfg, char *err, size_t cap)
{
	struct vr_dataplane *dp;
	char dummy[1];

	if (err == NULL || cap == 0) {
		err = dummy;
		cap = sizeof dummy;
	}
	if (cfg == NULL || cfg->n_ifnames == 0 || cfg->ifnames == NULL) {
		snprintf(err, cap, "no data interface");
		return NULL;
	}
	if ((dp = calloc(1, sizeof *dp)) == NULL ||
	    (dp->ifs = calloc(cfg->n_ifnames, sizeof *dp->ifs)) == NULL) {
		free(dp);
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	dp->stop_fd = -1;
	for (size_t i = 0; i < cfg->n_ifnames; i++)
		dp->ifs[i].fd = -1;
	if (pthread_mutex_init(&dp->mu, NULL) != 0) {
		free(dp->ifs);
		free(dp);
		snprintf(err, cap, "cannot create a mutex");
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_ifnames; i++) {
		dp->n_ifs = i + 1;
		if (cfg->ifnames[i] == NULL ||
		    open_if(&dp->ifs[i], cfg->ifnames[i], err, cap) != 0)
			goto fail;
		for (size_t k = 0; k < i; k++)
			if (dp->ifs[k].ifindex == dp->ifs[i].ifindex) {
				snprintf(err, cap, "interface %s is listed twice",
				    dp->ifs[i].name);
				goto fail;
			}
	}
	if (dp_routes_init(dp, cfg, err, cap) != 0)
		goto fail;
	if ((dp->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		snprintf(err, cap, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if ((dp->pf = calloc(dp->n_ifs + 1, sizeof *dp->pf)) == NULL) {
		snprintf(err, cap, "out of memory");
		goto fail;
	}
	/* Mapped, not malloc'd: 2 MiB that the heap should not keep. */
	dp->rxbuf = mmap(NULL, (size_t)DP_BATCH * DP_FRAME_MAX, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dp->rxbuf == MAP_FAILED) {
		dp->rxbuf = NULL;
		snprintf(err, cap, "out of memory");
		goto fail;
	}
	return dp;
fail:
	vr_dp_free(dp);
	return NULL;
}

/*
 * Sends the frames queued on ifp.  They are counted as sent before they
 * leave, so that a reader who has seen one arrive sees it counted; a
 * frame the kernel refuses (full queue, too big, link down) moves to
 * tx_errors.
 */
static void
flush_tx(struct dp_if *ifp)
{
	size_t done = 0;

	for (size_t k = 0; k < ifp->ntx; k++) {
		dp_count(&ifp->tx_packets, 1);
		dp_count(&ifp->tx_bytes, ifp->txv[k].iov_len - DP_VNET_LEN);
	}
	while (done < ifp->ntx) {
		/* Never block: the thread must keep hearing its stop signal. */
		int n = sendmmsg(ifp->fd, ifp->txm + done,
		    (unsigned)(ifp->ntx - done), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* The first frame failed: take it back and skip it. */
			atomic_fetch_sub_explicit(&ifp->tx_packets, 1,
			    memory_order_relaxed);
			atomic_fetch_sub_explicit(&ifp->tx_bytes,
			    ifp->txv[done].iov_len - DP_VNET_LEN,
			    memory_order_relaxed);
			dp_count(&ifp->tx_errors, 1);
			done++;
			continue;
		}
		done += (size_t)n;
	}
	ifp->ntx = 0;
}

/* Queues slot k's frame fr for sending on ifp. */
static void
queue_tx(struct dp_if *ifp, const struct dp_frame *fr)
{
	size_t k = ifp->ntx++;

	ifp->txv[k].iov_base = fr->vnet;
	ifp->txv[k].iov_len = DP_VNET_LEN + fr->len;
	memset(&ifp->txm[k], 0, sizeof ifp->txm[k]);
	ifp->txm[k].msg_hdr.msg_iov = &ifp->txv[k];
	ifp->txm[k].msg_hdr.msg_iovlen = 1;
}

/* Returns true if message m says the kernel took a VLAN tag off the frame. */
static bool
had_vlan(struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		struct tpacket_auxdata aux;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof aux))
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof aux);
		return (aux.tp_status & TP_STATUS_VLAN_VALID) != 0;
	}
	return false;
}

/* Control space per message, aligned for cmsghdr. */
union dp_cbuf {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
};

/* Returns the frames read from ifp into the slots (0: none), or -1: the socket is gone. */
static int
receive(struct vr_dataplane *dp, struct dp_if *ifp, struct sockaddr_ll *names,
    union dp_cbuf *cb)
{
	int n;

	for (int k = 0; k < DP_BATCH; k++) {
		struct msghdr *h = &dp->rxm[k].msg_hdr;

		dp->rxv[k].iov_base = dp->rxbuf + (size_t)k * DP_FRAME_MAX;
		dp->rxv[k].iov_len = DP_FRAME_MAX;
		*h = (struct msghdr){ .msg_name = &names[k],
		    .msg_namelen = sizeof names[k],
		    .msg_iov = &dp->rxv[k], .msg_iovlen = 1,
		    .msg_control = cb[k].buf, .msg_controllen = sizeof cb[k].buf };
	}
	do
		n = recvmmsg(ifp->fd, dp->rxm, DP_BATCH, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	/* A link going down is reported once; a vanished interface for good. */
	if (errno == EAGAIN || errno == ENETDOWN || errno == ENOBUFS ||
	    errno == ENOMEM)
		return 0;
	return -1;
}

/* Processes the n frames in the slots, received on ifp, then sends what goes on. */
static void
process(struct vr_dataplane *dp, struct dp_if *ifp, int n,
    struct sockaddr_ll *names)
{
	uint64_t now = now_ns();

	pthread_mutex_lock(&dp->mu);
	for (int k = 0; k < n; k++) {
		struct msghdr *h = &dp->rxm[k].msg_hdr;
		uint8_t *buf = dp->rxv[k].iov_base;
		size_t got = dp->rxm[k].msg_len;
		struct dp_frame fr = { .vnet = buf, .f = buf + DP_VNET_LEN,
		    .pkttype = names[k].sll_pkttype, .vlan = had_vlan(h) };
		struct dp_if *out;

		if (got < DP_VNET_LEN || (h->msg_flags & MSG_TRUNC)) {
			dp_count(&dp->not_ip, 1);
			continue;
		}
		fr.len = got - DP_VNET_LEN;
		dp_count(&ifp->rx_packets, 1);
		dp_count(&ifp->rx_bytes, fr.len);
		if ((out = dp_forward(dp, ifp, &fr, now)) != NULL && !out->dead)
			queue_tx(out, &fr);
	}
	pthread_mutex_unlock(&dp->mu);
	for (size_t i = 0; i < dp->n_ifs; i++)
		if (dp->ifs[i].ntx > 0)
			flush_tx(&dp->ifs[i]);
}

/* Returns NULL: the forwarding loop, until stop_fd is written. */
static void *
run(void *arg)
{
	struct vr_dataplane *dp = arg;
	struct pollfd *pf = dp->pf;
	struct sockaddr_ll names[DP_BATCH];
	union dp_cbuf cb[DP_BATCH];

	for (;;) {
		for (size_t i = 0; i < dp->n_ifs; i++) {
			pf[i].fd = dp->ifs[i].dead ? -1 : dp->ifs[i].fd;
			pf[i].events = POLLIN;
		}
		pf[dp->n_ifs].fd = dp->stop_fd;
		pf[dp->n_ifs].events = POLLIN;
		if (poll(pf, dp->n_ifs + 1, -1) < 0) {
			/* Only a bad argument is for good; memory may come back. */
			if (errno == EFAULT || errno == EINVAL)
				break;
			if (errno == ENOMEM)
				nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
			continue;
		}
		if (pf[dp->n_ifs].revents != 0)
			break;
		for (size_t i = 0; i < dp->n_ifs; i++) {
			if (pf[i].revents == 0)
				continue;
			for (int round = 0; round < ROUNDS; round++) {
				int n = receive(dp, &dp->ifs[i], names, cb);

				if (n < 0)
					dp->ifs[i].dead = true;
				if (n <= 0)
					break;
				process(dp, &dp->ifs[i], n, names);
				if (n < DP_BATCH)
					break;
			}
		}
	}
	return NULL;
}

int
vr_dp_start(struct vr_dataplane *dp, char *err, size_t cap)
{
	sigset_t all, old;
	int rc;
	char dummy[1];

	if (err == NULL || cap == 0) {
		err = dummy;
		cap = sizeof dummy;
	}
	if (dp == NULL || dp->started) {
		snprintf(err, cap, dp == NULL ? "no dataplane" : "the dataplane is running");
		return -1;
	}
	/* Signals are the main loop's: the thread is born with them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&dp->thread, NULL, run, dp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, cap, "cannot start the dataplane thread: %s", strerror(rc));
		return -1;
	}
	dp->started = true;
	return 0;
}

int
vr_dp_publish(struct vr_dataplane *dp, const struct vr_dp_rule *rules, size_t n)
{
	struct vr_dp_rule *copy = NULL, *old;

	if (dp == NULL || (n > 0 && rules == NULL)) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (rules[i].match == NULL || rules[i].state == NULL) {
			errno = EINVAL;
			return -1;
		}
	if (n > 0) {
		if ((copy = calloc(n, sizeof *copy)) == NULL)
			return -1;
		memcpy(copy, rules, n * sizeof *copy);
	}
	/* The thread holds the lock for a batch: once we have it, the old array is free. */
	pthread_mutex_lock(&dp->mu);
	old = dp->rules;
	dp->rules = copy;
	dp->n_rules = n;
	pthread_mutex_unlock(&dp->mu);
	free(old);
	return 0;
}

/* Returns the value of counter c. */
static uint64_t
load(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

size_t
vr_dp_read_stats(struct vr_dataplane *dp, struct vr_dp_stats *st,
    struct vr_if_stats *ifs, size_t cap)
{
	if (dp == NULL)
		return 0;
	if (st != NULL) {
		st->forwarded_packets = load(&dp->forwarded);
		st->unmatched_packets = load(&dp->unmatched);
		st->no_route_packets = load(&dp->no_route);
		st->ttl_expired_packets = load(&dp->ttl_expired);
		st->arp_unresolved_packets = load(&dp->arp_unresolved);
		st->not_ip_frames = load(&dp->not_ip);
	}
	for (size_t i = 0; ifs != NULL && i < dp->n_ifs && i < cap; i++) {
		struct dp_if *p = &dp->ifs[i];

		memset(&ifs[i], 0, sizeof ifs[i]);
		memcpy(ifs[i].ifname, p->name, sizeof ifs[i].ifname);
		ifs[i].rx_packets = load(&p->rx_packets);
		ifs[i].rx_bytes = load(&p->rx_bytes);
		ifs[i].tx_packets = load(&p->tx_packets);
		ifs[i].tx_bytes = load(&p->tx_bytes);
		ifs[i].tx_errors = load(&p->tx_errors);
	}
	return dp->n_ifs;
}

void
vr_dp_free(struct vr_dataplane *dp)
{
	uint64_t one = 1;

	if (dp == NULL)
		return;
	if (dp->started) {
		/* An eventfd write of 8 octets cannot be short; retry an interrupt. */
		while (write(dp->stop_fd, &one, sizeof one) < 0 && errno == EINTR)
			;
		pthread_join(dp->thread, NULL);
	}
	for (size_t i = 0; i < dp->n_ifs; i++)
		if (dp->ifs[i].fd >= 0)
			close(dp->ifs[i].fd);
	if (dp->stop_fd >= 0)
		close(dp->stop_fd);
	if (dp->rxbuf != NULL)
		munmap(dp->rxbuf, (size_t)DP_BATCH * DP_FRAME_MAX);
	pthread_mutex_destroy(&dp->mu);
	free(dp->pf);
	free(dp->rules);
	free(dp->routes);
	free(dp->redirects);
	free(dp->ifs);
	free(dp);
}
