/*
 * cmd_lab.c - flowcanary lab up|down|status|watch TOPOLOGY.
 *
 * Every subcommand takes the topology file or, once a lab is up, just its
 * name: `lab down` must work after the file was edited or lost.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lab/lab.h"
#include "lab/state.h"
#include "lab/status.h"
#include "lab_view.h"

/*
 * Prints a lab error: text on stderr, and a JSON object on stdout with
 * --json.  Returns its exit status.
 */
static int
lab_fail(const char *cmd, const struct lab_error *err, bool json)
{
	char msg[900];
	lab_error_format(err, msg, sizeof msg);
	fprintf(stderr, "flowcanary lab %s: %s\n", cmd, msg);
	if (json) {
		JsonBuilder *b = json_builder_new();
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "error");
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "code");
		json_builder_add_string_value(b, lab_errcode_name(err->code));
		json_builder_set_member_name(b, "message");
		json_builder_add_string_value(b, msg);
		json_builder_end_object(b);
		json_builder_end_object(b);
		fc_print_json_line(json_builder_get_root(b));
		g_object_unref(b);
	}
	return lab_error_exit(err->code);
}

/* The same for a topology file that could not be read: invalid input, exit 3. */
static int
topology_fail(const char *cmd, const struct lab_error *err, bool json)
{
	lab_fail(cmd, err, json);
	return FC_EXIT_INPUT;
}

/* Returns the host's memory in bytes and sets *cpus, for the topology's limits. */
static uint64_t
host_limits(unsigned *cpus)
{
	long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	*cpus = n > 0 ? (unsigned)n : 1;
	return pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 0;
}

/*
 * Resolves TOPOLOGY|NAME to a lab name in `name`: the name of a lab that
 * is up, else a topology file (which must be valid), else a lab name.
 * Returns 0, FC_EXIT_USAGE for something that is neither, or -1 with err.
 */
static int
resolve_name(const char *arg, char name[LAB_NAME_MAX + 1], struct lab_error *err)
{
	if (lab_name_valid(arg)) {
		char *dir = lab_state_dir(arg);
		bool up = g_file_test(dir, G_FILE_TEST_IS_DIR);
		g_free(dir);
		if (up || !g_file_test(arg, G_FILE_TEST_EXISTS)) {
			g_strlcpy(name, arg, LAB_NAME_MAX + 1);
			return 0;
		}
	}
	if (g_file_test(arg, G_FILE_TEST_EXISTS) || strchr(arg, '/') ||
	    g_str_has_suffix(arg, ".yml") || g_str_has_suffix(arg, ".yaml")) {
		struct lab_topology *t = lab_topology_load(arg, 0, 0, err);
		if (t == NULL)
			return -1;
		g_strlcpy(name, t->name, LAB_NAME_MAX + 1);
		lab_topology_free(t);
		return 0;
	}
	fprintf(stderr, "flowcanary lab: \"%s\" is neither a topology file nor a "
	    "lab name ([A-Za-z0-9_-], at most %d characters)\n", arg, LAB_NAME_MAX);
	return FC_EXIT_USAGE;
}

/* Returns flowcanary-vrouter beside this executable, or NULL if not built. */
static const char *
vrouter_path(void)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 32);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	char *slash = strrchr(path, '/');
	if (slash == NULL)
		return NULL;
	/* The build tree keeps it in a sibling folder; an install, beside us. */
	const char *const rel[] = { "/flowcanary-vrouter", "/../vrouter/flowcanary-vrouter" };
	char base[4096];
	size_t len = (size_t)(slash - path);
	memcpy(base, path, len);
	base[len] = '\0';
	for (size_t i = 0; i < G_N_ELEMENTS(rel); i++) {
		snprintf(path, sizeof path, "%s%s", base, rel[i]);
		if (access(path, X_OK) == 0)
			return path;
	}
	return NULL;
}

static void
print_progress(const char *line, void *ud)
{
	fprintf(stderr, "flowcanary lab up: %s\n", line);
}

