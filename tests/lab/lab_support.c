/*
 * lab_support.c - the lab integration tests' harness.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab_support.h"

static const char *
fc_bin(void)
{
	const char *b = g_getenv("FC_BIN");
	ck_assert_msg(b != NULL, "FC_BIN is not set (run through meson test)");
	return b;
}

void
lab_cmd(struct run *r, const char *first, ...)
{
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, (char *)fc_bin());
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		g_ptr_array_add(argv, (char *)a);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	GError *e = NULL;
	int st = 0;
	memset(r, 0, sizeof *r);
	gboolean ok = g_spawn_sync(NULL, (char **)argv->pdata, NULL,
	    G_SPAWN_DEFAULT, NULL, NULL, &r->out, &r->err, &st, &e);
	ck_assert_msg(ok, "cannot run %s: %s", fc_bin(), e ? e->message : "?");
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	g_ptr_array_free(argv, TRUE);
}

void
run_clear(struct run *r)
{
	g_free(r->out);
	g_free(r->err);
	memset(r, 0, sizeof *r);
}

/* The suite's own pid: Check runs each test in a forked child. */
static pid_t suite_pid;

__attribute__((constructor)) static void
remember_suite_pid(void)
{
	suite_pid = getpid();
}

char *
lab_unique_name(const char *suffix)
{
	return g_strdup_printf("t%d%s", (int)suite_pid, suffix);
}

char *
lab_write_topology(const char *name, const char *yaml)
{
	char *dir = g_strdup_printf("/tmp/fclab-%d", (int)getpid());
	g_mkdir_with_parents(dir, 0700);
	const char *memhog = g_getenv("FC_MEMHOG");
	GString *s = g_string_new(yaml);
	g_string_replace(s, "@NAME@", name, 0);
	g_string_replace(s, "@MEMHOG@", memhog ? memhog : "/nonexistent/memhog", 0);
	char *path = g_strdup_printf("%s/%s.yml", dir, name);
	GError *e = NULL;
	ck_assert_msg(g_file_set_contents(path, s->str, -1, &e), "cannot write %s: %s",
	    path, e ? e->message : "?");
	g_string_free(s, TRUE);
	g_free(dir);
	return path;
}

void
lab_require_root(void)
{
	ck_assert_msg(geteuid() == 0, "the lab tests need root: they make network "
	    "namespaces, veths and cgroups (run the suite with sudo)");
}

void
lab_require_program(const char *path, const char *package)
{
	ck_assert_msg(access(path, X_OK) == 0, "%s is missing: install the Debian "
	    "package %s (tools/setup.sh deps)", path, package);
}

JsonNode *
lab_status(const char *name)
{
	struct run r;
	lab_cmd(&r, "lab", "status", "--json", name, NULL);
	ck_assert_msg(r.status == 0, "lab status %s exited %d: %s", name, r.status,
	    r.err);
	JsonParser *p = json_parser_new();
	ck_assert_msg(json_parser_load_from_data(p, r.out, -1, NULL),
	    "lab status --json printed no JSON: %s", r.out);
	JsonNode *root = json_node_copy(json_parser_get_root(p));
	g_object_unref(p);
	run_clear(&r);
	return root;
}

JsonObject *
lab_status_node(JsonNode *status, const char *node)
{
	JsonArray *nodes = json_object_get_array_member(json_node_get_object(status),
	    "nodes");
	for (guint i = 0; nodes && i < json_array_get_length(nodes); i++) {
		JsonObject *o = json_array_get_object_element(nodes, i);
		if (g_strcmp0(json_object_get_string_member(o, "name"), node) == 0)
			return o;
	}
	return NULL;
}

GPtrArray *
lab_events(const char *name)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
	char *path = g_strdup_printf("/run/flowcanary/%s/events.jsonl", name);
	char *text = NULL;
	if (g_file_get_contents(path, &text, NULL, NULL)) {
		char **lines = g_strsplit(text, "\n", -1);
		JsonParser *p = json_parser_new();
		for (char **l = lines; *l; l++)
			if (**l && json_parser_load_from_data(p, *l, -1, NULL) &&
			    JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
				g_ptr_array_add(out, json_object_ref(
				    json_node_get_object(json_parser_get_root(p))));
		g_object_unref(p);
		g_strfreev(lines);
	}
	g_free(text);
	g_free(path);
	return out;
}

