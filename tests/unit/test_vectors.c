/*
 * test_vectors.c - every vector of shared/vectors/flowspec-nlri.jsonl:
 * the rule text encodes to the captured octets; the octets decode, print
 * and re-encode to themselves; the actions match the captured extended
 * communities.  Speakers' deviations are asserted as reported, not misread.
 */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "flowspec/ecomm.h"
#include "flowspec/nlri.h"
#include "flowspec/text.h"

static JsonArray *vectors;

static void
load_vectors(void)
{
	char *path = fc_vectors_path("flowspec-nlri.jsonl");
	gchar *text = NULL;
	gsize len;
	GError *gerr = NULL;

	vectors = json_array_new();
	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		fprintf(stderr, "cannot read %s: %s\n", path, gerr->message);
		exit(EXIT_FAILURE);
	}
	gchar **lines = g_strsplit(text, "\n", -1);
	for (gchar **p = lines; *p; p++) {
		JsonParser *jp;

		if (**p == '\0')
			continue;
		jp = json_parser_new();
		if (!json_parser_load_from_data(jp, *p, -1, &gerr)) {
			fprintf(stderr, "bad vector line: %s\n", gerr->message);
			exit(EXIT_FAILURE);
		}
		json_array_add_element(vectors, json_node_copy(json_parser_get_root(jp)));
		g_object_unref(jp);
	}
	g_strfreev(lines);
	g_free(text);
	free(path);
}

static int
family_of(JsonObject *o)
{
	return strcmp(json_object_get_string_member(o, "family"), "ipv6") == 0 ?
	    FS_IPV6 : FS_IPV4;
}

/* Returns the captured actions of vector o as hex strings joined by ','. */
static void
expected_ext(JsonObject *o, char *out, size_t cap)
{
	out[0] = '\0';
	if (!json_object_has_member(o, "ext_communities_hex"))
		return;
	JsonArray *a = json_object_get_array_member(o, "ext_communities_hex");
	for (guint i = 0; i < json_array_get_length(a); i++) {
		if (i)
			g_strlcat(out, ",", cap);
		g_strlcat(out, json_array_get_string_element(a, i), cap);
	}
}

static void
actions_hex(const struct fs_rule *r, char *out, size_t cap)
{
	out[0] = '\0';
	for (unsigned i = 0; i < r->nactions; i++) {
		char hex[17];

		fs_ec_to_hex(&r->actions[i], hex);
		if (i)
			g_strlcat(out, ",", cap);
		g_strlcat(out, hex, cap);
	}
}

/* Vectors whose text a speaker sends in another form; see the vectors' notes. */
static bool
is_rule_vector(JsonObject *o)
{
	return json_object_has_member(o, "rule");
}

START_TEST(vector_text_encodes_to_captured_octets)
{
	JsonObject *o = json_array_get_object_element(vectors, (guint)_i);
	struct fs_rule r;
	uint8_t buf[4200];
	char hex[8500], ext[512], want_ext[512];
	ssize_t n;

	if (!is_rule_vector(o))
		return;	/* the multi-rule vector is covered by decode below */
	fs_rule_init(&r, 0);
	fc_parse_or_fail(json_object_get_string_member(o, "rule"), family_of(o), &r);
	n = fs_nlri_encode(&r, buf, sizeof(buf), NULL);
	ck_assert_int_gt(n, 0);
	fc_hex(buf, (size_t)n, hex);
	ck_assert_msg(strcmp(hex, json_object_get_string_member(o, "nlri_hex")) == 0,
	    "vector %d \"%s\": encoded %s, captured %s", _i,
	    json_object_get_string_member(o, "rule"), hex,
	    json_object_get_string_member(o, "nlri_hex"));
	actions_hex(&r, ext, sizeof(ext));
	expected_ext(o, want_ext, sizeof(want_ext));
	ck_assert_msg(strcmp(ext, want_ext) == 0, "vector %d actions %s, captured %s",
	    _i, ext, want_ext);
	fs_rule_free(&r);
}
END_TEST

