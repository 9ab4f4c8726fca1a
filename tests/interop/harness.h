/*
 * harness.h - what the interoperability tests share: a lab of two network
 * namespaces joined by a veth, processes started inside them (flowcanary
 * listen and inject among them), listen's JSON lines and rule comparisons
 * (harness.c); the vectors and failure reports (common.c).
 *
 * Namespace "a" is flowcanary's side, "b" the real speaker's.  Every
 * process is started in the foreground with a parent-death signal, so a
 * killed test leaves no daemon behind; it_lab_down() stops them, deletes
 * the namespaces and the lab's directory, and fails the test if any of it
 * survived.  A missing daemon fails the test with the package to install:
 * nothing is skipped.
 */
#ifndef FC_TEST_HARNESS_H
#define FC_TEST_HARNESS_H

#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "flowspec/rule.h"

#define IT_IP_A "10.203.0.1"
#define IT_IP_B "10.203.0.2"
#define IT_AS_A 65000	/* flowcanary */
#define IT_AS_B 65001	/* the speaker */

struct it_lab {
	char ns_a[32], ns_b[32];
	char dir[256];		/* configs, logs, sockets */
	GArray *pids;		/* GPid of every process started */
};

/* Fails the test unless `path` is executable, naming `package`. */
void it_require(const char *path, const char *package);

/* Creates the namespaces, the veth and the addresses. Fails the test on error. */
void it_lab_up(struct it_lab *lab);
/* Stops everything and removes the lab; fails the test if anything is left. */
void it_lab_down(struct it_lab *lab);

/* Returns a new path inside the lab's directory. */
char *it_path(const struct it_lab *lab, const char *name);
/* Writes `text` to the lab file `name` with `mode`; returns its path. */
char *it_write(const struct it_lab *lab, const char *name, const char *text,
    int mode);

/*
 * Starts argv inside namespace `ns` (NULL: the host), output to the lab
 * file `log`, with `env` (NULL-terminated "K=V" list, may be NULL) added.
 * Returns the pid; fails the test if it cannot start.
 */
GPid it_spawn(struct it_lab *lab, const char *ns, const char *log,
    const char *const *argv, const char *const *env);
/* Stops one process: SIGTERM, then SIGKILL after 3 s; reaps it. */
void it_stop(struct it_lab *lab, GPid pid);
/* Returns true while `pid` runs. */
bool it_alive(GPid pid);

/*
 * Runs argv in `ns` to completion (at most `timeout` s) and returns its
 * stdout (g_free); *status gets the exit status (-1 on timeout).
 */
char *it_run(const char *ns, const char *const *argv, int *status, double timeout);

/* Returns the content of the lab file `name` ("" if absent; g_free). */
char *it_read(const struct it_lab *lab, const char *name);

/*
 * Polls `cond` every 100 ms for up to `timeout` s.  Returns true as soon
 * as it holds.
 */
bool it_wait(bool (*cond)(struct it_lab *lab, void *ud), struct it_lab *lab,
    void *ud, double timeout);

/* Returns the path of the built flowcanary ($FC_BIN). */
const char *it_flowcanary(void);

/*
 * Starts `flowcanary listen` in namespace a, on IT_IP_A:179, writing JSON
 * lines to the lab file `log`.  Waits for its "listening" line.
 */
GPid it_listen_start(struct it_lab *lab, const char *log);

/*
 * Starts `flowcanary inject` in namespace a towards IT_IP_B (hold time
 * 60 s) with the rules of the lab file `file`, from the address `bind`
 * (NULL: the one the route picks), output to the lab file `log`.  Returns
 * its pid.
 */
GPid it_inject_start(struct it_lab *lab, const char *file, const char *bind,
    const char *log);

/*
 * Runs `flowcanary inject --json` in namespace a towards IT_IP_B with the
 * rules of the lab file `file`, hold time `hold` s and a 10 s connect
 * timeout, output to the lab file `log`.  Returns its exit status (-1 if
 * it ran past `timeout` seconds or died of a signal).
 */
int it_inject_run(struct it_lab *lab, const char *file, int hold,
    const char *log, double timeout);

/* Returns the JSON objects of the lab file `log`, one per line (unref). */
JsonArray *it_events(const struct it_lab *lab, const char *log);
/* Returns how many events of `event` (and `family`, if not NULL) `log` holds. */
unsigned it_count_events(const struct it_lab *lab, const char *log,
    const char *event, const char *family);

/* Loads the rules of the lab file or source path `path` or fails the test. */
struct fs_rule *it_load_rules(const char *path, int family, size_t *n);
/* Frees what it_load_rules returned. */
void it_free_rules(struct fs_rule *rules, size_t n);

/*
 * Compares two rule lists as sets (order ignored), matches and actions.
 * Returns NULL if equal, else a report of what is missing on each side
 * (g_free).
 */
char *it_compare_rules(const struct fs_rule *want, size_t nwant,
    const struct fs_rule *got, size_t ngot);

/*
 * Compares two lists of strings (GPtrArray of char *) as multisets: order
 * ignored, duplicates counted.  Returns NULL if equal, else a report of
 * what is missing on each side, the speaker named `who` (g_free).
 */
