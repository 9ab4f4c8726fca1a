/*
 * main.c - flowcanary-vrouter: the built-in virtual router.
 *
 *   flowcanary-vrouter --config FILE      run (in the foreground)
 *   flowcanary-vrouter --check FILE       read the configuration and profile, and exit
 *   flowcanary-vrouter --show SOCKET [COMMAND]   ask a running vrouter (JSON)
 *
 * Exit status as DESIGN.md says: 2 usage, 3 a bad configuration or
 * profile (FILE:LINE named), 4 an environment problem (a socket, an
 * interface, privilege).
 */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "receiver.h"
#include "table.h"

#define EXIT_USAGE 2
#define EXIT_INPUT 3
#define EXIT_ENV 4
#define DEFAULT_PLATFORM "interval-firewall"
#define SHUTDOWN_MS 3000

#ifndef FC_PLATFORM_DIR
#define FC_PLATFORM_DIR "/usr/share/flowcanary/platforms"
#endif

struct daemon {
	GMainLoop *loop;
	struct vr_config c;
	struct vr_profile p;
	struct vr_dataplane *dp;
	struct vr_table *t;
	struct vr_receiver *rx;
	struct vr_control *ctl;
	struct vr_view view;
	bool quitting;
};

/* Logs each rule's status change on stderr (the lab keeps it). */
static void
log_rule(const struct vr_rule *r, void *ud)
{
	fprintf(stderr, "rule %u %s%s%s: %s\n", r->id, vr_rule_status_name(r->status),
	    r->reason[0] ? " (" : "", r->reason[0] ? ")" : "",
	    r->text ? r->text : "?");
	if (r->reason[0])
		fprintf(stderr, "rule %u: %s\n", r->id, r->reason);
}

/*
 * Returns 0, or -1 with err when the kernel forwards IPv4 here: it would
 * forward what the dataplane filters, behind its back.  A fresh network
 * namespace starts with forwarding off; this never changes the setting,
 * so that a mistaken run on a host cannot turn a router's forwarding off.
 */
static int
kernel_forwarding_off(char *err, size_t cap)
{
	const char *path = "/proc/sys/net/ipv4/ip_forward";
	char v[4] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, v, sizeof v - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		snprintf(err, cap, "%s: %s", path, n < 0 ? strerror(errno) : "empty");
		return -1;
	}
	if (v[0] != '0') {
		snprintf(err, cap, "IPv4 forwarding is on in this network namespace: "
		    "the kernel would forward what the dataplane filters (run the "
		    "vrouter in a namespace of its own, or set net.ipv4.ip_forward=0 there)");
		return -1;
	}
	return 0;
}

static void
on_shutdown_done(void *ud)
{
	struct daemon *d = ud;
	g_main_loop_quit(d->loop);
}

static gboolean
on_shutdown_timeout(gpointer ud)
{
	struct daemon *d = ud;
	g_main_loop_quit(d->loop);
	return G_SOURCE_REMOVE;
}

/* First signal: Cease to every peer, then quit; a second quits at once. */
static gboolean
on_signal(gpointer ud)
{
	struct daemon *d = ud;

	if (d->quitting) {
		g_main_loop_quit(d->loop);
		return G_SOURCE_CONTINUE;
	}
	d->quitting = true;
	g_timeout_add(SHUTDOWN_MS, on_shutdown_timeout, d);
	vr_receiver_shutdown(d->rx, on_shutdown_done, d);
	return G_SOURCE_CONTINUE;
}

/* Returns the exit status: loads the configuration and the profile into d. */
static int
load(struct daemon *d, const char *path)
{
	char err[512];
	struct vr_profile_error perr = { "" };

	if (vr_config_load(&d->c, path, err, sizeof err) != 0) {
		fprintf(stderr, "flowcanary-vrouter: %s\n", err);
		return EXIT_INPUT;
	}
	const char *dir = d->c.platform_dir ? d->c.platform_dir : FC_PLATFORM_DIR;
	const char *name = d->c.platform ? d->c.platform : DEFAULT_PLATFORM;
	if (vr_profile_find(&d->p, dir, name, &perr) != 0) {
		fprintf(stderr, "flowcanary-vrouter: %s: platform %s: %s\n", path,
		    name, perr.msg);
		return EXIT_INPUT;
	}
	return 0;
}

