/*
 * bgp_opts.h - options that inject and listen share: addresses, AS
 * numbers, hold times, and the TCP MD5 key.
 */
#ifndef FC_CLI_BGP_OPTS_H
#define FC_CLI_BGP_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bgp/md5.h"

/* The environment variable an MD5 key may come from. */
#define FC_MD5_ENV "FLOWCANARY_MD5_KEY"

/*
 * Parses "ADDR", "ADDR:PORT", "[V6ADDR]:PORT" or a bare IPv6 address into
 * `ss`.  Returns true, or false after a message naming `opt` on stderr.
 */
bool fc_parse_endpoint(const char *opt, const char *text, uint16_t default_port,
    struct sockaddr_storage *ss, socklen_t *len);

/* Parses an AS number 1..4294967295 (or "" / NULL: 0 when `optional`). */
bool fc_parse_asn(const char *opt, const char *text, bool optional, uint32_t *as);

/* Parses a hold time: 0, or 3..65535 seconds (RFC 4271). */
bool fc_parse_hold_time(const char *text, uint16_t *hold, bool *set);

/* Parses a dotted-quad router ID. */
bool fc_parse_router_id(const char *text, uint32_t *id);

/*
 * Loads the MD5 key from `file` (mode 0600 or stricter) or, if file is
 * NULL, from $FLOWCANARY_MD5_KEY.  Returns 1 with a key, 0 with none, or
 * -1 after a message (which never shows the key).
 */
int fc_load_md5(const char *cmd, const char *file, struct bgp_md5_key *key);

#endif
