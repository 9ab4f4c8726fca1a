/*
 * cgroup.c - one node's memory and CPU cgroup, v1 or v2.
 *
 * v1 keeps memory, cpu and cpuacct in separate hierarchies (or cpu and
 * cpuacct together), so a node is one directory per hierarchy, all with
 * the same relative path; v2 has one directory.  Every file here is
 * small and read whole, except cgroup.procs, which is parsed as it
 * streams in so that a cgroup with many processes needs no allocation.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"

#define CG_PATH_MAX	320	/* as mon_cg_procs_paths' buffers */
#define CG_ROOTS_MAX	3
#define POLL_MS		10
#define RMDIR_BUSY_MS	1000	/* EBUSY right after a kill clears within this */
#define KILL_BATCH	1024
#define UNLIMITED_MIN	(UINT64_C(1) << 62)	/* v1 shows "none" as ~2^63 */
#define REL_CAP		sizeof(((struct mon_cgroup *)NULL)->rel)

/* Returns -1 after writing a sentence into err (when there is room). */
static int __attribute__((format(printf, 3, 4)))
say(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || cap == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return -1;
}

/* Returns milliseconds on the monotonic clock. */
static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sleeps `ms` milliseconds (signals may cut it short). */
static void
sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * Returns true if `rel` is a relative path of plain components (no "",
 * ".", ".." or leading '/'), short enough for every file under it.
 */
static bool
rel_ok(const char *rel)
{
	const char *p = rel;
	size_t n;

	if (rel == NULL)
		return false;
	n = strnlen(rel, REL_CAP);
	if (n == 0 || n >= REL_CAP)
		return false;
	for (;;) {
		size_t len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (p[len] == '\0')
			return true;
		p += len + 1;
	}
}

/*
 * Fills roots[] with the distinct hierarchy roots of `host`, memory
 * first.  Returns how many.
 */
static size_t
host_roots(const struct mon_cg_host *host, const char *roots[CG_ROOTS_MAX])
{
	size_t n = 0;

	if (host == NULL || host->version == MON_CG_NONE)
		return 0;
	roots[n++] = host->memory_root;
	if (host->version == MON_CG_V2)
		return n;
	if (strcmp(host->cpu_root, host->memory_root) != 0)
		roots[n++] = host->cpu_root;
	if (strcmp(host->cpuacct_root, host->cpu_root) != 0 &&
	    strcmp(host->cpuacct_root, host->memory_root) != 0)
		roots[n++] = host->cpuacct_root;
	return n;
}

