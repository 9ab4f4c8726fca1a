/*
 * test_vrouter.c - flowcanary-vrouter in real labs (root): rules arrive
 * over BGP from `flowcanary inject` run inside the node's namespace, the
 * platform compiles them, memory is really allocated, and the kernel's
 * OOM killer, the lab's monitor and the control socket all see it.
 *
 *   oom_2013          the 2013 rule on the 2013 platform, 256 MiB: runaway, then OOM-killed
 *   tcam_rejects_2013 the same rule on the TCAM platform: rejected, node healthy
 *   safe_everywhere   twenty realistic mitigations pass on every platform
 *   recompile_churn   the full-recompile platform rebuilds its table on every update
 *   traffic           packets through the dataplane: discard and rate-limit, with counters
 *   validation        RFC 8955 section 6: an unfeasible rule is kept out of the dataplane
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab_support.h"
#include "support.h"

#define VR_ASN 65100

static char *lab_name;
static GPtrArray *injectors;	/* GPid as pointers */

static void
setup(void)
{
	injectors = g_ptr_array_new();
}

/* Stops every injector this test started. */
static void
stop_injectors(void)
{
	for (guint i = 0; injectors && i < injectors->len; i++) {
		GPid pid = GPOINTER_TO_INT(injectors->pdata[i]);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	if (injectors)
		g_ptr_array_set_size(injectors, 0);
}

static void
teardown(void)
{
	stop_injectors();
	g_clear_pointer(&injectors, g_ptr_array_unref);
	if (lab_name)
		lab_down_and_check(lab_name);
	g_clear_pointer(&lab_name, g_free);
}

/* Returns the path of node's control socket (g_free). */
static char *
control_path(const char *node)
{
	return g_strdup_printf("/run/flowcanary/%s/nodes/%s/vrouter.sock", lab_name, node);
}

/* Returns `flowcanary-vrouter --show SOCKET cmd` parsed, or NULL if it did not answer. */
static JsonNode *
vr_show(const char *node, const char *cmd)
{
	const char *bin = g_getenv("FC_VROUTER");
	ck_assert_msg(bin != NULL, "FC_VROUTER is not set");
	char *sock = control_path(node);
	char *argv[] = { (char *)bin, "--show", sock, (char *)cmd, NULL };
	char *out = NULL;
	int status = -1;
	JsonNode *n = NULL;

	if (g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
	    &out, NULL, &status, NULL) && status == 0)
		n = json_from_string(out, NULL);
	g_free(out);
	g_free(sock);
	return n;
}

/* Returns the rules array of node's table, or NULL (json_node_unref *holder). */
static JsonArray *
vr_rules(const char *node, JsonNode **holder)
{
	*holder = vr_show(node, "rules");
	if (*holder == NULL)
		return NULL;
	return json_object_get_array_member(json_node_get_object(*holder), "rules");
}

/* In the injector, before exec: it dies with the test, whatever happens. */
static void
die_with_parent(gpointer ud)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Starts `flowcanary inject` of `rules` inside node's namespace, to its loopback. */
static void
inject(const char *node, const char *rules, const char *extra)
{
	char *ns = g_strdup_printf("fc.%s.%s", lab_name, node);
	char *asn = g_strdup_printf("%d", VR_ASN);
	const char *argv[] = { "ip", "netns", "exec", ns, g_getenv("FC_BIN"), "inject",
		"--peer", "127.0.0.1", "--local-as", extra ? extra : "65001",
		"--peer-as", asn, "--hold", "600", "--connect-timeout", "10",
		rules, NULL };
	GPid pid;
	GError *e = NULL;

	ck_assert_msg(g_spawn_async(NULL, (char **)argv, NULL,
	    G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
	    G_SPAWN_STDERR_TO_DEV_NULL,
	    die_with_parent, NULL, &pid, &e), "inject: %s", e ? e->message : "?");
	g_ptr_array_add(injectors, GINT_TO_POINTER(pid));
	g_free(ns);
	g_free(asn);
}

struct rules_wait {
	const char *node;
	const char *status;	/* every rule in this status */
	int count;		/* and this many rules */
};

/* Returns true when the node holds `count` rules, all in `status`. */
static bool
rules_are(void *ud)
{
	struct rules_wait *w = ud;
	JsonNode *h;
	JsonArray *a = vr_rules(w->node, &h);
	bool ok = a != NULL && (int)json_array_get_length(a) == w->count;

	for (guint i = 0; ok && i < json_array_get_length(a); i++)
		ok = strcmp(json_object_get_string_member(json_array_get_object_element(a, i),
		    "status"), w->status) == 0;
	if (h)
		json_node_unref(h);
	return ok;
}

