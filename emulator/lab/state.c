/*
 * state.c - names and small files of a lab's state directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/proc_rss.h"
#include "state.h"
#include "topology.h"

char *
lab_state_dir(const char *lab)
{
	return g_strdup_printf(LAB_RUN_DIR "/%s", lab);
}

char *
lab_node_dir(const char *lab, const char *node)
{
	return g_strdup_printf(LAB_RUN_DIR "/%s/" LAB_D_NODES "/%s", lab, node);
}

char *
lab_ctl_netns(const char *lab)
{
	return g_strdup_printf("fc.%s", lab);
}

char *
lab_node_netns(const char *lab, const char *node)
{
	return g_strdup_printf("fc.%s.%s", lab, node);
}

char *
lab_netns_prefix(const char *lab)
{
	return g_strdup_printf("fc.%s.", lab);
}

char *
lab_cgroup_lab(const char *lab)
{
	return g_strdup_printf(LAB_CGROUP_TOP "/%s", lab);
}

char *
lab_cgroup_node(const char *lab, const char *node)
{
	return g_strdup_printf(LAB_CGROUP_TOP "/%s/%s", lab, node);
}

/* Returns true if process `pid` runs the flowcanary executable. */
static bool
is_flowcanary(pid_t pid)
{
	char path[64], exe[4096];
	snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(path, exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	const char *base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	/* A rebuilt binary shows as "flowcanary (deleted)". */
	return strncmp(base, "flowcanary", 10) == 0 &&
	    strncmp(base, "flowcanary-vrouter", 18) != 0;
}

pid_t
lab_read_live_pid(const char *path)
{
	char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	long long pid = 0;
	unsigned long long start = 0;
	int n = sscanf(text, "%lld %llu", &pid, &start);
	g_free(text);
	if (n != 2 || pid <= 1 || pid > INT32_MAX)
		return 0;
	/* The start time tells a recycled pid (another lab's, say) apart. */
	struct mon_proc_stat st;
	if (mon_proc_stat((pid_t)pid, &st) != 0 || st.start_ns != start ||
	    st.state == 'Z' || st.state == 'X')
		return 0;
	return is_flowcanary((pid_t)pid) ? (pid_t)pid : 0;
}

int
lab_write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[4096];
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;
			close(fd);
			unlink(tmp);
			errno = e;
			return -1;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

int
lab_write_pid(const char *path, pid_t pid)
{
	struct mon_proc_stat st;
	if (mon_proc_stat(pid, &st) != 0)
		return -1;
	char buf[64];
	int n = snprintf(buf, sizeof buf, "%d %llu\n", (int)pid,
	    (unsigned long long)st.start_ns);
	return lab_write_atomic(path, buf, (size_t)n);
}

bool
lab_name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > LAB_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}
