#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "support.h"
#include "flowspec/text.h"

int
fc_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Returns $var/name; exits with a message when var is unset (callable outside tests). */
static char *
join_env(const char *var, const char *name)
{
	const char *dir = getenv(var);
	char *p;

	if (dir == NULL) {
		fprintf(stderr, "%s is not set: run the tests through meson\n", var);
		exit(EXIT_FAILURE);
	}
	if (asprintf(&p, "%s/%s", dir, name) < 0) {
		fprintf(stderr, "out of memory\n");
		exit(EXIT_FAILURE);
	}
	return p;
}

char *
fc_vectors_path(const char *name)
{
	return join_env("FC_VECTORS", name);
}

char *
fc_source_path(const char *rel)
{
	return join_env("FC_SOURCE_ROOT", rel);
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

ssize_t
fc_unhex(const char *hex, uint8_t *buf, size_t cap)
{
	size_t n = strlen(hex);

	if (n % 2 != 0 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	return (ssize_t)(n / 2);
}

void
fc_hex(const uint8_t *buf, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 0xf];
	}
	out[2 * n] = '\0';
}

void
fc_parse_or_fail(const char *text, int family, struct fs_rule *r)
{
	struct fs_error err = { 0 };

	if (fs_parse_rule(text, strlen(text), family, r, &err) != 0)
		ck_abort_msg("parse of \"%s\" failed at column %u: %s", text,
		    err.column, err.msg);
}
