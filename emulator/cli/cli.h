/*
 * cli.h - the flowcanary command: exit statuses and the subcommands.
 */
#ifndef FC_CLI_H
#define FC_CLI_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

#include "flowspec/error.h"
#include "flowspec/rule.h"

/* Exit statuses, as DESIGN.md promises them to scripts. */
enum fc_exit {
	FC_EXIT_PASS = 0,
	FC_EXIT_FAIL = 1,	/* a rule failed, or a finding reached --fail-on */
	FC_EXIT_USAGE = 2,
	FC_EXIT_INPUT = 3,	/* invalid input; the message names where */
	FC_EXIT_ENV = 4,	/* lab or environment error, with a hint */
};

/* Each returns an exit status. argv[0] is the subcommand's name. */
int fc_cmd_encode(int argc, char **argv);
int fc_cmd_decode(int argc, char **argv);
int fc_cmd_check(int argc, char **argv);
int fc_cmd_inject(int argc, char **argv);
int fc_cmd_listen(int argc, char **argv);
int fc_cmd_lab(int argc, char **argv);

/*
 * Parses the options of a subcommand.  Returns true, or false after
 * printing the error and the usage (exit status FC_EXIT_USAGE).
 */
bool fc_parse_options(const char *cmd, const char *params, const char *summary,
    GOptionEntry *entries, int *argc, char ***argv);

/* Returns FS_IPV4, FS_IPV6, 0 for NULL, or -1 (after a message) if unknown. */
int fc_parse_family(const char *name);

/* Prints `node` as pretty JSON on stdout, and a newline; takes ownership. */
void fc_print_json(JsonNode *node);

/* Prints `node` as one line of JSON on stdout and flushes; takes ownership. */
void fc_print_json_line(JsonNode *node);

/* Returns lower-case hex of buf[0..n) in a new string (g_free). */
char *fc_hex(const uint8_t *buf, size_t n);

/* Adds "family", "rule", "nlri_hex" and "ext_communities_hex" of `r`. */
void fc_json_rule_members(JsonBuilder *b, const struct fs_rule *r,
    const char *nlri_hex);

/* Adds "conformant" and "notes" for the FS_NC_* bits in `nonconform`. */
void fc_json_notes(JsonBuilder *b, uint32_t nonconform);

/* Prints "flowcanary: CMD: " and the formatted error on stderr. */
void fc_print_error(const char *cmd, const struct fs_error *err);

/*
 * Prints a one-line JSON error object on stdout for --json callers:
 * {"error": {"code", "message", ...}}.
 */
void fc_print_json_error(const struct fs_error *err);

#endif
