/*
 * record.c - what the controller writes down: the event stream
 * (events.jsonl), one time series per node (series.csv), and its latest
 * view of the lab (status.json, rewritten atomically each sample so that
 * `lab status` and `lab watch` never read half a file).
 */
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/types.h>

#include "controller.h"
#include "monitor/proc_rss.h"
#include "state.h"

#define MAX_PIDS 512

const char *
ctl_node_state_name(enum ctl_node_state s)
{
	switch (s) {
	case CTL_NODE_STARTING:		return "starting";
	case CTL_NODE_RUNNING:		return "running";
	case CTL_NODE_EXITED:		return "exited";
	case CTL_NODE_KILLED:		return "killed";
	case CTL_NODE_OOM_KILLED:	return "oom-killed";
	case CTL_NODE_FAILED:		return "failed";
	}
	return "unknown";
}

/* Returns wall-clock time in seconds, for records people line up with logs. */
static double
wall_now(void)
{
	return (double)g_get_real_time() / 1e6;
}

void
ctl_event(struct ctl *c, struct ctl_node *n, const char *event,
    void (*extra)(void *builder, const void *arg), const void *arg)
{
	if (c->events == NULL)
		return;
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "t");
	json_builder_add_double_value(b, wall_now());
	json_builder_set_member_name(b, "lab");
	json_builder_add_string_value(b, c->t->name);
	if (n) {
		json_builder_set_member_name(b, "node");
		json_builder_add_string_value(b, n->n->name);
	}
	json_builder_set_member_name(b, "event");
	json_builder_add_string_value(b, event);
	if (n) {
		json_builder_set_member_name(b, "memory_usage");
		json_builder_add_int_value(b, (gint64)n->last.memory_usage);
	}
	if (extra)
		extra(b, arg);
	json_builder_end_object(b);
	JsonNode *root = json_builder_get_root(b);
	char *line = json_to_string(root, FALSE);
	fprintf(c->events, "%s\n", line);
	fflush(c->events);
	g_free(line);
	json_node_unref(root);
	g_object_unref(b);
	if (n) {
		n->events++;
		g_strlcpy(n->last_event, event, sizeof n->last_event);
	}
}

static void
detector_members(void *builder, const void *arg)
{
	JsonBuilder *b = builder;
	const struct mon_event *e = arg;
	switch (e->kind) {
	case MON_EV_RUNAWAY:
		json_builder_set_member_name(b, "slope_bytes_per_s");
		json_builder_add_double_value(b, e->slope_bps);
		json_builder_set_member_name(b, "eta_s");
		json_builder_add_double_value(b, e->eta_s);
		break;
	case MON_EV_OOM_KILL:
		json_builder_set_member_name(b, "count");
		json_builder_add_int_value(b, (gint64)e->count);
		break;
	case MON_EV_CPU_SATURATED:
	case MON_EV_CPU_NORMAL:
		json_builder_set_member_name(b, "cpu_pct");
		json_builder_add_double_value(b, e->cpu_pct);
		break;
	default:
		break;
	}
}

/* Samples one node: counters, RSS, detectors, one series line. */
static void
sample_node(struct ctl *c, struct ctl_node *nd, double t)
{
	struct mon_cg_sample s;
	if (!nd->cg_ok || mon_cg_read(&nd->cg, &s) != 0)
		return;
	pid_t pids[MAX_PIDS];
	long np = mon_cg_pids(&nd->cg, pids, MAX_PIDS);
	nd->rss = np > 0 ? mon_procs_rss(pids, (size_t)MIN(np, MAX_PIDS)) : 0;
	struct mon_point p = {
		.t = t,
		.memory_usage = s.memory_usage,
		.oom_kills = s.oom_kills,
		.cpu_usage_ns = s.cpu_usage_ns,
	};
	struct mon_event ev[8];
	size_t k = mon_detector_feed(&nd->det, &p, ev, 8);
	nd->cpu_pct = nd->det.cpu_pct;
	nd->last = s;
	/*
	 * OOM kills counted a sample ago while the daemon still lives now
	 * were of its children: they must not make a later SIGKILL of the
	 * daemon look like one.  A sample's lag leaves the daemon's own kill
	 * time to end it first.
	 */
	struct mon_proc_stat ps;
	if (nd->state == CTL_NODE_RUNNING && mon_proc_stat(nd->pid, &ps) == 0 &&
	    ps.state != 'Z' && ps.state != 'X' && nd->oom_prev > nd->oom_base)
		nd->oom_base = nd->oom_prev;
	nd->oom_prev = s.oom_kills;
	for (size_t i = 0; i < k; i++)
		ctl_event(c, nd, mon_event_name(ev[i].kind), detector_members, &ev[i]);
	if (nd->series) {
		fprintf(nd->series, "%.3f,%llu,%llu,%llu,%.1f,%zu,%s\n", wall_now(),
		    (unsigned long long)s.memory_usage, (unsigned long long)s.memory_peak,
		    (unsigned long long)nd->rss, nd->cpu_pct, s.nprocs,
		    nd->s ? bgp_state_name(bgp_session_state(nd->s)) : "");
		fflush(nd->series);
	}
}

