/*
 * conf_lexer.h - a tokenizer for brace-structured configurations (ExaBGP,
 * Junos), shared by the foreign rule readers.
 *
 * Tokens are slices of the caller's text: nothing is copied or allocated.
 * Words run up to white space or one of { } [ ] ; "  and carry no escapes;
 * quoted strings ("..." or '...') may hold any of those.  `#` starts a
 * comment at the start of a token; with CL_C_COMMENTS, so does `/ *`.
 * Lines and columns are 1-based; columns count bytes.
 */
#ifndef FC_FLOWSPEC_CONF_LEXER_H
#define FC_FLOWSPEC_CONF_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include "error.h"

enum cl_kind {
	CL_EOF,
	CL_WORD,
	CL_STRING,	/* s/len: what is inside the quotes */
	CL_LBRACE,
	CL_RBRACE,
	CL_LBRACKET,
	CL_RBRACKET,
	CL_SEMI,
};

struct cl_token {
	enum cl_kind kind;
	const char *s;
	size_t len;
	unsigned line, column;	/* of the first byte (the quote for strings) */
};

#define CL_C_COMMENTS	0x1	/* also C comments (Junos annotations) */

struct cl_lexer {
	const char *text;
	size_t len, pos;
	size_t bol;		/* offset of the current line's first byte */
	unsigned line;
	unsigned flags;
	const char *file;	/* for messages; never NULL */
	struct fs_error *err;	/* may be NULL */
	struct cl_token ahead;
	bool has_ahead;
};

/* Starts reading text[0..len); messages name `file` (NULL: ""). */
void cl_init(struct cl_lexer *lx, const char *text, size_t len,
    const char *file, unsigned flags, struct fs_error *err);

/* Returns 0 with the next token in *t, or -1 with the error set. */
int cl_next(struct cl_lexer *lx, struct cl_token *t);
/* Returns 0 with the next token in *t, left unread; or -1. */
int cl_peek(struct cl_lexer *lx, struct cl_token *t);

/* Returns true if `t` is the word (or string) `w`. */
bool cl_is(const struct cl_token *t, const char *w);

/*
 * Writes a short, printable description of `t` into buf: "\"prot\"",
 * "\"{\"", "end of file".  Returns buf.
 */
char *cl_describe(const struct cl_token *t, char *buf, size_t cap);

/*
 * Fills the lexer's error with `code`, a printf-style message and the
 * place line:column.  Returns -1.
 */
int cl_error_at(struct cl_lexer *lx, unsigned line, unsigned column,
    enum fs_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Same, at token `t`. Returns -1. */
int cl_error(struct cl_lexer *lx, const struct cl_token *t,
    enum fs_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Fills "unexpected T; expected WHAT" at `t`. Returns -1. */
int cl_unexpected(struct cl_lexer *lx, const struct cl_token *t,
    const char *what);

/*
 * Reads the next token and checks its kind; on a mismatch fills
 * "unexpected T; expected WHAT".  Returns 0 or -1.
 */
int cl_expect(struct cl_lexer *lx, enum cl_kind kind, const char *what,
    struct cl_token *t);

/*
 * Skips to the "}" that closes the block whose "{" was just read.  `head`
 * is the block's first token, named when the file ends first.
 * Returns 0 or -1.
 */
int cl_skip_block(struct cl_lexer *lx, const struct cl_token *head);

/*
 * Skips the rest of a statement whose first token `head` was just read:
 * up to its ";", or through its block.  Returns 0 or -1.
 */
int cl_skip_statement(struct cl_lexer *lx, const struct cl_token *head);

#endif
