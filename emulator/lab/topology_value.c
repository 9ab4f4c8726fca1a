/*
 * topology_value.c - the scalars of a topology file: names, interface
 * names, numbers, sizes, CPU counts and IPv4 subnets, first as strings,
 * then as settings with their checks and messages.  Each parser takes
 * the whole string or nothing: no trailing text, no sign, no leading
 * zero (YAML 1.1 would read 010 as octal; we would not, so we refuse it).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "topology_int.h"

/* Returns whether s is a lab or node name: 1..15 of [A-Za-z0-9_-]. */
bool
tp_valid_name(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		char ch = s[n];

		if (n >= LAB_NAME_MAX)
			return false;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return false;
	}
	return n > 0;
}

/*
 * Returns NULL if s can name a node's interface, else what is wrong.
 * The kernel's own rule (dev_valid_name), plus control characters, and
 * the two names a node already has: lo, and fc0 for the controller link.
 */
const char *
tp_ifname_problem(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return "is empty";
	if (n > LAB_IFNAME_MAX)
		return "is longer than 15 characters";
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return "is not a name";
	if (strcmp(s, "lo") == 0)
		return "is the loopback's name";
	if (strcmp(s, LAB_CTL_IFNAME) == 0)
		return "is reserved for the controller link";
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '/' || ch == ':')
			return "contains '/' or ':'";
		if (ch == ' ' || (ch >= '\t' && ch <= '\r'))
			return "contains white space";
		if (ch < 0x20 || ch == 0x7f)
			return "contains a control character";
	}
	return NULL;
}

/* Returns the length of the run of digits at s: 0 if none, or a leading zero. */
static size_t
digits(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n > 1 && s[0] == '0')
		return 0;
	return n;
}

