/*
 * listener.c - accepting BGP connections for passive sessions.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "session.h"

#define ACCEPT_PAUSE_MS 100	/* after running out of descriptors or memory */

struct bgp_listener {
	int fd;
	guint watch, pause;
	uint16_t port;
	bgp_accept_fn fn;
	void *ud;
};

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data);

static gboolean
on_resume(gpointer data)
{
	struct bgp_listener *l = data;
	l->pause = 0;
	l->watch = g_unix_fd_add(l->fd, G_IO_IN, on_accept, l);
	return G_SOURCE_REMOVE;
}

/* Writes the text form of an address (IPv4-mapped shown as IPv4). */
void
bgp_addr_name(const struct sockaddr *sa, char *buf, size_t cap)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    buf, (socklen_t)cap);
	else if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, (socklen_t)cap);
	else
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)cap);
}

static gboolean
on_accept(gint fd, GIOCondition cond, gpointer data)
{
	struct bgp_listener *l = data;

	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int c = accept4(fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/*
				 * The connection stays queued and the socket
				 * readable: watching it now would spin.  Look
				 * again once some descriptor may be free.
				 */
				l->watch = 0;
				l->pause = g_timeout_add(ACCEPT_PAUSE_MS,
				    on_resume, l);
				return G_SOURCE_REMOVE;
			}
			break;	/* EAGAIN: all taken */
		}
		l->fn(c, (struct sockaddr *)&ss, len, l->ud);
	}
	return G_SOURCE_CONTINUE;
}

/*
 * Sets `k` for every peer of the address family, and for IPv4 peers of a
 * dual-stack socket.  An AF_INET6 socket takes only AF_INET6 addresses
 * (Linux refuses AF_INET with EINVAL): IPv4 peers are given as the
 * v4-mapped ::ffff:0.0.0.0 with an IPv4 prefix length.
 */
static int
md5_any(int fd, int family, const struct bgp_md5_key *k, char *err, size_t cap)
{
	struct sockaddr_in any4 = { .sin_family = AF_INET };
	struct sockaddr_in6 any6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in6 mapped4 = { .sin6_family = AF_INET6 };

	if (family != AF_INET6)
		return bgp_md5_apply(fd, (struct sockaddr *)&any4, sizeof any4,
		    0, k, err, cap);
	mapped4.sin6_addr.s6_addr[10] = 0xff;
	mapped4.sin6_addr.s6_addr[11] = 0xff;
	if (bgp_md5_apply(fd, (struct sockaddr *)&any6, sizeof any6, 0, k,
	    err, cap) < 0)
		return -1;
	return bgp_md5_apply(fd, (struct sockaddr *)&mapped4, sizeof mapped4,
	    0, k, err, cap);
}

struct bgp_listener *
bgp_listener_new(const struct sockaddr *addr, socklen_t addr_len,
    const struct bgp_md5_key *md5, bgp_accept_fn fn, void *ud, char *err,
    size_t cap)
{
	int one = 1, zero = 0;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char name[INET6_ADDRSTRLEN] = "?";

	if (addr == NULL || fn == NULL) {
		snprintf(err, cap, "no address to listen on");
		return NULL;
	}
	bgp_addr_name(addr, name, sizeof name);
	int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, cap, "socket: %s", strerror(errno));
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (addr->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
	if (md5 != NULL && md5_any(fd, addr->sa_family, md5, err, cap) < 0) {
		close(fd);
		return NULL;
	}
	if (bind(fd, addr, addr_len) < 0 || listen(fd, 64) < 0) {
		int e = errno;
		snprintf(err, cap, "cannot listen on %s: %s%s", name, strerror(e),
		    e == EACCES ? " (port 179 needs root or CAP_NET_BIND_SERVICE)" :
		    e == EADDRINUSE ? " (another BGP speaker holds the port?)" : "");
		close(fd);
		return NULL;
	}
	struct bgp_listener *l = g_new0(struct bgp_listener, 1);
	l->fd = fd;
	l->fn = fn;
	l->ud = ud;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		l->port = ntohs(ss.ss_family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port :
		    ((struct sockaddr_in6 *)&ss)->sin6_port);
	l->watch = g_unix_fd_add(fd, G_IO_IN, on_accept, l);
	return l;
}

uint16_t
bgp_listener_port(const struct bgp_listener *l)
{
	return l != NULL ? l->port : 0;
}

void
bgp_listener_free(struct bgp_listener *l)
{
	if (l == NULL)
		return;
	if (l->watch)
		g_source_remove(l->watch);
	if (l->pause)
		g_source_remove(l->pause);
	close(l->fd);
	g_free(l);
}
