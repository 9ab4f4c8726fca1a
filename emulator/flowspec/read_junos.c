/*
 * read_junos.c - rules from Junos configurations (`show configuration`).
 *
 *   routing-options {
 *       flow {
 *           route 192.0.2.53/32-DNS-DROP {
 *               match { destination 192.0.2.53/32; port 53; packet-length 99971-99985; }
 *               then discard;
 *           }
 *       }
 *   }
 *
 * Flow routes are read wherever a `flow { route ... }` block is: under
 * routing-options, a rib (inet6.0 makes the routes IPv6), a routing
 * instance or at the top.  Inactive statements are skipped.  Values are
 * Junos ones: bare numbers mean ==, A-B ranges, names of ports, ICMP
 * types and codes, DSCP code points; tcp-flags take a quoted expression.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "flowspec/conf_route.h"
#include "flowspec/icmp_names.h"
#include "flowspec/ruleset.h"

#define FLAG_TERM_MAX 32	/* "&!" and a flag name or number */

static const struct cr_keyword junos_match[] = {
	{ "destination", FS_DST, 0 },
	{ "source", FS_SRC, 0 },
	{ "protocol", FS_PROTO, 0 },
	{ "port", FS_PORT, 0 },
	{ "destination-port", FS_DPORT, 0 },
	{ "source-port", FS_SPORT, 0 },
	{ "icmp-type", FS_ICMP_TYPE, 0 },
	{ "icmp-code", FS_ICMP_CODE, 0 },
	{ "tcp-flags", FS_TCP_FLAGS, 0 },
	{ "packet-length", FS_PKT_LEN, 0 },
	{ "dscp", FS_DSCP, 0 },
	{ "fragment", FS_FRAGMENT, 0 },
	{ "flow-label", FS_FLOW_LABEL, CR_KW_IPV6 },
	{ NULL, 0, 0 },
};

static const char *const junos_route_skip[] = {
	"no-install", "community", "as-path", "apply-groups",
	"apply-groups-except", NULL,
};

struct name_value {
	const char *name;
	unsigned value;
};

/* Junos port keywords (the firewall filter ones). */
static const struct name_value junos_ports[] = {
	{ "ftp-data", 20 }, { "ftp", 21 }, { "ssh", 22 }, { "telnet", 23 },
	{ "smtp", 25 }, { "tacacs", 49 }, { "domain", 53 }, { "dhcp", 67 },
	{ "bootps", 67 }, { "bootpc", 68 }, { "tftp", 69 }, { "finger", 79 },
	{ "http", 80 }, { "kerberos-sec", 88 }, { "pop3", 110 },
	{ "sunrpc", 111 }, { "ident", 113 }, { "nntp", 119 }, { "ntp", 123 },
	{ "netbios-ns", 137 }, { "netbios-dgm", 138 }, { "netbios-ssn", 139 },
	{ "imap", 143 }, { "snmp", 161 }, { "snmptrap", 162 }, { "xdmcp", 177 },
	{ "bgp", 179 }, { "ldap", 389 }, { "https", 443 }, { "snpp", 444 },
	{ "syslog", 514 }, { "printer", 515 }, { "rip", 520 }, { "ldp", 646 },
	{ "socks", 1080 }, { "pptp", 1723 }, { "radius", 1812 },
	{ "radacct", 1813 }, { "nfsd", 2049 }, { "cvspserver", 2401 },
	{ NULL, 0 },
};

/* DiffServ code point names (RFC 2474, 2597, 3246). */
static const struct name_value dscp_names[] = {
	{ "be", 0 }, { "cs0", 0 }, { "cs1", 8 }, { "af11", 10 }, { "af12", 12 },
	{ "af13", 14 }, { "cs2", 16 }, { "af21", 18 }, { "af22", 20 },
	{ "af23", 22 }, { "cs3", 24 }, { "af31", 26 }, { "af32", 28 },
	{ "af33", 30 }, { "cs4", 32 }, { "af41", 34 }, { "af42", 36 },
	{ "af43", 38 }, { "cs5", 40 }, { "ef", 46 }, { "cs6", 48 }, { "cs7", 56 },
	{ NULL, 0 },
};

static int
lookup(const struct name_value *tab, const char *s, size_t len)
{
	for (; tab->name != NULL; tab++)
		if (strlen(tab->name) == len && strncasecmp(tab->name, s, len) == 0)
			return (int)tab->value;
	return -1;
}

static int
junos_value_name(unsigned type, int family, const char *s, size_t len,
    const char **hint)
{
	switch (type) {
	case FS_PROTO:
		return cr_protocol_name(s, len, hint);
	case FS_PORT:
	case FS_DPORT:
	case FS_SPORT:
		*hint = "ftp, ssh, smtp, domain, http, ntp, snmp, bgp, https, ldap";
		return lookup(junos_ports, s, len);
	case FS_ICMP_TYPE:
		*hint = fs_icmp_names_hint(family, 0);
		return fs_icmp_type_by_name(family, s, len);
	case FS_ICMP_CODE:
		*hint = fs_icmp_names_hint(family, 1);
		return fs_icmp_code_by_name(family, s, len);
	case FS_DSCP:
		*hint = "be, cs0-cs7, af11-af43, ef";
		return lookup(dscp_names, s, len);
	default:
		return -2;
	}
}

