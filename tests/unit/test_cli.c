/*
 * test_cli.c - the flowcanary command as scripts use it: JSON shapes,
 * exit statuses, error messages, and encode(decode(x)) == x end to end.
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

struct run {
	int status;
	gchar *out, *err;
};

/* Runs $FC_BIN with the NULL-terminated arguments. */
static struct run
run_fc(const char *first, ...)
{
	const char *bin = getenv("FC_BIN");
	GPtrArray *argv = g_ptr_array_new();
	struct run r = { 0 };
	GError *gerr = NULL;
	va_list ap;
	int wait;

	ck_assert_msg(bin != NULL, "FC_BIN is not set: run the tests through meson");
	g_ptr_array_add(argv, (gpointer)bin);
	va_start(ap, first);
	for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
		g_ptr_array_add(argv, (gpointer)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	ck_assert_msg(g_spawn_sync(NULL, (gchar **)argv->pdata, NULL, 0, NULL, NULL,
	    &r.out, &r.err, &wait, &gerr), "cannot run %s: %s", bin,
	    gerr ? gerr->message : "?");
	ck_assert_msg(WIFEXITED(wait), "flowcanary died: %s", r.err);
	r.status = WEXITSTATUS(wait);
	g_ptr_array_free(argv, TRUE);
	return r;
}

static void
run_free(struct run *r)
{
	g_free(r->out);
	g_free(r->err);
}

static JsonObject *
parse_json(JsonParser *p, const char *text)
{
	GError *gerr = NULL;

	ck_assert_msg(json_parser_load_from_data(p, text, -1, &gerr),
	    "not JSON: %s\n%s", gerr ? gerr->message : "", text);
	ck_assert(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)));
	return json_node_get_object(json_parser_get_root(p));
}

#define OUTAGE "match destination 192.0.2.53/32 protocol ==udp packet-length >=99971&<=99985 then discard"

START_TEST(encode_json_contract)
{
	struct run r = run_fc("encode", "--json", OUTAGE, NULL);
	JsonParser *p = json_parser_new();
	JsonObject *o;
	JsonArray *ext;

	ck_assert_int_eq(r.status, 0);
	o = parse_json(p, r.out);
	ck_assert_str_eq(json_object_get_string_member(o, "family"), "ipv4");
	ck_assert_str_eq(json_object_get_string_member(o, "rule"), OUTAGE);
	ck_assert_str_eq(json_object_get_string_member(o, "nlri_hex"),
	    "140120c00002350381110a2300018683e500018691");
	ext = json_object_get_array_member(o, "ext_communities_hex");
	ck_assert_uint_eq(json_array_get_length(ext), 1);
	ck_assert_str_eq(json_array_get_string_element(ext, 0), "8006000000000000");
	/* the 4-octet packet length is said to be non-conformant */
	ck_assert(!json_object_get_boolean_member(o, "conformant"));
	g_object_unref(p);
	run_free(&r);
}
END_TEST

START_TEST(encode_family_and_words)
{
	/* the rule may be given as several words; --family forces IPv6 */
	struct run r = run_fc("encode", "--json", "--family", "ipv6", "match",
	    "protocol", "tcp", NULL);
	JsonParser *p = json_parser_new();
	JsonObject *o;

	ck_assert_int_eq(r.status, 0);
	o = parse_json(p, r.out);
	ck_assert_str_eq(json_object_get_string_member(o, "family"), "ipv6");
	ck_assert_str_eq(json_object_get_string_member(o, "nlri_hex"), "03038106");
	ck_assert(json_object_get_boolean_member(o, "conformant"));
	g_object_unref(p);
	run_free(&r);
}
END_TEST

START_TEST(encode_errors)
{
	struct run r = run_fc("encode", "match protocol tcp then drop", NULL);

	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "rule:1:25: unknown action \"drop\""));
	ck_assert_str_eq(r.out, "");
	run_free(&r);
	r = run_fc("encode", "--json", "match port 70000/1", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.out, "\"code\" : \"value\""));
	run_free(&r);
	r = run_fc("encode", NULL);
	ck_assert_int_eq(r.status, 2);
	run_free(&r);
	r = run_fc("encode", "--family", "ipv5", "match protocol tcp", NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "ipv4 or ipv6"));
	run_free(&r);
	r = run_fc("encode", "--bogus", "match protocol tcp", NULL);
	ck_assert_int_eq(r.status, 2);
	run_free(&r);
	r = run_fc("frobnicate", NULL);
	ck_assert_int_eq(r.status, 2);
	run_free(&r);
}
END_TEST

