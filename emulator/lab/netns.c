/*
 * netns.c - named network namespaces, veth pairs, addresses and routes,
 * through libnl-route.
 *
 * A namespace is made as iproute2 makes one: the calling thread
 * unshares its network namespace, bind-mounts it on /run/netns/NAME and
 * goes back.  A netlink socket belongs to the namespace of the thread
 * that created it, so each namespace gets a route socket created from
 * inside it; everything after that (links, addresses, routes) is plain
 * messages on that socket, with no further namespace switching.
 *
 * Whatever fails, the calling thread ends where it started: a thread
 * left in a lab's namespace would put the controller's own traffic there.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "netns.h"

#define NS_NAME_MAX	200
#define NS_PATH_MAX	(sizeof(LAB_NETNS_DIR) + 1 + NS_NAME_MAX + 1)
#define SELF_NET	"/proc/thread-self/ns/net"
#define IFNAME_MAX	15	/* IFNAMSIZ - 1: libnl truncates longer names silently */

struct lab_netns {
	int fd;			/* on the namespace itself */
	struct nl_sock *sk;	/* a route socket created inside it */
	int kerr;		/* errno of the kernel's last refusal on sk */
	char name[NS_NAME_MAX + 1];
};

/* Returns true if `name` can be a file under /run/netns. */
static bool
name_ok(const char *name)
{
	size_t n;

	if (name == NULL)
		return false;
	n = strnlen(name, NS_NAME_MAX + 1);
	if (n == 0 || n > NS_NAME_MAX)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	return strchr(name, '/') == NULL;
}

/* Returns true if the kernel would take `name` as an interface name. */
static bool
ifname_ok(const char *name)
{
	size_t n;

	if (name == NULL)
		return false;
	n = strnlen(name, IFNAME_MAX + 1);
	if (n == 0 || n > IFNAME_MAX)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	/* as the kernel's dev_valid_name() */
	for (const char *p = name; *p != '\0'; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' &&
		    *p <= '\r'))
			return false;
	return true;
}

/* Returns -1 after saying that `name` is no namespace name. */
static int
bad_name(struct lab_error *err, const char *name)
{
	return lab_error_at(err, LAB_E_VALUE, "", 0, 0,
	    "bad namespace name \"%.*s\": 1 to %d characters, no '/', "
	    "not \".\" or \"..\"", NS_NAME_MAX + 1, name ? name : "",
	    NS_NAME_MAX);
}

/* Returns -1 after saying that `name` is no interface name. */
static int
bad_ifname(struct lab_error *err, const char *name)
{
	return lab_error_at(err, LAB_E_VALUE, "", 0, 0,
	    "bad interface name \"%.*s\": 1 to %d characters, no '/', ':' "
	    "or space", IFNAME_MAX + 1, name ? name : "", IFNAME_MAX);
}

/* Writes /run/netns/NAME into path (NS_PATH_MAX octets; name checked). */
static void
ns_path(char *path, const char *name)
{
	snprintf(path, NS_PATH_MAX, "%s/%s", LAB_NETNS_DIR, name);
}

/* Returns -1 after filling `err` from errno `e`, for `what` on `obj`. */
static int
sys_fail(struct lab_error *err, int e, const char *what, const char *obj)
{
	enum lab_errcode code = LAB_E_IO;

	switch (e) {
	case EPERM:
	case EACCES:
		return lab_error_at(err, LAB_E_ENV, "", 0, 0,
		    "%s %s: needs root (CAP_SYS_ADMIN)", what, obj);
	case ENOSYS:
		return lab_error_at(err, LAB_E_ENV, "", 0, 0,
		    "%s %s: the kernel has no network namespaces", what, obj);
	case EEXIST:
		code = LAB_E_EXISTS;
		break;
	case ENOMEM:
		code = LAB_E_NOMEM;
		break;
	}
	return lab_error_at(err, code, "", 0, 0, "%s %s: %s", what, obj,
	    strerror(e));
}

