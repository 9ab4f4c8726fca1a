/*
 * test_cgroup.c - a node's cgroup (emulator/monitor/cgroup.c) on this
 * host, for real: limits as the kernel holds them, a child that joins by
 * itself and is OOM-killed at its limit, a busy child held to half a
 * core, killing a cgroup whose process ignores SIGTERM, and removal.
 * Detection is also run on mountinfo fixtures of other hosts.
 *
 * Needs root.  Everything is made under "flowcanary-test<PID>" (the
 * runner's pid) and removed by each test's teardown, which checks that
 * it is gone.  Check does not run a checked teardown after a failed
 * assertion in fork mode, so the runner sweeps once more after each
 * test case, and fails the run if it had anything to sweep that it
 * could not remove.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"
#include "monitor/cgroup.h"

#define MIB		(UINT64_C(1) << 20)
#define LIMIT		(64 * MIB)
#define HALF_CORE	500

static char top[64];		/* "flowcanary-test<runner pid>" */
static char node[96];		/* top + "/n1" */
static struct mon_cg_host host;
static int sweep_failed;	/* set in the runner: leftovers not removable */

/* Returns the current monotonic time in seconds. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Returns ROOT/top[/sub] in buf (PATH_MAX). */
static char *
under(char *buf, const char *root, const char *sub)
{
	snprintf(buf, 512, "%s/%s%s%s", root, top, sub ? "/" : "",
	    sub ? sub : "");
	return buf;
}

/* Returns true if top exists in any hierarchy of host. */
static bool
top_exists(void)
{
	const char *roots[] = { host.memory_root, host.cpu_root,
		host.cpuacct_root };
	char path[512];
	struct stat st;

	for (size_t i = 0; i < 3; i++)
		if (roots[i][0] != '\0' && stat(under(path, roots[i], NULL),
		    &st) == 0)
			return true;
	return false;
}

/*
 * Kills and removes every node under top, then top.  Returns how many
 * cgroups it removed, or -1 if something stays.
 */
static int
sweep(void)
{
	char path[512];
	struct dirent *de;
	int removed = 0;
	DIR *d;

	if (host.version == MON_CG_NONE)
		return 0;
	if ((d = opendir(under(path, host.memory_root, NULL))) != NULL) {
		while ((de = readdir(d)) != NULL) {
			struct mon_cgroup cg = { .host = &host };
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			int n = snprintf(cg.rel, sizeof cg.rel, "%s/%s", top,
			    de->d_name);
			if (n < 0 || (size_t)n >= sizeof cg.rel)
				continue;
			mon_cg_kill_all(&cg, 0, 2000);
			if (mon_cg_remove(&host, cg.rel) == 0)
				removed++;
		}
		closedir(d);
	}
	/* reap what a failed test left (the runner is their subreaper) */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (mon_cg_remove(&host, top) == 0)
		removed++;
	return top_exists() ? -1 : removed;
}

/* Before each test: finds the controllers; clears what a failed test left. */
static void
setup(void)
{
	char err[256] = "";

	ck_assert_msg(mon_cg_detect(&host, NULL, err, sizeof err) == 0,
	    "detect: %s", err);
	/* a failed test before this one had no teardown (fork mode) */
	if (top_exists())
		fprintf(stderr, "test_cgroup: removing what a failed test left\n");
	ck_assert_int_ge(sweep(), 0);
	ck_assert(!top_exists());
}

/* After each test: removes its cgroups and checks that they are gone. */
static void
teardown(void)
{
	ck_assert_int_ge(sweep(), 0);
	ck_assert(!top_exists());
	ck_assert(!mon_cg_exists(&host, node));
}

/* The runner's safety net, after each test case: see the file comment. */
static void
runner_sweep(void)
{
	char err[256];
	int n;

	if (mon_cg_detect(&host, NULL, err, sizeof err) < 0)
		return;
	if ((n = sweep()) != 0) {
		fprintf(stderr, "test_cgroup: a failed test left %s behind; %s\n",
		    top, n < 0 ? "it could NOT be removed" : "removed it");
		if (n < 0)
			sweep_failed = 1;
	}
}

/* Creates `node` with the test's limits or fails the test. */
static void
make_node(struct mon_cgroup *cg, uint64_t limit, unsigned millis)
{
	char err[256] = "";

	ck_assert_msg(mon_cg_create(cg, &host, node, limit, millis, err,
	    sizeof err) == 0, "create %s: %s", node, err);
}

