/*
 * test_kind.c - node kinds (emulator/lab/kind*.c): the configuration each
 * daemon gets and the command that starts it.
 *
 * Topologies are built by hand, not read from YAML.  Every configuration
 * is checked by the real daemon (bgpd --dryrun, bird -p, gobgpd
 * --dry-run) as well as line by line.  The end-to-end cases (root) start
 * a route reflector and its client from the generated commands in
 * namespaces of their own, have `flowcanary inject` announce a rule to
 * the reflector as the controller would, and read it back from both
 * through lab_kind_view_argv.
 *
 * Every namespace is called fck<PID>..., PID the runner's; every process
 * started dies with the test (parent-death signal), and main() removes
 * whatever a failed test left, then fails if it had to.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "support.h"
#include "lab/kind.h"

#define CTL_AS 65000

static pid_t runner;		/* main()'s pid: names namespaces */
static char root[64];		/* the run's directory: one subdirectory per test */

/* Returns host-order a.b.c.d. */
static uint32_t
ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

/* ---- topologies, by hand ---- */

struct topo {
	struct lab_topology t;
	struct lab_node nodes[4];
	struct lab_link links[3];
	struct lab_peering peerings[4][3];
};

/* Returns nothing; fills node `i` of `b` (no sessions yet). */
static void
node_init(struct topo *b, size_t i, const char *name, enum lab_kind k,
    uint32_t asn, uint32_t rid)
{
	struct lab_node *n = &b->nodes[i];
	g_strlcpy(n->name, name, sizeof n->name);
	n->kind = k;
	n->asn = asn;
	n->router_id = rid;
	n->peerings = b->peerings[i];
	b->t.n_nodes = i + 1 > b->t.n_nodes ? i + 1 : b->t.n_nodes;
}

/* Returns nothing; gives node `i` a controller session, ADDR.2 ours, ADDR.1 its. */
static void
node_ctl(struct topo *b, size_t i, uint32_t net)
{
	struct lab_node *n = &b->nodes[i];
	n->controller_peer = true;
	n->ctl_ip = (struct lab_ip4){ net + 2, 30 };
	n->ctl_peer_ip = (struct lab_ip4){ net + 1, 30 };
}

/* Returns nothing; links nodes a (side 0, NET.1) and b (side 1, NET.2), peered. */
static void
link_peer(struct topo *b, size_t l, size_t a, size_t z, uint32_t net)
{
	struct lab_link *k = &b->links[l];
	k->ep[0] = (struct lab_endpoint){ .node = a, .ip = { net + 1, 30 } };
	k->ep[1] = (struct lab_endpoint){ .node = z, .ip = { net + 2, 30 } };
	snprintf(k->ep[0].ifname, sizeof k->ep[0].ifname, "eth%zu", l + 1);
	snprintf(k->ep[1].ifname, sizeof k->ep[1].ifname, "eth%zu", l + 1);
	b->nodes[a].peerings[b->nodes[a].n_peerings++] =
	    (struct lab_peering){ .link = l, .side = 0, .peer = z };
	b->nodes[z].peerings[b->nodes[z].n_peerings++] =
	    (struct lab_peering){ .link = l, .side = 1, .peer = a };
	b->t.n_links = l + 1 > b->t.n_links ? l + 1 : b->t.n_links;
}

/* Returns nothing; empties `b` into a lab called "kindtest". */
static void
topo_init(struct topo *b)
{
	memset(b, 0, sizeof *b);
	g_strlcpy(b->t.name, "kindtest", sizeof b->t.name);
	b->t.controller_asn = CTL_AS;
	b->t.nodes = b->nodes;
	b->t.links = b->links;
}

/* Returns nothing; (a) one node, edge1 AS 65001, peered with the controller only. */
static void
topo_edge(struct topo *b, enum lab_kind k)
{
	topo_init(b);
	node_init(b, 0, "edge1", k, 65001, ip4(172, 30, 0, 2));
	node_ctl(b, 0, ip4(172, 30, 0, 0));
}

/*
 * Returns nothing; (b) rr1 (AS 65010, route reflector, peered with the
 * controller) with two iBGP clients and one eBGP peer.  client_2 is
 * side 0 of its link, so the reflector is side 1 there.
 */
static void
topo_rr(struct topo *b, enum lab_kind k)
{
	topo_init(b);
	node_init(b, 0, "rr1", k, 65010, ip4(172, 30, 0, 6));
	b->nodes[0].route_reflector = true;
	node_ctl(b, 0, ip4(172, 30, 0, 4));
	node_init(b, 1, "client-1", k, 65010, ip4(10, 0, 1, 2));
	node_init(b, 2, "client_2", k, 65010, ip4(10, 0, 2, 1));
	node_init(b, 3, "ext1", k, 65020, ip4(10, 0, 3, 2));
	link_peer(b, 0, 0, 1, ip4(10, 0, 1, 0));
	link_peer(b, 1, 2, 0, ip4(10, 0, 2, 0));
	link_peer(b, 2, 0, 3, ip4(10, 0, 3, 0));
}

/* ---- files, processes ---- */

/* Returns a new directory for this test under the run's (g_free). */
static char *
test_dir(const char *name)
{
	char *d = g_strdup_printf("%s/%s", root, name);
	ck_assert_msg(g_mkdir_with_parents(d, 0755) == 0, "mkdir %s: %s", d,
	    g_strerror(errno));
	return d;
}

/* Returns the content of dir/name (g_free), or fails the test. */
static char *
slurp(const char *dir, const char *name)
{
	char *path = g_build_filename(dir, name, NULL), *text = NULL;
	GError *gerr = NULL;
	ck_assert_msg(g_file_get_contents(path, &text, NULL, &gerr), "%s: %s",
	    path, gerr ? gerr->message : "?");
	g_free(path);
	return text;
}

/* Returns how many times `needle` occurs in `hay`. */
static unsigned
count(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

#define HAS(text, s) ck_assert_msg(strstr((text), (s)) != NULL, \
	"expected %s in:\n%s", (s), (text))
#define HASN(text, s, n) ck_assert_msg(count((text), (s)) == (n), \
	"expected %s %u times (not %u) in:\n%s", (s), (unsigned)(n), \
	count((text), (s)), (text))

/* Records a bgpd pid: its crash directory is removed at the end of the run. */
static void
note_bgpd(GPid pid)
{
	char *path = g_strdup_printf("%s/bgpd.pids", root);
	FILE *f = fopen(path, "a");
	if (f != NULL) {
		fprintf(f, "%d\n", (int)pid);
		fclose(f);
	}
	g_free(path);
}

/* In the child: die with the test, own process group, output to a file. */
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
static char **
in_ns(const char *ns, char *const *argv)
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
	return (char **)g_ptr_array_free(v, FALSE);
}

/*
 * Returns the pid of argv started in `ns` (NULL: here) with `env` added,
 * output appended to `log`; fails the test if it cannot start.
 */
