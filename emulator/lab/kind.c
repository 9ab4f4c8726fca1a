/*
 * kind.c - node kinds: which one does what, what they share, and the
 * two that are not BGP daemons of their own (linux, vrouter).
 *
 * Every path handed to a daemon is absolute, so that nothing depends on
 * the directory the controller was started in.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kind_private.h"

/* The longest file name a node's directory holds a socket under. */
#define KIND_SOCK_NAME_MAX sizeof("/vrouter.sock")

/* Returns buf, holding addr as a dotted quad. */
const char *
kind_ip4(uint32_t addr, char *buf)
{
	snprintf(buf, KIND_IP4_LEN, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff,
	    (addr >> 8) & 0xff, addr & 0xff);
	return buf;
}

/* Returns node i's sessions, the controller's first (g_free), or NULL. */
struct kind_session *
kind_sessions(const struct lab_topology *t, size_t i, size_t *n,
    struct lab_error *err)
{
	const struct lab_node *node = &t->nodes[i];
	struct kind_session *v = g_new0(struct kind_session,
	    node->n_peerings + 1);
	size_t k = 0;

	if (node->controller_peer) {
		kind_ip4(node->ctl_ip.addr, v[k].local);
		kind_ip4(node->ctl_peer_ip.addr, v[k].remote);
		v[k].remote_as = t->controller_asn;
		v[k].name = "controller";
		v[k].controller = true;
		k++;
	}
	for (size_t j = 0; j < node->n_peerings; j++) {
		const struct lab_peering *p = &node->peerings[j];
		/* The loader resolved these; a bad index is a bug, not a crash. */
		const struct lab_link *l = p->link < t->n_links ? &t->links[p->link] :
		    NULL;
		if (l == NULL || (p->side != 0 && p->side != 1) ||
		    p->peer >= t->n_nodes || p->peer == i ||
		    l->ep[p->side].node != i || l->ep[1 - p->side].node != p->peer) {
			g_free(v);
			lab_error_at(err, LAB_E_VALUE, "", 0, 0, "node %s: peering %zu "
			    "does not match its link", node->name, j);
			return NULL;
		}
		const struct lab_node *peer = &t->nodes[p->peer];
		kind_ip4(l->ep[p->side].ip.addr, v[k].local);
		kind_ip4(l->ep[1 - p->side].ip.addr, v[k].remote);
		v[k].remote_as = peer->asn;
		v[k].name = peer->name;
		v[k].rr_client = node->route_reflector && peer->asn == node->asn;
		k++;
	}
	*n = k;
	return v;
}

/* Returns 0 if path is an executable file, else -1 with err. */
int
kind_need(const char *kind, const char *path, const char *package,
    struct lab_error *err)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
		return 0;
	return lab_error_at(err, LAB_E_ENV, "", 0, 0, "kind %s needs %s, which is "
	    "not installed: install the Debian package %s (./tools/setup.sh deps)",
	    kind, path, package);
}

/* Returns the path written (g_free), or NULL with err. */
char *
kind_write(const char *dir, const char *name, const char *text,
    struct lab_error *err)
{
	char *path = g_build_filename(dir, name, NULL);
	GError *gerr = NULL;

	if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT,
	    0644, &gerr)) {
		lab_error_at(err, LAB_E_IO, "", 0, 0, "cannot write %s: %s", path,
		    gerr->message);
		g_error_free(gerr);
		g_free(path);
		return NULL;
	}
	return path;
}

char *
kind_write_conf(const char *dir, const char *name, char *text,
    struct lab_error *err)
{
	if (text == NULL)
		return NULL;
	char *path = kind_write(dir, name, text, err);
	g_free(text);
	return path;
}

/* Returns a new NULL-terminated copy of the arguments. */
char **
kind_argv(const char *first, ...)
{
	GPtrArray *v = g_ptr_array_new();
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
		g_ptr_array_add(v, g_strdup(a));
	va_end(ap);
	g_ptr_array_add(v, NULL);
	return (char **)g_ptr_array_free(v, FALSE);
}

