/*
 * session.c - the BGP finite state machine, its timers and its I/O.
 *
 * States follow RFC 4271 section 8.  Timers are deadlines in monotonic
 * time served by one GLib timeout per session, re-armed lazily: receiving
 * a message only records when, and the timeout, if it fires early,
 * re-arms itself.  That keeps a busy session from creating a timer per
 * message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linger.h"
#include "ribout.h"
#include "session.h"
#include "wire.h"

#define OPENSENT_HOLD_S	240	/* RFC 4271 section 8.2.2: "a large value" */
#define DEFAULT_HOLD_S	90
#define CONNECT_TIMEOUT_MS 10000	/* three SYN retransmissions */
#define READ_CHUNK	65536
#define UPDATE_KEEP_COPIES 65536	/* actions copied onto rules, kept for reuse */

struct bgp_session {
	struct bgp_session_config cfg;
	struct bgp_md5_key md5;
	bool has_md5;
	struct bgp_session_events ev;
	void *ud;

	enum bgp_state state;
	int fd;
	guint in_watch, out_watch, timer, down_idle;
	gint64 timer_at;
	gint64 retry_at, hold_at, keepalive_at, last_rx;
	unsigned retries;
	bool stopped;
	bool down_after_linger;
	struct bgp_linger *linger;

	struct bgp_buf in, out;
	size_t out_off;		/* octets of `out` written */
	size_t out_msg;		/* start of the first message not all written */
	unsigned refresh_due;	/* families asked for while output was queued */
	struct bgp_open peer_open;
	struct bgp_negotiated neg;
	struct bgp_update upd;
	struct bgp_rib_out *rib;

	struct bgp_down down;
	char down_reason[320];
	char peer_name[INET6_ADDRSTRLEN];
	uint64_t updates_out, updates_in, octets_out;
};

static gboolean on_readable(gint fd, GIOCondition cond, gpointer data);
static gboolean on_writable(gint fd, GIOCondition cond, gpointer data);
static gboolean on_connected(gint fd, GIOCondition cond, gpointer data);
static gboolean on_timer(gpointer data);
static void connect_now(struct bgp_session *s);

const char *
bgp_state_name(enum bgp_state st)
{
	static const char *const names[] = { "Idle", "Connect", "Active",
		"OpenSent", "OpenConfirm", "Established" };
	return (unsigned)st < G_N_ELEMENTS(names) ? names[st] : "?";
}

const char *
bgp_session_peer_name(const struct bgp_session *s)
{
	return s->peer_name;
}

enum bgp_state
bgp_session_state(const struct bgp_session *s)
{
	return s->state;
}

const struct bgp_negotiated *
bgp_session_negotiated(const struct bgp_session *s)
{
	return &s->neg;
}

const char *
bgp_session_last_error(const struct bgp_session *s)
{
	return s->down_reason;
}

size_t
bgp_session_pending(const struct bgp_session *s)
{
	return s->out.len - s->out_off;
}

size_t
bgp_session_rib_out_size(const struct bgp_session *s)
{
	return bgp_rib_out_size(s->rib);
}

void
bgp_session_counters(const struct bgp_session *s, uint64_t *updates_out,
    uint64_t *updates_in, uint64_t *octets_out)
{
	if (updates_out) *updates_out = s->updates_out;
	if (updates_in) *updates_in = s->updates_in;
	if (octets_out) *octets_out = s->octets_out;
}


/* Moves to `to`, telling the owner. */
static void
set_state(struct bgp_session *s, enum bgp_state to)
{
	enum bgp_state from = s->state;
	if (from == to)
		return;
	s->state = to;
	if (s->ev.state != NULL)
		s->ev.state(s, from, to, s->ud);
}

/* Returns the earliest pending deadline, or 0. */
static gint64
next_deadline(const struct bgp_session *s)
{
	gint64 d[] = { s->retry_at, s->hold_at, s->keepalive_at }, best = 0;
	for (size_t i = 0; i < G_N_ELEMENTS(d); i++)
		if (d[i] > 0 && (best == 0 || d[i] < best))
			best = d[i];
	return best;
}

