/*
 * error.h - what a received message did wrong, and what to do about it.
 *
 * RFC 7606 replaced "reset the session on any error" with a choice per
 * error: reset (send a NOTIFICATION), treat-as-withdraw (keep the session,
 * withdraw what the UPDATE announced), or discard one attribute.  The
 * parsers fill a struct bgp_error with that choice, the NOTIFICATION it
 * would take, and a sentence for the log.
 */
#ifndef FC_BGP_ERROR_H
#define FC_BGP_ERROR_H

#include <stddef.h>
#include <stdint.h>

enum bgp_action {
	BGP_ACT_NONE = 0,
	BGP_ACT_DISCARD,	/* ignore one attribute, use the rest */
	BGP_ACT_WITHDRAW,	/* treat-as-withdraw (RFC 7606 section 2) */
	BGP_ACT_RESET,		/* send the NOTIFICATION and close */
};

#define BGP_ERR_DATA_MAX 64

struct bgp_error {
	enum bgp_action action;
	uint8_t code;		/* NOTIFICATION code and subcode (RESET) */
	uint8_t subcode;
	uint8_t data[BGP_ERR_DATA_MAX];	/* NOTIFICATION data */
	size_t data_len;
	size_t offset;		/* octet of the message that is wrong */
	char msg[256];
};

/* Returns the name of NOTIFICATION code `code` ("UPDATE Message Error"). */
const char *bgp_err_code_name(unsigned code);
/* Returns the name of `subcode` under `code`, or "unknown subcode". */
const char *bgp_err_subcode_name(unsigned code, unsigned subcode);

/*
 * Records an error in `e` unless `e` already holds one at least as severe:
 * the first reset wins, and a reset beats a withdraw, which beats a
 * discard.  `data` (may be NULL) is copied up to BGP_ERR_DATA_MAX octets.
 * Returns -1 for the callers' convenience.
 */
int bgp_error_set(struct bgp_error *e, enum bgp_action action, uint8_t code,
    uint8_t subcode, size_t offset, const uint8_t *data, size_t data_len,
    const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* Returns "reset", "treat-as-withdraw", "attribute-discard" or "none". */
const char *bgp_action_name(enum bgp_action a);

#endif