/* Returns 0, or -1 with err: linux runs `exec`, found through PATH. */
static int
linux_prepare(const struct lab_node *node, struct lab_daemon *d,
    struct lab_error *err)
{
	if (node->exec == NULL || node->exec[0] == NULL || node->exec[0][0] == '\0')
		return lab_error_at(err, LAB_E_MISSING, "", 0, 0, "node %s: kind "
		    "linux needs exec, the command to run", node->name);
	char *path = g_find_program_in_path(node->exec[0]);
	if (path == NULL)
		return lab_error_at(err, LAB_E_ENV, "", 0, 0, "node %s: cannot find "
		    "the program %s (not an executable, nor in PATH)", node->name,
		    node->exec[0]);
	d->argv = g_strdupv(node->exec);
	g_free(d->argv[0]);
	d->argv[0] = path;
	return 0;
}

/* Returns 0, or -1 with err (LAB_E_ENV) when there is no vrouter to run. */
static int
vrouter_need(const char *vrouter_bin, struct lab_error *err)
{
	if (vrouter_bin == NULL)
		return lab_error_at(err, LAB_E_ENV, "", 0, 0, "kind vrouter needs "
		    "flowcanary-vrouter, which is not built yet");
	struct stat st;
	if (stat(vrouter_bin, &st) != 0 || !S_ISREG(st.st_mode) ||
	    access(vrouter_bin, X_OK) != 0)
		return lab_error_at(err, LAB_E_ENV, "", 0, 0, "kind vrouter needs "
		    "flowcanary-vrouter, which is not built yet (%s is not an "
		    "executable file)", vrouter_bin);
	return 0;
}

/*
 * Returns 0, or -1 with err: writes vrouter.conf (docs/vrouter.md) and
 * runs vrouter_bin.  The vrouter listens; the controller and its peers
 * connect.  Its data interfaces are its links; injectors inside the node
 * reach it on loopback.
 */
static int
vrouter_prepare(const struct lab_topology *t, size_t i, const char *dir,
    const char *vrouter_bin, struct lab_daemon *d, struct lab_error *err)
{
	const struct lab_node *node = &t->nodes[i];
	char ip[KIND_IP4_LEN];
	size_t n;

	if (vrouter_need(vrouter_bin, err) != 0)
		return -1;
	struct kind_session *s = kind_sessions(t, i, &n, err);
	if (s == NULL)
		return -1;
	GString *c = g_string_new(NULL);
	g_string_append_printf(c, "# flowcanary-vrouter: node %s of lab %s "
	    "(generated)\n", node->name, t->name);
	g_string_append_printf(c, "name = %s\n", node->name);
	if (node->platform != NULL)
		g_string_append_printf(c, "platform = %s\n", node->platform);
	g_string_append_printf(c, "asn = %u\n", node->asn);
	g_string_append_printf(c, "router-id = %s\n", kind_ip4(node->router_id, ip));
	g_string_append_printf(c, "hold-time = %d\n", KIND_HOLD);
	g_string_append_printf(c, "control = %s/vrouter.sock\n", dir);
	g_string_append(c, "accept-loopback = yes\n");
	for (size_t l = 0; l < t->n_links; l++)
		for (int e = 0; e < 2; e++)
			if (t->links[l].ep[e].node == i)
				g_string_append_printf(c, "dataplane = %s\n",
				    t->links[l].ep[e].ifname);
	for (size_t k = 0; k < n; k++) {
		if (s[k].controller) {
			g_string_append_printf(c, "controller-neighbor = %s\n", s[k].remote);
			g_string_append_printf(c, "controller-as = %u\n", s[k].remote_as);
			g_string_append_printf(c, "controller-local = %s\n", s[k].local);
		} else {
			g_string_append_printf(c, "peer = %s as %u local %s name %s%s\n",
			    s[k].remote, s[k].remote_as, s[k].local, s[k].name,
			    s[k].rr_client ? " rr-client" : "");
		}
	}
	g_free(s);
	char *conf = kind_write(dir, "vrouter.conf", c->str, err);
	g_string_free(c, TRUE);
	if (conf == NULL)
		return -1;
	d->argv = kind_argv(vrouter_bin, "--config", conf, NULL);
	g_free(conf);
	return 0;
}

/*
 * Returns 0, or -1 with err when `dir` cannot be named in a configuration:
 * FRR takes paths unquoted, BIRD in double quotes, and control sockets
 * have a short limit.
 */
static int
check_dir(const char *dir, struct lab_error *err)
{
	for (const unsigned char *p = (const unsigned char *)dir; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '\\' || *p == 0x7f)
			return lab_error_at(err, LAB_E_ENV, "", 0, 0, "the node directory "
			    "%s has a character a daemon's configuration cannot quote", dir);
	if (strlen(dir) + KIND_SOCK_NAME_MAX > sizeof(((struct sockaddr_un *)0)->sun_path))
		return lab_error_at(err, LAB_E_ENV, "", 0, 0, "the node directory %s "
		    "is too long for a control socket in it", dir);
	return 0;
}

