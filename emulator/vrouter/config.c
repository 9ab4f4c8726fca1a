/*
 * config.c - reading flowcanary-vrouter's configuration file.
 *
 * Every key is checked as it is read and an error names the file and the
 * line, so that a lab that wrote a bad file, or an operator who did, sees
 * where at once.  Nothing is kept from a file that fails.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "flowspec/text.h"

#define CONFIG_MAX_BYTES (1u << 20)

struct cfg_ctx {
	struct vr_config *c;
	const char *origin;
	unsigned line;
	char *err;
	size_t cap;
	unsigned seen;		/* bit per single-valued key */
	unsigned *redirect_lines;	/* where each redirect was given */
};

/* Returns -1 after writing "ORIGIN:LINE: message" into the context's err. */
static int cfg_fail(struct cfg_ctx *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
cfg_fail(struct cfg_ctx *x, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(x->err, x->cap, "%s:%u: %s", x->origin, x->line, msg);
	return -1;
}

/* Returns 0 with *v, or -1 when s is not a decimal number in [min, max]. */
static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*v = n;
	return 0;
}

/* Returns 0 with *b, or -1 when s is neither yes nor no. */
static int
parse_bool(const char *s, bool *b)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0)
		*b = true;
	else if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0)
		*b = false;
	else
		return -1;
	return 0;
}

/* Returns 0 with `ss` holding the IPv4 or IPv6 address `s` (port 0), or -1. */
static int
parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, s, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		*len = sizeof *in;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		*len = sizeof *in6;
		return 0;
	}
	return -1;
}

/* Returns 0 with the IPv4 address `s` in host order, or -1. */
static int
parse_ip4(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	return 0;
}

/* Returns 0 with `ss` from "ADDR", "ADDR:PORT" or "[V6]:PORT", or -1. */
static int
parse_endpoint(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *port = NULL;
	uint64_t p = 179;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || (size_t)(close - s - 1) >= sizeof host)
			return -1;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0')
			return -1;
	} else {
		const char *colon = strchr(s, ':');
		size_t n = strlen(s);
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			n = (size_t)(colon - s);
			port = colon + 1;
		}
		if (n >= sizeof host)
			return -1;
		memcpy(host, s, n);
		host[n] = '\0';
	}
	if (port != NULL && parse_u64(port, 0, 65535, &p) != 0)
		return -1;
	if (parse_addr(host, ss, len) != 0)
		return -1;
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)p);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)p);
	return 0;
}

/* Returns 0 with an IPv4 or IPv6 prefix "A/N" in family/addr/plen, or -1. */
static int
parse_prefix(const char *s, uint8_t *family, uint8_t addr[16], uint8_t *plen)
{
	char host[64];
	const char *slash = strchr(s, '/');
	uint64_t n;

	if (slash == NULL || (size_t)(slash - s) >= sizeof host)
		return -1;
	memcpy(host, s, (size_t)(slash - s));
	host[slash - s] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, host, addr) == 1) {
		*family = FS_IPV4;
		if (parse_u64(slash + 1, 0, 32, &n) != 0)
			return -1;
	} else if (inet_pton(AF_INET6, host, addr) == 1) {
		*family = FS_IPV6;
		if (parse_u64(slash + 1, 0, 128, &n) != 0)
			return -1;
	} else {
		return -1;
	}
	*plen = (uint8_t)n;
	return 0;
}

/* Splits `s` on blanks into at most `max` words. Returns how many (max + 1 if more). */
static size_t
split_words(char *s, char **w, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(s, " \t", &save); t != NULL;
	    t = strtok_r(NULL, " \t", &save)) {
		if (n == max)
			return max + 1;
		w[n++] = t;
	}
	return n;
}

/* Returns a new zeroed slot at the end of the array at arr_p (*n items of `size`), or NULL past `max` or out of memory. */
static void *
grow_one(void *arr_p, size_t *n, size_t size, size_t max)
{
	void **arr = arr_p;

	if (*n >= max)
		return NULL;
	void *p = realloc(*arr, (*n + 1) * size);
	if (p == NULL)
		return NULL;
	*arr = p;
	memset((char *)p + *n * size, 0, size);
	return (char *)p + (*n)++ * size;
}