/* Makes sure the timer fires no later than the earliest deadline. */
static void
arm(struct bgp_session *s)
{
	gint64 next = next_deadline(s);

	if (s->timer && next != 0 && s->timer_at <= next)
		return;
	if (s->timer)
		g_source_remove(s->timer);
	s->timer = 0;
	s->timer_at = next;
	if (next == 0)
		return;
	gint64 ms = (next - g_get_monotonic_time() + 999) / 1000;
	s->timer = g_timeout_add_full(G_PRIORITY_DEFAULT,
	    ms < 0 ? 0 : (guint)MIN(ms, G_MAXUINT), on_timer, s, NULL);
}

/* Returns the next reconnect delay: exponential, capped, jittered (RFC 4271 section 10). */
static gint64
backoff_us(struct bgp_session *s)
{
	double ms = s->cfg.retry_initial_ms ? s->cfg.retry_initial_ms : 1000;
	double cap = s->cfg.retry_max_ms ? s->cfg.retry_max_ms : 120000;
	for (unsigned i = 0; i < s->retries && ms < cap; i++)
		ms *= 2;
	if (ms > cap)
		ms = cap;
	s->retries++;
	/* Jitter keeps a fleet of sessions from retrying in lockstep. */
	return (gint64)(ms * g_random_double_range(0.75, 1.0) * 1000);
}

/* Returns the length of the queued message that starts at `at`. */
static size_t
msg_len_at(const struct bgp_buf *b, size_t at)
{
	return (size_t)b->p[at + 16] << 8 | b->p[at + 17];
}

/* Drops the connection's watches and buffers (not the fd). */
static void
drop_io(struct bgp_session *s)
{
	if (s->in_watch)
		g_source_remove(s->in_watch);
	if (s->out_watch)
		g_source_remove(s->out_watch);
	s->in_watch = s->out_watch = 0;
	s->in.len = 0;
	s->out.len = s->out_off = s->out_msg = 0;
	s->hold_at = s->keepalive_at = 0;
	s->refresh_due = 0;
}

static gboolean emit_down(gpointer data);

/* The old connection is closed; a stopped session reports only now. */
static void
linger_done(void *ud)
{
	struct bgp_session *s = ud;
	s->linger = NULL;
	if (s->down_after_linger && s->down_idle == 0)
		s->down_idle = g_idle_add(emit_down, s);
	s->down_after_linger = false;
}

static gboolean
emit_down(gpointer data)
{
	struct bgp_session *s = data;
	s->down_idle = 0;
	if (s->ev.down != NULL)
		s->ev.down(s, &s->down, s->ud);
	return G_SOURCE_REMOVE;
}

/*
 * Ends the connection: `notify` (code != 0) is sent first, after what is
 * queued when `flush_queue`.  Then Idle, and an active session that was
 * not stopped schedules its reconnect.  `down` is reported from an idle
 * callback, so the owner may free the session there.
 */
static void
go_down(struct bgp_session *s, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t dlen, bool flush_queue, bool got_notification,
    const char *fmt, ...) __attribute__((format(printf, 8, 9)));

static void
go_down(struct bgp_session *s, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t dlen, bool flush_queue, bool got_notification,
    const char *fmt, ...)
{
	va_list ap;
	bool was = s->state == BGP_ESTABLISHED;

	va_start(ap, fmt);
	vsnprintf(s->down_reason, sizeof s->down_reason, fmt, ap);
	va_end(ap);
	memset(&s->down, 0, sizeof s->down);
	s->down.reason = s->down_reason;
	s->down.was_established = was;
	s->down.got_notification = got_notification;
	s->down.sent_notification = code != 0;
	if (code != 0 || got_notification) {
		s->down.code = code;
		s->down.subcode = subcode;
	}
	if (s->fd >= 0) {
		struct bgp_buf last = { 0 };
		const uint8_t *q = s->out.p + s->out_off;
		/*
		 * Without the queue, still the rest of a message already
		 * begun on the wire: else the peer reads the NOTIFICATION
		 * as part of that message.
		 */
		size_t qlen = flush_queue ? s->out.len - s->out_off :
		    s->out_off > s->out_msg ?
		    s->out_msg + msg_len_at(&s->out, s->out_msg) - s->out_off : 0;
		if (qlen > 0 && bgp_buf_reserve(&last, qlen) != NULL)
			memcpy(last.p, q, qlen);
		if (code != 0)
			(void)bgp_notification_build(&last, code, subcode, data, dlen);
		int fd = s->fd;
		s->fd = -1;
		drop_io(s);
		if (s->linger != NULL)
			bgp_linger_detach(s->linger);
		s->linger = bgp_linger_start(fd, last.p, last.len, 2000,
		    linger_done, s);
		bgp_buf_free(&last);
	}
	drop_io(s);
	set_state(s, BGP_IDLE);
	s->retry_at = 0;
	if (!s->stopped && s->cfg.peer_len > 0) {
		s->retry_at = g_get_monotonic_time() + backoff_us(s);
		set_state(s, BGP_ACTIVE);
	}
	arm(s);
	/*
	 * After a stop or a NOTIFICATION, the owner learns of it once the
	 * last words are out: an owner that exits on `down` loses nothing.
	 */
	s->down_after_linger = (s->stopped || code != 0) && s->linger != NULL;
	if (s->down_idle == 0 && !s->down_after_linger)
		s->down_idle = g_idle_add(emit_down, s);
}

