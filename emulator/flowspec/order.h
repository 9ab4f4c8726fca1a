/*
 * order.h - the order in which a router applies Flowspec rules
 * (RFC 8955 section 5.1, RFC 8956 section 3.1 for IPv6 offsets).
 */
#ifndef FC_FLOWSPEC_ORDER_H
#define FC_FLOWSPEC_ORDER_H

#include "rule.h"

/*
 * Returns < 0 when `a` has precedence over `b`, > 0 when `b` has it, 0
 * when neither does (same match).  Components are walked in type order;
 * a rule that runs out of components counts as type infinity.  Prefixes:
 * the lower offset wins, then the lower value over the common length,
 * then the longer prefix.  Others: the lower encoded string over the
 * common length, then the longer string.  Rules of different families
 * are not comparable on a router; IPv4 is ordered first so that sorting
 * stays total.  Both rules must have sorted components.
 */
int fs_rule_precedence(const struct fs_rule *a, const struct fs_rule *b);

#endif