static GPid
spawn(const char *ns, char *const *argv, char *const *env, const char *log)
{
	char **args = in_ns(ns, argv);
	char **envp = g_get_environ();
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	GError *gerr = NULL;
	GPid pid = 0;

	ck_assert_msg(fd >= 0, "%s: %s", log, g_strerror(errno));
	for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
		char **kv = g_strsplit(env[i], "=", 2);
		envp = g_environ_setenv(envp, kv[0], kv[1] ? kv[1] : "", TRUE);
		g_strfreev(kv);
	}
	gboolean ok = g_spawn_async(root, args, envp, G_SPAWN_DO_NOT_REAP_CHILD |
	    G_SPAWN_LEAVE_DESCRIPTORS_OPEN, child_setup, GINT_TO_POINTER(fd), &pid,
	    &gerr);
	close(fd);
	ck_assert_msg(ok, "cannot start %s: %s", args[0], gerr ? gerr->message : "?");
	g_strfreev(args);
	g_strfreev(envp);
	return pid;
}

/* Returns the exit status of `pid` within `timeout` s, -1 (and killed) past it. */
static int
wait_exit(GPid pid, double timeout)
{
	gint64 end = g_get_monotonic_time() + (gint64)(timeout * 1e6);
	int st;

	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (g_get_monotonic_time() > end) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		g_usleep(20000);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Returns nothing; SIGTERM, then SIGKILL after 3 s, and reaps. */
static void
stop(GPid pid)
{
	int st;

	if (pid <= 0 || waitpid(pid, &st, WNOHANG) != 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 30; i++) {
		if (waitpid(pid, &st, WNOHANG) != 0)
			return;
		g_usleep(100000);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

/*
 * Returns the output (stdout and stderr, g_free) of argv run in `ns` to
 * completion within `timeout` s; *status gets its exit status (-1: killed).
 */
static char *
run(const char *ns, char *const *argv, char *const *env, int *status,
    double timeout, GPid *pid_out)
{
	char *log = g_strdup_printf("%s/run-%d.out", root, (int)getpid());
	char *text = NULL;

	unlink(log);
	GPid pid = spawn(ns, argv, env, log);
	if (pid_out != NULL)
		*pid_out = pid;
	*status = wait_exit(pid, timeout);
	if (!g_file_get_contents(log, &text, NULL, NULL))
		text = g_strdup("");
	unlink(log);
	g_free(log);
	return text;
}

/*
 * Returns the output of a shell command line (stdout and stderr, g_free);
 * *status gets its exit status.  No Check assertion: main() uses it too.
 */
static char *
sh(int *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *
sh(int *status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	char *full = g_strdup_printf("exec 2>&1; %s", cmd);
	char *argv[] = { "/bin/sh", "-c", full, NULL };
	char *out = NULL;
	gint st = 0;
	if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
	    NULL, &st, NULL))
		*status = -1;
	else
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	g_free(full);
	g_free(cmd);
	return out ? out : g_strdup("");
}

/* ---- what the real daemons say of a configuration ---- */

/* Fails unless bgpd and vtysh both take `conf` without a complaint. */
static void
frr_check(const char *dir, const char *conf)
{
	char *pid = g_build_filename(dir, "dry.pid", NULL);
	char *zs = g_build_filename(dir, "zserv.api", NULL);
	char *argv[] = { "/usr/lib/frr/bgpd", "-S", "-Z", "-n", "-P", "0", "-C",
		"-f", (char *)conf, "--vty_socket", (char *)dir, "-i", pid, "-z", zs,
		NULL };
	int st;
	GPid bp = 0;
	char *out = run(NULL, argv, NULL, &st, 20, &bp);
	note_bgpd(bp);
	/* --dryrun keeps its crash-log directory: nobody else will remove it. */
	char *crash = g_strdup_printf("/var/tmp/frr/bgpd.%d", (int)bp);
	char *rm[] = { "/bin/rm", "-rf", crash, NULL };
	int rst;
	g_free(run(NULL, rm, NULL, &rst, 10, NULL));
	/* bgpd 8.4 exits 0 even when lines fail: its messages tell. */
	ck_assert_msg(st == 0 && strstr(out, "Config Failed") == NULL &&
	    strstr(out, "No such command") == NULL &&
	    strstr(out, "Unknown command") == NULL && strstr(out, "% ") == NULL,
	    "bgpd --dryrun on %s: status %d:\n%s", conf, st, out);
	g_free(out);

	char *vargv[] = { "/usr/bin/vtysh", "-C", "-f", (char *)conf, NULL };
	out = run(NULL, vargv, NULL, &st, 20, NULL);
	ck_assert_msg(st == 0, "vtysh --dryrun on %s: status %d:\n%s", conf, st, out);
	g_free(out);
	g_free(crash);
	g_free(pid);
	g_free(zs);
}

/* Fails unless `bird -p` takes `conf`. */
static void
bird_check(const char *conf)
{
	char *argv[] = { "/usr/sbin/bird", "-p", "-c", (char *)conf, NULL };
	int st;
	char *out = run(NULL, argv, NULL, &st, 20, NULL);
	ck_assert_msg(st == 0, "bird -p -c %s: status %d:\n%s", conf, st, out);
	g_free(out);
}

/* Fails unless `gobgpd --dry-run` takes `conf`. */
static void
gobgp_check(const char *conf)
{
	char *argv[] = { "/usr/bin/gobgpd", "-f", (char *)conf, "-t", "toml", "-d",
		NULL };
	int st;
	char *out = run(NULL, argv, NULL, &st, 20, NULL);
	ck_assert_msg(st == 0 && strstr(out, "fatal") == NULL,
	    "gobgpd --dry-run -f %s: status %d:\n%s", conf, st, out);
	g_free(out);
}

/* Returns the argv as one line, for messages (g_free). */
static char *
joined(char **argv)
{
	return argv ? g_strjoinv(" ", argv) : g_strdup("(null)");
}

/* Fails unless argv is exactly the words of `want` (space-separated). */
static void
argv_is(char **argv, const char *want)
{
	char *got = joined(argv);
	ck_assert_msg(strcmp(got, want) == 0, "argv\n  %s\nexpected\n  %s", got, want);
	g_free(got);
}

/* Returns node `i`'s configuration after preparing it in a new dir `name`. */
static char *
prepare(const struct topo *b, size_t i, const char *name, struct lab_daemon *d,
    char **dir_out)
{
	struct lab_error err = { 0 };
	char *dir = test_dir(name);
	int rc = lab_kind_prepare(&b->t, i, dir, NULL, d, &err);
	ck_assert_msg(rc == 0, "prepare %s: %s", b->nodes[i].name, err.msg);
	ck_assert_ptr_nonnull(d->argv);
	ck_assert_msg(g_path_is_absolute(d->argv[0]), "%s", d->argv[0]);
	*dir_out = dir;
	const char *file = b->nodes[i].kind == LAB_KIND_FRR ? "bgpd.conf" :
	    b->nodes[i].kind == LAB_KIND_BIRD ? "bird.conf" : "gobgpd.toml";
	return slurp(dir, file);
}

/* ---- FRR ---- */

START_TEST(frr_controller_only)
{
	struct topo b;
	struct lab_daemon d;
	char *dir;
	topo_edge(&b, LAB_KIND_FRR);
	char *c = prepare(&b, 0, "frr-edge", &d, &dir);

	HAS(c, "\nrouter bgp 65001\n");
	HAS(c, "\n bgp router-id 172.30.0.2\n");
	HAS(c, "\n no bgp ebgp-requires-policy\n");
	HAS(c, "\n no bgp default ipv4-unicast\n");
	HAS(c, "\n timers bgp 3 9\n");
	HAS(c, "\n neighbor 172.30.0.1 remote-as 65000\n");
	HAS(c, "\n neighbor 172.30.0.1 update-source 172.30.0.2\n");
	HAS(c, "\n neighbor 172.30.0.1 passive\n");
	HAS(c, "\n neighbor 172.30.0.1 timers connect 1\n");
	HAS(c, "\n address-family ipv4 flowspec\n");
	HAS(c, "\n address-family ipv6 flowspec\n");
	HASN(c, "\n  neighbor 172.30.0.1 activate\n", 2);
	HASN(c, "\n  neighbor 172.30.0.1 route-map FC-NOTHING out\n", 2);
	HAS(c, "\nroute-map FC-NOTHING deny 10\n");
	HASN(c, "route-reflector-client", 0);
	char *log = g_strdup_printf("\nlog file %s/bgpd.log informational\n", dir);
	HAS(c, log);

	char *want = g_strdup_printf("/usr/lib/frr/bgpd -S -Z -n -P 0 -f "
	    "%s/bgpd.conf --vty_socket %s -i %s/bgpd.pid -z %s/zserv.api", dir, dir,
	    dir, dir);
	argv_is(d.argv, want);
	ck_assert_ptr_nonnull(d.env);
	ck_assert_str_eq(d.env[0], "LIBC_FATAL_STDERR_=1");

	char *conf = g_build_filename(dir, "bgpd.conf", NULL);
	frr_check(dir, conf);

	char **v = lab_kind_view_argv(&b.t, 0, dir, "ipv4");
	g_free(want);
	want = g_strdup_printf("/usr/bin/vtysh --vty_socket %s -H %s/vtysh.history "
	    "-d bgpd -c show bgp ipv4 flowspec json", dir, dir);
	argv_is(v, want);
	ck_assert_str_eq(v[8], "show bgp ipv4 flowspec json");	/* one word */
	g_strfreev(v);
	v = lab_kind_view_argv(&b.t, 0, dir, "ipv6");
	ck_assert_str_eq(v[8], "show bgp ipv6 flowspec json");
	g_strfreev(v);

	lab_daemon_clear(&d);
	ck_assert_ptr_null(d.argv);
	ck_assert_ptr_null(d.env);
	g_free(conf);
	g_free(want);
	g_free(log);
	g_free(c);
	g_free(dir);
}
END_TEST

START_TEST(frr_route_reflector)
{
	struct topo b;
	struct lab_daemon d;
	char *dir;
	topo_rr(&b, LAB_KIND_FRR);
	char *c = prepare(&b, 0, "frr-rr", &d, &dir);

	HAS(c, "\nrouter bgp 65010\n");
	HAS(c, "\n bgp router-id 172.30.0.6\n");
	HAS(c, "\n neighbor 172.30.0.5 remote-as 65000\n");
	HAS(c, "\n neighbor 172.30.0.5 passive\n");
	HASN(c, " passive\n", 1);	/* the controller's session only */
	HAS(c, "\n neighbor 10.0.1.2 remote-as 65010\n");
	HAS(c, "\n neighbor 10.0.1.2 update-source 10.0.1.1\n");
	HAS(c, "\n neighbor 10.0.2.1 remote-as 65010\n");
	HAS(c, "\n neighbor 10.0.2.1 update-source 10.0.2.2\n");
	HAS(c, "\n neighbor 10.0.3.2 remote-as 65020\n");
	HAS(c, "\n neighbor 10.0.3.2 update-source 10.0.3.1\n");
	HASN(c, " timers connect 1\n", 4);
	HASN(c, "\n  neighbor 10.0.1.2 route-reflector-client\n", 2);
	HASN(c, "\n  neighbor 10.0.2.1 route-reflector-client\n", 2);
	HASN(c, "route-reflector-client", 4);	/* not ext1: eBGP */
	HASN(c, "\n  neighbor 10.0.3.2 activate\n", 2);
	HASN(c, " route-map FC-NOTHING out\n", 2);	/* the controller only */
	char *conf = g_build_filename(dir, "bgpd.conf", NULL);
	frr_check(dir, conf);
	lab_daemon_clear(&d);
	g_free(conf);
	g_free(c);
	g_free(dir);

	/* A client: one session, active, not passive, no route map. */
	c = prepare(&b, 2, "frr-client", &d, &dir);
	HAS(c, "\nrouter bgp 65010\n");
	HAS(c, "\n neighbor 10.0.2.2 remote-as 65010\n");
	HAS(c, "\n neighbor 10.0.2.2 update-source 10.0.2.1\n");
	HASN(c, "passive", 0);
	HASN(c, "route-reflector-client", 0);
	HASN(c, "route-map FC-NOTHING out", 0);
	conf = g_build_filename(dir, "bgpd.conf", NULL);
	frr_check(dir, conf);
	lab_daemon_clear(&d);
	g_free(conf);
	g_free(c);
	g_free(dir);
}
END_TEST

/* ---- BIRD ---- */

START_TEST(bird_controller_only)
{
	struct topo b;
	struct lab_daemon d;
	char *dir;
	topo_edge(&b, LAB_KIND_BIRD);
	char *c = prepare(&b, 0, "bird-edge", &d, &dir);

	char *log = g_strdup_printf("\nlog \"%s/bird.log\" all;\n", dir);
	HAS(c, log);
	HAS(c, "\nrouter id 172.30.0.2;\n");
	HAS(c, "\nflow4 table flowtab4;\n");
	HAS(c, "\nflow6 table flowtab6;\n");
	HAS(c, "\nprotocol device { }\n");
	HAS(c, "\nprotocol bgp ctl {\n");
	HAS(c, "\n  local 172.30.0.2 as 65001;\n");
	HAS(c, "\n  neighbor 172.30.0.1 as 65000;\n");
	HAS(c, "\n  passive on;\n");
	HAS(c, "\n  hold time 9;\n");
	HAS(c, "\n  keepalive time 3;\n");
	HAS(c, "\n  connect delay time 1;\n");
	HAS(c, "\n  connect retry time 1;\n");
	HAS(c, "\n  error wait time 1, 5;\n");
	HAS(c, "\n  flow4 { table flowtab4; import all; export none; validate off; };\n");
	HAS(c, "\n  flow6 { table flowtab6; import all; export none; validate off; };\n");
	HASN(c, "protocol bgp", 1);

	char *want = g_strdup_printf("/usr/sbin/bird -f -c %s/bird.conf -s "
	    "%s/bird.ctl -P %s/bird.pid", dir, dir, dir);
	argv_is(d.argv, want);
	ck_assert_ptr_null(d.env);
	char *conf = g_build_filename(dir, "bird.conf", NULL);
	bird_check(conf);

	char **v = lab_kind_view_argv(&b.t, 0, dir, "ipv6");
	g_free(want);
	want = g_strdup_printf("/usr/sbin/birdc -s %s/bird.ctl show route table "
	    "flowtab6 all", dir);
	argv_is(v, want);
	g_strfreev(v);

	lab_daemon_clear(&d);
	g_free(conf);
	g_free(want);
	g_free(log);
	g_free(c);
	g_free(dir);
}
END_TEST

START_TEST(bird_route_reflector)
{
	struct topo b;
	struct lab_daemon d;
	char *dir;
	topo_rr(&b, LAB_KIND_BIRD);
	char *c = prepare(&b, 0, "bird-rr", &d, &dir);

	HAS(c, "\nrouter id 172.30.0.6;\n");
	HAS(c, "\nprotocol bgp ctl {\n");
	HAS(c, "\n  neighbor 172.30.0.5 as 65000;\n");
	/* Names are BIRD symbols: '-' is not one of their characters. */
	HAS(c, "\nprotocol bgp p1_client_1 {\n");
	HAS(c, "\n  description \"client-1\";\n");
	HAS(c, "\nprotocol bgp p2_client_2 {\n");
	HAS(c, "\nprotocol bgp p3_ext1 {\n");
	HAS(c, "\n  local 10.0.1.1 as 65010;\n  neighbor 10.0.1.2 as 65010;\n");
	HAS(c, "\n  local 10.0.2.2 as 65010;\n  neighbor 10.0.2.1 as 65010;\n");
	HAS(c, "\n  local 10.0.3.1 as 65010;\n  neighbor 10.0.3.2 as 65020;\n");
	HASN(c, "  rr client;\n", 2);
	HASN(c, "  passive on;\n", 1);
	HASN(c, "  direct;\n", 4);
	HASN(c, "  connect retry time 1;\n", 4);
	HASN(c, "import all; export all; validate off;", 6);
	HASN(c, "import all; export none; validate off;", 2);
	char *conf = g_build_filename(dir, "bird.conf", NULL);
	bird_check(conf);
	lab_daemon_clear(&d);
	g_free(conf);
	g_free(c);
	g_free(dir);

	c = prepare(&b, 1, "bird-client", &d, &dir);
	HAS(c, "\nprotocol bgp p0_rr1 {\n");
	HAS(c, "\n  local 10.0.1.2 as 65010;\n  neighbor 10.0.1.1 as 65010;\n");
	HASN(c, "passive", 0);
	HASN(c, "rr client", 0);
	HASN(c, "protocol bgp", 1);
	conf = g_build_filename(dir, "bird.conf", NULL);
	bird_check(conf);
	lab_daemon_clear(&d);
	g_free(conf);
	g_free(c);
	g_free(dir);
}
END_TEST

/* ---- GoBGP ---- */

START_TEST(gobgp_controller_only)
{
	struct topo b;
	struct lab_daemon d;
	char *dir;
	topo_edge(&b, LAB_KIND_GOBGP);
	char *c = prepare(&b, 0, "gobgp-edge", &d, &dir);

	HAS(c, "\n[global.config]\n  as = 65001\n  router-id = \"172.30.0.2\"\n");
	HAS(c, "\n  export-policy-list = [\"fc-nothing-to-controller\"]\n");
	HAS(c, "\n  neighbor-info-list = [\"172.30.0.1\"]\n");
	HAS(c, "\n      route-disposition = \"reject-route\"\n");
	HASN(c, "\n[[neighbors]]\n", 1);
	HAS(c, "\n    neighbor-address = \"172.30.0.1\"\n    peer-as = 65000\n");
	HAS(c, "\n    local-address = \"172.30.0.2\"\n    passive-mode = true\n");
	HAS(c, "\n    connect-retry = 1\n    hold-time = 9\n    keepalive-interval = 3\n");
	HASN(c, "\n      afi-safi-name = \"ipv4-flowspec\"\n", 1);
	HASN(c, "\n      afi-safi-name = \"ipv6-flowspec\"\n", 1);
	HASN(c, "route-reflector", 0);

	char *want = g_strdup_printf("/usr/bin/gobgpd -f %s/gobgpd.toml -t toml "
	    "--api-hosts 127.0.0.1:50051 --pprof-disable --log-plain --log-level "
	    "info", dir);
	argv_is(d.argv, want);
	char *conf = g_build_filename(dir, "gobgpd.toml", NULL);
	gobgp_check(conf);

	char **v = lab_kind_view_argv(&b.t, 0, dir, "ipv4");
	argv_is(v, "/usr/bin/gobgp -u 127.0.0.1 -p 50051 global rib -a "
	    "ipv4-flowspec -j");
	g_strfreev(v);

	lab_daemon_clear(&d);
	g_free(conf);
	g_free(want);
	g_free(c);
	g_free(dir);
}
END_TEST

START_TEST(gobgp_route_reflector)
{
	struct topo b;
	struct lab_daemon d;
	char *dir;
	topo_rr(&b, LAB_KIND_GOBGP);
	char *c = prepare(&b, 0, "gobgp-rr", &d, &dir);

	HAS(c, "\n  as = 65010\n  router-id = \"172.30.0.6\"\n");
	HASN(c, "\n[[neighbors]]\n", 4);
	HAS(c, "\n    neighbor-address = \"172.30.0.5\"\n    peer-as = 65000\n");
	HAS(c, "\n    neighbor-address = \"10.0.1.2\"\n    peer-as = 65010\n");
	HAS(c, "\n    neighbor-address = \"10.0.2.1\"\n    peer-as = 65010\n");
	HAS(c, "\n    neighbor-address = \"10.0.3.2\"\n    peer-as = 65020\n");
	HAS(c, "\n    local-address = \"10.0.1.1\"\n");
	HAS(c, "\n    local-address = \"10.0.2.2\"\n");
	HAS(c, "\n    local-address = \"10.0.3.1\"\n");
	HASN(c, "passive-mode = true", 1);
	HASN(c, "\n    route-reflector-client = true\n", 2);
	HASN(c, "\n    route-reflector-cluster-id = \"172.30.0.6\"\n", 2);
	HASN(c, "connect-retry = 1\n", 4);
	HASN(c, "\"ipv4-flowspec\"", 4);
	HASN(c, "\"ipv6-flowspec\"", 4);
	/* The clients' tables: each [neighbors.route-reflector.config] after its own neighbor. */
	const char *rr = strstr(c, "route-reflector-client");
	const char *n1 = strstr(c, "\"10.0.1.2\""), *n2 = strstr(c, "\"10.0.2.1\"");
	ck_assert(n1 != NULL && n2 != NULL && n1 < rr && rr < n2);
	char *conf = g_build_filename(dir, "gobgpd.toml", NULL);
	gobgp_check(conf);
	lab_daemon_clear(&d);
	g_free(conf);
	g_free(c);
	g_free(dir);

	/* A node with no controller session has no policy (an empty set matches all). */
	c = prepare(&b, 3, "gobgp-ext", &d, &dir);
	HASN(c, "policy", 0);
	HASN(c, "neighbor-set", 0);
	HAS(c, "\n    neighbor-address = \"10.0.3.1\"\n    peer-as = 65010\n");
	HASN(c, "passive-mode", 0);
	conf = g_build_filename(dir, "gobgpd.toml", NULL);
	gobgp_check(conf);
	lab_daemon_clear(&d);
	g_free(conf);
	g_free(c);
	g_free(dir);
}
END_TEST

/* A node with no session at all still gets a configuration its daemon takes. */
START_TEST(no_sessions)
{
	struct topo b;
	struct lab_daemon d;
	char *dir;
	static const enum lab_kind kinds[] = { LAB_KIND_FRR, LAB_KIND_BIRD,
		LAB_KIND_GOBGP };
	static const char *const names[] = { "alone-frr", "alone-bird",
		"alone-gobgp" };

	for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
		topo_edge(&b, kinds[k]);
		b.nodes[0].controller_peer = false;
		char *c = prepare(&b, 0, names[k], &d, &dir);
		HASN(c, "neighbor", 0);
		char *conf = g_build_filename(dir, kinds[k] == LAB_KIND_FRR ?
		    "bgpd.conf" : kinds[k] == LAB_KIND_BIRD ? "bird.conf" :
		    "gobgpd.toml", NULL);
		if (kinds[k] == LAB_KIND_FRR)
			frr_check(dir, conf);
		else if (kinds[k] == LAB_KIND_BIRD)
			bird_check(conf);
		else
			gobgp_check(conf);
		lab_daemon_clear(&d);
		g_free(conf);
		g_free(c);
		g_free(dir);
	}
}
END_TEST

/* ---- linux, vrouter, errors ---- */

START_TEST(linux_exec_through_path)
{
	struct topo b;
	struct lab_daemon d;
	struct lab_error err = { 0 };
	char *exec[] = { "sleep", "30", NULL };
	char *dir = test_dir("linux");

	topo_edge(&b, LAB_KIND_LINUX);
	b.nodes[0].exec = exec;
	ck_assert_int_eq(lab_kind_prepare(&b.t, 0, dir, NULL, &d, &err), 0);
	ck_assert_msg(g_path_is_absolute(d.argv[0]) && access(d.argv[0], X_OK) == 0,
	    "%s", d.argv[0]);
	char *base = g_path_get_basename(d.argv[0]);
	ck_assert_str_eq(base, "sleep");
	ck_assert_str_eq(d.argv[1], "30");
	ck_assert_ptr_null(d.argv[2]);
	ck_assert_str_eq(exec[0], "sleep");	/* the topology's own is untouched */
	ck_assert_ptr_null(lab_kind_view_argv(&b.t, 0, dir, "ipv4"));
	ck_assert_int_eq(lab_kind_available(LAB_KIND_LINUX, NULL, &err), 0);
	lab_daemon_clear(&d);
	g_free(base);

	char *abs[] = { "/bin/true", NULL };
	b.nodes[0].exec = abs;
	ck_assert_int_eq(lab_kind_prepare(&b.t, 0, dir, NULL, &d, &err), 0);
	ck_assert_str_eq(d.argv[0], "/bin/true");
	lab_daemon_clear(&d);

	char *missing[] = { "fc-no-such-program", "x", NULL };
	b.nodes[0].exec = missing;
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(lab_kind_prepare(&b.t, 0, dir, NULL, &d, &err), -1);
	ck_assert_int_eq(err.code, LAB_E_ENV);
	ck_assert_msg(strstr(err.msg, "fc-no-such-program") != NULL &&
	    strstr(err.msg, "edge1") != NULL, "%s", err.msg);
	ck_assert_ptr_null(d.argv);

	b.nodes[0].exec = NULL;
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(lab_kind_prepare(&b.t, 0, dir, NULL, &d, &err), -1);
	ck_assert_int_ne(err.code, LAB_OK);
	g_free(dir);
}
END_TEST

START_TEST(vrouter_not_built)
{
	struct topo b;
	struct lab_daemon d;
	struct lab_error err = { 0 };
	char *dir = test_dir("vrouter-none");

	topo_rr(&b, LAB_KIND_VROUTER);
	ck_assert_int_eq(lab_kind_prepare(&b.t, 0, dir, NULL, &d, &err), -1);
	ck_assert_int_eq(err.code, LAB_E_ENV);
	ck_assert_msg(strstr(err.msg, "flowcanary-vrouter") != NULL &&
	    strstr(err.msg, "not built") != NULL, "%s", err.msg);
	ck_assert_ptr_null(d.argv);

	memset(&err, 0, sizeof err);
	ck_assert_int_eq(lab_kind_available(LAB_KIND_VROUTER, NULL, &err), -1);
	ck_assert_int_eq(err.code, LAB_E_ENV);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(lab_kind_available(LAB_KIND_VROUTER, "/nonexistent/vr",
	    &err), -1);
	ck_assert_int_eq(err.code, LAB_E_ENV);
	char *plain = g_build_filename(dir, "not-executable", NULL);
	ck_assert(g_file_set_contents(plain, "#!/bin/sh\n", -1, NULL));
	ck_assert_int_eq(chmod(plain, 0644), 0);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(lab_kind_prepare(&b.t, 0, dir, plain, &d, &err), -1);
	ck_assert_int_eq(err.code, LAB_E_ENV);
	ck_assert_int_eq(lab_kind_prepare(&b.t, 0, dir, dir, &d, &err), -1);
	ck_assert_int_eq(err.code, LAB_E_ENV);
	g_free(plain);
	char *conf = g_build_filename(dir, "vrouter.conf", NULL);
	ck_assert_msg(access(conf, F_OK) != 0, "vrouter.conf written for nothing");
	g_free(conf);
	g_free(dir);
}
END_TEST

START_TEST(vrouter_config)
{
	struct topo b;
	struct lab_daemon d;
	struct lab_error err = { 0 };
	char *dir = test_dir("vrouter");
	char platform[] = "tcam";

	topo_rr(&b, LAB_KIND_VROUTER);
	b.nodes[0].platform = platform;
	/* Any executable stands in for the daemon here: the vrouter's own
	 * tests start the real one from this configuration. */
	ck_assert_int_eq(lab_kind_prepare(&b.t, 0, dir, "/bin/true", &d, &err), 0);
	char *want = g_strdup_printf("/bin/true --config %s/vrouter.conf", dir);
	argv_is(d.argv, want);
	char *c = slurp(dir, "vrouter.conf");
	HAS(c, "\nplatform = tcam\n");
	HAS(c, "\nasn = 65010\n");
	HAS(c, "\nrouter-id = 172.30.0.6\n");
	HAS(c, "\ncontroller-neighbor = 172.30.0.5\n");
	HAS(c, "\ncontroller-as = 65000\n");
	HAS(c, "\ncontroller-local = 172.30.0.6\n");
	HAS(c, "\npeer = 10.0.1.2 as 65010 local 10.0.1.1 name client-1 rr-client\n");
	HAS(c, "\npeer = 10.0.2.1 as 65010 local 10.0.2.2 name client_2 rr-client\n");
	HAS(c, "\npeer = 10.0.3.2 as 65020 local 10.0.3.1 name ext1\n");
	/* Its links are its data interfaces; injectors reach it on loopback. */
	HAS(c, "\ndataplane = eth1\ndataplane = eth2\ndataplane = eth3\n");
	HAS(c, "\naccept-loopback = yes\n");
	char *ctl = g_strdup_printf("\ncontrol = %s/vrouter.sock\n", dir);
	HAS(c, ctl);
	g_free(ctl);
	ck_assert_ptr_null(lab_kind_view_argv(&b.t, 0, dir, "ipv4"));
	ck_assert_int_eq(lab_kind_available(LAB_KIND_VROUTER, "/bin/true", &err), 0);
	lab_daemon_clear(&d);
	g_free(c);
	g_free(want);
	g_free(dir);
}
END_TEST

START_TEST(daemons_available)
{
	struct lab_error err = { 0 };
	ck_assert_msg(lab_kind_available(LAB_KIND_FRR, NULL, &err) == 0, "%s", err.msg);
	ck_assert_msg(lab_kind_available(LAB_KIND_BIRD, NULL, &err) == 0, "%s", err.msg);
	ck_assert_msg(lab_kind_available(LAB_KIND_GOBGP, NULL, &err) == 0, "%s", err.msg);
}
END_TEST

START_TEST(bad_input_refused)
{
	struct topo b;
	struct lab_daemon d;
	struct lab_error err = { 0 };
	char *dir = test_dir("bad");

	topo_rr(&b, LAB_KIND_BIRD);
	b.nodes[0].peerings[1].link = 7;	/* no such link */
	ck_assert_int_eq(lab_kind_prepare(&b.t, 0, dir, NULL, &d, &err), -1);
	ck_assert_int_eq(err.code, LAB_E_VALUE);
	ck_assert_ptr_null(d.argv);
	topo_rr(&b, LAB_KIND_BIRD);
	b.nodes[0].peerings[1].side = 0;	/* the client's end, not ours */
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(lab_kind_prepare(&b.t, 0, dir, NULL, &d, &err), -1);
	ck_assert_int_eq(err.code, LAB_E_VALUE);
	ck_assert_int_eq(lab_kind_prepare(&b.t, 9, dir, NULL, &d, &err), -1);

	/* FRR takes paths unquoted, BIRD in quotes: a space or quote cannot go. */
	topo_edge(&b, LAB_KIND_FRR);
	char *spaced = g_strdup_printf("%s/a dir", dir);
	ck_assert_int_eq(g_mkdir_with_parents(spaced, 0755), 0);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(lab_kind_prepare(&b.t, 0, spaced, NULL, &d, &err), -1);
	ck_assert_int_eq(err.code, LAB_E_ENV);

	/* A directory that is not there: an I/O error, no crash. */
	char *gone = g_strdup_printf("%s/not-there", dir);
	memset(&err, 0, sizeof err);
	ck_assert_int_eq(lab_kind_prepare(&b.t, 0, gone, NULL, &d, &err), -1);
	ck_assert_int_eq(err.code, LAB_E_IO);
	ck_assert_ptr_null(lab_kind_view_argv(&b.t, 0, dir, "ipv5"));
	g_free(gone);
	g_free(spaced);
	g_free(dir);
}
END_TEST

START_TEST(relative_dir_made_absolute)
{
	struct topo b;
	struct lab_daemon d;
	struct lab_error err = { 0 };
	char *dir = test_dir("rel");
	char *cwd = g_get_current_dir();

	topo_edge(&b, LAB_KIND_BIRD);
	ck_assert_int_eq(chdir(root), 0);
	ck_assert_int_eq(lab_kind_prepare(&b.t, 0, "rel", NULL, &d, &err), 0);
	char *want = g_strdup_printf("/usr/sbin/bird -f -c %s/bird.conf -s "
	    "%s/bird.ctl -P %s/bird.pid", dir, dir, dir);
	argv_is(d.argv, want);
	ck_assert_int_eq(chdir(cwd), 0);
	lab_daemon_clear(&d);
	g_free(want);
	g_free(cwd);
	g_free(dir);
}
END_TEST

/* ---- end to end: controller -> route reflector -> client ---- */

static int sweep_namespaces(bool ours);

/*
 * The lab of one end-to-end case: namespace c is the controller's, n0 the
 * reflector's (peered with the controller), n1 its client's.
 */
struct e2e {
	enum lab_kind kind;
	struct topo b;
	char ns[3][32];
	char *dir[2];
	GPid daemon[2], inject;
	GString *fail;
};

#define E2E_CTL_NET ip4(172, 31, 0, 0)
#define E2E_LINK_NET ip4(10, 31, 0, 0)
#define E2E_RULES "match destination 192.0.2.1/32 protocol ==udp then discard\n" \
	"match destination 2001:db8::1/128 next-header ==udp then discard\n"
#define E2E_V4 "192.0.2.1/32"
#define E2E_V6 "2001:db8::1/128"
#define E2E_OWN "198.51.100.1/32"	/* one the GoBGP client announces itself */

/* Returns nothing; runs a host command line, recording a failure in e->fail. */
static void
e2e_sh(struct e2e *e, const char *cmd)
{
	int st;
	char *out = sh(&st, "%s", cmd);
	if (st != 0)
		g_string_append_printf(e->fail, "\n`%s` failed (%d): %s", cmd, st, out);
	g_free(out);
}

/* Returns true if namespace `name` exists. */
static bool
ns_exists(const char *name)
{
	char *p = g_strdup_printf("/run/netns/%s", name);
	bool yes = access(p, F_OK) == 0;
	g_free(p);
	return yes;
}

/* Returns nothing; makes the namespaces, veths and addresses. */
static void
e2e_net(struct e2e *e)
{
	int pid = (int)runner;
	char cmd[512];

	snprintf(e->ns[0], sizeof e->ns[0], "fck%dc", pid);
	snprintf(e->ns[1], sizeof e->ns[1], "fck%dn0", pid);
	snprintf(e->ns[2], sizeof e->ns[2], "fck%dn1", pid);
	for (int i = 0; i < 3; i++) {
		snprintf(cmd, sizeof cmd, "ip netns add %s && ip -n %s link set lo up",
		    e->ns[i], e->ns[i]);
		e2e_sh(e, cmd);
	}
	/* Controller <-> reflector, reflector <-> client. */
	snprintf(cmd, sizeof cmd, "ip link add fk%dc netns %s type veth peer name "
	    "fk%dr netns %s && ip -n %s addr add 172.31.0.1/30 dev fk%dc && "
	    "ip -n %s addr add 172.31.0.2/30 dev fk%dr && ip -n %s link set fk%dc up "
	    "&& ip -n %s link set fk%dr up", pid, e->ns[0], pid, e->ns[1], e->ns[0],
	    pid, e->ns[1], pid, e->ns[0], pid, e->ns[1], pid);
	e2e_sh(e, cmd);
	snprintf(cmd, sizeof cmd, "ip link add fk%da netns %s type veth peer name "
	    "fk%db netns %s && ip -n %s addr add 10.31.0.1/30 dev fk%da && "
	    "ip -n %s addr add 10.31.0.2/30 dev fk%db && ip -n %s link set fk%da up "
	    "&& ip -n %s link set fk%db up", pid, e->ns[1], pid, e->ns[2], e->ns[1],
	    pid, e->ns[2], pid, e->ns[1], pid, e->ns[2], pid);
	e2e_sh(e, cmd);
}

/* Returns the output of node `i`'s view of `family` (g_free); *st its status. */
static char *
e2e_view(struct e2e *e, size_t i, const char *family, int *st)
{
	char **v = lab_kind_view_argv(&e->b.t, i, e->dir[i], family);
	if (v == NULL) {
		*st = -1;
		return g_strdup("(no view)");
	}
	char *out = run(e->ns[1 + i], v, NULL, st, 10, NULL);
	g_strfreev(v);
	return out;
}

/*
 * Returns true once node `i`'s view answers and holds the rule for `dst`
 * (or, with !want, no longer holds it); *last gets the view's last words.
 */
static bool
e2e_wait_rule(struct e2e *e, size_t i, const char *dst, bool want,
    double timeout, char **last)
{
	gint64 end = g_get_monotonic_time() + (gint64)(timeout * 1e6);
	const char *family = strchr(dst, ':') ? "ipv6" : "ipv4";
	for (;;) {
		int st;
		char *out = e2e_view(e, i, family, &st);
		bool has = st == 0 && strstr(out, dst) != NULL;
		bool done = st == 0 && has == want;
		if (done || g_get_monotonic_time() > end) {
			g_free(*last);
			*last = out;
			return done;
		}
		g_free(out);
		g_usleep(200000);
	}
}

/* Returns the tail of a file, for failure messages (g_free). */
static char *
tail(const char *dir, const char *name)
{
	char *path = g_build_filename(dir, name, NULL), *text = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &text, &len, NULL))
		text = g_strdup("(none)");
	else if (len > 1500)
		memmove(text, text + len - 1500, 1501);
	g_free(path);
	return text;
}