/* Returns a one-line summary of node's rules, for failure messages (g_free). */
static char *
rules_summary(const char *node)
{
	JsonNode *h;
	JsonArray *a = vr_rules(node, &h);
	GString *s = g_string_new(NULL);

	if (a == NULL)
		g_string_append(s, "(no answer from the control socket)");
	for (guint i = 0; a && i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		g_string_append_printf(s, "\n  %s: %s (%s)", json_object_get_string_member(o, "rule"),
		    json_object_get_string_member(o, "status"),
		    json_object_get_string_member(o, "reason"));
	}
	if (h)
		json_node_unref(h);
	return g_string_free(s, FALSE);
}

/* Brings up `yaml` as this test's lab. */
static void
up(const char *suffix, const char *yaml)
{
	lab_require_root();
	ck_assert_msg(g_getenv("FC_VROUTER") != NULL, "FC_VROUTER is not set");
	lab_name = lab_unique_name(suffix);
	char *path = lab_write_topology(lab_name, yaml);
	struct run r;
	lab_cmd(&r, "lab", "up", path, NULL);
	ck_assert_msg(r.status == 0, "lab up: %d %s", r.status, r.err);
	run_clear(&r);
	g_free(path);
}

static const char lab_2013[] =
    "name: @NAME@\n"
    "controller: {peers: [vr]}\n"
    "topology:\n"
    "  nodes:\n"
    "    vr: {kind: vrouter, platform: value-walk-16bit, asn: 65100, memory: 256MiB}\n";

START_TEST(oom_2013)
{
	up("m", lab_2013);
	char *rules = fc_source_path("faults/rules/cloudflare-2013.flow");
	inject("vr", rules, NULL);
	/* The walk never ends: the rule compiles while memory grows. */
	struct rules_wait w = { "vr", "compiling", 1 };
	ck_assert_msg(lab_wait(rules_are, &w, 15), "the 2013 rule never started "
	    "compiling on value-walk-16bit: %s", rules_summary("vr"));
	ck_assert_msg(lab_wait_event(lab_name, "vr", "oom-killed", 60),
	    "vr was not OOM-killed within 60 s");
	GPtrArray *ev = lab_events(lab_name);
	JsonObject *runaway = lab_find_event(ev, "vr", "runaway");
	JsonObject *died = lab_find_event(ev, "vr", "oom-killed");
	ck_assert_msg(runaway != NULL, "the runaway detector never fired");
	ck_assert_msg(json_object_get_double_member(runaway, "t") <
	    json_object_get_double_member(died, "t"), "runaway came after the kill");
	ck_assert_str_eq(json_object_get_string_member(died, "signal"), "Killed");
	g_ptr_array_unref(ev);
	JsonNode *st = lab_status(lab_name);
	JsonObject *vr = lab_status_node(st, "vr");
	ck_assert_str_eq(json_object_get_string_member(vr, "state"), "oom-killed");
	/* Charged to the node's cgroup, up to its limit. */
	ck_assert_int_ge(json_object_get_int_member(vr, "memory_peak"), 240 << 20);
	json_node_unref(st);
	g_free(rules);
}
END_TEST

static const char lab_tcam[] =
    "name: @NAME@\n"
    "controller: {peers: [vr]}\n"
    "topology:\n"
    "  nodes:\n"
    "    vr: {kind: vrouter, platform: tcam, asn: 65100, memory: 256MiB}\n";

