/*
 * ecomm.h - Flowspec actions as extended communities (RFC 8955 section 7).
 */
#ifndef FC_FLOWSPEC_ECOMM_H
#define FC_FLOWSPEC_ECOMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "rule.h"

/* Type and sub-type octets, as one 16-bit number. */
enum fs_ec_kind {
	FS_EC_RATE_BYTES = 0x8006,	/* 2-octet AS, float32 bytes per second */
	FS_EC_ACTION = 0x8007,		/* last octet: sample 0x02, terminal 0x01 */
	FS_EC_REDIRECT_AS2 = 0x8008,	/* 2-octet AS, 4-octet value */
	FS_EC_MARK = 0x8009,		/* last octet: DSCP */
	FS_EC_RATE_PACKETS = 0x800c,	/* 2-octet AS, float32 packets per second */
	FS_EC_REDIRECT_IP4 = 0x8108,	/* IPv4 address, 2-octet value */
	FS_EC_REDIRECT_AS4 = 0x8208,	/* 4-octet AS, 2-octet value */
};
#define FS_EC_SAMPLE	0x02
#define FS_EC_TERMINAL	0x01

/* Returns the 16-bit type and sub-type of `a`. */
static inline unsigned
fs_ec_kind(const struct fs_action *a)
{
	return (unsigned)a->ec[0] << 8 | a->ec[1];
}

/* Builders: each fills `a` completely. */
void fs_ec_rate(struct fs_action *a, bool packets, uint16_t asn, float rate);
void fs_ec_traffic_action(struct fs_action *a, bool sample, bool terminal);
void fs_ec_mark(struct fs_action *a, uint8_t dscp);
void fs_ec_redirect_as2(struct fs_action *a, uint16_t asn, uint32_t value);
void fs_ec_redirect_as4(struct fs_action *a, uint32_t asn, uint16_t value);
void fs_ec_redirect_ip4(struct fs_action *a, const uint8_t ip[4], uint16_t value);

/* Returns the rate of a traffic-rate action (bytes or packets), else -1. */
float fs_ec_rate_value(const struct fs_action *a);
/* Returns true if `a` is a traffic-rate of 0: a discard. */
bool fs_ec_is_discard(const struct fs_action *a);
/* Returns true if any action of `r` discards. */
bool fs_rule_discards(const struct fs_rule *r);

/*
 * Prints `a` in rule syntax ("discard", "rate-limit 125000",
 * "redirect 65000:100", "ext 0102030405060708" for others).
 * Returns what snprintf returns.
 */
int fs_ec_print(const struct fs_action *a, char *buf, size_t cap);

/* Parses 16 hex digits into `a`. Returns 0, or -1 if not exactly that. */
int fs_ec_from_hex(struct fs_action *a, const char *hex, size_t len);
/* Writes 16 lower-case hex digits and a NUL into hex[17]. */
void fs_ec_to_hex(const struct fs_action *a, char hex[17]);

#endif
