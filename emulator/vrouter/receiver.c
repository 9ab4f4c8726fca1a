/*
 * receiver.c - accepting BGP sessions and turning their UPDATEs into flow
 * table changes.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bgp/session.h"
#include "bgp/wire.h"
#include "receiver.h"
#include "validate.h"

struct peer {
	struct vr_receiver *rx;
	struct bgp_session *s;
	struct sockaddr_storage addr;
	struct vr_peer_info info;
};

struct vr_receiver {
	const struct vr_config *c;
	struct vr_table *t;
	struct bgp_listener *lis;
	GPtrArray *peers;		/* struct peer * (owned) */
	struct vr_receiver_stats st;
	void (*done)(void *);
	void *done_ud;
	bool shutting_down;
};

/* Prints one line of the daemon's log (stderr, kept by the lab). */
static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
logf_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
peer_free(gpointer data)
{
	struct peer *p = data;
	bgp_session_free(p->s);
	g_free(p);
}

/* Returns the peer record of session s, or NULL. */
static struct peer *
peer_of(struct vr_receiver *rx, struct bgp_session *s)
{
	for (guint i = 0; i < rx->peers->len; i++) {
		struct peer *p = rx->peers->pdata[i];
		if (p->s == s)
			return p;
	}
	return NULL;
}

/*
 * A neighbor that connected again and reached Established replaces its
 * older session, and the routes it held: the peer restarted.  Done only
 * now, so that a connection that fails its OPEN takes nothing away.
 */
static void
replace_older(struct vr_receiver *rx, struct peer *p)
{
	for (guint i = 0; i < rx->peers->len; i++) {
		struct peer *old = rx->peers->pdata[i];
		if (old == p || strcmp(old->info.name, p->info.name) != 0)
			continue;
		logf_("%s connected again: its previous session is closed", p->info.name);
		vr_table_peer_down(rx->t, old->info.name);
		while (g_idle_remove_by_data(old))
			;
		g_ptr_array_remove_index(rx->peers, i);	/* frees it, without callbacks */
		return;
	}
}

static void
on_state(struct bgp_session *s, enum bgp_state from, enum bgp_state to, void *ud)
{
	struct vr_receiver *rx = ud;
	struct peer *p = peer_of(rx, s);

	if (p == NULL)
		return;
	p->info.state = bgp_state_name(to);
	if (to == BGP_ESTABLISHED) {
		replace_older(rx, p);
		p->info.peer_as = bgp_session_negotiated(s)->peer_as;
		p->info.established_us = g_get_real_time();
		logf_("session with %s (%s, AS %u) established", p->info.name,
		    p->info.addr, p->info.peer_as);
	}
}

/* Applies one announced rule from p. */
static void
take_rule(struct peer *p, const struct fs_rule *r, const struct bgp_update *u)
{
	struct vr_receiver *rx = p->rx;
	char why[256];
	const char *invalid = NULL;

	if (rx->c->validate && !vr_validate(rx->c, r, (struct sockaddr *)&p->addr,
	    p->info.peer_as, u->as_path, u->as_path_len, why, sizeof why)) {
		invalid = why;
		p->info.invalid_in++;
		rx->st.invalid++;
	}
	if (vr_table_announce(rx->t, p->info.name, r, invalid) != 0)
		logf_("rule from %s not recorded: %s", p->info.name, strerror(errno));
}

static void
on_update(struct bgp_session *s, const struct bgp_update *u, void *ud)
{
	struct vr_receiver *rx = ud;
	struct peer *p = peer_of(rx, s);

	if (p == NULL)
		return;
	p->info.updates_in++;
	rx->st.updates++;
	p->info.malformed_in += u->nbad;
	rx->st.malformed += u->nbad;
	if (u->err.action != BGP_ACT_NONE)
		logf_("UPDATE from %s: %s (%s)", p->info.name,
		    bgp_action_name(u->err.action), u->err.msg);
	/* A reset refuses the whole UPDATE: nothing in it was accepted. */
	if (u->err.action == BGP_ACT_RESET)
		return;
	for (size_t i = 0; i < u->nwithdrawn; i++) {
		vr_table_withdraw(rx->t, p->info.name, &u->withdrawn[i]);
		p->info.withdraws_in++;
		rx->st.withdraws++;
	}
	for (size_t i = 0; i < u->nreach; i++) {
		take_rule(p, &u->reach[i], u);
		p->info.rules_in++;
		rx->st.rules++;
	}
}

/* Frees p's session from an idle callback: never inside its own callback. */
static gboolean
reap(gpointer data)
{
	struct peer *p = data;
	struct vr_receiver *rx = p->rx;

	g_ptr_array_remove(rx->peers, p);
	if (rx->shutting_down && rx->peers->len == 0 && rx->done != NULL) {
		void (*done)(void *) = rx->done;
		rx->done = NULL;
		done(rx->done_ud);
	}
	return G_SOURCE_REMOVE;
}

static void
on_down(struct bgp_session *s, const struct bgp_down *d, void *ud)
{
	struct vr_receiver *rx = ud;
	struct peer *p = peer_of(rx, s);

	if (p == NULL)
		return;
	logf_("session with %s (%s) down: %s", p->info.name, p->info.addr, d->reason);
	/* BGP: a peer's routes go with its session (unless a newer one holds them). */
	if (d->was_established)
		vr_table_peer_down(rx->t, p->info.name);
	p->info.state = "Idle";
	g_idle_add(reap, p);
}