START_TEST(tcam_rejects_2013)
{
	up("t", lab_tcam);
	char *rules = fc_source_path("faults/rules/cloudflare-2013.flow");
	inject("vr", rules, NULL);
	struct rules_wait w = { "vr", "rejected", 1 };
	ck_assert_msg(lab_wait(rules_are, &w, 15), "the 2013 rule was not rejected "
	    "on tcam: %s", rules_summary("vr"));
	JsonNode *h;
	JsonArray *a = vr_rules("vr", &h);
	JsonObject *rule = json_array_get_object_element(a, 0);
	const char *reason = json_object_get_string_member(rule, "reason");
	ck_assert_msg(strstr(reason, "packet-length") && strstr(reason, "99971"),
	    "reason: %s", reason);
	ck_assert(!json_object_get_boolean_member(rule, "live"));
	ck_assert_int_eq(json_object_get_int_member(rule, "entries"), 0);
	json_node_unref(h);
	/* Healthy: still running, the controller's session up, memory small. */
	JsonNode *st = lab_status(lab_name);
	JsonObject *vr = lab_status_node(st, "vr");
	ck_assert_str_eq(json_object_get_string_member(vr, "state"), "running");
	ck_assert_str_eq(json_object_get_string_member(vr, "session"), "Established");
	ck_assert_int_lt(json_object_get_int_member(vr, "memory_peak"), 64 << 20);
	json_node_unref(st);
	/* And it still installs a rule it can hold. */
	char *safe = g_build_filename(g_get_tmp_dir(), "fc-vr-one.flow", NULL);
	ck_assert(g_file_set_contents(safe, "match destination 192.0.2.53/32 "
	    "protocol udp source-port 53 packet-length >=512 then discard\n", -1, NULL));
	inject("vr", safe, "65002");
	bool installed = false;
	for (int i = 0; i < 100 && !installed; i++) {
		a = vr_rules("vr", &h);
		for (guint k = 0; a && k < json_array_get_length(a); k++) {
			JsonObject *o = json_array_get_object_element(a, k);
			installed |= strcmp(json_object_get_string_member(o, "status"), "installed") == 0 &&
			    json_object_get_int_member(o, "entries") > 0;
		}
		if (h)
			json_node_unref(h);
		if (!installed)
			g_usleep(100000);
	}
	ck_assert_msg(installed, "a small rule was not installed after the "
	    "rejection: %s", rules_summary("vr"));
	unlink(safe);
	g_free(safe);
	g_free(rules);
}
END_TEST

static const char lab_all[] =
    "name: @NAME@\n"
    "controller: {peers: [interval, tcam, valuewalk, recompile]}\n"
    "topology:\n"
    "  defaults: {kind: vrouter, asn: 65100, memory: 256MiB}\n"
    "  nodes:\n"
    "    interval: {platform: interval-firewall}\n"
    "    tcam: {platform: tcam}\n"
    "    valuewalk: {platform: value-walk-16bit}\n"
    "    recompile: {platform: full-recompile}\n";

START_TEST(safe_everywhere)
{
	static const char *const nodes[] = { "interval", "tcam", "valuewalk", "recompile" };
	up("s", lab_all);
	char *rules = fc_source_path("faults/rules/safe-mitigations.flow");
	for (size_t i = 0; i < 4; i++)
		inject(nodes[i], rules, NULL);
	for (size_t i = 0; i < 4; i++) {
		struct rules_wait w = { nodes[i], "installed", 20 };
		char *why = NULL;
		if (!lab_wait(rules_are, &w, 60))
			why = rules_summary(nodes[i]);
		ck_assert_msg(why == NULL, "%s did not install all 20 mitigations: %s",
		    nodes[i], why);
	}
	JsonNode *st = lab_status(lab_name);
	for (size_t i = 0; i < 4; i++) {
		JsonObject *n = lab_status_node(st, nodes[i]);
		ck_assert_msg(strcmp(json_object_get_string_member(n, "state"), "running") == 0,
		    "%s is %s", nodes[i], json_object_get_string_member(n, "state"));
		ck_assert_msg(json_object_get_int_member(n, "memory_peak") < 192 << 20,
		    "%s peaked at %lld octets", nodes[i],
		    (long long)json_object_get_int_member(n, "memory_peak"));
		/* The compiled state is accounted and really resident. */
		JsonNode *m = vr_show(nodes[i], "memory");
		ck_assert_msg(m != NULL, "%s: no memory answer", nodes[i]);
		JsonObject *cat = json_object_get_object_member(json_node_get_object(m), "categories");
		ck_assert_int_gt(json_object_get_int_member(cat, "entries"), 0);
		ck_assert_int_ge(json_object_get_int_member(json_node_get_object(m), "rss"),
		    json_object_get_int_member(cat, "entries"));
		json_node_unref(m);
	}
	GPtrArray *ev = lab_events(lab_name);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_msg(lab_find_event(ev, nodes[i], "oom-kill") == NULL, "%s", nodes[i]);
		ck_assert_msg(lab_find_event(ev, nodes[i], "runaway") == NULL, "%s", nodes[i]);
	}
	g_ptr_array_unref(ev);
	json_node_unref(st);
	g_free(rules);
}
END_TEST

/* ---- traffic through the dataplane ---- */

