/*
 * ruleset.c - rule files: loading, syntax detection, the one-line reader.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "grow.h"
#include "ruleset.h"
#include "text.h"

/* Rule files are text a person wrote; anything larger is a mistake. */
#define RULE_FILE_MAX (64u << 20)

void
fs_ruleset_init(struct fs_ruleset *set)
{
	memset(set, 0, sizeof(*set));
}

static void
entry_free(struct fs_entry *e)
{
	fs_rule_free(&e->rule);
	free(e->name);
	free(e->file);
}

void
fs_ruleset_truncate(struct fs_ruleset *set, size_t n)
{
	while (set->n > n)
		entry_free(&set->v[--set->n]);
}

void
fs_ruleset_free(struct fs_ruleset *set)
{
	if (set == NULL)
		return;
	fs_ruleset_truncate(set, 0);
	free(set->v);
	fs_ruleset_init(set);
}

int
fs_ruleset_add(struct fs_ruleset *set, const struct fs_rule *rule,
    const char *name, const char *file, unsigned line, unsigned column)
{
	struct fs_entry *e;

	if (set == NULL || rule == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (fs_grow((void **)&set->v, &set->cap, set->n + 1, sizeof(*set->v),
	    16) != 0)
		return -1;
	e = &set->v[set->n];
	memset(e, 0, sizeof(*e));
	fs_rule_init(&e->rule, rule->family);
	if (fs_rule_copy(&e->rule, rule) != 0 ||
	    (name != NULL && (e->name = strdup(name)) == NULL) ||
	    (e->file = strdup(file ? file : "")) == NULL) {
		entry_free(e);
		errno = ENOMEM;
		return -1;
	}
	e->line = line;
	e->column = column;
	set->n++;
	return 0;
}

/*
 * Returns the length of the next word of text[*pos..len) and its start in
 * *start, skipping white space, comments (# // and C style) and quoted
 * strings; braces and semicolons are words of their own.  0 at the end.
 */
static size_t
next_word(const char *text, size_t len, size_t *pos, size_t *start)
{
	size_t p = *pos, q;

	for (;;) {
		while (p < len && isspace((unsigned char)text[p]))
			p++;
		if (p < len && (text[p] == '#' ||
		    (text[p] == '/' && p + 1 < len && text[p + 1] == '/'))) {
			while (p < len && text[p] != '\n')
				p++;
		} else if (p + 1 < len && text[p] == '/' && text[p + 1] == '*') {
			const char *end = memmem(text + p + 2, len - p - 2, "*/", 2);

			p = end ? (size_t)(end - text) + 2 : len;
		} else if (p < len && text[p] == '"') {
			const char *end = memchr(text + p + 1, '"', len - p - 1);

			p = end ? (size_t)(end - text) + 1 : len;
		} else {
			break;
		}
	}
	q = p;
	if (q < len && strchr("{};", text[q]) != NULL)
		q++;
	else
		while (q < len && !isspace((unsigned char)text[q]) &&
		    strchr("{};#\"", text[q]) == NULL)
			q++;
	*start = p;
	*pos = q;
	return q - p;
}

static bool
word_is(const char *text, size_t start, size_t n, const char *w)
{
	return n == strlen(w) && memcmp(text + start, w, n) == 0;
}

/*
 * Returns true if a file that starts with "flow" reads as Junos: it names
 * routing-options, or has a "then" followed by a statement rather than a
 * block (ExaBGP always writes "then {").  Comments and strings do not count.
 */
static bool
junos_flow(const char *text, size_t len)
{
	size_t pos = 0, start, n;
	bool after_then = false;

	while ((n = next_word(text, len, &pos, &start)) > 0) {
		if (word_is(text, start, n, "routing-options") ||
		    (after_then && !word_is(text, start, n, "{")))
			return true;
		after_then = word_is(text, start, n, "then");
	}
	return false;
}

enum fs_syntax
fs_ruleset_detect(const char *text, size_t len)
{
	static const char *const junos[] = { "routing-options", "policy-options",
	    "firewall", "interfaces", "protocols", "system", "version",
	    "routing-instances", "set" };
	static const char *const exabgp[] = { "flow", "neighbor", "process",
	    "template", "group", "peer" };
	size_t pos = 0, start, n = next_word(text, len, &pos, &start);

	for (size_t i = 0; i < sizeof(junos) / sizeof(junos[0]); i++)
		if (n == strlen(junos[i]) && memcmp(text + start, junos[i], n) == 0)
			return FS_SYNTAX_JUNOS;
	for (size_t i = 0; i < sizeof(exabgp) / sizeof(exabgp[0]); i++)
		if (n == strlen(exabgp[i]) && memcmp(text + start, exabgp[i], n) == 0)
			return junos_flow(text, len) ? FS_SYNTAX_JUNOS :
			    FS_SYNTAX_EXABGP;
	return FS_SYNTAX_ONELINE;
}

/* Fills the place of err from file, line and the column it already has. */
static void
place(struct fs_error *err, const char *file, unsigned line, unsigned col0)
{
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->column += col0;
}

int
fs_read_oneline(struct fs_ruleset *set, const char *text, size_t len,
    const char *file, int family, struct fs_error *err)
{
	struct fs_error scratch;
	struct fs_rule rule;
	size_t before = set->n, p = 0;
	unsigned line = 0;
	int count = 0;

	if (err == NULL)
		err = &scratch;
	fs_rule_init(&rule, family ? family : FS_IPV4);
	while (p < len) {
		const char *l = text + p, *nl = memchr(l, '\n', len - p);
		size_t llen = nl ? (size_t)(nl - l) : len - p, s = 0, e, w;
		char *name = NULL;

		p += llen + (nl != NULL);
		line++;
		while (s < llen && isspace((unsigned char)l[s]))
			s++;
		if (s == llen || l[s] == '#')
			continue;
		/* "NAME: match ..." names the rule. */
		for (w = s; w < llen && !isspace((unsigned char)l[w]); w++)
			;
		if (w > s + 1 && l[w - 1] == ':') {
			name = strndup(l + s, w - s - 1);
			if (name == NULL) {
				fs_error_set(err, FS_E_NOMEM, "out of memory");
				goto fail;
			}
			for (s = w; s < llen && isspace((unsigned char)l[s]); s++)
				;
		}
		e = llen;
		memset(err, 0, sizeof(*err));
		if (fs_parse_rule(l + s, e - s, family, &rule, err) != 0) {
			free(name);
			place(err, file, line, (unsigned)s);
			goto fail;
		}
		if (fs_ruleset_add(set, &rule, name, file, line,
		    (unsigned)s + 1) != 0) {
			free(name);
			fs_error_set(err, FS_E_NOMEM, "out of memory");
			goto fail;
		}
		free(name);
		count++;
	}
	fs_rule_free(&rule);
	return count;
fail:
	fs_rule_free(&rule);
	fs_ruleset_truncate(set, before);
	return -1;
}

int
fs_ruleset_load_text(struct fs_ruleset *set, const char *text, size_t len,
    const char *file, int family, struct fs_error *err)
{
	if (set == NULL || (text == NULL && len != 0))
		return fs_error_set(err, FS_E_VALUE, "bad arguments");
	switch (fs_ruleset_detect(text, len)) {
	case FS_SYNTAX_EXABGP:
		return fs_read_exabgp(set, text, len, file, family, err);
	case FS_SYNTAX_JUNOS:
		return fs_read_junos(set, text, len, file, family, err);
	default:
		return fs_read_oneline(set, text, len, file, family, err);
	}
}

int
fs_ruleset_load_file(struct fs_ruleset *set, const char *path, int family,
    struct fs_error *err)
{
	FILE *f;
	struct stat st;
	char *text;
	size_t n;
	int rc;

	if (set == NULL || path == NULL)
		return fs_error_set(err, FS_E_VALUE, "bad arguments");
	if (err)
		snprintf(err->file, sizeof(err->file), "%s", path);
	if ((f = fopen(path, "r")) == NULL)
		return fs_error_set(err, FS_E_IO, "cannot open %s: %s", path,
		    strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > RULE_FILE_MAX) {
		fclose(f);
		return fs_error_set(err, FS_E_IO,
		    "%s is not a regular file of at most %u MiB", path,
		    RULE_FILE_MAX >> 20);
	}
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL) {
		fclose(f);
		return fs_error_set(err, FS_E_NOMEM, "out of memory");
	}
	n = fread(text, 1, (size_t)st.st_size, f);
	if (ferror(f) || n != (size_t)st.st_size) {
		free(text);
		fclose(f);
		return fs_error_set(err, FS_E_IO, "short read of %s", path);
	}
	fclose(f);
	text[n] = '\0';
	if (memchr(text, '\0', n) != NULL) {
		free(text);
		return fs_error_set(err, FS_E_IO,
		    "%s holds a NUL byte: not a rule file", path);
	}
	rc = fs_ruleset_load_text(set, text, n, path, family, err);
	free(text);
	return rc;
}
