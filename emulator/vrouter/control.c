/*
 * control.c - the control socket: JSON views of the flow table, memory,
 * sessions and dataplane.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "flowspec/ecomm.h"

#define CMD_MAX 64
#define CLIENT_TIMEOUT_MS 5000
#define MAX_PEERS 256
#define MAX_IFS 64

struct client {
	struct vr_control *ctl;
	int fd;
	guint watch, timer;
	char buf[CMD_MAX + 1];
	size_t len;
	char *out;		/* the answer being written */
	size_t out_len, out_off;
};

struct vr_control {
	char *path;
	dev_t dev;		/* of the socket file we made, so that we unlink only it */
	ino_t ino;
	int fd;
	guint watch, retry;
	const struct vr_view *v;
	GPtrArray *clients;
};

static void
add_int(JsonBuilder *b, const char *k, gint64 v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_int_value(b, v);
}

static void
add_str(JsonBuilder *b, const char *k, const char *v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_string_value(b, v ? v : "");
}

static void
add_bool(JsonBuilder *b, const char *k, bool v)
{
	json_builder_set_member_name(b, k);
	json_builder_add_boolean_value(b, v);
}

/* Returns the value in kB of `key` in /proc/self/status, times 1024, or 0. */
static uint64_t
proc_status_bytes(const char *key)
{
	char line[256];
	uint64_t v = 0;
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long long kb;
		if (strncmp(line, key, klen) == 0 && line[klen] == ':' &&
		    sscanf(line + klen + 1, "%llu", &kb) == 1) {
			v = (uint64_t)kb * 1024;
			break;
		}
	}
	fclose(f);
	return v;
}

static void
build_platform(JsonBuilder *b, const struct vr_profile *p)
{
	json_builder_begin_object(b);
	add_str(b, "name", p->name);
	add_str(b, "range", vr_range_mode_name(p->range));
	add_int(b, "counter_bits", p->counter_bits);
	add_bool(b, "cross_product", p->cross_product);
	add_str(b, "wide_value", vr_wide_value_name(p->wide));
	add_int(b, "entry_bytes", p->entry_bytes);
	add_int(b, "capacity", (gint64)p->capacity);
	add_str(b, "at_capacity", vr_full_action_name(p->at_capacity));
	add_str(b, "update", vr_update_mode_name(p->update));
	add_int(b, "entry_write_ns", p->entry_write_ns);
	json_builder_end_object(b);
}

static void
build_memory(JsonBuilder *b, const struct vr_view *v)
{
	struct vr_memory m;

	vr_table_memory(v->t, &m);
	json_builder_begin_object(b);
	add_int(b, "rss", (gint64)proc_status_bytes("VmRSS"));
	add_int(b, "rss_peak", (gint64)proc_status_bytes("VmHWM"));
	json_builder_set_member_name(b, "categories");
	json_builder_begin_object(b);
	add_int(b, "entries", (gint64)m.entries);
	add_int(b, "spill", (gint64)m.spill);
	add_int(b, "building", (gint64)m.building);
	add_int(b, "rules", (gint64)m.rules);
	json_builder_end_object(b);
	json_builder_end_object(b);
}

static void
build_counters(JsonBuilder *b, const struct vr_rule_counters *c)
{
	json_builder_begin_object(b);
	add_int(b, "matched_packets", (gint64)atomic_load_explicit(&c->matched_packets, memory_order_relaxed));
	add_int(b, "matched_bytes", (gint64)atomic_load_explicit(&c->matched_bytes, memory_order_relaxed));
	add_int(b, "dropped_packets", (gint64)atomic_load_explicit(&c->dropped_packets, memory_order_relaxed));
	add_int(b, "dropped_bytes", (gint64)atomic_load_explicit(&c->dropped_bytes, memory_order_relaxed));
	add_int(b, "marked_packets", (gint64)atomic_load_explicit(&c->marked_packets, memory_order_relaxed));
	add_int(b, "redirected_packets", (gint64)atomic_load_explicit(&c->redirected_packets, memory_order_relaxed));
	add_int(b, "spill_walks", (gint64)atomic_load_explicit(&c->spill_walks, memory_order_relaxed));
	json_builder_end_object(b);
}

