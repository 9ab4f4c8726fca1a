/*
 * harness.c - namespaces, processes (flowcanary listen and inject among
 * them), listen's output and rule comparisons for the interoperability
 * tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flowspec/ruleset.h"
#include "flowspec/text.h"
#include "harness.h"

void
it_require(const char *path, const char *package)
{
	ck_assert_msg(access(path, X_OK) == 0,
	    "%s is missing: install the Debian package %s "
	    "(./tools/setup.sh deps installs it)", path, package);
}

/* Runs a host command given as a format; fails the test if it fails. */
static void
sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	gchar *cmd = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	gchar *out = NULL, *err = NULL;
	gint status = 0;
	GError *gerr = NULL;
	gchar *argv[] = { "/bin/sh", "-c", cmd, NULL };
	gboolean ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
	    &out, &err, &status, &gerr);
	ck_assert_msg(ok && g_spawn_check_wait_status(status, NULL),
	    "`%s` failed: %s%s", cmd, gerr ? gerr->message : "", err ? err : "");
	g_free(out);
	g_free(err);
	g_free(cmd);
}

/* Returns true if namespace `name` exists. */
static bool
ns_exists(const char *name)
{
	gchar *p = g_strdup_printf("/run/netns/%s", name);
	bool yes = access(p, F_OK) == 0;
	g_free(p);
	return yes;
}

/* Deletes namespaces of earlier runs whose test process is gone. */
static void
sweep_stale(void)
{
	GDir *d = g_dir_open("/run/netns", 0, NULL);
	const char *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		long pid;
		char side;
		if (sscanf(name, "fcit%ld%c", &pid, &side) == 2 &&
		    kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			gchar *cmd = g_strdup_printf("ip netns pids %s | xargs -r kill -9; "
			    "ip netns del %s", name, name);
			gchar *argv[] = { "/bin/sh", "-c", cmd, NULL };
			g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
			    G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, NULL, NULL);
			g_free(cmd);
		}
	}
	g_dir_close(d);
}

void
it_lab_up(struct it_lab *lab)
{
	it_require("/usr/sbin/ip", "iproute2");
	ck_assert_msg(geteuid() == 0, "the interoperability tests need root "
	    "(network namespaces)");
	sweep_stale();
	memset(lab, 0, sizeof *lab);
	snprintf(lab->ns_a, sizeof lab->ns_a, "fcit%da", (int)getpid());
	snprintf(lab->ns_b, sizeof lab->ns_b, "fcit%db", (int)getpid());
	g_strlcpy(lab->dir, "/tmp/fcit-XXXXXX", sizeof lab->dir);
	ck_assert_msg(mkdtemp(lab->dir) != NULL, "mkdtemp: %s", strerror(errno));
	chmod(lab->dir, 0755);	/* daemons that drop privileges read it */
	lab->pids = g_array_new(FALSE, FALSE, sizeof(GPid));
	sh("ip netns add %s && ip netns add %s", lab->ns_a, lab->ns_b);
	sh("ip link add fcv%da type veth peer name fcv%db", (int)getpid(), (int)getpid());
	sh("ip link set fcv%da netns %s && ip link set fcv%db netns %s",
	    (int)getpid(), lab->ns_a, (int)getpid(), lab->ns_b);
	sh("ip -n %s addr add " IT_IP_A "/30 dev fcv%da && "
	    "ip -n %s addr add fd00:fc::1/64 dev fcv%da nodad && "
	    "ip -n %s link set fcv%da up && ip -n %s link set lo up",
	    lab->ns_a, (int)getpid(), lab->ns_a, (int)getpid(), lab->ns_a,
	    (int)getpid(), lab->ns_a);
	sh("ip -n %s addr add " IT_IP_B "/30 dev fcv%db && "
	    "ip -n %s addr add fd00:fc::2/64 dev fcv%db nodad && "
	    "ip -n %s link set fcv%db up && ip -n %s link set lo up",
	    lab->ns_b, (int)getpid(), lab->ns_b, (int)getpid(), lab->ns_b,
	    (int)getpid(), lab->ns_b);
}

