/*
 * bird_view.c - BIRD 2.0.12's flow syntax, rendered and read.
 *
 * The rendering follows lib/flowspec.c of BIRD 2.0 (net_format_flow and
 * its helpers) and the grammar of conf/flowspec.Y, checked against what
 * BIRD 2.0.12 (Debian 12) printed for the vectors.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bird_view.h"
#include "flowspec/ecomm.h"

/* flow4_type_str / flow6_type_str */
static const char *
type_name(unsigned type, bool ipv6)
{
	static const char *const v[FS_TYPE_MAX + 1] = {
		[FS_DST] = "dst", [FS_SRC] = "src", [FS_PROTO] = "proto",
		[FS_PORT] = "port", [FS_DPORT] = "dport", [FS_SPORT] = "sport",
		[FS_ICMP_TYPE] = "icmp type", [FS_ICMP_CODE] = "icmp code",
		[FS_TCP_FLAGS] = "tcp flags", [FS_PKT_LEN] = "length",
		[FS_DSCP] = "dscp", [FS_FRAGMENT] = "fragment", [FS_FLOW_LABEL] = "label",
	};
	if (ipv6 && type == FS_PROTO)
		return "next header";
	return type <= FS_TYPE_MAX && v[type] ? v[type] : "?";
}

/* flow4_max_value_length / flow6_max_value_length: the largest value size BIRD takes. */
static unsigned
max_value_length(unsigned type, bool ipv6)
{
	switch (type) {
	case FS_PROTO: case FS_ICMP_TYPE: case FS_ICMP_CODE: case FS_DSCP:
	case FS_FRAGMENT:
		return 1;
	case FS_PORT: case FS_DPORT: case FS_SPORT: case FS_TCP_FLAGS:
	case FS_PKT_LEN:
		return 2;
	case FS_FLOW_LABEL:
		return ipv6 ? 4 : 0;
	default:
		return 0;
	}
}

static unsigned
term_size(const struct fs_term *t)
{
	return t->size ? t->size : fs_value_min_size(t->value);
}

/* get_value(): BIRD reads 1, 2 or 4 octets; an 8-octet value reads as 0. */
static unsigned
bird_value(const struct fs_term *t)
{
	return term_size(t) == 8 ? 0 : (unsigned)t->value;
}

static const char *
num_op_str(uint8_t op)
{
	static const char *const s[8] = { "false", "=", ">", ">=", "<", "<=", "!=", "true" };
	return s[op & 7];
}

/* The number of pattern octets BIRD reads for an IPv6 prefix (flow_next_part). */
static unsigned
bird_pattern_octets(const struct fs_prefix *p)
{
	return (p->len + 7u) / 8 - p->offset / 8u;
}

/* The number of pattern octets RFC 8956 sends. */
static unsigned
rfc_pattern_octets(const struct fs_prefix *p)
{
	return (unsigned)(p->len - p->offset + 7) / 8;
}

/*
 * Appends an IPv6 prefix as BIRD shows it.  RFC 8956 sends the bits
 * offset..length of the address, left-aligned; BIRD (flow_read_ip6) copies
 * those octets to the address from octet offset/8 on, without the shift
 * by offset%8.  For an offset that is a multiple of 8 that is the
 * address; for another it is not ("::1234:5678:9a00:0/104 offset 65" shows
 * as "::2468:acf1:3400:0/104 offset 65"), and BIRD's configuration reads
 * it the same way, so the text BIRD shows is also the text that makes it
 * send the octets of the rule.
 */
