/*
 * msg.c - header framing, OPEN, KEEPALIVE, NOTIFICATION, ROUTE-REFRESH.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/grow.h"
#include "flowspec/rule.h"
#include "msg.h"
#include "wire.h"

uint8_t *
bgp_buf_reserve(struct bgp_buf *b, size_t n)
{
	if (b == NULL || n > SIZE_MAX - b->len ||
	    fs_grow((void **)&b->p, &b->cap, b->len + n, 1, 4096) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	uint8_t *at = b->p + b->len;
	b->len += n;
	return at;
}

void
bgp_buf_consume(struct bgp_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

void
bgp_buf_free(struct bgp_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void
bgp_header_write(uint8_t *p, size_t len, unsigned type)
{
	memset(p, 0xff, BGP_MARKER_LEN);
	bgp_put16(p + 16, (uint16_t)len);
	p[18] = (uint8_t)type;
}

/* Returns the least and most octets a message of `type` may have, or false if unknown. */
static bool
type_bounds(unsigned type, size_t *min, size_t *max)
{
	switch (type) {
	/* RFC 8654 section 4: OPEN and KEEPALIVE never exceed 4096. */
	case BGP_OPEN: *min = 29; *max = BGP_MAX_LEN; return true;
	case BGP_UPDATE: *min = 23; break;
	case BGP_NOTIFICATION: *min = 21; break;
	case BGP_KEEPALIVE: *min = 19; *max = 19; return true;
	case BGP_ROUTE_REFRESH: *min = 23; *max = 23; return true;
	default: return false;
	}
	return true;
}

ssize_t
bgp_header_check(const uint8_t *buf, size_t len, size_t max_len,
    struct bgp_error *e)
{
	static const uint8_t marker[BGP_MARKER_LEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	size_t n = len < BGP_MARKER_LEN ? len : BGP_MARKER_LEN;

	/* A bad marker is refused as soon as it is seen, not when whole. */
	if (n > 0 && memcmp(buf, marker, n) != 0)
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_HEADER,
		    BGP_HDR_NOT_SYNC, 0, NULL, 0,
		    "message marker is not sixteen 0xff octets");
	if (len < BGP_HEADER_LEN)
		return 0;
	size_t mlen = (size_t)buf[16] << 8 | buf[17];
	unsigned type = buf[18];
	size_t min = 0, max = max_len;
	if (!type_bounds(type, &min, &max))
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_HEADER,
		    BGP_HDR_BAD_TYPE, 18, &buf[18], 1,
		    "message type %u is not one of OPEN, UPDATE, NOTIFICATION, "
		    "KEEPALIVE, ROUTE-REFRESH", type);
	if (max > max_len)
		max = max_len;
	if (mlen < min || mlen > max)
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_HEADER,
		    BGP_HDR_BAD_LENGTH, 16, &buf[16], 2,
		    "message length %zu is outside %zu..%zu for type %u",
		    mlen, min, max, type);
	return len < mlen ? 0 : (ssize_t)mlen;
}

int
bgp_afi_family(uint16_t afi, uint8_t safi)
{
	if (safi != BGP_SAFI_FLOWSPEC)
		return 0;
	if (afi == BGP_AFI_IPV4)
		return FS_IPV4;
	if (afi == BGP_AFI_IPV6)
		return FS_IPV6;
	return 0;
}

/* Returns 0 after reading one capability at `rd`, or -1 with `e`. */
static int
parse_capability(struct bgp_rd *rd, struct bgp_open *o, struct bgp_error *e)
{
	uint8_t code, clen;
	const uint8_t *v;
	size_t at = rd->off;

	if (!bgp_rd_u8(rd, &code) || !bgp_rd_u8(rd, &clen) ||
	    !bgp_rd_bytes(rd, clen, &v))
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN, 0, at,
		    NULL, 0, "capability at octet %zu runs past its parameter", at);
	switch (code) {
	case BGP_CAP_MP:
		if (clen != 4)
			return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN, 0,
			    at, NULL, 0, "multiprotocol capability of %u octets, "
			    "expected 4", clen);
		int f = bgp_afi_family((uint16_t)(v[0] << 8 | v[1]), v[3]);
		if (f != 0)
			o->families |= BGP_FAM_BIT(f);
		else
			o->other_afs++;
		break;
	case BGP_CAP_AS4:
		if (clen != 4)
			return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN, 0,
			    at, NULL, 0, "4-octet AS capability of %u octets, "
			    "expected 4", clen);
		o->as4 = true;
		o->as = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
		    (uint32_t)v[2] << 8 | v[3];
		break;
	case BGP_CAP_ROUTE_REFRESH:
		o->route_refresh = true;
		break;
	case BGP_CAP_EXT_MESSAGE:
		o->ext_message = true;
		break;
	default:
		break;	/* RFC 5492: ignore what we do not know */
	}
	return 0;
}

