/*
 * test_bgp_md5.c - TCP MD5 (RFC 2385) in `flowcanary listen` and
 * `flowcanary inject` ($FC_BIN): with the same key, from a file or from
 * $FLOWCANARY_MD5_KEY, a session comes up and a rule goes through, and an
 * unsigned connection does not get through; with different keys no
 * session; a key file others may read is refused; the key is printed
 * nowhere, and listen's memory no longer holds it once its socket does.
 * The harness: session_support.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bgp/md5.h"
#include "bgp/msg.h"
#include "session_support.h"

/* ------------------------------------------------------------------ */
/* TCP MD5                                                              */

/* The key text must appear in no output of `p`. */
static void
assert_no_secret(const struct proc *p, const char *key)
{
	ck_assert_msg(strstr(p->obuf->str, key) == NULL,
	    "%s printed the MD5 key on stdout", p->name);
	ck_assert_msg(strstr(p->ebuf->str, key) == NULL,
	    "%s printed the MD5 key on stderr", p->name);
}

static char *
make_key(void)
{
	return g_strdup_printf("Fc-md5-%08x%08x", g_random_int(), g_random_int());
}

/* Returns true if a plain (unsigned) connection to port gets through in ms. */
static bool
plain_connect_works(uint16_t port, int ms)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t len = sizeof err;

	ck_assert(fd >= 0);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return false;
	}
	bool ok = poll(&pfd, 1, ms) == 1 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
	close(fd);
	return ok;
}

/*
 * listen and inject, each with the key from a file or the environment:
 * the session comes up and a rule goes through.
 */
static void
md5_session(const char *listen_file, const char *listen_env,
    const char *inject_file, const char *inject_env, const char *bind,
    const char *key)
{
	char *rules = write_file("one.flow", GOOD_RULE "\n", 0644);
	char peer[32];
	const char *largs[8] = { "listen", "--bind", bind, "--local-as",
		G_STRINGIFY(LOCAL_AS), NULL };
	const char *iargs[16] = { "inject", "--peer", peer, "--local-as",
		G_STRINGIFY(PEER_AS), "--peer-as", G_STRINGIFY(LOCAL_AS),
		"--hold", "0.2", rules, NULL };
	struct proc l, in;

	if (listen_file != NULL) {
		largs[5] = "--md5-key-file";
		largs[6] = listen_file;
	}
	proc_startv(&l, listen_env, largs);
	JsonObject *o = proc_expect(&l, "listening", NULL, WAIT_MS);
	ck_assert(json_object_get_boolean_member(o, "md5"));
	uint16_t port = (uint16_t)json_object_get_int_member(o, "port");
	/* Without the key, not even TCP gets through. */
	ck_assert_msg(!plain_connect_works(port, 500),
	    "an unsigned connection reached an MD5 listener");
	snprintf(peer, sizeof peer, "127.0.0.1:%u", port);
	if (inject_file != NULL) {
		iargs[9] = "--md5-key-file";
		iargs[10] = inject_file;
		iargs[11] = rules;
	}
	proc_startv(&in, inject_env, iargs);
	proc_expect(&l, "established", NULL, WAIT_MS);
	o = proc_expect(&l, "announce", NULL, WAIT_MS);
	char *want = canon(GOOD_RULE, FS_IPV4, true);
	ck_assert_str_eq(json_object_get_string_member(o, "rule"), want);
	g_free(want);
	proc_expect_exit(&in, 0, WAIT_MS);
	proc_expect(&l, "down", NULL, WAIT_MS);
	proc_finish(&l, 0);
	assert_no_secret(&l, key);
	assert_no_secret(&in, key);
	proc_free(&l);
	proc_free(&in);
	g_free(rules);
}

START_TEST(md5_same_key_file)
{
	char *key = make_key();
	char *text = g_strconcat(key, "\n", NULL);
	char *kf = write_file("md5.key", text, 0600);

	md5_session(kf, NULL, kf, NULL, "127.0.0.1:0", key);
	g_free(kf);
	g_free(text);
	g_free(key);
}
END_TEST

/* From the environment, and listen on the dual-stack wildcard (its default). */
START_TEST(md5_key_from_environment)
{
	char *key = make_key();

	md5_session(NULL, key, NULL, key, "[::]:0", key);
	g_free(key);
}
END_TEST

