/*
 * error.h - why a rule, an NLRI or a rule file was refused.
 *
 * Every refusal carries a stable code (for tests and JSON), the place
 * (octet offset for wire input, line and column for text) and a sentence
 * that names what was found and what was expected.
 */
#ifndef FC_FLOWSPEC_ERROR_H
#define FC_FLOWSPEC_ERROR_H

#include <stddef.h>

enum fs_errcode {
	FS_OK = 0,
	/* wire input */
	FS_E_TRUNCATED,		/* input ends inside a length, prefix, operator or value */
	FS_E_ZERO_LENGTH,	/* an NLRI of length 0 */
	FS_E_OVERRUN,		/* a component runs past the NLRI's length, into what follows */
	FS_E_BAD_ORDER,		/* component types not strictly increasing */
	FS_E_UNKNOWN_TYPE,	/* component type 0, 14..255, or 13 in IPv4 */
	FS_E_PREFIX_LENGTH,	/* prefix length above 32 (IPv4) or 128 (IPv6) */
	FS_E_OFFSET,		/* IPv6 offset above the prefix length */
	FS_E_AND_FIRST,		/* AND bit on the first term of a component */
	FS_E_RESERVED_BIT,	/* a reserved operator bit set */
	FS_E_PRE_RFC8956,	/* IPv6 prefix with offset in the pre-RFC 8956 form */
	FS_E_NONCONFORMANT,	/* readable, but not conformant, and decoding was strict */
	FS_E_TOO_LONG,		/* encoding exceeds 4095 octets */
	FS_E_NO_SPACE,		/* the caller's buffer is too small */
	FS_E_EXT_COMMUNITY,	/* an extended community that is not 8 octets of hex */
	/* text input */
	FS_E_SYNTAX,		/* unexpected token; the message says what was expected */
	FS_E_VALUE,		/* a number, name or address that does not parse or fit */
	FS_E_FAMILY,		/* IPv4 and IPv6 mixed, or a component of the other family */
	FS_E_DUPLICATE,		/* a component given twice in one rule */
	FS_E_IO,		/* a rule file could not be read */
	FS_E_NOMEM,
};

struct fs_error {
	enum fs_errcode code;
	size_t offset;		/* wire: octet offset into the input */
	unsigned line;		/* text: 1-based; 0 when not from a file */
	unsigned column;	/* text: 1-based */
	char file[128];		/* text: file name, or "" */
	char msg[512];
};

/* Returns the stable name of `code` ("truncated", "bad-order", ...). */
const char *fs_errcode_name(enum fs_errcode code);

/* Fills `err` (if not NULL) with code and a printf-style message; returns -1. */
int fs_error_set(struct fs_error *err, enum fs_errcode code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Writes "FILE:LINE:COLUMN: message" (or "octet N: message" for wire
 * errors) into buf.  Returns what snprintf returns.
 */
int fs_error_format(const struct fs_error *err, char *buf, size_t cap);

#endif
