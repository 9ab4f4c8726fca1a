/*
 * conf_lexer.c - a tokenizer for brace-structured configurations.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "flowspec/conf_lexer.h"

#define DESCRIBE_MAX 40		/* bytes of a word quoted in a message */

void
cl_init(struct cl_lexer *lx, const char *text, size_t len, const char *file,
    unsigned flags, struct fs_error *err)
{
	memset(lx, 0, sizeof(*lx));
	lx->text = text;
	lx->len = text != NULL ? len : 0;
	lx->line = 1;
	lx->flags = flags;
	lx->file = file != NULL ? file : "";
	lx->err = err;
}

static unsigned
column(const struct cl_lexer *lx, size_t pos)
{
	return (unsigned)(pos - lx->bol + 1);
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

/* Characters that end a word and are tokens of their own. */
static bool
is_punct(char c)
{
	return c == '{' || c == '}' || c == '[' || c == ']' || c == ';' ||
	    c == '"';
}

static void
newline(struct cl_lexer *lx, size_t pos)
{
	lx->line++;
	lx->bol = pos + 1;
}

static bool
at(const struct cl_lexer *lx, size_t pos, const char *s)
{
	size_t n = strlen(s);

	return pos <= lx->len && lx->len - pos >= n &&
	    memcmp(lx->text + pos, s, n) == 0;
}

/* Skips a C comment starting at lx->pos ("/" "*"). Returns 0 or -1. */
static int
skip_c_comment(struct cl_lexer *lx)
{
	unsigned line = lx->line, col = column(lx, lx->pos);

	lx->pos += 2;
	while (lx->pos < lx->len) {
		if (at(lx, lx->pos, "*/")) {
			lx->pos += 2;
			return 0;
		}
		if (lx->text[lx->pos] == '\n')
			newline(lx, lx->pos);
		lx->pos++;
	}
	return cl_error_at(lx, line, col, FS_E_SYNTAX,
	    "unterminated comment; expected \"*/\" before the end of file");
}

/* Skips white space and comments. Returns 0 or -1. */
static int
skip_space(struct cl_lexer *lx)
{
	while (lx->pos < lx->len) {
		char c = lx->text[lx->pos];

		if (c == '\n') {
			newline(lx, lx->pos);
			lx->pos++;
		} else if (is_space(c)) {
			lx->pos++;
		} else if (c == '#') {
			while (lx->pos < lx->len && lx->text[lx->pos] != '\n')
				lx->pos++;
		} else if ((lx->flags & CL_C_COMMENTS) && at(lx, lx->pos, "/*")) {
			if (skip_c_comment(lx) == -1)
				return -1;
		} else {
			break;
		}
	}
	return 0;
}

/* Reads a quoted string; lx->pos is at the opening quote. */
static int
lex_string(struct cl_lexer *lx, struct cl_token *t)
{
	char quote = lx->text[lx->pos];

	t->kind = CL_STRING;
	t->s = lx->text + lx->pos + 1;
	for (size_t p = lx->pos + 1; p < lx->len; p++) {
		char c = lx->text[p];

		if (c == quote) {
			t->len = (size_t)(lx->text + p - t->s);
			lx->pos = p + 1;
			return 0;
		}
		if (c == '\\' && p + 1 < lx->len)
			p++;	/* the escaped byte is part of the string */
		if (lx->text[p] == '\n')
			newline(lx, p);
	}
	return cl_error_at(lx, t->line, t->column, FS_E_SYNTAX,
	    "unterminated string; expected a closing %c before the end of file",
	    quote);
}

static int
lex(struct cl_lexer *lx, struct cl_token *t)
{
	char c;

	if (skip_space(lx) == -1)
		return -1;
	t->line = lx->line;
	t->column = column(lx, lx->pos);
	t->s = lx->text + lx->pos;
	t->len = 0;
	if (lx->pos >= lx->len) {
		t->kind = CL_EOF;
		return 0;
	}
	c = lx->text[lx->pos];
	switch (c) {
	case '{': t->kind = CL_LBRACE; break;
	case '}': t->kind = CL_RBRACE; break;
	case '[': t->kind = CL_LBRACKET; break;
	case ']': t->kind = CL_RBRACKET; break;
	case ';': t->kind = CL_SEMI; break;
	case '"':
	case '\'':
		return lex_string(lx, t);
	default:
		t->kind = CL_WORD;
		while (lx->pos + t->len < lx->len) {
			c = lx->text[lx->pos + t->len];
			if (is_space(c) || is_punct(c))
				break;
			t->len++;
		}
		lx->pos += t->len;
		return 0;
	}
	t->len = 1;
	lx->pos++;
	return 0;
}

int
cl_next(struct cl_lexer *lx, struct cl_token *t)
{
	if (lx->has_ahead) {
		*t = lx->ahead;
		lx->has_ahead = false;
		return 0;
	}
	return lex(lx, t);
}

int
cl_peek(struct cl_lexer *lx, struct cl_token *t)
{
	if (!lx->has_ahead) {
		if (lex(lx, &lx->ahead) == -1)
			return -1;
		lx->has_ahead = true;
	}
	*t = lx->ahead;
	return 0;
}

bool
cl_is(const struct cl_token *t, const char *w)
{
	size_t n = strlen(w);

	return (t->kind == CL_WORD || t->kind == CL_STRING) && t->len == n &&
	    memcmp(t->s, w, n) == 0;
}

/* Appends s[0..len) to buf as printable ASCII, escaping other bytes. */
static void
append_printable(char *buf, size_t cap, const char *s, size_t len)
{
	size_t o = strlen(buf);

	for (size_t i = 0; i < len && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
	}
	buf[o < cap ? o : cap - 1] = '\0';
}

char *
cl_describe(const struct cl_token *t, char *buf, size_t cap)
{
	size_t n;

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	switch (t->kind) {
	case CL_EOF:
		snprintf(buf, cap, "end of file");
		return buf;
	case CL_WORD:
	case CL_STRING:
		snprintf(buf, cap, "%s\"", t->kind == CL_STRING ? "string " : "");
		n = t->len < DESCRIBE_MAX ? t->len : DESCRIBE_MAX;
		append_printable(buf, cap, t->s, n);
		if (n < t->len && strlen(buf) + 4 < cap)
			strcat(buf, "...");
		if (strlen(buf) + 2 <= cap)
			strcat(buf, "\"");
		return buf;
	default:
		snprintf(buf, cap, "\"%c\"", *t->s);
		return buf;
	}
}

static int __attribute__((format(printf, 5, 0)))
verror(struct cl_lexer *lx, unsigned line, unsigned col, enum fs_errcode code,
    const char *fmt, va_list ap)
{
	char msg[sizeof(((struct fs_error *)0)->msg)];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fs_error_set(lx->err, code, "%s", msg);
	if (lx->err != NULL) {
		lx->err->offset = 0;
		lx->err->line = line;
		lx->err->column = col;
		snprintf(lx->err->file, sizeof(lx->err->file), "%s", lx->file);
	}
	return -1;
}

int
cl_error_at(struct cl_lexer *lx, unsigned line, unsigned col,
    enum fs_errcode code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(lx, line, col, code, fmt, ap);
	va_end(ap);
	return -1;
}

int
cl_error(struct cl_lexer *lx, const struct cl_token *t, enum fs_errcode code,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(lx, t->line, t->column, code, fmt, ap);
	va_end(ap);
	return -1;
}

int
cl_unexpected(struct cl_lexer *lx, const struct cl_token *t, const char *what)
{
	char found[64];

	return cl_error(lx, t, FS_E_SYNTAX, "unexpected %s; expected %s",
	    cl_describe(t, found, sizeof(found)), what);
}

int
cl_expect(struct cl_lexer *lx, enum cl_kind kind, const char *what,
    struct cl_token *t)
{
	if (cl_next(lx, t) == -1)
		return -1;
	if (t->kind != kind)
		return cl_unexpected(lx, t, what);
	return 0;
}

/* Fills the error for a block that the end of file leaves open. */
static int
unclosed(struct cl_lexer *lx, const struct cl_token *eof,
    const struct cl_token *head)
{
	char name[64];

	return cl_error(lx, eof, FS_E_SYNTAX,
	    "unexpected end of file; expected \"}\" to close the block of %s "
	    "opened at line %u", cl_describe(head, name, sizeof(name)),
	    head->line);
}

int
cl_skip_block(struct cl_lexer *lx, const struct cl_token *head)
{
	struct cl_token t;
	size_t depth = 1;

	/* Iterative: a fuzzer's million "{" must not exhaust the stack. */
	while (depth > 0) {
		if (cl_next(lx, &t) == -1)
			return -1;
		if (t.kind == CL_EOF)
			return unclosed(lx, &t, head);
		if (t.kind == CL_LBRACE)
			depth++;
		else if (t.kind == CL_RBRACE)
			depth--;
	}
	return 0;
}

int
cl_skip_statement(struct cl_lexer *lx, const struct cl_token *head)
{
	struct cl_token t;
	char name[64], what[96];

	for (;;) {
		if (cl_next(lx, &t) == -1)
			return -1;
		switch (t.kind) {
		case CL_SEMI:
			return 0;
		case CL_LBRACE:
			return cl_skip_block(lx, head);
		case CL_RBRACE:
		case CL_EOF:
			snprintf(what, sizeof(what), "\";\" to end the statement %s",
			    cl_describe(head, name, sizeof(name)));
			return cl_unexpected(lx, &t, what);
		default:
			break;
		}
	}
}
