/*
 * test_lab_up.c - a lab of the three real daemons (topologies/daemons.yml:
 * FRR, BIRD and GoBGP, each peered with the controller) brought up and
 * down by the real `flowcanary lab`, as root.
 *
 * up_status_down: every daemon runs inside its own namespace and cgroup
 * with its session Established; status and watch show it; lab down
 * leaves no namespace, link, cgroup or process.
 * session_lost: killing a node's daemon gives "killed" and
 * "session-lost" events, and the node's state says so.
 * two_labs: two labs of different names coexist; taking one down leaves
 * the other running.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab_support.h"
#include "support.h"

#define FRR_BGPD "/usr/lib/frr/bgpd"
#define BIRD_BIN "/usr/sbin/bird"
#define GOBGPD_BIN "/usr/bin/gobgpd"

static char *lab_name;

static void
teardown(void)
{
	if (lab_name)
		lab_down_and_check(lab_name);
	g_clear_pointer(&lab_name, g_free);
}

/* Returns the shipped daemons.yml under a name unique to this run (g_free). */
static char *
daemons_topology(const char *name)
{
	char *src = fc_source_path("topologies/daemons.yml");
	char *text = NULL;
	ck_assert_msg(g_file_get_contents(src, &text, NULL, NULL), "cannot read %s", src);
	GRegex *re = g_regex_new("^name:.*$", G_REGEX_MULTILINE, 0, NULL);
	char *renamed = g_regex_replace_literal(re, text, -1, 0, "name: @NAME@", 0, NULL);
	char *path = lab_write_topology(name, renamed);
	g_regex_unref(re);
	g_free(renamed);
	g_free(text);
	g_free(src);
	return path;
}

static void
require_daemons(void)
{
	lab_require_root();
	lab_require_program(FRR_BGPD, "frr");
	lab_require_program(BIRD_BIN, "bird2");
	lab_require_program(GOBGPD_BIN, "gobgpd");
}

/* Brings the daemons lab up and returns its status. */
static JsonNode *
daemons_up(const char *path)
{
	struct run r;
	gint64 t0 = g_get_monotonic_time();
	lab_cmd(&r, "lab", "up", path, NULL);
	ck_assert_msg(r.status == 0, "lab up exited %d:\n%s", r.status,
	    lab_tail(r.err, 3000));
	fprintf(stderr, "lab up (frr, bird, gobgp): %.2f s\n",
	    (double)(g_get_monotonic_time() - t0) / 1e6);
	ck_assert_msg(strstr(r.out, "is up"), "lab up said: %s", r.out);
	run_clear(&r);
	return lab_status(lab_name);
}

/* Asserts that `pid` runs `comm` inside namespace fc.LAB.NODE and cgroup flowcanary/LAB/NODE. */
static void
assert_inside(const char *node, int pid, const char *comm)
{
	char *nspath = g_strdup_printf("/run/netns/fc.%s.%s", lab_name, node);
	char *pidns = g_strdup_printf("/proc/%d/ns/net", pid);
	guint64 want = lab_inode(nspath), got = lab_inode(pidns);
	ck_assert_msg(want != 0 && want == got, "node %s: pid %d is in netns inode "
	    "%" G_GUINT64_FORMAT ", its namespace %s is %" G_GUINT64_FORMAT, node,
	    pid, got, nspath, want);
	char *cgpath = g_strdup_printf("/proc/%d/cgroup", pid);
	char *cg = NULL;
	ck_assert(g_file_get_contents(cgpath, &cg, NULL, NULL));
	char *want_cg = g_strdup_printf(":memory:/flowcanary/%s/%s\n", lab_name, node);
	char *want_cg2 = g_strdup_printf("::/flowcanary/%s/%s\n", lab_name, node);
	ck_assert_msg(strstr(cg, want_cg) || strstr(cg, want_cg2), "node %s: pid %d "
	    "is not in its cgroup:\n%s", node, pid, cg);
	char *commpath = g_strdup_printf("/proc/%d/comm", pid);
	char *c = NULL;
	ck_assert(g_file_get_contents(commpath, &c, NULL, NULL));
	g_strchomp(c);
	ck_assert_msg(strcmp(c, comm) == 0, "node %s runs %s, expected %s", node, c, comm);
	g_free(c);
	g_free(commpath);
	g_free(want_cg);
	g_free(want_cg2);
	g_free(cg);
	g_free(cgpath);
	g_free(pidns);
	g_free(nspath);
}

