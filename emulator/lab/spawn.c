/*
 * spawn.c - fork and exec into a node.
 *
 * The controller runs a GLib main loop, so between fork and exec the
 * child may only call async-signal-safe functions: everything it needs
 * (paths, argv, environment) is prepared before the fork.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "spawn.h"

extern char **environ;

/* Returns a new environment: ours plus d->env (g_strfreev). */
static char **
child_env(const struct lab_daemon *d)
{
	char **env = g_get_environ();
	for (char **e = d->env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (eq == NULL)
			continue;
		char *key = g_strndup(*e, (gsize)(eq - *e));
		env = g_environ_setenv(env, key, eq + 1, TRUE);
		g_free(key);
	}
	return env;
}

/* In the child: writes "flowcanary: WHAT: errno N" for the node's log and exits. */
static void G_GNUC_NORETURN
child_fail(const char *what)
{
	/* strerror may take locale locks; the number is async-signal-safe. */
	char num[16];
	int e = errno, i = (int)sizeof num;
	num[--i] = '\n';
	do
		num[--i] = (char)('0' + e % 10);
	while ((e /= 10) > 0 && i > 0);
	ssize_t r = write(STDERR_FILENO, "flowcanary: ", 12);
	r = write(STDERR_FILENO, what, strlen(what));
	r = write(STDERR_FILENO, ": errno ", 8);
	r = write(STDERR_FILENO, num + i, sizeof num - (size_t)i);
	(void)r;
	_exit(127);
}

pid_t
lab_spawn(const struct lab_daemon *d, const struct mon_cgroup *cg,
    int netns_fd, const char *log_path, char *err, size_t cap)
{
	if (d == NULL || d->argv == NULL || d->argv[0] == NULL || cg == NULL) {
		snprintf(err, cap, "nothing to start");
		return -1;
	}
	char procs[3][320];
	size_t nprocs = mon_cg_procs_paths(cg, procs, 3);
	int logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0) {
		snprintf(err, cap, "cannot open %s: %s", log_path, g_strerror(errno));
		return -1;
	}
	char **env = child_env(d);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, cap, "fork: %s", g_strerror(errno));
		close(logfd);
		g_strfreev(env);
		return -1;
	}
	if (pid == 0) {
		/*
		 * Until it is in its cgroup nothing would find this child if
		 * the controller died now (lab down kills by cgroup): so die
		 * with the controller until then.
		 */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		dup2(logfd, STDOUT_FILENO);
		dup2(logfd, STDERR_FILENO);
		for (size_t i = 0; i < nprocs; i++) {
			int fd = open(procs[i], O_WRONLY | O_CLOEXEC);
			/* "0" is the writer itself, in v1 and v2 alike. */
			if (fd < 0 || write(fd, "0", 1) != 1)
				child_fail("cannot join the node's cgroup");
			close(fd);
		}
		/* A node outlives its controller: lab down is what ends it. */
		prctl(PR_SET_PDEATHSIG, 0);
		if (setns(netns_fd, CLONE_NEWNET) != 0)
			child_fail("cannot enter the node's network namespace");
		setsid();
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		/* The daemon gets stdin, stdout and stderr, nothing of ours. */
		close_range(3, ~0U, 0);
		sigset_t all;
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		execve(d->argv[0], d->argv, env);
		child_fail(d->argv[0]);
	}
	close(logfd);
	g_strfreev(env);
	return pid;
}
