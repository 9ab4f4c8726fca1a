/*
 * error.c - naming and formatting refusals.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static const char *const errcode_names[] = {
	[FS_OK] = "ok",
	[FS_E_TRUNCATED] = "truncated",
	[FS_E_ZERO_LENGTH] = "zero-length",
	[FS_E_OVERRUN] = "overrun",
	[FS_E_BAD_ORDER] = "bad-order",
	[FS_E_UNKNOWN_TYPE] = "unknown-type",
	[FS_E_PREFIX_LENGTH] = "prefix-length",
	[FS_E_OFFSET] = "offset",
	[FS_E_AND_FIRST] = "and-on-first-term",
	[FS_E_RESERVED_BIT] = "reserved-bit",
	[FS_E_PRE_RFC8956] = "pre-rfc8956-prefix",
	[FS_E_NONCONFORMANT] = "nonconformant",
	[FS_E_TOO_LONG] = "too-long",
	[FS_E_NO_SPACE] = "no-space",
	[FS_E_EXT_COMMUNITY] = "ext-community",
	[FS_E_SYNTAX] = "syntax",
	[FS_E_VALUE] = "value",
	[FS_E_FAMILY] = "family",
	[FS_E_DUPLICATE] = "duplicate-component",
	[FS_E_IO] = "io",
	[FS_E_NOMEM] = "out-of-memory",
};

const char *
fs_errcode_name(enum fs_errcode code)
{
	if ((size_t)code >= sizeof(errcode_names) / sizeof(errcode_names[0]) ||
	    errcode_names[code] == NULL)
		return "unknown";
	return errcode_names[code];
}

int
fs_error_set(struct fs_error *err, enum fs_errcode code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
fs_error_format(const struct fs_error *err, char *buf, size_t cap)
{
	if (err == NULL)
		return snprintf(buf, cap, "unknown error");
	if (err->line > 0)
		return snprintf(buf, cap, "%s:%u:%u: %s",
		    err->file[0] ? err->file : "<input>", err->line,
		    err->column, err->msg);
	if (err->file[0])
		return snprintf(buf, cap, "%s: %s", err->file, err->msg);
	if (err->column > 0)
		return snprintf(buf, cap, "column %u: %s", err->column, err->msg);
	return snprintf(buf, cap, "octet %zu: %s", err->offset, err->msg);
}