START_TEST(md5_different_keys)
{
	char *key = make_key(), *other = make_key();
	char *kf = write_file("md5.key", key, 0600);
	char *rules = write_file("one.flow", GOOD_RULE "\n", 0644);
	const char *lmore[] = { "--md5-key-file", kf, NULL };
	struct proc l, in;
	char peer[32];

	uint16_t port = listen_startv(&l, NULL, lmore);
	snprintf(peer, sizeof peer, "127.0.0.1:%u", port);
	gint64 t0 = now_us();
	proc_start(&in, other, "inject", "--peer", peer, "--local-as",
	    G_STRINGIFY(PEER_AS), "--peer-as", G_STRINGIFY(LOCAL_AS),
	    "--connect-timeout", "1.5", rules, NULL);
	proc_expect_exit(&in, 4, WAIT_MS);
	double s = (double)(now_us() - t0) / 1e6;
	ck_assert_msg(s >= 1.4, "inject gave up after %.2f s, before its "
	    "--connect-timeout of 1.5 s", s);
	ck_assert(strstr(in.ebuf->str, "127.0.0.1") != NULL);
	proc_finish(&l, 0);
	for (guint i = 0; i < l.lines->len; i++)
		ck_assert_msg(strstr(l.lines->pdata[i], "\"listening\"") != NULL,
		    "with different keys listen printed %s",
		    (char *)l.lines->pdata[i]);
	assert_no_secret(&l, key);
	assert_no_secret(&l, other);
	assert_no_secret(&in, key);
	assert_no_secret(&in, other);
	proc_free(&l);
	proc_free(&in);
	g_free(rules);
	g_free(kf);
	g_free(key);
	g_free(other);
}
END_TEST

START_TEST(md5_key_file_mode)
{
	char *key = make_key();
	char *kf = write_file("md5.key", key, 0644);
	char *rules = write_file("one.flow", GOOD_RULE "\n", 0644);
	struct proc l, in;

	proc_start(&l, NULL, "listen", "--bind", "127.0.0.1:0", "--local-as",
	    "65000", "--md5-key-file", kf, NULL);
	proc_expect_exit(&l, 3, WAIT_MS);
	proc_start(&in, NULL, "inject", "--peer", "127.0.0.1:9", "--local-as",
	    "65001", "--peer-as", "65000", "--md5-key-file", kf, rules, NULL);
	proc_expect_exit(&in, 3, WAIT_MS);
	for (int k = 0; k < 2; k++) {
		struct proc *p = k == 0 ? &l : &in;
		ck_assert_msg(strstr(p->ebuf->str, kf) != NULL &&
		    strstr(p->ebuf->str, "0644") != NULL,
		    "%s: the message names neither file nor mode: %s", p->name,
		    p->ebuf->str);
		ck_assert_str_eq(p->obuf->str, "");
		assert_no_secret(p, key);
	}
	proc_free(&l);
	proc_free(&in);
	g_free(rules);
	g_free(kf);
	g_free(key);
}
END_TEST

/* ------------------------------------------------------------------ */
/* What review found                                                    */

/*
 * Returns the number of places `needle` is found in the readable memory
 * of `pid` (/proc/PID/maps and /proc/PID/mem); `where` gets the regions.
 * Mappings above 1 GiB are sanitizer shadow or reservations, not data.
 */
