/*
 * lab_view.c - status table and live view of a lab.
 */
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lab/status.h"
#include "lab_view.h"

/* Writes a byte count as "12.3M" into buf. */
static void
human(char *buf, size_t cap, gint64 v)
{
	static const char units[] = "BKMGT";
	double d = (double)v;
	size_t u = 0;
	while (d >= 1024 && u + 1 < sizeof units - 1) {
		d /= 1024;
		u++;
	}
	if (v <= 0)
		snprintf(buf, cap, "-");
	else if (u == 0)
		snprintf(buf, cap, "%lldB", (long long)v);
	else
		snprintf(buf, cap, "%.1f%c", d, units[u]);
}

static const char *
str_member(JsonObject *o, const char *name, const char *dflt)
{
	if (!json_object_has_member(o, name) ||
	    JSON_NODE_TYPE(json_object_get_member(o, name)) != JSON_NODE_VALUE)
		return dflt;
	return json_object_get_string_member_with_default(o, name, dflt);
}

/* Appends one event as "HH:MM:SS node event". */
static void
event_line(GString *out, JsonObject *e)
{
	double t = json_object_get_double_member_with_default(e, "t", 0);
	GDateTime *dt = g_date_time_new_from_unix_local((gint64)t);
	char *when = dt ? g_date_time_format(dt, "%H:%M:%S") : g_strdup("?");
	g_string_append_printf(out, "  %s  %-15s %s", when,
	    str_member(e, "node", "-"), str_member(e, "event", "?"));
	if (json_object_has_member(e, "eta_s"))
		g_string_append_printf(out, " (limit in %.1f s)",
		    json_object_get_double_member(e, "eta_s"));
	if (json_object_has_member(e, "signal"))
		g_string_append_printf(out, " (%s)", str_member(e, "signal", ""));
	if (json_object_has_member(e, "reason"))
		g_string_append_printf(out, " (%s)", str_member(e, "reason", ""));
	g_string_append_c(out, '\n');
	g_free(when);
	if (dt)
		g_date_time_unref(dt);
}

void
fc_lab_table(GString *out, JsonNode *status, JsonNode *events)
{
	JsonObject *o = json_node_get_object(status);
	JsonArray *nodes = json_object_has_member(o, "nodes") ?
	    json_object_get_array_member(o, "nodes") : NULL;
	guint n = nodes ? json_array_get_length(nodes) : 0;
	bool ctl = json_object_get_boolean_member_with_default(o, "controller_running", FALSE);
	g_string_append_printf(out, "lab %s: %u node%s, controller %s%s\n",
	    str_member(o, "lab", "?"), n, n == 1 ? "" : "s", ctl ? "running" : "NOT RUNNING",
	    json_object_get_boolean_member_with_default(o, "ready", FALSE) ? ", ready" : "");
	g_string_append_printf(out, "%-15s %-7s %-10s %7s %15s %8s %8s %7s %-12s %s\n",
	    "NODE", "KIND", "STATE", "PID", "MEMORY/LIMIT", "PEAK", "RSS", "CPU",
	    "SESSION", "LAST EVENT");
	for (guint i = 0; i < n; i++) {
		JsonObject *nd = json_array_get_object_element(nodes, i);
		if (nd == NULL)
			continue;
		char use[24], lim[24], peak[24], rss[24], mem[56], cpu[24];
		human(use, sizeof use, json_object_get_int_member_with_default(nd, "memory_usage", 0));
		human(lim, sizeof lim, json_object_get_int_member_with_default(nd, "memory_limit", 0));
		human(peak, sizeof peak, json_object_get_int_member_with_default(nd, "memory_peak", 0));
		human(rss, sizeof rss, json_object_get_int_member_with_default(nd, "rss", 0));
		snprintf(mem, sizeof mem, "%s/%s", use, lim);
		snprintf(cpu, sizeof cpu, "%.1f%%",
		    json_object_get_double_member_with_default(nd, "cpu_pct", 0));
		g_string_append_printf(out, "%-15s %-7s %-10s %7lld %15s %8s %8s %7s %-12s %s\n",
		    str_member(nd, "name", "?"), str_member(nd, "kind", "?"),
		    str_member(nd, "state", "?"),
		    (long long)json_object_get_int_member_with_default(nd, "pid", 0),
		    mem, peak, rss, cpu, str_member(nd, "session", "-"),
		    str_member(nd, "last_event", "-"));
	}
	JsonArray *ev = events ? json_node_get_array(events) : NULL;
	if (ev && json_array_get_length(ev) > 0) {
		g_string_append(out, "\nlatest events:\n");
		for (guint i = 0; i < json_array_get_length(ev); i++) {
			JsonObject *e = json_array_get_object_element(ev, i);
			if (e)
				event_line(out, e);
		}
	}
}

struct watch {
	GMainLoop *loop;
	char name[64];
	unsigned count, done;
	bool tty;
	int exit;
};

static gboolean
on_refresh(gpointer data)
{
	struct watch *w = data;
	struct lab_error err = { 0 };
	JsonNode *st = lab_status_read(w->name, &err);
	if (st == NULL) {
		fprintf(stderr, "flowcanary lab watch: %s\n", err.msg);
		w->exit = FC_EXIT_ENV;
		g_main_loop_quit(w->loop);
		return G_SOURCE_REMOVE;
	}
	JsonNode *ev = lab_events_tail(w->name, 8);
	GString *out = g_string_new(NULL);
	/* Home and clear: the view is redrawn in place, not scrolled. */
	if (w->tty)
		g_string_append(out, "\033[H\033[2J");
	else if (w->done > 0)
		g_string_append_c(out, '\n');
	fc_lab_table(out, st, ev);
	fputs(out->str, stdout);
	fflush(stdout);
	g_string_free(out, TRUE);
	json_node_unref(st);
	json_node_unref(ev);
	if (w->count && ++w->done >= w->count) {
		g_main_loop_quit(w->loop);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
on_interrupt(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

int
fc_lab_watch(const char *name, unsigned interval_ms, unsigned count)
{
	struct watch w = { .count = count, .tty = isatty(STDOUT_FILENO) };
	g_strlcpy(w.name, name, sizeof w.name);
	w.loop = g_main_loop_new(NULL, FALSE);
	guint s1 = g_unix_signal_add(SIGINT, on_interrupt, w.loop);
	guint s2 = g_unix_signal_add(SIGTERM, on_interrupt, w.loop);
	if (on_refresh(&w) == G_SOURCE_CONTINUE) {
		g_timeout_add(interval_ms, on_refresh, &w);
		g_main_loop_run(w.loop);
	}
	g_source_remove(s1);
	g_source_remove(s2);
	g_main_loop_unref(w.loop);
	return w.exit;
}
