/*
 * cgroup.h - one node's memory and CPU cgroup, on cgroup v1 (separate
 * memory, cpu and cpuacct hierarchies, as on Debian hosts with the legacy
 * layout) or v2 (one unified hierarchy with the memory and cpu
 * controllers enabled).
 *
 * The limit makes memory exhaustion real and contained: the kernel's OOM
 * killer acts inside the cgroup, and the cgroup's own counters say so.
 */
#ifndef FC_MONITOR_CGROUP_H
#define FC_MONITOR_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum mon_cg_version { MON_CG_NONE = 0, MON_CG_V1 = 1, MON_CG_V2 = 2 };

/* Where the memory and CPU controllers live on this host. */
struct mon_cg_host {
	enum mon_cg_version version;
	char memory_root[256];	/* v1: .../memory; v2: the unified mount */
	char cpu_root[256];	/* v1: .../cpu (may be cpu,cpuacct) */
	char cpuacct_root[256];	/* v1: .../cpuacct (may equal cpu_root) */
};

/*
 * Finds the controllers from /proc/self/mountinfo (or `mountinfo_path`
 * when not NULL, for tests).  Returns 0, or -1 with a sentence in `err`
 * saying what is missing.
 */
int mon_cg_detect(struct mon_cg_host *host, const char *mountinfo_path,
    char *err, size_t cap);

/* One cgroup, by its path relative to the roots ("flowcanary/LAB/NODE"). */
struct mon_cgroup {
	const struct mon_cg_host *host;
	char rel[256];
};

/*
 * Creates the cgroup (and its parents) in every hierarchy, and sets the
 * memory limit (bytes; 0: none; swap is limited too where the host counts
 * it, so that the limit cannot be escaped) and the CPU limit (1000 = one
 * core; 0: none).  An existing cgroup is reused, with the new limits; on
 * failure, what this call made is removed.  Returns 0, or -1 with a
 * sentence in `err`.
 */
int mon_cg_create(struct mon_cgroup *cg, const struct mon_cg_host *host,
    const char *rel, uint64_t memory_limit, unsigned cpu_millis, char *err,
    size_t cap);

/* Moves process `pid` into the cgroup. Returns 0 or -1 with errno. */
int mon_cg_attach(const struct mon_cgroup *cg, pid_t pid);

/*
 * Writes into paths[0..n) the cgroup.procs files a child must write its
 * own pid to (one per hierarchy), so that a forked child can join with
 * open() and write() alone.  Returns n (at most 3).
 */
size_t mon_cg_procs_paths(const struct mon_cgroup *cg, char paths[][320],
    size_t max);

/* What the counters say now. */
struct mon_cg_sample {
	uint64_t memory_usage;		/* bytes charged now */
	uint64_t memory_peak;		/* high-water mark (0 if the kernel has none) */
	uint64_t memory_limit;		/* as the kernel holds it; UINT64_MAX: none */
	uint64_t oom_kills;		/* processes the OOM killer killed here */
	uint64_t cpu_usage_ns;		/* CPU time used, all cores */
	size_t nprocs;
};

/* Reads the counters.  Returns 0, or -1 with errno (the cgroup is gone). */
int mon_cg_read(const struct mon_cgroup *cg, struct mon_cg_sample *s);

/*
 * Appends the pids in the cgroup to pids[0..max).  Returns how many there
 * are (possibly more than max), or -1 with errno.
 */
long mon_cg_pids(const struct mon_cgroup *cg, pid_t *pids, size_t max);

/*
 * Kills every process in the cgroup: SIGTERM, then SIGKILL to what is
 * left after `grace_ms`, until it is empty (or `timeout_ms` passed).
 * Returns 0 when empty, or -1.
 */
int mon_cg_kill_all(const struct mon_cgroup *cg, unsigned grace_ms,
    unsigned timeout_ms);

/*
 * Removes the cgroup `rel` itself from every hierarchy (it must be empty
 * and have no children; EBUSY just after a kill is retried for up to a
 * second).  Parents stay: "flowcanary/LAB" is removed by a second call,
 * after its nodes.  Returns 0, 1 if it did not exist, or -1 with errno.
 */
int mon_cg_remove(const struct mon_cg_host *host, const char *rel);

/* Returns true if the cgroup exists in any hierarchy. */
bool mon_cg_exists(const struct mon_cg_host *host, const char *rel);

#endif
