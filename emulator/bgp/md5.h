/*
 * md5.h - TCP MD5 signatures (RFC 2385) for BGP sessions.
 *
 * A key comes from a file that only its owner can read, or from the
 * environment; never from the command line, where `ps` would show it.
 * Nothing here ever puts the key into a message.
 */
#ifndef FC_BGP_MD5_H
#define FC_BGP_MD5_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define BGP_MD5_KEY_MAX 80	/* TCP_MD5SIG_MAXKEYLEN */

struct bgp_md5_key {
	uint8_t key[BGP_MD5_KEY_MAX];
	size_t len;
};

/*
 * Reads a key from `path`: a regular file that group and others can
 * neither read nor write (mode 0600 or stricter), holding 1 to 80 octets
 * (one trailing newline is dropped).  Returns 0, or -1 with a sentence in
 * err[0..cap) that names the file, never its content.
 */
int bgp_md5_key_load_file(const char *path, struct bgp_md5_key *k,
    char *err, size_t cap);

/*
 * Reads a key from environment variable `var` and overwrites the value
 * with zeros.  Returns 1 if set (and valid), 0 if unset, -1 with err.
 */
int bgp_md5_key_from_env(const char *var, struct bgp_md5_key *k,
    char *err, size_t cap);

/*
 * Sets the key on socket `fd` for `peer` (a listening socket: for peers in
 * `peer`/`prefix_len`; prefix_len -1 means exactly that address).
 * Returns 0, or -1 with errno and a sentence in err.
 */
int bgp_md5_apply(int fd, const struct sockaddr *peer, socklen_t peer_len,
    int prefix_len, const struct bgp_md5_key *k, char *err, size_t cap);

/* Erases the key from memory. */
void bgp_md5_key_wipe(struct bgp_md5_key *k);

#endif
