/*
 * text_parse.c - the one-line rule syntax.
 *
 *   match COMPONENT TERMS... [then ACTION...]
 *
 * Tokens are separated by white space; `#` starts a comment.  Errors
 * carry the 1-based column of the token at fault and say what was
 * expected there.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomm.h"
#include "text.h"

struct token {
	const char *s;
	size_t len;
	unsigned col;		/* 1-based */
};

static bool
tok_is(const struct token *t, const char *word)
{
	return t->len == strlen(word) && memcmp(t->s, word, t->len) == 0;
}

/* Returns the next token of text[*pos..len), or false at the end or a comment. */
static bool
next_token(const char *text, size_t len, size_t *pos, struct token *t)
{
	size_t p = *pos;

	while (p < len && isspace((unsigned char)text[p]))
		p++;
	if (p >= len || text[p] == '#' || text[p] == '\0')
		return false;
	t->s = text + p;
	t->col = (unsigned)(p + 1);
	while (p < len && !isspace((unsigned char)text[p]) && text[p] != '#' &&
	    text[p] != '\0')
		p++;
	t->len = (size_t)(text + p - t->s);
	*pos = p;
	return true;
}

static const struct {
	const char *name;
	uint8_t proto;
} protocols[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "ipip", 4 }, { "tcp", 6 },
	{ "egp", 8 }, { "udp", 17 }, { "ipv6", 41 }, { "rsvp", 46 },
	{ "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "icmpv6", 58 },
	{ "ospf", 89 }, { "pim", 103 }, { "vrrp", 112 }, { "l2tp", 115 },
	{ "sctp", 132 },
};

int
fs_protocol_by_name(const char *name, size_t len)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (strlen(protocols[i].name) == len &&
		    strncasecmp(protocols[i].name, name, len) == 0)
			return protocols[i].proto;
	if (len == 9 && strncasecmp(name, "ipv6-icmp", 9) == 0)
		return 58;
	return -1;
}

const char *
fs_protocol_name(unsigned proto)
{
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (protocols[i].proto == proto)
			return protocols[i].name;
	return NULL;
}

static const struct {
	const char *name;
	uint8_t bits;
} tcp_flag_names[] = {
	{ "fin", 0x01 }, { "syn", 0x02 }, { "rst", 0x04 }, { "push", 0x08 },
	{ "ack", 0x10 }, { "urgent", 0x20 }, { "ece", 0x40 }, { "cwr", 0x80 },
	{ "psh", 0x08 }, { "urg", 0x20 },
}, frag_names[] = {
	{ "dont-fragment", FS_FRAG_DF }, { "is-fragment", FS_FRAG_ISF },
	{ "first-fragment", FS_FRAG_FF }, { "last-fragment", FS_FRAG_LF },
	{ "not-a-fragment", 0 },
};

/* GoBGP's one-letter TCP flags, bit i = letter i. */
static const char tcp_letters[] = "FSRPAUEC";

