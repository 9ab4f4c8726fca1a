/*
 * icmp_names.h - ICMP and ICMPv6 type and code names, as ExaBGP and Junos
 * spell them, shared by the foreign rule readers.
 */
#ifndef FC_FLOWSPEC_ICMP_NAMES_H
#define FC_FLOWSPEC_ICMP_NAMES_H

#include <stddef.h>

/* Returns the type named `name` (any case) for `family` (FS_IPV6: ICMPv6), or -1. */
int fs_icmp_type_by_name(int family, const char *name, size_t len);
/* Returns the code named `name` (any case) for `family`, or -1. */
int fs_icmp_code_by_name(int family, const char *name, size_t len);
/* Returns a list of the common names, for messages: "echo-reply, ...". */
const char *fs_icmp_names_hint(int family, int code);

#endif
