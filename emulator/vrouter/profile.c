/*
 * profile.c - platform profiles: `key = value` files naming the mechanisms
 * of one forwarding plane (profile.h, docs/platforms.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vrouter/profile.h"

#define PROFILE_MAX_BYTES	(64u * 1024u)	/* a profile is a dozen lines */
#define WRITE_NS_MAX		1000000000u	/* one second per entry is absurd already */

/* The keys, in the order docs/platforms.md lists them. */
enum key {
	K_NAME, K_DESCRIPTION, K_RANGE, K_COUNTER_BITS, K_CROSS, K_WIDE,
	K_ENTRY_BYTES, K_CAPACITY, K_AT_CAPACITY, K_UPDATE, K_WRITE_NS, K_COUNT
};

static const char *const key_names[K_COUNT] = {
	"name", "description", "range", "counter-bits", "cross-product",
	"wide-value", "entry-bytes", "capacity", "at-capacity", "update",
	"entry-write-ns",
};

static const char *const range_names[] = { "interval", "prefix", "per-value" };
static const char *const wide_names[] = { "clamp", "reject", "keep" };
static const char *const full_names[] = { "reject", "spill" };
static const char *const update_names[] = { "incremental", "full-recompile" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What one parse is doing: where it is, and which keys it has seen. */
struct parse {
	struct vr_profile *p;
	const char *origin;
	unsigned line;
	unsigned seen[K_COUNT];		/* line of each key, 0 if not yet */
	struct vr_profile_error *err;
};

/* Returns -1 after writing "ORIGIN:LINE: message" into the error. */
static int __attribute__((format(printf, 2, 3)))
fail(struct parse *ps, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (ps->err != NULL)
		snprintf(ps->err->msg, sizeof ps->err->msg, "%s:%u: %s",
		    ps->origin, ps->line, msg);
	return -1;
}

/* Returns -1 after writing "message" (no place) into `err`, if any. */
static int __attribute__((format(printf, 2, 3)))
fail_plain(struct vr_profile_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void
vr_profile_defaults(struct vr_profile *p)
{
	if (p == NULL)
		return;
	memset(p, 0, sizeof *p);
	p->range = VR_RANGE_INTERVAL;
	p->counter_bits = 64;
	p->cross_product = false;
	p->wide = VR_WIDE_CLAMP;
	p->entry_bytes = 64;
	p->capacity = 0;
	p->at_capacity = VR_FULL_REJECT;
	p->update = VR_UPDATE_INCREMENTAL;
	p->entry_write_ns = 0;
}

void
vr_profile_free(struct vr_profile *p)
{
	if (p == NULL)
		return;
	free(p->description);
	vr_profile_defaults(p);
}

/* Returns the word at index `i` of `names`, or "?" when out of range. */
static const char *
name_of(const char *const *names, size_t n, unsigned i)
{
	return i < n ? names[i] : "?";
}

const char *
vr_range_mode_name(enum vr_range_mode m)
{
	return name_of(range_names, NELEM(range_names), (unsigned)m);
}

const char *
vr_wide_value_name(enum vr_wide_value w)
{
	return name_of(wide_names, NELEM(wide_names), (unsigned)w);
}

const char *
vr_full_action_name(enum vr_full_action a)
{
	return name_of(full_names, NELEM(full_names), (unsigned)a);
}

const char *
vr_update_mode_name(enum vr_update_mode u)
{
	return name_of(update_names, NELEM(update_names), (unsigned)u);
}

/* Returns true if s[0..len) is a profile name: [A-Za-z0-9._-], not starting with '.'. */
static bool
name_ok(const char *s, size_t len)
{
	if (len == 0 || len > VR_PROFILE_NAME_MAX || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Returns the index of v[0..len) among `names`, or -1. */
static int
word_index(const char *const *names, size_t n, const char *v, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], v, len) == 0)
			return (int)i;
	return -1;
}

/* Returns 0 with the enum value of v in *out, or -1 naming the choices. */
static int
set_word(struct parse *ps, enum key k, const char *const *names, size_t n,
    const char *v, size_t len, unsigned *out)
{
	int i = word_index(names, n, v, len);
	char choices[96] = "";

	if (i >= 0) {
		*out = (unsigned)i;
		return 0;
	}
	for (size_t j = 0; j < n; j++) {
		size_t used = strlen(choices);

		snprintf(choices + used, sizeof choices - used, "%s%s",
		    j == 0 ? "" : (j + 1 == n ? " or " : ", "), names[j]);
	}
	return fail(ps, "bad value \"%.*s\" for %s: expected %s",
	    (int)(len > 40 ? 40 : len), v, key_names[k], choices);
}

/* Returns 0 with the decimal v[0..len) in *out, within [lo, hi]; else -1. */
static int
set_number(struct parse *ps, enum key k, const char *v, size_t len,
    uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t n = 0;

	if (len == 0)
		return fail(ps, "bad value for %s: expected a number", key_names[k]);
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(v[i] - '0');

		if (v[i] < '0' || v[i] > '9')
			return fail(ps, "bad value \"%.*s\" for %s: expected a "
			    "decimal number", (int)(len > 40 ? 40 : len), v,
			    key_names[k]);
		if (n > (UINT64_MAX - d) / 10)
			return fail(ps, "%s %.*s is out of range: %" PRIu64
			    " to %" PRIu64, key_names[k], (int)(len > 40 ? 40 : len),
			    v, lo, hi);
		n = n * 10 + d;
	}
	if (n < lo || n > hi)
		return fail(ps, "%s %" PRIu64 " is out of range: %" PRIu64
		    " to %" PRIu64, key_names[k], n, lo, hi);
	*out = n;
	return 0;
}

