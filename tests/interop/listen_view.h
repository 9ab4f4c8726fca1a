/*
 * listen_view.h - what `flowcanary listen` printed, read back for the
 * interoperability tests: the rules of its "announce" and "withdraw"
 * lines compared with the rules expected, and single events.
 */
#ifndef FC_TEST_LISTEN_VIEW_H
#define FC_TEST_LISTEN_VIEW_H

#include <glib.h>
#include <json-glib/json-glib.h>

#include "harness.h"

/*
 * Returns the rules of the `event` lines ("announce", "withdraw") of the
 * lab file `log`, each "rule" text parsed with fs_parse_rule for its
 * "family" (it_free_rules).  A line that does not parse is reported in
 * `err` and left out.
 */
struct fs_rule *lv_rules(const struct it_lab *lab, const char *log,
    const char *event, size_t *n, GString *err);

/*
 * Returns the `event` lines of `log` (json_array_unref), all of them when
 * `member` is NULL, else those whose string `member` equals `value`.
 */
JsonArray *lv_select(const struct it_lab *lab, const char *log,
    const char *event, const char *member, const char *value);

/*
 * Compares the rules of the `event` lines of `log` (as lv_rules reads
 * them) with `want`, as it_compare_rules does; if they differ, appends
 * "\n" `what` ":" and the differences to `fail`.  Returns how many of those
 * lines parsed.
 */
size_t lv_expect_rules(const struct it_lab *lab, const char *log,
    const char *event, const struct fs_rule *want, size_t nwant,
    const char *what, GString *fail);

/* Appends to `fail` each "announce" line of `log` that does not call its rule conformant. */
void lv_expect_conformant(const struct it_lab *lab, const char *log,
    GString *fail);

/* Returns one JSON object as text (g_free). */
char *lv_text(JsonObject *o);

#endif
