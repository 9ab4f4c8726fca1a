/*
 * session_support.h - what the BGP speaker's end-to-end tests share
 * (test_bgp_listen, test_bgp_inject, test_bgp_md5, test_bgp_usage): the
 * real `flowcanary listen` and `flowcanary inject` ($FC_BIN) started and
 * read line by line, a fixture that checks what a test left behind, and a
 * peer written here with raw sockets and messages built by hand, towards
 * listen (it connects) or towards inject (it accepts).
 *
 * Every process a test starts is recorded in memory shared with the
 * runner.  A test stops and reaps its processes itself and the fixture
 * checks that it did (and that no descriptor was left open).  When a test
 * fails, Check kills the test's process group; the processes also die with
 * their parent (PR_SET_PDEATHSIG), and session_main(), a child subreaper,
 * reaps them and reports any that outlived their test.  Each test has a
 * temporary directory of its own (write_file), ports are chosen by the
 * kernel: test executables can run side by side.
 */
#ifndef FC_TEST_SESSION_SUPPORT_H
#define FC_TEST_SESSION_SUPPORT_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bgp/msg.h"
#include "bgp/wire.h"
#include "flowspec/rule.h"
#include "support.h"

#define LOCAL_AS	65000	/* listen's AS, and the raw peer's towards inject */
#define PEER_AS		65001	/* the raw peer's AS towards listen; inject's AS */
#define BOTH		(BGP_FAM_BIT(FS_IPV4) | BGP_FAM_BIT(FS_IPV6))
#define V4		BGP_FAM_BIT(FS_IPV4)
#define WAIT_MS		5000	/* generous: the binary may run under ASan */

/* A rule every test may send: it parses, and listen prints it. */
#define GOOD_RULE "match destination 198.51.100.0/24 protocol ==tcp " \
	"destination-port ==443 then discard"

/* ------------------------------------------------------------------ */
/* The runner and the fixture                                           */

/* Returns a new test case of `s` with the fixture and `timeout` (s). */
TCase *session_tcase(Suite *s, const char *name, int timeout);
/* Runs `s` and reaps leftovers; returns the exit status for main(). */
int session_main(Suite *s);

/* Returns the path (g_free) of a new file in the test's own directory. */
char *write_file(const char *name, const char *text, mode_t mode);

/* ------------------------------------------------------------------ */
/* Processes                                                            */

struct proc {
	const char *name;	/* "listen", "inject" */
	pid_t pid;
	unsigned slot;
	int out, err;		/* read ends of stdout and stderr, -1 at EOF */
	GString *obuf, *ebuf;
	size_t split;		/* obuf offset of the first octet not in a line */
	GPtrArray *lines;	/* stdout lines (gchar *) */
	GPtrArray *nodes;	/* each line parsed (JsonNode *) */
	size_t cursor;		/* next line proc_expect looks at */
	int status;		/* exit status; 128 + signal; -1 while running */
	bool reaped;
};

/* Returns the monotonic clock, in microseconds. */
gint64 now_us(void);
/* Returns the last `n` octets of s, for failure messages. */
const char *tail(const GString *s, size_t n);

/* Returns once $FC_BIN args runs as p, $FLOWCANARY_MD5_KEY = md5_env. */
void proc_startv(struct proc *p, const char *md5_env, const char *const *args);
/* Returns as proc_startv, the arguments given NULL-terminated. */
void proc_start(struct proc *p, const char *md5_env, const char *first, ...);
/* Returns after reading what p wrote, waiting up to timeout_ms for it. */
void proc_pump(struct proc *p, int timeout_ms);
/* Returns the next listen line of `event` containing `contains`, or fails. */
JsonObject *proc_expect(struct proc *p, const char *event,
    const char *contains, int timeout_ms);
/* Returns the next listen line, skipping none, or fails. */
JsonObject *proc_next(struct proc *p, int timeout_ms);
/* Returns p's exit status once it exited within timeout_ms, or -1. */
int proc_wait(struct proc *p, int timeout_ms);
/* Returns p's exit status after SIGTERM (then SIGKILL if need be). */
int proc_stop(struct proc *p);
/* Returns with p reaped (killed if it runs) and what it holds freed. */
void proc_free(struct proc *p);
/* Returns if p's stderr has no GLib warning nor sanitizer report, or fails. */
void assert_quiet(const struct proc *p);
/* Returns once p is stopped and exited with `status`, quietly. */
void proc_finish(struct proc *p, int status);
/* Returns once p exited on its own with `status` within timeout_ms. */
void proc_expect_exit(struct proc *p, int status, int timeout_ms);

/* Returns the port of a new listen on 127.0.0.1:0 with `more` arguments. */
uint16_t listen_startv(struct proc *l, const char *md5_env,
    const char *const *more);
/* Returns the port of a new listen on 127.0.0.1:0. */
uint16_t listen_start(struct proc *l);
/* Returns once inject runs as `in` towards 127.0.0.1:port, with `more`. */
void inject_start(struct proc *in, uint16_t port, const char *rules,
    const char *const *more);

/* ------------------------------------------------------------------ */
/* Raw sockets and messages                                             */

/* What read_part, read_full and read_msg return. */
enum { RD_OK = 1, RD_EOF = 0, RD_TIMEOUT = -1, RD_CUT = -2, RD_RESET = -3 };

