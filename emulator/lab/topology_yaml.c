/*
 * topology_yaml.c - the YAML side of the topology reader: what is refused
 * before the document is built (aliases, tags, depth, second documents),
 * libyaml's errors as ours, and checked access to the document's nodes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "topology_int.h"

/* Returns -1, having filled c->err with the code, the place and the message. */
int
tp_fail(struct tp_ctx *c, enum lab_errcode code, struct tp_mark at,
    const char *fmt, ...)
{
	char msg[sizeof(((struct lab_error *)0)->msg)];
	va_list ap;

	/*
	 * libyaml ends an unterminated last line with a line of its own:
	 * a place there is the end of the text.
	 */
	if (c->end.line != 0 && at.line > c->end.line)
		at = c->end;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return lab_error_at(c->err, code, c->file, at.line, at.col, "%s", msg);
}

/* Returns -1, having filled c->err with LAB_E_NOMEM. */
int
tp_nomem(struct tp_ctx *c)
{
	return lab_error_at(c->err, LAB_E_NOMEM, c->file, 0, 0, "out of memory");
}

/* Returns the 1-based place where `n` starts. */
struct tp_mark
tp_at(const yaml_node_t *n)
{
	struct tp_mark m = { 0, 0 };

	if (n != NULL) {
		m.line = (unsigned)n->start_mark.line + 1;
		m.col = (unsigned)n->start_mark.column + 1;
	}
	return m;
}

/* Returns the 1-based place of a libyaml mark. */
static struct tp_mark
mark_at(yaml_mark_t ym)
{
	struct tp_mark m = { (unsigned)ym.line + 1, (unsigned)ym.column + 1 };

	return m;
}

/*
 * Returns buf holding `s` in double quotes, with what is not printable
 * ASCII escaped and the middle of a long string cut, so that input never
 * reaches a terminal or a log as is.
 */
