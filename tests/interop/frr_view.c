/*
 * frr_view.c - FRR 8.4's display of flowspec routes, read and rendered.
 *
 * The rendering follows bgpd/bgp_flowspec_vty.c (bgp_fs_nlri_get_string),
 * bgpd/bgp_flowspec_util.c (the operator decoders) and
 * bgpd/bgp_ecommunity.c (ecommunity_ecom2str) of FRR 8.4, checked against
 * what FRR 8.4.4 (Debian 12) printed for the vectors.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "flowspec/ecomm.h"
#include "flowspec/nlri.h"
#include "frr_view.h"

/* Component names: the route key's (FRR's "min" format) and detail's ("large"). */
static const struct {
	const char *min, *large;
} names[FS_TYPE_MAX + 1] = {
	[FS_DST] = { "to", "Destination Address" },
	[FS_SRC] = { "from", "Source Address" },
	[FS_PROTO] = { "proto", "IP Protocol" },
	[FS_PORT] = { "port", "Port" },
	[FS_DPORT] = { "dstp", "Destination Port" },
	[FS_SPORT] = { "srcp", "Source Port" },
	[FS_ICMP_TYPE] = { "type", "ICMP Type" },
	[FS_ICMP_CODE] = { "code", "ICMP Code" },
	[FS_TCP_FLAGS] = { "tcp", "TCP Flags" },
	[FS_PKT_LEN] = { "pktlen", "Packet Length" },
	[FS_DSCP] = { "dscp", "DSCP field" },
	[FS_FRAGMENT] = { "pktfrag", "Packet Fragment" },
	[FS_FLOW_LABEL] = { "flwlbl", "Packet Flow Label" },
};

/*
 * FRR reads a value octet by octet into an int (hexstr2num) and prints it
 * with %d: what a 1-, 2- or 4-octet value shows; an 8-octet one wraps.
 */
static int
frr_value(uint64_t v)
{
	return (int)(uint32_t)v;
}

/* Appends the text FRR shows for component `c` of `r`, after its name. */
static void
render_component(GString *s, const struct fs_rule *r, const struct fs_component *c)
{
	char addr[INET6_ADDRSTRLEN];

	switch (fs_type_kind(c->type)) {
	case FS_KIND_PREFIX:
		/* prefix2str for IPv4; "%pFX/off %u" for IPv6 (bgp_flowspec_ip_address). */
		inet_ntop(r->family == FS_IPV6 ? AF_INET6 : AF_INET, c->prefix.addr,
		    addr, sizeof addr);
		g_string_append_printf(s, "%s/%u", addr, c->prefix.len);
		if (r->family == FS_IPV6)
			g_string_append_printf(s, "/off %u", c->prefix.offset);
		return;
	case FS_KIND_NUMERIC:
		/* bgp_flowspec_op_decode: "<", ">", "=" then " %d "; ", " between; no AND. */
		for (unsigned i = 0; i < c->count; i++) {
			const struct fs_term *t = &fs_comp_terms(r, c)[i];
			g_string_append_printf(s, "%s%s%s%s %d ", i ? ", " : "",
			    t->op & FS_NUM_LT ? "<" : "", t->op & FS_NUM_GT ? ">" : "",
			    t->op & FS_NUM_EQ ? "=" : "", frr_value(t->value));
		}
		return;
	case FS_KIND_BITMASK:
		/* bgp_flowspec_bitmask_decode: ",&" or ",|", "= " or "∋ ", "! ", %d. */
		for (unsigned i = 0; i < c->count; i++) {
			const struct fs_term *t = &fs_comp_terms(r, c)[i];
			g_string_append_printf(s, "%s%s%s%d",
			    i == 0 ? "" : t->op & FS_OP_AND ? ",&" : ",|",
			    t->op & FS_BM_MATCH ? "= " : "\u220b ",
			    t->op & FS_BM_NOT ? "! " : "", frr_value(t->value));
		}
		return;
	}
}