static const struct {
	const char *node, *comm;
} daemons[] = { { "frr1", "bgpd" }, { "bird1", "bird" }, { "gobgp1", "gobgpd" } };

START_TEST(up_status_down)
{
	require_daemons();
	lab_name = lab_unique_name("d");
	char *path = daemons_topology(lab_name);
	JsonNode *st = daemons_up(path);
	JsonObject *o = json_node_get_object(st);
	ck_assert(json_object_get_boolean_member(o, "controller_running"));
	ck_assert(json_object_get_boolean_member(o, "ready"));
	GArray *pids = lab_status_pids(st);
	int ctl = (int)json_object_get_int_member(o, "controller_pid");
	g_array_append_val(pids, ctl);
	for (size_t i = 0; i < G_N_ELEMENTS(daemons); i++) {
		JsonObject *n = lab_status_node(st, daemons[i].node);
		ck_assert_msg(n != NULL, "no node %s in the status", daemons[i].node);
		ck_assert_str_eq(json_object_get_string_member(n, "state"), "running");
		ck_assert_str_eq(json_object_get_string_member(n, "session"), "Established");
		ck_assert(json_object_get_boolean_member(n, "alive"));
		ck_assert_int_eq(json_object_get_int_member(n, "memory_limit"), 256 << 20);
		/* The daemon's memory is charged to its cgroup. */
		ck_assert_int_gt(json_object_get_int_member(n, "memory_usage"), 256 << 10);
		assert_inside(daemons[i].node, (int)json_object_get_int_member(n, "pid"),
		    daemons[i].comm);
	}
	/* The controller's end of each link lives in the lab, not on the host. */
	ck_assert_msg(lab_inode("/sys/class/net/frr1") == 0,
	    "an interface named frr1 appeared on the host");

	struct run r;
	lab_cmd(&r, "lab", "status", lab_name, NULL);
	ck_assert_int_eq(r.status, 0);
	for (size_t i = 0; i < G_N_ELEMENTS(daemons); i++)
		ck_assert_msg(strstr(r.out, daemons[i].node), "status table: %s", r.out);
	ck_assert_msg(strstr(r.out, "Established"), "status table: %s", r.out);
	run_clear(&r);
	lab_cmd(&r, "lab", "watch", "--count", "2", "--interval", "200", path, NULL);
	ck_assert_int_eq(r.status, 0);
	char *second = strstr(r.out, "NODE");
	ck_assert_msg(second && strstr(second + 4, "NODE"), "watch drew fewer than "
	    "two views: %s", r.out);
	ck_assert_msg(strstr(r.out, "session-up"), "watch shows no events: %s", r.out);
	run_clear(&r);

	/* Events: each node started, then its session came up. */
	GPtrArray *ev = lab_events(lab_name);
	for (size_t i = 0; i < G_N_ELEMENTS(daemons); i++) {
		ck_assert_msg(lab_find_event(ev, daemons[i].node, "started"),
		    "no started event for %s", daemons[i].node);
		ck_assert_msg(lab_find_event(ev, daemons[i].node, "session-up"),
		    "no session-up event for %s", daemons[i].node);
	}
	g_ptr_array_unref(ev);
	/* Series: 10 Hz samples with the session state. */
	char *series = g_strdup_printf("/run/flowcanary/%s/nodes/bird1/series.csv", lab_name);
	char *text = NULL;
	ck_assert(g_file_get_contents(series, &text, NULL, NULL));
	ck_assert(g_str_has_prefix(text, "t,memory_usage,memory_peak,rss,cpu_pct,procs,session\n"));
	ck_assert_msg(strstr(text, ",Established\n"), "series: %s", lab_tail(text, 500));
	g_free(text);
	g_free(series);

	lab_cmd(&r, "lab", "down", path, NULL);
	ck_assert_msg(r.status == 0, "lab down exited %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.out, "is down"), "lab down said: %s", r.out);
	run_clear(&r);
	lab_assert_gone(lab_name, pids);
	/* Down again: nothing left to remove, and that is not an error. */
	lab_cmd(&r, "lab", "down", lab_name, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "nothing to remove"), "%s", r.out);
	run_clear(&r);
	g_array_unref(pids);
	json_node_unref(st);
	g_free(path);
}
END_TEST