/* Returns 0, or -1: "ADDR as N [local ADDR] [name NAME] [rr-client]". */
static int
key_peer(struct cfg_ctx *x, char *v, const char *name_default)
{
	char *w[9];
	size_t n = split_words(v, w, 8);
	struct vr_neighbor nb = { .line = x->line };
	uint64_t asn;

	if (n == 0 || n > 8)
		return cfg_fail(x, "a peer is \"ADDR as N [local ADDR] [name NAME] [rr-client]\"");
	if (parse_addr(w[0], &nb.addr, &nb.addr_len) != 0)
		return cfg_fail(x, "\"%s\" is not an IPv4 or IPv6 address", w[0]);
	snprintf(nb.name, sizeof nb.name, "%s", name_default ? name_default : w[0]);
	bool have_as = false;
	for (size_t i = 1; i < n; i++) {
		if (strcmp(w[i], "rr-client") == 0) {
			nb.rr_client = true;
			continue;
		}
		if (i + 1 >= n)
			return cfg_fail(x, "peer option \"%s\" needs a value", w[i]);
		if (strcmp(w[i], "as") == 0) {
			if (parse_u64(w[i + 1], 1, UINT32_MAX, &asn) != 0)
				return cfg_fail(x, "peer AS \"%s\" is not 1..4294967295", w[i + 1]);
			nb.asn = (uint32_t)asn;
			have_as = true;
		} else if (strcmp(w[i], "name") == 0) {
			if (strlen(w[i + 1]) >= sizeof nb.name)
				return cfg_fail(x, "peer name \"%s\" is too long", w[i + 1]);
			snprintf(nb.name, sizeof nb.name, "%s", w[i + 1]);
		} else if (strcmp(w[i], "local") == 0) {
			struct sockaddr_storage local;
			socklen_t llen;
			if (parse_addr(w[i + 1], &local, &llen) != 0)
				return cfg_fail(x, "peer local \"%s\" is not an IPv4 or IPv6 address",
				    w[i + 1]);
		} else {
			return cfg_fail(x, "unknown peer option \"%s\"", w[i]);
		}
		i++;
	}
	if (!have_as)
		return cfg_fail(x, "peer %s has no AS (\"as N\")", w[0]);
	if (vr_config_neighbor(x->c, (struct sockaddr *)&nb.addr) != NULL)
		return cfg_fail(x, "peer %s is given twice", w[0]);
	/* Routes are kept per peer name: two peers must never share one. */
	if (strcmp(nb.name, "controller") == 0 || strncmp(nb.name, "loopback:", 9) == 0)
		return cfg_fail(x, "peer name \"%s\" is reserved", nb.name);
	for (size_t i = 0; i < x->c->n_neighbors; i++)
		if (strcmp(x->c->neighbors[i].name, nb.name) == 0)
			return cfg_fail(x, "peer name \"%s\" is given twice", nb.name);
	struct vr_neighbor *slot = grow_one(&x->c->neighbors, &x->c->n_neighbors,
	    sizeof *slot, VR_MAX_NEIGHBORS);
	if (slot == NULL)
		return cfg_fail(x, "too many peers (at most %d)", VR_MAX_NEIGHBORS);
	*slot = nb;
	return 0;
}

/* Returns 0, or -1: the lab's three controller-* keys make one neighbor. */
static int
key_controller(struct cfg_ctx *x, const char *key, char *v)
{
	struct sockaddr_storage addr;
	struct vr_neighbor *nb = NULL;

	for (size_t i = 0; i < x->c->n_neighbors; i++)
		if (strcmp(x->c->neighbors[i].name, "controller") == 0)
			nb = &x->c->neighbors[i];
	if (strcmp(key, "controller-local") == 0)
		return 0;	/* the session is passive: where we listen decides */
	if (nb == NULL) {
		nb = grow_one(&x->c->neighbors, &x->c->n_neighbors, sizeof *nb,
		    VR_MAX_NEIGHBORS);
		if (nb == NULL)
			return cfg_fail(x, "too many peers (at most %d)", VR_MAX_NEIGHBORS);
		snprintf(nb->name, sizeof nb->name, "controller");
		nb->line = x->line;
	}
	if (strcmp(key, "controller-as") == 0) {
		uint64_t asn;
		if (parse_u64(v, 1, UINT32_MAX, &asn) != 0)
			return cfg_fail(x, "controller-as \"%s\" is not 1..4294967295", v);
		nb->asn = (uint32_t)asn;
		return 0;
	}
	if (parse_addr(v, &addr, &nb->addr_len) != 0)
		return cfg_fail(x, "\"%s\" is not an IPv4 or IPv6 address", v);
	nb->addr = addr;
	return 0;
}

