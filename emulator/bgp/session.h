/*
 * session.h - one BGP session (RFC 4271 section 8) on the GLib main loop.
 *
 * A session is active (it connects, and reconnects with jittered
 * exponential backoff so that a controller never storms its routers) or
 * passive (a bgp_listener hands it an accepted socket).  It keeps the
 * routes it announces (its Adj-RIB-Out), sends them in full when it
 * becomes Established and again on ROUTE-REFRESH, and passes every
 * UPDATE it receives, already checked, to its owner.
 */
#ifndef FC_BGP_SESSION_H
#define FC_BGP_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "flowspec/error.h"
#include "flowspec/rule.h"
#include "md5.h"
#include "msg.h"
#include "update.h"

enum bgp_state {
	BGP_IDLE,
	BGP_CONNECT,
	BGP_ACTIVE,
	BGP_OPENSENT,
	BGP_OPENCONFIRM,
	BGP_ESTABLISHED,
};

struct bgp_session_config {
	uint32_t local_as;
	uint32_t peer_as;		/* 0: any (a listener learning it) */
	uint32_t router_id;		/* 0: the local IPv4 address, or derived */
	uint16_t hold_time;		/* offered; 0 means none, see hold_time_set */
	bool hold_time_set;		/* false: RFC 4271's suggested 90 s */
	unsigned families;		/* BGP_FAM_BIT(FS_IPV4) | ... */
	struct sockaddr_storage peer;	/* active: where to connect */
	socklen_t peer_len;
	struct sockaddr_storage local;	/* active: bind here first (optional) */
	socklen_t local_len;
	unsigned retry_initial_ms;	/* first reconnect delay; 0: 1000 */
	unsigned retry_max_ms;		/* backoff ceiling; 0: 120000 (RFC 4271) */
	const struct bgp_md5_key *md5;	/* NULL: no TCP MD5 */
	bool no_ext_message;		/* do not offer RFC 8654 */
};

/* Why a session left Established, OpenConfirm or OpenSent. */
struct bgp_down {
	const char *reason;		/* a sentence, without secrets */
	bool sent_notification;
	bool got_notification;
	uint8_t code, subcode;		/* of the NOTIFICATION either way */
	bool was_established;
};

struct bgp_session;

struct bgp_session_events {
	void (*state)(struct bgp_session *s, enum bgp_state from,
	    enum bgp_state to, void *ud);
	/* Each UPDATE that was read; u->err says what RFC 7606 made of it. */
	void (*update)(struct bgp_session *s, const struct bgp_update *u,
	    void *ud);
	/* The session closed; an active one will reconnect unless stopped. */
	void (*down)(struct bgp_session *s, const struct bgp_down *d, void *ud);
	/* All queued output has been written to the socket. */
	void (*drained)(struct bgp_session *s, void *ud);
};

/* What the two OPENs agreed. */
struct bgp_negotiated {
	unsigned families;
	uint16_t hold_time;
	bool as4, ext_message, route_refresh;
	uint32_t peer_as, peer_id, local_id;
};

/* Returns a new session (Idle), or NULL with errno (EINVAL, ENOMEM). */
struct bgp_session *bgp_session_new(const struct bgp_session_config *cfg,
    const struct bgp_session_events *ev, void *ud);

/* Closes the connection (no NOTIFICATION), stops timers, frees. */
void bgp_session_free(struct bgp_session *s);

/* Starts an active session: connect now, and again after failures. */
void bgp_session_start(struct bgp_session *s);

/*
 * Gives an accepted, connected socket to a passive session, which sends
 * its OPEN.  The session owns `fd` from now on.  Returns 0, or -1 (the
 * session already has a connection; fd is closed).
 */
int bgp_session_attach(struct bgp_session *s, int fd);

/*
 * Adds rules[0..n) to the Adj-RIB-Out (replacing routes with the same
 * NLRI) and sends them if Established.  Returns 0, or -1 with `err`
 * naming the rule that cannot be encoded (index in err->line).
 */
int bgp_session_announce(struct bgp_session *s, const struct fs_rule *rules,
    size_t n, struct fs_error *err);

/* Removes rules[0..n) from the Adj-RIB-Out and sends withdraws. Returns 0 or -1. */
int bgp_session_withdraw(struct bgp_session *s, const struct fs_rule *rules,
    size_t n, struct fs_error *err);

/* Withdraws every announced route. Returns 0 or -1 (ENOMEM). */
int bgp_session_withdraw_all(struct bgp_session *s);

/*
 * Closes cleanly: what is queued is sent, then a Cease NOTIFICATION
 * (subcode, with `text` as RFC 9003 shutdown communication if not NULL),
 * and the connection is closed.  The session stays Idle (no reconnect);
 * `down` is called when done.
 */
void bgp_session_stop(struct bgp_session *s, uint8_t subcode, const char *text);

enum bgp_state bgp_session_state(const struct bgp_session *s);
/* Returns the agreed parameters (valid from OpenConfirm on). */
const struct bgp_negotiated *bgp_session_negotiated(const struct bgp_session *s);
/* Returns the peer's address as text ("192.0.2.1" or "2001:db8::1"). */
const char *bgp_session_peer_name(const struct bgp_session *s);
/* Returns why the session last went down or failed to connect ("" if never). */
const char *bgp_session_last_error(const struct bgp_session *s);
/* Returns octets queued and not yet written. */
size_t bgp_session_pending(const struct bgp_session *s);
/* Returns the number of routes in the Adj-RIB-Out. */
size_t bgp_session_rib_out_size(const struct bgp_session *s);
/* Returns counters: messages and UPDATEs sent and received. */
void bgp_session_counters(const struct bgp_session *s, uint64_t *updates_out,
    uint64_t *updates_in, uint64_t *octets_out);

/* Writes the text form of an address (IPv4-mapped shown as IPv4) into buf. */
void bgp_addr_name(const struct sockaddr *sa, char *buf, size_t cap);

/* Returns "Idle", "Connect", ... */
const char *bgp_state_name(enum bgp_state st);

/*
 * A passive endpoint: accepts connections on addr and calls `accepted`
 * with each new socket and the peer's address; the callee attaches it to
 * a session or closes it.
 */
struct bgp_listener;
typedef void (*bgp_accept_fn)(int fd, const struct sockaddr *peer,
    socklen_t peer_len, void *ud);

/*
 * Listens on `addr` (an IPv6 wildcard also accepts IPv4).  With `md5`,
 * every peer must sign with that key.  Returns the listener, or NULL with
 * a sentence in err.
 */
struct bgp_listener *bgp_listener_new(const struct sockaddr *addr,
    socklen_t addr_len, const struct bgp_md5_key *md5, bgp_accept_fn fn,
    void *ud, char *err, size_t cap);
/* Returns the port actually bound (useful after asking for port 0). */
uint16_t bgp_listener_port(const struct bgp_listener *l);
void bgp_listener_free(struct bgp_listener *l);

#endif