void
it_lab_down(struct it_lab *lab)
{
	if (lab->pids == NULL)
		return;
	for (guint i = 0; i < lab->pids->len; i++)
		it_stop(lab, g_array_index(lab->pids, GPid, i));
	g_array_free(lab->pids, TRUE);
	lab->pids = NULL;
	/* Anything still inside the namespaces is a leak: kill, then fail. */
	gchar *argv_a[] = { "ip", "netns", "pids", lab->ns_a, NULL };
	gchar *argv_b[] = { "ip", "netns", "pids", lab->ns_b, NULL };
	gchar *left_a = NULL, *left_b = NULL;
	g_spawn_sync(NULL, argv_a, NULL, G_SPAWN_SEARCH_PATH |
	    G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &left_a, NULL, NULL, NULL);
	g_spawn_sync(NULL, argv_b, NULL, G_SPAWN_SEARCH_PATH |
	    G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &left_b, NULL, NULL, NULL);
	bool clean = (left_a == NULL || *left_a == '\0') &&
	    (left_b == NULL || *left_b == '\0');
	sh("ip netns pids %s | xargs -r kill -9; ip netns pids %s | xargs -r kill -9; "
	    "ip netns del %s; ip netns del %s; rm -rf '%s'", lab->ns_a, lab->ns_b,
	    lab->ns_a, lab->ns_b, lab->dir);
	ck_assert_msg(clean, "processes left in the lab's namespaces: %s %s",
	    left_a ? left_a : "", left_b ? left_b : "");
	ck_assert_msg(!ns_exists(lab->ns_a) && !ns_exists(lab->ns_b),
	    "a namespace survived the lab");
	g_free(left_a);
	g_free(left_b);
}

char *
it_path(const struct it_lab *lab, const char *name)
{
	return g_build_filename(lab->dir, name, NULL);
}

char *
it_write(const struct it_lab *lab, const char *name, const char *text, int mode)
{
	char *path = it_path(lab, name);
	GError *gerr = NULL;
	ck_assert_msg(g_file_set_contents_full(path, text, -1,
	    G_FILE_SET_CONTENTS_NONE, mode, &gerr), "writing %s: %s", path,
	    gerr ? gerr->message : "?");
	return path;
}

char *
it_read(const struct it_lab *lab, const char *name)
{
	char *path = it_path(lab, name), *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		text = g_strdup("");
	g_free(path);
	return text;
}

/* In the child: die with the test, and get a log file as stdout and stderr. */
static void
child_setup(gpointer data)
{
	int fd = GPOINTER_TO_INT(data);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setpgid(0, 0);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
}

/* Returns argv prefixed with `ip netns exec NS` when ns is set (g_strfreev). */
static gchar **
in_ns(const char *ns, const char *const *argv)
{
	GPtrArray *v = g_ptr_array_new();
	if (ns != NULL) {
		g_ptr_array_add(v, g_strdup("/usr/sbin/ip"));
		g_ptr_array_add(v, g_strdup("netns"));
		g_ptr_array_add(v, g_strdup("exec"));
		g_ptr_array_add(v, g_strdup(ns));
	}
	for (size_t i = 0; argv[i] != NULL; i++)
		g_ptr_array_add(v, g_strdup(argv[i]));
	g_ptr_array_add(v, NULL);
	return (gchar **)g_ptr_array_free(v, FALSE);
}

GPid
it_spawn(struct it_lab *lab, const char *ns, const char *log,
    const char *const *argv, const char *const *env)
{
	gchar **args = in_ns(ns, argv);
	gchar **envp = g_get_environ();
	char *path = it_path(lab, log);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	GError *gerr = NULL;
	GPid pid = 0;

	ck_assert_msg(fd >= 0, "opening %s: %s", path, strerror(errno));
	for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
		gchar **kv = g_strsplit(env[i], "=", 2);
		envp = g_environ_setenv(envp, kv[0], kv[1] ? kv[1] : "", TRUE);
		g_strfreev(kv);
	}
	gboolean ok = g_spawn_async(lab->dir, args, envp,
	    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_LEAVE_DESCRIPTORS_OPEN,
	    child_setup, GINT_TO_POINTER(fd), &pid, &gerr);
	close(fd);
	ck_assert_msg(ok, "cannot start %s: %s", argv[0], gerr ? gerr->message : "?");
	g_array_append_val(lab->pids, pid);
	g_strfreev(args);
	g_strfreev(envp);
	g_free(path);
	return pid;
}

bool
it_alive(GPid pid)
{
	int st;
	return pid > 0 && waitpid(pid, &st, WNOHANG) == 0;
}