/* Returns 0, or -1: "PREFIX via ADDR" (IPv4). */
static int
key_route(struct cfg_ctx *x, char *v)
{
	char *w[4];
	uint8_t fam, addr[16], plen;
	uint32_t via;

	if (split_words(v, w, 3) != 3 || strcmp(w[1], "via") != 0)
		return cfg_fail(x, "a route is \"PREFIX via ADDR\"");
	if (parse_prefix(w[0], &fam, addr, &plen) != 0 || fam != FS_IPV4)
		return cfg_fail(x, "\"%s\" is not an IPv4 prefix (the dataplane routes IPv4)", w[0]);
	if (parse_ip4(w[2], &via) != 0)
		return cfg_fail(x, "\"%s\" is not an IPv4 address", w[2]);
	struct vr_route *r = grow_one(&x->c->routes, &x->c->n_routes, sizeof *r,
	    VR_MAX_ROUTES);
	if (r == NULL)
		return cfg_fail(x, "too many routes (at most %d)", VR_MAX_ROUTES);
	r->prefix = (uint32_t)addr[0] << 24 | addr[1] << 16 | addr[2] << 8 | addr[3];
	r->plen = plen;
	r->via = via;
	if (plen < 32 && (r->prefix & (UINT32_MAX >> plen)) != 0)
		return cfg_fail(x, "route %s has bits set beyond its length", w[0]);
	return 0;
}

/* Returns 0, or -1: "TARGET IFNAME via ADDR", TARGET as a rule's redirect takes it. */
static int
key_redirect(struct cfg_ctx *x, char *v)
{
	char *w[5], text[160];
	struct fs_rule r;
	struct fs_error e = { 0 };
	uint32_t via;

	if (split_words(v, w, 4) != 4 || strcmp(w[2], "via") != 0)
		return cfg_fail(x, "a redirect is \"TARGET IFNAME via ADDR\"");
	if (strlen(w[1]) >= sizeof x->c->redirects->ifname)
		return cfg_fail(x, "interface name \"%s\" is too long", w[1]);
	if (parse_ip4(w[3], &via) != 0)
		return cfg_fail(x, "\"%s\" is not an IPv4 address", w[3]);
	snprintf(text, sizeof text, "match destination 0.0.0.0/0 then redirect %s", w[0]);
	fs_rule_init(&r, FS_IPV4);
	int rc = fs_parse_rule(text, strlen(text), FS_IPV4, &r, &e);
	if (rc != 0 || r.nactions != 1) {
		fs_rule_free(&r);
		return cfg_fail(x, "\"%s\" is not a route target (ASN:VALUE or IPv4:VALUE)", w[0]);
	}
	struct vr_redirect *d = grow_one(&x->c->redirects, &x->c->n_redirects,
	    sizeof *d, VR_MAX_ROUTES);
	if (d == NULL) {
		fs_rule_free(&r);
		return cfg_fail(x, "too many redirects (at most %d)", VR_MAX_ROUTES);
	}
	memcpy(d->ec, r.actions[0].ec, sizeof d->ec);
	fs_rule_free(&r);
	snprintf(d->ifname, sizeof d->ifname, "%s", w[1]);
	d->via = via;
	unsigned *lines = realloc(x->redirect_lines, x->c->n_redirects * sizeof *lines);
	if (lines == NULL)
		return cfg_fail(x, "out of memory");
	x->redirect_lines = lines;
	lines[x->c->n_redirects - 1] = x->line;
	return 0;
}