const char *
tp_quote(const char *s, char *buf, size_t cap)
{
	size_t o = 0, n = 0;

	if (cap < 8) {
		if (cap > 0)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	/* Room for one "\xHH", "...", the closing quote and the NUL. */
	for (; s != NULL && s[n] != '\0' && o + 4 + 3 + 2 <= cap; n++) {
		unsigned char ch = (unsigned char)s[n];

		if (ch == '"' || ch == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)ch;
		} else if (ch >= 0x20 && ch < 0x7f) {
			buf[o++] = (char)ch;
		} else {
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
		}
	}
	if (s != NULL && s[n] != '\0') {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* Returns buf naming two places: "lines 4 and 9", or "line 4, columns 7 and 12". */
const char *
tp_places(struct tp_mark a, struct tp_mark b, char *buf, size_t cap)
{
	if (a.line != b.line)
		snprintf(buf, cap, "lines %u and %u", a.line, b.line);
	else
		snprintf(buf, cap, "line %u, columns %u and %u", a.line, a.col,
		    b.col);
	return buf;
}

/* Returns whether `n` is YAML's null: an empty value, ~ or null. */
bool
tp_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n == NULL || n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* Returns the node at a document index, or NULL if there is none. */
yaml_node_t *
tp_node(struct tp_ctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

/* Returns the number of items of a sequence or pairs of a mapping. */
size_t
tp_len(const yaml_node_t *n)
{
	if (n == NULL)
		return 0;
	if (n->type == YAML_SEQUENCE_NODE)
		return (size_t)(n->data.sequence.items.top -
		    n->data.sequence.items.start);
	if (n->type == YAML_MAPPING_NODE)
		return (size_t)(n->data.mapping.pairs.top -
		    n->data.mapping.pairs.start);
	return 0;
}

/* Returns item i of a sequence, or NULL past its end. */
yaml_node_t *
tp_item(struct tp_ctx *c, const yaml_node_t *seq, size_t i)
{
	if (seq == NULL || seq->type != YAML_SEQUENCE_NODE || i >= tp_len(seq))
		return NULL;
	return tp_node(c, seq->data.sequence.items.start[i]);
}

/* Returns how `n` reads in a message: "a mapping", "\"abc\"", ... */
static const char *
describe(const yaml_node_t *n, char *buf, size_t cap)
{
	if (n == NULL)
		return "nothing";
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		if (tp_is_null(n))
			return "an empty value";
		return tp_quote((const char *)n->data.scalar.value, buf, cap);
	case YAML_NO_NODE:
		break;
	}
	return "nothing";
}

/* Returns 0 if `n` is of `type`, else -1 with LAB_E_SYNTAX. */
int
tp_expect(struct tp_ctx *c, const yaml_node_t *n, yaml_node_type_t type,
    const char *what)
{
	char q[80];

	if (n != NULL && n->type == type)
		return 0;
	return tp_fail(c, LAB_E_SYNTAX, tp_at(n), "%s: expected %s, found %s",
	    what, type == YAML_MAPPING_NODE ? "a mapping" :
	    type == YAML_SEQUENCE_NODE ? "a list" : "a single value",
	    describe(n, q, sizeof(q)));
}

/* Returns 0 and the text of a non-empty scalar in *s, or -1. */
int
tp_scalar(struct tp_ctx *c, const yaml_node_t *n, const char *what,
    const char **s)
{
	if (tp_expect(c, n, YAML_SCALAR_NODE, what) != 0)
		return -1;
	if (tp_is_null(n))
		return tp_fail(c, LAB_E_MISSING, tp_at(n), "%s has no value",
		    what);
	/* "\0" is a legal escape in YAML; a C string would end there. */
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return tp_fail(c, LAB_E_VALUE, tp_at(n),
		    "%s contains a NUL character", what);
	*s = (const char *)n->data.scalar.value;
	return 0;
}

/* Returns the index of `key` in keys[], or -1. */
static long
key_index(const char *const *keys, size_t nkeys, const yaml_node_t *k)
{
	const char *s = (const char *)k->data.scalar.value;

	if (strlen(s) != k->data.scalar.length)
		return -1;
	for (size_t i = 0; i < nkeys; i++)
		if (strcmp(s, keys[i]) == 0)
			return (long)i;
	return -1;
}

/* Returns -1 with LAB_E_UNKNOWN_KEY naming `k` and listing the keys. */
static int
unknown_key(struct tp_ctx *c, const yaml_node_t *k, const char *what,
    const char *const *keys, size_t nkeys)
{
	char q[80], known[256];
	size_t o = 0;

	known[0] = '\0';
	for (size_t i = 0; i < nkeys && o < sizeof(known); i++) {
		int w = snprintf(known + o, sizeof(known) - o, "%s%s",
		    i > 0 ? ", " : "", keys[i]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	return tp_fail(c, LAB_E_UNKNOWN_KEY, tp_at(k),
	    "unknown key %s in %s; known keys: %s",
	    tp_quote((const char *)k->data.scalar.value, q, sizeof(q)), what,
	    known);
}

/*
 * Returns 0 with vals[i] (and key_at[i], if not NULL) set for each of
 * keys[] that mapping `n` has, NULL for the others; or -1 for a key that
 * is not a name, unknown, a merge key, or given twice.  A null `n` is an
 * empty mapping.
 */
int
tp_map(struct tp_ctx *c, const yaml_node_t *n, const char *what,
    const char *const *keys, size_t nkeys, yaml_node_t **vals,
    struct tp_mark *key_at)
{
	struct tp_mark at_local[TP_KEYS_MAX];
	struct tp_mark *at = key_at != NULL ? key_at : at_local;
	char q[80];

	if (nkeys > TP_KEYS_MAX)
		return tp_fail(c, LAB_E_SYNTAX, tp_at(n), "%s: too many keys",
		    what);
	for (size_t i = 0; i < nkeys; i++) {
		vals[i] = NULL;
		at[i] = (struct tp_mark){ 0, 0 };
	}
	if (tp_is_null(n))
		return 0;
	if (tp_expect(c, n, YAML_MAPPING_NODE, what) != 0)
		return -1;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	    p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = tp_node(c, p->key), *v = tp_node(c, p->value);
		long i;

		if (k == NULL || v == NULL)
			return tp_fail(c, LAB_E_SYNTAX, tp_at(n),
			    "%s: malformed mapping", what);
		if (k->type != YAML_SCALAR_NODE)
			return tp_fail(c, LAB_E_SYNTAX, tp_at(k),
			    "%s: expected a key, found %s", what,
			    describe(k, q, sizeof(q)));
		if (strcmp((const char *)k->data.scalar.value, "<<") == 0)
			return tp_fail(c, LAB_E_SYNTAX, tp_at(k),
			    "merge keys (<<) are not supported");
		if ((i = key_index(keys, nkeys, k)) < 0)
			return unknown_key(c, k, what, keys, nkeys);
		if (vals[i] != NULL)
			return tp_fail(c, LAB_E_DUPLICATE, tp_at(k),
			    "%s: %s is given twice (%s)", what, keys[i],
			    tp_places(at[i], tp_at(k), q, sizeof(q)));
		vals[i] = v;
		at[i] = tp_at(k);
	}
	return 0;
}

/*
 * Returns the place of byte `off` of text, counting lines as libyaml does
 * (CR LF, CR, LF, NEL, LS, PS) and columns in characters.
 */
struct tp_mark
tp_offset_at(const char *text, size_t len, size_t off)
{
	const unsigned char *u = (const unsigned char *)text;
	struct tp_mark m = { 1, 1 };
	size_t i = 0;

	if (off > len)
		off = len;
	while (i < off) {
		size_t brk = 0;

		if (u[i] == '\r' && i + 1 < len && u[i + 1] == '\n')
			brk = 2;
		else if (u[i] == '\r' || u[i] == '\n')
			brk = 1;
		else if (u[i] == 0xc2 && i + 1 < len && u[i + 1] == 0x85)
			brk = 2;
		else if (u[i] == 0xe2 && i + 2 < len && u[i + 1] == 0x80 &&
		    (u[i + 2] == 0xa8 || u[i + 2] == 0xa9))
			brk = 3;
		if (brk != 0) {
			m.line++;
			m.col = 1;
			i += brk;
			continue;
		}
		if ((u[i] & 0xc0) != 0x80)
			m.col++;
		i++;
	}
	return m;
}

/* Returns -1 with libyaml's error, at its problem mark, as LAB_E_SYNTAX. */
int
tp_yaml_error(struct tp_ctx *c, const yaml_parser_t *p, const char *text,
    size_t len)
{
	const char *problem = p->problem != NULL ? p->problem : "not YAML";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return tp_nomem(c);
	case YAML_READER_ERROR:
		if (p->problem_value != -1)
			return tp_fail(c, LAB_E_SYNTAX,
			    tp_offset_at(text, len, p->problem_offset),
			    "%s (#%X)", problem, (unsigned)p->problem_value);
		return tp_fail(c, LAB_E_SYNTAX,
		    tp_offset_at(text, len, p->problem_offset), "%s", problem);
	default:
		break;
	}
	if (p->context != NULL)
		return tp_fail(c, LAB_E_SYNTAX, mark_at(p->problem_mark),
		    "%s (%s at line %u)", problem, p->context,
		    mark_at(p->context_mark).line);
	return tp_fail(c, LAB_E_SYNTAX, mark_at(p->problem_mark), "%s", problem);
}

/* Returns 0 if an event carries no anchor or tag, else -1. */
static int
plain_event(struct tp_ctx *c, const yaml_event_t *ev)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;
	char q[80];

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		return 0;
	}
	/* An anchor alone is harmless, but has no use without aliases. */
	if (anchor != NULL)
		return tp_fail(c, LAB_E_SYNTAX, mark_at(ev->start_mark),
		    "anchors and aliases are not supported (anchor %s)",
		    tp_quote((const char *)anchor, q, sizeof(q)));
	if (tag != NULL)
		return tp_fail(c, LAB_E_SYNTAX, mark_at(ev->start_mark),
		    "tags are not supported (%s)",
		    tp_quote((const char *)tag, q, sizeof(q)));
	return 0;
}