/*
 * Returns nothing; checks that the reflector sends the controller nothing
 * of `family`: FRR would send the controller's rules back without its
 * route map, GoBGP the rules of its other peers without its policy.
 */
static void
e2e_nothing_back(struct e2e *e, const char *family)
{
	char *argv[12] = { NULL };
	char *sock = NULL, *hist = NULL, *cmd = NULL, *afi = NULL;
	bool v6 = strcmp(family, "ipv6") == 0;

	switch (e->kind) {
	case LAB_KIND_FRR:
		hist = g_build_filename(e->dir[0], "vtysh.history", NULL);
		cmd = g_strdup_printf("show bgp %s flowspec neighbors 172.31.0.1 "
		    "advertised-routes", family);
		char *frr[] = { "/usr/bin/vtysh", "--vty_socket", e->dir[0], "-H", hist,
			"-d", "bgpd", "-c", cmd, NULL };
		memcpy(argv, frr, sizeof frr);
		break;
	case LAB_KIND_BIRD:
		/* Both channels: what came in, nothing out. */
		sock = g_build_filename(e->dir[0], "bird.ctl", NULL);
		char *bird[] = { "/usr/sbin/birdc", "-s", sock, "show protocols all ctl",
			NULL };
		memcpy(argv, bird, sizeof bird);
		break;
	default:
		afi = g_strdup_printf("%s-flowspec", family);
		char *gobgp[] = { "/usr/bin/gobgp", "-p", "50051", "neighbor",
			"172.31.0.1", "adj-out", "-a", afi, NULL };
		memcpy(argv, gobgp, sizeof gobgp);
		break;
	}
	int st;
	char *out = run(e->ns[1], argv, NULL, &st, 10, NULL);
	bool ok;
	if (e->kind == LAB_KIND_BIRD)
		ok = st == 0 && count(out, "1 imported, 0 exported") == 2;
	else
		ok = st == 0 && strstr(out, v6 ? E2E_V6 : E2E_V4) == NULL &&
		    strstr(out, E2E_OWN) == NULL;
	if (!ok)
		g_string_append_printf(e->fail, "\nthe reflector sends the controller "
		    "%s rules (or cannot say): status %d:\n%s", family, st, out);
	g_free(out);
	g_free(sock);
	g_free(hist);
	g_free(cmd);
	g_free(afi);
}

