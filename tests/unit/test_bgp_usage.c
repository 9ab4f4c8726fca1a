/*
 * test_bgp_usage.c - the command lines of `flowcanary listen` and
 * `flowcanary inject` ($FC_BIN): each bad option or value exits 2 with a
 * message naming the option, and nothing on stdout; `inject --help`
 * names --connect-retry.  The harness: session_support.h.
 */
#include <glib.h>
#include <string.h>

#include "session_support.h"

/* ------------------------------------------------------------------ */
/* Usage errors                                                         */

struct usage_case {
	const char *args[16];
	const char *names;	/* what the message must name */
};

static const struct usage_case usage_cases[] = {
	{ { "inject", "--local-as", "65001", "--peer-as", "65000", "RULES" },
	  "--peer" },
	{ { "inject", "--peer", "300.1.2.3", "--local-as", "65001", "--peer-as",
	    "65000", "RULES" }, "--peer" },
	{ { "inject", "--peer", "127.0.0.1:99999", "--local-as", "65001",
	    "--peer-as", "65000", "RULES" }, "--peer" },
	{ { "inject", "--peer", "127.0.0.1:0", "--local-as", "65001",
	    "--peer-as", "65000", "RULES" }, "--peer" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "0", "--peer-as",
	    "65000", "RULES" }, "--local-as" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "65001", "RULES" },
	  "--peer-as" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "65001", "--peer-as",
	    "65000", "--hold-time", "2", "RULES" }, "--hold-time" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "65001", "--peer-as",
	    "65000", "--connect-timeout", "nan", "RULES" }, "--connect-timeout" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "65001", "--peer-as",
	    "65000", "--connect-timeout", "1e300", "RULES" }, "--connect-timeout" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "65001", "--peer-as",
	    "65000", "--hold", "nan", "RULES" }, "--hold" },
	{ { "inject", "--peer", "127.0.0.1", "--local-as", "65001", "--peer-as",
	    "65000", "--connect-retry", "0", "RULES" }, "--connect-retry" },
	{ { "listen", "--local-as", "65000", "--hold-time", "2" }, "--hold-time" },
	{ { "listen", "--local-as", "65000", "--bind", "localhost" }, "--bind" },
	{ { "listen", "--local-as", "4294967296" }, "--local-as" },
};

START_TEST(usage_errors)
{
	const struct usage_case *c = &usage_cases[_i];
	char *rules = write_file("one.flow", GOOD_RULE "\n", 0644);
	const char *args[16];
	struct proc p;
	GString *cmd = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(args); i++) {
		const char *a = c->args[i];
		args[i] = a != NULL && strcmp(a, "RULES") == 0 ? rules : a;
		if (a != NULL)
			g_string_append_printf(cmd, " %s", a);
		if (a == NULL)
			break;
	}
	proc_startv(&p, NULL, args);
	proc_expect_exit(&p, 2, WAIT_MS);
	ck_assert_msg(strstr(p.ebuf->str, c->names) != NULL,
	    "flowcanary%s: the message does not name %s: %s", cmd->str,
	    c->names, p.ebuf->str);
	ck_assert_str_eq(p.obuf->str, "");
	g_string_free(cmd, TRUE);
	proc_free(&p);
	g_free(rules);
}
END_TEST

START_TEST(inject_help_names_connect_retry)
{
	struct proc p;

	proc_start(&p, NULL, "inject", "--help", NULL);
	proc_expect_exit(&p, 0, WAIT_MS);
	ck_assert(strstr(p.obuf->str, "--connect-retry") != NULL);
	proc_free(&p);
}
END_TEST

static Suite *
usage_suite(void)
{
	Suite *s = suite_create("test_bgp_usage");
	TCase *tc = session_tcase(s, "usage", 30);

	tcase_add_loop_test(tc, usage_errors, 0, (int)G_N_ELEMENTS(usage_cases));
	tcase_add_test(tc, inject_help_names_connect_retry);
	return s;
}

int
main(void)
{
	return session_main(usage_suite());
}
