/*
 * validate.h - RFC 8955 section 6: whether a flow route may be believed.
 *
 * A flow route is feasible when it has a destination prefix, when it
 * comes from the neighbor that originated the best-match unicast route
 * for that prefix, and when no more-specific unicast route inside the
 * prefix came from a different neighbor AS; over eBGP, the AS_PATH must
 * start with the neighbor's AS.  The vrouter takes no unicast routes over
 * BGP, so the unicast table is the configuration's `unicast` lines.
 */
#ifndef FC_VROUTER_VALIDATE_H
#define FC_VROUTER_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "flowspec/rule.h"

/*
 * Returns true when `r`, received from the neighbor at `peer` in AS
 * `peer_as` with `as_path` (AS_SEQUENCE, left-most first), is feasible;
 * else false with the reason in why[cap].
 */
bool vr_validate(const struct vr_config *c, const struct fs_rule *r,
    const struct sockaddr *peer, uint32_t peer_as, const uint32_t *as_path,
    size_t as_path_len, char *why, size_t cap);

#endif
