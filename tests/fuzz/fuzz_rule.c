/*
 * fuzz_rule.c - libFuzzer target for the rule text readers.
 *
 * The input is parsed as one one-line rule (family inferred).  A rule that
 * parses must print canonically, and the printed text must parse back (in
 * the rule's family) to a rule with the same encoding, the same actions and
 * the same canonical text; otherwise the target aborts.  The input is also
 * given to fs_ruleset_load_text, which picks the one-line, ExaBGP or Junos
 * reader by content; every rule it returns must encode or be refused
 * cleanly, and print.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/nlri.h"
#include "flowspec/rule.h"
#include "flowspec/ruleset.h"
#include "flowspec/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ENC_CAP (FS_NLRI_MAX_LEN + 2)

static void
fail(const char *what, const char *text, const struct fs_error *err)
{
	fprintf(stderr, "fuzz_rule: %s%s%s\n", what,
	    err != NULL ? ": " : "", err != NULL ? err->msg : "");
	if (text != NULL)
		fprintf(stderr, "text: %s\n", text);
	abort();
}

/* Prints `r` into a buffer that the caller frees. */
static char *
print_rule(const struct fs_rule *r, size_t *len)
{
	char *text = fs_print_rule_alloc(r);

	if (text == NULL)
		fail("fs_print_rule_alloc failed", NULL, NULL);
	/* The length fs_print_rule promises is the length it writes. */
	*len = strlen(text);
	if (*len != (size_t)fs_print_rule(r, NULL, 0))
		abort();
	return text;
}

static void
one_rule(const char *text, size_t len)
{
	static uint8_t enc[ENC_CAP], enc2[ENC_CAP];
	struct fs_rule r, back;
	struct fs_error err, err2;
	ssize_t m, m2;
	size_t plen, plen2;
	char *printed, *printed2;

	fs_rule_init(&r, 0);
	fs_rule_init(&back, 0);
	memset(&err, 0, sizeof err);
	if (fs_parse_rule(text, len, 0, &r, &err) != 0)
		goto out;

	printed = print_rule(&r, &plen);
	memset(&err, 0, sizeof err);
	if (fs_parse_rule(printed, plen, r.family, &back, &err) != 0)
		fail("printed rule does not parse back", printed, &err);
	if (back.family != r.family)
		fail("printed rule parses back in another family", printed, NULL);

	memset(&err, 0, sizeof err);
	memset(&err2, 0, sizeof err2);
	m = fs_nlri_encode(&r, enc, sizeof enc, &err);
	m2 = fs_nlri_encode(&back, enc2, sizeof enc2, &err2);
	if ((m < 0) != (m2 < 0))
		fail("only one of rule and its reprint encodes", printed, m < 0 ? &err : &err2);
	if (m >= 0 && (m != m2 || memcmp(enc, enc2, (size_t)m) != 0))
		fail("rule and its reprint encode differently", printed, NULL);
	if (!fs_rule_actions_equal(&r, &back))
		fail("rule and its reprint have other actions", printed, NULL);

	printed2 = print_rule(&back, &plen2);
	if (plen2 != plen || memcmp(printed, printed2, plen) != 0) {
		fprintf(stderr, "reprint: %s\n", printed2);
		fail("canonical text is not a fixed point", printed, NULL);
	}
	free(printed2);
	free(printed);
out:
	fs_rule_free(&r);
	fs_rule_free(&back);
}

static void
rule_file(const char *text, size_t len)
{
	static uint8_t enc[ENC_CAP];
	struct fs_ruleset set;
	struct fs_error err;
	int n;

	(void)fs_ruleset_detect(text, len);
	fs_ruleset_init(&set);
	memset(&err, 0, sizeof err);
	n = fs_ruleset_load_text(&set, text, len, "fuzz.rules", 0, &err);
	if (n < 0) {
		if (set.n != 0)
			fail("a refused rule file left rules behind", NULL, &err);
	} else {
		if ((size_t)n != set.n)
			fail("rule count disagrees with the set", NULL, NULL);
		for (size_t i = 0; i < set.n; i++) {
			size_t plen;
			char *printed;

			memset(&err, 0, sizeof err);
			(void)fs_nlri_encode(&set.v[i].rule, enc, sizeof enc, &err);
			printed = print_rule(&set.v[i].rule, &plen);
			free(printed);
		}
	}
	fs_ruleset_free(&set);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy, so that a reader that overruns len is caught. */
	char *text = malloc(size != 0 ? size : 1);

	if (text == NULL)
		return 0;
	if (size != 0)
		memcpy(text, data, size);
	one_rule(text, size);
	rule_file(text, size);
	free(text);
	return 0;
}
