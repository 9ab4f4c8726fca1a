/*
 * gobgp_view.c - GoBGP's JSON RIB into flowcanary rules, and rules into
 * GoBGP CLI arguments.
 */
#include <stdio.h>
#include <string.h>

#include "flowspec/ecomm.h"
#include "flowspec/text.h"
#include "gobgp_view.h"
#include "harness.h"

void
gv_rib_init(struct gv_rib *rib)
{
	rib->rules = g_array_new(FALSE, TRUE, sizeof(struct fs_rule));
	rib->rule_peer = g_ptr_array_new_with_free_func(g_free);
	rib->opaque_key = g_ptr_array_new_with_free_func(g_free);
	rib->opaque_peer = g_ptr_array_new_with_free_func(g_free);
}

void
gv_rib_free(struct gv_rib *rib)
{
	if (rib->rules == NULL)
		return;
	for (guint i = 0; i < rib->rules->len; i++)
		fs_rule_free(&g_array_index(rib->rules, struct fs_rule, i));
	g_array_free(rib->rules, TRUE);
	g_ptr_array_free(rib->rule_peer, TRUE);
	g_ptr_array_free(rib->opaque_key, TRUE);
	g_ptr_array_free(rib->opaque_peer, TRUE);
	memset(rib, 0, sizeof *rib);
}

/* Returns `node` as JSON text, for messages (g_free). */
static char *
node_text(JsonNode *node)
{
	return node ? json_to_string(node, FALSE) : g_strdup("(none)");
}

/* Returns member `name` of `o` if it is a number (integer or not), else NULL. */
static JsonNode *
number_member(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
		return NULL;
	GType t = json_node_get_value_type(n);
	return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE ? n : NULL;
}

/* Returns an integer member (a fraction cut off), or -1 when absent or not a number. */
static gint64
int_member(JsonObject *o, const char *name)
{
	JsonNode *n = number_member(o, name);
	return n ? json_node_get_int(n) : -1;
}

/* Returns a number member, or -1 when absent or not a number. */
static double
double_member(JsonObject *o, const char *name)
{
	JsonNode *n = number_member(o, name);
	return n ? json_node_get_double(n) : -1;
}

bool
gv_ecomm(JsonObject *o, struct fs_action *a, GString *err)
{
	gint64 type = int_member(o, "type"), sub = int_member(o, "subtype");
	const char *v = json_object_get_string_member_with_default(o, "value", NULL);
	unsigned x, y, z, b[4];

	memset(a, 0, sizeof *a);
	if (type == 0x80 && sub == 0x06) {		/* traffic-rate (bytes) */
		gint64 as = int_member(o, "as");
		double rate = double_member(o, "rate");
		if (as >= 0 && as <= 0xffff && rate >= 0) {
			fs_ec_rate(a, false, (uint16_t)as, (float)rate);
			return true;
		}
	} else if (type == 0x80 && sub == 0x0c) {	/* traffic-rate (packets) */
		gint64 as = int_member(o, "as");
		double rate = double_member(o, "rate");
		if (as >= 0 && as <= 0xffff && rate >= 0) {
			fs_ec_rate(a, true, (uint16_t)as, (float)rate);
			return true;
		}
	} else if (type == 0x80 && sub == 0x07) {	/* traffic-action */
		fs_ec_traffic_action(a,
		    json_object_get_boolean_member_with_default(o, "sample", FALSE),
		    json_object_get_boolean_member_with_default(o, "terminal", FALSE));
		return true;
	} else if (type == 0x80 && sub == 0x09) {	/* traffic-marking */
		gint64 dscp = int_member(o, "value");
		if (dscp >= 0 && dscp <= 0xff) {
			fs_ec_mark(a, (uint8_t)dscp);
			return true;
		}
	} else if (type == 0x80 && sub == 0x08 && v != NULL) {	/* redirect AS2:N */
		if (sscanf(v, "%u:%u", &x, &y) == 2 && x <= 0xffff) {
			fs_ec_redirect_as2(a, (uint16_t)x, y);
			return true;
		}
	} else if (type == 0x81 && sub == 0x08 && v != NULL) {	/* redirect A.B.C.D:N */
		if (sscanf(v, "%u.%u.%u.%u:%u", &b[0], &b[1], &b[2], &b[3], &y) == 5 &&
		    b[0] < 256 && b[1] < 256 && b[2] < 256 && b[3] < 256 && y <= 0xffff) {
			uint8_t ip[4] = { (uint8_t)b[0], (uint8_t)b[1], (uint8_t)b[2],
				(uint8_t)b[3] };
			fs_ec_redirect_ip4(a, ip, (uint16_t)y);
			return true;
		}
	} else if (type == 0x82 && sub == 0x08 && v != NULL) {	/* redirect AS4:N */
		/* GoBGP prints the 4-octet AS in asdot ("64086.59904:100") when it is above 65535. */
		if (sscanf(v, "%u.%u:%u", &x, &y, &z) == 3 && x <= 0xffff &&
		    y <= 0xffff && z <= 0xffff) {
			fs_ec_redirect_as4(a, x << 16 | y, (uint16_t)z);
			return true;
		}
		if (sscanf(v, "%u:%u", &x, &z) == 2 && z <= 0xffff) {
			fs_ec_redirect_as4(a, x, (uint16_t)z);
			return true;
		}
	}
	JsonNode *n = json_node_new(JSON_NODE_OBJECT);
	json_node_set_object(n, o);
	char *t = node_text(n);
	g_string_append_printf(err, "\n  an extended community this test cannot read: %s", t);
	g_free(t);
	json_node_unref(n);
	return false;
}