/* Returns 0 with a decimal or 0x-hex number of s[0..len) in *v, else -1. */
static int
parse_uint(const char *s, size_t len, uint64_t *v)
{
	char buf[32], *end;
	unsigned long long n;

	if (len == 0 || len >= sizeof(buf) || !isdigit((unsigned char)s[0]))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	/* Decimal, or hex after 0x; never octal: "/010" must not mean /8. */
	errno = 0;
	if (len > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
		n = strtoull(buf + 2, &end, 16);
	else
		n = strtoull(buf, &end, 10);
	if (errno != 0 || *end != '\0' || end == buf)
		return -1;
	*v = n;
	return 0;
}

/* Returns 0 with the value of a name of `type`, or -1 if not a name. */
static int
named_value(unsigned type, const char *s, size_t len, uint64_t *v)
{
	if (type == FS_PROTO) {
		int p = fs_protocol_by_name(s, len);

		if (p < 0)
			return -1;
		*v = (uint64_t)p;
		return 0;
	}
	return -1;
}

/* Returns 0 with a bitmask value (names|joined, letters, number) in *v, else -1. */
static int
bitmask_value(unsigned type, const char *s, size_t len, uint64_t *v)
{
	size_t i, start;
	uint64_t bits = 0;

	if (len == 0)
		return -1;
	if (parse_uint(s, len, v) == 0)
		return 0;
	for (start = 0, i = 0; i <= len; i++) {
		bool found = false;
		size_t n = sizeof(frag_names) / sizeof(frag_names[0]);

		if (i < len && s[i] != '|')
			continue;
		if (type == FS_TCP_FLAGS)
			n = sizeof(tcp_flag_names) / sizeof(tcp_flag_names[0]);
		for (size_t k = 0; k < n; k++) {
			const char *name = type == FS_TCP_FLAGS ?
			    tcp_flag_names[k].name : frag_names[k].name;

			if (strlen(name) == i - start &&
			    strncasecmp(name, s + start, i - start) == 0) {
				bits |= type == FS_TCP_FLAGS ? tcp_flag_names[k].bits :
				    frag_names[k].bits;
				found = true;
				break;
			}
		}
		if (!found)
			goto letters;
		start = i + 1;
	}
	*v = bits;
	return 0;
letters:
	/* Names first: "ECE" is ece, not E|C.  Then GoBGP's letters. */
	bits = 0;
	if (type != FS_TCP_FLAGS)
		return -1;
	for (i = 0; i < len && s[i] != '\0' && strchr(tcp_letters, s[i]) != NULL; i++)
		bits |= 1u << (strchr(tcp_letters, s[i]) - tcp_letters);
	if (i != len)
		return -1;
	*v = bits;
	return 0;
}

/* Splits an optional "/SIZE" suffix off s[0..*len); returns 0, or -1 if bad. */
static int
size_suffix(const char *s, size_t *len, uint8_t *size)
{
	const char *slash = memchr(s, '/', *len);
	uint64_t n;

	*size = 0;
	if (slash == NULL)
		return 0;
	if (parse_uint(slash + 1, (size_t)(s + *len - slash - 1), &n) != 0 ||
	    (n != 1 && n != 2 && n != 4 && n != 8))
		return -1;
	*size = (uint8_t)n;
	*len = (size_t)(slash - s);
	return 0;
}

/* Returns 0 once one numeric piece ("op value[/size]", "A-B", "true") is added. */
static int
numeric_piece(struct fs_rule *r, unsigned type, const char *s, size_t len,
    uint8_t andbit, struct fs_error *err)
{
	static const struct { const char *op; uint8_t bits; } ops[] = {
		{ "==", FS_NUM_EQ }, { ">=", FS_NUM_GT | FS_NUM_EQ },
		{ "<=", FS_NUM_LT | FS_NUM_EQ }, { "!=", FS_NUM_LT | FS_NUM_GT },
		{ "=", FS_NUM_EQ }, { ">", FS_NUM_GT }, { "<", FS_NUM_LT },
	};
	uint8_t bits = FS_NUM_EQ, size;
	uint64_t v = 0, hi;
	const char *dash;
	size_t i;

	if (len == 0)
		return fs_error_set(err, FS_E_SYNTAX,
		    "%s: empty term; expected a value such as ==80 or 1024-2047",
		    fs_type_name(type));
	/* true and false match regardless of the value (RFC 8955 table). */
	if ((len >= 4 && strncmp(s, "true", 4) == 0) ||
	    (len >= 5 && strncmp(s, "false", 5) == 0)) {
		size_t w = s[0] == 't' ? 4 : 5;

		bits = s[0] == 't' ? FS_NUM_LT | FS_NUM_GT | FS_NUM_EQ : 0;
		s += w;
		len -= w;
		if (size_suffix(s, &len, &size) != 0 ||
		    (len > 0 && (s[0] != ':' ||
		    parse_uint(s + 1, len - 1, &v) != 0)))
			return fs_error_set(err, FS_E_VALUE,
			    "%s: expected true or false, then optionally :VALUE and /SIZE",
			    fs_type_name(type));
		goto add;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].op);

		if (len >= n && memcmp(s, ops[i].op, n) == 0) {
			bits = ops[i].bits;
			s += n;
			len -= n;
			break;
		}
	}
	if (size_suffix(s, &len, &size) != 0)
		return fs_error_set(err, FS_E_VALUE,
		    "%s: bad value size after '/'; expected 1, 2, 4 or 8 octets",
		    fs_type_name(type));
	if (parse_uint(s, len, &v) == 0 || named_value(type, s, len, &v) == 0)
		goto add;
	/* A-B is sugar for >=A&<=B; only without an operator in front. */
	dash = memchr(s, '-', len);
	if (i == sizeof(ops) / sizeof(ops[0]) && dash != NULL && size == 0 &&
	    parse_uint(s, (size_t)(dash - s), &v) == 0 &&
	    parse_uint(dash + 1, (size_t)(s + len - dash - 1), &hi) == 0) {
		if (fs_rule_add_term(r, andbit | FS_NUM_GT | FS_NUM_EQ, v, 0) != 0 ||
		    fs_rule_add_term(r, FS_OP_AND | FS_NUM_LT | FS_NUM_EQ, hi, 0) != 0)
			return fs_error_set(err, FS_E_NOMEM, "out of memory");
		return 0;
	}
	return fs_error_set(err, FS_E_VALUE,
	    "%s: \"%.*s\" is not a value; expected a number%s, optionally "
	    "after == > >= < <= != and followed by /SIZE", fs_type_name(type),
	    (int)len, s, type == FS_PROTO ? " or a protocol name (tcp, udp, icmp, gre...)" : "");