static void
append_ip6(GString *s, const struct fs_prefix *p)
{
	uint8_t pattern[17] = { 0 }, addr[16] = { 0 };
	char text[INET6_ADDRSTRLEN];

	for (unsigned i = 0; i + p->offset < p->len; i++) {
		unsigned bit = p->offset + i;
		if (p->addr[bit / 8] & (0x80 >> (bit % 8)))
			pattern[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	}
	unsigned n = bird_pattern_octets(p);
	for (unsigned i = 0; i < n && p->offset / 8u + i < 16; i++)
		addr[p->offset / 8 + i] = pattern[i];
	inet_ntop(AF_INET6, addr, text, sizeof text);
	if (p->offset)
		g_string_append_printf(s, "%s/%u offset %u; ", text, p->len, p->offset);
	else
		g_string_append_printf(s, "%s/%u; ", text, p->len);
}

/* net_format_flow_num, and the configuration's variant of it. */
static bool
append_num(GString *s, const struct fs_rule *r, const struct fs_component *c,
    bool config, GString *why)
{
	const struct fs_term *t = fs_comp_terms(r, c), *last = NULL;
	bool ipv6 = r->family == FS_IPV6;

	for (unsigned i = 0; i < c->count; i++) {
		if (config) {
			/* What flow_check_cf_numeric_arg and flow_builder_add_op_val do. */
			uint64_t max = c->type == FS_DSCP ? 63 :
			    max_value_length(c->type, ipv6) == 1 ? 255 : 65535;
			unsigned want = t[i].value > 0xff ? 2 : 1;
			if (t[i].value > max) {
				if (why)
					g_string_append_printf(why, "%s value %llu is out of "
					    "the range BIRD's configuration takes",
					    type_name(c->type, ipv6),
					    (unsigned long long)t[i].value);
				return false;
			}
			if (term_size(&t[i]) != want) {
				if (why)
					g_string_append_printf(why, "BIRD writes %s value %llu "
					    "in %u octets, the rule in %u", type_name(c->type, ipv6),
					    (unsigned long long)t[i].value, want, term_size(&t[i]));
				return false;
			}
		}
		uint8_t op = t[i].op & 7;
		bool and = t[i].op & FS_OP_AND;
		if (i > 0) {
			uint8_t lop = last->op & 7;
			/* A comma in the display; the configuration reads "||" alike. */
			if (!config && !and && (op == FS_NUM_EQ || op == (FS_NUM_GT | FS_NUM_EQ)) &&
			    (lop == FS_NUM_EQ || lop == (FS_NUM_LT | FS_NUM_EQ))) {
				g_string_truncate(s, s->len - 1);
				g_string_append_c(s, ',');
			} else {
				g_string_append(s, and ? "&& " : "|| ");
			}
		}
		if (i + 1 < c->count && !and && (t[i + 1].op & FS_OP_AND) &&
		    op == (FS_NUM_GT | FS_NUM_EQ) &&
		    (t[i + 1].op & 7) == (FS_NUM_LT | FS_NUM_EQ)) {
			g_string_append_printf(s, "%u..%u", bird_value(&t[i]),
			    bird_value(&t[i + 1]));
			i++;
		} else if (op == FS_NUM_EQ) {
			/* The configuration reads a bare value only where it may OR. */
			g_string_append_printf(s, "%s%u", config && and ? "= " : "",
			    bird_value(&t[i]));
		} else {
			g_string_append_printf(s, "%s %u", num_op_str(op), bird_value(&t[i]));
		}
		g_string_append(s, i + 1 == c->count ? "; " : " ");
		last = &t[i];
	}
	return true;
}

/* net_format_flow_bitmask, and what the configuration can say of it. */
static bool
append_bitmask(GString *s, const struct fs_rule *r, const struct fs_component *c,
    bool config, GString *why)
{
	static const char *const frag[9] = { [1] = "dont_fragment",
		[2] = "is_fragment", [4] = "first_fragment", [8] = "last_fragment" };
	const struct fs_term *t = fs_comp_terms(r, c);

	for (unsigned i = 0; i < c->count; i++) {
		unsigned v = bird_value(&t[i]), m = t[i].op & 3;
		bool named = c->type == FS_FRAGMENT && (v == 1 || v == 2 || v == 4 || v == 8);
		if (config) {
			/*
			 * flow_frag_opts knows only "name" (match) and "!name"
			 * (not); flow_bmk_opts writes nothing for a mask of 0.
			 */
			const char *no = NULL;
			if (c->type == FS_FRAGMENT && (!named || (m != 1 && m != 2)))
				no = "a fragment term other than =name or !name";
			else if (v == 0)
				no = "a bitmask of 0";
			else if (v > 0xfff)
				no = "TCP flags beyond 0xfff";
			else if (term_size(&t[i]) != (v > 0xff ? 2u : 1u))
				no = "a value size BIRD would not choose";
			if (no != NULL) {
				if (why)
					g_string_append_printf(why, "BIRD's configuration cannot "
					    "write %s", no);
				return false;
			}
		}
		if (i > 0)
			g_string_append(s, t[i].op & FS_OP_AND ? "&& " : "|| ");
		/*   not match  shows
		 *    0    0    !0/B
		 *    0    1     B/B
		 *    1    0     0/B
		 *    1    1    !B/B   */
		if (m == 3 || m == 0)
			g_string_append_c(s, '!');
		if (named)
			g_string_append_printf(s, "%s%s", m & 1 ? "" : "!", frag[v]);
		else
			g_string_append_printf(s, "0x%x/0x%x", m & 1 ? v : 0, v);
		g_string_append(s, i + 1 == c->count ? "; " : " ");
	}
	return true;
}

char *
bird_render_flow(const struct fs_rule *r, bool config, GString *why)
{
	bool ipv6 = r->family == FS_IPV6;
	GString *s = g_string_new(ipv6 ? "flow6 { " : "flow4 { ");
	char text[INET6_ADDRSTRLEN];

	for (unsigned i = 0; i < r->ncomp; i++) {
		const struct fs_component *c = &r->comp[i];
		g_string_append_printf(s, "%s ", type_name(c->type, ipv6));
		bool ok = true;
		switch (fs_type_kind(c->type)) {
		case FS_KIND_PREFIX:
			if (ipv6) {
				append_ip6(s, &c->prefix);
			} else {
				inet_ntop(AF_INET, c->prefix.addr, text, sizeof text);
				g_string_append_printf(s, "%s/%u; ", text, c->prefix.len);
			}
			break;
		case FS_KIND_NUMERIC:
			ok = append_num(s, r, c, config, why);
			break;
		case FS_KIND_BITMASK:
			ok = append_bitmask(s, r, c, config, why);
			break;
		}
		if (!ok) {
			g_string_free(s, TRUE);
			return NULL;
		}
	}
	g_string_append_c(s, '}');
	/*
	 * `show route` formats a net into 257 octets: a longer flow is cut
	 * to 251 characters and " ...}" (net_format_flow).
	 */
	if (!config && s->len > 256) {
		g_string_truncate(s, 251);
		g_string_append(s, " ...}");
	}
	return g_string_free(s, FALSE);
}

/* Returns the community as BIRD shows a generic one: "(generic, 0xHI, 0xLO)". */
static char *
ec_text(const struct fs_action *a)
{
	const uint8_t *e = a->ec;
	return g_strdup_printf("(generic, 0x%x, 0x%x)",
	    (unsigned)e[0] << 24 | (unsigned)e[1] << 16 | (unsigned)e[2] << 8 | e[3],
	    (unsigned)e[4] << 24 | (unsigned)e[5] << 16 | (unsigned)e[6] << 8 | e[7]);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Joins `v` sorted, with spaces; frees it. */
static char *
join_sorted(GPtrArray *v)
{
	g_ptr_array_sort(v, cmp_str);
	g_ptr_array_add(v, NULL);
	char *s = g_strjoinv(" ", (gchar **)v->pdata);
	g_ptr_array_free(v, TRUE);
	return s;
}

char *
bird_render_ecs(const struct fs_rule *r)
{
	GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
	for (unsigned i = 0; i < r->nactions; i++)
		g_ptr_array_add(v, ec_text(&r->actions[i]));
	return join_sorted(v);
}

char *
bird_render_entry(const struct fs_rule *r)
{
	char *flow = bird_render_flow(r, false, NULL), *ecs = bird_render_ecs(r);
	char *e = *ecs ? g_strdup_printf("%s => %s", flow, ecs) : g_strdup(flow);
	g_free(flow);
	g_free(ecs);
	return e;
}

char *
bird_render_route(const struct fs_rule *r, GString *why)
{
	char *flow = bird_render_flow(r, true, why);
	if (flow == NULL)
		return NULL;
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "route %s", flow);
	if (r->nactions > 0) {
		g_string_append(s, " {\n");
		for (unsigned i = 0; i < r->nactions; i++) {
			char *t = ec_text(&r->actions[i]);
			g_string_append_printf(s, "    bgp_ext_community.add(%s);\n", t);
			g_free(t);
		}
		g_string_append(s, "  }");
	}
	g_string_append(s, ";");
	g_free(flow);
	return g_string_free(s, FALSE);
}

const char *
bird_refuses(const struct fs_rule *r)
{
	bool ipv6 = r->family == FS_IPV6;

	for (unsigned i = 0; i < r->ncomp; i++) {
		const struct fs_component *c = &r->comp[i];
		if (fs_type_kind(c->type) == FS_KIND_PREFIX) {
			if (ipv6 && bird_pattern_octets(&c->prefix) != rfc_pattern_octets(&c->prefix))
				return "an IPv6 prefix whose RFC 8956 pattern is shorter than "
				    "what BIRD reads (ceil(length/8) - offset/8 octets)";
			continue;
		}
		const struct fs_term *t = fs_comp_terms(r, c);
		for (unsigned k = 0; k < c->count; k++) {
			/* flow_validate: FLOW_ST_EXCEED_MAX_VALUE_LENGTH and friends */
			if (term_size(&t[k]) > max_value_length(c->type, ipv6))
				return "a value longer than BIRD takes for its component "
				    "(\"Exceed maximal value length\")";
			if (c->type == FS_TCP_FLAGS && term_size(&t[k]) == 2 &&
			    (t[k].value & 0xf000))
				return "TCP flags beyond 0xfff";
			if (c->type == FS_FRAGMENT && ipv6 && (t[k].value & FS_FRAG_DF))
				return "dont-fragment in an IPv6 rule";
		}
	}
	return NULL;
}

GPtrArray *
bird_parse_routes(const char *text)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	gchar **lines = g_strsplit(text ? text : "", "\n", -1);
	char *flow = NULL, *ecs = NULL;

	for (size_t i = 0; ; i++) {
		const char *l = lines[i];
		bool route = l != NULL && (g_str_has_prefix(l, "flow4 {") ||
		    g_str_has_prefix(l, "flow6 {"));
		if ((l == NULL || route) && flow != NULL) {
			g_ptr_array_add(out, ecs && *ecs ? g_strdup_printf("%s => %s", flow,
			    ecs) : g_strdup(flow));
			g_free(flow);
			g_free(ecs);
			flow = ecs = NULL;
		}
		if (l == NULL)
			break;
		if (route) {
			const char *end = strchr(l, '}');
			flow = end ? g_strndup(l, (size_t)(end - l + 1)) : g_strdup(l);
		} else if (flow != NULL && g_str_has_prefix(l, "\tBGP.ext_community:")) {
			GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
			for (const char *p = strchr(l, '('); p != NULL; p = strchr(p, '(')) {
				const char *q = strchr(p, ')');
				if (q == NULL)
					break;
				g_ptr_array_add(v, g_strndup(p, (size_t)(q - p + 1)));
				p = q;
			}
			g_free(ecs);
			ecs = join_sorted(v);
		}
	}
	g_strfreev(lines);
	return out;
}