int
bgp_open_parse(const uint8_t *msg, size_t len, struct bgp_open *o,
    struct bgp_error *e)
{
	struct bgp_rd rd;
	uint8_t optlen;
	size_t plen;
	bool ext = false;

	memset(o, 0, sizeof *o);
	bgp_rd_init(&rd, msg, len);
	if (len < BGP_HEADER_LEN)
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_HEADER,
		    BGP_HDR_BAD_LENGTH, 0, NULL, 0, "OPEN shorter than its header");
	rd.off = BGP_HEADER_LEN;
	if (!bgp_rd_u8(&rd, &o->version) || !bgp_rd_u16(&rd, &o->my_as) ||
	    !bgp_rd_u16(&rd, &o->hold_time) || !bgp_rd_u32(&rd, &o->bgp_id) ||
	    !bgp_rd_u8(&rd, &optlen))
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_HEADER,
		    BGP_HDR_BAD_LENGTH, 16, msg + 16, 2, "OPEN shorter than 29 octets");
	o->as = o->my_as;
	if (o->version != 4) {
		static const uint8_t four[2] = { 0, 4 };
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN,
		    BGP_OPEN_VERSION, 19, four, 2,
		    "BGP version %u; only version 4 is spoken", o->version);
	}
	if (o->hold_time == 1 || o->hold_time == 2)
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN,
		    BGP_OPEN_HOLD_TIME, 22, NULL, 0,
		    "hold time %u s; it must be 0 or at least 3", o->hold_time);
	if (o->bgp_id == 0)
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN,
		    BGP_OPEN_BGP_ID, 24, NULL, 0, "BGP identifier 0.0.0.0");
	plen = optlen;
	/* RFC 9072: 255 then a parameter type of 255 means 2-octet lengths. */
	if (optlen == 255 && bgp_rd_left(&rd) >= 3 && rd.buf[rd.off] == 255) {
		uint16_t l16;
		rd.off++;
		(void)bgp_rd_u16(&rd, &l16);
		plen = l16;
		ext = true;
	}
	if (plen != bgp_rd_left(&rd))
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN, 0, 28,
		    NULL, 0, "optional parameters length %zu, but %zu octets follow",
		    plen, bgp_rd_left(&rd));
	while (bgp_rd_left(&rd) > 0) {
		uint8_t ptype, l8;
		uint16_t l;
		const uint8_t *pv;
		size_t at = rd.off;

		if (!bgp_rd_u8(&rd, &ptype))
			break;
		if (ext ? !bgp_rd_u16(&rd, &l) : !bgp_rd_u8(&rd, &l8))
			return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN, 0,
			    at, NULL, 0, "optional parameter at octet %zu is cut short", at);
		if (!ext)
			l = l8;
		if (!bgp_rd_bytes(&rd, l, &pv))
			return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN, 0,
			    at, NULL, 0, "optional parameter at octet %zu runs "
			    "past the message", at);
		if (ptype != 2)
			return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN,
			    BGP_OPEN_OPT_PARAM, at, NULL, 0,
			    "optional parameter type %u is not capabilities (2)", ptype);
		struct bgp_rd cr;
		bgp_rd_init(&cr, pv, l);
		while (bgp_rd_left(&cr) > 0) {
			if (parse_capability(&cr, o, e) < 0) {
				if (e != NULL)
					e->offset += (size_t)(pv - msg);
				return -1;
			}
		}
	}
	/* RFC 7607: AS 0 is reserved; a speaker must not be in it. */
	if (o->as == 0)
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_OPEN,
		    BGP_OPEN_PEER_AS, 20, NULL, 0, "the peer says it is AS 0");
	return 0;
}

/* Appends one capability. Returns 0 or -1. */
static int
put_cap(struct bgp_buf *b, uint8_t code, const uint8_t *v, uint8_t len)
{
	uint8_t *p = bgp_buf_reserve(b, 2u + len);
	if (p == NULL)
		return -1;
	p[0] = code;
	p[1] = len;
	if (len > 0)
		memcpy(p + 2, v, len);
	return 0;
}

