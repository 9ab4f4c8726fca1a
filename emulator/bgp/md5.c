/*
 * md5.c - loading a TCP MD5 key safely and handing it to the kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "md5.h"

void
bgp_md5_key_wipe(struct bgp_md5_key *k)
{
	if (k != NULL) {
		explicit_bzero(k->key, sizeof k->key);
		k->len = 0;
	}
}

/* Copies buf[0..n) (one trailing newline dropped) into `k`. Returns 0 or -1 with err. */
static int
set_key(struct bgp_md5_key *k, const uint8_t *buf, size_t n, const char *what,
    char *err, size_t cap)
{
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n == 0 || n > BGP_MD5_KEY_MAX) {
		snprintf(err, cap, "%s: an MD5 key must be 1 to %d octets, "
		    "this one is %zu", what, BGP_MD5_KEY_MAX, n);
		return -1;
	}
	memcpy(k->key, buf, n);
	k->len = n;
	return 0;
}

int
bgp_md5_key_load_file(const char *path, struct bgp_md5_key *k, char *err,
    size_t cap)
{
	uint8_t buf[BGP_MD5_KEY_MAX + 3];
	struct stat st;
	ssize_t n;
	int fd, rc;

	if (path == NULL || k == NULL) {
		snprintf(err, cap, "no MD5 key file given");
		errno = EINVAL;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, cap, "%s: cannot open the MD5 key file: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, cap, "%s: the MD5 key file is not a regular file",
		    path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, cap, "%s: mode %04o lets others read the MD5 key; "
		    "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	if (st.st_size > (off_t)sizeof buf) {	/* more than a key and CR LF */
		snprintf(err, cap, "%s: an MD5 key must be 1 to %d octets, "
		    "this file holds %lld", path, BGP_MD5_KEY_MAX,
		    (long long)st.st_size);
		close(fd);
		return -1;
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < 0) {
		snprintf(err, cap, "%s: cannot read the MD5 key file: %s", path,
		    strerror(errno));
		return -1;
	}
	rc = set_key(k, buf, (size_t)n, path, err, cap);
	explicit_bzero(buf, sizeof buf);
	return rc;
}

int
bgp_md5_key_from_env(const char *var, struct bgp_md5_key *k, char *err,
    size_t cap)
{
	const char *v = getenv(var);
	if (v == NULL)
		return 0;
	int rc = set_key(k, (const uint8_t *)v, strlen(v), var, err, cap);
	/* Wiped where it lies: unsetenv alone leaves it in /proc/PID/environ. */
	explicit_bzero((char *)v, strlen(v));
	return rc < 0 ? -1 : 1;
}

int
bgp_md5_apply(int fd, const struct sockaddr *peer, socklen_t peer_len,
    int prefix_len, const struct bgp_md5_key *k, char *err, size_t cap)
{
	struct tcp_md5sig sig;
	int opt = TCP_MD5SIG;

	if (peer == NULL || k == NULL || peer_len > sizeof sig.tcpm_addr) {
		errno = EINVAL;
		snprintf(err, cap, "MD5: no peer address");
		return -1;
	}
	memset(&sig, 0, sizeof sig);
	memcpy(&sig.tcpm_addr, peer, peer_len);
	sig.tcpm_keylen = (uint16_t)k->len;
	memcpy(sig.tcpm_key, k->key, k->len);
	if (prefix_len >= 0) {
		opt = TCP_MD5SIG_EXT;
		sig.tcpm_flags = TCP_MD5SIG_FLAG_PREFIX;
		sig.tcpm_prefixlen = (uint8_t)prefix_len;
	}
	int rc = setsockopt(fd, IPPROTO_TCP, opt, &sig, sizeof sig);
	int saved = errno;
	explicit_bzero(&sig, sizeof sig);
	if (rc < 0) {
		snprintf(err, cap, "cannot set the TCP MD5 key on the socket: %s%s",
		    strerror(saved), saved == ENOENT || saved == ENOPROTOOPT ?
		    " (is the kernel built with CONFIG_TCP_MD5SIG?)" : "");
		errno = saved;
		return -1;
	}
	return 0;
}