char *
frr_render_key(const struct fs_rule *r)
{
	uint8_t nlri[FS_NLRI_MAX_LEN + 2];
	struct fs_error err = { 0 };
	ssize_t n = fs_nlri_encode(r, nlri, sizeof nlri, &err);
	if (n <= 0)
		return NULL;
	/* The key ends in the NLRI's length, its length prefix excluded. */
	unsigned len = nlri[0] < 0xf0 ? nlri[0] : (unsigned)(nlri[0] & 0x0f) << 8 | nlri[1];

	GString *s = g_string_new(NULL);
	for (unsigned i = 0; i < r->ncomp; i++) {
		const struct fs_component *c = &r->comp[i];
		if (i > 0)
			g_string_append_c(s, ' ');
		g_string_append_printf(s, "%s ", c->type <= FS_TYPE_MAX &&
		    names[c->type].min ? names[c->type].min : "?");
		render_component(s, r, c);
	}
	g_string_append_printf(s, "/%u", len);
	return g_string_free(s, FALSE);
}

/* Orders actions by their octets: FRR keeps extended communities sorted. */
static int
cmp_action(const void *a, const void *b)
{
	return memcmp(((const struct fs_action *)a)->ec,
	    ((const struct fs_action *)b)->ec, 8);
}

/* Appends what FRR 8.4's ecommunity_ecom2str prints for one community. */
static void
render_action(GString *s, const struct fs_action *a)
{
	const uint8_t *ec = a->ec;
	unsigned type = ec[0], sub = ec[1];
	const uint8_t *pnt = ec + 2;	/* FRR's pointer, after type and sub-type */
	char buf[64];

	if ((type == 0x80 || type == 0x81 || type == 0x82) && sub == 0x08) {
		/*
		 * Redirect: ecommunity_rt_soo_str() into a 16-octet buffer, so
		 * "RT:4200000000:100" shows as "RT:4200000000:1" (FRR 8.4
		 * truncates it to 15 characters).
		 */
		if (type == 0x80)
			snprintf(buf, sizeof buf, "RT:%u:%u", (unsigned)pnt[0] << 8 | pnt[1],
			    (unsigned)pnt[2] << 24 | (unsigned)pnt[3] << 16 |
			    (unsigned)pnt[4] << 8 | pnt[5]);
		else if (type == 0x81)
			snprintf(buf, sizeof buf, "RT:%u.%u.%u.%u:%u", pnt[0], pnt[1],
			    pnt[2], pnt[3], (unsigned)pnt[4] << 8 | pnt[5]);
		else
			snprintf(buf, sizeof buf, "RT:%u:%u", (unsigned)pnt[0] << 24 |
			    (unsigned)pnt[1] << 16 | (unsigned)pnt[2] << 8 | pnt[3],
			    (unsigned)pnt[4] << 8 | pnt[5]);
		buf[15] = '\0';
		g_string_append_printf(s, "FS:redirect VRF %s", buf);
		return;
	}
	if (type == 0x80 && sub == 0x07) {
		/*
		 * Traffic action: FRR 8.4 tests pnt[3] (octet 5 of the community)
		 * where RFC 8955 puts the S and T bits in octet 7, and with
		 * terminal as 0x02 and sample as 0x01 where the RFC has T = 0x01
		 * and S = 0x02.  Every sample/terminal community, whose octet 5
		 * is 0, so shows as "eval stops".
		 */
		g_string_append_printf(s, "FS:action %s%s",
		    pnt[3] == 1 << 1 ? "terminate (apply)" : "eval stops",
		    pnt[3] == 1 << 0 ? ", sample" : "");
		return;
	}
	if (type == 0x80 && sub == 0x06) {
		/* Traffic rate in bytes: the float, "%f"; the AS is not shown. */
		g_string_append_printf(s, "FS:rate %f", (double)fs_ec_rate_value(a));
		return;
	}
	if (type == 0x80 && sub == 0x09) {
		g_string_append_printf(s, "FS:marking %u", pnt[5]);
		return;
	}
	/* Anything else, rate-limit-packets (0x800c) included, is unknown to FRR 8.4. */
	g_string_append_printf(s, "UNK:%u, %u", type, sub);
}

char *
frr_render_actions(const struct fs_rule *r)
{
	GString *s = g_string_new(NULL);
	struct fs_action *v = g_new(struct fs_action, r->nactions ? r->nactions : 1);

	if (r->nactions > 0)
		memcpy(v, r->actions, r->nactions * sizeof *v);
	qsort(v, r->nactions, sizeof *v, cmp_action);
	for (unsigned i = 0; i < r->nactions; i++) {
		/* FRR keeps one copy of a community given twice. */
		if (i > 0 && memcmp(v[i].ec, v[i - 1].ec, 8) == 0)
			continue;
		if (s->len > 0)
			g_string_append_c(s, ' ');
		render_action(s, &v[i]);
	}
	g_free(v);
	return g_string_free(s, FALSE);
}