/* Adds component `c` (one element of nlri.value) to `r`. */
static bool
add_component(struct fs_rule *r, JsonObject *c, int family, GString *err)
{
	gint64 type = int_member(c, "type");
	JsonNode *value = json_object_get_member(c, "value");

	if (type < 1 || type > FS_TYPE_MAX || value == NULL)
		return false;
	if (fs_type_kind((unsigned)type) == FS_KIND_PREFIX) {
		if (!JSON_NODE_HOLDS_OBJECT(value))
			return false;
		const char *p = json_object_get_string_member_with_default(
		    json_node_get_object(value), "prefix", NULL);
		struct fs_prefix pfx;
		struct fs_error e = { 0 };
		int fam = 0;
		if (p == NULL || fs_parse_prefix(p, strlen(p), family, &pfx, &fam, &e) < 0) {
			g_string_append_printf(err, "\n  prefix \"%s\": %s", p ? p : "?", e.msg);
			return false;
		}
		gint64 off = int_member(c, "offset");
		if (off > 0) {
			/* flowcanary's model keeps only bits [offset, len). */
			pfx.offset = (uint8_t)off;
			for (unsigned bit = 0; bit < (unsigned)off && bit < 128; bit++)
				pfx.addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
		}
		return fs_rule_add_prefix(r, (unsigned)type, &pfx) == 0;
	}
	if (!JSON_NODE_HOLDS_ARRAY(value) || fs_rule_add_component(r, (unsigned)type) < 0)
		return false;
	JsonArray *terms = json_node_get_array(value);
	for (guint i = 0; i < json_array_get_length(terms); i++) {
		JsonObject *t = json_array_get_object_element(terms, i);
		gint64 op = t ? int_member(t, "op") : -1;
		gint64 v = t ? int_member(t, "value") : -1;
		if (op < 0 || op > 0xff || v < 0)
			return false;
		/* The op octet is the wire's: its length bits give the value size. */
		uint8_t size = (uint8_t)(1u << ((op & FS_OP_LEN) >> 4));
		if (fs_rule_add_term(r, (uint8_t)op, (uint64_t)v, size) < 0)
			return false;
	}
	return true;
}

