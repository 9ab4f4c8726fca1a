/*
 * test_lab_faults.c - what the lab does when things go wrong, as root.
 *
 * oom_after_runaway: a node whose program allocates past its memory limit
 * is reported OOM-killed, and the runaway detector fired first.
 * sigkill_during_up: `lab up` and its controller killed with SIGKILL in
 * the middle of bringing the lab up (early, and once daemons run); `lab
 * down` then removes every namespace, link, cgroup and process.
 * sigkill_controller: the same for a controller killed once the lab is up.
 * sigterm_up_rolls_back, sigkill_up_alone: lab up interrupted, or killed
 * alone, leaves nothing even without a lab down.
 * cpu_saturated: a busy loop held to half a core by its cgroup is
 * reported saturated, at about 50 %.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab_support.h"
#include "support.h"

static char *lab_name;

static void
teardown(void)
{
	if (lab_name)
		lab_down_and_check(lab_name);
	g_clear_pointer(&lab_name, g_free);
}

static const char hog_lab[] =
    "name: @NAME@\n"
    "topology:\n"
    "  nodes:\n"
    "    hog: {kind: linux, memory: 256MiB, exec: [\"@MEMHOG@\", \"64\"]}\n"
    "    calm: {kind: linux, memory: 64MiB, exec: [sleep, infinity]}\n";

START_TEST(oom_after_runaway)
{
	lab_require_root();
	ck_assert_msg(g_getenv("FC_MEMHOG") != NULL, "FC_MEMHOG is not set");
	lab_name = lab_unique_name("o");
	char *path = lab_write_topology(lab_name, hog_lab);
	struct run r;
	lab_cmd(&r, "lab", "up", path, NULL);
	ck_assert_msg(r.status == 0, "lab up: %d %s", r.status, r.err);
	run_clear(&r);
	/* 64 MiB/s against 256 MiB: the kill comes after about 4 s. */
	ck_assert_msg(lab_wait_event(lab_name, "hog", "oom-killed", 20), "no oom-killed event for "
	    "hog within 20 s");
	GPtrArray *ev = lab_events(lab_name);
	JsonObject *runaway = lab_find_event(ev, "hog", "runaway");
	JsonObject *counter = lab_find_event(ev, "hog", "oom-kill");
	JsonObject *died = lab_find_event(ev, "hog", "oom-killed");
	ck_assert_msg(runaway != NULL, "the runaway detector never fired");
	ck_assert_msg(died != NULL, "no oom-killed event");
	double t_run = json_object_get_double_member(runaway, "t");
	double t_died = json_object_get_double_member(died, "t");
	fprintf(stderr, "runaway %.2f s before the OOM kill (eta said %.2f s)\n",
	    t_died - t_run, json_object_get_double_member(runaway, "eta_s"));
	ck_assert_msg(t_run < t_died, "runaway (%.3f) did not come before the kill "
	    "(%.3f)", t_run, t_died);
	ck_assert(json_object_get_boolean_member(died, "oom_killed"));
	ck_assert_str_eq(json_object_get_string_member(died, "signal"), "Killed");
	/* The runaway's fitted slope is about the program's 64 MiB/s. */
	double slope = json_object_get_double_member(runaway, "slope_bytes_per_s");
	ck_assert_msg(slope > 32.0 * (1 << 20) && slope < 128.0 * (1 << 20),
	    "runaway slope %.0f B/s", slope);
	/* The cgroup's own counter is reported too, at the next sample at the latest. */
	if (counter == NULL) {
		ck_assert_msg(lab_wait_event(lab_name, "hog", "oom-kill", 2), "no oom-kill counter "
		    "event within 2 s of the kill");
	}
	/* The calm node saw none of it. */
	ck_assert(lab_find_event(ev, "calm", "runaway") == NULL);
	ck_assert(lab_find_event(ev, "calm", "oom-kill") == NULL);
	g_ptr_array_unref(ev);
	JsonNode *st = lab_status(lab_name);
	JsonObject *hog = lab_status_node(st, "hog");
	ck_assert_str_eq(json_object_get_string_member(hog, "state"), "oom-killed");
	ck_assert_int_ge(json_object_get_int_member(hog, "oom_kills"), 1);
	/* The peak reached the limit: the memory was really charged. */
	ck_assert_int_ge(json_object_get_int_member(hog, "memory_peak"), 240 << 20);
	ck_assert_str_eq(json_object_get_string_member(lab_status_node(st, "calm"),
	    "state"), "running");
	json_node_unref(st);
	g_free(path);
}
END_TEST

