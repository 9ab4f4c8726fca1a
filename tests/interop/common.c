/*
 * common.c - what the interoperability suites share beyond the lab: the
 * vectors as rules to send, rounds of flowcanary inject, and failure
 * reports (log excerpts, sanitizer reports, the end of a test).
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "support.h"

/* Appends rule `text` of vector line `line` (0: a rule of the test) to `v`. */
static void
add_vec(GArray *v, unsigned line, int family, const char *text,
    const char *source)
{
	struct it_vec x = { .line = line, .text = g_strdup(text),
		.source = g_strdup(source) };

	fs_rule_init(&x.rule, family);
	fc_parse_or_fail(text, family, &x.rule);
	for (guint k = 0; k < v->len; k++) {
		const struct it_vec *e = &g_array_index(v, struct it_vec, k);
		if (e->rule.family == x.rule.family && fs_rule_match_equal(&e->rule, &x.rule))
			x.round++;
	}
	g_array_append_val(v, x);
}

GArray *
it_load_vectors(bool packed, const char *const *extra, size_t nextra)
{
	char *path = fc_vectors_path("flowspec-nlri.jsonl"), *text = NULL;
	GArray *v = g_array_new(FALSE, TRUE, sizeof(struct it_vec));

	ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL), "cannot read %s", path);
	gchar **lines = g_strsplit(text, "\n", -1);
	for (unsigned i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] != '{')
			continue;
		JsonParser *p = json_parser_new();
		ck_assert_msg(json_parser_load_from_data(p, lines[i], -1, NULL),
		    "%s:%u: not JSON", path, i + 1);
		JsonObject *o = json_node_get_object(json_parser_get_root(p));
		const char *rule = json_object_get_string_member_with_default(o, "rule", NULL);
		int fam = strcmp(json_object_get_string_member_with_default(o, "family", ""),
		    "ipv6") == 0 ? FS_IPV6 : FS_IPV4;
		const char *source = json_object_get_string_member_with_default(o,
		    "source", "");
		if (rule != NULL)
			add_vec(v, i + 1, fam, rule, source);
		JsonNode *many = json_object_get_member(o, "rules");
		if (packed && many != NULL && JSON_NODE_HOLDS_ARRAY(many)) {
			JsonArray *a = json_node_get_array(many);
			for (guint k = 0; k < json_array_get_length(a); k++)
				add_vec(v, i + 1, fam, json_array_get_string_element(a, k),
				    source);
		}
		g_object_unref(p);
	}
	for (size_t i = 0; i < nextra; i++)
		add_vec(v, 0, 0, extra[i], "");
	g_strfreev(lines);
	g_free(text);
	g_free(path);
	return v;
}

void
it_free_vectors(GArray *v)
{
	for (guint i = 0; i < v->len; i++) {
		struct it_vec *x = &g_array_index(v, struct it_vec, i);
		g_free(x->text);
		g_free(x->source);
		fs_rule_free(&x->rule);
	}
	g_array_free(v, TRUE);
}

char *
it_vec_origin(const struct it_vec *x)
{
	return x->line ? g_strdup_printf("vector line %u", x->line) :
	    g_strdup("extra rule");
}

unsigned
it_vec_rounds(GArray *v, const char *(*refuses)(const struct fs_rule *r))
{
	unsigned n = 0;

	for (guint i = 0; i < v->len; i++) {
		const struct it_vec *x = &g_array_index(v, struct it_vec, i);
		if (refuses(&x->rule) == NULL && x->round + 1 > n)
			n = x->round + 1;
	}
	return n;
}

GPtrArray *
it_write_round(struct it_lab *lab, const char *name, GArray *v, unsigned k,
    const char *(*refuses)(const struct fs_rule *r),
    char *(*render)(const struct fs_rule *r))
{
	GString *file = g_string_new(NULL);
	GPtrArray *want = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < v->len; i++) {
		const struct it_vec *x = &g_array_index(v, struct it_vec, i);
		if (x->round != k || refuses(&x->rule) != NULL)
			continue;
		g_string_append_printf(file, "%s\n", x->text);
		char *e = render(&x->rule);
		g_ptr_array_add(want, e ? e : g_strdup_printf("(cannot encode %s)",
		    x->text));
	}
	g_free(it_write(lab, name, file->str, 0644));
	g_string_free(file, TRUE);
	return want;
}