/* Returns true if sa is a loopback address. */
static bool
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
		    (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/* Returns the port of sa. */
static unsigned
port_of(const struct sockaddr *sa)
{
	return ntohs(sa->sa_family == AF_INET ?
	    ((const struct sockaddr_in *)sa)->sin_port :
	    ((const struct sockaddr_in6 *)sa)->sin6_port);
}

static void
on_accept(int fd, const struct sockaddr *sa, socklen_t len, void *ud)
{
	struct vr_receiver *rx = ud;
	const struct vr_neighbor *nb = vr_config_neighbor(rx->c, sa);
	char addr[64];

	bgp_addr_name(sa, addr, sizeof addr);
	bool local = nb == NULL && rx->c->accept_loopback && is_loopback(sa);
	if (rx->shutting_down || (nb == NULL && !local) ||
	    len > sizeof(struct sockaddr_storage)) {
		logf_("refused a connection from %s: %s", addr, rx->shutting_down ?
		    "shutting down" : "not a configured neighbor");
		rx->st.refused++;
		close(fd);
		return;
	}
	struct peer *p = g_new0(struct peer, 1);
	p->rx = rx;
	memcpy(&p->addr, sa, len);
	if (nb != NULL)
		snprintf(p->info.name, sizeof p->info.name, "%s", nb->name);
	else
		snprintf(p->info.name, sizeof p->info.name, "loopback:%u", port_of(sa));
	snprintf(p->info.addr, sizeof p->info.addr, "%s", addr);
	p->info.state = "Idle";

	struct bgp_session_config cfg = {
		.local_as = rx->c->asn,
		.peer_as = nb != NULL ? nb->asn : 0,
		.router_id = rx->c->router_id,
		.hold_time = rx->c->hold_time,
		.hold_time_set = true,
		.families = BGP_FAM_BIT(FS_IPV4) | BGP_FAM_BIT(FS_IPV6),
	};
	struct bgp_session_events ev = { .state = on_state, .update = on_update,
		.down = on_down };
	p->s = bgp_session_new(&cfg, &ev, rx);
	if (p->s == NULL) {
		logf_("refused a connection from %s: %s", addr, strerror(errno));
		rx->st.refused++;
		close(fd);
		g_free(p);
		return;
	}
	g_ptr_array_add(rx->peers, p);
	rx->st.accepted++;
	if (bgp_session_attach(p->s, fd) < 0)
		g_ptr_array_remove(rx->peers, p);
}

/* Returns the receiver, or NULL with err. */
struct vr_receiver *
vr_receiver_new(const struct vr_config *c, struct vr_table *t, char *err, size_t cap)
{
	if (c == NULL || t == NULL || err == NULL || cap == 0) {
		errno = EINVAL;
		return NULL;
	}
	struct vr_receiver *rx = g_new0(struct vr_receiver, 1);
	rx->c = c;
	rx->t = t;
	rx->peers = g_ptr_array_new_with_free_func(peer_free);
	rx->lis = bgp_listener_new((const struct sockaddr *)&c->listen, c->listen_len,
	    NULL, on_accept, rx, err, cap);
	if (rx->lis == NULL) {
		vr_receiver_free(rx);
		return NULL;
	}
	return rx;
}

/* Copies peers; returns how many there are. */
size_t
vr_receiver_peers(const struct vr_receiver *rx, struct vr_peer_info *out, size_t cap)
{
	if (rx == NULL)
		return 0;
	for (guint i = 0; i < rx->peers->len && i < cap; i++)
		out[i] = ((struct peer *)rx->peers->pdata[i])->info;
	return rx->peers->len;
}

void
vr_receiver_stats(const struct vr_receiver *rx, struct vr_receiver_stats *s)
{
	if (rx == NULL) {
		memset(s, 0, sizeof *s);
		return;
	}
	*s = rx->st;
}

/* Sends a Cease on every session; `done` runs when all are down. */
void
vr_receiver_shutdown(struct vr_receiver *rx, void (*done)(void *), void *ud)
{
	if (rx == NULL)
		return;
	rx->shutting_down = true;
	rx->done = done;
	rx->done_ud = ud;
	if (rx->peers->len == 0) {
		rx->done = NULL;
		if (done != NULL)
			done(ud);
		return;
	}
	for (guint i = 0; i < rx->peers->len; i++)
		bgp_session_stop(((struct peer *)rx->peers->pdata[i])->s,
		    BGP_CEASE_ADMIN_SHUTDOWN, "flowcanary-vrouter: shutting down");
}

void
vr_receiver_free(struct vr_receiver *rx)
{
	if (rx == NULL)
		return;
	if (rx->lis != NULL)
		bgp_listener_free(rx->lis);
	/* Pending reap() callbacks hold peers: remove them first. */
	for (guint i = 0; i < rx->peers->len; i++)
		while (g_idle_remove_by_data(rx->peers->pdata[i]))
			;
	g_ptr_array_free(rx->peers, TRUE);
	g_free(rx);
}