static bool send_rib(struct bgp_session *s, unsigned families);

/*
 * Writes queued output.  Returns false if the session went down, or was
 * stopped by the owner's `drained` callback.
 */
static bool
flush(struct bgp_session *s)
{
	int fd = s->fd;

	while (s->out_off < s->out.len) {
		ssize_t n = send(s->fd, s->out.p + s->out_off,
		    s->out.len - s->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				if (s->out_watch == 0)
					s->out_watch = g_unix_fd_add(s->fd,
					    G_IO_OUT, on_writable, s);
				return true;
			}
			go_down(s, 0, 0, NULL, 0, false, false,
			    "writing to the peer failed: %s", g_strerror(errno));
			return false;
		}
		s->out_off += (size_t)n;
		s->octets_out += (uint64_t)n;
		while (s->out.len - s->out_msg >= BGP_HEADER_LEN &&
		    s->out_msg + msg_len_at(&s->out, s->out_msg) <= s->out_off)
			s->out_msg += msg_len_at(&s->out, s->out_msg);
	}
	s->out.len = s->out_off = s->out_msg = 0;
	if (s->out_watch) {
		g_source_remove(s->out_watch);
		s->out_watch = 0;
	}
	/* ROUTE-REFRESHes that came while busy, answered once each. */
	if (s->refresh_due != 0) {
		unsigned fams = s->refresh_due;
		s->refresh_due = 0;
		return send_rib(s, fams);
	}
	if (s->ev.drained != NULL)
		s->ev.drained(s, s->ud);
	return s->fd == fd && fd >= 0;
}

static gboolean
on_writable(gint fd, GIOCondition cond, gpointer data)
{
	struct bgp_session *s = data;
	s->out_watch = 0;
	flush(s);
	return G_SOURCE_REMOVE;
}

/* Makes room in the output queue, compacting written octets first. */
static void
compact_out(struct bgp_session *s)
{
	/* Only whole messages go: go_down needs the partial one's header. */
	if (s->out_msg > 0 && s->out_msg >= s->out.len / 2) {
		bgp_buf_consume(&s->out, s->out_msg);
		s->out_off -= s->out_msg;
		s->out_msg = 0;
	}
}

/* Sends a NOTIFICATION for `e` and goes down. */
static void
reset_for(struct bgp_session *s, const struct bgp_error *e)
{
	go_down(s, e->code, e->subcode, e->data, e->data_len, false, false,
	    "sent NOTIFICATION %u/%u (%s, %s): %s", e->code, e->subcode,
	    bgp_err_code_name(e->code),
	    bgp_err_subcode_name(e->code, e->subcode), e->msg);
}

/* Returns the router ID to use: configured, else from the local address. */
static uint32_t
local_id(struct bgp_session *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (s->cfg.router_id != 0)
		return s->cfg.router_id;
	if (getsockname(s->fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET)
			return ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
		const uint8_t *a = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
		uint32_t id = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 |
		    (uint32_t)a[14] << 8 | a[15];
		for (int i = 0; i < 12; i++)
			id = id * 31 + a[i];
		if (id != 0)
			return id;
	}
	return s->cfg.local_as ? s->cfg.local_as : 1;
}

/* Returns the hold time this side offers. */
static uint16_t
offered_hold(const struct bgp_session *s)
{
	return s->cfg.hold_time_set ? s->cfg.hold_time : DEFAULT_HOLD_S;
}