JsonObject *
lab_find_event(GPtrArray *events, const char *node, const char *event)
{
	for (guint i = 0; i < events->len; i++) {
		JsonObject *o = events->pdata[i];
		if (g_strcmp0(json_object_get_string_member_with_default(o, "event", ""),
		    event) == 0 && (node == NULL || g_strcmp0(
		    json_object_get_string_member_with_default(o, "node", ""), node) == 0))
			return o;
	}
	return NULL;
}

bool
lab_wait(bool (*pred)(void *), void *ud, double seconds)
{
	gint64 end = g_get_monotonic_time() + (gint64)(seconds * 1e6);
	for (;;) {
		if (pred(ud))
			return true;
		if (g_get_monotonic_time() >= end)
			return false;
		/* Fine-grained: the SIGKILL tests must hit lab up mid-way. */
		g_usleep(5000);
	}
}

struct event_wait {
	const char *lab, *node, *event;
};

/* Returns true once the lab's events name the awaited one. */
static bool
has_event(void *ud)
{
	const struct event_wait *w = ud;
	GPtrArray *ev = lab_events(w->lab);
	bool ok = lab_find_event(ev, w->node, w->event) != NULL;
	g_ptr_array_unref(ev);
	return ok;
}

bool
lab_wait_event(const char *lab, const char *node, const char *event,
    double seconds)
{
	struct event_wait w = { lab, node, event };
	return lab_wait(has_event, &w, seconds);
}

guint64
lab_inode(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (guint64)st.st_ino : 0;
}

/* Returns the pids whose command line contains `needle` (g_array_unref). */
static GArray *
pids_naming(const char *needle)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(int));
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 1 || pid == getpid())
			continue;
		char *path = g_strdup_printf("/proc/%ld/cmdline", pid);
		char *text = NULL;
		gsize len = 0;
		if (g_file_get_contents(path, &text, &len, NULL)) {
			for (gsize i = 0; i + 1 < len; i++)
				if (text[i] == '\0')
					text[i] = ' ';
			/* A zombie has an empty command line: it holds nothing. */
			if (len > 0 && strstr(text, needle)) {
				int p = (int)pid;
				g_array_append_val(out, p);
			}
		}
		g_free(text);
		g_free(path);
	}
	if (d)
		closedir(d);
	return out;
}

/* Returns true if the process *ud is gone or a zombie (dead, not yet reaped). */
static bool
pid_dead(void *ud)
{
	int p = *(int *)ud;
	char *stat = g_strdup_printf("/proc/%d/stat", p);
	char *text = NULL;
	bool alive = g_file_get_contents(stat, &text, NULL, NULL) &&
	    strstr(text, ") Z ") == NULL && strstr(text, ") X ") == NULL;
	g_free(text);
	g_free(stat);
	return !alive;
}

void
lab_assert_gone(const char *name, const GArray *pids)
{
	GString *left = g_string_new(NULL);
	char *state = g_strdup_printf("/run/flowcanary/%s", name);
	if (g_file_test(state, G_FILE_TEST_EXISTS))
		g_string_append_printf(left, " state %s;", state);
	char *ctl = g_strdup_printf("fc.%s", name), *prefix = g_strdup_printf("fc.%s.", name);
	DIR *d = opendir("/run/netns");
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ctl) == 0 || g_str_has_prefix(e->d_name, prefix))
			g_string_append_printf(left, " namespace %s;", e->d_name);
	if (d)
		closedir(d);
	const char *roots[] = { "/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu",
		"/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	for (size_t i = 0; i < G_N_ELEMENTS(roots); i++) {
		char *cg = g_strdup_printf("%s/flowcanary/%s", roots[i], name);
		if (g_file_test(cg, G_FILE_TEST_IS_DIR))
			g_string_append_printf(left, " cgroup %s;", cg);
		g_free(cg);
	}
	/* With no lab left at all, their shared parent cgroup goes too. */
	GDir *labs = g_dir_open("/run/flowcanary", 0, NULL);
	bool none = labs == NULL || g_dir_read_name(labs) == NULL;
	if (labs)
		g_dir_close(labs);
	for (size_t i = 0; none && i < 3; i++) {
		char *cg = g_strdup_printf("%s/flowcanary", roots[i]);
		if (g_file_test(cg, G_FILE_TEST_IS_DIR))
			g_string_append_printf(left, " cgroup %s (no lab is up);", cg);
		g_free(cg);
	}
	char *needle = g_strdup_printf("/run/flowcanary/%s/", name);
	GArray *procs = pids_naming(needle);
	for (guint i = 0; i < procs->len; i++)
		g_string_append_printf(left, " process %d;", g_array_index(procs, int, i));
	for (guint i = 0; pids && i < pids->len; i++) {
		int p = g_array_index(pids, int, i);
		/* A controller removing its own lab ends just after the state does. */
		if (p > 1 && !lab_wait(pid_dead, &p, 3))
			g_string_append_printf(left, " process %d (was the lab's);", p);
	}
	g_array_unref(procs);
	g_free(needle);
	g_free(ctl);
	g_free(prefix);
	g_free(state);
	ck_assert_msg(left->len == 0, "lab %s left behind:%s", name, left->str);
	g_string_free(left, TRUE);
}