/* Returns 0 with the decimal number in s[0..n) in *v, or -1 on overflow. */
static int
decimal(const char *s, size_t n, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (x > (max - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* Returns 0 and the whole decimal number s in *v (0..4294967295), or -1. */
int
tp_parse_u32(const char *s, uint32_t *v)
{
	size_t n = digits(s);
	uint64_t x;

	if (n == 0 || s[n] != '\0' || decimal(s, n, UINT32_MAX, &x) != 0)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static const struct {
	const char *unit;
	uint64_t mult;
} size_units[] = {
	{ "", 1 }, { "B", 1 },
	{ "K", 1ull << 10 }, { "KB", 1000 }, { "KiB", 1ull << 10 },
	{ "M", 1ull << 20 }, { "MB", 1000000 }, { "MiB", 1ull << 20 },
	{ "G", 1ull << 30 }, { "GB", 1000000000 }, { "GiB", 1ull << 30 },
};

/* Returns 0 with the size s in bytes, or -1 (see topology.h). */
int
lab_parse_size(const char *s, uint64_t *bytes)
{
	const char *unit;
	size_t n;
	uint64_t v;

	if (s == NULL || bytes == NULL || (n = digits(s)) == 0 ||
	    decimal(s, n, UINT64_MAX, &v) != 0)
		return -1;
	/* One space may part number and unit, as people write "256 MiB". */
	unit = s + n;
	if (unit[0] == ' ' && unit[1] != '\0')
		unit++;
	for (size_t i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++) {
		if (strcasecmp(unit, size_units[i].unit) != 0)
			continue;
		if (v > UINT64_MAX / size_units[i].mult)
			return -1;
		*bytes = v * size_units[i].mult;
		return 0;
	}
	return -1;
}

/* Returns 0 with "2", "0.5" (three decimals at most) or "1500m" in millis, or -1. */
int
lab_parse_cpus(const char *s, unsigned *millis)
{
	size_t n, f;
	uint64_t whole, frac = 0;

	if (s == NULL || millis == NULL || (n = digits(s)) == 0 ||
	    decimal(s, n, UINT_MAX, &whole) != 0)
		return -1;
	if (s[n] == 'm' && s[n + 1] == '\0') {
		*millis = (unsigned)whole;
		return 0;
	}
	if (s[n] == '.') {
		for (f = 0; s[n + 1 + f] >= '0' && s[n + 1 + f] <= '9'; f++)
			if (f >= 3)
				return -1;
		if (f == 0 || s[n + 1 + f] != '\0')
			return -1;
		for (size_t i = 0; i < 3; i++)
			frac = frac * 10 + (i < f ? (uint64_t)(s[n + 1 + i] - '0') : 0);
	} else if (s[n] != '\0') {
		return -1;
	}
	if (whole > (UINT_MAX - frac) / 1000)
		return -1;
	*millis = (unsigned)(whole * 1000 + frac);
	return 0;
}

/* Returns 0 with "A.B.C.D/P" (P 0..32) in *addr and *plen, or -1. */
int
tp_parse_cidr(const char *s, uint32_t *addr, uint8_t *plen)
{
	uint32_t a = 0;
	uint64_t v;
	size_t n;

	for (int i = 0; i < 4; i++) {
		n = digits(s);
		if (n == 0 || n > 3 || decimal(s, n, 255, &v) != 0)
			return -1;
		a = a << 8 | (uint32_t)v;
		s += n;
		if (*s != (i < 3 ? '.' : '/'))
			return -1;
		s++;
	}
	n = digits(s);
	if (n == 0 || n > 2 || s[n] != '\0' || decimal(s, n, 32, &v) != 0)
		return -1;
	*addr = a;
	*plen = (uint8_t)v;
	return 0;
}

/* Returns nothing; buf gets the dotted quad of a host-order address. */
void
tp_fmt_ip(uint32_t addr, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
	    (addr >> 8) & 0xff, addr & 0xff);
}

/* Returns nothing; buf gets a size for people: "23.4 GiB", "512.0 MiB". */
void
tp_fmt_bytes(uint64_t bytes, char *buf, size_t cap)
{
	if (bytes >= 1ull << 30)
		snprintf(buf, cap, "%.1f GiB", (double)bytes / (1ull << 30));
	else if (bytes >= 1ull << 20)
		snprintf(buf, cap, "%.1f MiB", (double)bytes / (1ull << 20));
	else
		snprintf(buf, cap, "%llu bytes", (unsigned long long)bytes);
}

/* The settings' keys, in enum tp_field order. */
static const char *const field_names[TP_F_COUNT] = { "kind", "asn", "memory",
	"memory-budget", "cpus", "route-reflector" };

/* Returns 0 with a kind in v->kind, or -1. */
static int
read_kind(struct tp_ctx *c, const yaml_node_t *n, const char *s,
    struct tp_vals *v)
{
	char q[80];
	int k = lab_kind_parse(s);

	if (k < 0)
		return tp_fail(c, LAB_E_UNKNOWN_KIND, tp_at(n),
		    "unknown kind %s; expected one of " TP_KINDS,
		    tp_quote(s, q, sizeof(q)));
	v->kind = (enum lab_kind)k;
	return 0;
}

/* Returns 0 with a size in *bytes, or -1 naming `key`. */
static int
read_size(struct tp_ctx *c, const yaml_node_t *n, const char *key,
    const char *s, uint64_t *bytes)
{
	char q[80];

	if (lab_parse_size(s, bytes) != 0)
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "%s %s is not a size: expected a whole number of bytes, "
		    "or one with K, KiB, KB, M, MiB, MB, G, GiB or GB",
		    key, tp_quote(s, q, sizeof(q)));
	return 0;
}

/* Returns 0 with a memory limit in v, or -1 if it is too small or too big. */
static int
read_memory(struct tp_ctx *c, const yaml_node_t *n, const char *s,
    struct tp_vals *v)
{
	char host[32];

	if (read_size(c, n, "memory", s, &v->memory) != 0)
		return -1;
	/* s parsed, so it is digits, one space and a unit: safe to print. */
	if (v->memory != 0 && v->memory < TP_MEMORY_MIN)
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "memory %s is less than 1 MiB (0 is no limit)", s);
	if (c->host_memory != 0 && v->memory > c->host_memory) {
		tp_fmt_bytes(c->host_memory, host, sizeof(host));
		return tp_fail(c, LAB_E_LIMIT, tp_at(n),
		    "memory %s is more than this host's %s", s, host);
	}
	return 0;
}

/* Returns 0 with a CPU count in v, or -1. */
static int
read_cpus(struct tp_ctx *c, const yaml_node_t *n, const char *s,
    struct tp_vals *v)
{
	char q[80];

	if (lab_parse_cpus(s, &v->cpus) != 0)
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "cpus %s is not a CPU count: expected e.g. 1, 0.5 or 1500m",
		    tp_quote(s, q, sizeof(q)));
	if (v->cpus == 0)
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "cpus %s: expected more than 0", s);
	if (c->host_cpus != 0 && v->cpus > (uint64_t)c->host_cpus * 1000)
		return tp_fail(c, LAB_E_LIMIT, tp_at(n),
		    "cpus %s is more than this host's %u", s, c->host_cpus);
	return 0;
}