/* tcp-flags expressions */

struct flag_expr {
	struct cr_reader *rd;
	const char *s;
	size_t len, i;
	unsigned line, column;	/* of s[0] */
};

static void
fx_space(struct flag_expr *fx)
{
	while (fx->i < fx->len && isspace((unsigned char)fx->s[fx->i]))
		fx->i++;
}

static int
fx_error(struct flag_expr *fx, const char *what)
{
	struct cl_token t = { CL_WORD, fx->s + fx->i, 1, fx->line,
	    fx->column + (unsigned)fx->i };

	if (fx->i >= fx->len)
		return cl_error_at(&fx->rd->lx, t.line, t.column, FS_E_SYNTAX,
		    "tcp-flags expression ends early; expected %s", what);
	return cl_unexpected(&fx->rd->lx, &t, what);
}

/* Reads one [!]FLAG and parses it as a term, AND-ed unless it starts a group. */
static int
fx_atom(struct flag_expr *fx, bool and)
{
	char term[FLAG_TERM_MAX];
	size_t start, o = 0;
	unsigned col;

	fx_space(fx);
	col = fx->column + (unsigned)fx->i;
	if (and)
		term[o++] = '&';
	if (fx->i < fx->len && fx->s[fx->i] == '!') {
		term[o++] = '!';
		fx->i++;
		fx_space(fx);
	}
	start = fx->i;
	while (fx->i < fx->len && (isalnum((unsigned char)fx->s[fx->i]) ||
	    fx->s[fx->i] == '-' || fx->s[fx->i] == '_'))
		fx->i++;
	if (fx->i == start)
		return fx_error(fx, "a flag name (fin, syn, rst, push, ack, "
		    "urgent) or a number");
	if (o + (fx->i - start) >= sizeof(term))
		return cl_error_at(&fx->rd->lx, fx->line, col, FS_E_VALUE,
		    "tcp flag of %zu bytes; expected a flag name or a number",
		    fx->i - start);
	memcpy(term + o, fx->s + start, fx->i - start);
	o += fx->i - start;
	return cr_term(fx->rd, term, o, fx->line, col, false);
}

/* Reads FLAG & FLAG ..., or the same in parentheses. */
static int
fx_group(struct flag_expr *fx)
{
	bool paren = false;

	fx_space(fx);
	if (fx->i < fx->len && fx->s[fx->i] == '(') {
		paren = true;
		fx->i++;
	}
	if (fx_atom(fx, false) == -1)
		return -1;
	for (;;) {
		fx_space(fx);
		if (fx->i >= fx->len || fx->s[fx->i] != '&')
			break;
		fx->i++;
		if (fx_atom(fx, true) == -1)
			return -1;
	}
	if (!paren)
		return 0;
	if (fx->i < fx->len && fx->s[fx->i] == ')') {
		fx->i++;
		return 0;
	}
	if (fx->i < fx->len && fx->s[fx->i] == '|')
		return fx_error(fx, "\"&\" or \")\" (parentheses group an AND "
		    "of flags; put \"|\" between groups)");
	return fx_error(fx, "\"&\" or \")\"");
}

/*
 * Reads a tcp-flags value: "(syn & !ack) | fin".  Each group is an AND of
 * flags; "|" between groups makes OR-ed terms.
 */
static int
junos_flags(struct cr_reader *rd, const struct cl_token *tok)
{
	struct flag_expr fx = { rd, tok->s, tok->len, 0, tok->line,
	    tok->column + (tok->kind == CL_STRING ? 1 : 0) };

	/* Junos's text synonyms of the firewall filters. */
	if (cl_is(tok, "tcp-initial")) {
		fx.s = "syn & !ack";
		fx.len = strlen(fx.s);
	} else if (cl_is(tok, "tcp-established")) {
		fx.s = "ack | rst";
		fx.len = strlen(fx.s);
	}
	for (;;) {
		if (fx_group(&fx) == -1)
			return -1;
		fx_space(&fx);
		if (fx.i >= fx.len)
			return 0;
		if (fx.s[fx.i] != '|')
			return fx_error(&fx, "\"&\", \"|\" or the end of the "
			    "tcp-flags expression");
		fx.i++;
	}
}

/* Then statements */

/*
 * Parses a Junos rate "10m", "9.6k", "1g", "64000" (bits per second) into
 * *bits.  Returns true on success.
 */