/* Returns 0, or -1: "PREFIX from ADDR as N". */
static int
key_unicast(struct cfg_ctx *x, char *v)
{
	char *w[6];
	struct vr_unicast u = { 0 };
	socklen_t len;
	uint64_t asn;

	if (split_words(v, w, 5) != 5 || strcmp(w[1], "from") != 0 ||
	    strcmp(w[3], "as") != 0)
		return cfg_fail(x, "a unicast route is \"PREFIX from ADDR as N\"");
	if (parse_prefix(w[0], &u.family, u.prefix, &u.plen) != 0)
		return cfg_fail(x, "\"%s\" is not an IPv4 or IPv6 prefix", w[0]);
	if (parse_addr(w[2], &u.from, &len) != 0)
		return cfg_fail(x, "\"%s\" is not an IPv4 or IPv6 address", w[2]);
	if (parse_u64(w[4], 1, UINT32_MAX, &asn) != 0)
		return cfg_fail(x, "AS \"%s\" is not 1..4294967295", w[4]);
	u.from_as = (uint32_t)asn;
	struct vr_unicast *slot = grow_one(&x->c->unicast, &x->c->n_unicast,
	    sizeof *slot, VR_MAX_ROUTES);
	if (slot == NULL)
		return cfg_fail(x, "too many unicast routes (at most %d)", VR_MAX_ROUTES);
	*slot = u;
	return 0;
}

/* Returns 0, or -1: "IF [IF...]", on one line or several. */
static int
key_dataplane(struct cfg_ctx *x, char *v)
{
	char *w[VR_MAX_IFS + 1];
	size_t n = split_words(v, w, VR_MAX_IFS);

	if (n == 0 || x->c->n_ifnames + n > VR_MAX_IFS)
		return cfg_fail(x, "dataplane takes 1 to %d interface names", VR_MAX_IFS);
	char **p = realloc(x->c->ifnames, (x->c->n_ifnames + n + 1) * sizeof *p);
	if (p == NULL)
		return cfg_fail(x, "out of memory");
	x->c->ifnames = p;
	for (size_t i = 0; i < n; i++) {
		if (strlen(w[i]) >= 16)
			return cfg_fail(x, "interface name \"%s\" is too long", w[i]);
		for (size_t k = 0; k < x->c->n_ifnames; k++)
			if (strcmp(p[k], w[i]) == 0)
				return cfg_fail(x, "interface %s is given twice", w[i]);
		if ((p[x->c->n_ifnames] = strdup(w[i])) == NULL)
			return cfg_fail(x, "out of memory");
		p[++x->c->n_ifnames] = NULL;
	}
	return 0;
}

/* Returns 0, or -1: replaces *dst by a copy of v. */
static int
set_str(struct cfg_ctx *x, char **dst, const char *v)
{
	free(*dst);
	if ((*dst = strdup(v)) == NULL)
		return cfg_fail(x, "out of memory");
	return 0;
}

/* Keys that may appear once; their bit in cfg_ctx.seen. */
static const char *const single_keys[] = {
	"name", "platform", "platform-dir", "asn", "router-id", "hold-time",
	"connect-retry", "listen", "accept-loopback", "control", "validate",
	"controller-neighbor", "controller-as", "controller-local",
};