add:
	if (size != 0 && fs_value_min_size(v) > size)
		return fs_error_set(err, FS_E_VALUE,
		    "%s: %llu does not fit in %u octet%s", fs_type_name(type),
		    (unsigned long long)v, size, size > 1 ? "s" : "");
	if (fs_rule_add_term(r, andbit | bits, v, size) != 0)
		return fs_error_set(err, errno == ENOMEM ? FS_E_NOMEM : FS_E_VALUE,
		    "%s: cannot add the term", fs_type_name(type));
	return 0;
}

/* Returns 0 once one bitmask piece ("=S", "!ack", "syn|ack", "0x12/2") is added. */
static int
bitmask_piece(struct fs_rule *r, unsigned type, const char *s, size_t len,
    uint8_t andbit, struct fs_error *err)
{
	uint8_t bits = 0, size;
	uint64_t v;

	if (len >= 2 && s[0] == '!' && s[1] == '=') {
		bits = FS_BM_NOT | FS_BM_MATCH;
		s += 2, len -= 2;
	} else if (len >= 1 && s[0] == '!') {
		bits = FS_BM_NOT;
		s++, len--;
	} else if (len >= 1 && s[0] == '=') {
		bits = FS_BM_MATCH;
		s++, len--;
	}
	if (size_suffix(s, &len, &size) != 0)
		return fs_error_set(err, FS_E_VALUE,
		    "%s: bad value size after '/'; expected 1, 2, 4 or 8 octets",
		    fs_type_name(type));
	if (bitmask_value(type, s, len, &v) != 0)
		return fs_error_set(err, FS_E_VALUE,
		    "%s: \"%.*s\" is not a value; expected %s, optionally after = ! or !=",
		    fs_type_name(type), (int)len, s, type == FS_TCP_FLAGS ?
		    "flag names joined by | (syn|ack), letters (SA) or a number (0x12)" :
		    "dont-fragment, is-fragment, first-fragment, last-fragment, "
		    "not-a-fragment (joined by |) or a number");
	if (size != 0 && fs_value_min_size(v) > size)
		return fs_error_set(err, FS_E_VALUE, "%s: %llu does not fit in %u octets",
		    fs_type_name(type), (unsigned long long)v, size);
	if (fs_rule_add_term(r, andbit | bits, v, size) != 0)
		return fs_error_set(err, errno == ENOMEM ? FS_E_NOMEM : FS_E_VALUE,
		    "%s: cannot add the term", fs_type_name(type));
	return 0;
}