static bool
parse_bits(const char *s, size_t len, double *bits)
{
	double v = 0, scale = 1, frac = 0.1;
	bool digits = false, dot = false;
	size_t i = 0;

	for (; i < len; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9') {
			if (dot) {
				v += (c - '0') * frac;
				frac /= 10;
			} else {
				v = v * 10 + (c - '0');
			}
			digits = true;
		} else if (c == '.' && !dot) {
			dot = true;
		} else {
			break;
		}
	}
	if (!digits || v > 1e15)
		return false;
	if (i < len) {
		switch (s[i]) {
		case 'k': case 'K': scale = 1e3; break;
		case 'm': case 'M': scale = 1e6; break;
		case 'g': case 'G': scale = 1e9; break;
		default: return false;
		}
		if (++i != len)
			return false;
	}
	*bits = v * scale;
	return true;
}

static int
then_rate_limit(struct cr_reader *rd, const struct cl_token *kw)
{
	struct cl_token arg;
	struct fs_action a;
	double bits;
	char found[64];

	if (cr_arg(rd, kw, "a rate in bits per second", &arg) == -1)
		return -1;
	if (!parse_bits(arg.s, arg.len, &bits))
		return cl_error(&rd->lx, &arg, FS_E_VALUE,
		    "rate-limit %s; expected bits per second, as a number with "
		    "an optional k, m or g (9.6k, 10m, 1g)",
		    cl_describe(&arg, found, sizeof(found)));
	/* Junos counts bits; the traffic-rate community counts bytes. */
	fs_ec_rate(&a, false, 0, (float)(bits / 8));
	if (fs_ec_is_discard(&a))
		rd->rt.spelled |= FS_SPELLED_RATE_ZERO;
	return cr_add_action(rd, &a, kw);
}

static int
then_routing_instance(struct cr_reader *rd, const struct cl_token *kw)
{
	static const char target[] = "target:";
	struct cl_token arg;
	struct fs_action a;
	const size_t tl = sizeof(target) - 1;

	if (cr_arg(rd, kw, "a route target target:ASN:N", &arg) == -1)
		return -1;
	if (arg.len <= tl || strncmp(arg.s, target, tl) != 0)
		return cl_unexpected(&rd->lx, &arg, "a route target "
		    "target:ASN:N or target:IPv4:N");
	if (cr_redirect(rd, &arg, arg.s + tl, arg.len - tl, true, &a) == -1)
		return -1;
	return cr_add_action(rd, &a, kw);
}

static int
then_mark(struct cr_reader *rd, const struct cl_token *kw)
{
	struct cl_token arg;
	struct fs_action a;
	uint64_t dscp;
	int named;
	char found[64];

	if (cr_arg(rd, kw, "a DSCP value", &arg) == -1)
		return -1;
	named = lookup(dscp_names, arg.s, arg.len);
	if (named >= 0)
		dscp = (uint64_t)named;
	else if (!cr_number(arg.s, arg.len, 63, &dscp))
		return cl_error(&rd->lx, &arg, FS_E_VALUE,
		    "mark %s; expected a DSCP value from 0 to 63 or a name "
		    "(be, cs0-cs7, af11-af43, ef)",
		    cl_describe(&arg, found, sizeof(found)));
	fs_ec_mark(&a, (uint8_t)dscp);
	return cr_add_action(rd, &a, kw);
}

static int
junos_then(struct cr_reader *rd, const struct cl_token *kw)
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
	if (cl_is(kw, "sample")) {
		rd->rt.sample = true;
		return cr_end(rd, kw);
	}
	if (cl_is(kw, "next-term")) {
		/*
		 * RFC 8955 section 7.3: the "terminal" bit set means "go on
		 * with the next rules" - what next-term asks for.
		 */
		rd->rt.terminal = true;
		return cr_end(rd, kw);
	}
	if (cl_is(kw, "rate-limit"))
		return then_rate_limit(rd, kw);
	if (cl_is(kw, "routing-instance"))
		return then_routing_instance(rd, kw);
	if (cl_is(kw, "mark"))
		return then_mark(rd, kw);
	if (cl_is(kw, "community"))
		return cr_skip(rd, kw);
	return cl_error(&rd->lx, kw, FS_E_SYNTAX,
	    "unknown then statement %s; expected one of %s",
	    cl_describe(kw, found, sizeof(found)), rd->d->then_names);
}

static const struct cr_dialect junos = {
	.name = "Junos",
	.lexer_flags = CL_C_COMMENTS,
	.flags = CR_D_TAGS | CR_D_ONE_LINE | CR_D_NO_SET,
	.match = junos_match,
	.match_names = "destination, source, protocol, port, destination-port, "
	    "source-port, icmp-type, icmp-code, tcp-flags, packet-length, dscp, "
	    "fragment, flow-label",
	.route_skip = junos_route_skip,
	.route_names = "match, then, no-install, community, as-path",
	.then_names = "discard, accept, rate-limit, sample, next-term, "
	    "routing-instance, mark, community",
	.then_stmt = junos_then,
	.value_name = junos_value_name,
	.flags_value = junos_flags,
};

/* Returns the number of rules read, or -1 with err set (see ruleset.h). */
int
fs_read_junos(struct fs_ruleset *set, const char *text, size_t len,
    const char *file, int family, struct fs_error *err)
{
	return cr_read(&junos, set, text, len, file, family, err);
}