static void
build_rule(JsonBuilder *b, const struct vr_rule *r)
{
	char act[64];

	json_builder_begin_object(b);
	add_int(b, "id", r->id);
	add_str(b, "rule", r->text);
	add_str(b, "status", vr_rule_status_name(r->status));
	add_str(b, "reason", r->reason);
	add_bool(b, "live", r->arena != NULL);
	add_bool(b, "slow_path", r->arena != NULL && r->arena_spilled);
	add_int(b, "entries", (gint64)(r->arena ? vr_arena_count(r->arena) : 0));
	add_int(b, "bytes", (gint64)(r->arena ? vr_arena_bytes(r->arena) : 0));
	add_int(b, "building_entries", (gint64)(r->next ? vr_arena_count(r->next) : 0));
	add_int(b, "compile_us", (gint64)r->compile_us);
	json_builder_set_member_name(b, "actions");
	json_builder_begin_array(b);
	for (uint32_t i = 0; r->active != NULL && i < r->active->rule.nactions; i++) {
		fs_ec_print(&r->active->rule.actions[i], act, sizeof act);
		json_builder_add_string_value(b, act);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "peers");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->paths->len; i++) {
		const struct vr_path *p = r->paths->pdata[i];
		json_builder_begin_object(b);
		add_str(b, "peer", p->peer);
		add_bool(b, "active", p == r->active);
		if (p->invalid != NULL)
			add_str(b, "invalid", p->invalid);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "counters");
	build_counters(b, &r->dp->c);
	json_builder_end_object(b);
}

static void
build_rules(JsonBuilder *b, const struct vr_view *v)
{
	struct vr_table_stats s;
	GPtrArray *rules = vr_table_rules(v->t);

	vr_table_stats(v->t, &s);
	json_builder_begin_object(b);
	add_int(b, "count", rules->len);
	add_int(b, "announces", (gint64)s.announces);
	add_int(b, "withdraws", (gint64)s.withdraws);
	add_int(b, "compiles", (gint64)s.compiles_done);
	add_int(b, "rejected", (gint64)s.compiles_rejected);
	add_int(b, "recompiles_restarted", (gint64)s.recompiles);
	add_int(b, "compile_us_total", (gint64)s.compile_us_total);
	add_int(b, "entries_used", (gint64)s.entries_used);
	add_int(b, "entries_building", (gint64)s.entries_building);
	add_int(b, "capacity", (gint64)v->p->capacity);
	add_bool(b, "compiling", !vr_table_idle(v->t));
	json_builder_set_member_name(b, "rules");
	json_builder_begin_array(b);
	for (guint i = 0; i < rules->len; i++)
		build_rule(b, rules->pdata[i]);
	json_builder_end_array(b);
	json_builder_end_object(b);
	g_ptr_array_unref(rules);
}