int
fs_parse_term(struct fs_rule *r, unsigned type, const char *tok, size_t len,
    bool first, struct fs_error *err)
{
	size_t p = 0;
	bool andnext = false;

	if (r == NULL || tok == NULL || fs_type_kind(type) == FS_KIND_PREFIX)
		return fs_error_set(err, FS_E_VALUE, "bad arguments");
	if (err)
		err->column = 1;
	if (len > 0 && tok[0] == '&') {
		if (first)
			return fs_error_set(err, FS_E_SYNTAX,
			    "%s: the first term cannot start with &: there is "
			    "nothing before it to AND with", fs_type_name(type));
		andnext = true;
		p = 1;
	}
	while (p <= len) {
		const char *amp = memchr(tok + p, '&', len - p);
		size_t end = amp ? (size_t)(amp - tok) : len;
		uint8_t andbit = andnext ? FS_OP_AND : 0;
		int rc;

		if (err)
			err->column = (unsigned)p + 1;
		if (fs_type_kind(type) == FS_KIND_BITMASK)
			rc = bitmask_piece(r, type, tok + p, end - p, andbit, err);
		else
			rc = numeric_piece(r, type, tok + p, end - p, andbit, err);
		if (rc != 0)
			return -1;
		if (amp == NULL)
			break;
		andnext = true;
		p = end + 1;
	}
	return 0;
}

int
fs_parse_prefix(const char *tok, size_t len, int family, struct fs_prefix *p,
    int *family_out, struct fs_error *err)
{
	char addr[64];
	const char *slash;
	size_t alen;
	int fam;
	uint64_t plen;
	unsigned maxlen;

	if (tok == NULL || p == NULL)
		return fs_error_set(err, FS_E_VALUE, "bad arguments");
	memset(p, 0, sizeof(*p));
	slash = memchr(tok, '/', len);
	alen = slash ? (size_t)(slash - tok) : len;
	if (alen == 0 || alen >= sizeof(addr))
		return fs_error_set(err, FS_E_VALUE,
		    "\"%.*s\" is not a prefix; expected ADDRESS/LENGTH",
		    (int)len, tok);
	memcpy(addr, tok, alen);
	addr[alen] = '\0';
	fam = memchr(addr, ':', alen) ? FS_IPV6 : FS_IPV4;
	if (inet_pton(fam == FS_IPV6 ? AF_INET6 : AF_INET, addr, p->addr) != 1)
		return fs_error_set(err, FS_E_VALUE,
		    "\"%s\" is not an %s address", addr,
		    fam == FS_IPV6 ? "IPv6" : "IPv4");
	if (family != 0 && family != fam)
		return fs_error_set(err, FS_E_FAMILY,
		    "%s is an %s address in an %s rule", addr,
		    fam == FS_IPV6 ? "IPv6" : "IPv4",
		    family == FS_IPV6 ? "IPv6" : "IPv4");
	maxlen = fam == FS_IPV6 ? 128 : 32;
	plen = maxlen;
	if (slash != NULL &&
	    (parse_uint(slash + 1, (size_t)(tok + len - slash - 1), &plen) != 0 ||
	    plen > maxlen))
		return fs_error_set(err, FS_E_VALUE,
		    "bad prefix length \"%.*s\"; expected 0 to %u",
		    (int)(tok + len - slash - 1), slash + 1, maxlen);
	p->len = (uint8_t)plen;
	for (unsigned i = p->len; i < 128; i++)
		p->addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	if (family_out)
		*family_out = fam;
	return 0;
}