/* Writes ROOT/REL/FILE (FILE may be "") into buf. Returns 0, or -1 with errno. */
static int
cg_path(char *buf, const char *root, const char *rel, const char *file)
{
	int n = snprintf(buf, CG_PATH_MAX, "%s/%s%s%s", root, rel,
	    *file != '\0' ? "/" : "", file);

	if (n < 0 || n >= CG_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * Reads all of `path` (at most cap - 1 octets) into buf, NUL-terminated.
 * Returns the length, or -1 with errno (EFBIG if it does not fit).
 */
static ssize_t
read_small(const char *path, char *buf, size_t cap)
{
	size_t len = 0;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	for (;;) {
		ssize_t r;
		if (len + 1 >= cap) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		r = read(fd, buf + len, cap - 1 - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;	/* short reads: keep going until EOF */
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/*
 * Writes `s` to control file `path` in one write(): each write is one
 * command to the kernel.  Returns 0, or -1 with errno.
 */
static int
write_str(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t w;
	int fd, e;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	do
		w = write(fd, s, len);
	while (w < 0 && errno == EINTR);
	e = errno;
	if (close(fd) < 0 && w >= 0) {
		e = errno;
		w = -1;
	}
	if (w >= 0 && (size_t)w != len) {
		e = EIO;	/* half a command is no command */
		w = -1;
	}
	errno = e;
	return w < 0 ? -1 : 0;
}

/*
 * Parses a decimal at `s` (leading blanks skipped; "max" is UINT64_MAX).
 * Returns 0, or -1 with errno EINVAL.
 */
static int
parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, "max", 3) == 0 && (s[3] == '\0' || isspace(
	    (unsigned char)s[3]))) {
		*v = UINT64_MAX;
		return 0;
	}
	if (!isdigit((unsigned char)*s)) {
		errno = EINVAL;
		return -1;
	}
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (x > (UINT64_MAX - d) / 10) {
			errno = EINVAL;
			return -1;
		}
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

/* Reads one number from `path`. Returns 0, or -1 with errno. */
static int
read_u64(const char *path, uint64_t *v)
{
	char buf[64];

	if (read_small(path, buf, sizeof buf) < 0)
		return -1;
	return parse_u64(buf, v);
}

/*
 * Reads the value of the line "KEY VALUE" in `path` (memory.events,
 * oom_control, cpu.stat).  Returns 0, or -1 with errno (ENOENT for a
 * missing file, ENODATA for a missing key).
 */
static int
read_keyed(const char *path, const char *key, uint64_t *v)
{
	char buf[4096];
	size_t klen = strlen(key);
	const char *line;

	if (read_small(path, buf, sizeof buf) < 0)
		return -1;
	for (line = buf; *line != '\0'; ) {
		const char *end = strchr(line, '\n');
		/* the whole key: "oom_kill" is not "oom_kill_disable" */
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return parse_u64(line + klen + 1, v);
		if (end == NULL)
			break;
		line = end + 1;
	}
	errno = ENODATA;
	return -1;
}

/* Reads ROOT/REL/FILE as a number. Returns 0, or -1 with errno. */
static int
read_cg_u64(const char *root, const char *rel, const char *file, uint64_t *v)
{
	char path[CG_PATH_MAX];

	if (cg_path(path, root, rel, file) < 0)
		return -1;
	return read_u64(path, v);
}

/* Writes `s` to ROOT/REL/FILE. Returns 0, or -1 with errno. */
static int
write_cg(const char *root, const char *rel, const char *file, const char *s)
{
	char path[CG_PATH_MAX];

	if (cg_path(path, root, rel, file) < 0)
		return -1;
	return write_str(path, s);
}

/* Returns true if ROOT/REL/FILE exists. */
static bool
cg_has(const char *root, const char *rel, const char *file)
{
	char path[CG_PATH_MAX];

	return cg_path(path, root, rel, file) == 0 && access(path, F_OK) == 0;
}

/*
 * Reads the pids of a cgroup.procs file into pids[0..max), parsing as
 * it reads.  Returns how many there are (possibly more than max), or -1
 * with errno.
 */
static long
read_pids(const char *path, pid_t *pids, size_t max)
{
	char buf[4096];
	uint64_t cur = 0;
	bool digits = false;
	long n = 0;
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (r == 0)
			break;
		/* a number may straddle two reads: the state carries over */
		for (ssize_t i = 0; i < r; i++) {
			if (isdigit((unsigned char)buf[i])) {
				if (cur < INT32_MAX)
					cur = cur * 10 + (uint64_t)(buf[i] - '0');
				digits = true;
			} else if (digits) {
				if ((size_t)n < max)
					pids[n] = (pid_t)cur;
				n++;
				cur = 0;
				digits = false;
			}
		}
	}
	close(fd);
	if (digits) {
		if ((size_t)n < max)
			pids[n] = (pid_t)cur;
		n++;
	}
	return n;
}

/* ---- detection ---- */

/* Decodes mountinfo's octal escapes (\040 ...) of `s` in place. */
static void
unescape(char *s)
{
	char *w = s;

	for (const char *r = s; *r != '\0'; ) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' &&
		    r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 |
			    (r[3] - '0'));
			r += 4;
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

/* Returns true if comma-separated `opts` has the token `name`. */
static bool
has_opt(const char *opts, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = opts; ; ) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		if (p[len] == '\0')
			return false;
		p += len + 1;
	}
}

/* What a scan of mountinfo found; the first mount of each wins. */
struct found {
	char memory[256], cpu[256], cpuacct[256], unified[256];
	bool too_long;
};

/* Copies mount point `mp` into `dst` (256 octets) once. */
static void
keep(char *dst, const char *mp, struct found *f)
{
	if (dst[0] != '\0')
		return;
	if (strlen(mp) >= 256) {
		f->too_long = true;
		return;
	}
	strcpy(dst, mp);
}