/* Writes the decimal of v into buf (no stdio: for a forked child). Returns its length. */
static size_t
utoa(char *buf, unsigned long v)
{
	char tmp[24];
	size_t n = 0, len;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	len = n;
	for (size_t i = 0; i < len; i++)
		buf[i] = tmp[--n];
	return len;
}

/* In a forked child: joins the cgroup through `paths`. Returns 0 or -1. */
static int
child_join(char paths[][320], size_t n)
{
	char pid[24];
	size_t len = utoa(pid, (unsigned long)getpid());

	for (size_t i = 0; i < n; i++) {
		int fd = open(paths[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		if (write(fd, pid, len) != (ssize_t)len) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

enum child_kind { CHILD_HOG, CHILD_SPIN, CHILD_STUBBORN, CHILD_PLAIN };

/* In a forked child, first: its SIGTERM disposition. */
static void
child_signals(enum child_kind kind)
{
	/* not Check's handler, which would signal the test's whole group */
	signal(SIGTERM, kind == CHILD_STUBBORN ? SIG_IGN : SIG_DFL);
}

/* In a forked child: what each kind does once in the cgroup. Does not return. */
static void
child_run(enum child_kind kind)
{
	switch (kind) {
	case CHILD_HOG: {
		size_t len = 200 * MIB;
		volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(3);
		for (size_t off = 0; off < len; off += 4096)
			p[off] = 1;
		_exit(0);	/* survived: the limit did not hold */
	}
	case CHILD_SPIN:
		for (volatile unsigned long i = 0; ; i++)
			;
	case CHILD_STUBBORN:
	case CHILD_PLAIN:
		for (;;)
			pause();
	}
	_exit(4);
}

/*
 * Forks a child that joins `cg` on its own (open and write, as the lab
 * does) and then behaves as `kind`; waits until it has joined.  Returns
 * its pid.
 */
static pid_t
spawn(const struct mon_cgroup *cg, enum child_kind kind)
{
	char paths[3][320];
	size_t n = mon_cg_procs_paths(cg, paths, 3);
	int fds[2];
	struct pollfd pfd;
	char c = 0;
	pid_t pid;

	ck_assert_uint_ge(n, 1);
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	pid = fork();
	/* Not ck_assert: a passing one writes to Check's channel, from the child too. */
	if (pid < 0)
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		child_signals(kind);	/* before it says "in" */
		c = child_join(paths, n) == 0 ? 'y' : 'n';
		if (write(fds[1], &c, 1) != 1 || c != 'y')
			_exit(5);
		close(fds[1]);
		child_run(kind);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	ck_assert_msg(c == 'y', "the child could not join the cgroup");
	return pid;
}

/* Returns the content of ROOT/node/FILE, or fails the test. */
static char *
node_file(const char *root, const char *file, char *buf, size_t cap)
{
	char path[512];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof path, "%s/%s/%s", root, node, file);
	fp = fopen(path, "re");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, cap - 1, fp);
	ck_assert(!ferror(fp));
	fclose(fp);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return buf;
}

/* ---- detection ---- */

START_TEST(detect_this_host)
{
	char path[512], err[256] = "";
	struct mon_cg_host h;

	ck_assert_msg(mon_cg_detect(&h, NULL, err, sizeof err) == 0, "%s", err);
	printf("this host: cgroup v%d, memory at %s, cpu at %s, cpuacct at "
	    "%s\n", h.version, h.memory_root, h.cpu_root, h.cpuacct_root);
	ck_assert(h.version == MON_CG_V1 || h.version == MON_CG_V2);
	snprintf(path, sizeof path, "%s/%s", h.memory_root,
	    h.version == MON_CG_V1 ? "memory.limit_in_bytes" :
	    "cgroup.controllers");
	ck_assert_msg(access(path, F_OK) == 0, "%s", path);
	snprintf(path, sizeof path, "%s/%s", h.cpu_root,
	    h.version == MON_CG_V1 ? "cpu.cfs_quota_us" : "cgroup.controllers");
	ck_assert_msg(access(path, F_OK) == 0, "%s", path);
	if (h.version == MON_CG_V1) {
		snprintf(path, sizeof path, "%s/cpuacct.usage", h.cpuacct_root);
		ck_assert_msg(access(path, F_OK) == 0, "%s", path);
	}
}
END_TEST

/* Returns the result of detecting from fixture `name`. */
static int
detect_fixture(const char *name, struct mon_cg_host *h, char *err, size_t cap)
{
	char rel[128], *path;
	int rc;

	snprintf(rel, sizeof rel, "tests/unit/data/%s", name);
	path = fc_source_path(rel);
	rc = mon_cg_detect(h, path, err, cap);
	free(path);
	return rc;
}

START_TEST(detect_fixtures)
{
	struct mon_cg_host h;
	char err[256];

	/* separate hierarchies; cpuset and name=systemd are not cpu */
	ck_assert_int_eq(detect_fixture("mountinfo-v1.txt", &h, err,
	    sizeof err), 0);
	ck_assert_int_eq(h.version, MON_CG_V1);
	ck_assert_str_eq(h.memory_root, "/sys/fs/cgroup/memory");
	ck_assert_str_eq(h.cpu_root, "/sys/fs/cgroup/cpu");
	ck_assert_str_eq(h.cpuacct_root, "/sys/fs/cgroup/cpuacct");

	/* Debian's legacy layout: cpu and cpuacct in one hierarchy */
	ck_assert_int_eq(detect_fixture("mountinfo-cpu-cpuacct.txt", &h, err,
	    sizeof err), 0);
	ck_assert_int_eq(h.version, MON_CG_V1);
	ck_assert_str_eq(h.memory_root, "/sys/fs/cgroup/memory");
	ck_assert_str_eq(h.cpu_root, "/sys/fs/cgroup/cpu,cpuacct");
	ck_assert_str_eq(h.cpuacct_root, "/sys/fs/cgroup/cpu,cpuacct");

	ck_assert_int_eq(detect_fixture("mountinfo-v2.txt", &h, err,
	    sizeof err), 0);
	ck_assert_int_eq(h.version, MON_CG_V2);
	ck_assert_str_eq(h.memory_root, "/sys/fs/cgroup");
	ck_assert_str_eq(h.cpu_root, "/sys/fs/cgroup");
	ck_assert_str_eq(h.cpuacct_root, "/sys/fs/cgroup");

	err[0] = '\0';
	ck_assert_int_eq(detect_fixture("mountinfo-none.txt", &h, err,
	    sizeof err), -1);
	ck_assert_int_eq(h.version, MON_CG_NONE);
	ck_assert_msg(strstr(err, "memory") != NULL, "%s", err);

	err[0] = '\0';
	ck_assert_int_eq(detect_fixture("mountinfo-absent.txt", &h, err,
	    sizeof err), -1);
	ck_assert_msg(strstr(err, "mountinfo-absent.txt") != NULL, "%s", err);

	/* no room for a sentence is no crash */
	ck_assert_int_eq(detect_fixture("mountinfo-none.txt", &h, NULL, 0), -1);
}
END_TEST

/* ---- creation and limits ---- */

START_TEST(create_sets_limits)
{
	struct mon_cgroup cg;
	struct mon_cg_sample s;
	char buf[128], want[64], err[256];
	uint64_t period;

	make_node(&cg, LIMIT, HALF_CORE);
	ck_assert(mon_cg_exists(&host, node));
	if (host.version == MON_CG_V1) {
		char path[512];
		snprintf(want, sizeof want, "%" PRIu64, LIMIT);
		ck_assert_str_eq(node_file(host.memory_root,
		    "memory.limit_in_bytes", buf, sizeof buf), want);
		snprintf(path, sizeof path, "%s/%s/memory.memsw.limit_in_bytes",
		    host.memory_root, node);
		if (access(path, F_OK) == 0)
			ck_assert_str_eq(node_file(host.memory_root,
			    "memory.memsw.limit_in_bytes", buf, sizeof buf), want);
		ck_assert_str_eq(node_file(host.memory_root,
		    "memory.use_hierarchy", buf, sizeof buf), "1");
		period = strtoull(node_file(host.cpu_root, "cpu.cfs_period_us",
		    buf, sizeof buf), NULL, 10);
		snprintf(want, sizeof want, "%" PRIu64, period / 2);
		ck_assert_str_eq(node_file(host.cpu_root, "cpu.cfs_quota_us",
		    buf, sizeof buf), want);
	} else {
		snprintf(want, sizeof want, "%" PRIu64, LIMIT);
		ck_assert_str_eq(node_file(host.memory_root, "memory.max", buf,
		    sizeof buf), want);
		node_file(host.memory_root, "cpu.max", buf, sizeof buf);
		period = strtoull(strchr(buf, ' ') + 1, NULL, 10);
		snprintf(want, sizeof want, "%" PRIu64 " %" PRIu64, period / 2,
		    period);
		ck_assert_str_eq(buf, want);
	}
	ck_assert_int_eq(mon_cg_read(&cg, &s), 0);
	ck_assert_uint_eq(s.memory_limit, LIMIT);
	ck_assert_uint_eq(s.nprocs, 0);
	ck_assert_uint_eq(s.oom_kills, 0);

	/* made again: the same cgroup, new limits; none is "no limit" */
	ck_assert_msg(mon_cg_create(&cg, &host, node, 0, 0, err, sizeof err)
	    == 0, "%s", err);
	ck_assert_int_eq(mon_cg_read(&cg, &s), 0);
	ck_assert_uint_eq(s.memory_limit, UINT64_MAX);
	if (host.version == MON_CG_V1)
		ck_assert_str_eq(node_file(host.cpu_root, "cpu.cfs_quota_us",
		    buf, sizeof buf), "-1");
	else
		ck_assert_ptr_nonnull(strstr(node_file(host.memory_root,
		    "cpu.max", buf, sizeof buf), "max "));
	ck_assert_int_eq(mon_cg_remove(&host, node), 0);
	ck_assert(!mon_cg_exists(&host, node));
	ck_assert_int_eq(mon_cg_remove(&host, node), 1);
	ck_assert_int_eq(mon_cg_remove(&host, top), 0);
	ck_assert(!top_exists());
}
END_TEST

START_TEST(bad_paths_refused)
{
	static const char *bad[] = { "", "/abs", "a//b", "a/", "../x", "a/../b",
		"a/./b", ".", "..", NULL };
	struct mon_cgroup cg;
	char err[256];

	for (size_t i = 0; bad[i] != NULL; i++) {
		err[0] = '\0';
		ck_assert_int_eq(mon_cg_create(&cg, &host, bad[i], LIMIT, 0, err,
		    sizeof err), -1);
		ck_assert_msg(err[0] != '\0', "no reason for \"%s\"", bad[i]);
		ck_assert_int_eq(mon_cg_remove(&host, bad[i]), -1);
		ck_assert(!mon_cg_exists(&host, bad[i]));
	}
	ck_assert_int_eq(mon_cg_create(&cg, &host, NULL, LIMIT, 0, err,
	    sizeof err), -1);
}
END_TEST

/* ---- processes ---- */

START_TEST(oom_kill_at_the_limit)
{
	struct mon_cgroup cg;
	struct mon_cg_sample s;
	pid_t pid, pids[4];
	int status;

	make_node(&cg, LIMIT, 0);
	pid = spawn(&cg, CHILD_HOG);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "the 200 MiB child was not OOM-killed (status %#x)", status);
	ck_assert_int_eq(mon_cg_read(&cg, &s), 0);
	printf("oom: kills %" PRIu64 ", peak %.1f MiB, usage now %.1f MiB\n",
	    s.oom_kills, (double)s.memory_peak / MIB,
	    (double)s.memory_usage / MIB);
	ck_assert_uint_eq(s.oom_kills, 1);
	ck_assert_uint_le(s.memory_peak, LIMIT);
	ck_assert_uint_ge(s.memory_peak, LIMIT - 8 * MIB);
	ck_assert_uint_lt(s.memory_usage, 8 * MIB);
	ck_assert_uint_eq(s.nprocs, 0);
	ck_assert_int_eq(mon_cg_pids(&cg, pids, 4), 0);
}
END_TEST

START_TEST(cpu_held_to_half_a_core)
{
	struct mon_cgroup cg;
	struct mon_cg_sample a, b;
	pid_t pid, pids[4];
	double t0, t1, share;
	int status;

	make_node(&cg, 0, HALF_CORE);
	pid = spawn(&cg, CHILD_SPIN);
	ck_assert_int_eq(mon_cg_pids(&cg, pids, 4), 1);
	ck_assert_int_eq(pids[0], pid);
	ck_assert_int_eq(mon_cg_read(&cg, &a), 0);
	t0 = now_s();
	usleep(1000 * 1000);
	ck_assert_int_eq(mon_cg_read(&cg, &b), 0);
	t1 = now_s();
	share = (double)(b.cpu_usage_ns - a.cpu_usage_ns) / ((t1 - t0) * 1e9);
	printf("cpu: a busy child with a quota of half a core used %.0f%% of "
	    "one over %.2f s\n", share * 100, t1 - t0);
	ck_assert_uint_gt(b.cpu_usage_ns, a.cpu_usage_ns);
	ck_assert_uint_eq(b.nprocs, 1);
	/* loose: without the quota it would be ~100% */
	ck_assert_msg(share < 0.8, "share %.2f: the quota does not hold", share);
	ck_assert_int_eq(mon_cg_kill_all(&cg, 0, 2000), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}
END_TEST

START_TEST(kill_all_escalates)
{
	struct mon_cgroup cg;
	pid_t stubborn, plain, pids[8];
	double t0, took;
	int status;

	make_node(&cg, LIMIT, HALF_CORE);
	stubborn = spawn(&cg, CHILD_STUBBORN);
	plain = spawn(&cg, CHILD_PLAIN);
	ck_assert_int_eq(mon_cg_pids(&cg, pids, 8), 2);
	ck_assert(pids[0] == stubborn || pids[1] == stubborn);
	ck_assert(pids[0] == plain || pids[1] == plain);
	/* room for one pid: the count is still the whole */
	ck_assert_int_eq(mon_cg_pids(&cg, pids, 1), 2);

	t0 = now_s();
	ck_assert_int_eq(mon_cg_kill_all(&cg, 300, 5000), 0);
	took = now_s() - t0;
	printf("kill_all: empty after %.0f ms (grace 300 ms)\n", took * 1000);
	ck_assert(took >= 0.3);	/* the stubborn one outlived SIGTERM */
	ck_assert_int_eq(waitpid(plain, &status, 0), plain);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	ck_assert_int_eq(waitpid(stubborn, &status, 0), stubborn);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(mon_cg_pids(&cg, pids, 8), 0);

	/* right after a kill: removal waits out a busy kernel */
	ck_assert_int_eq(mon_cg_remove(&host, node), 0);
	ck_assert(!mon_cg_exists(&host, node));
	ck_assert_int_eq(mon_cg_remove(&host, top), 0);
	ck_assert(!top_exists());
	/* an empty or absent cgroup is already killed */
	ck_assert_int_eq(mon_cg_kill_all(&cg, 100, 100), 0);
}
END_TEST

START_TEST(attach_and_busy_removal)
{
	struct mon_cgroup cg;
	pid_t pid, pids[4];
	int status;

	make_node(&cg, LIMIT, 0);
	/* a child that does not join by itself: the controller moves it */
	pid = fork();
	/* Not ck_assert: a passing one writes to Check's channel, from the child too. */
	if (pid < 0)
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		child_signals(CHILD_PLAIN);
		child_run(CHILD_PLAIN);
	}
	ck_assert_int_eq(mon_cg_pids(&cg, pids, 4), 0);
	ck_assert_int_eq(mon_cg_attach(&cg, pid), 0);
	ck_assert_int_eq(mon_cg_pids(&cg, pids, 4), 1);
	ck_assert_int_eq(pids[0], pid);
	/* a parent with children stays; a node with a process stays */
	ck_assert_int_eq(mon_cg_remove(&host, top), -1);
	ck_assert_int_eq(mon_cg_remove(&host, node), -1);
	ck_assert(errno == EBUSY || errno == ENOTEMPTY);
	ck_assert(mon_cg_exists(&host, node));
	ck_assert_int_eq(mon_cg_kill_all(&cg, 0, 2000), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* a process that is gone cannot be attached */
	ck_assert_int_eq(mon_cg_attach(&cg, pid), -1);
	ck_assert_int_eq(errno, ESRCH);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("test_cgroup");
	TCase *tc;
	int rc;

	snprintf(top, sizeof top, "flowcanary-test%d", (int)getpid());
	snprintf(node, sizeof node, "%s/n1", top);
	/* orphans of a failed test come back here to be reaped */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	tc = tcase_create("detect");
	tcase_add_test(tc, detect_this_host);
	tcase_add_test(tc, detect_fixtures);
	suite_add_tcase(s, tc);

	tc = tcase_create("cgroup");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_unchecked_fixture(tc, NULL, runner_sweep);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, create_sets_limits);
	tcase_add_test(tc, bad_paths_refused);
	tcase_add_test(tc, oom_kill_at_the_limit);
	tcase_add_test(tc, cpu_held_to_half_a_core);
	tcase_add_test(tc, kill_all_escalates);
	tcase_add_test(tc, attach_and_busy_removal);
	suite_add_tcase(s, tc);

	rc = fc_run_suite(s);
	return rc != 0 || sweep_failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