/* Returns 0 once the action at toks[*i] (and its arguments) is added to r. */
static int
parse_action(struct fs_rule *r, const struct token *toks, size_t ntoks,
    size_t *i, struct fs_error *err)
{
	const struct token *t = &toks[*i];
	const struct token *arg = *i + 1 < ntoks ? &toks[*i + 1] : NULL;
	struct fs_action a;
	uint64_t n, local;
	char buf[64];

	err->column = t->col;
	if (tok_is(t, "accept"))
		return 0;
	if (tok_is(t, "discard")) {
		fs_ec_rate(&a, false, 0, 0.0f);
		goto add;
	}
	if (!tok_is(t, "rate-limit") && !tok_is(t, "rate-limit-packets") &&
	    !tok_is(t, "mark") && !tok_is(t, "action") && !tok_is(t, "ext") &&
	    !tok_is(t, "redirect"))
		return fs_error_set(err, FS_E_SYNTAX,
		    "unknown action \"%.*s\"; expected discard, accept, rate-limit, "
		    "rate-limit-packets, redirect, mark, action or ext",
		    (int)t->len, t->s);
	if (arg == NULL)
		return fs_error_set(err, FS_E_SYNTAX, "%.*s needs an argument",
		    (int)t->len, t->s);
	err->column = arg->col;
	(*i)++;
	if (tok_is(t, "rate-limit") || tok_is(t, "rate-limit-packets")) {
		char *end;
		double rate;
		uint64_t asn = 0;

		if (arg->len >= sizeof(buf))
			return fs_error_set(err, FS_E_VALUE, "rate too long");
		memcpy(buf, arg->s, arg->len);
		buf[arg->len] = '\0';
		errno = 0;
		rate = strtod(buf, &end);
		if (errno != 0 || *end != '\0' || !(rate >= 0) || isinf((float)rate) ||
		    !isdigit((unsigned char)buf[0]))
			return fs_error_set(err, FS_E_VALUE,
			    "\"%s\" is not a rate; expected a number of %s per second",
			    buf, tok_is(t, "rate-limit") ? "bytes" : "packets");
		if (*i + 2 < ntoks && tok_is(&toks[*i + 1], "as")) {
			err->column = toks[*i + 2].col;
			if (parse_uint(toks[*i + 2].s, toks[*i + 2].len, &asn) != 0 ||
			    asn > 0xffff)
				return fs_error_set(err, FS_E_VALUE,
				    "the AS of a traffic-rate is 2 octets: expected 0 to 65535");
			*i += 2;
		}
		fs_ec_rate(&a, tok_is(t, "rate-limit-packets"), (uint16_t)asn,
		    (float)rate);
		if (fs_ec_is_discard(&a))
			r->spelled |= FS_SPELLED_RATE_ZERO;
		goto add;
	}
	if (tok_is(t, "mark")) {
		if (parse_uint(arg->s, arg->len, &n) != 0 || n > 63)
			return fs_error_set(err, FS_E_VALUE,
			    "mark takes a DSCP value from 0 to 63");
		fs_ec_mark(&a, (uint8_t)n);
		goto add;
	}
	if (tok_is(t, "action")) {
		if (tok_is(arg, "sample"))
			fs_ec_traffic_action(&a, true, false);
		else if (tok_is(arg, "terminal"))
			fs_ec_traffic_action(&a, false, true);
		else if (tok_is(arg, "sample-terminal") || tok_is(arg, "sample|terminal"))
			fs_ec_traffic_action(&a, true, true);
		else if (tok_is(arg, "none"))
			fs_ec_traffic_action(&a, false, false);
		else
			return fs_error_set(err, FS_E_VALUE,
			    "expected sample, terminal or sample-terminal after action");
		goto add;
	}
	if (tok_is(t, "ext")) {
		if (fs_ec_from_hex(&a, arg->s, arg->len) != 0)
			return fs_error_set(err, FS_E_EXT_COMMUNITY,
			    "ext takes an extended community as 16 hex digits");
		goto add;
	}
	/* The only action left: redirect. */
	{
		const char *colon = memrchr(arg->s, ':', arg->len);
		size_t hlen = colon ? (size_t)(colon - arg->s) : 0;
		uint8_t ip[4];
		bool as4 = false;

		if (colon == NULL || hlen == 0 || hlen >= sizeof(buf) ||
		    parse_uint(colon + 1, (size_t)(arg->s + arg->len - colon - 1),
		    &local) != 0)
			return fs_error_set(err, FS_E_VALUE,
			    "redirect takes a route target ASN:VALUE, ASNL:VALUE or IPv4:VALUE");
		memcpy(buf, arg->s, hlen);
		buf[hlen] = '\0';
		if (inet_pton(AF_INET, buf, ip) == 1) {
			if (local > 0xffff)
				return fs_error_set(err, FS_E_VALUE,
				    "the value of an IPv4 route target is 2 octets: 0 to 65535");
			fs_ec_redirect_ip4(&a, ip, (uint16_t)local);
			goto add;
		}
		if (buf[hlen - 1] == 'L') {
			as4 = true;
			buf[--hlen] = '\0';
		}
		if (parse_uint(buf, hlen, &n) != 0 || n > 0xffffffffu)
			return fs_error_set(err, FS_E_VALUE,
			    "\"%s\" is not an AS number or an IPv4 address", buf);
		if (as4 || n > 0xffff) {
			if (local > 0xffff)
				return fs_error_set(err, FS_E_VALUE,
				    "with a 4-octet AS the value is 2 octets: 0 to 65535");
			fs_ec_redirect_as4(&a, (uint32_t)n, (uint16_t)local);
		} else {
			if (local > 0xffffffffu)
				return fs_error_set(err, FS_E_VALUE,
				    "the value of a 2-octet-AS route target is 0 to 4294967295");
			fs_ec_redirect_as2(&a, (uint16_t)n, (uint32_t)local);
		}
	}
add:
	if (fs_rule_add_action(r, a.ec) != 0)
		return fs_error_set(err, FS_E_NOMEM, "out of memory");
	return 0;
}

