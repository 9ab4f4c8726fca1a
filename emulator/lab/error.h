/*
 * error.h - why a topology was refused or a lab could not be made.
 */
#ifndef FC_LAB_ERROR_H
#define FC_LAB_ERROR_H

#include <stddef.h>

enum lab_errcode {
	LAB_OK = 0,
	/* the topology file (exit status 3) */
	LAB_E_SYNTAX,		/* not YAML, or not the expected shape */
	LAB_E_UNKNOWN_KEY,	/* a key the format does not have */
	LAB_E_MISSING,		/* a required key is absent */
	LAB_E_VALUE,		/* a name, number, size or address that does not parse */
	LAB_E_UNKNOWN_KIND,
	LAB_E_DUPLICATE,	/* two nodes, or two uses of one interface */
	LAB_E_DANGLING,		/* a link endpoint or peer names no node */
	LAB_E_LIMIT,		/* a limit larger than the host has */
	LAB_E_ADDRESS,		/* subnets exhausted or overlapping */
	/* making the lab (exit status 4) */
	LAB_E_ENV,		/* missing privilege, daemon or kernel feature */
	LAB_E_EXISTS,		/* a lab of that name is up */
	LAB_E_IO,
	LAB_E_NOMEM,
};

struct lab_error {
	enum lab_errcode code;
	char file[256];		/* "" when not about a file */
	unsigned line, column;	/* 1-based; 0 when not known */
	char msg[512];
};

/* Returns the stable name of `code` ("unknown-kind", ...). */
const char *lab_errcode_name(enum lab_errcode code);

/*
 * Fills `err` (if not NULL) with code, place and a printf-style message.
 * Returns -1.
 */
int lab_error_at(struct lab_error *err, enum lab_errcode code, const char *file,
    unsigned line, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Writes "FILE:LINE:COLUMN: message" (or just the message) into buf. */
void lab_error_format(const struct lab_error *err, char *buf, size_t cap);

/* Returns the exit status for `code`: 3 for the file's faults, 4 for the rest. */
int lab_error_exit(enum lab_errcode code);

#endif