char *
frr_render_entry(const struct fs_rule *r)
{
	char *key = frr_render_key(r), *act = frr_render_actions(r);
	char *e = key == NULL ? NULL : *act ? g_strdup_printf("%s => %s", key, act) :
	    g_strdup(key);
	g_free(key);
	g_free(act);
	return e;
}

static JsonObject *load_object(JsonParser *p, const char *json);

const char *
frr_refuses(const struct fs_rule *r)
{
	for (unsigned i = 0; i < r->ncomp; i++) {
		const struct fs_component *c = &r->comp[i];
		/*
		 * FRR 8.4 reads an IPv6 prefix in the pre-RFC 8956 form: after
		 * length and offset it takes ceil(length/8) octets from bit 0,
		 * where RFC 8956 sends only the bits from offset on.  For the
		 * vectors that runs past the end of the NLRI: "Bad flowspec
		 * format", NOTIFICATION 3/9.  (A longer NLRI would be misread
		 * silently instead.)
		 */
		if (fs_type_kind(c->type) == FS_KIND_PREFIX && c->prefix.offset != 0)
			return "an IPv6 prefix with an offset (FRR 8.4 reads the "
			    "pre-RFC 8956 form)";
		/*
		 * bgp_flowspec_op_decode: "can not be < and > at the same time".
		 * RFC 8955 section 4.2.1.1 gives lt+gt the meaning "!=" (and
		 * lt+gt+eq "true"); FRR 8.4 calls the NLRI malformed.
		 */
		if (fs_type_kind(c->type) == FS_KIND_NUMERIC)
			for (unsigned k = 0; k < c->count; k++) {
				uint8_t op = fs_comp_terms(r, c)[k].op;
				if ((op & FS_NUM_LT) && (op & FS_NUM_GT))
					return "a numeric term with both < and > (\"!=\")";
			}
		/*
		 * The operator decoders stop at BGP_PBR_MATCH_VAL_MAX terms
		 * (error -2): a component of six or more terms, a legal port
		 * list, is "Bad flowspec format" too.
		 */
		if (fs_type_kind(c->type) != FS_KIND_PREFIX && c->count > 5)
			return "a component of more than 5 terms";
	}
	return NULL;
}

GPtrArray *
frr_json_keys(const char *json)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	JsonParser *p = json_parser_new();
	JsonObject *o = load_object(p, json);
	JsonNode *routes = o ? json_object_get_member(o, "routes") : NULL;

	if (routes != NULL && JSON_NODE_HOLDS_OBJECT(routes)) {
		GList *keys = json_object_get_members(json_node_get_object(routes));
		for (GList *k = keys; k != NULL; k = k->next)
			g_ptr_array_add(out, g_strdup(k->data));
		g_list_free(keys);
	}
	g_object_unref(p);
	return out;
}

/* Returns the root object of `json`, or NULL (unref the parser). */
static JsonObject *
load_object(JsonParser *p, const char *json)
{
	if (json == NULL || !json_parser_load_from_data(p, json, -1, NULL))
		return NULL;
	JsonNode *root = json_parser_get_root(p);
	return root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
}

int
frr_count_routes(const char *json)
{
	JsonParser *p = json_parser_new();
	JsonObject *o = load_object(p, json);
	int n = -1;

	if (o != NULL) {
		JsonNode *routes = json_object_get_member(o, "routes");
		if (routes == NULL)
			n = 0;	/* an empty table */
		else if (JSON_NODE_HOLDS_OBJECT(routes))
			n = (int)json_object_get_size(json_node_get_object(routes));
	}
	g_object_unref(p);
	return n;
}

/* One "BGP flowspec entry" of `detail`, put in the key's format (length left out). */
struct detail_entry {
	char *match;
	char *actions;
};

/* Returns the component type whose detail name starts `line`, or 0. */
static unsigned
large_name(const char *line, size_t *namelen)
{
	unsigned best = 0;
	size_t bestlen = 0;

	for (unsigned t = 1; t <= FS_TYPE_MAX; t++) {
		size_t n = names[t].large ? strlen(names[t].large) : 0;
		if (n > bestlen && strncmp(line, names[t].large, n) == 0 && line[n] == ' ') {
			best = t;
			bestlen = n;
		}
	}
	*namelen = bestlen;
	return best;
}