/*
 * Returns -1 after filling `err` from libnl error `rc` (negative), or
 * better from the errno the kernel sent on `ns`'s socket, when it did:
 * libnl folds many of those into "Unspecific failure".
 */
static int
nl_fail(struct lab_error *err, int rc, const struct lab_netns *ns,
    const char *what, const char *obj)
{
	enum lab_errcode code = LAB_E_IO;

	if (ns != NULL && ns->kerr > 0) {
		switch (ns->kerr) {
		case EPERM:
		case EACCES:
			return lab_error_at(err, LAB_E_ENV, "", 0, 0,
			    "%s %s: needs root (CAP_NET_ADMIN)", what, obj);
		case EOPNOTSUPP:
			return lab_error_at(err, LAB_E_ENV, "", 0, 0,
			    "%s %s: not supported by the kernel", what, obj);
		case EEXIST:
			code = LAB_E_EXISTS;
			break;
		case ENOMEM:
			code = LAB_E_NOMEM;
			break;
		}
		return lab_error_at(err, code, "", 0, 0, "%s %s: %s", what,
		    obj, strerror(ns->kerr));
	}
	switch (-rc) {
	case NLE_PERM:
		return lab_error_at(err, LAB_E_ENV, "", 0, 0,
		    "%s %s: needs root (CAP_NET_ADMIN)", what, obj);
	case NLE_OPNOTSUPP:
		return lab_error_at(err, LAB_E_ENV, "", 0, 0,
		    "%s %s: not supported by the kernel (%s)", what, obj,
		    nl_geterror(rc));
	case NLE_EXIST:
		code = LAB_E_EXISTS;
		break;
	case NLE_NOMEM:
		code = LAB_E_NOMEM;
		break;
	}
	return lab_error_at(err, code, "", 0, 0, "%s %s: %s", what, obj,
	    nl_geterror(rc));
}

/*
 * Returns the calling thread to the namespace `orig` and closes it.
 * There is no safe way on from a failure here: the thread would carry on
 * in a lab's namespace, so it stops the process.
 */
static void
ns_return(int orig)
{
	if (setns(orig, CLONE_NEWNET) < 0) {
		fprintf(stderr, "flowcanary: cannot return to the original "
		    "network namespace: %s\n", strerror(errno));
		abort();
	}
	close(orig);
}

/* Returns an fd on the calling thread's namespace, or -1 with `err`. */
static int
ns_here(struct lab_error *err)
{
	int fd = open(SELF_NET, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		sys_fail(err, errno, "open", SELF_NET);
	return fd;
}

/* Notes the kernel's errno; returns NL_STOP, which keeps libnl's own result. */
static int
on_kernel_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	*(int *)arg = -e->error;
	return NL_STOP;
}

/*
 * Opens `ns`'s route socket in the calling thread's namespace.  Returns
 * 0, or -1 with `err`.
 */
static int
route_socket_here(struct lab_netns *ns, struct lab_error *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	int rc;

	if (sk == NULL)
		return lab_error_at(err, LAB_E_NOMEM, "", 0, 0, "out of memory");
	if ((rc = nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_kernel_error,
	    &ns->kerr)) < 0 || (rc = nl_connect(sk, NETLINK_ROUTE)) < 0) {
		nl_socket_free(sk);
		return nl_fail(err, rc, NULL, "route socket in", ns->name);
	}
	ns->sk = sk;
	return 0;
}

/* Sets `ifname` up through `sk`. Returns 0 or a negative libnl error. */
static int
link_up(struct nl_sock *sk, const char *ifname)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int rc;

	if (l == NULL)
		return -NLE_NOMEM;
	/* no ifindex: the kernel finds the link by name */
	rtnl_link_set_name(l, ifname);
	rtnl_link_set_flags(l, IFF_UP);
	rc = rtnl_link_change(sk, l, l, 0);
	rtnl_link_put(l);
	return rc;
}

/* Deletes `ifname` through `sk`. Returns 0 or a negative libnl error. */
static int
link_delete(struct nl_sock *sk, const char *ifname)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int rc;

	if (l == NULL)
		return -NLE_NOMEM;
	rtnl_link_set_name(l, ifname);
	rc = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	return rc;
}

