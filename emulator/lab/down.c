/*
 * down.c - lab_down: remove everything of a lab, found by its name.
 *
 * Order matters: first the processes that could make more (the `lab up`
 * still waiting, the controller), then every process of every node (by
 * cgroup, and by namespace for anything that escaped its cgroup), then
 * the namespaces, which takes every link with them, then the cgroups, and
 * the state directory last, so that a `lab down` interrupted half way can
 * simply be run again.
 */
#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"
#include "monitor/cgroup.h"
#include "monitor/proc_rss.h"
#include "netns.h"
#include "state.h"

/*
 * Returns true if `pid` is gone (or a zombie: dead, and only waiting for
 * a parent that may be slow to reap) within `ms` milliseconds.
 */
static bool
wait_gone(pid_t pid, unsigned ms)
{
	for (unsigned waited = 0; waited <= ms; waited += 10) {
		struct mon_proc_stat st;
		if (kill(pid, 0) != 0 && errno == ESRCH)
			return true;
		if (mon_proc_stat(pid, &st) == 0 && (st.state == 'Z' || st.state == 'X'))
			return true;
		/* Our own child (a rollback) must be reaped to be gone. */
		waitpid(pid, NULL, WNOHANG);
		g_usleep(10000);
	}
	return false;
}

/* Returns 1 if it stopped the flowcanary process named in pid file `file`. */
static unsigned
stop_pid_file(const char *dir, const char *file)
{
	char *path = g_build_filename(dir, file, NULL);
	pid_t pid = lab_read_live_pid(path);
	g_free(path);
	if (pid <= 0 || pid == getpid())
		return 0;
	/* SIGTERM lets the controller close its sessions with a Cease. */
	kill(pid, SIGTERM);
	if (!wait_gone(pid, 1500)) {
		kill(pid, SIGKILL);
		wait_gone(pid, 1000);
	}
	return 1;
}

/* Returns how many processes of node cgroup `node` it sent `sig`. */
static unsigned
signal_cgroup(const struct mon_cg_host *host, const char *lab, const char *node,
    int sig)
{
	struct mon_cgroup cg = { .host = host };
	char *rel = lab_cgroup_node(lab, node);
	g_strlcpy(cg.rel, rel, sizeof cg.rel);
	g_free(rel);
	pid_t pids[1024];
	long n = mon_cg_pids(&cg, pids, G_N_ELEMENTS(pids));
	unsigned sent = 0;
	for (long i = 0; i < MIN(n, (long)G_N_ELEMENTS(pids)); i++)
		if (kill(pids[i], sig) == 0)
			sent++;
	return sent;
}

/* Returns the names of the lab's node cgroups (children of flowcanary/NAME). */
static GPtrArray *
node_cgroups(const struct mon_cg_host *host, const char *lab)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *roots[] = { host->memory_root, host->cpu_root, host->cpuacct_root };
	for (size_t r = 0; r < 3; r++) {
		if (roots[r][0] == '\0')
			continue;
		char *dir = g_strdup_printf("%s/" LAB_CGROUP_TOP "/%s", roots[r], lab);
		DIR *d = opendir(dir);
		g_free(dir);
		if (d == NULL)
			continue;
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_type != DT_DIR || e->d_name[0] == '.')
				continue;
			bool seen = false;
			for (guint i = 0; i < names->len && !seen; i++)
				seen = strcmp(names->pdata[i], e->d_name) == 0;
			if (!seen)
				g_ptr_array_add(names, g_strdup(e->d_name));
		}
		closedir(d);
	}
	return names;
}

/* Returns true if any lab still has a cgroup under flowcanary/. */
static bool
other_labs(const struct mon_cg_host *host)
{
	const char *roots[] = { host->memory_root, host->cpu_root, host->cpuacct_root };
	for (size_t r = 0; r < 3; r++) {
		if (roots[r][0] == '\0')
			continue;
		char *dir = g_strdup_printf("%s/" LAB_CGROUP_TOP, roots[r]);
		DIR *d = opendir(dir);
		g_free(dir);
		struct dirent *e;
		bool any = false;
		while (d && !any && (e = readdir(d)) != NULL)
			any = e->d_type == DT_DIR && e->d_name[0] != '.';
		if (d)
			closedir(d);
		if (any)
			return true;
	}
	return false;
}

/* Returns how many processes whose network namespace is in inodes[] it killed. */
static unsigned
kill_in_namespaces(const uint64_t *inodes, size_t n)
{
	if (n == 0)
		return 0;
	unsigned killed = 0;
	DIR *d = opendir("/proc");
	if (d == NULL)
		return 0;
	GArray *victims = g_array_new(FALSE, FALSE, sizeof(pid_t));
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long v = strtol(e->d_name, &end, 10);
		if (*end != '\0' || v <= 1 || (pid_t)v == getpid())
			continue;
		uint64_t ino = lab_pid_netns_inode((pid_t)v);
		for (size_t i = 0; i < n; i++)
			if (ino != 0 && ino == inodes[i]) {
				pid_t p = (pid_t)v;
				g_array_append_val(victims, p);
				break;
			}
	}
	closedir(d);
	for (guint i = 0; i < victims->len; i++)
		if (kill(g_array_index(victims, pid_t, i), SIGKILL) == 0)
			killed++;
	for (guint i = 0; i < victims->len; i++)
		wait_gone(g_array_index(victims, pid_t, i), 1000);
	g_array_free(victims, TRUE);
	return killed;
}