/* The TCP connection is up: send OPEN, wait for the peer's. */
static void
connection_up(struct bgp_session *s)
{
	struct bgp_open o = { 0 };
	int one = 1;

	s->keepalive_at = 0;
	s->refresh_due = 0;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	s->neg.local_id = local_id(s);
	o.as = s->cfg.local_as;
	o.hold_time = offered_hold(s);
	o.bgp_id = s->neg.local_id;
	o.families = s->cfg.families;
	o.route_refresh = true;
	o.ext_message = !s->cfg.no_ext_message;
	s->in.len = 0;
	s->out.len = s->out_off = s->out_msg = 0;
	if (bgp_open_build(&s->out, &o) < 0) {
		go_down(s, BGP_ERR_CEASE, BGP_CEASE_RESOURCES, NULL, 0, false,
		    false, "out of memory building OPEN");
		return;
	}
	s->in_watch = g_unix_fd_add(s->fd, G_IO_IN | G_IO_HUP | G_IO_ERR,
	    on_readable, s);
	set_state(s, BGP_OPENSENT);
	if (s->state != BGP_OPENSENT)
		return;	/* stopped by the owner */
	s->retry_at = 0;
	s->hold_at = g_get_monotonic_time() + (gint64)OPENSENT_HOLD_S * G_USEC_PER_SEC;
	arm(s);
	flush(s);
}

/* A connect attempt failed: wait, then try again. */
static void
connect_failed(struct bgp_session *s, const char *why)
{
	s->hold_at = s->keepalive_at = 0;
	if (s->in_watch)
		g_source_remove(s->in_watch);
	if (s->out_watch)
		g_source_remove(s->out_watch);
	s->in_watch = s->out_watch = 0;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->retry_at = g_get_monotonic_time() + backoff_us(s);
	g_snprintf(s->down_reason, sizeof s->down_reason,
	    "connecting to %s failed: %s", s->peer_name, why);
	set_state(s, BGP_ACTIVE);
	arm(s);
}

static gboolean
on_connected(gint fd, GIOCondition cond, gpointer data)
{
	struct bgp_session *s = data;
	int err = 0;
	socklen_t len = sizeof err;

	s->out_watch = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0)
		connect_failed(s, g_strerror(err));
	else
		connection_up(s);
	return G_SOURCE_REMOVE;
}

static void
connect_now(struct bgp_session *s)
{
	const struct sockaddr *peer = (const struct sockaddr *)&s->cfg.peer;
	char err[256];

	s->fd = socket(peer->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		connect_failed(s, g_strerror(errno));
		return;
	}
	if (s->has_md5 && bgp_md5_apply(s->fd, peer, s->cfg.peer_len, -1,
	    &s->md5, err, sizeof err) < 0) {
		connect_failed(s, err);
		return;
	}
	if (s->cfg.local_len > 0) {
		int one = 1;
		setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(s->fd, (const struct sockaddr *)&s->cfg.local,
		    s->cfg.local_len) < 0) {
			connect_failed(s, g_strerror(errno));
			return;
		}
	}
	set_state(s, BGP_CONNECT);
	if (s->state != BGP_CONNECT)
		return;	/* stopped by the owner */
	if (connect(s->fd, peer, s->cfg.peer_len) == 0) {
		connection_up(s);
		return;
	}
	if (errno != EINPROGRESS) {
		connect_failed(s, g_strerror(errno));
		return;
	}
	s->out_watch = g_unix_fd_add(s->fd, G_IO_OUT, on_connected, s);
	s->retry_at = g_get_monotonic_time() + (gint64)CONNECT_TIMEOUT_MS * 1000;
	arm(s);
}

