/*
 * msg.h - BGP messages other than UPDATE: the header, OPEN with its
 * capabilities, KEEPALIVE, NOTIFICATION and ROUTE-REFRESH.
 *
 * Parsers take a whole message (header included, as framed by
 * bgp_header_check) so that error offsets count from its first octet.
 * Builders append to a struct bgp_buf.
 */
#ifndef FC_BGP_MSG_H
#define FC_BGP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* An output buffer that grows; `len` octets of `p` are valid. */
struct bgp_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

/* Makes room for `n` more octets. Returns a pointer to them, or NULL (ENOMEM). */
uint8_t *bgp_buf_reserve(struct bgp_buf *b, size_t n);
/* Drops the first `n` octets (written to the socket). */
void bgp_buf_consume(struct bgp_buf *b, size_t n);
void bgp_buf_free(struct bgp_buf *b);

/*
 * Checks the header at buf[0..len).  Returns the message length when a
 * whole, valid message is there; 0 when more octets are needed; -1 with
 * `e` set (a reset) for a bad marker, length or type.  `max_len` is 4096,
 * or 65535 once the extended message capability is agreed.
 */
ssize_t bgp_header_check(const uint8_t *buf, size_t len, size_t max_len,
    struct bgp_error *e);

/* Returns the type octet of a checked message. */
static inline unsigned
bgp_msg_type(const uint8_t *msg)
{
	return msg[18];
}

/* Flowspec families as a bit set: 1 << FS_IPV4, 1 << FS_IPV6. */
#define BGP_FAM_BIT(f)	(1u << (f))

struct bgp_open {
	uint8_t version;
	uint16_t my_as;		/* the 2-octet field (AS_TRANS for big ASes) */
	uint32_t as;		/* the AS: from the AS4 capability, else my_as */
	uint16_t hold_time;
	uint32_t bgp_id;
	unsigned families;	/* flowspec families offered (BGP_FAM_BIT) */
	unsigned other_afs;	/* how many other AFI/SAFI pairs were offered */
	bool as4;
	bool route_refresh;
	bool ext_message;
};

/*
 * Parses an OPEN.  Checks what the message alone can tell (version, hold
 * time 1 or 2, identifier 0, parameter and capability framing); the
 * session checks the peer AS and the families.  Returns 0, or -1 with `e`.
 */
int bgp_open_parse(const uint8_t *msg, size_t len, struct bgp_open *o,
    struct bgp_error *e);

/* Appends an OPEN offering the capabilities in `o`. Returns 0 or -1 (ENOMEM). */
int bgp_open_build(struct bgp_buf *b, const struct bgp_open *o);

/* Appends a KEEPALIVE. Returns 0 or -1. */
int bgp_keepalive_build(struct bgp_buf *b);

/* Appends a NOTIFICATION. Returns 0 or -1. */
int bgp_notification_build(struct bgp_buf *b, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t data_len);

/*
 * Parses a NOTIFICATION into code, subcode and data (pointing into msg).
 * Returns 0, or -1 if shorter than 21 octets.
 */
int bgp_notification_parse(const uint8_t *msg, size_t len, uint8_t *code,
    uint8_t *subcode, const uint8_t **data, size_t *data_len);

/*
 * Describes a NOTIFICATION as "6/2 Cease, Administrative Shutdown" with a
 * shutdown communication (RFC 8203) when there is one.  Returns what
 * snprintf returns.
 */
int bgp_notification_format(uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t data_len, char *buf, size_t cap);

/* Appends a ROUTE-REFRESH for `family`. Returns 0 or -1. */
int bgp_refresh_build(struct bgp_buf *b, int family);

/*
 * Parses a ROUTE-REFRESH.  Returns the flowspec family asked for, 0 for
 * another AFI/SAFI (to be ignored, RFC 2918), or -1 with `e` (a reset:
 * wrong length).
 */
int bgp_refresh_parse(const uint8_t *msg, size_t len, struct bgp_error *e);

/* Returns the family of an AFI/SAFI pair if it is flowspec, else 0. */
int bgp_afi_family(uint16_t afi, uint8_t safi);

/* Writes a header for a message of `len` octets and `type` at p. */
void bgp_header_write(uint8_t *p, size_t len, unsigned type);

#endif
