/*
 * test_lab_input.c - `flowcanary lab` refusing what it cannot do: bad
 * topology files (exit 3, naming file:line:column and what is wrong),
 * labs that are not up, a kind that is not available (exit 4), usage
 * errors (exit 2) - and in every case nothing of the lab is created.
 */
#include <string.h>
#include <unistd.h>

#include "lab_support.h"
#include "support.h"

struct bad_case {
	const char *yaml;
	const char *where;	/* ":LINE:" the message must name */
	const char *what;	/* a phrase it must contain */
};

static const struct bad_case bad_cases[] = {
	{ "name: @NAME@\ntopology:\n  nodes:\n    r1: {kind: junos}\n",
	  ":4:", "junos" },
	{ "name: @NAME@\ntopology:\n  nodes:\n    r1: {kind: frr}\n  links:\n"
	  "    - endpoints: [\"r1:eth1\", \"r9:eth1\"]\n", ":6:", "r9" },
	{ "name: @NAME@\ntopology:\n  nodes:\n    r1: {kind: frr}\n    r1: {kind: bird}\n",
	  ":5:", "r1" },
	{ "name: @NAME@\ntopology:\n  nodes:\n    r1: {kind: frr, memory: 12 parsecs}\n",
	  ":4:", "12 parsecs" },
	{ "name: @NAME@\ntopology:\n  nodes:\n    r1: {kind: frr, memory: 4096GiB}\n",
	  ":4:", "host" },
	{ "name: @NAME@\ntopology:\n  nodes:\n    r1: {kind: frr, cpus: 4096}\n",
	  ":4:", "host" },
	{ "name: @NAME@\ntopology:\n  nodes:\n    r1: {kind: frr}\n  links:\n"
	  "    - endpoints: [\"r1:eth1\"]\n", ":6:", "endpoints" },
	{ "name: @NAME@\ntopology:\n  nodes:\n    r1: {kind: frr, colour: red}\n",
	  ":4:", "colour" },
	{ "name: @NAME@\ntopology: [\n", ":", "" },
};

START_TEST(bad_topology)
{
	lab_require_root();
	const struct bad_case *c = &bad_cases[_i];
	char *suffix = g_strdup_printf("b%d", _i);
	char *name = lab_unique_name(suffix);
	char *path = lab_write_topology(name, c->yaml);
	struct run r;
	lab_cmd(&r, "lab", "up", path, NULL);
	ck_assert_msg(r.status == 3, "case %d: lab up exited %d, expected 3: %s", _i,
	    r.status, r.err);
	char *where = g_strdup_printf("%s%s", path, c->where);
	ck_assert_msg(strstr(r.err, where), "case %d: the message does not name %s: %s",
	    _i, where, r.err);
	ck_assert_msg(strstr(r.err, c->what), "case %d: the message does not name "
	    "\"%s\": %s", _i, c->what, r.err);
	ck_assert_msg(r.out[0] == '\0', "case %d: stdout: %s", _i, r.out);
	run_clear(&r);
	lab_assert_gone(name, NULL);
	g_free(where);
	g_free(path);
	g_free(name);
	g_free(suffix);
}
END_TEST

START_TEST(missing_file)
{
	struct run r;
	lab_cmd(&r, "lab", "up", "/nonexistent/lab.yml", NULL);
	ck_assert_msg(r.status == 3, "lab up of a missing file exited %d: %s",
	    r.status, r.err);
	ck_assert_msg(strstr(r.err, "/nonexistent/lab.yml"), "%s", r.err);
	run_clear(&r);
}
END_TEST

START_TEST(not_up)
{
	lab_require_root();
	char *name = lab_unique_name("n");
	struct run r;
	lab_cmd(&r, "lab", "status", name, NULL);
	ck_assert_int_eq(r.status, 4);
	ck_assert_msg(strstr(r.err, name), "%s", r.err);
	run_clear(&r);
	lab_cmd(&r, "lab", "status", "--json", name, NULL);
	ck_assert_int_eq(r.status, 4);
	ck_assert_msg(strstr(r.out, "\"error\""), "%s", r.out);
	run_clear(&r);
	lab_cmd(&r, "lab", "watch", "--count", "1", name, NULL);
	ck_assert_int_eq(r.status, 4);
	run_clear(&r);
	lab_cmd(&r, "lab", "down", name, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "nothing to remove"), "%s", r.out);
	run_clear(&r);
	g_free(name);
}
END_TEST