int
it_inject_refused(struct it_lab *lab, const struct it_vec *x, unsigned n,
    char **out)
{
	char name[32], log[40];
	snprintf(name, sizeof name, "refused-%u.rules", n);
	snprintf(log, sizeof log, "inject-refused-%u.log", n);
	char *line = g_strdup_printf("%s\n", x->text);
	g_free(it_write(lab, name, line, 0644));
	g_free(line);
	int st = it_inject_run(lab, name, 5, log, 20);
	*out = it_read(lab, log);
	return st;
}

bool
it_count_reached(struct it_lab *lab, void *ud)
{
	struct it_count_wait *w = ud;
	w->have = w->count(lab);
	return w->exact ? w->have == w->want : w->have >= w->want;
}

bool
it_end_round(struct it_lab *lab, GPid pid, unsigned k,
    int (*count)(struct it_lab *lab), const char *who, GString *fail)
{
	struct it_count_wait e = { .count = count, .want = 0, .exact = true };

	it_stop(lab, pid);
	if (!it_wait(it_count_reached, lab, &e, 10))
		g_string_append_printf(fail, "\nround %u: %s still holds %d routes "
		    "10 s after inject closed its session", k, who, e.have);
	return e.have == 0;
}

bool
it_has_offset(const struct fs_rule *r)
{
	for (unsigned i = 0; i < r->ncomp; i++)
		if (fs_type_kind(r->comp[i].type) == FS_KIND_PREFIX &&
		    r->comp[i].prefix.offset != 0)
			return true;
	return false;
}

void
it_append_log(const struct it_lab *lab, GString *s, const char *name, size_t max)
{
	char *t = it_read(lab, name);
	size_t n = strlen(t);
	g_string_append_printf(s, "\n--- %s%s:\n%s", name, n > max ? " (end)" : "",
	    n > max ? t + n - max : *t ? t : "(empty)\n");
	g_free(t);
}

/* Returns the last `lines` lines of the lab file `name` (g_free). */
static char *
tail_lines(const struct it_lab *lab, const char *name, unsigned lines)
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

/* What starts a sanitizer's report: its error lines (it_stop_checked). */
static const char *const sanitizer_errors[] = { "ERROR: AddressSanitizer",
	"ERROR: LeakSanitizer", "runtime error:", "Sanitizer:DEADLYSIGNAL", NULL };
/* Any line of a sanitizer's (it_sanitizer_check_all). */
static const char *const sanitizer_any[] = { "runtime error:", "Sanitizer", NULL };

/*
 * Appends to `fail` the lab file `log` from the start of the line of the
 * first of `marks` (tried in their order) it holds; nothing if it holds none.
 */
static void
sanitizer_report(const struct it_lab *lab, const char *log,
    const char *const *marks, GString *fail)
{
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

void
it_stop_checked(struct it_lab *lab, GPid pid, const char *log, GString *fail)
{
	it_stop(lab, pid);
	sanitizer_report(lab, log, sanitizer_errors, fail);
}

void
it_sanitizer_check_all(const struct it_lab *lab, GString *fail)
{
	GDir *d = g_dir_open(lab->dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL)
		if (g_str_has_prefix(name, "inject") || g_str_has_prefix(name, "listen"))
			sanitizer_report(lab, name, sanitizer_any, fail);
	if (d != NULL)
		g_dir_close(d);
}

void
it_finish(struct it_lab *lab, GString *fail, const char *const *logs)
{
	if (fail->len > 0) {
		fprintf(stderr, "FAILURES:%s\n", fail->str);
		for (size_t i = 0; logs != NULL && logs[i] != NULL; i++) {
			char *t = tail_lines(lab, logs[i], 60);
			fprintf(stderr, "--- %s (last 60 lines):\n%s", logs[i],
			    *t ? t : "(empty)\n");
			g_free(t);
		}
	}
	it_lab_down(lab);
	ck_assert_msg(fail->len == 0, "%.3000s%s", fail->str,
	    fail->len > 3000 ? "... (the rest, and the logs, on stderr)" :
	    " (logs on stderr)");
	g_string_free(fail, TRUE);
}
