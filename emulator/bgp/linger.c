/*
 * linger.c - flush, half-close, drain, close.
 *
 * Writing may take as long as the peer keeps reading (each bit of
 * progress restarts the idle deadline), but draining is bounded in total:
 * a peer that keeps talking after our last word must not hold the
 * descriptor for ever.
 */
#include <errno.h>
#include <glib.h>
#include <glib-unix.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "linger.h"

#define DRAIN_IDLE_PERIODS 2	/* drain for at most twice the idle timeout */

struct bgp_linger {
	int fd;
	uint8_t *out;
	size_t len, off;
	unsigned idle_ms;
	gint64 drain_until;	/* set when the sending side is shut */
	guint watch, timer;
	void (*done)(void *ud);
	void *ud;
};

static gboolean on_io(gint fd, GIOCondition cond, gpointer data);
static gboolean on_timeout(gpointer data);

/* Closes and frees `l`, then tells the owner. */
static void
finish(struct bgp_linger *l)
{
	void (*done)(void *) = l->done;
	void *ud = l->ud;

	if (l->watch)
		g_source_remove(l->watch);
	if (l->timer)
		g_source_remove(l->timer);
	close(l->fd);
	free(l->out);
	free(l);
	if (done != NULL)
		done(ud);
}

/* Restarts the idle deadline and the watch for what `l` now waits for. */
static void
rearm(struct bgp_linger *l)
{
	if (l->timer)
		g_source_remove(l->timer);
	l->timer = g_timeout_add(l->idle_ms, on_timeout, l);
	if (l->watch)
		g_source_remove(l->watch);
	l->watch = g_unix_fd_add(l->fd, l->off < l->len ? G_IO_OUT : G_IO_IN,
	    on_io, l);
}

static gboolean
on_timeout(gpointer data)
{
	struct bgp_linger *l = data;
	l->timer = 0;
	finish(l);
	return G_SOURCE_REMOVE;
}

/* Writes what it can. Returns false when the socket failed. */
static bool
flush(struct bgp_linger *l)
{
	while (l->off < l->len) {
		ssize_t n = send(l->fd, l->out + l->off, l->len - l->off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		l->off += (size_t)n;
	}
	if (l->drain_until == 0) {
		shutdown(l->fd, SHUT_WR);
		l->drain_until = g_get_monotonic_time() +
		    (gint64)DRAIN_IDLE_PERIODS * l->idle_ms * 1000;
	}
	return true;
}

static gboolean
on_io(gint fd, GIOCondition cond, gpointer data)
{
	struct bgp_linger *l = data;
	uint8_t sink[4096];

	l->watch = 0;
	if (l->off < l->len) {
		if (!flush(l)) {
			finish(l);
			return G_SOURCE_REMOVE;
		}
		rearm(l);
		return G_SOURCE_REMOVE;
	}
	for (;;) {
		ssize_t n = recv(fd, sink, sizeof sink, MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		finish(l);	/* end of stream, or an error: done either way */
		return G_SOURCE_REMOVE;
	}
	if (g_get_monotonic_time() >= l->drain_until) {
		finish(l);	/* still talking: enough */
		return G_SOURCE_REMOVE;
	}
	rearm(l);
	return G_SOURCE_REMOVE;
}

struct bgp_linger *
bgp_linger_start(int fd, const uint8_t *out, size_t len,
    unsigned idle_timeout_ms, void (*done)(void *ud), void *ud)
{
	struct bgp_linger *l = calloc(1, sizeof *l);

	if (l == NULL || (len > 0 && (l->out = malloc(len)) == NULL)) {
		free(l);
		close(fd);
		return NULL;
	}
	if (len > 0)
		memcpy(l->out, out, len);
	l->fd = fd;
	l->len = len;
	l->idle_ms = idle_timeout_ms ? idle_timeout_ms : 2000;
	l->done = done;
	l->ud = ud;
	if (!flush(l)) {
		l->done = NULL;
		finish(l);
		if (done != NULL)
			done(ud);
		return NULL;
	}
	rearm(l);
	return l;
}

void
bgp_linger_detach(struct bgp_linger *l)
{
	if (l != NULL)
		l->done = NULL;
}
