/*
 * ecomm.c - Flowspec actions as extended communities.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ecomm.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
set_kind(struct fs_action *a, unsigned kind)
{
	memset(a->ec, 0, sizeof(a->ec));
	put16(a->ec, (uint16_t)kind);
}

void
fs_ec_rate(struct fs_action *a, bool packets, uint16_t asn, float rate)
{
	uint32_t bits;

	set_kind(a, packets ? FS_EC_RATE_PACKETS : FS_EC_RATE_BYTES);
	put16(a->ec + 2, asn);
	/* RFC 8955: IEEE 754 single precision, network order. */
	memcpy(&bits, &rate, sizeof(bits));
	put32(a->ec + 4, bits);
}

void
fs_ec_traffic_action(struct fs_action *a, bool sample, bool terminal)
{
	set_kind(a, FS_EC_ACTION);
	a->ec[7] = (uint8_t)((sample ? FS_EC_SAMPLE : 0) |
	    (terminal ? FS_EC_TERMINAL : 0));
}

void
fs_ec_mark(struct fs_action *a, uint8_t dscp)
{
	set_kind(a, FS_EC_MARK);
	a->ec[7] = dscp;
}

void
fs_ec_redirect_as2(struct fs_action *a, uint16_t asn, uint32_t value)
{
	set_kind(a, FS_EC_REDIRECT_AS2);
	put16(a->ec + 2, asn);
	put32(a->ec + 4, value);
}

void
fs_ec_redirect_as4(struct fs_action *a, uint32_t asn, uint16_t value)
{
	set_kind(a, FS_EC_REDIRECT_AS4);
	put32(a->ec + 2, asn);
	put16(a->ec + 6, value);
}

void
fs_ec_redirect_ip4(struct fs_action *a, const uint8_t ip[4], uint16_t value)
{
	set_kind(a, FS_EC_REDIRECT_IP4);
	memcpy(a->ec + 2, ip, 4);
	put16(a->ec + 6, value);
}

float
fs_ec_rate_value(const struct fs_action *a)
{
	uint32_t bits;
	float rate;

	if (fs_ec_kind(a) != FS_EC_RATE_BYTES &&
	    fs_ec_kind(a) != FS_EC_RATE_PACKETS)
		return -1;
	bits = get32(a->ec + 4);
	memcpy(&rate, &bits, sizeof(rate));
	return rate;
}

bool
fs_ec_is_discard(const struct fs_action *a)
{
	return fs_ec_rate_value(a) == 0.0f;
}

bool
fs_rule_discards(const struct fs_rule *r)
{
	for (unsigned i = 0; i < r->nactions; i++)
		if (fs_ec_is_discard(&r->actions[i]))
			return true;
	return false;
}

/* Prints a rate as an integer when it is one, so that text round-trips. */
static int
print_rate(char *buf, size_t cap, const char *word, const struct fs_action *a)
{
	float rate = fs_ec_rate_value(a);
	uint16_t asn = get16(a->ec + 2);
	char num[48];

	/* Only rates that print and parse back to the same octets get words. */
	if (isnan(rate) || isinf(rate) || signbit(rate))
		return snprintf(buf, cap, "ext %02x%02x%02x%02x%02x%02x%02x%02x",
		    a->ec[0], a->ec[1], a->ec[2], a->ec[3], a->ec[4],
		    a->ec[5], a->ec[6], a->ec[7]);
	if (rate == floorf(rate) && rate < 1e15f)
		snprintf(num, sizeof(num), "%.0f", (double)rate);
	else
		snprintf(num, sizeof(num), "%.9g", (double)rate);
	if (asn != 0)
		return snprintf(buf, cap, "%s %s as %u", word, num, asn);
	return snprintf(buf, cap, "%s %s", word, num);
}

int
fs_ec_print(const struct fs_action *a, char *buf, size_t cap)
{
	const uint8_t *e = a->ec;

	switch (fs_ec_kind(a)) {
	case FS_EC_RATE_BYTES:
		if (get16(e + 2) == 0 && get32(e + 4) == 0)
			return snprintf(buf, cap, "discard");
		return print_rate(buf, cap, "rate-limit", a);
	case FS_EC_RATE_PACKETS:
		return print_rate(buf, cap, "rate-limit-packets", a);
	case FS_EC_ACTION:
		if (get32(e + 2) != 0 || e[6] != 0 || (e[7] & ~0x03) != 0)
			break;
		switch (e[7]) {
		case FS_EC_SAMPLE: return snprintf(buf, cap, "action sample");
		case FS_EC_TERMINAL: return snprintf(buf, cap, "action terminal");
		case FS_EC_SAMPLE | FS_EC_TERMINAL:
			return snprintf(buf, cap, "action sample-terminal");
		default: return snprintf(buf, cap, "action none");
		}
	case FS_EC_REDIRECT_AS2:
		return snprintf(buf, cap, "redirect %u:%u", get16(e + 2),
		    get32(e + 4));
	case FS_EC_REDIRECT_AS4:
		/* An AS that fits 16 bits in the 4-octet form keeps the L. */
		return snprintf(buf, cap, "redirect %u%s:%u", get32(e + 2),
		    get32(e + 2) <= 0xffff ? "L" : "", get16(e + 6));
	case FS_EC_REDIRECT_IP4:
		return snprintf(buf, cap, "redirect %u.%u.%u.%u:%u", e[2], e[3],
		    e[4], e[5], get16(e + 6));
	case FS_EC_MARK:
		if (get32(e + 2) != 0 || e[6] != 0 || e[7] > 63)
			break;
		return snprintf(buf, cap, "mark %u", e[7]);
	default:
		break;
	}
	return snprintf(buf, cap, "ext %02x%02x%02x%02x%02x%02x%02x%02x",
	    e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7]);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
fs_ec_from_hex(struct fs_action *a, const char *hex, size_t len)
{
	if (a == NULL || hex == NULL || len != 16)
		return -1;
	for (size_t i = 0; i < 8; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		a->ec[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void
fs_ec_to_hex(const struct fs_action *a, char hex[17])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < 8; i++) {
		hex[2 * i] = digits[a->ec[i] >> 4];
		hex[2 * i + 1] = digits[a->ec[i] & 0xf];
	}
	hex[16] = '\0';
}