void
it_stop(struct it_lab *lab, GPid pid)
{
	int st;

	if (pid <= 0 || waitpid(pid, &st, WNOHANG) != 0)
		goto forget;
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	for (int i = 0; i < 30; i++) {
		if (waitpid(pid, &st, WNOHANG) != 0)
			goto forget;
		g_usleep(100000);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
forget:
	for (guint i = 0; lab != NULL && lab->pids != NULL && i < lab->pids->len; i++)
		if (g_array_index(lab->pids, GPid, i) == pid)
			g_array_index(lab->pids, GPid, i) = 0;
}

char *
it_run(const char *ns, const char *const *argv, int *status, double timeout)
{
	gchar **args = in_ns(ns, argv);
	/* `timeout` keeps a hung client from hanging the test. */
	gchar *t = g_strdup_printf("%g", timeout);
	GPtrArray *v = g_ptr_array_new();
	g_ptr_array_add(v, "/usr/bin/timeout");
	g_ptr_array_add(v, t);
	for (size_t i = 0; args[i] != NULL; i++)
		g_ptr_array_add(v, args[i]);
	g_ptr_array_add(v, NULL);
	gchar *out = NULL;
	gint st = 0;
	gboolean ok = g_spawn_sync(NULL, (gchar **)v->pdata, NULL,
	    G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &st, NULL);
	if (status != NULL)
		*status = !ok ? -1 : WIFEXITED(st) ? (WEXITSTATUS(st) == 124 ? -1 :
		    WEXITSTATUS(st)) : -1;
	g_ptr_array_free(v, TRUE);
	g_strfreev(args);
	g_free(t);
	return out ? out : g_strdup("");
}

bool
it_wait(bool (*cond)(struct it_lab *lab, void *ud), struct it_lab *lab,
    void *ud, double timeout)
{
	gint64 end = g_get_monotonic_time() + (gint64)(timeout * 1e6);
	do {
		if (cond(lab, ud))
			return true;
		g_usleep(100000);
	} while (g_get_monotonic_time() < end);
	return cond(lab, ud);
}

const char *
it_flowcanary(void)
{
	const char *bin = getenv("FC_BIN");
	ck_assert_msg(bin != NULL, "FC_BIN is not set (run the tests with meson test)");
	return bin;
}

JsonArray *
it_events(const struct it_lab *lab, const char *log)
{
	char *text = it_read(lab, log);
	gchar **lines = g_strsplit(text, "\n", -1);
	JsonArray *a = json_array_new();

	for (size_t i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] != '{')
			continue;	/* stderr shares the file */
		JsonParser *p = json_parser_new();
		if (json_parser_load_from_data(p, lines[i], -1, NULL) &&
		    JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
			json_array_add_element(a, json_node_copy(json_parser_get_root(p)));
		g_object_unref(p);
	}
	g_strfreev(lines);
	g_free(text);
	return a;
}

unsigned
it_count_events(const struct it_lab *lab, const char *log, const char *event,
    const char *family)
{
	JsonArray *a = it_events(lab, log);
	unsigned n = 0;

	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		const char *ev = json_object_get_string_member_with_default(o, "event", "");
		const char *fam = json_object_get_string_member_with_default(o, "family", "");
		if (strcmp(ev, event) == 0 && (family == NULL || strcmp(fam, family) == 0))
			n++;
	}
	json_array_unref(a);
	return n;
}

struct listening {
	const char *log;
};

static bool
is_listening(struct it_lab *lab, void *ud)
{
	return it_count_events(lab, ud, "listening", NULL) > 0;
}

GPid
it_listen_start(struct it_lab *lab, const char *log)
{
	const char *argv[] = { it_flowcanary(), "listen", "--bind", IT_IP_A,
		"--local-as", G_STRINGIFY(IT_AS_A), "--hold-time", "30", NULL };
	GPid pid = it_spawn(lab, lab->ns_a, log, argv, NULL);
	ck_assert_msg(it_wait(is_listening, lab, (void *)log, 10),
	    "flowcanary listen did not start: %s", it_read(lab, log));
	return pid;
}

GPid
it_inject_start(struct it_lab *lab, const char *file, const char *bind,
    const char *log)
{
	char *path = it_path(lab, file);
	const char *argv[] = { it_flowcanary(), "inject", "--peer", IT_IP_B,
		"--local-as", G_STRINGIFY(IT_AS_A), "--peer-as", G_STRINGIFY(IT_AS_B),
		"--hold", "60", "--bind", bind, path, NULL };
	size_t at = G_N_ELEMENTS(argv) - 4;	/* "--bind" */

	if (bind == NULL) {	/* the path where "--bind" stands */
		argv[at] = path;
		argv[at + 1] = NULL;
	}
	GPid pid = it_spawn(lab, lab->ns_a, log, argv, NULL);
	g_free(path);
	return pid;
}