/*
 * Returns nothing; has the GoBGP client announce a rule of its own and
 * waits for the reflector to hold it: a rule the export policy must keep
 * from the controller (GoBGP never sends a route back to its source, so
 * the controller's own rules prove nothing).
 */
static void
e2e_gobgp_own(struct e2e *e, char **last)
{
	char *argv[] = { "/usr/bin/gobgp", "-p", "50051", "global", "rib", "-a",
		"ipv4-flowspec", "add", "match", "destination", E2E_OWN, "then",
		"discard", NULL };
	int st;
	char *out = run(e->ns[2], argv, NULL, &st, 10, NULL);
	if (st != 0)
		g_string_append_printf(e->fail, "\ngobgp global rib add: %d %s", st, out);
	else if (!e2e_wait_rule(e, 0, E2E_OWN, true, 30, last))
		g_string_append_printf(e->fail, "\nthe reflector does not hold its "
		    "client's rule after 30 s:\n%s", *last);
	g_free(out);
}

/* Returns nothing; stops everything, removes the lab, fails if anything was left. */
static void
e2e_down(struct e2e *e)
{
	stop(e->inject);
	for (int i = 0; i < 2; i++)
		stop(e->daemon[i]);
	for (int i = 0; i < 3; i++) {
		int st;
		char *left = sh(&st, "ip netns pids %s 2>/dev/null", e->ns[i]);
		if (*g_strstrip(left) != '\0')
			g_string_append_printf(e->fail, "\nprocesses left in %s: %s",
			    e->ns[i], left);
		g_free(left);
		g_free(sh(&st, "ip netns pids %s 2>/dev/null | xargs -r kill -9; "
		    "ip netns del %s 2>/dev/null", e->ns[i], e->ns[i]));
		if (ns_exists(e->ns[i]))
			g_string_append_printf(e->fail, "\nnamespace %s survived", e->ns[i]);
	}
	for (int i = 0; i < 2; i++) {
		char *crash = g_strdup_printf("/var/tmp/frr/bgpd.%d", (int)e->daemon[i]);
		if (e->kind == LAB_KIND_FRR && access(crash, F_OK) == 0)
			g_string_append_printf(e->fail, "\nbgpd left %s", crash);
		g_free(crash);
	}
}