/*
 * Makes /run/netns a shared mount point, as iproute2 does, so that pins
 * made here show in every mount namespace.  Returns 0 or -1 with `err`.
 */
static int
run_dir_ready(struct lab_error *err)
{
	bool made = false;

	if (mkdir(LAB_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return sys_fail(err, errno, "mkdir", LAB_NETNS_DIR);
	while (mount("", LAB_NETNS_DIR, "none", MS_SHARED | MS_REC,
	    NULL) < 0) {
		/* EINVAL: not a mount point yet; bind it on itself, once */
		if (errno != EINVAL || made)
			return sys_fail(err, errno, "mount --make-rshared",
			    LAB_NETNS_DIR);
		if (mount(LAB_NETNS_DIR, LAB_NETNS_DIR, "none",
		    MS_BIND | MS_REC, NULL) < 0)
			return sys_fail(err, errno, "mount --rbind",
			    LAB_NETNS_DIR);
		made = true;
	}
	return 0;
}

/* Returns a zeroed namespace handle for `name`, or NULL with `err`. */
static struct lab_netns *
ns_alloc(const char *name, struct lab_error *err)
{
	struct lab_netns *ns = calloc(1, sizeof *ns);

	if (ns == NULL) {
		lab_error_at(err, LAB_E_NOMEM, "", 0, 0, "out of memory");
		return NULL;
	}
	ns->fd = -1;
	snprintf(ns->name, sizeof ns->name, "%s", name);
	return ns;
}

/*
 * Inside the fresh namespace: pins it on `path`, opens an fd and a route
 * socket on it and sets loopback up.  Returns 0, or -1 with `err` (what
 * was opened is left in `ns` for the caller to close).
 */
static int
populate(struct lab_netns *ns, const char *path, bool *mounted,
    struct lab_error *err)
{
	int rc;

	if (mount(SELF_NET, path, "none", MS_BIND, NULL) < 0)
		return sys_fail(err, errno, "bind mount on", path);
	*mounted = true;
	if ((ns->fd = open(SELF_NET, O_RDONLY | O_CLOEXEC)) < 0)
		return sys_fail(err, errno, "open", SELF_NET);
	if (route_socket_here(ns, err) < 0)
		return -1;
	if ((rc = link_up(ns->sk, "lo")) < 0)
		return nl_fail(err, rc, ns, "set up lo in", ns->name);
	return 0;
}

/* Adds to the message in `err` that `path` could not be removed (errno e). */
static void
left_behind(struct lab_error *err, const char *path, int e)
{
	size_t len;

	if (err == NULL)
		return;
	len = strnlen(err->msg, sizeof err->msg);
	snprintf(err->msg + len, sizeof err->msg - len,
	    "; and %s is left behind: %s", path, strerror(e));
}

struct lab_netns *
lab_netns_create(const char *name, struct lab_error *err)
{
	char path[NS_PATH_MAX];
	struct lab_netns *ns;
	bool mounted = false;
	int fd, orig, rc;

	if (!name_ok(name)) {
		bad_name(err, name);
		return NULL;
	}
	ns_path(path, name);
	if (run_dir_ready(err) < 0)
		return NULL;
	/* the pin file doubles as the lock on the name */
	if ((fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0)) < 0) {
		if (errno == EEXIST)
			lab_error_at(err, LAB_E_EXISTS, "", 0, 0,
			    "namespace %s exists", name);
		else
			sys_fail(err, errno, "create", path);
		return NULL;
	}
	close(fd);
	if ((ns = ns_alloc(name, err)) == NULL)
		goto unpin;
	if ((orig = ns_here(err)) < 0)
		goto unpin;
	if (unshare(CLONE_NEWNET) < 0) {
		/* EINVAL: a kernel built without network namespaces */
		sys_fail(err, errno == EINVAL ? ENOSYS : errno,
		    "unshare the network namespace for", name);
		close(orig);
		goto unpin;
	}
	rc = populate(ns, path, &mounted, err);
	ns_return(orig);
	if (rc == 0)
		return ns;
unpin:
	lab_netns_close(ns);
	if ((mounted && umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) ||
	    unlink(path) < 0)
		left_behind(err, path, errno);
	return NULL;
}

struct lab_netns *
lab_netns_open(const char *name, struct lab_error *err)
{
	char path[NS_PATH_MAX];
	struct lab_netns *ns;
	int orig, rc;

	if (!name_ok(name)) {
		bad_name(err, name);
		return NULL;
	}
	ns_path(path, name);
	if ((ns = ns_alloc(name, err)) == NULL)
		return NULL;
	if ((ns->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			lab_error_at(err, LAB_E_IO, "", 0, 0,
			    "no namespace %s", name);
		else
			sys_fail(err, errno, "open", path);
		goto fail;
	}
	if ((orig = ns_here(err)) < 0)
		goto fail;
	if (setns(ns->fd, CLONE_NEWNET) < 0) {
		if (errno == EINVAL)
			lab_error_at(err, LAB_E_IO, "", 0, 0,
			    "%s is not a network namespace", path);
		else
			sys_fail(err, errno, "enter", path);
		close(orig);	/* setns failed: still where we were */
		goto fail;
	}
	rc = route_socket_here(ns, err);
	ns_return(orig);
	if (rc == 0)
		return ns;
fail:
	lab_netns_close(ns);
	return NULL;
}

void
lab_netns_close(struct lab_netns *ns)
{
	if (ns == NULL)
		return;
	if (ns->sk != NULL)
		nl_socket_free(ns->sk);	/* closes the socket too */
	if (ns->fd >= 0)
		close(ns->fd);
	free(ns);
}

/* Returns the fd on the namespace; `ns` keeps owning it. */
int
lab_netns_fd(const struct lab_netns *ns)
{
	return ns->fd;
}

/* Returns the name the namespace is pinned under. */
const char *
lab_netns_name(const struct lab_netns *ns)
{
	return ns->name;
}

int
lab_netns_remove(const char *name, struct lab_error *err)
{
	char path[NS_PATH_MAX];
	bool pinned = true;

	if (!name_ok(name))
		return bad_name(err, name);
	ns_path(path, name);
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
		/* EINVAL: a file that is no mount (a half-made pin) */
		if (errno == ENOENT || errno == EINVAL)
			pinned = false;
		else
			return sys_fail(err, errno, "umount", path);
	}
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return pinned ? 0 : 1;
		return sys_fail(err, errno, "unlink", path);
	}
	return 0;
}

