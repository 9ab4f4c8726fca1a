/*
 * controller.c - the lab's controller process: starts every node, holds
 * a BGP session to each peered node, samples RAM and CPU, and says
 * "ready" to the waiting `lab up` once every daemon runs and every
 * session is Established.
 *
 * It runs inside the lab's controller namespace, so its sessions, like
 * all lab traffic, never touch the host's network.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bgp/wire.h"
#include "controller.h"
#include "lab.h"
#include "netns.h"
#include "spawn.h"
#include "state.h"

/* Writes one line to the waiting `lab up` (if it still waits). */
static void report(struct ctl *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
report(struct ctl *c, const char *fmt, ...)
{
	if (c->report_fd < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *line = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	char *out = g_strconcat(line, "\n", NULL);
	size_t len = strlen(out), off = 0;
	while (off < len) {
		ssize_t w = write(c->report_fd, out + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;	/* lab up is gone; the lab goes on */
		off += (size_t)w;
	}
	g_free(out);
	g_free(line);
}

/* Ends the report: "ready", or "error: why". */
static void
report_end(struct ctl *c, const char *error)
{
	if (c->report_fd < 0)
		return;
	/* status.json says ready, with a fresh sample, before lab up returns. */
	c->ready = error == NULL;
	if (c->nodes)
		ctl_sample(c);
	if (error)
		report(c, "error: %s", error);
	else
		report(c, "ready");
	close(c->report_fd);
	c->report_fd = -1;
	if (c->report_watch) {
		g_source_remove(c->report_watch);
		c->report_watch = 0;
	}
	if (c->deadline) {
		g_source_remove(c->deadline);
		c->deadline = 0;
	}
	if (error) {
		c->exit = 4;
		g_main_loop_quit(c->loop);
	}
}

/* Returns the last line of the node's daemon log, for error messages (g_free). */
static char *
log_tail(const struct ctl_node *nd)
{
	char *path = g_build_filename(nd->dir, "daemon.log", NULL);
	char *text = NULL;
	gsize len = 0;
	char *tail = NULL;
	if (g_file_get_contents(path, &text, &len, NULL)) {
		g_strchomp(text);
		char *nl = strrchr(text, '\n');
		tail = g_strdup(nl ? nl + 1 : text);
	}
	g_free(text);
	g_free(path);
	return tail ? tail : g_strdup("");
}

/*
 * A node without a session has nothing to prove it came up but staying
 * up: a program that fails on its configuration exits within this.
 */
#define SETTLE_US (300 * 1000)

/* Says ready once every node runs and every session is Established. */
static void
check_ready(struct ctl *c)
{
	if (c->report_fd < 0)
		return;
	gint64 now = g_get_monotonic_time();
	for (size_t i = 0; i < c->t->n_nodes; i++) {
		const struct ctl_node *nd = &c->nodes[i];
		bool peered = nd->n->controller_peer;
		if (nd->state != CTL_NODE_RUNNING || (peered && !nd->session_up) ||
		    (!peered && now - nd->started < SETTLE_US))
			return;
	}
	report_end(c, NULL);
}

struct exit_info {
	int code, signal;
	bool oom;
};

static void
exit_members(void *builder, const void *arg)
{
	JsonBuilder *b = builder;
	const struct exit_info *x = arg;
	if (x->signal) {
		json_builder_set_member_name(b, "signal");
		json_builder_add_string_value(b, g_strsignal(x->signal));
		json_builder_set_member_name(b, "signo");
		json_builder_add_int_value(b, x->signal);
		json_builder_set_member_name(b, "oom_killed");
		json_builder_add_boolean_value(b, x->oom);
	} else {
		json_builder_set_member_name(b, "status");
		json_builder_add_int_value(b, x->code);
	}
}

/* A node's daemon ended: record how, and fail `lab up` if it still waits. */
static void
on_child_exit(GPid pid, gint status, gpointer data)
{
	struct ctl_node *nd = data;
	struct ctl *c = nd->c;
	nd->watch = 0;
	struct exit_info x = { 0 };
	if (WIFSIGNALED(status)) {
		x.signal = WTERMSIG(status);
		struct mon_cg_sample s;
		/* The cgroup's own counter tells an OOM kill from any SIGKILL. */
		bool read = nd->cg_ok && mon_cg_read(&nd->cg, &s) == 0;
		x.oom = x.signal == SIGKILL && read && s.oom_kills > nd->oom_base;
		if (x.oom)
			nd->oom_base = s.oom_kills;
		/* The status written below shows the kill, not the last tick. */
		if (read)
			nd->last = s;
		nd->state = x.oom ? CTL_NODE_OOM_KILLED : CTL_NODE_KILLED;
		nd->signal = x.signal;
	} else {
		x.code = WEXITSTATUS(status);
		nd->state = CTL_NODE_EXITED;
		nd->exit_code = x.code;
	}
	g_spawn_close_pid(pid);
	if (c->stopping)
		return;
	ctl_event(c, nd, x.oom ? "oom-killed" : x.signal ? "killed" : "exited",
	    exit_members, &x);
	ctl_write_status(c);
	if (c->report_fd >= 0) {
		char *tail = log_tail(nd);
		char *why = x.signal ? g_strdup_printf("was killed by %s", g_strsignal(x.signal))
		    : g_strdup_printf("exited with status %d", x.code);
		char *msg = g_strdup_printf("node %s: %s %s before the lab was up%s%s",
		    nd->n->name, nd->n->kind == LAB_KIND_LINUX ? "its program" :
		    lab_kind_name(nd->n->kind), why, tail[0] ? "; its log ends: " : "",
		    tail);
		report_end(c, msg);
		g_free(msg);
		g_free(why);
		g_free(tail);
	}
}

static void
session_members(void *builder, const void *arg)
{
	JsonBuilder *b = builder;
	json_builder_set_member_name(b, "peer");
	json_builder_add_string_value(b, bgp_session_peer_name(arg));
}

/* The session's peer, and why it went down. */
struct lost {
	const struct bgp_session *s;
	const struct bgp_down *d;
};

static void
lost_members(void *builder, const void *arg)
{
	JsonBuilder *b = builder;
	const struct lost *l = arg;
	session_members(b, l->s);
	json_builder_set_member_name(b, "reason");
	json_builder_add_string_value(b, l->d->reason ? l->d->reason : "");
}

static void
on_session_state(struct bgp_session *s, enum bgp_state from, enum bgp_state to,
    void *ud)
{
	struct ctl_node *nd = ud;
	if (to != BGP_ESTABLISHED)
		return;
	nd->session_up = true;
	ctl_event(nd->c, nd, "session-up", session_members, s);
	ctl_write_status(nd->c);
	report(nd->c, "node %s: BGP session Established with %s (AS %u)",
	    nd->n->name, bgp_session_peer_name(s), nd->n->asn);
	check_ready(nd->c);
}

static void
on_session_down(struct bgp_session *s, const struct bgp_down *d, void *ud)
{
	struct ctl_node *nd = ud;
	if (!d->was_established || nd->c->stopping)
		return;
	nd->session_up = false;
	struct lost l = { s, d };
	ctl_event(nd->c, nd, "session-lost", lost_members, &l);
	ctl_write_status(nd->c);
}

static void
on_update(struct bgp_session *s, const struct bgp_update *u, void *ud)
{
	/* Nodes export nothing to the controller; an UPDATE is just ignored. */
}

static const struct bgp_session_events session_events = {
	.state = on_session_state,
	.update = on_update,
	.down = on_session_down,
};

/* Returns a started session to node `nd`, or NULL with a report. */
static struct bgp_session *
open_session(struct ctl *c, struct ctl_node *nd)
{
	struct bgp_session_config cfg = {
		.local_as = c->t->controller_asn,
		.peer_as = nd->n->asn,
		.hold_time = 30,
		.hold_time_set = true,
		.families = BGP_FAM_BIT(FS_IPV4) | BGP_FAM_BIT(FS_IPV6),
		/*
		 * The daemons start in the same second, on the same host: retry
		 * fast and cap low, or the last daemon to listen waits out a
		 * long backoff (50 FRR nodes: 3.9 s with a 2 s cap, 1.5 s with 0.5 s).
		 */
		.retry_initial_ms = 100,
		.retry_max_ms = 500,
	};
	struct sockaddr_in *peer = (struct sockaddr_in *)&cfg.peer;
	peer->sin_family = AF_INET;
	peer->sin_port = htons(BGP_PORT);
	peer->sin_addr.s_addr = htonl(nd->n->ctl_ip.addr);
	cfg.peer_len = sizeof *peer;
	struct sockaddr_in *local = (struct sockaddr_in *)&cfg.local;
	local->sin_family = AF_INET;
	local->sin_addr.s_addr = htonl(nd->n->ctl_peer_ip.addr);
	cfg.local_len = sizeof *local;
	struct bgp_session *s = bgp_session_new(&cfg, &session_events, nd);
	if (s == NULL) {
		char *msg = g_strdup_printf("node %s: cannot make a BGP session: %s",
		    nd->n->name, g_strerror(errno));
		report_end(c, msg);
		g_free(msg);
		return NULL;
	}
	bgp_session_start(s);
	return s;
}

/* Returns 0, or -1 after reporting: starts node `nd`'s daemon. */
static int
start_node(struct ctl *c, struct ctl_node *nd)
{
	const struct lab_daemon *d = &c->run->daemons[nd->i];
	char *rel = lab_cgroup_node(c->t->name, nd->n->name);
	g_strlcpy(nd->cg.rel, rel, sizeof nd->cg.rel);
	g_free(rel);
	nd->cg.host = &c->run->host;
	nd->cg_ok = true;
	mon_cg_read(&nd->cg, &nd->last);
	nd->oom_base = nd->oom_prev = nd->last.oom_kills;

	char *nsname = lab_node_netns(c->t->name, nd->n->name);
	char *nspath = g_strdup_printf(LAB_NETNS_DIR "/%s", nsname);
	int fd = open(nspath, O_RDONLY | O_CLOEXEC);
	char *log = g_build_filename(nd->dir, "daemon.log", NULL);
	char err[400] = "";
	pid_t pid = -1;
	if (fd < 0)
		snprintf(err, sizeof err, "cannot open %s: %s", nspath, g_strerror(errno));
	else
		pid = lab_spawn(d, &nd->cg, fd, log, err, sizeof err);
	if (fd >= 0)
		close(fd);
	g_free(log);
	g_free(nspath);
	g_free(nsname);
	if (pid < 0) {
		nd->state = CTL_NODE_FAILED;
		char *msg = g_strdup_printf("node %s: %s", nd->n->name, err);
		report_end(c, msg);
		g_free(msg);
		return -1;
	}
	nd->pid = pid;
	nd->started = g_get_monotonic_time();
	nd->state = CTL_NODE_RUNNING;
	char *pidf = g_build_filename(nd->dir, LAB_F_NODE_PID, NULL);
	lab_write_pid(pidf, pid);
	g_free(pidf);
	nd->watch = g_child_watch_add(pid, on_child_exit, nd);
	ctl_event(c, nd, "started", NULL, NULL);
	report(c, "node %s: %s running, pid %d", nd->n->name, d->argv[0], (int)pid);
	return 0;
}

/* Returns 0 or -1: opens the series file of every node. */
static int
open_series(struct ctl *c)
{
	for (size_t i = 0; i < c->t->n_nodes; i++) {
		struct ctl_node *nd = &c->nodes[i];
		char *path = g_build_filename(nd->dir, LAB_F_SERIES, NULL);
		nd->series = fopen(path, "we");
		g_free(path);
		if (nd->series == NULL)
			return -1;
		fputs("t,memory_usage,memory_peak,rss,cpu_pct,procs,session\n", nd->series);
	}
	return 0;
}

static gboolean
on_tick(gpointer data)
{
	ctl_sample(data);
	check_ready(data);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_deadline(gpointer data)
{
	struct ctl *c = data;
	c->deadline = 0;
	GString *why = g_string_new(NULL);
	for (size_t i = 0; i < c->t->n_nodes; i++) {
		const struct ctl_node *nd = &c->nodes[i];
		if (nd->s && !nd->session_up) {
			const char *e = bgp_session_last_error(nd->s);
			g_string_append_printf(why, "%s node %s: no BGP session "
			    "(%s%s%s);", why->len ? "" : "", nd->n->name,
			    bgp_state_name(bgp_session_state(nd->s)), e[0] ? ": " : "", e);
		}
	}
	if (why->len)
		g_string_truncate(why, why->len - 1);
	char *msg = g_strdup_printf("not up within %.0f s:%s", c->run->o->timeout_s > 0 ?
	    c->run->o->timeout_s : 60.0, why->str);
	report_end(c, msg);
	g_free(msg);
	g_string_free(why, TRUE);
	return G_SOURCE_REMOVE;
}

/*
 * The waiting lab up is gone (its end of the report pipe closed) before
 * the lab was ready: nobody will be told, nor roll back.  The lab is
 * removed here, so that an interrupted lab up never leaves a lab behind.
 */
static gboolean
on_report_gone(gint fd, GIOCondition cond, gpointer data)
{
	struct ctl *c = data;
	c->report_watch = 0;
	if (c->report_fd < 0)
		return G_SOURCE_REMOVE;
	close(c->report_fd);
	c->report_fd = -1;
	c->stopping = true;
	char *upf = g_build_filename(c->run->state_dir, LAB_F_UP_PID, NULL);
	bool rolling_back = lab_read_live_pid(upf) > 0;
	g_free(upf);
	/* A live lab up closed the pipe to roll back itself: leave it to it. */
	if (!rolling_back) {
		fprintf(stderr, "flowcanary: lab up went away before the lab was "
		    "up; removing the lab\n");
		struct lab_error err = { 0 };
		struct lab_down_report rep;
		if (lab_down(c->t->name, &rep, &err) != 0)
			fprintf(stderr, "flowcanary: %s\n", err.msg);
	}
	c->exit = 4;
	g_main_loop_quit(c->loop);
	return G_SOURCE_REMOVE;
}

static gboolean
on_quit(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

static gboolean
on_signal(gpointer data)
{
	struct ctl *c = data;
	if (c->stopping) {
		g_main_loop_quit(c->loop);
		return G_SOURCE_CONTINUE;
	}
	c->stopping = true;
	for (size_t i = 0; i < c->t->n_nodes; i++)
		if (c->nodes[i].s)
			bgp_session_stop(c->nodes[i].s, BGP_CEASE_ADMIN_SHUTDOWN,
			    "flowcanary lab down");
	/* Long enough for the Ceases to leave; lab down does not wait longer. */
	g_timeout_add(300, on_quit, c->loop);
	return G_SOURCE_CONTINUE;
}

/* Returns 0, or -1 with errno: enters the controller's namespace. */
static int
enter_ctl_netns(const struct lab_topology *t)
{
	char *ns = lab_ctl_netns(t->name);
	char *path = g_strdup_printf(LAB_NETNS_DIR "/%s", ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	g_free(path);
	g_free(ns);
	if (fd < 0)
		return -1;
	int rc = setns(fd, CLONE_NEWNET);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

int
lab_controller_run(struct lab_run *run, int report_fd)
{
	struct ctl c = { .run = run, .t = run->t, .report_fd = report_fd };
	signal(SIGPIPE, SIG_IGN);
	c.loop = g_main_loop_new(NULL, FALSE);
	c.t0 = g_get_monotonic_time();
	c.nodes = g_new0(struct ctl_node, c.t->n_nodes);
	for (size_t i = 0; i < c.t->n_nodes; i++) {
		struct ctl_node *nd = &c.nodes[i];
		nd->c = &c;
		nd->i = i;
		nd->n = &c.t->nodes[i];
		nd->dir = lab_node_dir(c.t->name, nd->n->name);
		struct mon_detect_config dc;
		mon_detect_config_init(&dc, nd->n->memory_limit, nd->n->memory_budget,
		    nd->n->cpu_millis);
		mon_detector_init(&nd->det, &dc);
	}
	if (enter_ctl_netns(c.t) != 0) {
		char *msg = g_strdup_printf("cannot enter the controller's namespace: %s",
		    g_strerror(errno));
		report_end(&c, msg);
		g_free(msg);
	}
	char *events = g_build_filename(run->state_dir, LAB_F_EVENTS, NULL);
	c.events = fopen(events, "ae");
	g_free(events);
	if (c.report_fd >= 0 && (c.events == NULL || open_series(&c) != 0)) {
		char *msg = g_strdup_printf("cannot write in %s: %s", run->state_dir,
		    g_strerror(errno));
		report_end(&c, msg);
		g_free(msg);
	}
	g_unix_signal_add(SIGTERM, on_signal, &c);
	g_unix_signal_add(SIGINT, on_signal, &c);
	if (c.report_fd >= 0)
		c.report_watch = g_unix_fd_add(c.report_fd, G_IO_ERR | G_IO_HUP,
		    on_report_gone, &c);
	for (size_t i = 0; i < c.t->n_nodes && c.report_fd >= 0; i++)
		start_node(&c, &c.nodes[i]);
	for (size_t i = 0; i < c.t->n_nodes && c.report_fd >= 0; i++)
		if (c.t->nodes[i].controller_peer)
			c.nodes[i].s = open_session(&c, &c.nodes[i]);
	if (c.report_fd >= 0) {
		unsigned ms = run->o->interval_ms ? run->o->interval_ms : 100;
		c.tick = g_timeout_add(ms, on_tick, &c);
		double to = run->o->timeout_s > 0 ? run->o->timeout_s : 60;
		c.deadline = g_timeout_add((guint)(to * 1000), on_deadline, &c);
		ctl_sample(&c);
		check_ready(&c);
		g_main_loop_run(c.loop);
	}
	c.stopping = true;
	for (size_t i = 0; i < c.t->n_nodes; i++) {
		struct ctl_node *nd = &c.nodes[i];
		if (nd->s)
			bgp_session_free(nd->s);
		if (nd->watch)
			g_source_remove(nd->watch);
		if (nd->series)
			fclose(nd->series);
		g_free(nd->dir);
	}
	if (c.events)
		fclose(c.events);
	if (c.tick)
		g_source_remove(c.tick);
	if (c.report_watch)
		g_source_remove(c.report_watch);
	if (c.report_fd >= 0)
		close(c.report_fd);
	g_free(c.nodes);
	g_main_loop_unref(c.loop);
	return c.exit;
}
