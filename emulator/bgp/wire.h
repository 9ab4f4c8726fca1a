/*
 * wire.h - BGP-4 numbers (RFC 4271 and its extensions) and a bounds-checked
 * reader.
 *
 * Every parser in this folder reads through struct bgp_rd, whose getters
 * refuse to read past the end instead of trusting a length field.
 */
#ifndef FC_BGP_WIRE_H
#define FC_BGP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BGP_PORT		179
#define BGP_HEADER_LEN		19
#define BGP_MARKER_LEN		16
#define BGP_MAX_LEN		4096	/* RFC 4271 */
#define BGP_EXT_MAX_LEN		65535	/* RFC 8654, when both offer it */
#define BGP_AS_TRANS		23456	/* RFC 6793 */

enum bgp_msg_type {
	BGP_OPEN = 1,
	BGP_UPDATE = 2,
	BGP_NOTIFICATION = 3,
	BGP_KEEPALIVE = 4,
	BGP_ROUTE_REFRESH = 5,	/* RFC 2918 */
};

/* NOTIFICATION error codes and subcodes (RFC 4271 section 4.5, RFC 4486). */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_REFRESH = 7,	/* RFC 7313 */
};
enum {	/* BGP_ERR_HEADER */
	BGP_HDR_NOT_SYNC = 1,
	BGP_HDR_BAD_LENGTH = 2,
	BGP_HDR_BAD_TYPE = 3,
};
enum {	/* BGP_ERR_OPEN */
	BGP_OPEN_VERSION = 1,
	BGP_OPEN_PEER_AS = 2,
	BGP_OPEN_BGP_ID = 3,
	BGP_OPEN_OPT_PARAM = 4,
	BGP_OPEN_HOLD_TIME = 6,
	BGP_OPEN_CAPABILITY = 7,
};
enum {	/* BGP_ERR_UPDATE */
	BGP_UPD_ATTR_LIST = 1,
	BGP_UPD_WELLKNOWN = 2,
	BGP_UPD_MISSING = 3,
	BGP_UPD_ATTR_FLAGS = 4,
	BGP_UPD_ATTR_LENGTH = 5,
	BGP_UPD_ORIGIN = 6,
	BGP_UPD_NEXT_HOP = 8,
	BGP_UPD_OPTIONAL = 9,
	BGP_UPD_NETWORK = 10,
	BGP_UPD_AS_PATH = 11,
};
enum {	/* BGP_ERR_CEASE (RFC 4486) */
	BGP_CEASE_MAX_PREFIX = 1,
	BGP_CEASE_ADMIN_SHUTDOWN = 2,
	BGP_CEASE_PEER_DECONF = 3,
	BGP_CEASE_ADMIN_RESET = 4,
	BGP_CEASE_REJECTED = 5,
	BGP_CEASE_COLLISION = 7,
	BGP_CEASE_RESOURCES = 8,
};

/* Path attribute flags and type codes. */
#define BGP_ATTR_OPTIONAL	0x80
#define BGP_ATTR_TRANSITIVE	0x40
#define BGP_ATTR_PARTIAL	0x20
#define BGP_ATTR_EXTLEN		0x10

enum bgp_attr_type {
	BGP_A_ORIGIN = 1,
	BGP_A_AS_PATH = 2,
	BGP_A_NEXT_HOP = 3,
	BGP_A_MED = 4,
	BGP_A_LOCAL_PREF = 5,
	BGP_A_ATOMIC_AGGREGATE = 6,
	BGP_A_AGGREGATOR = 7,
	BGP_A_COMMUNITIES = 8,
	BGP_A_ORIGINATOR_ID = 9,
	BGP_A_CLUSTER_LIST = 10,
	BGP_A_MP_REACH = 14,
	BGP_A_MP_UNREACH = 15,
	BGP_A_EXT_COMMUNITIES = 16,
	BGP_A_AS4_PATH = 17,
	BGP_A_AS4_AGGREGATOR = 18,
};

#define BGP_AS_SET		1
#define BGP_AS_SEQUENCE		2
#define BGP_AS_CONFED_SEQUENCE	3
#define BGP_AS_CONFED_SET	4

/* Capability codes (RFC 5492 and the RFCs that define each). */
enum bgp_cap_code {
	BGP_CAP_MP = 1,			/* RFC 4760 */
	BGP_CAP_ROUTE_REFRESH = 2,	/* RFC 2918 */
	BGP_CAP_EXT_MESSAGE = 6,	/* RFC 8654 */
	BGP_CAP_AS4 = 65,		/* RFC 6793 */
};

#define BGP_AFI_IPV4		1
#define BGP_AFI_IPV6		2
#define BGP_SAFI_UNICAST	1
#define BGP_SAFI_FLOWSPEC	133

/*
 * A reader over buf[0..len).  Getters return false, and read nothing,
 * when fewer octets remain than asked for.
 */
struct bgp_rd {
	const uint8_t *buf;
	size_t len;
	size_t off;
};

static inline void
bgp_rd_init(struct bgp_rd *rd, const uint8_t *buf, size_t len)
{
	rd->buf = buf;
	rd->len = len;
	rd->off = 0;
}

/* Returns the number of octets not read yet. */
static inline size_t
bgp_rd_left(const struct bgp_rd *rd)
{
	return rd->len - rd->off;
}

static inline bool
bgp_rd_u8(struct bgp_rd *rd, uint8_t *v)
{
	if (bgp_rd_left(rd) < 1)
		return false;
	*v = rd->buf[rd->off++];
	return true;
}

static inline bool
bgp_rd_u16(struct bgp_rd *rd, uint16_t *v)
{
	if (bgp_rd_left(rd) < 2)
		return false;
	*v = (uint16_t)(rd->buf[rd->off] << 8 | rd->buf[rd->off + 1]);
	rd->off += 2;
	return true;
}

static inline bool
bgp_rd_u32(struct bgp_rd *rd, uint32_t *v)
{
	if (bgp_rd_left(rd) < 4)
		return false;
	const uint8_t *p = rd->buf + rd->off;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	rd->off += 4;
	return true;
}

/* Points *p at the next n octets and skips them. */
static inline bool
bgp_rd_bytes(struct bgp_rd *rd, size_t n, const uint8_t **p)
{
	if (bgp_rd_left(rd) < n)
		return false;
	*p = rd->buf + rd->off;
	rd->off += n;
	return true;
}

static inline void
bgp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
bgp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