static const char busy_lab[] =
    "name: @NAME@\n"
    "topology:\n"
    "  nodes:\n"
    "    spin: {kind: linux, cpus: 0.5, exec: [sh, -c, \"while :; do :; done\"]}\n"
    "    idle: {kind: linux, cpus: 0.5, exec: [sleep, infinity]}\n";

START_TEST(cpu_saturated)
{
	lab_require_root();
	lab_name = lab_unique_name("u");
	char *path = lab_write_topology(lab_name, busy_lab);
	struct run r;
	lab_cmd(&r, "lab", "up", path, NULL);
	ck_assert_msg(r.status == 0, "lab up: %d %s", r.status, r.err);
	run_clear(&r);
	/* A busy loop held to half a core saturates its limit within ~1 s. */
	ck_assert_msg(lab_wait_event(lab_name, "spin", "cpu-saturated", 10),
	    "no cpu-saturated event for a busy loop within 10 s");
	GPtrArray *ev = lab_events(lab_name);
	double pct = json_object_get_double_member(lab_find_event(ev, "spin",
	    "cpu-saturated"), "cpu_pct");
	/* The cgroup's quota holds it near 50 % of one core. */
	ck_assert_msg(pct >= 40 && pct <= 60, "cpu-saturated at %.1f %%", pct);
	ck_assert(lab_find_event(ev, "idle", "cpu-saturated") == NULL);
	g_ptr_array_unref(ev);
	JsonNode *st = lab_status(lab_name);
	double now = json_object_get_double_member(lab_status_node(st, "spin"), "cpu_pct");
	ck_assert_msg(now >= 40 && now <= 60, "status cpu_pct %.1f", now);
	json_node_unref(st);
	g_free(path);
}
END_TEST

/* Returns a topology of FRR, BIRD and GoBGP nodes and a linux node. */
static const char mixed_lab[] =
    "name: @NAME@\n"
    "controller: {asn: 65000, peers: [frr, bird, gobgp]}\n"
    "topology:\n"
    "  defaults: {memory: 256MiB}\n"
    "  nodes:\n"
    "    frr: {kind: frr}\n"
    "    bird: {kind: bird}\n"
    "    gobgp: {kind: gobgp}\n"
    "    tap: {kind: linux, exec: [sleep, infinity]}\n"
    "  links:\n"
    "    - endpoints: [\"frr:eth1\", \"bird:eth1\"]\n"
    "    - endpoints: [\"bird:eth2\", \"tap:eth1\"]\n";

struct waitfile {
	const char *path;
};

static bool
file_exists(void *ud)
{
	return g_file_test(ud, G_FILE_TEST_EXISTS);
}

/*
 * Starts `lab up`, waits until `marker` (under the state directory)
 * exists, then SIGKILLs lab up and its controller; then `lab down` must
 * remove everything.
 */
static void
kill_during_up(const char *suffix, const char *marker)
{
	lab_require_root();
	lab_name = lab_unique_name(suffix);
	char *path = lab_write_topology(lab_name, mixed_lab);
	const char *argv[] = { g_getenv("FC_BIN"), "lab", "up", "--quiet", path, NULL };
	GPid up;
	GError *e = NULL;
	ck_assert_msg(g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
	    G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &up, &e), "%s", e ? e->message : "");
	char *mpath = g_strdup_printf("/run/flowcanary/%s/%s", lab_name, marker);
	bool seen = lab_wait(file_exists, mpath, 30);
	GArray *first = lab_recorded_pids(lab_name);
	kill(up, SIGKILL);
	for (guint i = 0; i < first->len; i++)
		kill(g_array_index(first, int, i), SIGKILL);
	g_array_unref(first);
	int st;
	waitpid(up, &st, 0);
	ck_assert_msg(seen, "%s never appeared", mpath);
	/* lab up was killed before it could finish or roll back. */
	ck_assert_msg(WIFSIGNALED(st), "lab up finished before it was killed");
	char *state = g_strdup_printf("/run/flowcanary/%s", lab_name);
	ck_assert_msg(g_file_test(state, G_FILE_TEST_IS_DIR), "nothing was made");
	GArray *pids = lab_recorded_pids(lab_name);
	struct run r;
	lab_cmd(&r, "lab", "down", lab_name, NULL);
	ck_assert_msg(r.status == 0, "lab down: %d %s", r.status, r.err);
	run_clear(&r);
	lab_assert_gone(lab_name, pids);
	g_array_unref(pids);
	g_free(state);
	g_free(mpath);
	g_free(path);
}