static gboolean
on_timer(gpointer data)
{
	struct bgp_session *s = data;
	gint64 now = g_get_monotonic_time();

	s->timer = 0;
	s->timer_at = 0;
	if (s->retry_at && now >= s->retry_at) {
		s->retry_at = 0;
		if (s->state == BGP_CONNECT)
			connect_failed(s, "no answer to the connection attempt");
		else if (s->state == BGP_ACTIVE && !s->stopped)
			connect_now(s);
	}
	if (s->state >= BGP_OPENCONFIRM && s->neg.hold_time > 0)
		s->hold_at = s->last_rx + (gint64)s->neg.hold_time * G_USEC_PER_SEC;
	if (s->hold_at && now >= s->hold_at) {
		go_down(s, BGP_ERR_HOLD, 0, NULL, 0, false, false,
		    "hold timer expired: nothing from the peer for %u s",
		    s->state == BGP_OPENSENT ? OPENSENT_HOLD_S : s->neg.hold_time);
		return G_SOURCE_REMOVE;
	}
	if (s->keepalive_at && now >= s->keepalive_at &&
	    s->state >= BGP_OPENCONFIRM && s->fd >= 0) {
		s->keepalive_at = now + (gint64)s->neg.hold_time * G_USEC_PER_SEC / 3;
		compact_out(s);
		/* flush() may end the session, which clears the deadlines. */
		if (bgp_keepalive_build(&s->out) == 0 && !flush(s))
			return G_SOURCE_REMOVE;
	}
	arm(s);
	return G_SOURCE_REMOVE;
}

/* Returns the parameters UPDATEs are read and written with. */
static struct bgp_update_params
update_params(const struct bgp_session *s)
{
	struct bgp_update_params p = {
		.as4 = s->neg.as4,
		.ebgp = s->neg.peer_as != s->cfg.local_as,
		.local_as = s->cfg.local_as,
		.max_len = s->neg.ext_message ? BGP_EXT_MAX_LEN : BGP_MAX_LEN,
		.families = s->neg.families,
	};
	return p;
}

/*
 * Queues UPDATEs for `in` (any families; only negotiated ones are sent).
 * Returns false if the session went down (out of memory).
 */
static bool
queue_routes(struct bgp_session *s, const struct bgp_route *const *in,
    size_t n, bool reach)
{
	struct bgp_update_params p = update_params(s);
	const struct bgp_route **routes = g_new(const struct bgp_route *, n ? n : 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (s->neg.families & BGP_FAM_BIT(in[i]->family))
			routes[k++] = in[i];
	qsort(routes, k, sizeof *routes, bgp_route_cmp_actions);
	compact_out(s);
	for (size_t i = 0; i < k;) {
		size_t j = i;
		while (j < k && routes[j]->family == routes[i]->family)
			j++;
		long m = reach ? bgp_update_build_reach(&s->out, &p, routes + i, j - i) :
		    bgp_update_build_unreach(&s->out, &p, routes + i, j - i);
		if (m < 0) {
			g_free(routes);
			go_down(s, BGP_ERR_CEASE, BGP_CEASE_RESOURCES, NULL, 0,
			    false, false, "cannot build UPDATEs: %s",
			    g_strerror(errno));
			return false;
		}
		s->updates_out += (uint64_t)m;
		i = j;
	}
	g_free(routes);
	return true;
}

/* Queues UPDATEs for `in` and flushes. Returns false if the session went down. */
static bool
send_routes(struct bgp_session *s, const struct bgp_route *const *in, size_t n,
    bool reach)
{
	return queue_routes(s, in, n, reach) && flush(s);
}

/*
 * Sends the whole Adj-RIB-Out of `families` (BGP_FAM_BIT set, negotiated
 * ones only), each followed by End-of-RIB, in one flush.  Returns false
 * if the session went down.
 */
static bool
send_rib(struct bgp_session *s, unsigned families)
{
	for (int f = FS_IPV4; f <= FS_IPV6; f++) {
		if (!(families & s->neg.families & BGP_FAM_BIT(f)))
			continue;
		size_t k;
		const struct bgp_route **routes = bgp_rib_out_list(s->rib, f, &k);
		bool up = queue_routes(s, routes, k, true);
		g_free(routes);
		if (!up)
			return false;
		if (bgp_update_build_eor(&s->out, f) < 0) {
			go_down(s, BGP_ERR_CEASE, BGP_CEASE_RESOURCES, NULL, 0,
			    false, false, "out of memory queueing End-of-RIB");
			return false;
		}
	}
	return flush(s);
}

/* Checks the peer's OPEN and agrees parameters. Returns 0 or -1 with `e`. */
static int
accept_open(struct bgp_session *s, const struct bgp_open *o, struct bgp_error *e)
{
	if (s->cfg.peer_as != 0 && o->as != s->cfg.peer_as)
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN,
		    BGP_OPEN_PEER_AS, 20, NULL, 0,
		    "the peer says it is AS %u; AS %u was expected", o->as,
		    s->cfg.peer_as);
	if (o->as == s->cfg.local_as && o->bgp_id == s->neg.local_id)
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN,
		    BGP_OPEN_BGP_ID, 24, NULL, 0,
		    "the internal peer uses our own BGP identifier");
	unsigned fams = s->cfg.families & o->families;
	if (fams == 0) {
		uint8_t caps[12];
		size_t n = 0;
		for (int f = FS_IPV4; f <= FS_IPV6; f++) {
			if (!(s->cfg.families & BGP_FAM_BIT(f)))
				continue;
			caps[n++] = BGP_CAP_MP;
			caps[n++] = 4;
			caps[n++] = 0;
			caps[n++] = f == FS_IPV4 ? BGP_AFI_IPV4 : BGP_AFI_IPV6;
			caps[n++] = 0;
			caps[n++] = BGP_SAFI_FLOWSPEC;
		}
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN,
		    BGP_OPEN_CAPABILITY, 29, caps, n,
		    "the peer offers no flowspec family that we offer");
	}
	s->neg.families = fams;
	s->neg.peer_as = o->as;
	s->neg.peer_id = o->bgp_id;
	s->neg.as4 = o->as4;
	s->neg.ext_message = o->ext_message && !s->cfg.no_ext_message;
	s->neg.route_refresh = o->route_refresh;
	s->neg.hold_time = MIN(offered_hold(s), o->hold_time);
	return 0;
}