int
lab_netns_list(const char *prefix, void *out, struct lab_error *err)
{
	GPtrArray *names = out;
	size_t plen = prefix != NULL ? strlen(prefix) : 0;
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (names == NULL)
		return lab_error_at(err, LAB_E_VALUE, "", 0, 0,
		    "lab_netns_list: no array to fill");
	if ((d = opendir(LAB_NETNS_DIR)) == NULL) {
		if (errno == ENOENT)
			return 0;	/* no namespace was ever named here */
		return sys_fail(err, errno, "open", LAB_NETNS_DIR);
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (!name_ok(de->d_name) || strncmp(de->d_name, prefix ?
		    prefix : "", plen) != 0)
			continue;
		g_ptr_array_add(names, g_strdup(de->d_name));
		n++;
	}
	if (errno != 0) {
		int e = errno;
		closedir(d);
		return sys_fail(err, e, "read", LAB_NETNS_DIR);
	}
	closedir(d);
	return n;
}

int
lab_veth_create(struct lab_netns *a, const char *name_a,
    struct lab_netns *b, const char *name_b, struct lab_error *err)
{
	struct rtnl_link *link, *peer;
	char what[64];
	int rc;

	if (!ifname_ok(name_a))
		return bad_ifname(err, name_a);
	if (!ifname_ok(name_b))
		return bad_ifname(err, name_b);
	if ((link = rtnl_link_veth_alloc()) == NULL)
		return lab_error_at(err, LAB_E_NOMEM, "", 0, 0, "out of memory");
	/*
	 * Each end is made in its namespace directly (IFLA_NET_NS_FD, for
	 * the peer inside VETH_INFO_PEER): nothing appears in ours, even for
	 * a moment, and names only need to be unique per namespace.
	 */
	rtnl_link_set_name(link, name_a);
	rtnl_link_set_ns_fd(link, a->fd);
	rtnl_link_set_flags(link, IFF_UP);
	peer = rtnl_link_veth_get_peer(link);	/* a reference of ours */
	rtnl_link_set_name(peer, name_b);
	rtnl_link_set_ns_fd(peer, b->fd);
	/*
	 * Not IFF_UP on the peer: the kernel opens the peer before it is
	 * joined to this end, and refuses with ENOTCONN ("Unspecific
	 * failure" from libnl).  It is set up by a second message below.
	 */
	rtnl_link_put(peer);
	a->kerr = b->kerr = 0;
	rc = rtnl_link_add(a->sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);	/* frees the peer with it */
	snprintf(what, sizeof what, "%s/%s", name_a, name_b);
	if (rc < 0)
		return nl_fail(err, rc, a, "create veth", what);
	if ((rc = link_up(b->sk, name_b)) < 0) {
		nl_fail(err, rc, b, "set up", name_b);
		link_delete(a->sk, name_a);	/* takes the peer with it */
		return -1;
	}
	return 0;
}