/* Returns 0 after applying `key = v[0..len)` to the profile, or -1. */
static int
apply(struct parse *ps, enum key k, const char *v, size_t len)
{
	struct vr_profile *p = ps->p;
	unsigned w;
	uint64_t n;

	switch (k) {
	case K_NAME:
		if (!name_ok(v, len))
			return fail(ps, "bad value \"%.*s\" for name: use up to %d "
			    "of [A-Za-z0-9._-], not starting with '.'",
			    (int)(len > 40 ? 40 : len), v, VR_PROFILE_NAME_MAX);
		memcpy(p->name, v, len);
		p->name[len] = '\0';
		return 0;
	case K_DESCRIPTION:
		p->description = strndup(v, len);
		if (p->description == NULL)
			return fail(ps, "out of memory");
		return 0;
	case K_RANGE:
		if (set_word(ps, k, range_names, NELEM(range_names), v, len, &w) != 0)
			return -1;
		p->range = (enum vr_range_mode)w;
		return 0;
	case K_COUNTER_BITS:
		if (set_number(ps, k, v, len, 8, 64, &n) != 0)
			return -1;
		p->counter_bits = (unsigned)n;
		return 0;
	case K_CROSS:
		if (set_word(ps, k, (const char *const[]){ "no", "yes" }, 2, v,
		    len, &w) != 0)
			return -1;
		p->cross_product = w == 1;
		return 0;
	case K_WIDE:
		if (set_word(ps, k, wide_names, NELEM(wide_names), v, len, &w) != 0)
			return -1;
		p->wide = (enum vr_wide_value)w;
		return 0;
	case K_ENTRY_BYTES:
		if (set_number(ps, k, v, len, 16, 4096, &n) != 0)
			return -1;
		p->entry_bytes = (uint32_t)n;
		return 0;
	case K_CAPACITY:
		if (set_number(ps, k, v, len, 0, UINT64_MAX, &n) != 0)
			return -1;
		p->capacity = n;
		return 0;
	case K_AT_CAPACITY:
		if (set_word(ps, k, full_names, NELEM(full_names), v, len, &w) != 0)
			return -1;
		p->at_capacity = (enum vr_full_action)w;
		return 0;
	case K_UPDATE:
		if (set_word(ps, k, update_names, NELEM(update_names), v, len, &w) != 0)
			return -1;
		p->update = (enum vr_update_mode)w;
		return 0;
	case K_WRITE_NS:
		if (set_number(ps, k, v, len, 0, WRITE_NS_MAX, &n) != 0)
			return -1;
		p->entry_write_ns = (uint32_t)n;
		return 0;
	default:
		return fail(ps, "internal: key %d", (int)k);
	}
}