START_TEST(sigkill_during_up_early)
{
	/* As soon as the lab claimed its name: namespaces are being made. */
	kill_during_up("e", "topology.yml");
}
END_TEST

START_TEST(sigkill_during_up_daemons)
{
	/* Once the first daemon runs, before every session is up. */
	kill_during_up("k", "nodes/frr/pid");
}
END_TEST

static bool
state_gone(void *ud)
{
	return !g_file_test(ud, G_FILE_TEST_EXISTS);
}

/*
 * Starts `lab up`, waits for `marker`, sends `sig` to lab up alone.  With
 * SIGTERM lab up rolls back itself and exits 4; with SIGKILL its
 * controller notices and removes the lab.  Either way nothing is left,
 * without any lab down.
 */
static void
interrupt_up(const char *suffix, const char *marker, int sig)
{
	lab_require_root();
	lab_name = lab_unique_name(suffix);
	char *path = lab_write_topology(lab_name, mixed_lab);
	const char *argv[] = { g_getenv("FC_BIN"), "lab", "up", "--quiet", path, NULL };
	GPid up;
	GError *e = NULL;
	ck_assert_msg(g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
	    G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &up,
	    &e), "%s", e ? e->message : "");
	char *mpath = g_strdup_printf("/run/flowcanary/%s/%s", lab_name, marker);
	bool seen = lab_wait(file_exists, mpath, 30);
	GArray *pids = lab_recorded_pids(lab_name);
	kill(up, sig);
	int st;
	waitpid(up, &st, 0);
	ck_assert_msg(seen, "%s never appeared", mpath);
	if (sig == SIGKILL)
		ck_assert_msg(WIFSIGNALED(st), "lab up finished before it was killed");
	else
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 4, "lab up "
		    "interrupted by %s: status 0x%x, expected exit 4", g_strsignal(sig), st);
	char *state = g_strdup_printf("/run/flowcanary/%s", lab_name);
	ck_assert_msg(lab_wait(state_gone, state, 10), "the lab was not removed "
	    "within 10 s of lab up's %s", g_strsignal(sig));
	lab_assert_gone(lab_name, pids);
	g_array_unref(pids);
	g_free(state);
	g_free(mpath);
	g_free(path);
}

START_TEST(sigterm_up_rolls_back)
{
	interrupt_up("r", "nodes/frr/pid", SIGTERM);
}
END_TEST

START_TEST(sigkill_up_alone)
{
	interrupt_up("a", "nodes/frr/pid", SIGKILL);
}
END_TEST

START_TEST(sigkill_controller)
{
	lab_require_root();
	lab_name = lab_unique_name("c");
	char *path = lab_write_topology(lab_name, mixed_lab);
	struct run r;
	lab_cmd(&r, "lab", "up", path, NULL);
	ck_assert_msg(r.status == 0, "lab up: %d %s", r.status, r.err);
	run_clear(&r);
	JsonNode *st = lab_status(lab_name);
	GArray *pids = lab_status_pids(st);
	int ctl = (int)json_object_get_int_member(json_node_get_object(st), "controller_pid");
	ck_assert_int_gt(ctl, 1);
	g_array_append_val(pids, ctl);
	ck_assert_int_eq(kill(ctl, SIGKILL), 0);
	g_usleep(200000);
	/* Status still answers, and says the controller is gone. */
	JsonNode *st2 = lab_status(lab_name);
	ck_assert(!json_object_get_boolean_member(json_node_get_object(st2),
	    "controller_running"));
	lab_cmd(&r, "lab", "down", path, NULL);
	ck_assert_msg(r.status == 0, "lab down: %d %s", r.status, r.err);
	run_clear(&r);
	lab_assert_gone(lab_name, pids);
	g_array_unref(pids);
	json_node_unref(st);
	json_node_unref(st2);
	g_free(path);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("lab_faults");
	TCase *tc = tcase_create("faults");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, oom_after_runaway);
	tcase_add_test(tc, cpu_saturated);
	tcase_add_test(tc, sigkill_during_up_early);
	tcase_add_test(tc, sigkill_during_up_daemons);
	tcase_add_test(tc, sigkill_controller);
	tcase_add_test(tc, sigterm_up_rolls_back);
	tcase_add_test(tc, sigkill_up_alone);
	suite_add_tcase(s, tc);
	return lab_sweep(fc_run_suite(s));
}