/* Returns 0 if one event passes, 1 at the stream's end, -1 when refused. */
static int
prescan_event(struct tp_ctx *c, const yaml_event_t *ev, unsigned *depth,
    unsigned *docs, size_t *values)
{
	char q[80];

	/* The document costs libyaml some 150 bytes a value: bound it. */
	if ((ev->type == YAML_SCALAR_EVENT ||
	    ev->type == YAML_SEQUENCE_START_EVENT ||
	    ev->type == YAML_MAPPING_START_EVENT) && ++*values > TP_VALUES_MAX)
		return tp_fail(c, LAB_E_LIMIT, mark_at(ev->start_mark),
		    "more than %u values; a topology needs far fewer",
		    TP_VALUES_MAX);
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1)
			return tp_fail(c, LAB_E_SYNTAX, mark_at(ev->start_mark),
			    "a second YAML document; a topology file holds one");
		return 0;
	case YAML_ALIAS_EVENT:
		/* Aliases make a tree a graph: alias bombs, and loops. */
		return tp_fail(c, LAB_E_SYNTAX, mark_at(ev->start_mark),
		    "aliases are not supported (alias %s)",
		    tp_quote((const char *)ev->data.alias.anchor, q, sizeof(q)));
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (++*depth > TP_DEPTH_MAX)
			return tp_fail(c, LAB_E_SYNTAX, mark_at(ev->start_mark),
			    "nested more than %u levels deep", TP_DEPTH_MAX);
		return plain_event(c, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (*depth > 0)
			--*depth;
		return 0;
	default:
		return plain_event(c, ev);
	}
}

/*
 * Returns 0 if text is YAML with at most one document, no alias, anchor
 * or tag, no deep nesting and not too many values; else -1 with the
 * first problem.  The
 * document API resolves aliases silently, so they are caught here, in
 * the event stream, where their place is known.
 */
int
tp_prescan(struct tp_ctx *c, const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	unsigned depth = 0, docs = 0;
	size_t values = 0;
	int r;

	if (!yaml_parser_initialize(&p))
		return tp_nomem(c);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev)) {
			r = tp_yaml_error(c, &p, text, len);
			break;
		}
		r = prescan_event(c, &ev, &depth, &docs, &values);
		yaml_event_delete(&ev);
		if (r != 0)
			break;
	}
	yaml_parser_delete(&p);
	return r < 0 ? -1 : 0;
}