/* Returns nothing; the whole case for kind `k`. */
static void
e2e_run(enum lab_kind k, const char *tag)
{
	struct e2e e;
	char *last = NULL;
	char *fc = getenv("FC_BIN");

	ck_assert_msg(geteuid() == 0, "the end-to-end cases need root (namespaces)");
	ck_assert_msg(fc != NULL, "FC_BIN is not set: run through meson test");
	ck_assert_msg(access(fc, X_OK) == 0, "FC_BIN (%s) is not executable: "
	    "build flowcanary first", fc);
	memset(&e, 0, sizeof e);
	e.kind = k;
	e.fail = g_string_new(NULL);

	topo_init(&e.b);
	node_init(&e.b, 0, "rr", k, 65001, ip4(172, 31, 0, 2));
	e.b.nodes[0].route_reflector = true;
	node_ctl(&e.b, 0, E2E_CTL_NET);
	node_init(&e.b, 1, "client", k, 65001, ip4(10, 31, 0, 2));
	link_peer(&e.b, 0, 0, 1, E2E_LINK_NET);

	/* A case Check killed (timeout) leaves its lab: it failed already. */
	sweep_namespaces(true);
	e2e_net(&e);
	for (size_t i = 0; i < 2 && e.fail->len == 0; i++) {
		struct lab_daemon d;
		struct lab_error err = { 0 };
		char name[32];
		snprintf(name, sizeof name, "e2e-%s-%zu", tag, i);
		e.dir[i] = test_dir(name);
		if (lab_kind_prepare(&e.b.t, i, e.dir[i], NULL, &d, &err) != 0) {
			g_string_append_printf(e.fail, "\nprepare: %s", err.msg);
			break;
		}
		char *log = g_build_filename(e.dir[i], "daemon.out", NULL);
		e.daemon[i] = spawn(e.ns[1 + i], d.argv, d.env, log);
		if (k == LAB_KIND_FRR)
			note_bgpd(e.daemon[i]);
		lab_daemon_clear(&d);
		g_free(log);
	}

	char *rules = g_build_filename(root, "e2e.rules", NULL);
	char *ilog = g_build_filename(root, "inject.out", NULL);
	if (e.fail->len == 0 && !g_file_set_contents(rules, E2E_RULES, -1, NULL))
		g_string_append(e.fail, "\ncannot write the rule file");
	if (e.fail->len == 0) {
		char *argv[] = { fc, "inject", "--peer", "172.31.0.2", "--local-as",
			"65000", "--peer-as", "65001", "--hold", "60",
			"--connect-timeout", "30", rules, NULL };
		e.inject = spawn(e.ns[0], argv, NULL, ilog);
	}
	/* Both families from the controller, then over the iBGP session. */
	gint64 t0 = g_get_monotonic_time();
	double took[2] = { 0, 0 };
	const char *dst[] = { E2E_V4, E2E_V6 };
	for (size_t i = 0; i < 2; i++) {
		for (size_t f = 0; f < 2 && e.fail->len == 0; f++)
			if (!e2e_wait_rule(&e, i, dst[f], true, 30, &last))
				g_string_append_printf(e.fail, "\n%s does not hold the rule "
				    "for %s after 30 s; its view:\n%s", i ? "the client" :
				    "the reflector", dst[f], last);
		took[i] = (double)(g_get_monotonic_time() - t0) / 1e6;
	}
	if (e.fail->len == 0 && k == LAB_KIND_GOBGP)
		e2e_gobgp_own(&e, &last);
	if (e.fail->len == 0)
		e2e_nothing_back(&e, "ipv4");
	if (e.fail->len == 0)
		e2e_nothing_back(&e, "ipv6");
	if (e.fail->len == 0)
		fprintf(stderr, "%s: rules at the reflector in %.1f s, at its client "
		    "in %.1f s\n", tag, took[0], took[1]);

	/* The controller goes: both drop the rule (the session really carried it). */
	if (e.fail->len == 0) {
		stop(e.inject);
		e.inject = 0;
		if (!e2e_wait_rule(&e, 1, E2E_V4, false, 30, &last))
			g_string_append_printf(e.fail, "\nthe client still holds the rule "
			    "30 s after the controller left:\n%s", last);
	}

	if (e.fail->len != 0) {
		for (int i = 0; i < 2; i++) {
			if (e.dir[i] == NULL)
				continue;
			const char *logs[] = { "daemon.out", "bgpd.log", "bird.log" };
			for (size_t j = 0; j < G_N_ELEMENTS(logs); j++) {
				char *t = tail(e.dir[i], logs[j]);
				if (strcmp(t, "(none)") != 0)
					g_string_append_printf(e.fail, "\n--- node %d %s:\n%s", i,
					    logs[j], t);
				g_free(t);
			}
		}
		char *t = tail(root, "inject.out");
		g_string_append_printf(e.fail, "\n--- inject:\n%s", t);
		g_free(t);
	}
	e2e_down(&e);
	unlink(rules);
	unlink(ilog);
	g_free(rules);
	g_free(ilog);
	g_free(last);
	g_free(e.dir[0]);
	g_free(e.dir[1]);
	if (e.fail->len != 0)
		fprintf(stderr, "%s failed:%s\n", tag, e.fail->str);
	ck_assert_msg(e.fail->len == 0, "%s: %.600s", tag, e.fail->str);
	g_string_free(e.fail, TRUE);
}