static int
cmd_up(int argc, char **argv)
{
	gboolean json = FALSE, quiet = FALSE;
	double timeout = 60;
	gint interval = 100;
	GOptionEntry entries[] = {
		{ "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout, "seconds for every daemon to run and every session to come up (60)", "S" },
		{ "interval", 0, 0, G_OPTION_ARG_INT, &interval, "monitor sampling period in ms (100: 10 Hz)", "MS" },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "no progress lines", NULL },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "print the result as JSON", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	if (!fc_parse_options("lab up", "TOPOLOGY", "Makes the lab: a namespace "
	    "and cgroup per node, links, the daemons, and a BGP session from "
	    "flowcanary to every peered node; returns once all are up.", entries,
	    &argc, &argv))
		return FC_EXIT_USAGE;
	if (argc != 2) {
		fprintf(stderr, "flowcanary lab up: give one topology file\n");
		return FC_EXIT_USAGE;
	}
	if (!(timeout > 0 && timeout <= 3600) || interval < 10 || interval > 10000) {
		fprintf(stderr, "flowcanary lab up: --timeout takes 0 < S <= 3600 and "
		    "--interval 10..10000 ms\n");
		return FC_EXIT_USAGE;
	}
	unsigned cpus;
	uint64_t mem = host_limits(&cpus);
	struct lab_error err = { 0 };
	struct lab_topology *t = lab_topology_load(argv[1], mem, cpus, &err);
	if (t == NULL)
		return topology_fail("up", &err, json);
	struct lab_up_options o = {
		.timeout_s = timeout,
		.interval_ms = (unsigned)interval,
		.vrouter_bin = vrouter_path(),
		.progress = quiet ? NULL : print_progress,
	};
	gint64 t0 = g_get_monotonic_time();
	int rc = lab_up(t, &o, &err);
	double took = (double)(g_get_monotonic_time() - t0) / 1e6;
	int status = FC_EXIT_PASS;
	if (rc != 0) {
		status = lab_fail("up", &err, json);
	} else if (json) {
		JsonBuilder *b = json_builder_new();
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "lab");
		json_builder_add_string_value(b, t->name);
		json_builder_set_member_name(b, "nodes");
		json_builder_add_int_value(b, (gint64)t->n_nodes);
		json_builder_set_member_name(b, "seconds");
		json_builder_add_double_value(b, took);
		char *dir = lab_state_dir(t->name);
		json_builder_set_member_name(b, "state_dir");
		json_builder_add_string_value(b, dir);
		g_free(dir);
		json_builder_end_object(b);
		fc_print_json_line(json_builder_get_root(b));
		g_object_unref(b);
	} else {
		printf("lab %s is up: %zu node%s in %.2f s (flowcanary lab status %s)\n",
		    t->name, t->n_nodes, t->n_nodes == 1 ? "" : "s", took, t->name);
	}
	lab_topology_free(t);
	return status;
}

static int
cmd_down(int argc, char **argv)
{
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "print the result as JSON", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	if (!fc_parse_options("lab down", "TOPOLOGY|NAME", "Removes every process, "
	    "namespace, link and cgroup of the lab, and its state; works after "
	    "any crash.", entries, &argc, &argv))
		return FC_EXIT_USAGE;
	if (argc != 2) {
		fprintf(stderr, "flowcanary lab down: give the topology file or the lab's name\n");
		return FC_EXIT_USAGE;
	}
	char name[LAB_NAME_MAX + 1];
	struct lab_error err = { 0 };
	int rn = resolve_name(argv[1], name, &err);
	if (rn != 0)
		return rn > 0 ? rn : topology_fail("down", &err, json);
	struct lab_down_report rep;
	gint64 t0 = g_get_monotonic_time();
	int rc = lab_down(name, &rep, &err);
	double took = (double)(g_get_monotonic_time() - t0) / 1e6;
	if (rc != 0)
		return lab_fail("down", &err, json);
	bool found = rep.processes || rep.namespaces || rep.cgroups || rep.state_dir;
	if (json) {
		JsonBuilder *b = json_builder_new();
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "lab");
		json_builder_add_string_value(b, name);
		json_builder_set_member_name(b, "processes");
		json_builder_add_int_value(b, rep.processes);
		json_builder_set_member_name(b, "namespaces");
		json_builder_add_int_value(b, rep.namespaces);
		json_builder_set_member_name(b, "cgroups");
		json_builder_add_int_value(b, rep.cgroups);
		json_builder_set_member_name(b, "state_dir");
		json_builder_add_boolean_value(b, rep.state_dir);
		json_builder_set_member_name(b, "seconds");
		json_builder_add_double_value(b, took);
		json_builder_end_object(b);
		fc_print_json_line(json_builder_get_root(b));
		g_object_unref(b);
	} else if (found) {
		printf("lab %s is down: %u processes stopped, %u namespaces and %u "
		    "cgroups removed in %.2f s\n", name, rep.processes, rep.namespaces,
		    rep.cgroups, took);
	} else {
		printf("lab %s: nothing to remove\n", name);
	}
	return FC_EXIT_PASS;
}