/* Returns 0 with true or false in *b, or -1. */
static int
read_bool(struct tp_ctx *c, const yaml_node_t *n, const char *key,
    const char *s, bool *b)
{
	char q[80];

	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
	    strcmp(s, "TRUE") == 0)
		*b = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
	    strcmp(s, "FALSE") == 0)
		*b = false;
	else
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "%s %s: expected true or false", key,
		    tp_quote(s, q, sizeof(q)));
	return 0;
}

/* Returns 0 with an AS number in *asn, or -1. */
int
tp_read_asn(struct tp_ctx *c, const yaml_node_t *n, const char *s, uint32_t *asn)
{
	char q[80];

	if (tp_parse_u32(s, asn) != 0 || *asn == 0)
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "asn %s: expected a number from 1 to 4294967295",
		    tp_quote(s, q, sizeof(q)));
	return 0;
}

/* Returns 0 with one setting of a node or of the defaults in v, or -1. */
int
tp_read_setting(struct tp_ctx *c, enum tp_field f, const yaml_node_t *n,
    const char *path, struct tp_vals *v)
{
	char what[96];
	const char *s;
	int r = -1;

	snprintf(what, sizeof(what), "%s.%s", path, field_names[f]);
	if (tp_scalar(c, n, what, &s) != 0)
		return -1;
	switch (f) {
	case TP_F_KIND:
		r = read_kind(c, n, s, v);
		break;
	case TP_F_ASN:
		r = tp_read_asn(c, n, s, &v->asn);
		break;
	case TP_F_MEMORY:
		r = read_memory(c, n, s, v);
		break;
	case TP_F_BUDGET:
		r = read_size(c, n, "memory-budget", s, &v->budget);
		break;
	case TP_F_CPUS:
		r = read_cpus(c, n, s, v);
		break;
	case TP_F_RR:
		r = read_bool(c, n, "route-reflector", s, &v->rr);
		break;
	case TP_F_COUNT:
		break;
	}
	if (r != 0)
		return -1;
	v->set[f] = true;
	v->at[f] = tp_at(n);
	v->text[f] = s;
	return 0;
}

/* Returns 0 with a /30 pool (controller.subnet, link-subnet) in *pool, or -1. */
int
tp_read_pool(struct tp_ctx *c, const yaml_node_t *n, const char *what,
    struct tp_pool *pool)
{
	char q[80], ip[16];
	const char *s;
	uint32_t addr, mask;
	uint8_t plen;

	if (tp_scalar(c, n, what, &s) != 0)
		return -1;
	if (tp_parse_cidr(s, &addr, &plen) != 0)
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "%s %s: expected an IPv4 subnet A.B.C.D/LENGTH", what,
		    tp_quote(s, q, sizeof(q)));
	if (plen > 30)
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "%s %s: expected a prefix length of 30 or less; "
		    "addresses are handed out as /30s", what, s);
	mask = plen == 0 ? 0 : ~0u << (32 - plen);
	if ((addr & ~mask) != 0) {
		tp_fmt_ip(addr & mask, ip, sizeof(ip));
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "%s %s has host bits set; expected %s/%u", what, s, ip,
		    plen);
	}
	pool->base = addr;
	pool->plen = plen;
	pool->given = true;
	pool->at = tp_at(n);
	return 0;
}
