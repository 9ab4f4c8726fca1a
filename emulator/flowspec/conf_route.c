/*
 * conf_route.c - the walk, route collection and rule building shared by
 * the ExaBGP and Junos readers.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flowspec/conf_route.h"
#include "flowspec/grow.h"
#include "flowspec/text.h"

#define VALUE_MAX	128	/* a value token after names became numbers */

static int walk(struct cr_reader *rd, const struct cl_token *head,
    unsigned depth, int ctx_family);

static const char *
family_label(int family)
{
	return family == FS_IPV6 ? "IPv6" : "IPv4";
}

/* Collection */

static void
route_reset(struct cr_route *rt, const struct cl_token *head, int ctx_family)
{
	rt->head = *head;
	memset(&rt->name, 0, sizeof(rt->name));
	rt->nstmts = 0;
	rt->nvals = 0;
	rt->nact = 0;
	rt->sample = rt->terminal = false;
	rt->spelled = 0;
	rt->has_match = false;
	rt->ctx_family = ctx_family;
}

static void
route_free(struct cr_route *rt)
{
	free(rt->stmts);
	free(rt->vals);
	rt->stmts = NULL;
	rt->vals = NULL;
	rt->stmts_cap = rt->vals_cap = 0;
}

static int
nomem(struct cr_reader *rd, const struct cl_token *at)
{
	return cl_error(&rd->lx, at, FS_E_NOMEM, "out of memory");
}

static int
push_value(struct cr_reader *rd, const struct cl_token *v)
{
	struct cr_route *rt = &rd->rt;

	if (fs_grow((void **)&rt->vals, &rt->vals_cap, rt->nvals + 1,
	    sizeof(*rt->vals), 16) == -1)
		return nomem(rd, v);
	rt->vals[rt->nvals++] = *v;
	return 0;
}

static int
push_stmt(struct cr_reader *rd, const struct cr_keyword *kw,
    const struct cl_token *key)
{
	struct cr_route *rt = &rd->rt;
	struct cr_stmt *s;

	if (fs_grow((void **)&rt->stmts, &rt->stmts_cap, rt->nstmts + 1,
	    sizeof(*rt->stmts), 16) == -1)
		return nomem(rd, key);
	s = &rt->stmts[rt->nstmts++];
	s->kw = kw;
	s->key = *key;
	s->first = rt->nvals;
	s->count = 0;
	return 0;
}

/* Statement helpers for dialects */

int
cr_end(struct cr_reader *rd, const struct cl_token *kw)
{
	struct cl_token t;
	char name[64], what[96];

	if (cl_next(&rd->lx, &t) == -1)
		return -1;
	if (t.kind == CL_SEMI)
		return 0;
	snprintf(what, sizeof(what), "\";\" after %s",
	    cl_describe(kw, name, sizeof(name)));
	return cl_unexpected(&rd->lx, &t, what);
}

int
cr_arg(struct cr_reader *rd, const struct cl_token *kw, const char *what,
    struct cl_token *arg)
{
	char name[64], exp[128];

	if (cl_next(&rd->lx, arg) == -1)
		return -1;
	if (arg->kind != CL_WORD && arg->kind != CL_STRING) {
		snprintf(exp, sizeof(exp), "%s after %s", what,
		    cl_describe(kw, name, sizeof(name)));
		return cl_unexpected(&rd->lx, arg, exp);
	}
	return cr_end(rd, kw);
}

int
cr_add_action(struct cr_reader *rd, const struct fs_action *a,
    const struct cl_token *at)
{
	if (rd->rt.nact >= CR_MAX_ACTIONS)
		return cl_error(&rd->lx, at, FS_E_VALUE,
		    "more than %d actions in one route; expected at most %d",
		    CR_MAX_ACTIONS, CR_MAX_ACTIONS);
	rd->rt.act[rd->rt.nact++] = *a;
	return 0;
}

int
cr_skip(struct cr_reader *rd, const struct cl_token *kw)
{
	return cl_skip_statement(&rd->lx, kw);
}

