/*
 * output.c - what every subcommand shares: options, JSON, errors.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "flowspec/ecomm.h"
#include "flowspec/nlri.h"
#include "flowspec/rule.h"
#include "flowspec/text.h"

bool
fc_parse_options(const char *cmd, const char *params, const char *summary,
    GOptionEntry *entries, int *argc, char ***argv)
{
	GOptionContext *ctx;
	GError *gerr = NULL;
	gchar *title = g_strdup_printf("%s %s", cmd, params);
	bool ok;

	ctx = g_option_context_new(title);
	g_option_context_set_summary(ctx, summary);
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_help_enabled(ctx, TRUE);
	ok = g_option_context_parse(ctx, argc, argv, &gerr);
	if (!ok) {
		fprintf(stderr, "flowcanary %s: %s\n", cmd, gerr->message);
		fprintf(stderr, "usage: flowcanary %s (see flowcanary %s --help)\n",
		    title, cmd);
		g_error_free(gerr);
	}
	g_option_context_free(ctx);
	g_free(title);
	return ok;
}

int
fc_parse_family(const char *name)
{
	if (name == NULL)
		return 0;
	if (strcmp(name, "ipv4") == 0)
		return FS_IPV4;
	if (strcmp(name, "ipv6") == 0)
		return FS_IPV6;
	fprintf(stderr, "flowcanary: --family takes ipv4 or ipv6, not \"%s\"\n",
	    name);
	return -1;
}

void
fc_print_json(JsonNode *node)
{
	JsonGenerator *gen = json_generator_new();
	gchar *text;

	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, node);
	text = json_generator_to_data(gen, NULL);
	puts(text);
	g_free(text);
	g_object_unref(gen);
	json_node_unref(node);
}

void
fc_print_error(const char *cmd, const struct fs_error *err)
{
	char msg[768];

	fs_error_format(err, msg, sizeof(msg));
	fprintf(stderr, "flowcanary %s: %s\n", cmd, msg);
}

void
fc_print_json_error(const struct fs_error *err)
{
	JsonBuilder *b = json_builder_new();
	char msg[768];

	fs_error_format(err, msg, sizeof(msg));
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "error");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "code");
	json_builder_add_string_value(b, fs_errcode_name(err->code));
	json_builder_set_member_name(b, "message");
	json_builder_add_string_value(b, msg);
	if (err->line > 0) {
		json_builder_set_member_name(b, "file");
		json_builder_add_string_value(b, err->file);
		json_builder_set_member_name(b, "line");
		json_builder_add_int_value(b, err->line);
		json_builder_set_member_name(b, "column");
		json_builder_add_int_value(b, err->column);
	} else if (err->file[0]) {
		json_builder_set_member_name(b, "file");
		json_builder_add_string_value(b, err->file);
	} else if (err->column > 0) {
		json_builder_set_member_name(b, "column");
		json_builder_add_int_value(b, err->column);
	} else {
		json_builder_set_member_name(b, "octet");
		json_builder_add_int_value(b, (gint64)err->offset);
	}
	json_builder_end_object(b);
	json_builder_end_object(b);
	fc_print_json(json_builder_get_root(b));
	g_object_unref(b);
}

/* Writes lower-case hex of buf[0..n) into a new string. */
char *
fc_hex(const uint8_t *buf, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = g_malloc(2 * n + 1);

	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[buf[i] >> 4];
		s[2 * i + 1] = digits[buf[i] & 0xf];
	}
	s[2 * n] = '\0';
	return s;
}

/* Adds "notes": [...] for each non-conformance bit of r. */
void
fc_json_notes(JsonBuilder *b, uint32_t nonconform)
{
	json_builder_set_member_name(b, "conformant");
	json_builder_add_boolean_value(b, nonconform == 0);
	json_builder_set_member_name(b, "notes");
	json_builder_begin_array(b);
	for (uint32_t bit = 1; bit != 0 && bit <= nonconform; bit <<= 1)
		if (nonconform & bit)
			json_builder_add_string_value(b, fs_nonconformance_text(bit));
	json_builder_end_array(b);
}

/* Adds the members every rule object has: family, rule, nlri_hex, ext_communities_hex. */
void
fc_json_rule_members(JsonBuilder *b, const struct fs_rule *r, const char *nlri_hex)
{
	char *text = fs_print_rule_alloc(r), hex[17];

	json_builder_set_member_name(b, "family");
	json_builder_add_string_value(b, fs_family_name(r->family));
	json_builder_set_member_name(b, "rule");
	json_builder_add_string_value(b, text);
	json_builder_set_member_name(b, "nlri_hex");
	json_builder_add_string_value(b, nlri_hex);
	json_builder_set_member_name(b, "ext_communities_hex");
	json_builder_begin_array(b);
	for (unsigned i = 0; i < r->nactions; i++) {
		fs_ec_to_hex(&r->actions[i], hex);
		json_builder_add_string_value(b, hex);
	}
	json_builder_end_array(b);
	free(text);
}

void
fc_print_json_line(JsonNode *node)
{
	JsonGenerator *gen = json_generator_new();
	gchar *text;

	json_generator_set_root(gen, node);
	text = json_generator_to_data(gen, NULL);
	puts(text);
	fflush(stdout);
	g_free(text);
	g_object_unref(gen);
	json_node_unref(node);
}
