/*
 * cmd_check.c - flowcanary check: the gate before a rule reaches a fleet.
 *
 * Today this is the static check: every rule of every file is linted
 * alone and against the others.  The dynamic canary run (a lab, streams,
 * verdicts per node) is its own piece of work; until it lands, `check`
 * says plainly that it ran the static check only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flowspec/ecomm.h"
#include "flowspec/lint.h"
#include "flowspec/nlri.h"
#include "flowspec/ruleset.h"
#include "flowspec/text.h"

/* Returns the severity named `s`, or -1. */
static int
severity_by_name(const char *s)
{
	if (strcmp(s, "error") == 0)
		return FS_SEV_ERROR;
	if (strcmp(s, "warning") == 0)
		return FS_SEV_WARNING;
	if (strcmp(s, "info") == 0)
		return FS_SEV_INFO;
	return -1;
}

/* Returns 0 with a positive integer of `s` in *v, else -1. */
static int
parse_count(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || n == 0 || s[0] == '-')
		return -1;
	*v = n;
	return 0;
}

static void
add_findings_json(JsonBuilder *b, const struct fs_findings *f, size_t rule,
    const struct fs_ruleset *set)
{
	json_builder_set_member_name(b, "findings");
	json_builder_begin_array(b);
	for (size_t i = 0; i < f->n; i++) {
		const struct fs_finding *x = &f->v[i];

		if (x->rule != rule)
			continue;
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "severity");
		json_builder_add_string_value(b, fs_severity_name(x->severity));
		json_builder_set_member_name(b, "code");
		json_builder_add_string_value(b, x->code);
		json_builder_set_member_name(b, "message");
		json_builder_add_string_value(b, x->message);
		if (x->related != SIZE_MAX && x->related < set->n) {
			gchar *where = g_strdup_printf("%s:%u",
			    set->v[x->related].file, set->v[x->related].line);

			json_builder_set_member_name(b, "related");
			json_builder_add_string_value(b, where);
			g_free(where);
		}
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
print_json(const struct fs_ruleset *set, const struct fs_findings *f,
    const unsigned counts[3], int verdict)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "rules");
	json_builder_begin_array(b);
	for (size_t i = 0; i < set->n; i++) {
		const struct fs_entry *e = &set->v[i];
		uint8_t nlri[FS_NLRI_MAX_LEN + 2];
		char *text = fs_print_rule_alloc(&e->rule), hex[2 * sizeof(nlri) + 1];
		ssize_t n = fs_nlri_encode(&e->rule, nlri, sizeof(nlri), NULL);

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		if (e->name)
			json_builder_add_string_value(b, e->name);
		else
			json_builder_add_null_value(b);
		json_builder_set_member_name(b, "file");
		json_builder_add_string_value(b, e->file);
		json_builder_set_member_name(b, "line");
		json_builder_add_int_value(b, e->line);
		json_builder_set_member_name(b, "family");
		json_builder_add_string_value(b, fs_family_name(e->rule.family));
		json_builder_set_member_name(b, "rule");
		json_builder_add_string_value(b, text);
		free(text);
		json_builder_set_member_name(b, "nlri_hex");
		if (n > 0) {
			for (ssize_t k = 0; k < n; k++)
				snprintf(hex + 2 * k, 3, "%02x", nlri[k]);
			json_builder_add_string_value(b, hex);
		} else {
			json_builder_add_null_value(b);
		}
		json_builder_set_member_name(b, "entry_cost");
		json_builder_add_int_value(b, (gint64)MIN(fs_rule_entry_cost(&e->rule),
		    (uint64_t)G_MAXINT64));
		add_findings_json(b, f, i, set);
		/* Per-node verdicts come with the dynamic run. */
		json_builder_set_member_name(b, "nodes");
		json_builder_begin_array(b);
		json_builder_end_array(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "summary");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "rules");
	json_builder_add_int_value(b, (gint64)set->n);
	json_builder_set_member_name(b, "errors");
	json_builder_add_int_value(b, counts[FS_SEV_ERROR]);
	json_builder_set_member_name(b, "warnings");
	json_builder_add_int_value(b, counts[FS_SEV_WARNING]);
	json_builder_set_member_name(b, "info");
	json_builder_add_int_value(b, counts[FS_SEV_INFO]);
	json_builder_set_member_name(b, "dynamic");
	json_builder_add_boolean_value(b, FALSE);
	json_builder_set_member_name(b, "result");
	json_builder_add_string_value(b, verdict == FC_EXIT_PASS ? "pass" : "fail");
	json_builder_end_object(b);
	json_builder_end_object(b);
	fc_print_json(json_builder_get_root(b));
	g_object_unref(b);
}