/* Returns 0 with d filled, or -1 with err and d empty. */
int
lab_kind_prepare(const struct lab_topology *t, size_t i, const char *dir,
    const char *vrouter_bin, struct lab_daemon *d, struct lab_error *err)
{
	memset(d, 0, sizeof *d);
	if (t == NULL || i >= t->n_nodes || dir == NULL)
		return lab_error_at(err, LAB_E_VALUE, "", 0, 0,
		    "lab_kind_prepare: no such node");
	const struct lab_node *node = &t->nodes[i];
	if (node->kind == LAB_KIND_LINUX)
		return linux_prepare(node, d, err);

	char *abs = g_canonicalize_filename(dir, NULL);
	int rc = check_dir(abs, err);
	if (rc == 0) {
		switch (node->kind) {
		case LAB_KIND_FRR:
			rc = kind_frr_prepare(t, i, abs, d, err);
			break;
		case LAB_KIND_BIRD:
			rc = kind_bird_prepare(t, i, abs, d, err);
			break;
		case LAB_KIND_GOBGP:
			rc = kind_gobgp_prepare(t, i, abs, d, err);
			break;
		case LAB_KIND_VROUTER:
			rc = vrouter_prepare(t, i, abs, vrouter_bin, d, err);
			break;
		default:
			rc = lab_error_at(err, LAB_E_UNKNOWN_KIND, "", 0, 0,
			    "node %s: unknown kind %d", node->name, (int)node->kind);
			break;
		}
	}
	g_free(abs);
	if (rc != 0)
		lab_daemon_clear(d);
	return rc;
}

/* Returns nothing; frees what d holds and empties it. */
void
lab_daemon_clear(struct lab_daemon *d)
{
	if (d == NULL)
		return;
	g_strfreev(d->argv);
	g_strfreev(d->env);
	d->argv = NULL;
	d->env = NULL;
}

/* Returns 0 if kind k can run here, else -1 with err. */
int
lab_kind_available(enum lab_kind k, const char *vrouter_bin,
    struct lab_error *err)
{
	switch (k) {
	case LAB_KIND_FRR:
		if (kind_need("frr", KIND_BGPD, "frr", err) != 0)
			return -1;
		return kind_need("frr", KIND_VTYSH, "frr", err);
	case LAB_KIND_BIRD:
		if (kind_need("bird", KIND_BIRD, "bird2", err) != 0)
			return -1;
		return kind_need("bird", KIND_BIRDC, "bird2", err);
	case LAB_KIND_GOBGP:
		if (kind_need("gobgp", KIND_GOBGPD, "gobgpd", err) != 0)
			return -1;
		return kind_need("gobgp", KIND_GOBGP, "gobgpd", err);
	case LAB_KIND_VROUTER:
		return vrouter_need(vrouter_bin, err);
	case LAB_KIND_LINUX:
		return 0;	/* its program is the node's, checked by prepare */
	}
	return lab_error_at(err, LAB_E_UNKNOWN_KIND, "", 0, 0, "unknown kind %d",
	    (int)k);
}

/* Returns the view command of node i (g_strfreev), or NULL. */
char **
lab_kind_view_argv(const struct lab_topology *t, size_t i, const char *dir,
    const char *family)
{
	int fam;

	if (t == NULL || i >= t->n_nodes || dir == NULL || family == NULL)
		return NULL;
	if (strcmp(family, "ipv4") == 0)
		fam = 4;
	else if (strcmp(family, "ipv6") == 0)
		fam = 6;
	else
		return NULL;

	char *abs = g_canonicalize_filename(dir, NULL);
	char **argv = NULL;
	switch (t->nodes[i].kind) {
	case LAB_KIND_FRR:
		argv = kind_frr_view(abs, fam);
		break;
	case LAB_KIND_BIRD:
		argv = kind_bird_view(abs, fam);
		break;
	case LAB_KIND_GOBGP:
		argv = kind_gobgp_view(abs, fam);
		break;
	case LAB_KIND_VROUTER:
	case LAB_KIND_LINUX:
		break;
	}
	g_free(abs);
	return argv;
}
