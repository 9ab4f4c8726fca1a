/*
 * up.c - lab_up: check, build, fork the controller, wait until ready.
 *
 * The controller is a fork of this process rather than a thread so that
 * it outlives `flowcanary lab up`, and rather than a new exec so that it
 * inherits the built lab without a second parse.  It reports on a pipe;
 * this side relays the lines and removes the lab again if the controller
 * reports an error, dies, or stays silent past the deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns.h"
#include "run.h"
#include "state.h"

/* Returns 0, or -1 with err if something forbids making the lab. */
static int
preflight(struct lab_run *run, struct lab_error *err)
{
	const struct lab_topology *t = run->t;
	if (geteuid() != 0)
		return lab_error_at(err, LAB_E_ENV, "", 0, 0, "lab up needs root "
		    "(network namespaces and cgroups); run it with sudo");
	for (size_t i = 0; i < t->n_nodes; i++)
		if (lab_kind_available(t->nodes[i].kind, run->o->vrouter_bin, err) != 0)
			return -1;
	char why[300];
	if (mon_cg_detect(&run->host, NULL, why, sizeof why) != 0)
		return lab_error_at(err, LAB_E_ENV, "", 0, 0, "%s", why);
	char *ns = lab_ctl_netns(t->name);
	char *path = g_strdup_printf(LAB_NETNS_DIR "/%s", ns);
	bool taken = g_file_test(path, G_FILE_TEST_EXISTS);
	g_free(path);
	g_free(ns);
	if (taken)
		return lab_error_at(err, LAB_E_EXISTS, "", 0, 0, "the namespaces of "
		    "a lab named %s exist; run `flowcanary lab down %s` first",
		    t->name, t->name);
	return 0;
}

/* Returns 0, or -1 with err: creates the state directory, which claims the name. */
static int
claim_state_dir(struct lab_run *run, struct lab_error *err)
{
	const struct lab_topology *t = run->t;
	if (g_mkdir_with_parents(LAB_RUN_DIR, 0755) != 0)
		return lab_error_at(err, LAB_E_IO, "", 0, 0, "cannot create "
		    LAB_RUN_DIR ": %s", g_strerror(errno));
	run->state_dir = lab_state_dir(t->name);
	if (mkdir(run->state_dir, 0755) != 0) {
		if (errno == EEXIST)
			return lab_error_at(err, LAB_E_EXISTS, "", 0, 0, "lab %s is "
			    "already up (%s exists); run `flowcanary lab down %s` "
			    "first", t->name, run->state_dir, t->name);
		return lab_error_at(err, LAB_E_IO, "", 0, 0, "cannot create %s: %s",
		    run->state_dir, g_strerror(errno));
	}
	char *text = NULL;
	gsize len = 0;
	GError *ge = NULL;
	int rc = 0;
	char *copy = g_build_filename(run->state_dir, LAB_F_TOPOLOGY, NULL);
	char *pidf = g_build_filename(run->state_dir, LAB_F_UP_PID, NULL);
	if (!g_file_get_contents(t->path, &text, &len, &ge) ||
	    lab_write_atomic(copy, text, len) != 0 ||
	    lab_write_pid(pidf, getpid()) != 0)
		rc = lab_error_at(err, LAB_E_IO, "", 0, 0, "cannot record the lab "
		    "in %s: %s", run->state_dir, ge ? ge->message : g_strerror(errno));
	g_clear_error(&ge);
	g_free(text);
	g_free(copy);
	g_free(pidf);
	return rc;
}

/*
 * In the forked child: becomes the controller. Never returns.  It waits
 * for the parent's go (sent once controller.pid names it, so that lab
 * down can always find it); EOF instead means lab up died first, and the
 * child leaves without having started anything.
 */
