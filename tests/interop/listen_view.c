/*
 * listen_view.c - flowcanary listen's JSON lines, read back.
 */
#include <string.h>

#include "flowspec/text.h"
#include "listen_view.h"

JsonArray *
lv_select(const struct it_lab *lab, const char *log, const char *event,
    const char *member, const char *value)
{
	JsonArray *all = it_events(lab, log), *out = json_array_new();

	for (guint i = 0; i < json_array_get_length(all); i++) {
		JsonObject *o = json_array_get_object_element(all, i);
		const char *ev = json_object_get_string_member_with_default(o, "event", "");
		if (strcmp(ev, event) != 0)
			continue;
		if (member != NULL && g_strcmp0(json_object_get_string_member_with_default(
		    o, member, NULL), value) != 0)
			continue;
		json_array_add_element(out, json_node_copy(json_array_get_element(all, i)));
	}
	json_array_unref(all);
	return out;
}

struct fs_rule *
lv_rules(const struct it_lab *lab, const char *log, const char *event,
    size_t *n, GString *err)
{
	JsonArray *a = lv_select(lab, log, event, NULL, NULL);
	guint len = json_array_get_length(a);
	struct fs_rule *v = g_new0(struct fs_rule, len ? len : 1);

	*n = 0;
	for (guint i = 0; i < len; i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		const char *text = json_object_get_string_member_with_default(o, "rule", "");
		const char *fam = json_object_get_string_member_with_default(o, "family", "");
		struct fs_error e = { 0 };
		fs_rule_init(&v[*n], strcmp(fam, "ipv6") == 0 ? FS_IPV6 : FS_IPV4);
		if (fs_parse_rule(text, strlen(text), strcmp(fam, "ipv6") == 0 ?
		    FS_IPV6 : FS_IPV4, &v[*n], &e) < 0) {
			g_string_append_printf(err, "\n  listen printed a rule that does "
			    "not parse (column %u: %s): %s", e.column, e.msg, text);
			fs_rule_free(&v[*n]);
			continue;
		}
		(*n)++;
	}
	json_array_unref(a);
	return v;
}

char *
lv_text(JsonObject *o)
{
	JsonNode *n = json_node_new(JSON_NODE_OBJECT);
	json_node_set_object(n, o);
	char *t = json_to_string(n, FALSE);
	json_node_unref(n);
	return t;
}

size_t
lv_expect_rules(const struct it_lab *lab, const char *log, const char *event,
    const struct fs_rule *want, size_t nwant, const char *what, GString *fail)
{
	size_t ngot;
	struct fs_rule *got = lv_rules(lab, log, event, &ngot, fail);
	char *d = it_compare_rules(want, nwant, got, ngot);

	if (d != NULL)
		g_string_append_printf(fail, "\n%s:%s", what, d);
	g_free(d);
	it_free_rules(got, ngot);
	return ngot;
}

void
lv_expect_conformant(const struct it_lab *lab, const char *log, GString *fail)
{
	JsonArray *ann = lv_select(lab, log, "announce", NULL, NULL);

	for (guint i = 0; i < json_array_get_length(ann); i++) {
		JsonObject *o = json_array_get_object_element(ann, i);
		if (!json_object_get_boolean_member_with_default(o, "conformant", FALSE)) {
			char *t = lv_text(o);
			g_string_append_printf(fail, "\nnot conformant: %s", t);
			g_free(t);
		}
	}
	json_array_unref(ann);
}
