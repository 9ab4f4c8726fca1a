/*
 * icmp_names.c - ICMP and ICMPv6 names (IANA icmp-parameters and
 * icmpv6-parameters, as ExaBGP 4.2 and Junos name them).
 *
 * Codes are named per type in the registries, so one name can mean
 * different numbers under different types (port-unreachable is 3 in
 * ICMP, 4 in ICMPv6); a rule's icmp-code does not say its type, so each
 * table keeps one number per name.
 */
#include <string.h>
#include <strings.h>

#include "flowspec/icmp_names.h"
#include "flowspec/rule.h"

struct icmp_name {
	const char *name;
	unsigned char value;
};

static const struct icmp_name icmp4_types[] = {
	{ "echo-reply", 0 },
	{ "unreachable", 3 },
	{ "destination-unreachable", 3 },
	{ "source-quench", 4 },
	{ "redirect", 5 },
	{ "echo-request", 8 },
	{ "router-advertisement", 9 },
	{ "router-solicit", 10 },
	{ "time-exceeded", 11 },
	{ "parameter-problem", 12 },
	{ "timestamp", 13 },
	{ "timestamp-reply", 14 },
	{ "info-request", 15 },
	{ "info-reply", 16 },
	{ "mask-request", 17 },
	{ "mask-reply", 18 },
	{ "traceroute", 30 },
	{ NULL, 0 },
};

static const struct icmp_name icmp4_codes[] = {
	/* destination unreachable (type 3) */
	{ "network-unreachable", 0 },
	{ "host-unreachable", 1 },
	{ "protocol-unreachable", 2 },
	{ "port-unreachable", 3 },
	{ "fragmentation-needed", 4 },
	{ "source-route-failed", 5 },
	{ "destination-network-unknown", 6 },
	{ "destination-host-unknown", 7 },
	{ "source-host-isolated", 8 },
	{ "destination-network-prohibited", 9 },
	{ "destination-host-prohibited", 10 },
	{ "network-unreachable-for-tos", 11 },
	{ "host-unreachable-for-tos", 12 },
	{ "communication-prohibited-by-filtering", 13 },
	{ "host-precedence-violation", 14 },
	{ "precedence-cutoff-in-effect", 15 },
	/* redirect (type 5) */
	{ "redirect-for-network", 0 },
	{ "redirect-for-host", 1 },
	{ "redirect-for-tos-and-net", 2 },
	{ "redirect-for-tos-and-host", 3 },
	/* time exceeded (type 11) */
	{ "ttl-eq-zero-during-transit", 0 },
	{ "ttl-eq-zero-during-reassembly", 1 },
	/* parameter problem (type 12) */
	{ "ip-header-bad", 0 },
	{ "required-option-missing", 1 },
	{ NULL, 0 },
};

static const struct icmp_name icmp6_types[] = {
	{ "destination-unreachable", 1 },
	{ "unreachable", 1 },
	{ "packet-too-big", 2 },
	{ "time-exceeded", 3 },
	{ "parameter-problem", 4 },
	{ "echo-request", 128 },
	{ "echo-reply", 129 },
	{ "membership-query", 130 },
	{ "membership-report", 131 },
	{ "membership-termination", 132 },
	{ "router-solicit", 133 },
	{ "router-advertisement", 134 },
	{ "neighbor-solicit", 135 },
	{ "neighbor-advertisement", 136 },
	{ "redirect", 137 },
	{ "router-renumbering", 138 },
	{ NULL, 0 },
};

static const struct icmp_name icmp6_codes[] = {
	/* destination unreachable (type 1) */
	{ "no-route-to-destination", 0 },
	{ "administratively-prohibited", 1 },
	{ "beyond-scope", 2 },
	{ "address-unreachable", 3 },
	{ "port-unreachable", 4 },
	/* time exceeded (type 3) */
	{ "hop-limit-exceeded", 0 },
	{ "fragment-reassembly-exceeded", 1 },
	/* parameter problem (type 4) */
	{ "ip6-header-bad", 0 },
	{ "unrecognized-next-header", 1 },
	{ "unrecognized-option", 2 },
	{ NULL, 0 },
};

static int
lookup(const struct icmp_name *tab, const char *name, size_t len)
{
	if (name == NULL)
		return -1;
	for (; tab->name != NULL; tab++)
		if (strlen(tab->name) == len &&
		    strncasecmp(tab->name, name, len) == 0)
			return tab->value;
	return -1;
}

int
fs_icmp_type_by_name(int family, const char *name, size_t len)
{
	return lookup(family == FS_IPV6 ? icmp6_types : icmp4_types, name, len);
}

int
fs_icmp_code_by_name(int family, const char *name, size_t len)
{
	return lookup(family == FS_IPV6 ? icmp6_codes : icmp4_codes, name, len);
}

const char *
fs_icmp_names_hint(int family, int code)
{
	if (family == FS_IPV6)
		return code ? "no-route-to-destination, administratively-prohibited, "
		    "address-unreachable, port-unreachable, hop-limit-exceeded"
		    : "destination-unreachable, packet-too-big, time-exceeded, "
		    "echo-request, echo-reply, neighbor-solicit";
	return code ? "network-unreachable, host-unreachable, "
	    "protocol-unreachable, port-unreachable, fragmentation-needed"
	    : "echo-reply, unreachable, redirect, echo-request, time-exceeded";
}