static void G_GNUC_NORETURN
become_controller(struct lab_run *run, int report_fd, int go_fd)
{
	char go;
	ssize_t n;
	do
		n = read(go_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(4);
	close(go_fd);
	setsid();
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	char *log = g_build_filename(run->state_dir, LAB_F_CONTROLLER_LOG, NULL);
	int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	g_free(log);
	/* Never the caller's terminal or pipe: it would wait for our EOF. */
	if (logfd < 0)
		logfd = devnull;
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	if (logfd >= 0) {
		dup2(logfd, STDOUT_FILENO);
		dup2(logfd, STDERR_FILENO);
	}
	/* Keep only stdio and the report pipe, as fd 3. */
	if (dup2(report_fd, 3) != 3)
		_exit(4);
	close_range(4, ~0U, 0);
	_exit(lab_controller_run(run, 3));
}

/* Set by SIGINT, SIGTERM and SIGHUP while lab up waits. */
static volatile sig_atomic_t interrupted;

static void
on_interrupt(int sig)
{
	interrupted = sig;
}

/* Returns 0 when the controller said "ready", else -1 with err. */
static int
await_ready(struct lab_run *run, int fd, pid_t child, struct lab_error *err)
{
	double timeout = run->o->timeout_s > 0 ? run->o->timeout_s : 60;
	/* The controller keeps its own deadline; this one is for a hung one. */
	gint64 deadline = g_get_monotonic_time() + (gint64)((timeout + 10) * 1e6);
	GString *buf = g_string_new(NULL);
	int rc = -1;
	bool done = false;
	while (!done) {
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		if (left <= 0) {
			lab_error_at(err, LAB_E_ENV, "", 0, 0, "the controller said "
			    "nothing for %.0f s", timeout + 10);
			break;
		}
		if (interrupted) {
			lab_error_at(err, LAB_E_ENV, "", 0, 0, "interrupted by %s; "
			    "removing what was made", g_strsignal(interrupted));
			break;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, (int)MIN(left, 1000));
		if (pr < 0 && errno != EINTR) {
			lab_error_at(err, LAB_E_IO, "", 0, 0, "poll: %s", g_strerror(errno));
			break;
		}
		if (pr <= 0)
			continue;
		char chunk[1024];
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int st = 0;
			pid_t w = waitpid(child, &st, WNOHANG);
			lab_error_at(err, LAB_E_ENV, "", 0, 0, "the controller %s "
			    "before the lab was up; see %s/" LAB_F_CONTROLLER_LOG,
			    w == child && WIFSIGNALED(st) ? "was killed" : "exited",
			    run->state_dir);
			break;
		}
		g_string_append_len(buf, chunk, n);
		char *nl;
		while ((nl = memchr(buf->str, '\n', buf->len)) != NULL) {
			*nl = '\0';
			if (strcmp(buf->str, "ready") == 0) {
				rc = 0;
				done = true;
			} else if (g_str_has_prefix(buf->str, "error: ")) {
				lab_error_at(err, LAB_E_ENV, "", 0, 0, "%s", buf->str + 7);
				done = true;
			} else if (run->o->progress) {
				run->o->progress(buf->str, run->o->ud);
			}
			g_string_erase(buf, 0, nl - buf->str + 1);
			if (done)
				break;
		}
	}
	g_string_free(buf, TRUE);
	return rc;
}

int
lab_up(const struct lab_topology *t, const struct lab_up_options *o,
    struct lab_error *err)
{
	if (t == NULL || o == NULL)
		return lab_error_at(err, LAB_E_VALUE, "", 0, 0, "lab_up: no topology");
	struct lab_run run = { .t = t, .o = o };
	int rc = preflight(&run, err);
	if (rc != 0)
		return rc;
	if (claim_state_dir(&run, err) != 0) {
		bool ours = err->code != LAB_E_EXISTS;
		if (ours) {
			struct lab_down_report rep;
			lab_down(t->name, &rep, NULL);
		}
		g_free(run.state_dir);
		return -1;
	}
	/* From here on an interrupted lab up removes what it made. */
	struct sigaction sa = { .sa_handler = on_interrupt }, old_sa[3];
	const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	interrupted = 0;
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old_sa[i]);
	if (o->progress)
		o->progress("making namespaces, links and cgroups", o->ud);
	rc = lab_build(&run, err);
	if (rc == 0 && interrupted)
		rc = lab_error_at(err, LAB_E_ENV, "", 0, 0, "interrupted by %s",
		    g_strsignal(interrupted));
	int pipefd[2] = { -1, -1 }, gofd[2] = { -1, -1 };
	pid_t child = -1;
	if (rc == 0 && (pipe2(pipefd, O_CLOEXEC) != 0 || pipe2(gofd, O_CLOEXEC) != 0))
		rc = lab_error_at(err, LAB_E_IO, "", 0, 0, "pipe: %s", g_strerror(errno));
	if (rc == 0) {
		fflush(NULL);
		child = fork();
		if (child < 0)
			rc = lab_error_at(err, LAB_E_ENV, "", 0, 0, "fork: %s",
			    g_strerror(errno));
		else if (child == 0) {
			for (int i = 0; i < 3; i++)
				sigaction(sigs[i], &old_sa[i], NULL);
			close(pipefd[0]);
			close(gofd[1]);
			become_controller(&run, pipefd[1], gofd[0]);
		}
	}
	if (rc == 0) {
		close(pipefd[1]);
		close(gofd[0]);
		pipefd[1] = gofd[0] = -1;
		char *pidf = g_build_filename(run.state_dir, LAB_F_CONTROLLER_PID, NULL);
		if (lab_write_pid(pidf, child) != 0 || write(gofd[1], "g", 1) != 1) {
			rc = lab_error_at(err, LAB_E_IO, "", 0, 0, "cannot start the "
			    "controller: %s", g_strerror(errno));
			kill(child, SIGKILL);
		}
		g_free(pidf);
	}
	if (rc == 0)
		rc = await_ready(&run, pipefd[0], child, err);
	for (int i = 0; i < 2; i++) {
		if (pipefd[i] >= 0)
			close(pipefd[i]);
		if (gofd[i] >= 0)
			close(gofd[i]);
	}
	if (rc != 0) {
		struct lab_down_report rep;
		struct lab_error derr;
		if (lab_down(t->name, &rep, &derr) != 0 && o->progress) {
			char msg[700];
			lab_error_format(&derr, msg, sizeof msg);
			o->progress(msg, o->ud);
		}
		if (child > 0)
			waitpid(child, NULL, 0);
	} else {
		char *pidf = g_build_filename(run.state_dir, LAB_F_UP_PID, NULL);
		unlink(pidf);
		g_free(pidf);
	}
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old_sa[i], NULL);
	if (run.daemons)
		for (size_t i = 0; i < t->n_nodes; i++)
			lab_daemon_clear(&run.daemons[i]);
	g_free(run.daemons);
	g_free(run.state_dir);
	return rc;
}
