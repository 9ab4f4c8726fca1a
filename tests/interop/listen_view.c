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
lv_tail(const struct it_lab *lab, const char *name, unsigned lines)
{
	char *text = it_read(lab, name);
	size_t len = strlen(text);
	unsigned seen = 0;
	size_t i = len;

	while (i > 0) {
		if (text[i - 1] == '\n' && i != len && ++seen == lines)
			break;
		i--;
	}
	char *out = g_strdup(text + i);
	g_free(text);
	return out;
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

void
lv_sanitizer_check(const struct it_lab *lab, const char *log, GString *fail)
{
	static const char *const marks[] = { "ERROR: AddressSanitizer",
		"ERROR: LeakSanitizer", "runtime error:", "Sanitizer:DEADLYSIGNAL", NULL };
	char *text = it_read(lab, log);

	for (size_t i = 0; marks[i] != NULL; i++) {
		const char *at = strstr(text, marks[i]);
		if (at == NULL)
			continue;
		const char *from = at;
		while (from > text && from[-1] != '\n')
			from--;
		g_string_append_printf(fail, "\na sanitizer report in %s:\n%.1500s", log, from);
		break;
	}
	g_free(text);
}