/*
 * Notes the cgroup mounts of one mountinfo line:
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER".
 */
static void
scan_line(char *line, struct found *f)
{
	char *sep, *save = NULL, *fstype, *super, *mp = NULL, *tok;
	int field = 0;

	if ((sep = strstr(line, " - ")) == NULL)
		return;
	*sep = '\0';
	for (tok = strtok_r(line, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save))
		if (++field == 5) {
			mp = tok;
			break;
		}
	save = NULL;
	fstype = strtok_r(sep + 3, " \n", &save);
	(void)strtok_r(NULL, " \n", &save);	/* the source */
	super = strtok_r(NULL, " \n", &save);
	if (mp == NULL || fstype == NULL)
		return;
	unescape(mp);
	if (strcmp(fstype, "cgroup2") == 0) {
		keep(f->unified, mp, f);
		return;
	}
	if (strcmp(fstype, "cgroup") != 0 || super == NULL)
		return;
	if (has_opt(super, "memory"))
		keep(f->memory, mp, f);
	if (has_opt(super, "cpu"))
		keep(f->cpu, mp, f);
	if (has_opt(super, "cpuacct"))
		keep(f->cpuacct, mp, f);
}

/*
 * Checks that the unified hierarchy at `mp` offers memory and cpu.
 * Returns 0, or -1 with `err`.
 */
static int
v2_controllers(const char *mp, char *err, size_t cap)
{
	char path[CG_PATH_MAX], buf[512], *save = NULL;
	bool mem = false, cpu = false;

	if (cg_path(path, mp, "cgroup.controllers", "") < 0 ||
	    read_small(path, buf, sizeof buf) < 0)
		return say(err, cap, "cannot read %s/cgroup.controllers: %s",
		    mp, strerror(errno));
	for (char *t = strtok_r(buf, " \n", &save); t != NULL;
	    t = strtok_r(NULL, " \n", &save)) {
		mem |= strcmp(t, "memory") == 0;
		cpu |= strcmp(t, "cpu") == 0;
	}
	if (!mem || !cpu)
		return say(err, cap, "cgroup2 at %s has no %s controller, and "
		    "no cgroup v1 memory hierarchy is mounted", mp,
		    !mem ? "memory" : "cpu");
	return 0;
}

int
mon_cg_detect(struct mon_cg_host *host, const char *mountinfo_path,
    char *err, size_t cap)
{
	const char *path = mountinfo_path ? mountinfo_path :
	    "/proc/self/mountinfo";
	struct found f;
	char *line = NULL;
	size_t linecap = 0;
	FILE *fp;
	int e;

	memset(host, 0, sizeof *host);
	memset(&f, 0, sizeof f);
	if ((fp = fopen(path, "re")) == NULL)
		return say(err, cap, "cannot read %s: %s", path,
		    strerror(errno));
	errno = 0;
	while (getline(&line, &linecap, fp) >= 0)
		scan_line(line, &f);
	e = errno;
	if (ferror(fp) || e == ENOMEM) {
		free(line);
		fclose(fp);
		return say(err, cap, "cannot read %s: %s", path,
		    strerror(e ? e : EIO));
	}
	free(line);
	fclose(fp);
	if (f.too_long)
		return say(err, cap, "a cgroup mount point in %s is longer "
		    "than 255 characters", path);
	/* the memory controller lives in one hierarchy only: it decides */
	if (f.memory[0] != '\0') {
		if (f.cpu[0] == '\0' || f.cpuacct[0] == '\0')
			return say(err, cap, "cgroup v1 memory is at %s but no "
			    "%s hierarchy is mounted", f.memory,
			    f.cpu[0] == '\0' ? "cpu" : "cpuacct");
		strcpy(host->memory_root, f.memory);
		strcpy(host->cpu_root, f.cpu);
		strcpy(host->cpuacct_root, f.cpuacct);
		host->version = MON_CG_V1;
		return 0;
	}
	if (f.unified[0] == '\0')
		return say(err, cap, "no cgroup memory controller is mounted "
		    "(neither a cgroup v1 memory hierarchy nor cgroup2)");
	/* another host's mountinfo (a test's) says nothing of its files */
	if (mountinfo_path == NULL && v2_controllers(f.unified, err, cap) < 0)
		return -1;
	strcpy(host->memory_root, f.unified);
	strcpy(host->cpu_root, f.unified);
	strcpy(host->cpuacct_root, f.unified);
	host->version = MON_CG_V2;
	return 0;
}