static const char lab_path[] =
    "name: @NAME@\n"
    "controller: {peers: [vr]}\n"
    "topology:\n"
    "  nodes:\n"
    "    src: {kind: linux, exec: [sleep, infinity]}\n"
    "    vr: {kind: vrouter, platform: interval-firewall, asn: 65100, memory: 256MiB}\n"
    "    dst: {kind: linux, exec: [sleep, infinity]}\n"
    "  links:\n"
    "    - endpoints: [\"src:eth1\", \"vr:eth1\"]\n"
    "    - endpoints: [\"vr:eth2\", \"dst:eth1\"]\n";

/* Returns the IPv4 address and prefix length of ifname in node's namespace. */
static void
node_addr(const char *node, const char *ifname, char addr[INET_ADDRSTRLEN], int *plen)
{
	char *cmd = g_strdup_printf("ip -n fc.%s.%s -4 -j addr show dev %s", lab_name,
	    node, ifname);
	char *out = NULL;
	int status = -1;
	ck_assert_msg(g_spawn_command_line_sync(cmd, &out, NULL, &status, NULL) &&
	    status == 0, "%s failed", cmd);
	JsonNode *n = json_from_string(out, NULL);
	ck_assert_msg(n != NULL && JSON_NODE_HOLDS_ARRAY(n) &&
	    json_array_get_length(json_node_get_array(n)) == 1, "%s: %s", cmd, out);
	JsonArray *infos = json_object_get_array_member(
	    json_array_get_object_element(json_node_get_array(n), 0), "addr_info");
	ck_assert_msg(infos != NULL && json_array_get_length(infos) > 0, "%s: %s", cmd, out);
	JsonObject *info = json_array_get_object_element(infos, 0);
	snprintf(addr, INET_ADDRSTRLEN, "%s", json_object_get_string_member(info, "local"));
	*plen = (int)json_object_get_int_member(info, "prefixlen");
	json_node_unref(n);
	g_free(out);
	g_free(cmd);
}

/* Returns the network of addr/plen as "A.B.C.D/N" (g_free). */
static char *
network_of(const char *addr, int plen)
{
	struct in_addr a;
	ck_assert(inet_pton(AF_INET, addr, &a) == 1);
	uint32_t h = ntohl(a.s_addr) & (plen ? UINT32_MAX << (32 - plen) : 0);
	a.s_addr = htonl(h);
	return g_strdup_printf("%s/%d", inet_ntoa(a), plen);
}

/* Runs a shell command; fails the test if it fails. */
static void
sh(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void
sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *cmd = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	ck_assert_msg(rc == 0, "%s: status %d", cmd, rc);
	g_free(cmd);
}

/* In a child: enters lab namespace of node. Returns 0 or -1. */
static int
enter(const char *node)
{
	char *path = g_strdup_printf("/run/netns/fc.%s.%s", lab_name, node);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	g_free(path);
	if (fd < 0 || setns(fd, CLONE_NEWNET) != 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * Sends `count` UDP datagrams of `size` octets from src to dst_ip:port and
 * returns how many dst received (a receiver that waits for 1 s of silence).
 */
static int
udp_through(const char *dst_ip, int port, int count, int size)
{
	int ready[2], result[2];
	ck_assert(pipe(ready) == 0 && pipe(result) == 0);
	pid_t rx = fork();
	if (rx < 0)
		ck_abort_msg("fork: %m");
	if (rx == 0) {
		int got = -1;
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		int fd = enter("dst") == 0 ? socket(AF_INET, SOCK_DGRAM, 0) : -1;
		if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
			struct timeval tv = { .tv_sec = 1 };
			char buf[65536];
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
			(void)!write(ready[1], "r", 1);
			got = 0;
			while (recv(fd, buf, sizeof buf, 0) >= 0)
				got++;
		} else {
			(void)!write(ready[1], "x", 1);
		}
		(void)!write(result[1], &got, sizeof got);
		_exit(0);
	}
	char c = 0;
	ck_assert_msg(read(ready[0], &c, 1) == 1 && c == 'r', "the receiver could not bind");
	pid_t tx = fork();
	if (tx < 0)
		ck_abort_msg("fork: %m");
	if (tx == 0) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		char *buf = calloc(1, (size_t)size);
		int fd = enter("src") == 0 ? socket(AF_INET, SOCK_DGRAM, 0) : -1;
		if (fd < 0 || buf == NULL || inet_pton(AF_INET, dst_ip, &sa.sin_addr) != 1)
			_exit(1);
		for (int i = 0; i < count; i++)
			if (sendto(fd, buf, (size_t)size, 0, (struct sockaddr *)&sa, sizeof sa) < 0)
				_exit(1);
		_exit(0);
	}
	int st;
	ck_assert(waitpid(tx, &st, 0) == tx);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the sender failed");
	int got = -1;
	ck_assert(read(result[0], &got, sizeof got) == sizeof got);
	ck_assert(waitpid(rx, &st, 0) == rx);
	close(ready[0]);
	close(ready[1]);
	close(result[0]);
	close(result[1]);
	return got;
}