static int
cmd_status(int argc, char **argv)
{
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "print the status as JSON", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	if (!fc_parse_options("lab status", "TOPOLOGY|NAME", "Shows each node's "
	    "state, RAM, CPU and BGP session.", entries, &argc, &argv))
		return FC_EXIT_USAGE;
	if (argc != 2) {
		fprintf(stderr, "flowcanary lab status: give the topology file or the lab's name\n");
		return FC_EXIT_USAGE;
	}
	char name[LAB_NAME_MAX + 1];
	struct lab_error err = { 0 };
	int rn = resolve_name(argv[1], name, &err);
	if (rn != 0)
		return rn > 0 ? rn : topology_fail("status", &err, json);
	JsonNode *st = lab_status_read(name, &err);
	if (st == NULL)
		return lab_fail("status", &err, json);
	if (json) {
		fc_print_json(st);
	} else {
		GString *out = g_string_new(NULL);
		fc_lab_table(out, st, NULL);
		fputs(out->str, stdout);
		g_string_free(out, TRUE);
		json_node_unref(st);
	}
	return FC_EXIT_PASS;
}

static int
cmd_watch(int argc, char **argv)
{
	gint interval = 500, count = 0;
	GOptionEntry entries[] = {
		{ "interval", 0, 0, G_OPTION_ARG_INT, &interval, "refresh period in ms (500)", "MS" },
		{ "count", 0, 0, G_OPTION_ARG_INT, &count, "stop after N refreshes (0: until interrupted)", "N" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	if (!fc_parse_options("lab watch", "TOPOLOGY|NAME", "Shows RAM, CPU and "
	    "session state per node, refreshed in place, and the latest events.",
	    entries, &argc, &argv))
		return FC_EXIT_USAGE;
	if (argc != 2 || interval < 50 || interval > 60000 || count < 0) {
		fprintf(stderr, "flowcanary lab watch: give the topology file or the "
		    "lab's name; --interval 50..60000 ms, --count >= 0\n");
		return FC_EXIT_USAGE;
	}
	char name[LAB_NAME_MAX + 1];
	struct lab_error err = { 0 };
	int rn = resolve_name(argv[1], name, &err);
	if (rn != 0)
		return rn > 0 ? rn : topology_fail("watch", &err, false);
	return fc_lab_watch(name, (unsigned)interval, (unsigned)count);
}

int
fc_cmd_lab(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} subs[] = {
		{ "up", cmd_up }, { "down", cmd_down }, { "status", cmd_status },
		{ "watch", cmd_watch },
	};
	if (argc >= 2)
		for (size_t i = 0; i < G_N_ELEMENTS(subs); i++)
			if (strcmp(argv[1], subs[i].name) == 0)
				return subs[i].run(argc - 1, argv + 1);
	FILE *f = argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) ? stdout : stderr;
	if (argc >= 2 && f == stderr)
		fprintf(stderr, "flowcanary lab: unknown subcommand \"%s\"\n", argv[1]);
	fprintf(f, "usage: flowcanary lab up|down|status|watch [OPTIONS] TOPOLOGY\n\n"
	    "  up      make the lab and start its nodes (root)\n"
	    "  down    remove everything of the lab, even after a crash (root)\n"
	    "  status  each node's state, RAM, CPU and session (--json)\n"
	    "  watch   the same, live\n");
	return f == stdout ? FC_EXIT_PASS : FC_EXIT_USAGE;
}
