/*
 * update.h - UPDATE messages carrying flowspec (RFC 4760, RFC 8955/8956).
 *
 * Receiving: bgp_update_parse checks every attribute and decides, per
 * RFC 7606, whether the session must be reset, the UPDATE treated as a
 * withdraw, or one attribute ignored.  A flowspec NLRI that cannot be
 * decoded but whose length prefix is sound is dropped alone and reported:
 * its bounds are known, so the rules around it can still be believed.
 *
 * Sending: routes are NLRI octets plus actions, encoded once.  Routes with
 * the same actions share UPDATEs, filled up to the negotiated size.
 */
#ifndef FC_BGP_UPDATE_H
#define FC_BGP_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowspec/error.h"
#include "flowspec/rule.h"
#include "error.h"
#include "msg.h"

#define BGP_BAD_NLRI_KEEP 64	/* octets of a refused NLRI kept for reports */
#define BGP_AS_PATH_KEEP 16	/* ASes of the path kept for reports */

/* A flowspec NLRI that was dropped, and why. */
struct bgp_bad_nlri {
	size_t offset;			/* of its length prefix in the message */
	size_t len;			/* octets, length prefix included */
	uint8_t octets[BGP_BAD_NLRI_KEEP];	/* the first of them */
	bool withdrawn;			/* it was in MP_UNREACH_NLRI */
	struct fs_error err;		/* the decoder's reason */
};

struct bgp_update {
	int family;			/* of the MP attributes; 0 when none */
	struct fs_rule *reach;		/* announced, actions attached */
	size_t nreach, reach_cap;
	struct fs_rule *withdrawn;	/* withdrawn (and treat-as-withdraw) */
	size_t nwithdrawn, withdrawn_cap;
	struct bgp_bad_nlri *bad;
	size_t nbad, bad_cap;
	bool eor;			/* End-of-RIB for `family` */
	unsigned other_afs;		/* MP attributes of other AFI/SAFIs, ignored */
	uint32_t as_path[BGP_AS_PATH_KEEP];	/* AS_SEQUENCE ASes, in order */
	unsigned as_path_len;
	size_t action_copies;		/* actions copied onto announced rules */
	struct bgp_error err;		/* the worst problem found */
};

/* Parameters from the session that change how UPDATEs are read or written. */
struct bgp_update_params {
	bool as4;		/* both sides speak 4-octet AS (RFC 6793) */
	bool ebgp;
	uint32_t local_as;	/* sending: the AS_PATH to put */
	size_t max_len;		/* sending: 4096, or 65535 (RFC 8654) */
	unsigned families;	/* receiving: families negotiated (BGP_FAM_BIT) */
};

void bgp_update_init(struct bgp_update *u);
void bgp_update_free(struct bgp_update *u);

/*
 * Parses the UPDATE msg[0..len) (a checked message, header included) into
 * `u`, emptied first.  Returns 0 when the session can go on (u->err may
 * hold a withdraw or discard), -1 when it must be reset (u->err says
 * with what NOTIFICATION), or -1 with errno ENOMEM and no error action.
 */
int bgp_update_parse(const uint8_t *msg, size_t len,
    const struct bgp_update_params *p, struct bgp_update *u);

/* One announced flowspec route, encoded once. */
struct bgp_route {
	uint8_t family;
	uint16_t nlri_len;		/* length prefix included */
	uint16_t nactions;
	const uint8_t *nlri;
	const struct fs_action *actions;
};

/*
 * Appends UPDATEs announcing routes[0..n) (one family, sorted so that
 * routes with equal actions are adjacent: bgp_route_cmp_actions) to `b`.
 * Returns the number of messages appended, or -1 (ENOMEM, or E2BIG for a
 * route that cannot fit in any message) with nothing appended.
 */
long bgp_update_build_reach(struct bgp_buf *b, const struct bgp_update_params *p,
    const struct bgp_route *const *routes, size_t n);

/* Appends UPDATEs withdrawing routes[0..n) (one family). Returns as above. */
long bgp_update_build_unreach(struct bgp_buf *b,
    const struct bgp_update_params *p, const struct bgp_route *const *routes,
    size_t n);

/* Appends an End-of-RIB for `family` (RFC 4724). Returns 0 or -1. */
int bgp_update_build_eor(struct bgp_buf *b, int family);

/* qsort comparator on struct bgp_route pointers: by family, then actions. */
int bgp_route_cmp_actions(const void *a, const void *b);

#endif