bool
gv_rib_parse(struct gv_rib *rib, const char *json, int family, GString *err)
{
	JsonParser *p = json_parser_new();
	bool ok = true;

	while (*json == ' ' || *json == '\n')
		json++;
	if (*json == '\0' || strncmp(json, "null", 4) == 0) {
		g_object_unref(p);
		return true;
	}
	if (!json_parser_load_from_data(p, json, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
		g_string_append_printf(err, "\n  not a GoBGP RIB: %.300s", json);
		g_object_unref(p);
		return false;
	}
	JsonObject *root = json_node_get_object(json_parser_get_root(p));
	GList *keys = json_object_get_members(root);
	for (GList *k = keys; k != NULL; k = k->next) {
		JsonArray *paths = json_object_get_array_member(root, k->data);
		for (guint i = 0; paths != NULL && i < json_array_get_length(paths); i++) {
			JsonObject *path = json_array_get_object_element(paths, i);
			JsonNode *nlri = json_object_get_member(path, "nlri");
			const char *peer = json_object_get_string_member_with_default(path,
			    "neighbor-ip", "?");
			if (nlri == NULL || JSON_NODE_HOLDS_NULL(nlri)) {
				g_ptr_array_add(rib->opaque_key, g_strdup(k->data));
				g_ptr_array_add(rib->opaque_peer, g_strdup(peer));
				continue;
			}
			struct fs_rule r;
			fs_rule_init(&r, family);
			bool good = JSON_NODE_HOLDS_OBJECT(nlri);
			JsonArray *comps = good ? json_object_get_array_member(
			    json_node_get_object(nlri), "value") : NULL;
			for (guint c = 0; good && comps != NULL && c < json_array_get_length(comps); c++)
				good = add_component(&r, json_array_get_object_element(comps, c),
				    family, err);
			fs_rule_sort(&r);
			JsonNode *attrs = json_object_get_member(path, "attrs");
			JsonArray *aa = attrs && JSON_NODE_HOLDS_ARRAY(attrs) ?
			    json_node_get_array(attrs) : NULL;
			for (guint a = 0; good && aa != NULL && a < json_array_get_length(aa); a++) {
				JsonObject *attr = json_array_get_object_element(aa, a);
				if (int_member(attr, "type") != 16)	/* EXTENDED_COMMUNITIES */
					continue;
				JsonArray *ecs = json_object_get_array_member(attr, "value");
				for (guint e = 0; good && ecs != NULL && e < json_array_get_length(ecs); e++) {
					struct fs_action act;
					good = gv_ecomm(json_array_get_object_element(ecs, e), &act, err) &&
					    fs_rule_add_action(&r, act.ec) == 0;
				}
			}
			if (!good) {
				char *t = node_text(nlri);
				g_string_append_printf(err, "\n  a GoBGP path this test cannot "
				    "read: %s %s", (const char *)k->data, t);
				g_free(t);
				fs_rule_free(&r);
				ok = false;
				continue;
			}
			g_array_append_val(rib->rules, r);
			g_ptr_array_add(rib->rule_peer, g_strdup(peer));
		}
	}
	g_list_free(keys);
	g_object_unref(p);
	return ok;
}

char *
gv_rib_json(const char *ns, int api_port, int family, int *status)
{
	char port[16];
	snprintf(port, sizeof port, "%d", api_port);
	const char *argv[] = { GV_GOBGP, "-p", port, "global", "rib", "-a",
		family == FS_IPV6 ? "ipv6-flowspec" : "ipv4-flowspec", "-j", NULL };
	return it_run(ns, argv, status, 10);
}

int
gv_rib_count(const char *json)
{
	JsonParser *p = json_parser_new();
	int n = -1;

	while (*json == ' ' || *json == '\n')
		json++;
	if (*json == '\0' || strncmp(json, "null", 4) == 0)
		n = 0;
	else if (json_parser_load_from_data(p, json, -1, NULL) &&
	    JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
		JsonObject *root = json_node_get_object(json_parser_get_root(p));
		GList *keys = json_object_get_members(root);
		n = 0;
		for (GList *k = keys; k != NULL; k = k->next) {
			JsonArray *a = json_object_get_array_member(root, k->data);
			n += a ? (int)json_array_get_length(a) : 0;
		}
		g_list_free(keys);
	}
	g_object_unref(p);
	return n;
}

gchar **
gv_cli_args(const char *rule, bool match_only)
{
	gchar **tok = g_strsplit_set(rule, " \t", -1);
	GPtrArray *v = g_ptr_array_new();

	for (size_t i = 0; tok[i] != NULL; i++) {
		if (tok[i][0] == '\0')
			continue;
		if (match_only && strcmp(tok[i], "then") == 0)
			break;
		if (strcmp(tok[i], "flow-label") == 0)
			g_ptr_array_add(v, g_strdup("label"));
		else if (strcmp(tok[i], "offset") == 0)
			continue;	/* GoBGP: "PREFIX OFFSET" */
		else
			g_ptr_array_add(v, g_strdup(tok[i]));
	}
	g_ptr_array_add(v, NULL);
	g_strfreev(tok);
	return (gchar **)g_ptr_array_free(v, FALSE);
}
