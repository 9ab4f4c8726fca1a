/*
 * error.c - naming, placing and formatting the lab's refusals.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static const char *const errcode_names[] = {
	[LAB_OK] = "ok",
	[LAB_E_SYNTAX] = "syntax",
	[LAB_E_UNKNOWN_KEY] = "unknown-key",
	[LAB_E_MISSING] = "missing",
	[LAB_E_VALUE] = "value",
	[LAB_E_UNKNOWN_KIND] = "unknown-kind",
	[LAB_E_DUPLICATE] = "duplicate",
	[LAB_E_DANGLING] = "dangling",
	[LAB_E_LIMIT] = "limit",
	[LAB_E_ADDRESS] = "address",
	[LAB_E_ENV] = "environment",
	[LAB_E_EXISTS] = "exists",
	[LAB_E_IO] = "io",
	[LAB_E_NOMEM] = "out-of-memory",
};

/* Returns the stable name of `code`, or "unknown". */
const char *
lab_errcode_name(enum lab_errcode code)
{
	if ((size_t)code >= sizeof(errcode_names) / sizeof(errcode_names[0]) ||
	    errcode_names[code] == NULL)
		return "unknown";
	return errcode_names[code];
}

/* Returns -1, having filled `err` when there is one. */
int
lab_error_at(struct lab_error *err, enum lab_errcode code, const char *file,
    unsigned line, unsigned column, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	/* snprintf truncates a long path rather than overrunning file[]. */
	if (file != err->file)
		snprintf(err->file, sizeof(err->file), "%s",
		    file != NULL ? file : "");
	err->line = line;
	err->column = line != 0 ? column : 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Returns nothing; buf gets "FILE:LINE:COLUMN: message" or less. */
void
lab_error_format(const struct lab_error *err, char *buf, size_t cap)
{
	if (buf == NULL || cap == 0)
		return;
	if (err == NULL)
		snprintf(buf, cap, "unknown error");
	else if (err->file[0] != '\0' && err->line != 0 && err->column != 0)
		snprintf(buf, cap, "%s:%u:%u: %s", err->file, err->line,
		    err->column, err->msg);
	else if (err->file[0] != '\0' && err->line != 0)
		snprintf(buf, cap, "%s:%u: %s", err->file, err->line, err->msg);
	else if (err->file[0] != '\0')
		snprintf(buf, cap, "%s: %s", err->file, err->msg);
	else
		snprintf(buf, cap, "%s", err->msg);
}

/* Returns 3 for a fault of the file, 4 for the lab's or the host's, 0 for none. */
int
lab_error_exit(enum lab_errcode code)
{
	switch (code) {
	case LAB_OK:
		return 0;
	case LAB_E_SYNTAX:
	case LAB_E_UNKNOWN_KEY:
	case LAB_E_MISSING:
	case LAB_E_VALUE:
	case LAB_E_UNKNOWN_KIND:
	case LAB_E_DUPLICATE:
	case LAB_E_DANGLING:
	case LAB_E_LIMIT:
	case LAB_E_ADDRESS:
		return 3;
	case LAB_E_ENV:
	case LAB_E_EXISTS:
	case LAB_E_IO:
	case LAB_E_NOMEM:
		break;
	}
	return 4;
}