/*
 * Looks `ifname` up in `ns`.  Returns its index, or -1 with `err`.
 */
static int
ifindex_of(struct lab_netns *ns, const char *ifname, struct lab_error *err)
{
	struct rtnl_link *l = NULL;
	int rc, idx;

	if (!ifname_ok(ifname))
		return bad_ifname(err, ifname);
	ns->kerr = 0;
	if ((rc = rtnl_link_get_kernel(ns->sk, 0, ifname, &l)) < 0) {
		if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND)
			return lab_error_at(err, LAB_E_IO, "", 0, 0,
			    "no interface %s in namespace %s", ifname,
			    ns->name);
		return nl_fail(err, rc, ns, "look up", ifname);
	}
	idx = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return idx;
}

/* Returns a libnl IPv4 address for addr/plen (host order), or NULL. */
static struct nl_addr *
v4(uint32_t addr, uint8_t plen)
{
	uint32_t be = htonl(addr);
	struct nl_addr *a = nl_addr_build(AF_INET, &be, sizeof be);

	if (a != NULL)
		nl_addr_set_prefixlen(a, plen);
	return a;
}

/* Writes "A.B.C.D/P" for addr (host order) into buf (32 octets). */
static void
v4_str(uint32_t addr, uint8_t plen, char *buf)
{
	uint32_t be = htonl(addr);
	char s[INET_ADDRSTRLEN];

	if (inet_ntop(AF_INET, &be, s, sizeof s) == NULL)
		snprintf(s, sizeof s, "?");
	snprintf(buf, 32, "%s/%u", s, plen);
}

int
lab_addr_add(struct lab_netns *ns, const char *ifname, uint32_t addr,
    uint8_t plen, struct lab_error *err)
{
	struct rtnl_addr *ra;
	struct nl_addr *local;
	char what[32];
	int idx, rc;

	v4_str(addr, plen, what);
	if (plen > 32)
		return lab_error_at(err, LAB_E_VALUE, "", 0, 0,
		    "bad prefix length in %s", what);
	if ((idx = ifindex_of(ns, ifname, err)) < 0)
		return -1;
	if ((ra = rtnl_addr_alloc()) == NULL)
		return lab_error_at(err, LAB_E_NOMEM, "", 0, 0, "out of memory");
	if ((local = v4(addr, plen)) == NULL) {
		rtnl_addr_put(ra);
		return lab_error_at(err, LAB_E_NOMEM, "", 0, 0, "out of memory");
	}
	rtnl_addr_set_family(ra, AF_INET);
	rtnl_addr_set_ifindex(ra, idx);
	rc = rtnl_addr_set_local(ra, local);	/* takes its own reference */
	nl_addr_put(local);
	if (rc == 0) {
		rtnl_addr_set_prefixlen(ra, plen);
		ns->kerr = 0;
		rc = rtnl_addr_add(ns->sk, ra, NLM_F_EXCL);
	}
	rtnl_addr_put(ra);
	if (rc < 0)
		return nl_fail(err, rc, ns, "add address", what);
	return 0;
}