/* Returns true for a blank that separates words. */
static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Returns 0 after reading one line s[0..len) (no newline), or -1. */
static int
parse_line(struct parse *ps, const char *s, size_t len)
{
	size_t i = 0, kend, vstart, vend;
	int k;

	if (memchr(s, '\0', len) != NULL)
		return fail(ps, "NUL octet in the line");
	while (i < len && blank(s[i]))
		i++;
	if (i == len || s[i] == '#')
		return 0;
	for (kend = i; kend < len && !blank(s[kend]) && s[kend] != '='; kend++)
		;
	k = word_index(key_names, K_COUNT, s + i, kend - i);
	if (k < 0)
		return fail(ps, "unknown key \"%.*s\"",
		    (int)(kend - i > 40 ? 40 : kend - i), s + i);
	for (vstart = kend; vstart < len && blank(s[vstart]); vstart++)
		;
	if (vstart == len || s[vstart] != '=')
		return fail(ps, "expected \"%s = VALUE\"", key_names[k]);
	for (vstart++; vstart < len && blank(s[vstart]); vstart++)
		;
	/* A '#' after a blank starts a comment; one inside a word does not. */
	for (vend = vstart; vend < len; vend++)
		if (s[vend] == '#' && blank(s[vend - 1]))
			break;
	while (vend > vstart && blank(s[vend - 1]))
		vend--;
	if (vend == vstart)
		return fail(ps, "%s has no value", key_names[k]);
	if (ps->seen[k] != 0)
		return fail(ps, "duplicate key \"%s\" (first on line %u)",
		    key_names[k], ps->seen[k]);
	ps->seen[k] = ps->line;
	return apply(ps, (enum key)k, s + vstart, vend - vstart);
}

/* Sets p->name to the stem of `origin` ("dir/tcam.platform" -> "tcam") when it is a name. */
static void
name_from_origin(struct vr_profile *p, const char *origin)
{
	const char *base = strrchr(origin, '/');
	size_t len;

	base = base != NULL ? base + 1 : origin;
	len = strlen(base);
	if (len > 9 && strcmp(base + len - 9, ".platform") == 0)
		len -= 9;
	if (name_ok(base, len)) {
		memcpy(p->name, base, len);
		p->name[len] = '\0';
	}
}

int
vr_profile_parse(struct vr_profile *p, const char *buf, size_t len,
    const char *origin, struct vr_profile_error *err)
{
	struct parse ps;
	size_t pos = 0;

	if (origin == NULL)
		origin = "profile";
	if (p == NULL || (buf == NULL && len > 0))
		return fail_plain(err, "%s: no profile to read", origin);
	vr_profile_defaults(p);
	if (len > PROFILE_MAX_BYTES)
		return fail_plain(err, "%s: larger than %u octets: not a profile",
		    origin, PROFILE_MAX_BYTES);
	memset(&ps, 0, sizeof ps);
	ps.p = p;
	ps.origin = origin;
	ps.err = err;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl != NULL ? (size_t)(nl - buf) : len;

		ps.line++;
		if (parse_line(&ps, buf + pos, end - pos) != 0) {
			vr_profile_free(p);
			return -1;
		}
		pos = end + 1;
	}
	if (ps.seen[K_NAME] == 0)
		name_from_origin(p, origin);
	return 0;
}

int
vr_profile_load(struct vr_profile *p, const char *path,
    struct vr_profile_error *err)
{
	char *buf;
	size_t len = 0;
	struct stat st;
	int fd, rc;

	if (p == NULL || path == NULL)
		return fail_plain(err, "no profile path");
	vr_profile_defaults(p);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_plain(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = errno;
		close(fd);
		return fail_plain(err, "%s: %s", path, strerror(rc));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail_plain(err, "%s: not a regular file", path);
	}
	/* One more octet than allowed, so that a file too large is seen as such. */
	buf = malloc(PROFILE_MAX_BYTES + 1);
	if (buf == NULL) {
		close(fd);
		return fail_plain(err, "%s: out of memory", path);
	}
	while (len < PROFILE_MAX_BYTES + 1) {
		ssize_t n = read(fd, buf + len, PROFILE_MAX_BYTES + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = errno;
			free(buf);
			close(fd);
			return fail_plain(err, "%s: %s", path, strerror(rc));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	rc = vr_profile_parse(p, buf, len, path, err);
	free(buf);
	return rc;
}

int
vr_profile_find(struct vr_profile *p, const char *dir, const char *name,
    struct vr_profile_error *err)
{
	char path[4096];
	int n;

	if (p == NULL || name == NULL)
		return fail_plain(err, "no profile name");
	vr_profile_defaults(p);
	if (strchr(name, '/') != NULL)
		return vr_profile_load(p, name, err);
	if (!name_ok(name, strlen(name)))
		return fail_plain(err, "bad platform name \"%.64s\": use up to %d "
		    "of [A-Za-z0-9._-], not starting with '.'", name,
		    VR_PROFILE_NAME_MAX);
	if (dir == NULL || dir[0] == '\0')
		dir = ".";
	n = snprintf(path, sizeof path, "%s/%s.platform", dir, name);
	if (n < 0 || (size_t)n >= sizeof path)
		return fail_plain(err, "%s: profile path too long", name);
	return vr_profile_load(p, path, err);
}