/* Handles one message. Returns false if the session went down. */
static bool
handle(struct bgp_session *s, const uint8_t *msg, size_t len)
{
	struct bgp_error e = { 0 };
	unsigned type = bgp_msg_type(msg);
	static const uint8_t fsm_sub[] = {
		[BGP_OPENSENT] = 1, [BGP_OPENCONFIRM] = 2, [BGP_ESTABLISHED] = 3 };

	s->last_rx = g_get_monotonic_time();
	if (type == BGP_NOTIFICATION) {
		uint8_t code, sub;
		const uint8_t *d;
		size_t dl;
		char text[320];
		(void)bgp_notification_parse(msg, len, &code, &sub, &d, &dl);
		bgp_notification_format(code, sub, d, dl, text, sizeof text);
		go_down(s, 0, 0, NULL, 0, false, true,
		    "the peer sent NOTIFICATION %s", text);
		s->down.code = code;
		s->down.subcode = sub;
		return false;
	}
	switch (s->state) {
	case BGP_OPENSENT:
		if (type != BGP_OPEN)
			break;
		if (bgp_open_parse(msg, len, &s->peer_open, &e) < 0 ||
		    accept_open(s, &s->peer_open, &e) < 0) {
			reset_for(s, &e);
			return false;
		}
		compact_out(s);
		if (bgp_keepalive_build(&s->out) < 0) {
			go_down(s, BGP_ERR_CEASE, BGP_CEASE_RESOURCES, NULL, 0,
			    false, false, "out of memory answering OPEN");
			return false;
		}
		set_state(s, BGP_OPENCONFIRM);
		if (s->state != BGP_OPENCONFIRM)
			return false;	/* stopped by the owner */
		s->hold_at = 0;
		if (s->neg.hold_time > 0)
			s->keepalive_at = s->last_rx +
			    (gint64)s->neg.hold_time * G_USEC_PER_SEC / 3;
		arm(s);
		return flush(s);
	case BGP_OPENCONFIRM:
		if (type != BGP_KEEPALIVE)
			break;
		s->retries = 0;
		set_state(s, BGP_ESTABLISHED);
		/* The owner, told of Established, may have stopped the session. */
		if (s->state != BGP_ESTABLISHED)
			return false;
		send_rib(s, s->neg.families);
		return s->state == BGP_ESTABLISHED;
	case BGP_ESTABLISHED:
		if (type == BGP_KEEPALIVE)
			return true;
		if (type == BGP_ROUTE_REFRESH) {
			int f = bgp_refresh_parse(msg, len, &e);
			if (f < 0) {
				reset_for(s, &e);
				return false;
			}
			if (f == 0 || !(s->neg.families & BGP_FAM_BIT(f)))
				return true;
			/* Busy: answer once the queue is out, however many ask. */
			if (bgp_session_pending(s) > 0) {
				s->refresh_due |= BGP_FAM_BIT(f);
				return true;
			}
			send_rib(s, BGP_FAM_BIT(f));
			return s->state == BGP_ESTABLISHED;
		}
		if (type != BGP_UPDATE)
			break;
		struct bgp_update_params p = update_params(s);
		s->updates_in++;
		if (bgp_update_parse(msg, len, &p, &s->upd) < 0) {
			if (s->upd.err.action != BGP_ACT_RESET)
				bgp_error_set(&s->upd.err, BGP_ACT_RESET,
				    BGP_ERR_CEASE, BGP_CEASE_RESOURCES, 0, NULL,
				    0, "out of memory reading an UPDATE");
			if (s->ev.update != NULL)
				s->ev.update(s, &s->upd, s->ud);
			reset_for(s, &s->upd.err);
			return false;
		}
		if (s->ev.update != NULL)
			s->ev.update(s, &s->upd, s->ud);
		/* One UPDATE may fan out into many copies: do not keep them. */
		if (s->upd.action_copies > UPDATE_KEEP_COPIES)
			bgp_update_free(&s->upd);
		return s->state == BGP_ESTABLISHED;
	default:
		return false;
	}
	bgp_error_set(&e, BGP_ACT_RESET, BGP_ERR_FSM, fsm_sub[s->state], 0,
	    NULL, 0, "message type %u is not expected in state %s", type,
	    bgp_state_name(s->state));
	reset_for(s, &e);
	return false;
}