START_TEST(session_lost)
{
	require_daemons();
	lab_name = lab_unique_name("s");
	char *path = daemons_topology(lab_name);
	JsonNode *st = daemons_up(path);
	JsonObject *bird = lab_status_node(st, "bird1");
	int pid = (int)json_object_get_int_member(bird, "pid");
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_msg(lab_wait_event(lab_name, "bird1", "killed", 10) &&
	    lab_wait_event(lab_name, "bird1", "session-lost", 10), "no killed and "
	    "session-lost events for bird1 within 10 s");
	json_node_unref(st);
	st = lab_status(lab_name);
	bird = lab_status_node(st, "bird1");
	ck_assert_str_eq(json_object_get_string_member(bird, "state"), "killed");
	ck_assert_str_eq(json_object_get_string_member(bird, "signal"), "Killed");
	ck_assert_str_ne(json_object_get_string_member(bird, "session"), "Established");
	/* The other nodes are untouched. */
	ck_assert_str_eq(json_object_get_string_member(lab_status_node(st, "frr1"),
	    "session"), "Established");
	json_node_unref(st);
	g_free(path);
}
END_TEST

static const char linux_lab[] =
    "name: @NAME@\n"
    "topology:\n"
    "  nodes:\n"
    "    a: {kind: linux, memory: 64MiB, exec: [sleep, infinity]}\n"
    "    b: {kind: linux, memory: 64MiB, exec: [sleep, infinity]}\n"
    "  links:\n"
    "    - endpoints: [\"a:eth1\", \"b:eth1\"]\n";

START_TEST(two_labs)
{
	lab_require_root();
	char *n1 = lab_unique_name("x"), *n2 = lab_unique_name("y");
	lab_name = g_strdup(n2);	/* teardown takes down the survivor */
	char *p1 = lab_write_topology(n1, linux_lab), *p2 = lab_write_topology(n2, linux_lab);
	struct run r;
	lab_cmd(&r, "lab", "up", p1, NULL);
	ck_assert_msg(r.status == 0, "lab up %s: %d %s", n1, r.status, r.err);
	run_clear(&r);
	lab_cmd(&r, "lab", "up", p2, NULL);
	ck_assert_msg(r.status == 0, "lab up %s: %d %s", n2, r.status, r.err);
	run_clear(&r);
	/* The same name again is refused, and harms neither lab. */
	lab_cmd(&r, "lab", "up", p1, NULL);
	ck_assert_int_eq(r.status, 4);
	ck_assert_msg(strstr(r.err, "lab down"), "%s", r.err);
	run_clear(&r);
	/* Node a of each lab can reach its b over the link, and only its own. */
	char *ns = g_strdup_printf("fc.%s.a", n1);
	char *argv[] = { "ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "2",
		"10.100.0.2", NULL };
	int st = 0;
	ck_assert(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
	    G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
	    NULL, NULL, &st, NULL));
	ck_assert_msg(g_spawn_check_wait_status(st, NULL), "a cannot ping b over "
	    "their link in lab %s", n1);
	g_free(ns);
	JsonNode *s1 = lab_status(n1);
	GArray *pids = lab_status_pids(s1);
	lab_cmd(&r, "lab", "down", n1, NULL);
	ck_assert_int_eq(r.status, 0);
	run_clear(&r);
	lab_assert_gone(n1, pids);
	JsonNode *s2 = lab_status(n2);
	JsonObject *a = lab_status_node(s2, "a");
	ck_assert_str_eq(json_object_get_string_member(a, "state"), "running");
	ck_assert(json_object_get_boolean_member(a, "alive"));
	g_array_unref(pids);
	json_node_unref(s1);
	json_node_unref(s2);
	g_free(p1);
	g_free(p2);
	g_free(n1);
	g_free(n2);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lab_up");
	TCase *tc = tcase_create("daemons");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, up_status_down);
	tcase_add_test(tc, session_lost);
	tcase_add_test(tc, two_labs);
	suite_add_tcase(s, tc);
	return lab_sweep(fc_run_suite(s));
}