/*
 * Runs argv in namespace a, its output to the lab file `log`, and returns
 * its exit status (-1 if it ran past `timeout` seconds or died of a signal).
 */
static int
run_logged(struct it_lab *lab, const char *const *argv, const char *log,
    double timeout)
{
	GPid pid = it_spawn(lab, lab->ns_a, log, argv, NULL);
	gint64 end = g_get_monotonic_time() + (gint64)(timeout * 1e6);
	int st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (g_get_monotonic_time() > end) {
			it_stop(lab, pid);
			return -1;
		}
		g_usleep(50000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
it_inject_run(struct it_lab *lab, const char *file, int hold, const char *log,
    double timeout)
{
	char *path = it_path(lab, file), h[16];
	snprintf(h, sizeof h, "%d", hold);
	const char *argv[] = { it_flowcanary(), "inject", "--json", "--peer", IT_IP_B,
		"--local-as", G_STRINGIFY(IT_AS_A), "--peer-as", G_STRINGIFY(IT_AS_B),
		"--hold", h, "--connect-timeout", "10", path, NULL };
	int st = run_logged(lab, argv, log, timeout);
	g_free(path);
	return st;
}

struct fs_rule *
it_load_rules(const char *path, int family, size_t *n)
{
	struct fs_ruleset set;
	struct fs_error err = { 0 };
	char msg[768];

	fs_ruleset_init(&set);
	if (fs_ruleset_load_file(&set, path, family, &err) < 0) {
		fs_error_format(&err, msg, sizeof msg);
		ck_abort_msg("cannot load %s: %s", path, msg);
	}
	struct fs_rule *v = g_new0(struct fs_rule, set.n ? set.n : 1);
	for (size_t i = 0; i < set.n; i++) {
		fs_rule_init(&v[i], set.v[i].rule.family);
		ck_assert_int_eq(fs_rule_copy(&v[i], &set.v[i].rule), 0);
	}
	*n = set.n;
	fs_ruleset_free(&set);
	return v;
}

void
it_free_rules(struct fs_rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fs_rule_free(&rules[i]);
	g_free(rules);
}

/* Appends the rules of `a` that have no equal in `b` to `out`. */
static void
missing(GString *out, const char *what, const struct fs_rule *a, size_t na,
    const struct fs_rule *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		bool found = false;
		for (size_t k = 0; k < nb && !found; k++)
			found = a[i].family == b[k].family &&
			    fs_rule_match_equal(&a[i], &b[k]) &&
			    fs_rule_actions_equal(&a[i], &b[k]);
		if (!found) {
			char *t = fs_print_rule_alloc(&a[i]);
			g_string_append_printf(out, "\n  %s: %s %s", what,
			    fs_family_name(a[i].family), t ? t : "?");
			free(t);
		}
	}
}

char *
it_compare_rules(const struct fs_rule *want, size_t nwant,
    const struct fs_rule *got, size_t ngot)
{
	GString *out = g_string_new(NULL);
	missing(out, "expected, not there", want, nwant, got, ngot);
	missing(out, "there, not expected", got, ngot, want, nwant);
	if (nwant != ngot)
		g_string_append_printf(out, "\n  %zu expected, %zu there", nwant, ngot);
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}

/* Appends the entries of `a` that have no partner left in `b` to `out`. */
static void
unmatched(GString *out, const char *what, GPtrArray *a, GPtrArray *b)
{
	bool *used = g_new0(bool, b->len ? b->len : 1);
	for (guint i = 0; i < a->len; i++) {
		bool found = false;
		for (guint k = 0; k < b->len && !found; k++)
			if (!used[k] && strcmp(a->pdata[i], b->pdata[k]) == 0)
				found = used[k] = true;
		if (!found)
			g_string_append_printf(out, "\n  %s: %s", what, (char *)a->pdata[i]);
	}
	g_free(used);
}

char *
it_compare_entries(GPtrArray *want, GPtrArray *got, const char *who)
{
	GString *out = g_string_new(NULL);
	char *missing_there = g_strdup_printf("expected, not in %s", who);
	char *missing_here = g_strdup_printf("in %s, not expected", who);

	unmatched(out, missing_there, want, got);
	unmatched(out, missing_here, got, want);
	g_free(missing_there);
	g_free(missing_here);
	if (out->len == 0) {
		g_string_free(out, TRUE);
		return NULL;
	}
	return g_string_free(out, FALSE);
}
