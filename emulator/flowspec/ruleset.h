/*
 * ruleset.h - a rule file: one-line rules, ExaBGP flow blocks or Junos
 * flow routes, chosen by content.  Each rule keeps its name and the place
 * it came from, for findings and verdicts that point back at the file.
 */
#ifndef FC_FLOWSPEC_RULESET_H
#define FC_FLOWSPEC_RULESET_H

#include <stddef.h>
#include "rule.h"
#include "error.h"

struct fs_entry {
	struct fs_rule rule;
	char *name;		/* NULL when the rule has none */
	char *file;
	unsigned line, column;
};

struct fs_ruleset {
	struct fs_entry *v;
	size_t n, cap;
};

enum fs_syntax { FS_SYNTAX_ONELINE, FS_SYNTAX_EXABGP, FS_SYNTAX_JUNOS };

void fs_ruleset_init(struct fs_ruleset *set);
void fs_ruleset_free(struct fs_ruleset *set);
/* Frees the entries from index `n` on: a reader undoing a failed read. */
void fs_ruleset_truncate(struct fs_ruleset *set, size_t n);

/*
 * Appends a copy of `rule` (taking nothing from the caller) named `name`
 * (may be NULL), from file:line:column.  Returns 0, or -1 on ENOMEM.
 */
int fs_ruleset_add(struct fs_ruleset *set, const struct fs_rule *rule,
    const char *name, const char *file, unsigned line, unsigned column);

/* Returns the syntax of text[0..len), judged by its first tokens. */
enum fs_syntax fs_ruleset_detect(const char *text, size_t len);

/*
 * Appends the rules in text[0..len) from `file` (a name for messages).
 * `family` forces a family, or 0 infers it per rule.  On error nothing is
 * appended: returns -1 with err naming file:line:column.  Returns the
 * number of rules read otherwise.
 */
int fs_ruleset_load_text(struct fs_ruleset *set, const char *text, size_t len,
    const char *file, int family, struct fs_error *err);

/* Reads `path` and calls fs_ruleset_load_text. */
int fs_ruleset_load_file(struct fs_ruleset *set, const char *path, int family,
    struct fs_error *err);

/*
 * The readers behind load_text, one per syntax, with the same contract.
 * Each appends to `set` and, on error, leaves `set` as it found it.
 */
int fs_read_oneline(struct fs_ruleset *set, const char *text, size_t len,
    const char *file, int family, struct fs_error *err);
int fs_read_exabgp(struct fs_ruleset *set, const char *text, size_t len,
    const char *file, int family, struct fs_error *err);
int fs_read_junos(struct fs_ruleset *set, const char *text, size_t len,
    const char *file, int family, struct fs_error *err);

#endif