/* Appends the pid in a lab's pid file (the first number in it) to pids. */
static void
add_pid_file(GArray *pids, const char *name, const char *file)
{
	char *path = g_strdup_printf("/run/flowcanary/%s/%s", name, file);
	char *text = NULL;
	if (g_file_get_contents(path, &text, NULL, NULL)) {
		int pid = atoi(text);
		if (pid > 1)
			g_array_append_val(pids, pid);
	}
	g_free(text);
	g_free(path);
}

GArray *
lab_recorded_pids(const char *name)
{
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(int));
	add_pid_file(pids, name, "controller.pid");
	add_pid_file(pids, name, "up.pid");
	char *nodes = g_strdup_printf("/run/flowcanary/%s/nodes", name);
	GDir *d = g_dir_open(nodes, 0, NULL);
	const char *n;
	while (d && (n = g_dir_read_name(d)) != NULL) {
		char *rel = g_strdup_printf("nodes/%s/pid", n);
		add_pid_file(pids, name, rel);
		g_free(rel);
	}
	if (d)
		g_dir_close(d);
	g_free(nodes);
	return pids;
}

void
lab_down_and_check(const char *name)
{
	GArray *pids = lab_recorded_pids(name);
	struct run r;
	lab_cmd(&r, "lab", "down", name, NULL);
	ck_assert_msg(r.status == 0, "lab down %s exited %d: %s", name, r.status, r.err);
	run_clear(&r);
	lab_assert_gone(name, pids);
	g_array_unref(pids);
}

int
lab_sweep(int status)
{
	char *prefix = lab_unique_name("");
	GDir *d = g_dir_open("/run/flowcanary", 0, NULL);
	const char *n;
	GPtrArray *left = g_ptr_array_new_with_free_func(g_free);
	while (d && (n = g_dir_read_name(d)) != NULL)
		if (g_str_has_prefix(n, prefix))
			g_ptr_array_add(left, g_strdup(n));
	if (d)
		g_dir_close(d);
	for (guint i = 0; i < left->len; i++) {
		/* A failed assertion skips a test's teardown: clean up here. */
		fprintf(stderr, "lab %s was left up by a failed test; taking it down\n",
		    (char *)left->pdata[i]);
		const char *argv[] = { g_getenv("FC_BIN"), "lab", "down",
			left->pdata[i], NULL };
		g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
		    NULL, NULL, NULL, NULL, NULL, NULL);
	}
	int rc = status != 0 || left->len == 0 ? status : 1;
	g_ptr_array_free(left, TRUE);
	g_free(prefix);
	return rc;
}

GArray *
lab_status_pids(JsonNode *status)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(int));
	JsonArray *nodes = json_object_get_array_member(json_node_get_object(status),
	    "nodes");
	for (guint i = 0; nodes && i < json_array_get_length(nodes); i++) {
		JsonObject *o = json_array_get_object_element(nodes, i);
		int pid = (int)json_object_get_int_member_with_default(o, "pid", 0);
		if (pid > 1)
			g_array_append_val(out, pid);
	}
	return out;
}

const char *
lab_tail(const char *s, size_t n)
{
	size_t len = s ? strlen(s) : 0;
	return len > n ? s + len - n : (s ? s : "");
}