static unsigned
memory_find(pid_t pid, const void *needle, size_t nlen, GString *where)
{
	char path[64];
	gchar *maps = NULL;
	enum { CHUNK = 1 << 20 };
	uint8_t *buf = g_malloc(CHUNK + nlen);
	unsigned found = 0, regions = 0;

	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	ck_assert(g_file_get_contents(path, &maps, NULL, NULL));
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	int mem = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(mem >= 0, "%s: %s (the test needs to read another "
	    "process's memory: run it as root)", path, strerror(errno));
	gchar **lines = g_strsplit(maps, "\n", -1);
	for (gchar **ln = lines; *ln != NULL; ln++) {
		unsigned long lo, hi;
		char perm[8];
		if (sscanf(*ln, "%lx-%lx %7s", &lo, &hi, perm) != 3 ||
		    perm[0] != 'r' || strstr(*ln, "[vvar") != NULL ||
		    strstr(*ln, "[vsyscall]") != NULL || hi - lo > (1ul << 30))
			continue;
		regions++;
		size_t keep = 0;
		for (unsigned long a = lo; a < hi; ) {
			size_t want = MIN((unsigned long)CHUNK, hi - a);
			ssize_t k = pread(mem, buf + keep, want, (off_t)a);
			if (k <= 0)
				break;
			size_t have = keep + (size_t)k;
			const uint8_t *p = buf;
			while ((p = memmem(p, have - (size_t)(p - buf), needle,
			    nlen)) != NULL) {
				found++;
				g_string_append_printf(where, "  at %#lx in %s\n",
				    a - keep + (unsigned long)(p - buf), *ln);
				p++;
			}
			keep = MIN(nlen - 1, have);
			memmove(buf, buf + have - keep, keep);
			a += (unsigned long)k;
		}
	}
	ck_assert_msg(regions > 0, "no readable region in %s", path);
	g_strfreev(lines);
	g_free(maps);
	close(mem);
	g_free(buf);
	return found;
}

/*
 * listen wipes the MD5 key once the listening socket holds it: the key
 * is nowhere in its memory, after "listening" nor with a session up.
 */
START_TEST(md5_listen_forgets_key)
{
	char *key = make_key();
	char *kf = write_file("md5.key", key, 0600);
	const char *lmore[] = { "--md5-key-file", kf, NULL };
	struct proc l;
	struct bgp_md5_key k = { 0 };
	struct bgp_buf b = { 0 };
	struct msg *m = msg_new();
	GString *where = g_string_new(NULL);
	char err[256];

	uint16_t port = listen_startv(&l, NULL, lmore);
	/* The control: the key file's name, in listen's arguments, is found. */
	ck_assert_msg(memory_find(l.pid, kf, strlen(kf), where) > 0,
	    "the memory scan did not find listen's own arguments");
	g_string_truncate(where, 0);
	unsigned found = memory_find(l.pid, key, strlen(key), where);
	ck_assert_msg(found == 0, "listen holds the MD5 key %u times after "
	    "\"listening\":\n%s", found, where->str);

	/* A session, signed with the key, to Established. */
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert(fd >= 0);
	k.len = strlen(key);
	memcpy(k.key, key, k.len);
	ck_assert_msg(bgp_md5_apply(fd, (struct sockaddr *)&a, sizeof a, -1, &k,
	    err, sizeof err) == 0, "%s", err);
	bgp_md5_key_wipe(&k);
	ck_assert_msg(connect(fd, (struct sockaddr *)&a, sizeof a) == 0,
	    "connect: %s", strerror(errno));
	build_open(&b, PEER_AS, 90, BOTH, true);
	ck_assert_int_eq(bgp_keepalive_build(&b), 0);
	send_buf(fd, &b);
	bgp_buf_free(&b);
	expect_msg(fd, m, BGP_OPEN, WAIT_MS);
	expect_msg(fd, m, BGP_KEEPALIVE, WAIT_MS);
	proc_expect(&l, "established", NULL, WAIT_MS);
	found = memory_find(l.pid, key, strlen(key), where);
	ck_assert_msg(found == 0, "listen holds the MD5 key %u times with a "
	    "session up:\n%s", found, where->str);
	peer_close(fd);
	proc_expect(&l, "down", NULL, WAIT_MS);
	proc_finish(&l, 0);
	assert_no_secret(&l, key);
	proc_free(&l);
	g_string_free(where, TRUE);
	g_free(m);
	g_free(kf);
	g_free(key);
}
END_TEST

static Suite *
md5_suite(void)
{
	Suite *s = suite_create("test_bgp_md5");
	TCase *tc = session_tcase(s, "md5", 30);

	tcase_add_test(tc, md5_same_key_file);
	tcase_add_test(tc, md5_key_from_environment);
	tcase_add_test(tc, md5_different_keys);
	tcase_add_test(tc, md5_key_file_mode);
	tcase_add_test(tc, md5_listen_forgets_key);
	return s;
}

int
main(void)
{
	return session_main(md5_suite());
}
