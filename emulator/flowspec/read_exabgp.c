/*
 * read_exabgp.c - rules from ExaBGP 4.2 configurations.
 *
 *   flow {
 *       route block-dns-amplification {
 *           match { destination 192.0.2.0/24; source-port =53; protocol udp; }
 *           then { rate-limit 9600; }
 *       }
 *   }
 *
 * Flow blocks are read wherever they are (top level, neighbor, template);
 * everything else in the file is skipped by brace matching.  Values keep
 * ExaBGP's own operator syntax, which is flowcanary's; ICMP names become
 * numbers through ExaBGP's table.
 */
#include <string.h>

#include "flowspec/conf_route.h"
#include "flowspec/icmp_names.h"
#include "flowspec/ruleset.h"

/* ExaBGP caps rate-limit at 10^12 bytes/s, warning; so do we, silently. */
#define EXABGP_RATE_MAX 1000000000000ull

static const struct cr_keyword exabgp_match[] = {
	{ "source", FS_SRC, 0 },
	{ "destination", FS_DST, 0 },
	{ "source-ipv4", FS_SRC, 0 },
	{ "destination-ipv4", FS_DST, 0 },
	{ "source-ipv6", FS_SRC, 0 },
	{ "destination-ipv6", FS_DST, 0 },
	{ "port", FS_PORT, 0 },
	{ "source-port", FS_SPORT, 0 },
	{ "destination-port", FS_DPORT, 0 },
	{ "protocol", FS_PROTO, 0 },
	{ "next-header", FS_PROTO, 0 },
	{ "packet-length", FS_PKT_LEN, 0 },
	{ "tcp-flags", FS_TCP_FLAGS, 0 },
	{ "fragment", FS_FRAGMENT, 0 },
	{ "icmp-type", FS_ICMP_TYPE, 0 },
	{ "icmp-code", FS_ICMP_CODE, 0 },
	{ "dscp", FS_DSCP, 0 },
	{ "traffic-class", FS_DSCP, 0 },
	{ "flow-label", FS_FLOW_LABEL, CR_KW_IPV6 },
	{ NULL, 0, 0 },
};

/* Route statements of no effect on the rule (rd makes a flow-vpn route). */
static const char *const exabgp_route_skip[] = {
	"rd", "route-distinguisher", "next-hop", "scope", NULL,
};

/* Then statements read and ignored: they carry no Flowspec action. */
static const char *const exabgp_then_skip[] = {
	"community", "large-community", "extended-community",
	"redirect-to-nexthop", "redirect-next-hop", "redirect-to-nexthop-ietf",
	"copy", NULL,
};

static int
exabgp_value_name(unsigned type, int family, const char *s, size_t len,
    const char **hint)
{
	(void)family;	/* ExaBGP has ICMPv4 names only, for both families */
	switch (type) {
	case FS_PROTO:
		return cr_protocol_name(s, len, hint);
	case FS_ICMP_TYPE:
		*hint = fs_icmp_names_hint(FS_IPV4, 0);
		return fs_icmp_type_by_name(FS_IPV4, s, len);
	case FS_ICMP_CODE:
		/* ExaBGP's table says 2 where IANA and Junos say 0. */
		if (len == 13 && strncmp(s, "ip-header-bad", len) == 0)
			return 2;
		*hint = fs_icmp_names_hint(FS_IPV4, 1);
		return fs_icmp_code_by_name(FS_IPV4, s, len);
	default:
		return -2;
	}
}

static bool
is_skipped(const struct cl_token *kw)
{
	for (const char *const *p = exabgp_then_skip; *p != NULL; p++)
		if (cl_is(kw, *p))
			return true;
	return false;
}

static int
then_rate_limit(struct cr_reader *rd, const struct cl_token *kw)
{
	struct cl_token arg;
	struct fs_action a;
	uint64_t rate;
	char found[64];

	if (cr_arg(rd, kw, "a rate in bytes per second", &arg) == -1)
		return -1;
	if (!cr_number(arg.s, arg.len, UINT64_MAX / 2, &rate))
		return cl_error(&rd->lx, &arg, FS_E_VALUE,
		    "rate-limit %s; expected a whole number of bytes per second",
		    cl_describe(&arg, found, sizeof(found)));
	if (rate > EXABGP_RATE_MAX)
		rate = EXABGP_RATE_MAX;
	fs_ec_rate(&a, false, 0, (float)rate);
	if (rate == 0)
		rd->rt.spelled |= FS_SPELLED_RATE_ZERO;
	return cr_add_action(rd, &a, kw);
}