START_TEST(vector_octets_decode_print_reencode)
{
	JsonObject *o = json_array_get_object_element(vectors, (guint)_i);
	const char *want = json_object_get_string_member(o, "nlri_hex");
	uint8_t in[4200], out[4200];
	char hex[8500], text[4096];
	size_t pos = 0, outlen = 0;
	ssize_t len = fc_unhex(want, in, sizeof(in));
	unsigned rules = 0;
	struct fs_rule r, again;

	ck_assert_int_gt(len, 0);
	fs_rule_init(&r, 0);
	fs_rule_init(&again, 0);
	while (pos < (size_t)len) {
		struct fs_error err;
		ssize_t n = fs_nlri_decode(in + pos, (size_t)len - pos, family_of(o),
		    0, &r, &err);

		ck_assert_msg(n > 0, "vector %d: decode failed at octet %zu: %s",
		    _i, pos + err.offset, err.msg);
		pos += (size_t)n;
		fs_print_rule(&r, text, sizeof(text));
		/* The printed text must mean the same rule. */
		fc_parse_or_fail(text, family_of(o), &again);
		ck_assert_msg(fs_rule_match_equal(&r, &again),
		    "vector %d: \"%s\" does not parse back to the decoded rule", _i, text);
		n = fs_nlri_encode(&again, out + outlen, sizeof(out) - outlen, NULL);
		ck_assert_int_gt(n, 0);
		outlen += (size_t)n;
		if (json_object_has_member(o, "rules")) {
			JsonArray *a = json_object_get_array_member(o, "rules");

			ck_assert_uint_lt(rules, json_array_get_length(a));
			/* Canonical printing may spell values differently; meaning must match. */
			struct fs_rule expect;
			fs_rule_init(&expect, 0);
			fc_parse_or_fail(json_array_get_string_element(a, rules),
			    family_of(o), &expect);
			ck_assert_msg(fs_rule_match_equal(&r, &expect),
			    "vector %d rule %u: decoded \"%s\", expected \"%s\"", _i,
			    rules, text, json_array_get_string_element(a, rules));
			fs_rule_free(&expect);
		}
		rules++;
	}
	fc_hex(out, outlen, hex);
	ck_assert_str_eq(hex, want);
	if (json_object_has_member(o, "rules"))
		ck_assert_uint_eq(rules, json_array_get_length(
		    json_object_get_array_member(o, "rules")));
	else
		ck_assert_uint_eq(rules, 1);
	fs_rule_free(&r);
	fs_rule_free(&again);
}
END_TEST

/* The 2013 rule carries a 4-octet packet length: readable, flagged, not refused. */
START_TEST(outage_rule_is_nonconformant_but_decodes)
{
	uint8_t in[64];
	ssize_t len = fc_unhex("140120c00002350381110a2300018683e500018691", in,
	    sizeof(in));
	struct fs_rule r;
	struct fs_error err;

	fs_rule_init(&r, 0);
	ck_assert_int_eq(fs_nlri_decode(in, (size_t)len, FS_IPV4, 0, &r, &err), len);
	ck_assert_uint_eq(r.nonconform, FS_NC_VALUE_SIZE);
	ck_assert_int_eq(fs_nlri_decode(in, (size_t)len, FS_IPV4, FS_DECODE_STRICT,
	    &r, &err), -1);
	ck_assert_int_eq(err.code, FS_E_NONCONFORMANT);
	ck_assert_ptr_nonnull(strstr(err.msg, "value size"));
	fs_rule_free(&r);
}
END_TEST

/* GoBGP 3.10 and ExaBGP 4.2 send an IPv6 offset prefix in the pre-RFC form. */
START_TEST(pre_rfc8956_offset_is_named)
{
	uint8_t in[64];
	ssize_t len = fc_unhex("0b01402020010db800000000", in, sizeof(in));
	struct fs_rule r;
	struct fs_error err;

	fs_rule_init(&r, 0);
	ck_assert_int_eq(fs_nlri_decode(in, (size_t)len, FS_IPV6, 0, &r, &err), -1);
	ck_assert_int_eq(err.code, FS_E_PRE_RFC8956);
	ck_assert_ptr_nonnull(strstr(err.msg, "pre-RFC 8956"));
	ck_assert_ptr_nonnull(strstr(err.msg, "offset 32"));
	ck_assert_uint_eq(r.ncomp, 0);	/* not misread */
	fs_rule_free(&r);
}
END_TEST

/* GoBGP 3.10 truncates a 4-octet AS redirect to 65535: it decodes as what it says. */
START_TEST(truncated_redirect_reads_as_sent)
{
	struct fs_action a;
	char text[64];

	ck_assert_int_eq(fs_ec_from_hex(&a, "8008ffff00000064", 16), 0);
	fs_ec_print(&a, text, sizeof(text));
	ck_assert_str_eq(text, "redirect 65535:100");
	ck_assert_int_eq(fs_ec_from_hex(&a, "8208fa56ea000064", 16), 0);
	fs_ec_print(&a, text, sizeof(text));
	ck_assert_str_eq(text, "redirect 4200000000:100");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("vectors");
	TCase *tc = tcase_create("shared");
	int n;

	load_vectors();
	n = (int)json_array_get_length(vectors);
	if (n < 50) {
		fprintf(stderr, "only %d vectors found; expected the shared set\n", n);
		return EXIT_FAILURE;
	}
	tcase_add_loop_test(tc, vector_text_encodes_to_captured_octets, 0, n);
	tcase_add_loop_test(tc, vector_octets_decode_print_reencode, 0, n);
	tcase_add_test(tc, outage_rule_is_nonconformant_but_decodes);
	tcase_add_test(tc, pre_rfc8956_offset_is_named);
	tcase_add_test(tc, truncated_redirect_reads_as_sent);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