static void
print_human(const struct fs_ruleset *set, const struct fs_findings *f,
    const unsigned counts[3], int verdict)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct fs_entry *e = &set->v[i];
		char *text = fs_print_rule_alloc(&e->rule);

		printf("%s:%u%s%s\n  %s\n", e->file, e->line, e->name ? "  " : "",
		    e->name ? e->name : "", text);
		free(text);
		for (size_t k = 0; k < f->n; k++) {
			if (f->v[k].rule != i)
				continue;
			printf("  %-7s %s: %s\n", fs_severity_name(f->v[k].severity),
			    f->v[k].code, f->v[k].message);
		}
	}
	printf("\n%zu rule%s checked: %u error%s, %u warning%s, %u info — %s\n",
	    set->n, set->n == 1 ? "" : "s", counts[FS_SEV_ERROR],
	    counts[FS_SEV_ERROR] == 1 ? "" : "s", counts[FS_SEV_WARNING],
	    counts[FS_SEV_WARNING] == 1 ? "" : "s", counts[FS_SEV_INFO],
	    verdict == FC_EXIT_PASS ? "PASS" : "FAIL");
}

int
fc_cmd_check(int argc, char **argv)
{
	gboolean json = FALSE, static_only = FALSE;
	gchar *family_name = NULL, *fail_on = NULL, *max_packet = NULL,
	    *entry_limit = NULL;
	GOptionEntry entries[] = {
		{ "static", 's', 0, G_OPTION_ARG_NONE, &static_only,
		  "static check only: no lab", NULL },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON", NULL },
		{ "family", 'f', 0, G_OPTION_ARG_STRING, &family_name,
		  "read every rule as ipv4 or ipv6 (default: per rule)", "FAMILY" },
		{ "fail-on", 0, 0, G_OPTION_ARG_STRING, &fail_on,
		  "exit 1 at findings of this severity or worse: error (default), "
		  "warning, info", "SEVERITY" },
		{ "max-packet", 0, 0, G_OPTION_ARG_STRING, &max_packet,
		  "largest packet on the network, bytes (default 9216)", "BYTES" },
		{ "entry-limit", 0, 0, G_OPTION_ARG_STRING, &entry_limit,
		  "filter entries one rule may cost before a warning (default 4096)", "N" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct fs_lint_options opt;
	struct fs_ruleset set;
	struct fs_findings found = { 0 };
	unsigned counts[3] = { 0 };
	int family, threshold = FS_SEV_ERROR, rc = FC_EXIT_USAGE;

	fs_ruleset_init(&set);
	fs_lint_options_default(&opt);
	if (!fc_parse_options("check", "RULES...",
	    "Checks rule files (one-line syntax, ExaBGP flow blocks or Junos flow "
	    "routes) for what they would do to routers.", entries, &argc, &argv))
		goto out;
	if ((family = fc_parse_family(family_name)) < 0)
		goto out;
	if (fail_on && (threshold = severity_by_name(fail_on)) < 0) {
		fprintf(stderr, "flowcanary check: --fail-on takes error, warning "
		    "or info, not \"%s\"\n", fail_on);
		goto out;
	}
	if ((max_packet && parse_count(max_packet, &opt.max_packet) != 0) ||
	    (entry_limit && parse_count(entry_limit, &opt.entry_limit) != 0)) {
		fprintf(stderr, "flowcanary check: --max-packet and --entry-limit "
		    "take a positive whole number\n");
		goto out;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: flowcanary check [--static] [--json] "
		    "[--fail-on SEVERITY] [--max-packet BYTES] RULES...\n");
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		struct fs_error err = { 0 };

		if (fs_ruleset_load_file(&set, argv[i], family, &err) < 0) {
			if (json)
				fc_print_json_error(&err);
			fc_print_error("check", &err);
			rc = FC_EXIT_INPUT;
			goto out;
		}
	}
	if (fs_lint(&set, &opt, &found) != 0) {
		fprintf(stderr, "flowcanary check: out of memory while checking\n");
		rc = FC_EXIT_ENV;
		goto out;
	}
	rc = FC_EXIT_PASS;
	for (size_t i = 0; i < found.n; i++) {
		counts[found.v[i].severity]++;
		if ((int)found.v[i].severity >= threshold)
			rc = FC_EXIT_FAIL;
	}
	if (json)
		print_json(&set, &found, counts, rc);
	else
		print_human(&set, &found, counts, rc);
	if (!static_only)
		fprintf(stderr, "flowcanary check: static check only; the dynamic "
		    "canary run (lab, streams, verdicts per node) is not built yet\n");
out:
	fs_findings_free(&found);
	fs_ruleset_free(&set);
	g_free(family_name);
	g_free(fail_on);
	g_free(max_packet);
	g_free(entry_limit);
	return rc;
}