static GArray *
parse_detail(const char *detail, GString *err)
{
	GArray *v = g_array_new(FALSE, TRUE, sizeof(struct detail_entry));
	gchar **lines = g_strsplit(detail ? detail : "", "\n", -1);
	GString *match = NULL, *act = NULL;

	for (size_t i = 0; ; i++) {
		const char *l = lines[i];
		bool start = l == NULL || g_str_has_prefix(l, "BGP flowspec entry:") ||
		    g_str_has_prefix(l, "Displayed ");
		if (start && match != NULL) {
			struct detail_entry e = { g_string_free(match, FALSE),
				g_string_free(act, FALSE) };
			g_array_append_val(v, e);
			match = act = NULL;
		}
		if (l == NULL)
			break;
		if (g_str_has_prefix(l, "BGP flowspec entry:")) {
			match = g_string_new(NULL);
			act = g_string_new(NULL);
			continue;
		}
		if (match == NULL || l[0] != '\t')
			continue;
		l++;
		size_t nl;
		unsigned type = large_name(l, &nl);
		if (type != 0) {
			/* "\tIP Protocol = 6 " -> "proto = 6 ", joined by " " */
			if (match->len > 0)
				g_string_append_c(match, ' ');
			g_string_append_printf(match, "%s%s", names[type].min, l + nl);
		} else if (g_str_has_prefix(l, "received for") ||
		    strstr(l, "installed in PBR") != NULL) {
			continue;
		} else if (g_str_has_prefix(l, "FS:") || g_str_has_prefix(l, "UNK:")) {
			if (act->len > 0)
				g_string_append_c(act, ' ');
			g_string_append(act, l);
		} else {
			g_string_append_printf(err, "\nFRR detail: a line this test "
			    "does not know: \"%s\"", l);
		}
	}
	g_strfreev(lines);
	return v;
}

GPtrArray *
frr_parse_view(const char *json, const char *detail, GString *err)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	JsonParser *p = json_parser_new();
	JsonObject *o = load_object(p, json);
	GArray *det = parse_detail(detail, err);
	GList *keys = NULL;

	if (o == NULL) {
		g_string_append(err, "\nFRR's json view is not a JSON object");
		goto out;
	}
	JsonNode *routes = json_object_get_member(o, "routes");
	if (routes != NULL && JSON_NODE_HOLDS_OBJECT(routes))
		keys = json_object_get_members(json_node_get_object(routes));
	if (g_list_length(keys) != det->len)
		g_string_append_printf(err, "\nFRR's json view has %u routes, its "
		    "detail view %u", g_list_length(keys), det->len);

	/*
	 * Both views walk the same table in the same order.  Pair them by
	 * position when the components agree, else by the components alone.
	 */
	guint i = 0;
	for (GList *k = keys; k != NULL; k = k->next, i++) {
		const char *key = k->data;
		const char *slash = strrchr(key, '/');
		size_t mlen = slash ? (size_t)(slash - key) : strlen(key);
		const struct detail_entry *e = NULL;

		if (i < det->len) {
			const struct detail_entry *d = &g_array_index(det, struct detail_entry, i);
			if (strlen(d->match) == mlen && strncmp(d->match, key, mlen) == 0)
				e = d;
		}
		for (guint j = 0; e == NULL && j < det->len; j++) {
			const struct detail_entry *d = &g_array_index(det, struct detail_entry, j);
			if (strlen(d->match) == mlen && strncmp(d->match, key, mlen) == 0)
				e = d;
		}
		if (e == NULL)
			g_string_append_printf(err, "\nFRR's detail view has no entry "
			    "for the route \"%s\"", key);
		g_ptr_array_add(out, e && *e->actions ? g_strdup_printf("%s => %s", key,
		    e->actions) : g_strdup(key));
	}
out:
	g_list_free(keys);
	for (guint j = 0; j < det->len; j++) {
		g_free(g_array_index(det, struct detail_entry, j).match);
		g_free(g_array_index(det, struct detail_entry, j).actions);
	}
	g_array_free(det, TRUE);
	g_object_unref(p);
	return out;
}