START_TEST(kind_unavailable)
{
	lab_require_root();
	char *name = lab_unique_name("v");
	/* A vrouter whose platform profile does not exist stops at once:
	 * lab up fails with its reason and rolls everything back. */
	char *path = lab_write_topology(name, "name: @NAME@\ntopology:\n  nodes:\n"
	    "    r1: {kind: linux, exec: [sleep, infinity]}\n"
	    "    e1: {kind: vrouter, platform: no-such-platform}\n");
	struct run r;
	lab_cmd(&r, "lab", "up", path, NULL);
	ck_assert_msg(r.status == 4, "lab up exited %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "e1") && strstr(r.err, "no-such-platform"), "%s", r.err);
	run_clear(&r);
	lab_assert_gone(name, NULL);
	/* A linux node whose program does not exist: refused before anything is made. */
	char *path2 = lab_write_topology(name, "name: @NAME@\ntopology:\n  nodes:\n"
	    "    r1: {kind: linux, exec: [/nonexistent/prog]}\n");
	lab_cmd(&r, "lab", "up", path2, NULL);
	ck_assert_msg(r.status == 4, "lab up exited %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "/nonexistent/prog"), "%s", r.err);
	run_clear(&r);
	lab_assert_gone(name, NULL);
	g_free(path2);
	g_free(path);
	g_free(name);
}
END_TEST

START_TEST(failing_node_rolls_back)
{
	lab_require_root();
	char *name = lab_unique_name("f");
	/* The program exists but exits at once: lab up fails and removes the lab. */
	char *path = lab_write_topology(name, "name: @NAME@\ntopology:\n  nodes:\n"
	    "    ok: {kind: linux, exec: [sleep, infinity]}\n"
	    "    bad: {kind: linux, exec: [sh, -c, \"echo broken config >&2; exit 7\"]}\n");
	struct run r;
	lab_cmd(&r, "lab", "up", "--timeout", "10", path, NULL);
	ck_assert_msg(r.status == 4, "lab up exited %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "node bad") && strstr(r.err, "status 7") &&
	    strstr(r.err, "broken config"), "%s", r.err);
	run_clear(&r);
	lab_assert_gone(name, NULL);
	g_free(path);
	g_free(name);
}
END_TEST

struct usage_case {
	const char *args[8];
};

static const struct usage_case usage_cases[] = {
	{ { "lab", NULL } },
	{ { "lab", "sideways", "x.yml", NULL } },
	{ { "lab", "up", NULL } },
	{ { "lab", "up", "a.yml", "b.yml", NULL } },
	{ { "lab", "up", "--timeout", "0", "a.yml", NULL } },
	{ { "lab", "up", "--interval", "1", "a.yml", NULL } },
	{ { "lab", "watch", "--count", "-1", "a", NULL } },
	{ { "lab", "down", "--bogus", "a", NULL } },
};

START_TEST(usage)
{
	const struct usage_case *c = &usage_cases[_i];
	const char *a = c->args[0];
	struct run r;
	/* lab_cmd takes a NULL-terminated list; pass up to 6 arguments. */
	lab_cmd(&r, a, c->args[1], c->args[2], c->args[3], c->args[4], c->args[5], NULL);
	ck_assert_msg(r.status == 2, "case %d exited %d: %s", _i, r.status, r.err);
	ck_assert_msg(r.err[0] != '\0', "case %d: no message", _i);
	run_clear(&r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lab_input");
	TCase *tc = tcase_create("input");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, bad_topology, 0, G_N_ELEMENTS(bad_cases));
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, not_up);
	tcase_add_test(tc, kind_unavailable);
	tcase_add_test(tc, failing_node_rolls_back);
	tcase_add_loop_test(tc, usage, 0, G_N_ELEMENTS(usage_cases));
	suite_add_tcase(s, tc);
	return lab_sweep(fc_run_suite(s));
}