/* ---- creation ---- */

/* Returns the number of components of `rel` (checked by rel_ok). */
static int
depth_of(const char *rel)
{
	int n = 1;

	for (const char *p = rel; *p != '\0'; p++)
		n += *p == '/';
	return n;
}

/*
 * Removes ROOT/REL's components from the leaf up to component `from`
 * (0-based): the ones this process made.
 */
static void
unmake(const char *root, const char *rel, int from)
{
	char path[CG_PATH_MAX];
	int depth = depth_of(rel);

	if (from < 0 || cg_path(path, root, rel, "") < 0)
		return;
	for (int d = depth - 1; d >= from; d--) {
		char *slash;
		if (rmdir(path) < 0 && errno != ENOENT)
			return;	/* not empty: someone else's now */
		if ((slash = strrchr(path, '/')) == NULL)
			return;
		*slash = '\0';
	}
}

/*
 * v2: lets the children of the cgroup at dir[0..len) have the memory and
 * cpu controllers.  Returns 0, or -1 with `err`.
 */
static int
enable_below(const char *dir, size_t len, char *err, size_t cap)
{
	char ctl[CG_PATH_MAX];
	int n = snprintf(ctl, sizeof ctl, "%.*s/cgroup.subtree_control",
	    (int)len, dir);

	if (n < 0 || (size_t)n >= sizeof ctl)
		return say(err, cap, "%.*s: path too long", (int)len, dir);
	if (write_str(ctl, "+memory +cpu") < 0)
		return say(err, cap, "cannot enable memory and cpu in %s: %s",
		    ctl, strerror(errno));
	return 0;
}

/*
 * Makes ROOT/REL and its parents; on v2 each parent first gets the
 * memory and cpu controllers for its children.  Sets *made to the first
 * component it created (-1: none).  Returns 0, or -1 with `err`.
 */
static int
make_dirs(const char *root, const char *rel, bool v2, int *made, char *err,
    size_t cap)
{
	char path[CG_PATH_MAX];
	size_t rootlen = strlen(root);
	int depth = 0;

	*made = -1;
	if (cg_path(path, root, rel, "") < 0)
		return say(err, cap, "%s/%s: path too long", root, rel);
	for (char *p = path + rootlen + 1; ; depth++) {
		char *slash = strchr(p, '/');
		if (slash != NULL)
			*slash = '\0';
		/* the parent is path[0 .. p - 1) */
		if (v2 && enable_below(path, (size_t)(p - 1 - path), err,
		    cap) < 0)
			return -1;
		if (mkdir(path, 0755) == 0) {
			if (*made < 0)
				*made = depth;
		} else if (errno != EEXIST)
			return say(err, cap, "cannot create %s: %s", path,
			    strerror(errno));
		if (slash == NULL)
			return 0;
		*slash = '/';
		p = slash + 1;
	}
}

/*
 * Sets the v1 memory limit (0: none), and memsw to the same where the
 * host counts swap.  Returns 0, or -1 with `err`.
 */
static int
v1_memory(const char *root, const char *rel, uint64_t limit, char *err,
    size_t cap)
{
	bool memsw = cg_has(root, rel, "memory.memsw.limit_in_bytes");
	char val[32];
	uint64_t hier;

	/*
	 * Children of a hierarchical parent are counted in it; where the
	 * host still has flat accounting (old kernels) a node's own
	 * sub-cgroups would escape, so its leaf is made hierarchical (it has
	 * no children yet, which is when the kernel allows it).
	 */
	if (read_cg_u64(root, rel, "memory.use_hierarchy", &hier) == 0 &&
	    hier == 0 && write_cg(root, rel, "memory.use_hierarchy", "1") < 0)
		return say(err, cap, "%s/%s: memory.use_hierarchy is 0 and "
		    "cannot be set: %s", root, rel, strerror(errno));
	if (limit == 0)
		snprintf(val, sizeof val, "-1");
	else
		snprintf(val, sizeof val, "%" PRIu64, limit);
	/* memsw may never be below the memory limit: lift it out of the way */
	if (memsw && write_cg(root, rel, "memory.memsw.limit_in_bytes",
	    "-1") < 0)
		goto fail;
	if (write_cg(root, rel, "memory.limit_in_bytes", val) < 0)
		goto fail;
	/* then memory + swap = memory: swap cannot extend the limit */
	if (memsw && limit != 0 && write_cg(root, rel,
	    "memory.memsw.limit_in_bytes", val) < 0)
		goto fail;
	return 0;
fail:
	return say(err, cap, "cannot set the memory limit of %s/%s: %s", root,
	    rel, strerror(errno));
}

