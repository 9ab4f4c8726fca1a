/*
 * proc_rss.h - memory and CPU of single processes, from /proc: for nodes
 * that have no cgroup of their own (a daemon run as is), and to say which
 * process of a node holds the memory.
 */
#ifndef FC_MONITOR_PROC_RSS_H
#define FC_MONITOR_PROC_RSS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Reads the resident set of `pid` (/proc/PID/statm: resident pages times
 * the page size).  Returns 0, or -1 with errno: ESRCH when the process is
 * gone, EINVAL for pid <= 0, EPROTO when the file does not parse.  A
 * zombie has no memory left: 0 bytes.
 */
int mon_proc_rss(pid_t pid, uint64_t *rss_bytes);

/* Returns the summed resident sets of pids[0..n), skipping those gone. */
uint64_t mon_procs_rss(const pid_t *pids, size_t n);

struct mon_proc_stat {
	char state;		/* R, S, D, Z, T, t, X, I, ... as in proc(5) */
	uint64_t cpu_ns;	/* utime + stime, user and system CPU time */
	uint64_t start_ns;	/* start time after boot: with the pid, the
				   process (a reused pid has another) */
};

/*
 * Reads /proc/PID/stat into st.  Returns 0, or -1 with errno as
 * mon_proc_rss.
 */
int mon_proc_stat(pid_t pid, struct mon_proc_stat *st);

#endif