/* Returns the rule of node whose text contains `needle`, with its holder. */
static JsonObject *
find_rule(const char *node, const char *needle, JsonNode **h)
{
	JsonArray *a = vr_rules(node, h);
	for (guint i = 0; a && i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		if (strstr(json_object_get_string_member(o, "rule"), needle))
			return o;
	}
	return NULL;
}

/* Returns counter `name` of the rule containing `needle`. */
static gint64
rule_counter(const char *node, const char *needle, const char *name)
{
	JsonNode *h;
	JsonObject *o = find_rule(node, needle, &h);
	ck_assert_msg(o != NULL, "no rule with %s: %s", needle, rules_summary(node));
	gint64 v = json_object_get_int_member(json_object_get_object_member(o, "counters"), name);
	json_node_unref(h);
	return v;
}

START_TEST(traffic)
{
	char src_ip[INET_ADDRSTRLEN], vr1[INET_ADDRSTRLEN], vr2[INET_ADDRSTRLEN];
	char dst_ip[INET_ADDRSTRLEN];
	int src_plen, vr1_plen, vr2_plen, dst_plen;

	up("p", lab_path);
	node_addr("src", "eth1", src_ip, &src_plen);
	node_addr("vr", "eth1", vr1, &vr1_plen);
	node_addr("vr", "eth2", vr2, &vr2_plen);
	node_addr("dst", "eth1", dst_ip, &dst_plen);
	char *dst_net = network_of(dst_ip, dst_plen), *src_net = network_of(src_ip, src_plen);
	sh("ip -n fc.%s.src route add %s via %s", lab_name, dst_net, vr1);
	sh("ip -n fc.%s.dst route add %s via %s", lab_name, src_net, vr2);

	/* The first packets wait for ARP (and are dropped, as a router's glean path does). */
	bool through = false;
	for (int i = 0; i < 30 && !through; i++)
		through = udp_through(dst_ip, 7000, 3, 100) > 0;
	ck_assert_msg(through, "no packet crossed the vrouter from %s to %s", src_ip, dst_ip);
	int got = udp_through(dst_ip, 5001, 100, 200);
	ck_assert_msg(got >= 95, "without rules only %d of 100 packets arrived", got);

	char *rules = g_build_filename(g_get_tmp_dir(), "fc-vr-traffic.flow", NULL);
	char *text = g_strdup_printf(
	    "match destination %s/32 protocol udp destination-port 5001 then discard\n"
	    "match destination %s/32 protocol udp destination-port 5003 then rate-limit 20000\n",
	    dst_ip, dst_ip);
	ck_assert(g_file_set_contents(rules, text, -1, NULL));
	inject("vr", rules, NULL);
	struct rules_wait w = { "vr", "installed", 2 };
	ck_assert_msg(lab_wait(rules_are, &w, 15), "rules not installed: %s",
	    rules_summary("vr"));

	got = udp_through(dst_ip, 5001, 100, 200);
	ck_assert_msg(got == 0, "%d packets to a discarded port arrived", got);
	ck_assert_int_eq(rule_counter("vr", "5001", "dropped_packets"), 100);
	ck_assert_int_eq(rule_counter("vr", "5001", "matched_packets"), 100);
	got = udp_through(dst_ip, 5002, 100, 200);
	ck_assert_msg(got >= 95, "only %d of 100 packets to an unfiltered port arrived", got);
	ck_assert_int_eq(rule_counter("vr", "5001", "matched_packets"), 100);

	/* 200 packets of 1000 octets at once against 20,000 octets/s. */
	got = udp_through(dst_ip, 5003, 200, 1000);
	gint64 matched = rule_counter("vr", "5003", "matched_packets");
	gint64 dropped = rule_counter("vr", "5003", "dropped_packets");
	ck_assert_int_eq(matched, 200);
	ck_assert_msg(got < 100 && dropped > 100, "rate-limit passed %d, dropped %lld",
	    got, (long long)dropped);
	ck_assert_msg(got + dropped == 200, "%d arrived + %lld dropped != 200",
	    got, (long long)dropped);

	JsonNode *dp = vr_show("vr", "dataplane");
	ck_assert(dp != NULL);
	ck_assert_int_ge(json_object_get_int_member(json_node_get_object(dp),
	    "forwarded_packets"), 200);
	json_node_unref(dp);
	unlink(rules);
	g_free(text);
	g_free(rules);
	g_free(dst_net);
	g_free(src_net);
}
END_TEST

