/*
 * listen_view.h - what `flowcanary listen` printed, read back for the
 * interoperability tests: the rules of its "announce" and "withdraw"
 * lines, single events, and excerpts of logs for failure messages.
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

/* Returns the last `lines` lines of the lab file `name` (g_free). */
char *lv_tail(const struct it_lab *lab, const char *name, unsigned lines);

/*
 * Appends to `fail` the first sanitizer report (ASan, LSan, UBSan) in the
 * lab file `log`: a flowcanary built with -Db_sanitize writes them to its
 * stderr, which shares the file.  Stop the process first: leaks are
 * reported at exit.
 */
void lv_sanitizer_check(const struct it_lab *lab, const char *log, GString *fail);

/* Returns one JSON object as text (g_free). */
char *lv_text(JsonObject *o);

#endif
