/*
 * text.h - flowcanary's one-line rule syntax: parser and canonical printer.
 *
 *   match destination 192.0.2.53/32 protocol ==udp packet-length >=99971&<=99985 then discard
 *
 * The term and prefix parsers are exported for the ExaBGP and Junos
 * readers, which share the value syntax.
 */
#ifndef FC_FLOWSPEC_TEXT_H
#define FC_FLOWSPEC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include "rule.h"
#include "error.h"

/*
 * Parses one rule ("match ... [then ...]", no name, no comment) from
 * text[0..len) into `out` (initialised; cleared first).  `family` is
 * FS_IPV4 or FS_IPV6 to force it, or 0 to infer it from the prefixes
 * (IPv4 when nothing says otherwise).  Returns 0, or -1 with err->column
 * (1-based, into text) and a message naming what was expected.
 */
int fs_parse_rule(const char *text, size_t len, int family,
    struct fs_rule *out, struct fs_error *err);

/*
 * Parses one term token of component `type` ("==80", ">=137&<=139",
 * "1024-65535", "&!S", "=syn|ack", "tcp", "80/2") and appends its terms
 * to the component added last to `r`.  `first` says whether this token
 * starts the component (an AND on it is then an error).
 * Returns 0, or -1 with err->column relative to tok.
 */
int fs_parse_term(struct fs_rule *r, unsigned type, const char *tok,
    size_t len, bool first, struct fs_error *err);

/*
 * Parses "ADDR[/LEN]" for `family` (0: by the address's form) into `p`,
 * with bits beyond LEN masked.  Sets *family_out.  Returns 0, or -1 with err.
 */
int fs_parse_prefix(const char *tok, size_t len, int family,
    struct fs_prefix *p, int *family_out, struct fs_error *err);

/* Returns the IP protocol number named `name` ("tcp"), or -1. */
int fs_protocol_by_name(const char *name, size_t len);
/* Returns the name of IP protocol `proto`, or NULL. */
const char *fs_protocol_name(unsigned proto);

/*
 * Prints the match and actions of `r` in canonical one-line syntax.
 * Returns what snprintf returns (the length it needed).
 */
int fs_print_rule(const struct fs_rule *r, char *buf, size_t cap);
/* Returns `r` in canonical syntax as a new string (free it), or NULL on ENOMEM. */
char *fs_print_rule_alloc(const struct fs_rule *r);
/* Prints only the terms of component `idx` of `r` ("==80 >=1024&<=2048"). */
int fs_print_component(const struct fs_rule *r, unsigned idx, char *buf, size_t cap);

#endif