START_TEST(e2e_frr)
{
	e2e_run(LAB_KIND_FRR, "frr");
}
END_TEST

START_TEST(e2e_bird)
{
	e2e_run(LAB_KIND_BIRD, "bird");
}
END_TEST

START_TEST(e2e_gobgp)
{
	e2e_run(LAB_KIND_GOBGP, "gobgp");
}
END_TEST

/* ---- the run ---- */

/*
 * Returns how many namespaces it removed (with what ran in them): this
 * run's (`ours`), or those of earlier runs whose runner is gone.
 */
static int
sweep_namespaces(bool ours)
{
	GDir *d = g_dir_open("/run/netns", 0, NULL);
	const char *name;
	int n = 0, st;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		long pid;
		char side;
		if (sscanf(name, "fck%ld%c", &pid, &side) != 2 || (side != 'c' &&
		    side != 'n'))
			continue;
		if (ours ? pid != (long)runner : (pid == (long)runner ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		n++;
		g_free(sh(&st, "ip netns pids %s | xargs -r kill -9; ip netns del %s",
		    name, name));
	}
	if (d != NULL)
		g_dir_close(d);
	return n;
}

/*
 * Returns the number of things failed cases left behind, after removing
 * them: this run's namespaces (and what runs in them), bgpd's crash
 * directories; then removes the run's directory.
 */
static int
cleanup_run(void)
{
	int left = sweep_namespaces(true), st;
	char *pids = NULL;
	char *path = g_strdup_printf("%s/bgpd.pids", root);
	if (g_file_get_contents(path, &pids, NULL, NULL)) {
		char **v = g_strsplit(pids, "\n", -1);
		for (size_t i = 0; v[i] != NULL; i++) {
			if (*v[i] == '\0')
				continue;
			char *crash = g_strdup_printf("/var/tmp/frr/bgpd.%s", v[i]);
			if (access(crash, F_OK) == 0) {
				left++;
				g_free(sh(&st, "rm -rf '%s'", crash));
			}
			g_free(crash);
		}
		g_strfreev(v);
		g_free(pids);
	}
	g_free(path);
	g_free(sh(&st, "rm -rf '%s'", root));
	return left;
}

/* Returns the suite: configurations, other kinds, end to end. */
static Suite *
kind_suite(void)
{
	Suite *s = suite_create("kind");
	TCase *tc = tcase_create("configurations");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, frr_controller_only);
	tcase_add_test(tc, frr_route_reflector);
	tcase_add_test(tc, bird_controller_only);
	tcase_add_test(tc, bird_route_reflector);
	tcase_add_test(tc, gobgp_controller_only);
	tcase_add_test(tc, gobgp_route_reflector);
	tcase_add_test(tc, no_sessions);
	suite_add_tcase(s, tc);

	tc = tcase_create("other kinds");
	tcase_add_test(tc, linux_exec_through_path);
	tcase_add_test(tc, vrouter_not_built);
	tcase_add_test(tc, vrouter_config);
	tcase_add_test(tc, daemons_available);
	tcase_add_test(tc, bad_input_refused);
	tcase_add_test(tc, relative_dir_made_absolute);
	suite_add_tcase(s, tc);

	tc = tcase_create("end to end");
	tcase_set_timeout(tc, 100);
	tcase_add_test(tc, e2e_frr);
	tcase_add_test(tc, e2e_bird);
	tcase_add_test(tc, e2e_gobgp);
	suite_add_tcase(s, tc);
	return s;
}

/* Returns 0 when every case passed and nothing was left behind. */
int
main(void)
{
	runner = getpid();
	snprintf(root, sizeof root, "/tmp/fckind-%d-XXXXXX", (int)runner);
	if (mkdtemp(root) == NULL) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	chmod(root, 0755);
	sweep_namespaces(false);
	int rc = fc_run_suite(kind_suite());
	int left = cleanup_run();
	if (left != 0) {
		fprintf(stderr, "test_kind: removed %d things failed cases left behind\n",
		    left);
		rc = EXIT_FAILURE;
	}
	return rc;
}
