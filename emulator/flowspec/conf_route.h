/*
 * conf_route.h - what the ExaBGP and Junos readers share.
 *
 * Both syntaxes nest `flow { route NAME { match { ... } then { ... } } }`
 * somewhere in a larger configuration.  The shared reader walks the whole
 * file, skipping other blocks by brace matching, collects each route's
 * match statements as tokens and its actions as extended communities,
 * and then builds the rule: the family first (from the prefixes), then
 * the components.  A dialect supplies its statement names, its then
 * statements and its value names.
 */
#ifndef FC_FLOWSPEC_CONF_ROUTE_H
#define FC_FLOWSPEC_CONF_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "flowspec/conf_lexer.h"
#include "flowspec/ecomm.h"
#include "flowspec/error.h"
#include "flowspec/rule.h"
#include "flowspec/ruleset.h"

#define CR_MAX_ACTIONS	16	/* per route; real ones carry one to four */
#define CR_MAX_DEPTH	64	/* nested blocks searched for flow routes */

/* A match statement: its name and the component it fills. */
struct cr_keyword {
	const char *name;
	unsigned type;		/* enum fs_type */
	unsigned flags;
};
#define CR_KW_IPV6	0x1	/* exists only in IPv6 rules */

struct cr_reader;

struct cr_dialect {
	const char *name;		/* "ExaBGP", for messages */
	unsigned lexer_flags;		/* CL_* */
	unsigned flags;			/* CR_D_* */
	const struct cr_keyword *match;	/* ends with a NULL name */
	const char *match_names;	/* "destination, source, ..." */
	const char *const *route_skip;	/* route statements ignored; NULL-ended */
	const char *route_names;	/* "match, then, ..." */
	const char *then_names;		/* "discard, accept, ..." */
	/* Reads one then statement; `kw` (a word) was just read. Returns 0 or -1. */
	int (*then_stmt)(struct cr_reader *rd, const struct cl_token *kw);
	/*
	 * Returns the value named s[0..len) for component `type` in
	 * `family`; -1 when unknown, with *hint naming some names; -2 when
	 * the dialect has no names for `type` (the core parser reads them).
	 */
	int (*value_name)(unsigned type, int family, const char *s, size_t len,
	    const char **hint);
	/* Reads one tcp-flags value token by calls to cr_term; NULL: as a term. */
	int (*flags_value)(struct cr_reader *rd, const struct cl_token *tok);
};
#define CR_D_TAGS	0x1	/* Junos "inactive:", "protect:", "replace:" */
#define CR_D_ONE_LINE	0x2	/* "then discard;" and "match port 53;" without braces */
#define CR_D_NO_SET	0x4	/* refuse Junos "set ..." command lines, by name */

struct cr_stmt {
	const struct cr_keyword *kw;
	struct cl_token key;
	size_t first, count;		/* slice of cr_route.vals */
};

/* The route being read. */
struct cr_route {
	struct cl_token head;		/* the word "route" */
	struct cl_token name;
	struct cr_stmt *stmts;
	size_t nstmts, stmts_cap;
	struct cl_token *vals;
	size_t nvals, vals_cap;
	struct fs_action act[CR_MAX_ACTIONS];
	unsigned nact;
	bool sample, terminal;		/* one traffic-action, bits merged */
	uint32_t spelled;		/* enum fs_spelling */
	bool has_match;
	int ctx_family;			/* from the enclosing block, or 0 */
};

struct cr_reader {
	struct cl_lexer lx;
	const struct cr_dialect *d;
	struct fs_ruleset *set;
	const char *file;
	int family;			/* forced, or 0 */
	int count;			/* rules added */
	struct cr_route rt;
	struct fs_rule rule, scratch;
	/* while values are parsed */
	struct fs_rule *cur;
	unsigned cur_type;
	int cur_family;
	bool first;
};

/*
 * Reads every flow route of text[0..len) in dialect `d` and appends the
 * rules to `set`.  Returns the number read, or -1 with `err` set and
 * `set` as it was.
 */
int cr_read(const struct cr_dialect *d, struct fs_ruleset *set,
    const char *text, size_t len, const char *file, int family,
    struct fs_error *err);

/* For then statements. */

/* Expects the ";" that ends statement `kw`. Returns 0 or -1. */
int cr_end(struct cr_reader *rd, const struct cl_token *kw);
/* Reads the one argument of `kw` (`what` names it) and the ";". Returns 0 or -1. */
int cr_arg(struct cr_reader *rd, const struct cl_token *kw, const char *what,
    struct cl_token *arg);
/* Adds action `a` of the statement at `at`. Returns 0 or -1. */
int cr_add_action(struct cr_reader *rd, const struct fs_action *a,
    const struct cl_token *at);
/* Skips the rest of statement `kw`, brackets included. Returns 0 or -1. */
int cr_skip(struct cr_reader *rd, const struct cl_token *kw);

/*
 * Parses the decimal number s[0..len) into *out if it is at most `max`.
 * Returns true on success.
 */
bool cr_number(const char *s, size_t len, uint64_t max, uint64_t *out);

/*
 * Parses a redirect target "ASN:N" or "IPv4:N" at `at` into *a: a 2-octet
 * AS takes a 32-bit N, a 4-octet AS or an address a 16-bit N.  With
 * `as4_suffix`, "65000L:N" asks for the 4-octet form (Junos).
 * Returns 0 or -1.
 */
int cr_redirect(struct cr_reader *rd, const struct cl_token *at,
    const char *s, size_t len, bool as4_suffix, struct fs_action *a);

/*
 * For value_name: returns the IP protocol named s[0..len), by the core's
 * names first ( -2: the core parser reads it) and then by a few more
 * (ExaBGP's and Junos's); -1 with *hint when unknown.
 */
int cr_protocol_name(const char *s, size_t len, const char **hint);

/*
 * For flags_value: parses one term token of the component being built,
 * found at line:column (`exact`: the token is verbatim there, so the
 * parser's column can be added).  Returns 0 or -1.
 */
int cr_term(struct cr_reader *rd, const char *s, size_t len, unsigned line,
    unsigned column, bool exact);

#endif