/* ---- churn on a platform that recompiles everything ---- */

static const char lab_churn[] =
    "name: @NAME@\n"
    "controller: {peers: [full, incr]}\n"
    "topology:\n"
    "  defaults: {kind: vrouter, asn: 65100, memory: 256MiB}\n"
    "  nodes:\n"
    "    full: {platform: full-recompile}\n"
    "    incr: {platform: interval-firewall}\n";

/* Returns table counter `name` of node. */
static gint64
table_counter(const char *node, const char *name)
{
	JsonNode *h = vr_show(node, "rules");
	ck_assert_msg(h != NULL, "%s: no answer", node);
	gint64 v = json_object_get_int_member(json_node_get_object(h), name);
	json_node_unref(h);
	return v;
}

struct idle_wait {
	const char *node;
	int count;
};

/* Returns true when node holds `count` rules, all installed, and compiles nothing. */
static bool
settled(void *ud)
{
	struct idle_wait *w = ud;
	struct rules_wait rw = { w->node, "installed", w->count };
	JsonNode *h = vr_show(w->node, "rules");
	bool idle = h != NULL && !json_object_get_boolean_member(json_node_get_object(h),
	    "compiling");
	if (h)
		json_node_unref(h);
	return idle && rules_are(&rw);
}

START_TEST(recompile_churn)
{
	static const char *const nodes[] = { "full", "incr" };
	enum { N = 50 };
	up("c", lab_churn);
	char *many = g_build_filename(g_get_tmp_dir(), "fc-vr-many.flow", NULL);
	char *one = g_build_filename(g_get_tmp_dir(), "fc-vr-one-more.flow", NULL);
	GString *text = g_string_new(NULL);
	for (int i = 0; i < N; i++)
		g_string_append_printf(text, "match destination 198.51.100.%d/32 protocol udp "
		    "source-port 53 packet-length >=512 then discard\n", i + 1);
	ck_assert(g_file_set_contents(many, text->str, -1, NULL));
	ck_assert(g_file_set_contents(one, "match destination 203.0.113.9/32 protocol "
	    "tcp destination-port 22 then discard\n", -1, NULL));
	gint64 before[2], after_add[2], after_del[2];
	for (size_t i = 0; i < 2; i++)
		inject(nodes[i], many, NULL);
	for (size_t i = 0; i < 2; i++) {
		struct idle_wait w = { nodes[i], N };
		ck_assert_msg(lab_wait(settled, &w, 60), "%s: %s", nodes[i],
		    rules_summary(nodes[i]));
		before[i] = table_counter(nodes[i], "compiles");
	}
	/* One more rule from a second peer: one update. */
	guint first_injectors = injectors->len;
	for (size_t i = 0; i < 2; i++)
		inject(nodes[i], one, "65002");
	for (size_t i = 0; i < 2; i++) {
		struct idle_wait w = { nodes[i], N + 1 };
		ck_assert_msg(lab_wait(settled, &w, 60), "%s: %s", nodes[i],
		    rules_summary(nodes[i]));
		after_add[i] = table_counter(nodes[i], "compiles");
	}
	/* The second peer leaves: its rule is withdrawn, one more update. */
	for (guint k = first_injectors; k < injectors->len; k++) {
		GPid pid = GPOINTER_TO_INT(injectors->pdata[k]);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	g_ptr_array_set_size(injectors, first_injectors);
	for (size_t i = 0; i < 2; i++) {
		struct idle_wait w = { nodes[i], N };
		ck_assert_msg(lab_wait(settled, &w, 60), "%s: %s", nodes[i],
		    rules_summary(nodes[i]));
		after_del[i] = table_counter(nodes[i], "compiles");
	}
	/* Full recompile: every update compiles the whole table again. */
	ck_assert_int_eq(after_add[0] - before[0], N + 1);
	ck_assert_int_eq(after_del[0] - after_add[0], N);
	/* Incremental: only the rule that changed. */
	ck_assert_int_eq(after_add[1] - before[1], 1);
	ck_assert_int_eq(after_del[1] - after_add[1], 0);
	unlink(many);
	unlink(one);
	g_string_free(text, TRUE);
	g_free(many);
	g_free(one);
}
END_TEST

/* ---- the daemon by hand: validation, and its command line ---- */

/* Runs FC_VROUTER with args; returns the exit status, stderr in *err (g_free). */
static int
vrouter_run(char **err, const char *a1, const char *a2, const char *a3)
{
	const char *argv[] = { g_getenv("FC_VROUTER"), a1, a2, a3, NULL };
	int status = -1;
	ck_assert_msg(argv[0] != NULL, "FC_VROUTER is not set");
	ck_assert(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
	    NULL, NULL, NULL, err, &status, NULL));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

START_TEST(command_line)
{
	char *err = NULL;
	char *dir = g_dir_make_tmp("fc-vr-XXXXXX", NULL);
	char *bad = g_build_filename(dir, "bad.conf", NULL);
	char *good = g_build_filename(dir, "good.conf", NULL);
	char *noplat = g_build_filename(dir, "noplat.conf", NULL);

	ck_assert(g_file_set_contents(bad, "asn = 65100\nlisten = here\n", -1, NULL));
	ck_assert(g_file_set_contents(good, "asn = 65100\nplatform = tcam\n", -1, NULL));
	ck_assert(g_file_set_contents(noplat, "asn = 65100\nplatform = nope\n", -1, NULL));
	ck_assert_int_eq(vrouter_run(&err, "--check", bad, NULL), 3);
	char *want = g_strdup_printf("%s:2: listen", bad);
	ck_assert_msg(strstr(err, want), "%s", err);
	g_free(want);
	g_free(err);
	ck_assert_int_eq(vrouter_run(&err, "--check", noplat, NULL), 3);
	ck_assert_msg(strstr(err, "nope"), "%s", err);
	g_free(err);
	ck_assert_int_eq(vrouter_run(&err, "--check", good, NULL), 0);
	g_free(err);
	ck_assert_int_eq(vrouter_run(&err, "--check", "/nonexistent.conf", NULL), 3);
	g_free(err);
	ck_assert_int_eq(vrouter_run(&err, NULL, NULL, NULL), 2);
	g_free(err);
	ck_assert_int_eq(vrouter_run(&err, "--bogus", NULL, NULL), 2);
	g_free(err);
	ck_assert_int_eq(vrouter_run(&err, "--show", "/nonexistent.sock", NULL), 4);
	ck_assert_msg(strstr(err, "/nonexistent.sock"), "%s", err);
	g_free(err);
	unlink(bad);
	unlink(good);
	unlink(noplat);
	rmdir(dir);
	g_free(bad);
	g_free(good);
	g_free(noplat);
	g_free(dir);
}
END_TEST

START_TEST(validation)
{
	lab_require_root();
	char *ns = g_strdup_printf("fcv%d", (int)getpid());
	char *dir = g_dir_make_tmp("fc-vr-XXXXXX", NULL);
	char *conf = g_build_filename(dir, "vr.conf", NULL);
	char *sock = g_build_filename(dir, "vr.sock", NULL);
	char *rules = g_build_filename(dir, "r.flow", NULL);
	char *text = g_strdup_printf("asn = 65100\nlisten = 127.0.0.1:1179\n"
	    "accept-loopback = yes\nvalidate = yes\ncontrol = %s\n"
	    "unicast = 192.0.2.0/24 from 127.0.0.1 as 65001\n"
	    "unicast = 192.0.2.128/25 from 10.9.9.9 as 65009\n", sock);
	ck_assert(g_file_set_contents(conf, text, -1, NULL));
	ck_assert(g_file_set_contents(rules,
	    "match destination 192.0.2.53/32 protocol udp then discard\n"
	    "match destination 198.51.100.1/32 protocol udp then discard\n"
	    "match destination 192.0.2.0/24 protocol tcp then discard\n", -1, NULL));
	sh("ip netns add %s && ip -n %s link set lo up", ns, ns);
	const char *argv[] = { "ip", "netns", "exec", ns, g_getenv("FC_VROUTER"),
		"--config", conf, NULL };
	GPid vr;
	ck_assert(g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH |
	    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, die_with_parent,
	    NULL, &vr, NULL));
	const char *inj[] = { "ip", "netns", "exec", ns, g_getenv("FC_BIN"), "inject",
		"--peer", "127.0.0.1:1179", "--local-as", "65001", "--peer-as", "65100",
		"--hold", "600", "--connect-timeout", "10", rules, NULL };
	GPid in;
	ck_assert(g_spawn_async(NULL, (char **)inj, NULL, G_SPAWN_SEARCH_PATH |
	    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL |
	    G_SPAWN_STDOUT_TO_DEV_NULL, die_with_parent, NULL, &in, NULL));
	JsonArray *a = NULL;
	JsonNode *h = NULL;
	for (int i = 0; i < 100; i++) {
		char *out = NULL, *e = NULL;
		if (h)
			json_node_unref(h);
		h = NULL;
		const char *q[] = { g_getenv("FC_VROUTER"), "--show", sock, "rules", NULL };
		int st;
		bool done = false;
		if (g_spawn_sync(NULL, (char **)q, NULL, 0, NULL, NULL, &out, &e, &st, NULL) &&
		    st == 0 && (h = json_from_string(out, NULL)) != NULL) {
			a = json_object_get_array_member(json_node_get_object(h), "rules");
			done = json_array_get_length(a) == 3 && !json_object_get_boolean_member(
			    json_node_get_object(h), "compiling");
		}
		g_free(out);
		g_free(e);
		if (done)
			break;
		g_usleep(100000);
	}
	kill(in, SIGTERM);
	waitpid(in, NULL, 0);
	kill(vr, SIGTERM);
	int st;
	waitpid(vr, &st, 0);
	sh("ip netns del %s", ns);
	ck_assert_msg(h != NULL && json_array_get_length(a) == 3, "the vrouter did not "
	    "report 3 rules");
	/* From the originator of the best match: feasible and installed. */
	JsonObject *r0 = NULL, *r1 = NULL, *r2 = NULL;
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		const char *t = json_object_get_string_member(o, "rule");
		if (strstr(t, "192.0.2.53/32"))
			r0 = o;
		else if (strstr(t, "198.51.100.1/32"))
			r1 = o;
		else if (strstr(t, "192.0.2.0/24"))
			r2 = o;
	}
	ck_assert_msg(r0 != NULL && r1 != NULL && r2 != NULL, "rules: %s, %s, %s",
	    json_object_get_string_member(json_array_get_object_element(a, 0), "rule"),
	    json_object_get_string_member(json_array_get_object_element(a, 1), "rule"),
	    json_object_get_string_member(json_array_get_object_element(a, 2), "rule"));
	ck_assert_msg(strcmp(json_object_get_string_member(r0, "status"), "installed") == 0,
	    "%s: %s", json_object_get_string_member(r0, "status"),
	    json_object_get_string_member(r0, "reason"));
	/* No unicast route covers it: section 6 b. */
	ck_assert_str_eq(json_object_get_string_member(r1, "status"), "invalid");
	ck_assert_msg(strstr(json_object_get_string_member(r1, "reason"), "no unicast route"),
	    "%s", json_object_get_string_member(r1, "reason"));
	ck_assert(!json_object_get_boolean_member(r1, "live"));
	/* A more-specific route inside it from another AS: section 6 c. */
	ck_assert_str_eq(json_object_get_string_member(r2, "status"), "invalid");
	ck_assert_msg(strstr(json_object_get_string_member(r2, "reason"), "AS 65009"),
	    "%s", json_object_get_string_member(r2, "reason"));
	/* A clean stop on SIGTERM, and its control socket gone with it. */
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "vrouter status %d", st);
	ck_assert_msg(access(sock, F_OK) != 0, "the control socket was left behind");
	json_node_unref(h);
	unlink(conf);
	unlink(rules);
	rmdir(dir);
	g_free(text);
	g_free(rules);
	g_free(sock);
	g_free(conf);
	g_free(dir);
	g_free(ns);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("vrouter");
	TCase *tc = tcase_create("lab");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, oom_2013);
	tcase_add_test(tc, tcam_rejects_2013);
	tcase_add_test(tc, safe_everywhere);
	tcase_add_test(tc, traffic);
	tcase_add_test(tc, recompile_churn);
	tcase_add_test(tc, validation);
	tcase_add_test(tc, command_line);
	suite_add_tcase(s, tc);
	return lab_sweep(fc_run_suite(s));
}