/* encode(decode(x)) == x through the command, for a packed multi-rule NLRI. */
START_TEST(decode_then_encode_is_identity)
{
	static const char *const packed = "030c810203098112060501509101bb";
	struct run r = run_fc("decode", "--json", "--ext", "8006000000000000", packed, NULL);
	JsonParser *p = json_parser_new();
	JsonArray *rules;
	GString *again = g_string_new("");

	ck_assert_int_eq(r.status, 0);
	rules = json_object_get_array_member(parse_json(p, r.out), "rules");
	ck_assert_uint_eq(json_array_get_length(rules), 3);
	for (guint i = 0; i < 3; i++) {
		JsonObject *o = json_array_get_object_element(rules, i);
		const char *rule = json_object_get_string_member(o, "rule");
		JsonParser *p2 = json_parser_new();
		struct run e;

		ck_assert_ptr_nonnull(strstr(rule, "then discard"));
		e = run_fc("encode", "--json", rule, NULL);
		ck_assert_int_eq(e.status, 0);
		g_string_append(again, json_object_get_string_member(parse_json(p2, e.out),
		    "nlri_hex"));
		g_object_unref(p2);
		run_free(&e);
	}
	ck_assert_str_eq(again->str, packed);
	g_string_free(again, TRUE);
	g_object_unref(p);
	run_free(&r);
}
END_TEST

/* A rule near the 4095-octet limit prints whole and round-trips. */
START_TEST(long_rule_round_trips_through_the_cli)
{
	GString *hex = g_string_new("fffd0a");	/* 4093 octets: type + 1364 terms */
	JsonParser *p = json_parser_new(), *p2 = json_parser_new();
	const char *rule;
	struct run r, e;

	for (unsigned i = 0; i < 1364; i++)
		g_string_append_printf(hex, "%02x%04x", i == 1363 ? 0x91 : 0x11,
		    65535 - i);
	r = run_fc("decode", "--json", hex->str, NULL);
	ck_assert_int_eq(r.status, 0);
	rule = json_object_get_string_member(json_array_get_object_element(
	    json_object_get_array_member(parse_json(p, r.out), "rules"), 0), "rule");
	ck_assert_uint_gt(strlen(rule), 8192);
	e = run_fc("encode", "--json", rule, NULL);
	ck_assert_int_eq(e.status, 0);
	ck_assert_str_eq(json_object_get_string_member(parse_json(p2, e.out),
	    "nlri_hex"), hex->str);
	g_object_unref(p);
	g_object_unref(p2);
	run_free(&r);
	run_free(&e);
	g_string_free(hex, TRUE);
}
END_TEST

START_TEST(decode_errors)
{
	struct run r = run_fc("decode", "--family", "ipv6", "0b01402020010db800000000", NULL);

	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "pre-RFC 8956"));
	run_free(&r);
	r = run_fc("decode", "0x0301 08zz", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "not hex"));
	run_free(&r);
	r = run_fc("decode", "--strict", "140120c00002350381110a2300018683e500018691", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "value size"));
	run_free(&r);
	r = run_fc("decode", "--json", "03038106" "06048150", NULL);
	ck_assert_int_eq(r.status, 3);	/* second NLRI is cut short */
	ck_assert_ptr_nonnull(strstr(r.out, "\"error\""));
	ck_assert_ptr_null(strstr(r.out, "\"rules\""));	/* nothing partial */
	run_free(&r);
	r = run_fc("decode", "--ext", "1234", "03038106", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "16 hex digits"));
	run_free(&r);
}
END_TEST