static void
build_peers(JsonBuilder *b, const struct vr_view *v)
{
	struct vr_peer_info *pi = g_new0(struct vr_peer_info, MAX_PEERS);
	size_t n = vr_receiver_peers(v->rx, pi, MAX_PEERS);

	json_builder_begin_array(b);
	for (size_t i = 0; i < n && i < MAX_PEERS; i++) {
		json_builder_begin_object(b);
		add_str(b, "name", pi[i].name);
		add_str(b, "address", pi[i].addr);
		add_str(b, "state", pi[i].state);
		add_int(b, "peer_as", pi[i].peer_as);
		add_int(b, "updates", (gint64)pi[i].updates_in);
		add_int(b, "rules", (gint64)pi[i].rules_in);
		add_int(b, "withdraws", (gint64)pi[i].withdraws_in);
		add_int(b, "invalid", (gint64)pi[i].invalid_in);
		add_int(b, "malformed", (gint64)pi[i].malformed_in);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	g_free(pi);
}

static void
build_dataplane(JsonBuilder *b, const struct vr_view *v)
{
	struct vr_dp_stats st = { 0 };
	struct vr_if_stats ifs[MAX_IFS];
	size_t n = 0;

	json_builder_begin_object(b);
	add_bool(b, "running", v->dp != NULL);
	if (v->dp != NULL)
		n = vr_dp_read_stats(v->dp, &st, ifs, MAX_IFS);
	add_int(b, "forwarded_packets", (gint64)st.forwarded_packets);
	add_int(b, "unmatched_packets", (gint64)st.unmatched_packets);
	add_int(b, "no_route_packets", (gint64)st.no_route_packets);
	add_int(b, "ttl_expired_packets", (gint64)st.ttl_expired_packets);
	add_int(b, "arp_unresolved_packets", (gint64)st.arp_unresolved_packets);
	add_int(b, "not_ip_frames", (gint64)st.not_ip_frames);
	json_builder_set_member_name(b, "interfaces");
	json_builder_begin_array(b);
	for (size_t i = 0; i < n && i < MAX_IFS; i++) {
		json_builder_begin_object(b);
		add_str(b, "name", ifs[i].ifname);
		add_int(b, "rx_packets", (gint64)ifs[i].rx_packets);
		add_int(b, "rx_bytes", (gint64)ifs[i].rx_bytes);
		add_int(b, "tx_packets", (gint64)ifs[i].tx_packets);
		add_int(b, "tx_bytes", (gint64)ifs[i].tx_bytes);
		add_int(b, "tx_errors", (gint64)ifs[i].tx_errors);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

/* Returns the answer to command, or NULL when unknown. */
char *
vr_control_answer(const struct vr_view *v, const char *command)
{
	if (v == NULL || command == NULL)
		return NULL;
	bool all = strcmp(command, "show") == 0;
	JsonBuilder *b = json_builder_new();

	if (all) {
		json_builder_begin_object(b);
		add_str(b, "name", v->c->name);
		add_int(b, "pid", getpid());
		add_int(b, "uptime_ms", (g_get_monotonic_time() - v->started_us) / 1000);
		json_builder_set_member_name(b, "platform");
		build_platform(b, v->p);
		json_builder_set_member_name(b, "memory");
		build_memory(b, v);
		json_builder_set_member_name(b, "table");
		build_rules(b, v);
		json_builder_set_member_name(b, "peers");
		build_peers(b, v);
		json_builder_set_member_name(b, "dataplane");
		build_dataplane(b, v);
		json_builder_end_object(b);
	} else if (strcmp(command, "rules") == 0) {
		build_rules(b, v);
	} else if (strcmp(command, "memory") == 0) {
		build_memory(b, v);
	} else if (strcmp(command, "peers") == 0) {
		build_peers(b, v);
	} else if (strcmp(command, "dataplane") == 0) {
		build_dataplane(b, v);
	} else {
		g_object_unref(b);
		return NULL;
	}
	JsonGenerator *g = json_generator_new();
	JsonNode *root = json_builder_get_root(b);
	json_generator_set_root(g, root);
	char *out = json_generator_to_data(g, NULL);
	json_node_unref(root);
	g_object_unref(g);
	g_object_unref(b);
	return out;
}

/* Returns 0, or -1: writes all of buf to a blocking socket. */
static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

static void
client_close(struct client *cl)
{
	if (cl->watch)
		g_source_remove(cl->watch);
	if (cl->timer)
		g_source_remove(cl->timer);
	close(cl->fd);
	g_free(cl->out);
	g_ptr_array_remove_fast(cl->ctl->clients, cl);	/* frees cl */
}

/* Writes what the socket takes of the answer; closes when all is sent. */
static gboolean
on_client_write(gint fd, GIOCondition cond, gpointer data)
{
	struct client *cl = data;

	while (cl->out_off < cl->out_len) {
		ssize_t w = send(fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return G_SOURCE_CONTINUE;
		if (w <= 0)
			break;	/* the client left */
		cl->out_off += (size_t)w;
	}
	cl->watch = 0;
	client_close(cl);
	return G_SOURCE_REMOVE;
}

/*
 * Answers the command in cl->buf.  The answer is written as the client
 * reads it, never blocking the main loop; the client's deadline still
 * runs, so a reader that stalls is dropped.
 */
static void
client_answer(struct client *cl)
{
	char *nl = strchr(cl->buf, '\n');
	if (nl != NULL)
		*nl = '\0';
	g_strstrip(cl->buf);
	char *out = vr_control_answer(cl->ctl->v, cl->buf[0] ? cl->buf : "show");
	if (out == NULL)
		out = g_strdup("{\"error\": \"unknown command: try show, rules, "
		    "memory, peers or dataplane\"}");
	cl->out = g_strconcat(out, "\n", NULL);
	g_free(out);
	cl->out_len = strlen(cl->out);
	cl->watch = g_unix_fd_add(cl->fd, G_IO_OUT | G_IO_HUP | G_IO_ERR,
	    on_client_write, cl);
}

static gboolean
on_client_timeout(gpointer data)
{
	struct client *cl = data;
	cl->timer = 0;
	client_close(cl);
	return G_SOURCE_REMOVE;
}

static gboolean
on_client_read(gint fd, GIOCondition cond, gpointer data)
{
	struct client *cl = data;
	ssize_t n = read(fd, cl->buf + cl->len, CMD_MAX - cl->len);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n < 0) {
		cl->watch = 0;
		client_close(cl);
		return G_SOURCE_REMOVE;
	}
	cl->len += (size_t)n;
	cl->buf[cl->len] = '\0';
	if (n == 0 || strchr(cl->buf, '\n') != NULL || cl->len == CMD_MAX) {
		cl->watch = 0;
		client_answer(cl);
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data);

/* Listens again after a pause for file descriptors to free up. */
static gboolean
on_accept_retry(gpointer data)
{
	struct vr_control *ctl = data;
	ctl->retry = 0;
	ctl->watch = g_unix_fd_add(ctl->fd, G_IO_IN, on_accept, ctl);
	return G_SOURCE_REMOVE;
}

static gboolean
on_accept(gint fd, GIOCondition cond, gpointer data)
{
	struct vr_control *ctl = data;
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (c < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
	    errno == ENOMEM)) {
		/* The listener stays readable: without a pause this would spin. */
		ctl->watch = 0;
		ctl->retry = g_timeout_add(100, on_accept_retry, ctl);
		return G_SOURCE_REMOVE;
	}
	if (c < 0)
		return G_SOURCE_CONTINUE;
	struct client *cl = g_new0(struct client, 1);
	cl->ctl = ctl;
	cl->fd = c;
	cl->watch = g_unix_fd_add(c, G_IO_IN | G_IO_HUP | G_IO_ERR, on_client_read, cl);
	cl->timer = g_timeout_add(CLIENT_TIMEOUT_MS, on_client_timeout, cl);
	g_ptr_array_add(ctl->clients, cl);
	return G_SOURCE_CONTINUE;
}

/* Returns 0 with `sun` holding path, or -1 when it does not fit. */
static int
unix_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun->sun_path)
		return -1;
	memcpy(sun->sun_path, path, strlen(path));
	return 0;
}

/* Returns the control socket, or NULL with err. */
struct vr_control *
vr_control_new(const char *path, const struct vr_view *v, char *err, size_t cap)
{
	struct sockaddr_un sun;

	if (path == NULL || v == NULL || err == NULL || cap == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (unix_addr(path, &sun) != 0) {
		snprintf(err, cap, "control socket path %s is too long", path);
		return NULL;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, cap, "control socket: %s", strerror(errno));
		return NULL;
	}
	/* Replace a stale socket, never another kind of file. */
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, cap, "control socket %s: a file that is not a "
			    "socket is in the way", path);
			close(fd);
			return NULL;
		}
		unlink(path);
	}
	mode_t old = umask(0177);	/* 0600: it shows the router's state */
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc != 0 || listen(fd, 16) != 0) {
		snprintf(err, cap, "control socket %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	struct vr_control *ctl = g_new0(struct vr_control, 1);
	ctl->path = g_strdup(path);
	ctl->fd = fd;
	ctl->v = v;
	ctl->clients = g_ptr_array_new_with_free_func(g_free);
	ctl->watch = g_unix_fd_add(fd, G_IO_IN, on_accept, ctl);
	if (stat(path, &st) == 0) {
		ctl->dev = st.st_dev;
		ctl->ino = st.st_ino;
	}
	return ctl;
}

void
vr_control_free(struct vr_control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->clients->len > 0)
		client_close(ctl->clients->pdata[0]);
	g_ptr_array_free(ctl->clients, TRUE);
	if (ctl->watch)
		g_source_remove(ctl->watch);
	if (ctl->retry)
		g_source_remove(ctl->retry);
	close(ctl->fd);
	/* Only the socket we made: a newer vrouter may have replaced it. */
	struct stat st;
	if (stat(ctl->path, &st) == 0 && st.st_dev == ctl->dev && st.st_ino == ctl->ino)
		unlink(ctl->path);
	g_free(ctl->path);
	g_free(ctl);
}

/* Returns the answer, or NULL with err. */
char *
vr_control_query(const char *path, const char *command, char *err, size_t cap)
{
	struct sockaddr_un sun;
	GString *out;
	char buf[4096];

	if (path == NULL || command == NULL || err == NULL || cap == 0)
		return NULL;
	if (unix_addr(path, &sun) != 0) {
		snprintf(err, cap, "control socket path %s is too long", path);
		return NULL;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (write_all(fd, command, strlen(command)) != 0 || write_all(fd, "\n", 1) != 0) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	out = g_string_new(NULL);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, cap, "%s: %s", path, strerror(errno));
			close(fd);
			g_string_free(out, TRUE);
			return NULL;
		}
		if (n == 0)
			break;
		g_string_append_len(out, buf, n);
	}
	close(fd);
	return g_string_free(out, FALSE);
}