void
ctl_sample(struct ctl *c)
{
	double t = (double)(g_get_monotonic_time() - c->t0) / 1e6;
	for (size_t i = 0; i < c->t->n_nodes; i++)
		sample_node(c, &c->nodes[i], t);
	ctl_write_status(c);
}

/* Adds one node's object to the status. */
static void
node_status(JsonBuilder *b, const struct ctl_node *nd)
{
	const struct lab_node *n = nd->n;
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, n->name);
	json_builder_set_member_name(b, "kind");
	json_builder_add_string_value(b, lab_kind_name(n->kind));
	json_builder_set_member_name(b, "state");
	json_builder_add_string_value(b, ctl_node_state_name(nd->state));
	json_builder_set_member_name(b, "pid");
	json_builder_add_int_value(b, nd->pid);
	if (nd->state == CTL_NODE_EXITED) {
		json_builder_set_member_name(b, "exit_status");
		json_builder_add_int_value(b, nd->exit_code);
	} else if (nd->signal) {
		json_builder_set_member_name(b, "signal");
		json_builder_add_string_value(b, g_strsignal(nd->signal));
	}
	json_builder_set_member_name(b, "memory_usage");
	json_builder_add_int_value(b, (gint64)nd->last.memory_usage);
	json_builder_set_member_name(b, "memory_peak");
	json_builder_add_int_value(b, (gint64)nd->last.memory_peak);
	json_builder_set_member_name(b, "memory_limit");
	json_builder_add_int_value(b, (gint64)n->memory_limit);
	json_builder_set_member_name(b, "rss");
	json_builder_add_int_value(b, (gint64)nd->rss);
	json_builder_set_member_name(b, "cpu_pct");
	json_builder_add_double_value(b, nd->cpu_pct);
	json_builder_set_member_name(b, "cpu_limit_pct");
	json_builder_add_double_value(b, n->cpu_millis ? n->cpu_millis / 10.0 : 0);
	json_builder_set_member_name(b, "oom_kills");
	json_builder_add_int_value(b, (gint64)nd->last.oom_kills);
	json_builder_set_member_name(b, "session");
	if (nd->s)
		json_builder_add_string_value(b, bgp_state_name(bgp_session_state(nd->s)));
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "events");
	json_builder_add_int_value(b, (gint64)nd->events);
	json_builder_set_member_name(b, "last_event");
	if (nd->last_event[0])
		json_builder_add_string_value(b, nd->last_event);
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
}

void
ctl_write_status(struct ctl *c)
{
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "lab");
	json_builder_add_string_value(b, c->t->name);
	json_builder_set_member_name(b, "controller_pid");
	json_builder_add_int_value(b, getpid());
	json_builder_set_member_name(b, "updated");
	json_builder_add_double_value(b, wall_now());
	json_builder_set_member_name(b, "ready");
	json_builder_add_boolean_value(b, c->ready);
	json_builder_set_member_name(b, "nodes");
	json_builder_begin_array(b);
	for (size_t i = 0; i < c->t->n_nodes; i++)
		node_status(b, &c->nodes[i]);
	json_builder_end_array(b);
	json_builder_end_object(b);
	JsonNode *root = json_builder_get_root(b);
	gsize len = 0;
	JsonGenerator *g = json_generator_new();
	json_generator_set_root(g, root);
	char *text = json_generator_to_data(g, &len);
	char *path = g_build_filename(c->run->state_dir, LAB_F_STATUS, NULL);
	lab_write_atomic(path, text, len);
	g_free(path);
	g_free(text);
	g_object_unref(g);
	json_node_unref(root);
	g_object_unref(b);
}