/*
 * Handles every whole message in the input buffer.  Returns false if the
 * session went down (the connection is gone).
 */
static bool
process_input(struct bgp_session *s, int fd)
{
	struct bgp_error e = { 0 };
	size_t off = 0;

	for (;;) {
		size_t max = s->neg.ext_message && s->state == BGP_ESTABLISHED ?
		    BGP_EXT_MAX_LEN : BGP_MAX_LEN;
		ssize_t m = bgp_header_check(s->in.p + off, s->in.len - off,
		    max, &e);
		if (m < 0) {
			reset_for(s, &e);
			return false;
		}
		if (m == 0)
			break;
		/* handle() returns false only after the session went down. */
		if (!handle(s, s->in.p + off, (size_t)m) || s->fd != fd)
			return false;
		off += (size_t)m;
	}
	bgp_buf_consume(&s->in, off);
	return true;
}

static gboolean
on_readable(gint fd, GIOCondition cond, gpointer data)
{
	struct bgp_session *s = data;

	for (;;) {
		uint8_t *p = bgp_buf_reserve(&s->in, READ_CHUNK);
		if (p == NULL) {
			s->in_watch = 0;
			go_down(s, BGP_ERR_CEASE, BGP_CEASE_RESOURCES, NULL, 0,
			    false, false, "out of memory reading");
			return G_SOURCE_REMOVE;
		}
		ssize_t n = recv(fd, p, READ_CHUNK, MSG_DONTWAIT);
		int saved = errno;
		s->in.len -= READ_CHUNK - (n > 0 ? (size_t)n : 0);
		if (n > 0) {
			if (!process_input(s, fd))
				return G_SOURCE_REMOVE;
			continue;
		}
		if (n < 0 && saved == EINTR)
			continue;
		if (n < 0 && saved == EAGAIN)
			break;
		s->in_watch = 0;
		go_down(s, 0, 0, NULL, 0, false, false, "%s%s",
		    n == 0 ? "the peer closed the connection" :
		    "the connection failed: ", n == 0 ? "" : g_strerror(saved));
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

struct bgp_session *
bgp_session_new(const struct bgp_session_config *cfg,
    const struct bgp_session_events *ev, void *ud)
{
	if (cfg == NULL || cfg->local_as == 0 || cfg->families == 0 ||
	    cfg->peer_len > sizeof cfg->peer) {
		errno = EINVAL;
		return NULL;
	}
	struct bgp_session *s = g_new0(struct bgp_session, 1);
	s->cfg = *cfg;
	if (cfg->md5 != NULL) {
		s->md5 = *cfg->md5;
		s->has_md5 = true;
	}
	s->cfg.md5 = NULL;	/* the copy above is the session's own */
	if (ev != NULL)
		s->ev = *ev;
	s->ud = ud;
	s->fd = -1;
	s->state = BGP_IDLE;
	s->rib = bgp_rib_out_new();
	bgp_update_init(&s->upd);
	if (cfg->peer_len > 0)
		bgp_addr_name((const struct sockaddr *)&cfg->peer, s->peer_name,
		    sizeof s->peer_name);
	else
		g_strlcpy(s->peer_name, "(any)", sizeof s->peer_name);
	return s;
}

void
bgp_session_free(struct bgp_session *s)
{
	if (s == NULL)
		return;
	drop_io(s);
	if (s->timer)
		g_source_remove(s->timer);
	if (s->down_idle)
		g_source_remove(s->down_idle);
	if (s->linger != NULL)
		bgp_linger_detach(s->linger);
	if (s->fd >= 0)
		close(s->fd);
	bgp_buf_free(&s->in);
	bgp_buf_free(&s->out);
	bgp_update_free(&s->upd);
	bgp_rib_out_free(s->rib);
	bgp_md5_key_wipe(&s->md5);
	g_free(s);
}

void
bgp_session_start(struct bgp_session *s)
{
	if (s == NULL || s->cfg.peer_len == 0)
		return;
	s->stopped = false;
	if (s->state == BGP_IDLE || s->state == BGP_ACTIVE)
		connect_now(s);
}

int
bgp_session_attach(struct bgp_session *s, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (s == NULL || s->fd >= 0 || s->state != BGP_IDLE) {
		close(fd);
		errno = EBUSY;
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		bgp_addr_name((struct sockaddr *)&ss, s->peer_name, sizeof s->peer_name);
	s->fd = fd;
	s->stopped = false;
	connection_up(s);
	return 0;
}

int
bgp_session_announce(struct bgp_session *s, const struct fs_rule *rules,
    size_t n, struct fs_error *err)
{
	size_t k;
	const struct bgp_route **fresh = bgp_rib_out_add(s->rib, rules, n, &k,
	    err);

	if (fresh == NULL)
		return -1;
	if (s->state == BGP_ESTABLISHED)
		send_routes(s, fresh, k, true);
	g_free(fresh);
	return 0;
}

/* Sends withdraws for routes[0..k) if Established, then frees them. */
static void
withdraw_routes(struct bgp_session *s, struct bgp_route **routes, size_t k)
{
	if (s->state == BGP_ESTABLISHED)
		send_routes(s, (const struct bgp_route *const *)routes, k, false);
	bgp_routes_free(routes, k);
}

int
bgp_session_withdraw(struct bgp_session *s, const struct fs_rule *rules,
    size_t n, struct fs_error *err)
{
	size_t k;
	struct bgp_route **gone = bgp_rib_out_remove(s->rib, rules, n, &k, err);

	if (gone == NULL)
		return -1;
	withdraw_routes(s, gone, k);
	return 0;
}

int
bgp_session_withdraw_all(struct bgp_session *s)
{
	size_t k;
	struct bgp_route **gone = bgp_rib_out_take_all(s->rib, &k);

	withdraw_routes(s, gone, k);
	return 0;
}

void
bgp_session_stop(struct bgp_session *s, uint8_t subcode, const char *text)
{
	uint8_t data[129];
	size_t dlen = 0;

	if (s == NULL)
		return;
	s->stopped = true;
	s->retry_at = 0;
	if (s->fd < 0 || s->state < BGP_OPENSENT) {
		if (s->fd >= 0) {
			close(s->fd);
			s->fd = -1;
		}
		go_down(s, 0, 0, NULL, 0, false, false, "stopped");
		return;
	}
	if (text != NULL) {	/* RFC 9003: length, then up to 128 octets */
		dlen = strlen(text);
		if (dlen > 128)
			dlen = 128;
		data[0] = (uint8_t)dlen;
		memcpy(data + 1, text, dlen);
		dlen++;
	}
	go_down(s, BGP_ERR_CEASE, subcode, data, dlen, true, false,
	    "stopped: sent NOTIFICATION %u/%u (Cease, %s)", BGP_ERR_CEASE,
	    subcode, bgp_err_subcode_name(BGP_ERR_CEASE, subcode));
}
