/*
 * proc_rss.c - resident memory and CPU time of single processes, from
 * /proc/PID/statm and /proc/PID/stat.
 *
 * A process may exit between any two reads: a missing /proc entry is
 * ESRCH, the same as the kernel says when an open entry's task is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc_rss.h"

/* /proc/PID/stat is about 300 octets; the fields read end well before */
#define PROC_BUF	2048
#define STAT_STATE	3	/* field numbers of proc(5), from 1 */
#define STAT_UTIME	14
#define STAT_STIME	15
#define STAT_START	22

/*
 * Returns the length of /proc/PID/NAME read into buf[0..cap) and
 * NUL-terminated (cut at cap - 1), or -1 with errno.
 */
static ssize_t
read_proc(pid_t pid, const char *name, char *buf, size_t cap)
{
	char path[64];
	size_t len = 0;
	ssize_t r;
	int fd, n, saved;

	if (pid <= 0 || cap == 0) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, name);
	if (n < 0 || (size_t)n >= sizeof path) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			errno = ESRCH;
		return -1;
	}
	/* procfs hands a line out in one read, but nothing promises it */
	while (len < cap - 1) {
		r = read(fd, buf + len, cap - 1 - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/*
 * Returns a pointer past the unsigned decimal at s, its value in *v; NULL
 * when s does not start with a digit or the value overflows.
 */
static const char *
parse_u64(const char *s, uint64_t *v)
{
	const char *p = s;
	uint64_t x = 0;

	while (*p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');

		if (x > (UINT64_MAX - d) / 10)
			return NULL;
		x = x * 10 + d;
		p++;
	}
	if (p == s)
		return NULL;
	*v = x;
	return p;
}

/* Returns ticks of the clock sysconf(_SC_CLK_TCK) in ns, or -1 with errno. */
static int
ticks_to_ns(uint64_t ticks, uint64_t *ns)
{
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t h;

	if (hz <= 0) {
		errno = EPROTO;
		return -1;
	}
	h = (uint64_t)hz;
	/* in two parts: ticks * 1e9 alone overflows after 5.8 years at 100 Hz */
	*ns = ticks / h * 1000000000u + ticks % h * 1000000000u / h;
	return 0;
}

/* Returns 0 with the resident set of pid in *rss_bytes, or -1 with errno. */
int
mon_proc_rss(pid_t pid, uint64_t *rss_bytes)
{
	char buf[256];
	const char *p;
	uint64_t size, resident;
	long page = sysconf(_SC_PAGESIZE);

	if (read_proc(pid, "statm", buf, sizeof buf) < 0)
		return -1;
	/* "size resident shared text lib data dt", in pages */
	if (page <= 0 || (p = parse_u64(buf, &size)) == NULL || *p != ' ' ||
	    parse_u64(p + 1, &resident) == NULL ||
	    resident > UINT64_MAX / (uint64_t)page) {
		errno = EPROTO;
		return -1;
	}
	*rss_bytes = resident * (uint64_t)page;
	return 0;
}

/* Returns the summed resident sets of pids[0..n), skipping those gone. */
uint64_t
mon_procs_rss(const pid_t *pids, size_t n)
{
	uint64_t sum = 0, rss;
	size_t i;

	for (i = 0; i < n; i++) {
		/* a process that exited mid-walk holds no memory any more */
		if (mon_proc_rss(pids[i], &rss) < 0)
			continue;
		sum = rss > UINT64_MAX - sum ? UINT64_MAX : sum + rss;
	}
	return sum;
}

/* Returns 0 with the state, CPU and start time of pid in st, or -1 with errno. */
int
mon_proc_stat(pid_t pid, struct mon_proc_stat *st)
{
	char buf[PROC_BUF];
	const char *q, *end;
	uint64_t v, utime = 0, stime = 0, start = 0, cpu_ns, start_ns;
	char state = 0;
	int field;

	if (read_proc(pid, "stat", buf, sizeof buf) < 0)
		return -1;
	/* "PID (COMM) S ...": comm may hold spaces and ')', the fields not */
	if ((q = strrchr(buf, ')')) == NULL) {
		errno = EPROTO;
		return -1;
	}
	q++;
	for (field = STAT_STATE; field <= STAT_START; field++) {
		if (*q != ' ')
			goto bad;
		q++;
		end = q + strcspn(q, " \n");
		if (end == q)
			goto bad;
		switch (field) {
		case STAT_STATE:
			if (end - q != 1)
				goto bad;
			state = *q;
			break;
		case STAT_UTIME:
		case STAT_STIME:
		case STAT_START:
			if (parse_u64(q, &v) != end)
				goto bad;
			if (field == STAT_UTIME)
				utime = v;
			else if (field == STAT_STIME)
				stime = v;
			else
				start = v;
			break;
		default:
			break;	/* other fields, some of them signed */
		}
		q = end;
	}
	if (utime > UINT64_MAX - stime)
		goto bad;
	if (ticks_to_ns(utime + stime, &cpu_ns) < 0 ||
	    ticks_to_ns(start, &start_ns) < 0)
		return -1;
	st->state = state;
	st->cpu_ns = cpu_ns;
	st->start_ns = start_ns;
	return 0;
bad:
	errno = EPROTO;
	return -1;
}