int
bgp_open_build(struct bgp_buf *b, const struct bgp_open *o)
{
	size_t start = b->len;
	uint8_t *p, v[4];

	if ((p = bgp_buf_reserve(b, 29 + 2)) == NULL)
		return -1;
	p[19] = 4;
	bgp_put16(p + 20, o->as > 0xffff ? BGP_AS_TRANS : (uint16_t)o->as);
	bgp_put16(p + 22, o->hold_time);
	bgp_put32(p + 24, o->bgp_id);
	p[29] = 2;	/* one parameter: capabilities; lengths filled below */
	for (int f = FS_IPV4; f <= FS_IPV6; f++) {
		if (!(o->families & BGP_FAM_BIT(f)))
			continue;
		bgp_put16(v, f == FS_IPV4 ? BGP_AFI_IPV4 : BGP_AFI_IPV6);
		v[2] = 0;
		v[3] = BGP_SAFI_FLOWSPEC;
		if (put_cap(b, BGP_CAP_MP, v, 4) < 0)
			return -1;
	}
	bgp_put32(v, o->as);
	if (put_cap(b, BGP_CAP_AS4, v, 4) < 0)
		return -1;
	if (o->route_refresh && put_cap(b, BGP_CAP_ROUTE_REFRESH, NULL, 0) < 0)
		return -1;
	if (o->ext_message && put_cap(b, BGP_CAP_EXT_MESSAGE, NULL, 0) < 0)
		return -1;
	p = b->p + start;
	size_t caps = b->len - start - 31;
	p[28] = (uint8_t)(caps + 2);
	p[30] = (uint8_t)caps;
	bgp_header_write(p, b->len - start, BGP_OPEN);
	return 0;
}

int
bgp_keepalive_build(struct bgp_buf *b)
{
	uint8_t *p = bgp_buf_reserve(b, BGP_HEADER_LEN);
	if (p == NULL)
		return -1;
	bgp_header_write(p, BGP_HEADER_LEN, BGP_KEEPALIVE);
	return 0;
}

int
bgp_notification_build(struct bgp_buf *b, uint8_t code, uint8_t subcode,
    const uint8_t *data, size_t data_len)
{
	if (data_len > BGP_MAX_LEN - 21)
		data_len = BGP_MAX_LEN - 21;
	uint8_t *p = bgp_buf_reserve(b, 21 + data_len);
	if (p == NULL)
		return -1;
	bgp_header_write(p, 21 + data_len, BGP_NOTIFICATION);
	p[19] = code;
	p[20] = subcode;
	if (data_len > 0)
		memcpy(p + 21, data, data_len);
	return 0;
}

int
bgp_notification_parse(const uint8_t *msg, size_t len, uint8_t *code,
    uint8_t *subcode, const uint8_t **data, size_t *data_len)
{
	if (len < 21)
		return -1;
	*code = msg[19];
	*subcode = msg[20];
	*data = msg + 21;
	*data_len = len - 21;
	return 0;
}

int
bgp_notification_format(uint8_t code, uint8_t subcode, const uint8_t *data,
    size_t data_len, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%u/%u %s, %s", code, subcode,
	    bgp_err_code_name(code), bgp_err_subcode_name(code, subcode));

	/* RFC 8203/9003: a shutdown communication is a length and UTF-8. */
	if (code == BGP_ERR_CEASE && (subcode == BGP_CEASE_ADMIN_SHUTDOWN ||
	    subcode == BGP_CEASE_ADMIN_RESET) && data_len > 1 &&
	    data[0] == data_len - 1 && n >= 0) {
		char text[256];
		size_t k = 0;
		for (size_t i = 1; i < data_len && k + 1 < sizeof text; i++)
			text[k++] = data[i] >= 0x20 && data[i] < 0x7f ?
			    (char)data[i] : '?';
		text[k] = '\0';
		/* Counted even when it does not fit, as snprintf counts. */
		int m = (size_t)n < cap ?
		    snprintf(buf + n, cap - (size_t)n, ": \"%s\"", text) :
		    snprintf(NULL, 0, ": \"%s\"", text);
		if (m < 0)
			return m;
		n += m;
	}
	return n;
}

int
bgp_refresh_build(struct bgp_buf *b, int family)
{
	uint8_t *p = bgp_buf_reserve(b, 23);
	if (p == NULL)
		return -1;
	bgp_header_write(p, 23, BGP_ROUTE_REFRESH);
	bgp_put16(p + 19, family == FS_IPV6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4);
	p[21] = 0;
	p[22] = BGP_SAFI_FLOWSPEC;
	return 0;
}

int
bgp_refresh_parse(const uint8_t *msg, size_t len, struct bgp_error *e)
{
	if (len != 23)
		return bgp_error_set(e, BGP_ACT_RESET, BGP_ERR_HEADER,
		    BGP_HDR_BAD_LENGTH, 16, msg + 16, 2,
		    "ROUTE-REFRESH of %zu octets, expected 23", len);
	return bgp_afi_family((uint16_t)(msg[19] << 8 | msg[20]), msg[22]);
}