/* Returns 0, or -1 with the context's err: applies one `key = value`. */
static int
apply_key(struct cfg_ctx *x, const char *key, char *v)
{
	struct vr_config *c = x->c;
	uint64_t n;

	for (size_t i = 0; i < sizeof single_keys / sizeof *single_keys; i++) {
		if (strcmp(key, single_keys[i]) != 0)
			continue;
		if (x->seen & 1u << i)
			return cfg_fail(x, "%s is given twice", key);
		x->seen |= 1u << i;
	}
	if (strcmp(key, "name") == 0) {
		if (strlen(v) >= sizeof c->name)
			return cfg_fail(x, "name is longer than %zu characters", sizeof c->name - 1);
		snprintf(c->name, sizeof c->name, "%s", v);
	} else if (strcmp(key, "platform") == 0) {
		return set_str(x, &c->platform, v);
	} else if (strcmp(key, "platform-dir") == 0) {
		return set_str(x, &c->platform_dir, v);
	} else if (strcmp(key, "control") == 0) {
		return set_str(x, &c->control, v);
	} else if (strcmp(key, "asn") == 0) {
		if (parse_u64(v, 1, UINT32_MAX, &n) != 0)
			return cfg_fail(x, "asn \"%s\" is not 1..4294967295", v);
		c->asn = (uint32_t)n;
	} else if (strcmp(key, "router-id") == 0) {
		if (parse_ip4(v, &c->router_id) != 0 || c->router_id == 0)
			return cfg_fail(x, "router-id \"%s\" is not a non-zero IPv4 address", v);
	} else if (strcmp(key, "hold-time") == 0) {
		if (parse_u64(v, 0, 65535, &n) != 0 || n == 1 || n == 2)
			return cfg_fail(x, "hold-time \"%s\" is not 0 or 3..65535 seconds", v);
		c->hold_time = (uint16_t)n;
	} else if (strcmp(key, "connect-retry") == 0) {
		if (parse_u64(v, 0, 65535, &n) != 0)
			return cfg_fail(x, "connect-retry \"%s\" is not 0..65535 seconds", v);
		/* Accepted for the lab's sake: the vrouter never connects out. */
	} else if (strcmp(key, "listen") == 0) {
		if (parse_endpoint(v, &c->listen, &c->listen_len) != 0)
			return cfg_fail(x, "listen \"%s\" is not ADDR, ADDR:PORT or [V6]:PORT", v);
	} else if (strcmp(key, "accept-loopback") == 0) {
		if (parse_bool(v, &c->accept_loopback) != 0)
			return cfg_fail(x, "accept-loopback is yes or no, not \"%s\"", v);
	} else if (strcmp(key, "validate") == 0) {
		if (parse_bool(v, &c->validate) != 0)
			return cfg_fail(x, "validate is yes or no, not \"%s\"", v);
	} else if (strncmp(key, "controller-", 11) == 0 &&
	    (strcmp(key + 11, "neighbor") == 0 || strcmp(key + 11, "as") == 0 ||
	    strcmp(key + 11, "local") == 0)) {
		return key_controller(x, key, v);
	} else if (strcmp(key, "peer") == 0) {
		return key_peer(x, v, NULL);
	} else if (strcmp(key, "dataplane") == 0) {
		return key_dataplane(x, v);
	} else if (strcmp(key, "route") == 0) {
		return key_route(x, v);
	} else if (strcmp(key, "redirect") == 0) {
		return key_redirect(x, v);
	} else if (strcmp(key, "unicast") == 0) {
		return key_unicast(x, v);
	} else {
		return cfg_fail(x, "unknown key \"%s\"", key);
	}
	return 0;
}

/* Returns 0, or -1: what the file must say, once every line is read. */
static int
check_complete(struct cfg_ctx *x)
{
	struct vr_config *c = x->c;

	x->line = 0;
	if (c->asn == 0)
		return cfg_fail(x, "asn is required");
	for (size_t i = 0; i < c->n_neighbors; i++) {
		const struct vr_neighbor *nb = &c->neighbors[i];
		x->line = nb->line;
		if (nb->addr_len == 0)
			return cfg_fail(x, "controller-neighbor is required with controller-as");
		if (nb->asn == 0)
			return cfg_fail(x, "controller-as is required with controller-neighbor");
	}
	for (size_t i = 0; i < c->n_redirects; i++) {
		bool found = false;
		for (size_t k = 0; k < c->n_ifnames; k++)
			found |= strcmp(c->ifnames[k], c->redirects[i].ifname) == 0;
		x->line = x->redirect_lines[i];
		if (!found)
			return cfg_fail(x, "redirect interface %s is not a dataplane interface",
			    c->redirects[i].ifname);
	}
	if (c->listen_len == 0) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&c->listen;
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_any;
		in6->sin6_port = htons(179);
		c->listen_len = sizeof *in6;
	}
	if (c->hold_time == 0 && !(x->seen & 1u << 5))
		c->hold_time = 90;
	return 0;
}