bool
cr_number(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static int
bad_redirect(struct cr_reader *rd, const struct cl_token *at, const char *s,
    size_t len, const char *why)
{
	struct cl_token t = *at;
	char found[64];

	t.s = s;
	t.len = len;
	return cl_error(&rd->lx, at, FS_E_VALUE,
	    "redirect target %s%s; expected ASN:N (N below 2^32 for an AS "
	    "below 65536, else below 65536) or IPv4:N (N below 65536)",
	    cl_describe(&t, found, sizeof(found)), why);
}

int
cr_redirect(struct cr_reader *rd, const struct cl_token *at, const char *s,
    size_t len, bool as4_suffix, struct fs_action *a)
{
	const char *colon = NULL;
	char ip[INET_ADDRSTRLEN];
	uint8_t addr[4];
	uint64_t asn, value;
	size_t alen;
	bool force4 = false;

	for (size_t i = 0; i < len; i++)
		if (s[i] == ':')
			colon = s + i;
	if (colon == NULL)
		return bad_redirect(rd, at, s, len, "");
	alen = (size_t)(colon - s);
	if (!cr_number(colon + 1, len - alen - 1, UINT32_MAX, &value))
		return bad_redirect(rd, at, s, len, " (bad value after \":\")");
	if (memchr(s, '.', alen) != NULL) {
		if (alen >= sizeof(ip))
			return bad_redirect(rd, at, s, len, "");
		memcpy(ip, s, alen);
		ip[alen] = '\0';
		if (inet_pton(AF_INET, ip, addr) != 1)
			return bad_redirect(rd, at, s, len, " (bad IPv4 address)");
		if (value > UINT16_MAX)
			return bad_redirect(rd, at, s, len, " (value too large)");
		fs_ec_redirect_ip4(a, addr, (uint16_t)value);
		return 0;
	}
	if (as4_suffix && alen > 1 && (s[alen - 1] == 'L' || s[alen - 1] == 'l')) {
		force4 = true;
		alen--;
	}
	if (!cr_number(s, alen, UINT32_MAX, &asn))
		return bad_redirect(rd, at, s, len, " (bad AS number)");
	if (asn <= UINT16_MAX && !force4) {
		fs_ec_redirect_as2(a, (uint16_t)asn, (uint32_t)value);
		return 0;
	}
	if (value > UINT16_MAX)
		return bad_redirect(rd, at, s, len,
		    " (a 4-octet AS leaves 16 bits for the value)");
	fs_ec_redirect_as4(a, (uint32_t)asn, (uint16_t)value);
	return 0;
}

/* Protocol names the core parser may not know: ExaBGP's and Junos's. */
static const struct {
	const char *name;
	unsigned char value;
} more_protocols[] = {
	{ "icmp", 1 }, { "igmp", 2 }, { "ipip", 4 }, { "tcp", 6 },
	{ "egp", 8 }, { "udp", 17 }, { "rsvp", 46 }, { "gre", 47 },
	{ "esp", 50 }, { "ah", 51 }, { "icmp6", 58 }, { "ipv6-icmp", 58 },
	{ "icmpv6", 58 }, { "ospf", 89 }, { "pim", 103 }, { "vrrp", 112 },
	{ "sctp", 132 },
};

int
cr_protocol_name(const char *s, size_t len, const char **hint)
{
	if (fs_protocol_by_name(s, len) >= 0)
		return -2;
	for (size_t i = 0; i < sizeof(more_protocols) / sizeof(more_protocols[0]); i++)
		if (strlen(more_protocols[i].name) == len &&
		    strncasecmp(more_protocols[i].name, s, len) == 0)
			return more_protocols[i].value;
	*hint = "icmp, igmp, tcp, udp, gre, esp, ah, icmp6, ospf, pim, sctp";
	return -1;
}

/* Statement prefixes (Junos) */

/* Returns true if `t` tags the statement after it ("inactive:"). */
static bool
is_tag(const struct cr_reader *rd, const struct cl_token *t, bool *inactive)
{
	if (!(rd->d->flags & CR_D_TAGS) || t->kind != CL_WORD)
		return false;
	if (cl_is(t, "inactive:")) {
		*inactive = true;
		return true;
	}
	return cl_is(t, "protect:") || cl_is(t, "replace:");
}

/*
 * Reads the next statement's first token into *t, past any tags; an
 * inactive statement is skipped whole and *skipped set.  Returns 0 or -1.
 */
static int
next_statement(struct cr_reader *rd, struct cl_token *t, bool *skipped)
{
	bool inactive = false;

	*skipped = false;
	for (;;) {
		if (cl_next(&rd->lx, t) == -1)
			return -1;
		if (!is_tag(rd, t, &inactive))
			break;
	}
	if (!inactive)
		return 0;
	if (t->kind != CL_WORD && t->kind != CL_STRING)
		return cl_unexpected(&rd->lx, t, "a statement after \"inactive:\"");
	*skipped = true;
	return cl_skip_statement(&rd->lx, t);
}

/* Match statements */

static const struct cr_keyword *
find_keyword(const struct cr_dialect *d, const struct cl_token *t)
{
	if (t->kind != CL_WORD)
		return NULL;
	for (const struct cr_keyword *k = d->match; k->name != NULL; k++)
		if (cl_is(t, k->name))
			return k;
	return NULL;
}

/* Fills the error for a match statement `key` that lacks its ";" before `t`. */
static int
missing_semi(struct cr_reader *rd, const struct cl_token *t,
    const struct cl_token *key)
{
	char name[64], what[96];

	snprintf(what, sizeof(what), "\";\" to end the %s statement",
	    cl_describe(key, name, sizeof(name)));
	return cl_unexpected(&rd->lx, t, what);
}

/* Reads the values of match statement `key`, up to its ";". */
static int
match_values(struct cr_reader *rd, const struct cl_token *key)
{
	struct cr_stmt *s = &rd->rt.stmts[rd->rt.nstmts - 1];
	struct cl_token t;
	bool in_list = false, listed = false;
	char name[64], what[96];

	for (;;) {
		if (cl_next(&rd->lx, &t) == -1)
			return -1;
		switch (t.kind) {
		case CL_SEMI:
			if (in_list)
				return cl_unexpected(&rd->lx, &t, "\"]\" to end the list");
			if (s->count == 0) {
				snprintf(what, sizeof(what), "a value after %s",
				    cl_describe(key, name, sizeof(name)));
				return cl_unexpected(&rd->lx, &t, what);
			}
			return 0;
		case CL_LBRACKET:
			if (in_list || listed || s->count != 0)
				return missing_semi(rd, &t, key);
			in_list = listed = true;
			break;
		case CL_RBRACKET:
			if (!in_list)
				return missing_semi(rd, &t, key);
			in_list = false;
			break;
		case CL_WORD:
		case CL_STRING:
			/* A statement name here means the ";" before it is missing. */
			if ((listed && !in_list) || (!in_list &&
			    find_keyword(rd->d, &t) != NULL && s->count != 0))
				return missing_semi(rd, &t, key);
			if (push_value(rd, &t) == -1)
				return -1;
			s->count++;
			break;
		default:
			return missing_semi(rd, &t, key);
		}
	}
}

static int
match_statement(struct cr_reader *rd, const struct cl_token *t)
{
	const struct cr_keyword *kw = find_keyword(rd->d, t);
	char found[64];

	if (kw == NULL)
		return cl_error(&rd->lx, t, FS_E_SYNTAX,
		    "unknown match statement %s; expected one of %s",
		    cl_describe(t, found, sizeof(found)), rd->d->match_names);
	if (push_stmt(rd, kw, t) == -1)
		return -1;
	rd->rt.has_match = true;
	return match_values(rd, t);
}

/* Reads the statements of a match block up to its "}". */
static int
match_block(struct cr_reader *rd, const struct cl_token *head)
{
	struct cl_token t, eof;
	bool skipped;
	char found[64];

	for (;;) {
		if (next_statement(rd, &t, &skipped) == -1)
			return -1;
		if (skipped || t.kind == CL_SEMI)
			continue;
		if (t.kind == CL_RBRACE)
			return 0;
		if (t.kind == CL_EOF) {
			eof = t;
			return cl_error(&rd->lx, &eof, FS_E_SYNTAX,
			    "unexpected end of file; expected \"}\" to close the "
			    "match block opened at line %u", head->line);
		}
		if (t.kind != CL_WORD)
			return cl_error(&rd->lx, &t, FS_E_SYNTAX,
			    "unexpected %s; expected a match statement (%s)",
			    cl_describe(&t, found, sizeof(found)),
			    rd->d->match_names);
		if (match_statement(rd, &t) == -1)
			return -1;
	}
}

/* Then statements */

static int
then_statement(struct cr_reader *rd, const struct cl_token *t)
{
	char found[64];

	if (t->kind != CL_WORD)
		return cl_error(&rd->lx, t, FS_E_SYNTAX,
		    "unexpected %s; expected a then statement (%s)",
		    cl_describe(t, found, sizeof(found)), rd->d->then_names);
	return rd->d->then_stmt(rd, t);
}

static int
then_block(struct cr_reader *rd, const struct cl_token *head)
{
	struct cl_token t;
	bool skipped;

	for (;;) {
		if (next_statement(rd, &t, &skipped) == -1)
			return -1;
		if (skipped || t.kind == CL_SEMI)
			continue;
		if (t.kind == CL_RBRACE)
			return 0;
		if (t.kind == CL_EOF)
			return cl_error(&rd->lx, &t, FS_E_SYNTAX,
			    "unexpected end of file; expected \"}\" to close the "
			    "then block opened at line %u", head->line);
		if (then_statement(rd, &t) == -1)
			return -1;
	}
}

/*
 * Reads the block or, where the dialect allows it, the one statement that
 * follows "match" or "then" (`kw`).
 */
static int
match_or_then(struct cr_reader *rd, const struct cl_token *kw, bool match)
{
	struct cl_token t;
	char name[64], what[96];

	if (cl_peek(&rd->lx, &t) == -1)
		return -1;
	if (t.kind == CL_LBRACE) {
		(void)cl_next(&rd->lx, &t);
		if (match)
			rd->rt.has_match = true;
		return match ? match_block(rd, kw) : then_block(rd, kw);
	}
	if ((rd->d->flags & CR_D_ONE_LINE) && t.kind == CL_WORD) {
		(void)cl_next(&rd->lx, &t);
		return match ? match_statement(rd, &t) : then_statement(rd, &t);
	}
	(void)cl_next(&rd->lx, &t);
	snprintf(what, sizeof(what), "\"{\" after %s",
	    cl_describe(kw, name, sizeof(name)));
	return cl_unexpected(&rd->lx, &t, what);
}

/* Building the rule */

/* Fills the error of the core parser `e` at line:column. Returns -1. */
static int
core_error(struct cr_reader *rd, const struct fs_error *e, unsigned line,
    unsigned column)
{
	return cl_error_at(&rd->lx, line, column,
	    e->code != FS_OK ? e->code : FS_E_VALUE, "%s",
	    e->msg[0] != '\0' ? e->msg : "invalid value");
}

int
cr_term(struct cr_reader *rd, const char *s, size_t len, unsigned line,
    unsigned column, bool exact)
{
	struct fs_error e;

	memset(&e, 0, sizeof(e));
	if (fs_parse_term(rd->cur, rd->cur_type, s, len, rd->first, &e) == -1) {
		if (e.code == FS_E_NOMEM)
			return cl_error_at(&rd->lx, line, column, FS_E_NOMEM,
			    "out of memory");
		return core_error(rd, &e, line,
		    exact && e.column > 0 ? column + e.column - 1 : column);
	}
	rd->first = false;
	return 0;
}

static bool
is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* Returns the number or name s[0..len) as a number, or -1. */
static long
number_or_name(struct cr_reader *rd, const char *s, size_t len,
    const char **hint)
{
	uint64_t v;

	if (cr_number(s, len, UINT32_MAX, &v))
		return (long)v;
	return rd->d->value_name(rd->cur_type, rd->cur_family, s, len, hint);
}

/*
 * Replaces the name run s[0..len) (a name, or NAME-NAME as a range) by
 * numbers at out+*o.  Returns 0, -1 when the run names nothing, -2 when
 * out is full.
 */
static int
name_run(struct cr_reader *rd, const char *s, size_t len, char *out,
    size_t *o, const char **hint)
{
	long v = number_or_name(rd, s, len, hint), lo, hi;
	int n;

	if (v >= 0) {
		n = snprintf(out + *o, VALUE_MAX - *o, "%ld", v);
		goto done;
	}
	/* A range "ftp-data-ssh": try each "-" as the separator. */
	for (size_t k = 1; k + 1 < len; k++) {
		if (s[k] != '-')
			continue;
		lo = number_or_name(rd, s, k, hint);
		hi = number_or_name(rd, s + k + 1, len - k - 1, hint);
		if (lo >= 0 && hi >= 0) {
			n = snprintf(out + *o, VALUE_MAX - *o, "%ld-%ld", lo, hi);
			goto done;
		}
	}
	return -1;
done:
	if (n < 0 || (size_t)n >= VALUE_MAX - *o)
		return -2;
	*o += (size_t)n;
	return 0;
}

/*
 * Writes token s[0..len) into out with the dialect's names replaced by
 * numbers.  Returns 1 when something was replaced, 0 when the token is to
 * be used as it is, -1 with the error set.
 */
static int
rewrite_names(struct cr_reader *rd, const char *s, size_t len, unsigned line,
    unsigned column, char out[VALUE_MAX])
{
	const char *hint = NULL;
	size_t o = 0, i = 0, j;
	bool named = false;
	int r;
	char found[64];
	struct cl_token run;

	while (i < len) {
		if (!isalpha((unsigned char)s[i])) {
			/* Numbers, hex included, and operators: as they are. */
			j = i + 1;
			if (isdigit((unsigned char)s[i]))
				while (j < len && isalnum((unsigned char)s[j]))
					j++;
			if (o + (j - i) >= VALUE_MAX)
				goto too_long;
			memcpy(out + o, s + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		for (j = i; j < len && is_name_char(s[j]); j++)
			;
		/* ExaBGP's true and false operators are not names. */
		if (i == 0 && ((j == 4 && strncmp(s, "true", 4) == 0) ||
		    (j == 5 && strncmp(s, "false", 5) == 0))) {
			memcpy(out + o, s, j);
			o += j;
			i = j;
			continue;
		}
		if (rd->d->value_name(rd->cur_type, rd->cur_family, s + i,
		    j - i, &hint) == -2)
			return 0;	/* names the core parser knows */
		r = name_run(rd, s + i, j - i, out, &o, &hint);
		if (r == -2)
			goto too_long;
		if (r == -1) {
			run.kind = CL_WORD;
			run.s = s + i;
			run.len = j - i;
			return cl_error_at(&rd->lx, line, column + (unsigned)i,
			    FS_E_VALUE, "unknown %s name %s; expected a number "
			    "or one of %s", fs_type_name(rd->cur_type),
			    cl_describe(&run, found, sizeof(found)),
			    hint != NULL ? hint : "the names in "
			    "docs/rule-syntax-foreign.md");
		}
		named = true;
		i = j;
	}
	out[o] = '\0';
	return named ? 1 : 0;
too_long:
	return cl_error_at(&rd->lx, line, column, FS_E_VALUE,
	    "%s value of %zu bytes; expected at most %d",
	    fs_type_name(rd->cur_type), len, VALUE_MAX - 1);
}

/* Parses one value token of the component being built. */
static int
value_token(struct cr_reader *rd, const struct cl_token *v)
{
	char buf[VALUE_MAX];
	unsigned col = v->column + (v->kind == CL_STRING ? 1 : 0);
	int r;

	if (rd->cur_type == FS_TCP_FLAGS && rd->d->flags_value != NULL)
		return rd->d->flags_value(rd, v);
	r = rewrite_names(rd, v->s, v->len, v->line, col, buf);
	if (r == -1)
		return -1;
	if (r == 1)
		return cr_term(rd, buf, strlen(buf), v->line, col, false);
	return cr_term(rd, v->s, v->len, v->line, col, true);
}

static int
stmt_values(struct cr_reader *rd, const struct cr_stmt *s)
{
	for (size_t i = 0; i < s->count; i++)
		if (value_token(rd, &rd->rt.vals[s->first + i]) == -1)
			return -1;
	return 0;
}

/* Adds a component of `type` to the rule being built. */
static int
add_component(struct cr_reader *rd, struct fs_rule *r, const struct cr_stmt *s)
{
	char name[64];

	if (fs_rule_add_component(r, s->kw->type) == 0)
		return 0;
	if (errno == ENOMEM)
		return nomem(rd, &s->key);
	return cl_error(&rd->lx, &s->key, FS_E_VALUE,
	    "%s cannot be used in an %s rule",
	    cl_describe(&s->key, name, sizeof(name)), family_label(r->family));
}

/* Prefixes */

struct prefix_stmt {
	struct fs_prefix p;
	int family;
	bool has_offset;
};

/* Parses the offset of a prefix ("/OFF" of ExaBGP or "offset N") into p. */
static int
prefix_offset(struct cr_reader *rd, const struct cl_token *at,
    const char *s, size_t len, struct prefix_stmt *ps)
{
	uint64_t off;
	char found[64];
	struct cl_token t = *at;

	t.s = s;
	t.len = len;
	if (!cr_number(s, len, 128, &off))
		return cl_error(&rd->lx, at, FS_E_VALUE,
		    "prefix offset %s; expected a number of bits from 0 to 128",
		    cl_describe(&t, found, sizeof(found)));
	if (ps->family != FS_IPV6)
		return cl_error(&rd->lx, at, FS_E_FAMILY,
		    "prefix offset on an IPv4 prefix; offsets exist only in "
		    "IPv6 rules");
	if (off > ps->p.len)
		return cl_error(&rd->lx, at, FS_E_VALUE,
		    "prefix offset %llu beyond the prefix length %u; expected "
		    "at most %u", (unsigned long long)off, ps->p.len, ps->p.len);
	ps->p.offset = (uint8_t)off;
	ps->has_offset = true;
	/* As the one-line parser does: the wire carries no bits below it. */
	for (unsigned i = 0; i < ps->p.offset; i++)
		ps->p.addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	return 0;
}

/*
 * Parses the prefix statement `s`: "ADDR/LEN", "ADDR/LEN/OFFSET"
 * (ExaBGP), or "ADDR/LEN offset N" into *ps.
 */
static int
parse_prefix(struct cr_reader *rd, const struct cr_stmt *s,
    struct prefix_stmt *ps)
{
	const struct cl_token *v = &rd->rt.vals[s->first];
	const char *slash2 = NULL, *p;
	size_t len = v->len;
	struct fs_error e;

	memset(ps, 0, sizeof(*ps));
	if (s->count > 1 && !cl_is(&v[1], "offset") &&
	    !cl_is(&v[1], "prefix-offset"))
		return cl_unexpected(&rd->lx, &v[1],
		    "\"offset\" or \";\" after the prefix");
	if (s->count == 2)
		return cl_error(&rd->lx, &v[1], FS_E_SYNTAX,
		    "\"%.*s\" without a value; expected a number of bits after it",
		    (int)v[1].len, v[1].s);
	if (s->count > 3)
		return missing_semi(rd, &v[3], &s->key);
	p = memchr(v->s, '/', v->len);
	if (p != NULL)
		slash2 = memchr(p + 1, '/', (size_t)(v->s + v->len - p - 1));
	if (slash2 != NULL)
		len = (size_t)(slash2 - v->s);
	memset(&e, 0, sizeof(e));
	if (fs_parse_prefix(v->s, len, 0, &ps->p, &ps->family, &e) == -1)
		return core_error(rd, &e, v->line,
		    e.column > 0 ? v->column + e.column - 1 : v->column);
	if (slash2 != NULL && prefix_offset(rd, v, slash2 + 1,
	    (size_t)(v->s + v->len - slash2 - 1), ps) == -1)
		return -1;
	if (s->count == 3 && prefix_offset(rd, &v[2], v[2].s, v[2].len,
	    ps) == -1)
		return -1;
	return 0;
}

/* What decided the family of the rule being built, for messages. */
struct family_cause {
	int family;
	const struct cr_stmt *stmt;	/* NULL: forced, or from the context */
	const char *why;
};

static int
family_error(struct cr_reader *rd, const struct cl_token *at,
    const char *what, const struct family_cause *fc)
{
	char because[96], name[64];

	if (fc->stmt != NULL)
		snprintf(because, sizeof(because), "%s at line %u",
		    cl_describe(&fc->stmt->key, name, sizeof(name)),
		    fc->stmt->key.line);
	else
		snprintf(because, sizeof(because), "%s", fc->why);
	return cl_error(&rd->lx, at, FS_E_FAMILY,
	    "%s in an %s rule (%s); expected one family per rule", what,
	    family_label(fc->family), because);
}

/* Sets fc to the family of the route's rule, checking every prefix. */
static int
route_family(struct cr_reader *rd, struct family_cause *fc)
{
	struct cr_route *rt = &rd->rt;
	struct prefix_stmt ps;
	char what[96], name[64];

	fc->family = rd->family != 0 ? rd->family : rt->ctx_family;
	fc->stmt = NULL;
	fc->why = rd->family != 0 ? "the family asked for" :
	    "the family of the enclosing rib";
	for (size_t i = 0; i < rt->nstmts; i++) {
		const struct cr_stmt *s = &rt->stmts[i];

		if (s->kw->type != FS_DST && s->kw->type != FS_SRC)
			continue;
		if (parse_prefix(rd, s, &ps) == -1)
			return -1;
		if (fc->family == 0) {
			fc->family = ps.family;
			fc->stmt = s;
		} else if (ps.family != fc->family) {
			snprintf(what, sizeof(what), "%s prefix %s",
			    family_label(ps.family),
			    cl_describe(&rt->vals[s->first], name, sizeof(name)));
			return family_error(rd, &rt->vals[s->first], what, fc);
		}
	}
	for (size_t i = 0; i < rt->nstmts; i++) {
		const struct cr_stmt *s = &rt->stmts[i];

		if (!(s->kw->flags & CR_KW_IPV6))
			continue;
		if (fc->family == 0) {
			fc->family = FS_IPV6;
			fc->stmt = s;
		} else if (fc->family != FS_IPV6) {
			snprintf(what, sizeof(what), "IPv6-only %s",
			    cl_describe(&s->key, name, sizeof(name)));
			return family_error(rd, &s->key, what, fc);
		}
	}
	if (fc->family == 0)
		fc->family = FS_IPV4;
	return 0;
}

static int
add_prefixes(struct cr_reader *rd)
{
	struct cr_route *rt = &rd->rt;
	struct prefix_stmt ps;
	char name[64];

	for (size_t i = 0; i < rt->nstmts; i++) {
		const struct cr_stmt *s = &rt->stmts[i];

		if (s->kw->type != FS_DST && s->kw->type != FS_SRC)
			continue;
		if (parse_prefix(rd, s, &ps) == -1)
			return -1;
		if (fs_rule_add_prefix(&rd->rule, s->kw->type, &ps.p) == 0)
			continue;
		if (errno == ENOMEM)
			return nomem(rd, &s->key);
		if (errno == EEXIST)
			return cl_error(&rd->lx, &s->key, FS_E_DUPLICATE,
			    "second %s prefix in one route; expected one",
			    fs_type_name(s->kw->type));
		return cl_error(&rd->lx, &rt->vals[s->first], FS_E_VALUE,
		    "prefix %s does not fit an %s rule",
		    cl_describe(&rt->vals[s->first], name, sizeof(name)),
		    family_label(rd->rule.family));
	}
	return 0;
}

/*
 * Parses every numeric and bitmask statement on its own, in file order,
 * so that the first error in the file is the one reported.
 */
static int
check_values(struct cr_reader *rd, int family)
{
	struct cr_route *rt = &rd->rt;

	for (size_t i = 0; i < rt->nstmts; i++) {
		const struct cr_stmt *s = &rt->stmts[i];

		if (fs_type_kind(s->kw->type) == FS_KIND_PREFIX)
			continue;
		fs_rule_clear(&rd->scratch, family);
		if (add_component(rd, &rd->scratch, s) == -1)
			return -1;
		rd->cur = &rd->scratch;
		rd->cur_type = s->kw->type;
		rd->first = true;
		if (stmt_values(rd, s) == -1)
			return -1;
	}
	return 0;
}

/*
 * Adds the numeric and bitmask components.  Statements of one type (port
 * given twice, or source-port and a second source-port) are OR-ed into
 * one component, as ExaBGP does.
 */
static int
add_values(struct cr_reader *rd)
{
	struct cr_route *rt = &rd->rt;

	rd->cur = &rd->rule;
	for (unsigned type = 1; type <= FS_TYPE_MAX; type++) {
		if (fs_type_kind(type) == FS_KIND_PREFIX)
			continue;
		rd->cur_type = type;
		rd->first = true;
		for (size_t i = 0; i < rt->nstmts; i++) {
			const struct cr_stmt *s = &rt->stmts[i];

			if (s->kw->type != type)
				continue;
			if (rd->first && add_component(rd, &rd->rule, s) == -1)
				return -1;
			if (stmt_values(rd, s) == -1)
				return -1;
		}
	}
	return 0;
}

static int
add_actions(struct cr_reader *rd)
{
	struct cr_route *rt = &rd->rt;
	struct fs_action ta;

	rd->rule.spelled |= rt->spelled;
	for (unsigned i = 0; i < rt->nact; i++)
		if (fs_rule_add_action(&rd->rule, rt->act[i].ec) == -1)
			return nomem(rd, &rt->head);
	if (rt->sample || rt->terminal) {
		fs_ec_traffic_action(&ta, rt->sample, rt->terminal);
		if (fs_rule_add_action(&rd->rule, ta.ec) == -1)
			return nomem(rd, &rt->head);
	}
	return 0;
}

/* Turns the route just read into a rule of the set. */
static int
build_route(struct cr_reader *rd)
{
	struct cr_route *rt = &rd->rt;
	struct family_cause fc;
	char *name;
	int r;

	if (route_family(rd, &fc) == -1)
		return -1;
	rd->cur_family = fc.family;
	if (check_values(rd, fc.family) == -1)
		return -1;
	fs_rule_clear(&rd->rule, fc.family);
	if (add_prefixes(rd) == -1 || add_values(rd) == -1)
		return -1;
	fs_rule_sort(&rd->rule);
	if (add_actions(rd) == -1)
		return -1;
	name = strndup(rt->name.s, rt->name.len);
	if (name == NULL)
		return nomem(rd, &rt->head);
	r = fs_ruleset_add(rd->set, &rd->rule, name, rd->file, rt->head.line,
	    rt->head.column);
	free(name);
	if (r == -1)
		return nomem(rd, &rt->head);
	rd->count++;
	return 0;
}

/* Routes and flow blocks */

static bool
in_list(const char *const *list, const struct cl_token *t)
{
	for (; list != NULL && *list != NULL; list++)
		if (cl_is(t, *list))
			return true;
	return false;
}

/* Reads the statements of a route up to its "}". */
static int
route_body(struct cr_reader *rd, const struct cl_token *head)
{
	struct cl_token t;
	bool skipped;
	char found[64];

	for (;;) {
		if (next_statement(rd, &t, &skipped) == -1)
			return -1;
		if (skipped || t.kind == CL_SEMI)
			continue;
		if (t.kind == CL_RBRACE)
			return 0;
		if (t.kind == CL_EOF)
			return cl_error(&rd->lx, &t, FS_E_SYNTAX,
			    "unexpected end of file; expected \"}\" to close "
			    "route %s opened at line %u", cl_describe(&rd->rt.name,
			    found, sizeof(found)), head->line);
		if (cl_is(&t, "match") && t.kind == CL_WORD) {
			if (match_or_then(rd, &t, true) == -1)
				return -1;
		} else if (cl_is(&t, "then") && t.kind == CL_WORD) {
			if (match_or_then(rd, &t, false) == -1)
				return -1;
		} else if (t.kind == CL_WORD && in_list(rd->d->route_skip, &t)) {
			if (cr_skip(rd, &t) == -1)
				return -1;
		} else {
			return cl_error(&rd->lx, &t, FS_E_SYNTAX,
			    "unknown route statement %s; expected one of %s",
			    cl_describe(&t, found, sizeof(found)),
			    rd->d->route_names);
		}
	}
}

/* Reads "route NAME { ... }"; `head` is the word "route". */
static int
route(struct cr_reader *rd, const struct cl_token *head, int ctx_family)
{
	struct cl_token t;
	char name[64];

	route_reset(&rd->rt, head, ctx_family);
	if (cl_next(&rd->lx, &rd->rt.name) == -1)
		return -1;
	if (rd->rt.name.kind != CL_WORD && rd->rt.name.kind != CL_STRING)
		return cl_unexpected(&rd->lx, &rd->rt.name,
		    "a route name after \"route\"");
	if (cl_next(&rd->lx, &t) == -1)
		return -1;
	if (t.kind != CL_LBRACE) {
		char what[96];

		snprintf(what, sizeof(what), "\"{\" after route %s",
		    cl_describe(&rd->rt.name, name, sizeof(name)));
		return cl_unexpected(&rd->lx, &t, what);
	}
	if (route_body(rd, head) == -1)
		return -1;
	if (!rd->rt.has_match)
		return cl_error(&rd->lx, head, FS_E_SYNTAX,
		    "route %s has no match block; expected \"match { ... }\"",
		    cl_describe(&rd->rt.name, name, sizeof(name)));
	if (rd->rt.nstmts == 0)
		return cl_error(&rd->lx, head, FS_E_SYNTAX,
		    "route %s has an empty match block; expected at least one "
		    "match statement (a rule must match something)",
		    cl_describe(&rd->rt.name, name, sizeof(name)));
	return build_route(rd);
}

/* Reads a "flow { ... }" block: its routes, skipping anything else. */
static int
flow_block(struct cr_reader *rd, const struct cl_token *head, int ctx_family)
{
	struct cl_token t;
	bool skipped;

	for (;;) {
		if (next_statement(rd, &t, &skipped) == -1)
			return -1;
		if (skipped || t.kind == CL_SEMI)
			continue;
		if (t.kind == CL_RBRACE)
			return 0;
		if (t.kind == CL_EOF)
			return cl_error(&rd->lx, &t, FS_E_SYNTAX,
			    "unexpected end of file; expected \"}\" to close the "
			    "flow block opened at line %u", head->line);
		if (t.kind == CL_WORD && cl_is(&t, "route")) {
			if (route(rd, &t, ctx_family) == -1)
				return -1;
		} else if (t.kind == CL_LBRACE) {
			if (cl_skip_block(&rd->lx, &t) == -1)
				return -1;
		} else if (cl_skip_statement(&rd->lx, &t) == -1) {
			return -1;
		}
	}
}

/* Returns the family a Junos "rib NAME" block implies, or ctx_family. */
static int
rib_family(const struct cl_token *head, const struct cl_token *t,
    int ctx_family)
{
	static const char v6[] = "inet6.0", v4[] = "inet.0";

	if (!cl_is(head, "rib") || t->kind != CL_WORD)
		return ctx_family;
	if (t->len >= sizeof(v6) - 1 &&
	    memcmp(t->s + t->len - (sizeof(v6) - 1), v6, sizeof(v6) - 1) == 0)
		return FS_IPV6;
	if (t->len >= sizeof(v4) - 1 &&
	    memcmp(t->s + t->len - (sizeof(v4) - 1), v4, sizeof(v4) - 1) == 0)
		return FS_IPV4;
	return ctx_family;
}

/* Reads one statement outside any flow block; `head` is its first token. */
static int
statement(struct cr_reader *rd, const struct cl_token *head, unsigned depth,
    int ctx_family)
{
	struct cl_token t;
	char name[64], what[96];

	if (head->kind == CL_WORD && cl_is(head, "flow")) {
		if (cl_peek(&rd->lx, &t) == -1)
			return -1;
		if (t.kind == CL_LBRACE) {
			(void)cl_next(&rd->lx, &t);
			return flow_block(rd, head, ctx_family);
		}
	}
	if (head->kind == CL_LBRACE)
		return walk(rd, head, depth + 1, ctx_family);
	for (;;) {
		if (cl_next(&rd->lx, &t) == -1)
			return -1;
		switch (t.kind) {
		case CL_SEMI:
			return 0;
		case CL_LBRACE:
			return walk(rd, head, depth + 1, ctx_family);
		case CL_RBRACE:
		case CL_EOF:
			snprintf(what, sizeof(what), "\";\" to end the statement %s",
			    cl_describe(head, name, sizeof(name)));
			return cl_unexpected(&rd->lx, &t, what);
		default:
			ctx_family = rib_family(head, &t, ctx_family);
			break;
		}
	}
}

/*
 * Reads statements up to the "}" that closes the block of `head`, or to
 * the end of the file when head is NULL, looking for flow blocks.
 */
static int
walk(struct cr_reader *rd, const struct cl_token *head, unsigned depth,
    int ctx_family)
{
	struct cl_token t;
	bool skipped;
	char name[64];

	if (depth > CR_MAX_DEPTH)
		return cl_error(&rd->lx, head, FS_E_SYNTAX,
		    "blocks nested deeper than %d; expected at most %d levels",
		    CR_MAX_DEPTH, CR_MAX_DEPTH);
	for (;;) {
		if (next_statement(rd, &t, &skipped) == -1)
			return -1;
		if (skipped || t.kind == CL_SEMI)
			continue;
		if (t.kind == CL_EOF) {
			if (head == NULL)
				return 0;
			return cl_error(&rd->lx, &t, FS_E_SYNTAX,
			    "unexpected end of file; expected \"}\" to close the "
			    "block of %s opened at line %u",
			    cl_describe(head, name, sizeof(name)), head->line);
		}
		if (t.kind == CL_RBRACE) {
			if (head != NULL)
				return 0;
			return cl_error(&rd->lx, &t, FS_E_SYNTAX,
			    "unexpected \"}\" with no block open; expected a "
			    "statement or the end of the file");
		}
		if (head == NULL && (rd->d->flags & CR_D_NO_SET) &&
		    t.kind == CL_WORD && (cl_is(&t, "set") || cl_is(&t, "delete")))
			return cl_error(&rd->lx, &t, FS_E_SYNTAX,
			    "Junos \"%.*s\" commands are not read; expected the "
			    "configuration as \"show configuration\" prints it, "
			    "in braces", (int)t.len, t.s);
		if (statement(rd, &t, depth, ctx_family) == -1)
			return -1;
	}
}

int
cr_read(const struct cr_dialect *d, struct fs_ruleset *set, const char *text,
    size_t len, const char *file, int family, struct fs_error *err)
{
	struct cr_reader rd;
	size_t n0;
	int r;

	if (set == NULL || (text == NULL && len != 0))
		return fs_error_set(err, FS_E_VALUE, "bad arguments");
	n0 = set->n;
	memset(&rd, 0, sizeof(rd));
	rd.d = d;
	rd.set = set;
	rd.file = file != NULL ? file : "";
	rd.family = family;
	cl_init(&rd.lx, text, len, rd.file, d->lexer_flags, err);
	fs_rule_init(&rd.rule, family != 0 ? family : FS_IPV4);
	fs_rule_init(&rd.scratch, family != 0 ? family : FS_IPV4);
	if (family != 0 && family != FS_IPV4 && family != FS_IPV6) {
		cl_error_at(&rd.lx, 0, 0, FS_E_FAMILY,
		    "family %d; expected ipv4, ipv6 or 0 (per rule)", family);
		r = -1;
	} else {
		r = walk(&rd, NULL, 0, 0);
	}
	fs_rule_free(&rd.rule);
	fs_rule_free(&rd.scratch);
	route_free(&rd.rt);
	if (r == -1) {
		fs_ruleset_truncate(set, n0);
		return -1;
	}
	return rd.count;
}