char *it_compare_entries(GPtrArray *want, GPtrArray *got, const char *who);

/* ---- common.c: the vectors, rounds of inject, failure reports ---- */

/* One rule a test sends: a vector's, or one of the test's own. */
struct it_vec {
	unsigned line;		/* vector line (1-based), 0 for a rule of the test */
	char *text;		/* the rule in one-line syntax */
	char *source;		/* the vector's "source" ("" for a rule of the test) */
	struct fs_rule rule;
	unsigned round;		/* how many earlier rules have the same match */
};

/* Rules no vector has, to send besides them: action combinations and the packet rate. */
#define IT_ACTION_RULES \
	"match destination 198.51.100.1/32 then redirect 10.0.0.1:100", \
	"match destination 198.51.100.2/32 then redirect 4200000000:100 " \
	    "action sample-terminal", \
	"match destination 198.51.100.3/32 then mark 10 rate-limit 1000 as 65000", \
	"match destination 198.51.100.4/32 then rate-limit-packets 100", \
	"match destination 198.51.100.5/32 protocol ==tcp tcp-flags =S &!A " \
	    "fragment !is-fragment then accept", \
	"match destination 2001:db8:4::/64 protocol ==58 icmp-type ==128 " \
	    "flow-label >=1&<=1000 then rate-limit 1000 mark 46"

/*
 * Returns the rules of the vectors of flowspec-nlri.jsonl (with `packed`,
 * those of the "rules" vectors too, which pack several NLRIs in one
 * field), then the `nextra` rules of `extra` (GArray of struct it_vec;
 * it_free_vectors).  Fails the test on a line that is not JSON or a rule
 * that does not parse.
 */
GArray *it_load_vectors(bool packed, const char *const *extra, size_t nextra);
/* Frees what it_load_vectors returned. */
void it_free_vectors(GArray *v);
/* Returns "vector line N" or "extra rule", for messages (g_free). */
char *it_vec_origin(const struct it_vec *x);

/*
 * Returns how many rounds the rules of `v` that `refuses` takes (it returns
 * NULL for them) need: one more than the highest round among them.
 */
unsigned it_vec_rounds(GArray *v,
    const char *(*refuses)(const struct fs_rule *r));

/*
 * Writes the rules of round `k` of `v` that `refuses` takes to the lab file
 * `name`, one per line.  Returns what `render` makes of each (GPtrArray of
 * char *; "(cannot encode RULE)" where it returns NULL; g_ptr_array_unref).
 */
GPtrArray *it_write_round(struct it_lab *lab, const char *name, GArray *v,
    unsigned k, const char *(*refuses)(const struct fs_rule *r),
    char *(*render)(const struct fs_rule *r));

/*
 * Sends rule `x` alone, the `n`-th rule the speaker refuses: writes it to
 * the lab file "refused-N.rules" and runs it_inject_run on it (hold time
 * 5 s, at most 20 s), output to "inject-refused-N.log".  Returns inject's
 * exit status; *out gets its output (g_free).
 */
int it_inject_refused(struct it_lab *lab, const struct it_vec *x, unsigned n,
    char **out);

/* A speaker's route count awaited with it_wait(it_count_reached, ...). */
struct it_count_wait {
	int (*count)(struct it_lab *lab);	/* routes held, -1 if unknown */
	int want, have;
	bool exact;	/* wait for == want, else for >= want */
};
/* Returns true when the count reached `want` (it_wait's condition); sets `have`. */
bool it_count_reached(struct it_lab *lab, void *ud);

/*
 * Stops `pid`, the inject of round `k`, and waits up to 10 s for the speaker
 * `who` to hold no route (`count` tells); appends to `fail` if it still
 * holds some.  Returns true if it holds none.
 */
bool it_end_round(struct it_lab *lab, GPid pid, unsigned k,
    int (*count)(struct it_lab *lab), const char *who, GString *fail);

/* Returns true if `r` has an IPv6 prefix with an offset (RFC 8956). */
bool it_has_offset(const struct fs_rule *r);

/* Appends the last `max` octets of the lab file `name` to `s`, headed by its name. */
void it_append_log(const struct it_lab *lab, GString *s, const char *name,
    size_t max);

/*
 * Stops `pid`, a flowcanary whose output goes to the lab file `log`, and
 * appends to `fail` the first sanitizer report (ASan, LSan, UBSan) there: a
 * flowcanary built with -Db_sanitize writes them to its stderr, leaks at
 * exit.
 */
void it_stop_checked(struct it_lab *lab, GPid pid, const char *log,
    GString *fail);
/*
 * Appends to `fail` what a sanitizer said in each of flowcanary's logs (the
 * lab files inject* and listen*): from the first "runtime error:" or else
 * the first line that names a sanitizer (UBSan does not change the exit
 * status).
 */
void it_sanitizer_check_all(const struct it_lab *lab, GString *fail);

/*
 * Prints the failures and the tails of the lab files `logs` (NULL-ended,
 * or NULL) to stderr, removes the lab, then fails the test if anything
 * failed (the message holds the start of `fail` only: Check caps its
 * size); frees `fail`.
 */
void it_finish(struct it_lab *lab, GString *fail, const char *const *logs);

#endif
