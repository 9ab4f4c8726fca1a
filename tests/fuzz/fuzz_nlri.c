/*
 * fuzz_nlri.c - libFuzzer target for the RFC 8955/8956 NLRI decoder.
 *
 * The input is decoded as one IPv4 and as one IPv6 NLRI, without the strict
 * flag.  Whatever decodes must hold these properties, or the target aborts:
 *  - the decoder consumes no more than it was given;
 *  - conformant input re-encodes to exactly the octets consumed;
 *  - the rule prints as text that parses back (same family) to a rule with
 *    the same encoding and actions.  Conformant input must print and parse;
 *    a non-conformant rule may be refused by the text parser, but when it is
 *    read back it must encode as the decoded rule does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/nlri.h"
#include "flowspec/rule.h"
#include "flowspec/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ENC_CAP (FS_NLRI_MAX_LEN + 2)

static void
fail(const char *what, int family, const struct fs_error *err)
{
	fprintf(stderr, "fuzz_nlri: %s (%s)%s%s\n", what, fs_family_name(family),
	    err != NULL ? ": " : "", err != NULL ? err->msg : "");
	abort();
}

/* Prints `r` into a buffer that the caller frees; aborts if printing fails. */
static char *
print_rule(const struct fs_rule *r, size_t *len)
{
	char *text = fs_print_rule_alloc(r);

	if (text == NULL)
		fail("fs_print_rule_alloc failed", r->family, NULL);
	/* The length fs_print_rule promises is the length it writes. */
	*len = strlen(text);
	if (*len != (size_t)fs_print_rule(r, NULL, 0))
		abort();
	return text;
}

static void
one_family(const uint8_t *data, size_t size, int family)
{
	static uint8_t enc[ENC_CAP], enc2[ENC_CAP];
	struct fs_rule r, back;
	struct fs_error err;
	ssize_t n, m, m2;
	size_t tlen;
	char *text;
	int parsed;

	fs_rule_init(&r, family);
	fs_rule_init(&back, family);
	memset(&err, 0, sizeof err);
	n = fs_nlri_decode(data, size, family, 0, &r, &err);
	if (n < 0)
		goto out;
	if ((size_t)n > size || n == 0)
		fail("decoder consumed more than its input", family, NULL);

	m = fs_nlri_encode(&r, enc, sizeof enc, &err);
	if (r.nonconform == 0) {
		if (m < 0)
			fail("conformant NLRI does not re-encode", family, &err);
		if (m != n || memcmp(enc, data, (size_t)n) != 0)
			fail("conformant NLRI re-encodes differently", family, NULL);
	}

	text = print_rule(&r, &tlen);
	memset(&err, 0, sizeof err);
	parsed = fs_parse_rule(text, tlen, family, &back, &err);
	if (parsed != 0 && r.nonconform == 0) {
		fprintf(stderr, "text: %s\n", text);
		fail("printed rule does not parse back", family, &err);
	}
	if (parsed == 0) {
		m2 = fs_nlri_encode(&back, enc2, sizeof enc2, &err);
		if (m >= 0 && (m2 != m || memcmp(enc, enc2, (size_t)m) != 0)) {
			fprintf(stderr, "text: %s\n", text);
			fail("printed and parsed rule encodes differently", family, NULL);
		}
		if (!fs_rule_actions_equal(&r, &back))
			fail("printed and parsed rule has other actions", family, NULL);
	}
	free(text);
out:
	fs_rule_free(&r);
	fs_rule_free(&back);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_family(data, size, FS_IPV4);
	one_family(data, size, FS_IPV6);
	return 0;
}