/* Returns the exit status: runs the daemon until a signal. */
static int
run(struct daemon *d)
{
	char err[512];
	int rc = EXIT_ENV;

	d->loop = g_main_loop_new(NULL, FALSE);
	if (d->c.n_ifnames > 0) {
		struct vr_dataplane_config dc = {
			.ifnames = (const char *const *)d->c.ifnames,
			.n_ifnames = d->c.n_ifnames,
			.routes = d->c.routes, .n_routes = d->c.n_routes,
			.redirects = d->c.redirects, .n_redirects = d->c.n_redirects,
		};
		if (kernel_forwarding_off(err, sizeof err) != 0 ||
		    (d->dp = vr_dp_new(&dc, err, sizeof err)) == NULL ||
		    vr_dp_start(d->dp, err, sizeof err) != 0)
			goto fail;
	}
	if ((d->t = vr_table_new(&d->p, d->dp)) == NULL) {
		snprintf(err, sizeof err, "out of memory");
		goto fail;
	}
	vr_table_set_log(d->t, log_rule, d);
	if ((d->rx = vr_receiver_new(&d->c, d->t, err, sizeof err)) == NULL)
		goto fail;
	d->view = (struct vr_view){ .c = &d->c, .p = &d->p, .t = d->t, .rx = d->rx,
		.dp = d->dp, .started_us = g_get_monotonic_time() };
	if (d->c.control != NULL &&
	    (d->ctl = vr_control_new(d->c.control, &d->view, err, sizeof err)) == NULL)
		goto fail;
	guint s1 = g_unix_signal_add(SIGINT, on_signal, d);
	guint s2 = g_unix_signal_add(SIGTERM, on_signal, d);
	fprintf(stderr, "flowcanary-vrouter %s: platform %s, AS %u, %zu neighbor(s)%s, "
	    "%zu data interface(s), control %s\n", d->c.name[0] ? d->c.name : "-",
	    d->p.name, d->c.asn, d->c.n_neighbors,
	    d->c.accept_loopback ? " and loopback injectors" : "", d->c.n_ifnames,
	    d->c.control ? d->c.control : "none");
	g_main_loop_run(d->loop);
	g_source_remove(s1);
	g_source_remove(s2);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "flowcanary-vrouter: %s\n", err);
out:
	vr_control_free(d->ctl);
	vr_receiver_free(d->rx);
	vr_table_free(d->t);
	vr_dp_free(d->dp);
	g_main_loop_unref(d->loop);
	return rc;
}

/* Returns the exit status of --show. */
static int
show(char **args, int n)
{
	char err[512];

	if (n < 1 || n > 2) {
		fprintf(stderr, "usage: flowcanary-vrouter --show SOCKET [show|rules|memory|peers|dataplane]\n");
		return EXIT_USAGE;
	}
	char *out = vr_control_query(args[0], n == 2 ? args[1] : "show", err, sizeof err);
	if (out == NULL) {
		fprintf(stderr, "flowcanary-vrouter: %s\n", err);
		return EXIT_ENV;
	}
	fputs(out, stdout);
	g_free(out);
	return 0;
}

int
main(int argc, char **argv)
{
	gchar *config = NULL, *check = NULL;
	gboolean want_show = FALSE;
	gchar **rest = NULL;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "run with this configuration", "FILE" },
		{ "check", 0, 0, G_OPTION_ARG_FILENAME, &check, "read a configuration and its platform profile, then exit", "FILE" },
		{ "show", 0, 0, G_OPTION_ARG_NONE, &want_show, "ask the vrouter at SOCKET: show, rules, memory, peers or dataplane", NULL },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &rest, NULL, "[SOCKET [COMMAND]]" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	GOptionContext *ctx = g_option_context_new("");
	GError *gerr = NULL;
	int rc;

	g_option_context_set_summary(ctx, "The built-in virtual router: receives "
	    "Flowspec over BGP, compiles it as its platform profile says, and "
	    "forwards packets through the result.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	/* A control client that hangs up early must not take the router down. */
	signal(SIGPIPE, SIG_IGN);
	if (!g_option_context_parse(ctx, &argc, &argv, &gerr)) {
		fprintf(stderr, "flowcanary-vrouter: %s\n", gerr->message);
		g_error_free(gerr);
		rc = EXIT_USAGE;
		goto out;
	}
	int nrest = rest ? (int)g_strv_length(rest) : 0;
	if (want_show) {
		rc = show(rest, nrest);
		goto out;
	}
	if ((config == NULL) == (check == NULL) || nrest != 0) {
		fprintf(stderr, "flowcanary-vrouter: give --config FILE, --check FILE "
		    "or --show SOCKET\n");
		rc = EXIT_USAGE;
		goto out;
	}
	struct daemon d = { 0 };
	rc = load(&d, config ? config : check);
	if (rc == 0 && check != NULL)
		printf("%s: platform %s, %zu neighbor(s), %zu data interface(s): ok\n",
		    check, d.p.name, d.c.n_neighbors, d.c.n_ifnames);
	else if (rc == 0)
		rc = run(&d);
	vr_profile_free(&d.p);
	vr_config_free(&d.c);
out:
	g_strfreev(rest);
	g_free(config);
	g_free(check);
	g_option_context_free(ctx);
	return rc;
}