/* Sets the v1 CFS quota (0: none). Returns 0, or -1 with `err`. */
static int
v1_cpu(const char *root, const char *rel, unsigned millis, char *err,
    size_t cap)
{
	uint64_t period, quota;
	char val[32];

	if (millis == 0) {
		snprintf(val, sizeof val, "-1");
	} else {
		if (read_cg_u64(root, rel, "cpu.cfs_period_us", &period) < 0)
			return say(err, cap, "cannot read %s/%s/cpu.cfs_period_us: "
			    "%s", root, rel, strerror(errno));
		quota = (uint64_t)millis * period / 1000;
		if (quota < 1000)
			quota = 1000;	/* the kernel's least quota: 1 ms */
		snprintf(val, sizeof val, "%" PRIu64, quota);
	}
	if (write_cg(root, rel, "cpu.cfs_quota_us", val) < 0)
		return say(err, cap, "cannot set %s/%s/cpu.cfs_quota_us to %s: "
		    "%s", root, rel, val, strerror(errno));
	return 0;
}

/* Sets v2 memory.max and memory.swap.max. Returns 0, or -1 with `err`. */
static int
v2_memory(const char *root, const char *rel, uint64_t limit, char *err,
    size_t cap)
{
	char val[32];

	if (limit == 0)
		snprintf(val, sizeof val, "max");
	else
		snprintf(val, sizeof val, "%" PRIu64, limit);
	if (write_cg(root, rel, "memory.max", val) < 0)
		return say(err, cap, "cannot set %s/%s/memory.max: %s", root,
		    rel, strerror(errno));
	/* v2 counts swap apart: none at all keeps the limit whole */
	if (cg_has(root, rel, "memory.swap.max") && write_cg(root, rel,
	    "memory.swap.max", limit == 0 ? "max" : "0") < 0)
		return say(err, cap, "cannot set %s/%s/memory.swap.max: %s",
		    root, rel, strerror(errno));
	return 0;
}

/* Sets v2 cpu.max "QUOTA PERIOD". Returns 0, or -1 with `err`. */
static int
v2_cpu(const char *root, const char *rel, unsigned millis, char *err,
    size_t cap)
{
	char path[CG_PATH_MAX], buf[64], val[48];
	const char *sp;
	uint64_t period, quota;

	if (cg_path(path, root, rel, "cpu.max") < 0 ||
	    read_small(path, buf, sizeof buf) < 0)
		return say(err, cap, "cannot read %s/%s/cpu.max: %s", root, rel,
		    strerror(errno));
	if (millis == 0) {
		snprintf(val, sizeof val, "max");
	} else {
		/* "max 100000": keep the period the kernel has */
		if ((sp = strchr(buf, ' ')) == NULL ||
		    parse_u64(sp + 1, &period) < 0 || period == UINT64_MAX)
			return say(err, cap, "%s: unexpected content", path);
		quota = (uint64_t)millis * period / 1000;
		if (quota < 1000)
			quota = 1000;
		snprintf(val, sizeof val, "%" PRIu64 " %" PRIu64, quota,
		    period);
	}
	if (write_str(path, val) < 0)
		return say(err, cap, "cannot set %s to \"%s\": %s", path, val,
		    strerror(errno));
	return 0;
}