/* Clears the address bits of `p` below its offset: the wire does not carry them. */
static void
clear_below_offset(struct fs_prefix *p)
{
	for (unsigned i = 0; i < p->offset; i++)
		p->addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/* Returns 0 once the prefix component at toks[*i] (and an offset) is added. */
static int
parse_prefix_component(struct fs_rule *r, unsigned type, const struct token *toks,
    size_t ntoks, size_t *i, int *family, bool forced, struct fs_error *err)
{
	struct fs_prefix p;
	int fam = 0;
	uint64_t off;

	if (*i >= ntoks)
		return fs_error_set(err, FS_E_SYNTAX,
		    "%s needs a prefix; expected ADDRESS/LENGTH", fs_type_name(type));
	err->column = toks[*i].col;
	if (fs_parse_prefix(toks[*i].s, toks[*i].len, forced || *family ? *family : 0,
	    &p, &fam, err) != 0)
		return -1;
	(*i)++;
	if (*i < ntoks && tok_is(&toks[*i], "offset")) {
		err->column = toks[*i].col;
		if (fam != FS_IPV6)
			return fs_error_set(err, FS_E_FAMILY,
			    "offset exists only for IPv6 prefixes (RFC 8956)");
		if (*i + 1 >= ntoks) {
			err->column = toks[*i].col + (unsigned)toks[*i].len + 1;
			return fs_error_set(err, FS_E_SYNTAX,
			    "offset needs a number of bits");
		}
		err->column = toks[*i + 1].col;
		if (parse_uint(toks[*i + 1].s, toks[*i + 1].len, &off) != 0 ||
		    off > p.len)
			return fs_error_set(err, FS_E_VALUE,
			    "offset must be a number from 0 to the prefix length %u",
			    p.len);
		p.offset = (uint8_t)off;
		clear_below_offset(&p);
		*i += 2;
	}
	*family = fam;
	r->family = (uint8_t)fam;
	if (fs_rule_add_prefix(r, type, &p) != 0)
		return fs_error_set(err, errno == EEXIST ? FS_E_DUPLICATE : FS_E_NOMEM,
		    errno == EEXIST ? "%s given twice in one rule" : "out of memory",
		    fs_type_name(type));
	return 0;
}

#define MAX_TOKENS 4096

int
fs_parse_rule(const char *text, size_t len, int family, struct fs_rule *out,
    struct fs_error *err)
{
	struct fs_error scratch;
	struct token *toks;
	size_t ntoks = 0, pos = 0, i;
	int fam = family;
	int rc = -1;

	if (err == NULL)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	if (text == NULL || out == NULL)
		return fs_error_set(err, FS_E_VALUE, "bad arguments");
	{
		struct token t;

		while (next_token(text, len, &pos, &t))
			ntoks++;
	}
	if (ntoks > MAX_TOKENS) {
		err->column = 1;
		return fs_error_set(err, FS_E_SYNTAX,
		    "more than %d words in one rule", MAX_TOKENS);
	}
	toks = calloc(ntoks ? ntoks : 1, sizeof(*toks));
	if (toks == NULL)
		return fs_error_set(err, FS_E_NOMEM, "out of memory");
	fs_rule_clear(out, family ? family : FS_IPV4);
	for (pos = 0, i = 0; i < ntoks; i++)
		next_token(text, len, &pos, &toks[i]);
	err->column = 1;
	if (ntoks == 0 || !tok_is(&toks[0], "match")) {
		if (ntoks)
			err->column = toks[0].col;
		fs_error_set(err, FS_E_SYNTAX, "expected \"match\" to start a rule");
		goto out;
	}
	for (i = 1; i < ntoks && !tok_is(&toks[i], "then");) {
		const struct token *t = &toks[i];
		unsigned type = fs_type_by_name(t->s, t->len);
		unsigned nterms = 0;

		err->column = t->col;
		if (type == 0) {
			fs_error_set(err, FS_E_SYNTAX,
			    "unknown component \"%.*s\"; expected destination, "
			    "source, protocol, port, destination-port, source-port, "
			    "icmp-type, icmp-code, tcp-flags, packet-length, dscp, "
			    "fragment, flow-label or then", (int)t->len, t->s);
			goto out;
		}
		i++;
		if (fs_type_kind(type) == FS_KIND_PREFIX) {
			if (parse_prefix_component(out, type, toks, ntoks, &i, &fam,
			    family != 0, err) != 0)
				goto out;
			continue;
		}
		if (type == FS_FLOW_LABEL) {
			if (fam == FS_IPV4) {
				fs_error_set(err, FS_E_FAMILY,
				    "flow-label exists only in IPv6 rules");
				goto out;
			}
			fam = FS_IPV6;
			out->family = FS_IPV6;
		}
		if (fs_rule_add_component(out, type) != 0) {
			fs_error_set(err, errno == EEXIST ? FS_E_DUPLICATE : FS_E_NOMEM,
			    "%s given twice in one rule; put all its terms after one %s",
			    fs_type_name(type), fs_type_name(type));
			goto out;
		}
		while (i < ntoks && !tok_is(&toks[i], "then") &&
		    fs_type_by_name(toks[i].s, toks[i].len) == 0) {
			if (fs_parse_term(out, type, toks[i].s, toks[i].len,
			    nterms == 0, err) != 0) {
				err->column += toks[i].col - 1;
				goto out;
			}
			nterms++;
			i++;
		}
		if (nterms == 0) {
			fs_error_set(err, FS_E_SYNTAX,
			    "%s needs at least one term, such as ==6 or >=1024&<=2047",
			    fs_type_name(type));
			goto out;
		}
	}
	if (out->ncomp == 0) {
		err->column = i < ntoks ? toks[i].col : (unsigned)len + 1;
		fs_error_set(err, FS_E_SYNTAX,
		    "a rule needs at least one component after match");
		goto out;
	}
	if (i < ntoks) {	/* then */
		size_t first = ++i;

		for (; i < ntoks; i++)
			if (parse_action(out, toks, ntoks, &i, err) != 0)
				goto out;
		if (first == ntoks) {
			err->column = toks[ntoks - 1].col;
			fs_error_set(err, FS_E_SYNTAX,
			    "expected an action after then");
			goto out;
		}
	}
	fs_rule_sort(out);
	rc = 0;
out:
	free(toks);
	if (rc != 0)
		fs_rule_clear(out, out->family);
	return rc;
}
