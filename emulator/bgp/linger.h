/*
 * linger.h - closing a BGP connection without losing its last words.
 *
 * A NOTIFICATION must reach the peer before the connection goes away.
 * Closing a socket that still has unread input makes Linux send a reset,
 * which can destroy data still in flight, so a closing connection first
 * writes what is left, then shuts its sending side, then reads and drops
 * input until the peer closes too (or a deadline passes).  This runs on
 * its own, so the session can reconnect meanwhile.
 */
#ifndef FC_BGP_LINGER_H
#define FC_BGP_LINGER_H

#include <stddef.h>
#include <stdint.h>

struct bgp_linger;

/*
 * Takes ownership of `fd` and of out[0..len) (copied).  `done` (may be
 * NULL) is called once the socket is closed.  Returns the linger, which
 * frees itself after `done`, or NULL if memory ran out (fd then closed).
 */
struct bgp_linger *bgp_linger_start(int fd, const uint8_t *out, size_t len,
    unsigned idle_timeout_ms, void (*done)(void *ud), void *ud);

/* Forgets `done`: the owner is going away before the linger ends. */
void bgp_linger_detach(struct bgp_linger *l);

#endif