/* Returns 0 or -1 with err; see config.h. */
int
vr_config_parse(struct vr_config *c, const char *buf, size_t len,
    const char *origin, char *err, size_t cap)
{
	struct cfg_ctx x = { .c = c, .origin = origin, .err = err, .cap = cap };
	const char *p = buf, *end = buf + len;

	if (c == NULL || buf == NULL || origin == NULL || err == NULL || cap == 0) {
		errno = EINVAL;
		return -1;
	}
	memset(c, 0, sizeof *c);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[1024];

		x.line++;
		if (n >= sizeof line) {
			cfg_fail(&x, "line is longer than %zu characters", sizeof line - 1);
			goto fail;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl != NULL);
		if (memchr(line, '\0', n) != NULL) {
			cfg_fail(&x, "line holds a NUL character");
			goto fail;
		}
		char *hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		char *s = line;
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		char *e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			*--e = '\0';
		if (*s == '\0')
			continue;
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			cfg_fail(&x, "expected \"key = value\"");
			goto fail;
		}
		char *k_end = eq;
		while (k_end > s && (k_end[-1] == ' ' || k_end[-1] == '\t'))
			k_end--;
		*k_end = '\0';
		char *v = eq + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*s == '\0' || *v == '\0') {
			cfg_fail(&x, "expected \"key = value\"");
			goto fail;
		}
		if (apply_key(&x, s, v) != 0)
			goto fail;
	}
	if (check_complete(&x) != 0)
		goto fail;
	if ((c->path = strdup(origin)) == NULL) {
		cfg_fail(&x, "out of memory");
		goto fail;
	}
	free(x.redirect_lines);
	return 0;
fail:
	free(x.redirect_lines);
	vr_config_free(c);
	return -1;
}

/* Returns 0 or -1 with err; see config.h. */
int
vr_config_load(struct vr_config *c, const char *path, char *err, size_t cap)
{
	struct stat st;
	char *buf;
	int fd;

	if (c == NULL || path == NULL || err == NULL || cap == 0) {
		errno = EINVAL;
		return -1;
	}
	memset(c, 0, sizeof *c);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_BYTES) {
		snprintf(err, cap, "%s: not a regular file of at most %u octets",
		    path, CONFIG_MAX_BYTES);
		close(fd);
		return -1;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, cap, "%s: out of memory", path);
		close(fd);
		return -1;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, cap, "%s: %s", path, r < 0 ? strerror(errno) :
			    "the file shrank while being read");
			free(buf);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	int rc = vr_config_parse(c, buf, got, path, err, cap);
	free(buf);
	return rc;
}

/* Frees what `c` holds. */
void
vr_config_free(struct vr_config *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->platform);
	free(c->platform_dir);
	free(c->neighbors);
	free(c->control);
	for (size_t i = 0; i < c->n_ifnames; i++)
		free(c->ifnames[i]);
	free(c->ifnames);
	free(c->routes);
	free(c->redirects);
	free(c->unicast);
	memset(c, 0, sizeof *c);
}

/* Returns true if a and b are the same address; IPv4-mapped IPv6 counts as IPv4. */
bool
vr_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	uint8_t x[16], y[16];
	size_t nx, ny;

	if (a == NULL || b == NULL)
		return false;
	for (int k = 0; k < 2; k++) {
		const struct sockaddr *s = k ? b : a;
		uint8_t *o = k ? y : x;
		size_t *n = k ? &ny : &nx;
		if (s->sa_family == AF_INET) {
			memcpy(o, &((const struct sockaddr_in *)s)->sin_addr, 4);
			*n = 4;
		} else if (s->sa_family == AF_INET6) {
			const struct in6_addr *a6 = &((const struct sockaddr_in6 *)s)->sin6_addr;
			if (IN6_IS_ADDR_V4MAPPED(a6)) {
				memcpy(o, a6->s6_addr + 12, 4);
				*n = 4;
			} else {
				memcpy(o, a6->s6_addr, 16);
				*n = 16;
			}
		} else {
			return false;
		}
	}
	return nx == ny && memcmp(x, y, nx) == 0;
}

/* Returns the neighbor at `sa`, or NULL. */
const struct vr_neighbor *
vr_config_neighbor(const struct vr_config *c, const struct sockaddr *sa)
{
	if (c == NULL || sa == NULL)
		return NULL;
	for (size_t i = 0; i < c->n_neighbors; i++)
		if (c->neighbors[i].addr_len != 0 &&
		    vr_addr_equal((const struct sockaddr *)&c->neighbors[i].addr, sa))
			return &c->neighbors[i];
	return NULL;
}