START_TEST(check_outage_rule_fails)
{
	char *path = fc_source_path("faults/rules/cloudflare-2013.flow");
	struct run r = run_fc("check", "--static", "--json", path, NULL);
	JsonParser *p = json_parser_new();
	JsonObject *o, *rule, *f;
	JsonArray *findings;
	bool found = false;

	ck_assert_int_eq(r.status, 1);
	o = parse_json(p, r.out);
	rule = json_array_get_object_element(json_object_get_array_member(o, "rules"), 0);
	ck_assert_str_eq(json_object_get_string_member(rule, "name"), "cloudflare-2013");
	findings = json_object_get_array_member(rule, "findings");
	for (guint i = 0; i < json_array_get_length(findings); i++) {
		f = json_array_get_object_element(findings, i);
		if (strcmp(json_object_get_string_member(f, "code"),
		    "packet-length-unreachable") == 0) {
			ck_assert_str_eq(json_object_get_string_member(f, "severity"), "error");
			found = true;
		}
	}
	ck_assert(found);
	ck_assert_int_ge(json_object_get_int_member(json_object_get_object_member(o,
	    "summary"), "errors"), 1);
	g_object_unref(p);
	run_free(&r);
	/* human output names the rule and the reason */
	r = run_fc("check", "--static", path, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.out, "packet-length-unreachable"));
	ck_assert_ptr_nonnull(strstr(r.out, "FAIL"));
	run_free(&r);
	free(path);
}
END_TEST

/* Writes text to a new temporary file; returns its path. */
static gchar *
temp_rules(const char *text)
{
	gchar *path = NULL;
	GError *gerr = NULL;
	int fd = g_file_open_tmp("fc-test-XXXXXX.flow", &path, &gerr);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert(g_file_set_contents(path, text, -1, NULL));
	return path;
}

START_TEST(check_pass_fail_on_and_bad_input)
{
	gchar *safe = temp_rules(
	    "dns: match destination 192.0.2.0/24 protocol udp source-port 53 packet-length >=512 then rate-limit 125000\n"
	    "syn: match destination 192.0.2.0/24 protocol tcp tcp-flags =S&!A then rate-limit 62500\n");
	gchar *dup = temp_rules(
	    "match destination 192.0.2.1/32 protocol udp then rate-limit 1000\n"
	    "match destination 192.0.2.1/32 protocol udp then rate-limit 1000\n");
	gchar *bad = temp_rules("match protocol udp\nmatch port 80 then discrad\n");
	struct run r = run_fc("check", "--static", safe, NULL);

	ck_assert_msg(r.status == 0, "safe rules failed:\n%s", r.out);
	run_free(&r);
	r = run_fc("check", "--static", dup, NULL);
	ck_assert_int_eq(r.status, 0);	/* a duplicate is a warning */
	ck_assert_ptr_nonnull(strstr(r.out, "duplicate-rule"));
	run_free(&r);
	r = run_fc("check", "--static", "--fail-on", "warning", dup, NULL);
	ck_assert_int_eq(r.status, 1);
	run_free(&r);
	r = run_fc("check", "--static", bad, NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, ":2:20: unknown action \"discrad\""));
	run_free(&r);
	r = run_fc("check", "--static", "/nonexistent.flow", NULL);
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.err, "check: /nonexistent.flow: cannot open"));
	run_free(&r);
	r = run_fc("check", "--static", "--fail-on", "fatal", safe, NULL);
	ck_assert_int_eq(r.status, 2);
	run_free(&r);
	r = run_fc("check", "--static", "--max-packet", "-1", safe, NULL);
	ck_assert_int_eq(r.status, 2);
	run_free(&r);
	/* --max-packet moves the line: 4470 makes >=4471 unreachable */
	gchar *big = temp_rules("match packet-length >=4471&<=9000 then discard\n");
	r = run_fc("check", "--static", "--max-packet", "4470", big, NULL);
	ck_assert_int_eq(r.status, 1);
	run_free(&r);
	r = run_fc("check", "--static", big, NULL);
	ck_assert_int_eq(r.status, 0);
	run_free(&r);
	for (gchar **p = (gchar *[]){ safe, dup, bad, big, NULL }; *p; p++) {
		g_unlink(*p);
		g_free(*p);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("contract");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, encode_json_contract);
	tcase_add_test(tc, encode_family_and_words);
	tcase_add_test(tc, encode_errors);
	tcase_add_test(tc, decode_then_encode_is_identity);
	tcase_add_test(tc, long_rule_round_trips_through_the_cli);
	tcase_add_test(tc, decode_errors);
	tcase_add_test(tc, check_outage_rule_fails);
	tcase_add_test(tc, check_pass_fail_on_and_bad_input);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