int
mon_cg_create(struct mon_cgroup *cg, const struct mon_cg_host *host,
    const char *rel, uint64_t memory_limit, unsigned cpu_millis, char *err,
    size_t cap)
{
	const char *roots[CG_ROOTS_MAX];
	int made[CG_ROOTS_MAX];
	size_t n, i;
	bool v2;
	int rc;

	memset(cg, 0, sizeof *cg);
	if ((n = host_roots(host, roots)) == 0)
		return say(err, cap, "no cgroup controllers on this host");
	if (!rel_ok(rel))
		return say(err, cap, "bad cgroup path \"%s\"", rel ? rel : "");
	v2 = host->version == MON_CG_V2;
	for (i = 0; i < n; i++) {
		char path[CG_PATH_MAX];
		/* the longest name used under it, so later paths fit too */
		if (cg_path(path, roots[i], rel, "memory.memsw.limit_in_bytes") < 0)
			return say(err, cap, "%s/%s: path too long", roots[i],
			    rel);
		made[i] = -1;
	}
	cg->host = host;
	snprintf(cg->rel, sizeof cg->rel, "%s", rel);
	for (i = 0; i < n; i++)
		if (make_dirs(roots[i], rel, v2, &made[i], err, cap) < 0)
			goto undo;
	if (v2)
		rc = v2_memory(roots[0], rel, memory_limit, err, cap) < 0 ||
		    v2_cpu(roots[0], rel, cpu_millis, err, cap) < 0;
	else
		rc = v1_memory(host->memory_root, rel, memory_limit, err,
		    cap) < 0 || v1_cpu(host->cpu_root, rel, cpu_millis, err,
		    cap) < 0;
	if (rc == 0)
		return 0;
undo:
	/* only what this call made: a cgroup that was there stays */
	for (i = n; i-- > 0; )
		unmake(roots[i], rel, made[i]);
	memset(cg, 0, sizeof *cg);
	return -1;
}

/* ---- processes ---- */

size_t
mon_cg_procs_paths(const struct mon_cgroup *cg, char paths[][320],
    size_t max)
{
	const char *roots[CG_ROOTS_MAX];
	size_t n = host_roots(cg->host, roots), k = 0;

	for (size_t i = 0; i < n && k < max; i++)
		if (cg_path(paths[k], roots[i], cg->rel, "cgroup.procs") == 0)
			k++;
	return k;
}

int
mon_cg_attach(const struct mon_cgroup *cg, pid_t pid)
{
	char paths[CG_ROOTS_MAX][320], val[24];
	size_t n = mon_cg_procs_paths(cg, paths, CG_ROOTS_MAX);

	if (n == 0) {
		errno = ENOENT;
		return -1;
	}
	snprintf(val, sizeof val, "%d", (int)pid);
	for (size_t i = 0; i < n; i++)
		if (write_str(paths[i], val) < 0)
			return -1;
	return 0;
}

long
mon_cg_pids(const struct mon_cgroup *cg, pid_t *pids, size_t max)
{
	char path[CG_PATH_MAX];

	if (cg->host == NULL || cg->host->version == MON_CG_NONE) {
		errno = ENOENT;
		return -1;
	}
	/* v1: the memory hierarchy's view is the one that matters */
	if (cg_path(path, cg->host->memory_root, cg->rel, "cgroup.procs") < 0)
		return -1;
	return read_pids(path, pids, max);
}