int
lab_route_add(struct lab_netns *ns, uint32_t dst, uint8_t plen,
    uint32_t via, struct lab_error *err)
{
	struct rtnl_route *rt;
	struct rtnl_nexthop *nh;
	struct nl_addr *d, *gw;
	char what[32];
	int rc;

	v4_str(dst, plen, what);
	if (plen > 32)
		return lab_error_at(err, LAB_E_VALUE, "", 0, 0,
		    "bad prefix length in %s", what);
	/* the kernel would refuse it with a bare EINVAL */
	if (plen < 32 && (dst & (0xffffffffu >> plen)) != 0)
		return lab_error_at(err, LAB_E_VALUE, "", 0, 0,
		    "route %s has host bits set", what);
	if ((rt = rtnl_route_alloc()) == NULL)
		return lab_error_at(err, LAB_E_NOMEM, "", 0, 0, "out of memory");
	if ((nh = rtnl_route_nh_alloc()) == NULL) {
		rtnl_route_put(rt);
		return lab_error_at(err, LAB_E_NOMEM, "", 0, 0, "out of memory");
	}
	if ((d = v4(dst, plen)) == NULL || (gw = v4(via, 32)) == NULL) {
		if (d != NULL)
			nl_addr_put(d);
		rtnl_route_nh_free(nh);
		rtnl_route_put(rt);
		return lab_error_at(err, LAB_E_NOMEM, "", 0, 0, "out of memory");
	}
	rtnl_route_nh_set_gateway(nh, gw);	/* takes its own reference */
	nl_addr_put(gw);
	rtnl_route_add_nexthop(rt, nh);		/* rt owns nh from here */
	rtnl_route_set_family(rt, AF_INET);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_scope(rt, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(rt, RTN_UNICAST);
	rc = rtnl_route_set_dst(rt, d);
	nl_addr_put(d);
	if (rc == 0) {
		ns->kerr = 0;
		rc = rtnl_route_add(ns->sk, rt, NLM_F_EXCL);
	}
	rtnl_route_put(rt);
	if (rc < 0)
		return nl_fail(err, rc, ns, "add route", what);
	return 0;
}

/* Returns the inode of the namespace file at `path`, or 0. */
static uint64_t
inode_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

uint64_t
lab_pid_netns_inode(pid_t pid)
{
	char path[64];

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
	return inode_of(path);
}

uint64_t
lab_netns_inode(const char *name)
{
	char path[NS_PATH_MAX];

	if (!name_ok(name))
		return 0;
	ns_path(path, name);
	return inode_of(path);
}

int
lab_link_stats(struct lab_netns *ns, const char *ifname,
    uint64_t *rx_packets, uint64_t *tx_packets, uint64_t *rx_bytes,
    uint64_t *tx_bytes)
{
	struct rtnl_link *l = NULL;

	if (!ifname_ok(ifname)) {
		errno = EINVAL;
		return -1;
	}
	if (rtnl_link_get_kernel(ns->sk, 0, ifname, &l) < 0) {
		errno = ENODEV;
		return -1;
	}
	if (rx_packets != NULL)
		*rx_packets = rtnl_link_get_stat(l, RTNL_LINK_RX_PACKETS);
	if (tx_packets != NULL)
		*tx_packets = rtnl_link_get_stat(l, RTNL_LINK_TX_PACKETS);
	if (rx_bytes != NULL)
		*rx_bytes = rtnl_link_get_stat(l, RTNL_LINK_RX_BYTES);
	if (tx_bytes != NULL)
		*tx_bytes = rtnl_link_get_stat(l, RTNL_LINK_TX_BYTES);
	rtnl_link_put(l);
	return 0;
}