static int
then_redirect(struct cr_reader *rd, const struct cl_token *kw)
{
	struct cl_token arg;
	struct fs_action a;
	size_t colons = 0;

	if (cr_arg(rd, kw, "a target ASN:N or IPv4:N", &arg) == -1)
		return -1;
	for (size_t i = 0; i < arg.len; i++)
		colons += arg.s[i] == ':';
	/* "redirect 192.0.2.1" is redirect-to-nexthop: no community here. */
	if (colons == 0 && memchr(arg.s, '.', arg.len) != NULL)
		return 0;
	if (colons > 1)
		return cl_error(&rd->lx, &arg, FS_E_VALUE,
		    "redirect to an IPv6 address is not supported; expected "
		    "ASN:N or IPv4:N");
	if (cr_redirect(rd, &arg, arg.s, arg.len, false, &a) == -1)
		return -1;
	return cr_add_action(rd, &a, kw);
}

static int
then_mark(struct cr_reader *rd, const struct cl_token *kw)
{
	struct cl_token arg;
	struct fs_action a;
	uint64_t dscp;
	char found[64];

	if (cr_arg(rd, kw, "a DSCP value", &arg) == -1)
		return -1;
	if (!cr_number(arg.s, arg.len, 63, &dscp))
		return cl_error(&rd->lx, &arg, FS_E_VALUE,
		    "mark %s; expected a DSCP value from 0 to 63",
		    cl_describe(&arg, found, sizeof(found)));
	fs_ec_mark(&a, (uint8_t)dscp);
	return cr_add_action(rd, &a, kw);
}

static int
then_action(struct cr_reader *rd, const struct cl_token *kw)
{
	struct cl_token arg;
	char found[64];

	if (cr_arg(rd, kw, "sample, terminal or sample-terminal", &arg) == -1)
		return -1;
	if (cl_is(&arg, "sample")) {
		rd->rt.sample = true;
	} else if (cl_is(&arg, "terminal")) {
		rd->rt.terminal = true;
	} else if (cl_is(&arg, "sample-terminal")) {
		rd->rt.sample = rd->rt.terminal = true;
	} else {
		return cl_error(&rd->lx, &arg, FS_E_VALUE,
		    "action %s; expected sample, terminal or sample-terminal",
		    cl_describe(&arg, found, sizeof(found)));
	}
	return 0;
}

static int
exabgp_then(struct cr_reader *rd, const struct cl_token *kw)
{
	struct fs_action a;
	char found[64];

	if (cl_is(kw, "accept"))
		return cr_end(rd, kw);
	if (cl_is(kw, "discard")) {
		if (cr_end(rd, kw) == -1)
			return -1;
		fs_ec_rate(&a, false, 0, 0.0f);
		return cr_add_action(rd, &a, kw);
	}
	if (cl_is(kw, "rate-limit"))
		return then_rate_limit(rd, kw);
	if (cl_is(kw, "redirect"))
		return then_redirect(rd, kw);
	if (cl_is(kw, "mark"))
		return then_mark(rd, kw);
	if (cl_is(kw, "action"))
		return then_action(rd, kw);
	if (is_skipped(kw))
		return cr_skip(rd, kw);
	return cl_error(&rd->lx, kw, FS_E_SYNTAX,
	    "unknown then statement %s; expected one of %s",
	    cl_describe(kw, found, sizeof(found)), rd->d->then_names);
}

static const struct cr_dialect exabgp = {
	.name = "ExaBGP",
	.lexer_flags = 0,
	.flags = 0,
	.match = exabgp_match,
	.match_names = "destination, source, protocol, next-header, port, "
	    "destination-port, source-port, icmp-type, icmp-code, tcp-flags, "
	    "packet-length, dscp, traffic-class, fragment, flow-label",
	.route_skip = exabgp_route_skip,
	.route_names = "match, then, rd, next-hop, scope",
	.then_names = "accept, discard, rate-limit, redirect, mark, action, "
	    "community, extended-community, large-community, "
	    "redirect-to-nexthop, copy",
	.then_stmt = exabgp_then,
	.value_name = exabgp_value_name,
	.flags_value = NULL,
};

/* Returns the number of rules read, or -1 with err set (see ruleset.h). */
int
fs_read_exabgp(struct fs_ruleset *set, const char *text, size_t len,
    const char *file, int family, struct fs_error *err)
{
	return cr_read(&exabgp, set, text, len, file, family, err);
}