int
mon_cg_read(const struct mon_cgroup *cg, struct mon_cg_sample *s)
{
	const struct mon_cg_host *h = cg->host;
	const char *rel = cg->rel;
	char path[CG_PATH_MAX];
	uint64_t usec;
	long n;

	memset(s, 0, sizeof *s);
	if (h == NULL || h->version == MON_CG_NONE) {
		errno = ENOENT;
		return -1;
	}
	if (h->version == MON_CG_V1) {
		if (read_cg_u64(h->memory_root, rel, "memory.usage_in_bytes",
		    &s->memory_usage) < 0 ||
		    read_cg_u64(h->memory_root, rel, "memory.max_usage_in_bytes",
		    &s->memory_peak) < 0 ||
		    read_cg_u64(h->memory_root, rel, "memory.limit_in_bytes",
		    &s->memory_limit) < 0 ||
		    cg_path(path, h->memory_root, rel, "memory.oom_control") < 0 ||
		    read_keyed(path, "oom_kill", &s->oom_kills) < 0 ||
		    read_cg_u64(h->cpuacct_root, rel, "cpuacct.usage",
		    &s->cpu_usage_ns) < 0)
			return -1;
		if (s->memory_limit >= UNLIMITED_MIN)
			s->memory_limit = UINT64_MAX;
	} else {
		if (read_cg_u64(h->memory_root, rel, "memory.current",
		    &s->memory_usage) < 0 ||
		    read_cg_u64(h->memory_root, rel, "memory.max",
		    &s->memory_limit) < 0 ||
		    cg_path(path, h->memory_root, rel, "memory.events") < 0 ||
		    read_keyed(path, "oom_kill", &s->oom_kills) < 0 ||
		    cg_path(path, h->memory_root, rel, "cpu.stat") < 0 ||
		    read_keyed(path, "usage_usec", &usec) < 0)
			return -1;
		s->cpu_usage_ns = usec * 1000;
		/* memory.peak came with Linux 5.19 */
		if (read_cg_u64(h->memory_root, rel, "memory.peak",
		    &s->memory_peak) < 0) {
			if (errno != ENOENT)
				return -1;
			s->memory_peak = 0;
		}
	}
	if ((n = mon_cg_pids(cg, NULL, 0)) < 0)
		return -1;
	s->nprocs = (size_t)n;
	return 0;
}

/* Sends `sig` to pids[0..n). Returns how many could not be signalled. */
static size_t
signal_all(const pid_t *pids, size_t n, int sig)
{
	size_t failed = 0;

	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0 && kill(pids[i], sig) < 0 && errno != ESRCH)
			failed++;
	return failed;
}

int
mon_cg_kill_all(const struct mon_cgroup *cg, unsigned grace_ms,
    unsigned timeout_ms)
{
	uint64_t start = now_ms();
	pid_t pids[KILL_BATCH];
	bool termed = false;

	for (;;) {
		long n = mon_cg_pids(cg, pids, KILL_BATCH);
		uint64_t t = now_ms() - start;
		size_t k;

		if (n < 0)
			return errno == ENOENT ? 0 : -1;	/* gone is empty */
		if (n == 0)
			return 0;
		if (t >= timeout_ms) {
			errno = ETIMEDOUT;
			return -1;
		}
		k = (size_t)n < KILL_BATCH ? (size_t)n : KILL_BATCH;
		if (grace_ms > 0 && t < grace_ms) {
			/* once: a second SIGTERM means "now" to some daemons */
			if (!termed)
				signal_all(pids, k, SIGTERM);
			termed = true;
		} else {
			/* cgroup.kill (v2, Linux 5.14) also catches forks */
			if (cg->host->version == MON_CG_V2)
				(void)write_cg(cg->host->memory_root, cg->rel,
				    "cgroup.kill", "1");
			signal_all(pids, k, SIGKILL);
		}
		sleep_ms(POLL_MS);
	}
}

/* ---- removal ---- */

int
mon_cg_remove(const struct mon_cg_host *host, const char *rel)
{
	const char *roots[CG_ROOTS_MAX];
	size_t n = host_roots(host, roots);
	int removed = 0, fail = 0;

	if (n == 0 || !rel_ok(rel)) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char path[CG_PATH_MAX];
		uint64_t start = now_ms();
		if (cg_path(path, roots[i], rel, "") < 0) {
			fail = errno;
			continue;
		}
		for (;;) {
			if (rmdir(path) == 0) {
				removed = 1;
				break;
			}
			if (errno == ENOENT)
				break;
			/* the kernel lets go of just-killed tasks a little later */
			if (errno != EBUSY || now_ms() - start >= RMDIR_BUSY_MS) {
				fail = errno;
				break;
			}
			sleep_ms(POLL_MS);
		}
	}
	if (fail != 0) {
		errno = fail;
		return -1;
	}
	return removed ? 0 : 1;
}

bool
mon_cg_exists(const struct mon_cg_host *host, const char *rel)
{
	const char *roots[CG_ROOTS_MAX];
	size_t n = host_roots(host, roots);
	struct stat st;

	if (!rel_ok(rel))
		return false;
	for (size_t i = 0; i < n; i++) {
		char path[CG_PATH_MAX];
		if (cg_path(path, roots[i], rel, "") == 0 &&
		    stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return true;
	}
	return false;
}
