/*
 * text_print.c - canonical one-line syntax.
 *
 * Canonical means: components in type order, explicit operators, AND-ed
 * terms joined by &, a /SIZE suffix only where the size is not the
 * smallest.  Parsing what this prints encodes to the same octets.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomm.h"
#include "text.h"

/* Appends printf output to buf[*len..cap), counting what did not fit. */
static void __attribute__((format(printf, 4, 5)))
append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*len < cap ? buf + *len : NULL, *len < cap ? cap - *len : 0,
	    fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n;
}

static const char *
numeric_op(uint8_t op)
{
	switch (op & (FS_NUM_LT | FS_NUM_GT | FS_NUM_EQ)) {
	case FS_NUM_EQ: return "==";
	case FS_NUM_GT: return ">";
	case FS_NUM_GT | FS_NUM_EQ: return ">=";
	case FS_NUM_LT: return "<";
	case FS_NUM_LT | FS_NUM_EQ: return "<=";
	case FS_NUM_LT | FS_NUM_GT: return "!=";
	case 0: return "false";
	default: return "true";
	}
}

static void
print_bitmask_value(char *buf, size_t cap, size_t *len, unsigned type,
    uint64_t v)
{
	static const char *const frag[] = { "dont-fragment", "is-fragment",
	    "first-fragment", "last-fragment" };

	if (type == FS_TCP_FLAGS && v != 0 && v <= 0xff) {
		for (unsigned i = 0; i < 8; i++)
			if (v & (1u << i))
				append(buf, cap, len, "%c", "FSRPAUEC"[i]);
		return;
	}
	if (type == FS_FRAGMENT && v <= 0x0f) {
		bool first = true;

		if (v == 0) {
			append(buf, cap, len, "not-a-fragment");
			return;
		}
		for (unsigned i = 0; i < 4; i++)
			if (v & (1u << i)) {
				append(buf, cap, len, "%s%s", first ? "" : "|", frag[i]);
				first = false;
			}
		return;
	}
	append(buf, cap, len, "0x%llx", (unsigned long long)v);
}

static void
print_terms(char *buf, size_t cap, size_t *len, const struct fs_rule *r,
    const struct fs_component *c)
{
	bool bitmask = fs_type_kind(c->type) == FS_KIND_BITMASK;

	for (unsigned i = 0; i < c->count; i++) {
		const struct fs_term *t = &r->terms[c->first + i];
		uint8_t cmp = t->op & (FS_NUM_LT | FS_NUM_GT | FS_NUM_EQ);

		if (i > 0)
			append(buf, cap, len, "%s", t->op & FS_OP_AND ? "&" : " ");
		if (bitmask) {
			static const char *const bmop[] = { "", "=", "!", "!=" };

			append(buf, cap, len, "%s", bmop[t->op & 3]);
			print_bitmask_value(buf, cap, len, c->type, t->value);
		} else if (cmp == 0 || cmp == 7) {
			append(buf, cap, len, "%s", numeric_op(t->op));
			if (t->value != 0)
				append(buf, cap, len, ":%llu",
				    (unsigned long long)t->value);
		} else {
			const char *name = c->type == FS_PROTO &&
			    (cmp == FS_NUM_EQ || cmp == (FS_NUM_LT | FS_NUM_GT)) ?
			    fs_protocol_name((unsigned)t->value) : NULL;

			append(buf, cap, len, "%s", numeric_op(t->op));
			if (name != NULL && t->value <= 0xff)
				append(buf, cap, len, "%s", name);
			else
				append(buf, cap, len, "%llu",
				    (unsigned long long)t->value);
		}
		/* A size that is not the smallest must survive the round trip. */
		if (t->size != 0 && t->size != fs_value_min_size(t->value))
			append(buf, cap, len, "/%u", t->size);
	}
}

static void
print_prefix(char *buf, size_t cap, size_t *len, int family,
    const struct fs_prefix *p)
{
	char addr[INET6_ADDRSTRLEN];

	inet_ntop(family == FS_IPV6 ? AF_INET6 : AF_INET, p->addr, addr,
	    sizeof(addr));
	append(buf, cap, len, "%s/%u", addr, p->len);
	if (p->offset)
		append(buf, cap, len, " offset %u", p->offset);
}

int
fs_print_component(const struct fs_rule *r, unsigned idx, char *buf, size_t cap)
{
	size_t len = 0;

	if (r == NULL || idx >= r->ncomp)
		return -1;
	if (cap > 0)
		buf[0] = '\0';
	if (fs_type_kind(r->comp[idx].type) == FS_KIND_PREFIX)
		print_prefix(buf, cap, &len, r->family, &r->comp[idx].prefix);
	else
		print_terms(buf, cap, &len, r, &r->comp[idx]);
	return (int)len;
}

int
fs_print_rule(const struct fs_rule *r, char *buf, size_t cap)
{
	size_t len = 0;

	if (r == NULL)
		return -1;
	if (cap > 0)
		buf[0] = '\0';
	append(buf, cap, &len, "match");
	for (unsigned i = 0; i < r->ncomp; i++) {
		const struct fs_component *c = &r->comp[i];

		append(buf, cap, &len, " %s ", fs_type_name(c->type));
		if (fs_type_kind(c->type) == FS_KIND_PREFIX)
			print_prefix(buf, cap, &len, r->family, &c->prefix);
		else
			print_terms(buf, cap, &len, r, c);
	}
	for (unsigned i = 0; i < r->nactions; i++) {
		char act[96];

		fs_ec_print(&r->actions[i], act, sizeof(act));
		append(buf, cap, &len, "%s%s", i == 0 ? " then " : " ", act);
	}
	return (int)len;
}

char *
fs_print_rule_alloc(const struct fs_rule *r)
{
	int n = fs_print_rule(r, NULL, 0);
	char *text;

	if (n < 0 || (text = malloc((size_t)n + 1)) == NULL)
		return NULL;
	fs_print_rule(r, text, (size_t)n + 1);
	return text;
}