/* Returns the lab's namespace names: fc.NAME and fc.NAME.* */
static GPtrArray *
lab_namespaces(const char *lab, struct lab_error *err)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	char *prefix = lab_netns_prefix(lab);
	lab_netns_list(prefix, names, err);
	g_free(prefix);
	char *ctl = lab_ctl_netns(lab);
	char *path = g_strdup_printf(LAB_NETNS_DIR "/%s", ctl);
	if (g_file_test(path, G_FILE_TEST_EXISTS))
		g_ptr_array_add(names, ctl);
	else
		g_free(ctl);
	g_free(path);
	return names;
}

/* Returns 0, or -1 after recording what could not be removed. */
static int
remove_tree(const char *path)
{
	GDir *d = g_dir_open(path, 0, NULL);
	int rc = 0;
	if (d != NULL) {
		const char *name;
		while ((name = g_dir_read_name(d)) != NULL) {
			char *p = g_build_filename(path, name, NULL);
			if (g_file_test(p, G_FILE_TEST_IS_DIR) &&
			    !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
				rc |= remove_tree(p);
			else if (g_unlink(p) != 0 && errno != ENOENT)
				rc = -1;
			g_free(p);
		}
		g_dir_close(d);
	}
	if (g_rmdir(path) != 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

int
lab_down(const char *name, struct lab_down_report *rep, struct lab_error *err)
{
	struct lab_down_report dummy;
	if (rep == NULL)
		rep = &dummy;
	memset(rep, 0, sizeof *rep);
	if (!lab_name_valid(name))
		return lab_error_at(err, LAB_E_VALUE, "", 0, 0, "\"%s\" is not a lab "
		    "name ([A-Za-z0-9_-], at most %d characters)", name ? name : "",
		    LAB_NAME_MAX);
	if (geteuid() != 0)
		return lab_error_at(err, LAB_E_ENV, "", 0, 0, "lab down needs root; "
		    "run it with sudo");
	GString *left = g_string_new(NULL);
	char *state = lab_state_dir(name);
	rep->processes += stop_pid_file(state, LAB_F_UP_PID);
	rep->processes += stop_pid_file(state, LAB_F_CONTROLLER_PID);

	struct mon_cg_host host;
	char why[300];
	bool have_cg = mon_cg_detect(&host, NULL, why, sizeof why) == 0;
	GPtrArray *cgs = have_cg ? node_cgroups(&host, name) : g_ptr_array_new();
	/* SIGTERM to every node first, so that they all wind down at once. */
	for (guint i = 0; i < cgs->len; i++)
		rep->processes += signal_cgroup(&host, name, cgs->pdata[i], SIGTERM);
	for (guint i = 0; i < cgs->len; i++) {
		struct mon_cgroup cg = { .host = &host };
		char *rel = lab_cgroup_node(name, cgs->pdata[i]);
		g_strlcpy(cg.rel, rel, sizeof cg.rel);
		if (mon_cg_kill_all(&cg, 300, 3000) != 0)
			g_string_append_printf(left, " processes in cgroup %s;", rel);
		g_free(rel);
	}

	GPtrArray *nss = lab_namespaces(name, err);
	uint64_t *inodes = g_new0(uint64_t, nss->len + 1);
	for (guint i = 0; i < nss->len; i++)
		inodes[i] = lab_netns_inode(nss->pdata[i]);
	rep->processes += kill_in_namespaces(inodes, nss->len);
	g_free(inodes);
	for (guint i = 0; i < nss->len; i++) {
		struct lab_error e = { 0 };
		int rc = lab_netns_remove(nss->pdata[i], &e);
		if (rc == 0)
			rep->namespaces++;
		else if (rc < 0)
			g_string_append_printf(left, " namespace %s (%s);",
			    (char *)nss->pdata[i], e.msg);
	}

	for (guint i = 0; i < cgs->len; i++) {
		char *rel = lab_cgroup_node(name, cgs->pdata[i]);
		int rc = mon_cg_remove(&host, rel);
		if (rc == 0)
			rep->cgroups++;
		else if (rc < 0)
			g_string_append_printf(left, " cgroup %s (%s);", rel,
			    g_strerror(errno));
		g_free(rel);
	}
	if (have_cg) {
		char *rel = lab_cgroup_lab(name);
		if (mon_cg_remove(&host, rel) < 0)
			g_string_append_printf(left, " cgroup %s (%s);", rel,
			    g_strerror(errno));
		g_free(rel);
		/* The shared parent goes with the last lab; busy while others run. */
		if (left->len == 0 && !other_labs(&host))
			mon_cg_remove(&host, LAB_CGROUP_TOP);
	}

	if (g_file_test(state, G_FILE_TEST_IS_DIR)) {
		if (left->len == 0 && remove_tree(state) != 0)
			g_string_append_printf(left, " %s;", state);
		else if (left->len == 0)
			rep->state_dir = true;
	}
	int rc = 0;
	if (left->len > 0) {
		rep->leftovers = true;
		g_string_truncate(left, left->len - 1);
		rc = lab_error_at(err, LAB_E_ENV, "", 0, 0, "lab %s: could not "
		    "remove:%s", name, left->str);
	}
	g_ptr_array_free(nss, TRUE);
	g_ptr_array_free(cgs, TRUE);
	g_string_free(left, TRUE);
	g_free(state);
	return rc;
}