struct msg {
	size_t len;
	unsigned type;
	uint8_t b[BGP_EXT_MAX_LEN];
};

/* Returns a socket listening on addr; *port gets its port. */
int tcp_listen(uint16_t *port, const char *addr);
/* Returns a connection accepted within timeout_ms, or -1. */
int tcp_accept(int lfd, int timeout_ms, struct sockaddr_in *from);
/* Returns a socket connected to 127.0.0.1:port, or fails. */
int tcp_connect(uint16_t port);
/* Returns once p[0..n) is sent, or fails. */
void send_all(int fd, const uint8_t *p, size_t n);
/* Returns once b is sent, b emptied. */
void send_buf(int fd, struct bgp_buf *b);

/* Returns what an RD_ value means, for failure messages. */
const char *rd_name(int r);
/* Returns RD_OK once n octets came by `deadline`, else why not; *got. */
int read_part(int fd, uint8_t *buf, size_t n, gint64 deadline, size_t *got);
/* Returns RD_OK once n octets came by `deadline`, else why not. */
int read_full(int fd, uint8_t *buf, size_t n, gint64 deadline);
/* Returns RD_OK once one message is in m (within timeout_ms), else why not. */
int read_msg(int fd, struct msg *m, int timeout_ms);
/* Returns a new message buffer (g_free). */
struct msg *msg_new(void);
/* Returns once the next message, in m, is of `type`, or fails. */
void expect_msg(int fd, struct msg *m, unsigned type, int timeout_ms);
/* Returns once the peer closed cleanly within timeout_ms, or fails. */
void expect_eof(int fd, int timeout_ms);
/* Returns once the peer closed after our half-close, no NOTIFICATION. */
void drain_to_eof(int fd);
/* Returns the ms until NOTIFICATION code/subcode (data_hex) and close. */
double expect_notification(int fd, unsigned code, unsigned subcode,
    const char *data_hex, int timeout_ms);

/* Returns with an OPEN from `as` offering `fams` appended to b. */
void build_open(struct bgp_buf *b, uint32_t as, uint16_t hold, unsigned fams,
    bool ext);
/* Returns `text` (of `family`, 0: inferred) in canonical syntax (g_free). */
char *canon(const char *text, int family, bool with_actions);
/* Returns the number of UPDATEs appended announcing texts[0..n). */
long build_announce(struct bgp_buf *b, uint32_t as, size_t max_len, int family,
    const char *const *texts, size_t n);
/* Returns with an UPDATE from PEER_AS announcing `text` appended to b. */
void build_announce1(struct bgp_buf *b, const char *text, int family);
/* Returns with an UPDATE of attributes attrs[0..alen) appended to b. */
void build_update_raw(struct bgp_buf *b, const uint8_t *attrs, size_t alen);
/* Returns with a KEEPALIVE whose marker is broken appended to b. */
void bad_marker(struct bgp_buf *b);

/* ------------------------------------------------------------------ */
/* A raw peer towards listen                                            */

enum stage { ST_CONNECTED, ST_OPENCONFIRM, ST_ESTABLISHED };

/* Returns a connection to listen taken as far as `upto`. */
int peer_connect(uint16_t port, uint32_t as, unsigned fams, bool ext,
    uint16_t hold, enum stage upto);
/* Returns once Cease/Administrative Shutdown is sent and fd closed. */
void peer_close(int fd);
/* Returns once a fresh session to l carried a rule: l survived. */
void assert_survives(struct proc *l, uint16_t port, uint32_t as);

/* ------------------------------------------------------------------ */
/* A raw peer towards inject                                            */

/* What the raw peer read from inject. */
struct seen {
	GPtrArray *reach, *withdrawn;	/* canonical text */
	unsigned eor;			/* families whose End-of-RIB came */
	size_t updates;			/* UPDATEs with routes (not End-of-RIB) */
	size_t max_len;			/* of the largest UPDATE */
};

/* Returns with s empty. */
void seen_init(struct seen *s);
/* Returns with what s holds freed. */
void seen_free(struct seen *s);
/* Returns with inject's UPDATE m added to s; fails if it reads badly. */
void seen_update(struct seen *s, const struct msg *m, unsigned fams);
/* Returns once End-of-RIB came for each family of `want`. */
void read_until_eor(int fd, struct seen *s, unsigned want, unsigned fams);
/* Returns if `got` and `want` hold the same strings (sorts both). */
void assert_same(GPtrArray *got, GPtrArray *want, const char *what);
/* Returns the canonical rules of a file (of `family`, 0: all). */
GPtrArray *file_rules(const char *path, int family, bool with_actions);

/* Returns fd once the handshake as LOCAL_AS is done; *theirs: inject's OPEN. */
int handshake(int fd, unsigned fams, bool ext, struct bgp_open *theirs);
/* Returns inject's connection, accepted and past the handshake. */
int accept_session(int lfd, unsigned fams, bool ext, struct bgp_open *theirs);
/* Returns as accept_session, failing at once, with stderr, if `in` exits. */
int accept_session_of(struct proc *in, int lfd, unsigned fams, bool ext,
    struct bgp_open *theirs);
/* Returns once a ROUTE-REFRESH of `family` is sent. */
void send_refresh(int fd, int family);

#endif
