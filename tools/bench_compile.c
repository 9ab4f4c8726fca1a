/*
 * bench_compile.c - rules compiled per second by each shipped platform
 * model, beside loading the same rules into nftables.
 *
 *   bench-compile [-n RULES] [-s SEED] [-t SECONDS] [-d PLATFORM_DIR]
 *                 [-f SAFE_RULES] [-N]
 *
 * Two rule sets: the twenty safe mitigations (faults/rules/
 * safe-mitigations.flow), repeated for at least a second, and RULES
 * (default 10,000) generated mitigations of the same kinds (amplification
 * by source port with length bounds, SYN floods, fragments, ICMP, UDP to
 * high ports, redirects, marks).  Each rule is compiled to its end into an
 * arena of its own, which is then freed, as a vrouter does for a rule
 * that is announced and withdrawn.  Two modes: `compiler` ignores the
 * profile's entry-write-ns (the cost of the walk and the memory alone);
 * `modelled` spends it, as the vrouter does, and stops after -t SECONDS
 * (default 5) per row, so a slow platform reports a rate from fewer rules.
 *
 * With nft(8) installed and root, the same rules (one nftables rule per
 * Flowspec rule, two when `port` means either port; IPv4 only) are loaded
 * with `unshare -n nft -f FILE` into a fresh network namespace: the
 * alternative an operator would reach for.  -N skips it.
 */
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "flowspec/ecomm.h"
#include "flowspec/error.h"
#include "flowspec/ruleset.h"
#include "flowspec/valueset.h"
#include "vrouter/arena.h"
#include "vrouter/compile.h"
#include "vrouter/profile.h"

#ifndef FC_PLATFORM_DIR
#define FC_PLATFORM_DIR "faults/platforms"
#endif
#ifndef FC_SAFE_RULES
#define FC_SAFE_RULES "faults/rules/safe-mitigations.flow"
#endif

#define STEP		65536		/* entries per vr_walk_step */
#define SAFE_SECONDS	1.0		/* the safe set repeats at least this long */
#define NFT_ROUNDS	5		/* nft loads timed; the median is kept */
#define NFT_MIN_RULES	1000		/* a smaller set is loaded in copies */

extern char **environ;

static const char *const platforms[] = { "interval-firewall", "tcam",
	"value-walk-16bit", "full-recompile" };
#define NPLAT (sizeof platforms / sizeof platforms[0])

/* ---- small helpers ---- */

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench-compile: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Returns the monotonic time in seconds. */
static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A growable string. */
struct text {
	char *p;
	size_t n, cap;
};

/* Appends formatted text to `t`, or dies when out of memory. */
static void __attribute__((format(printf, 2, 3)))
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->p ? t->p + t->n : NULL, t->p ? t->cap - t->n : 0,
		    fmt, ap);
		va_end(ap);
		if (n < 0)
			die("vsnprintf failed");
		if (t->p != NULL && t->n + (size_t)n < t->cap) {
			t->n += (size_t)n;
			return;
		}
		t->cap = (t->cap + (size_t)n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		if (t->p == NULL)
			die("out of memory");
	}
}

/* ---- deterministic generator: xorshift64* ---- */

static uint64_t rng = 1;

/* Returns the next pseudo-random number. */
static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

/* Returns a number in [0, n). */
static unsigned
below(unsigned n)
{
	return (unsigned)((rnd() >> 32) % n);
}

/* Appends a documentation-range destination, a /24 or a host. */
static void
gen_dst(struct text *t)
{
	static const char *const nets[] = { "192.0.2", "198.51.100", "203.0.113" };

	if (below(2))
		put(t, "destination %s.0/24", nets[below(3)]);
	else
		put(t, "destination %s.%u/32", nets[below(3)], 1 + below(254));
}

/* Appends a rate-limit or a discard. */
static void
gen_police(struct text *t)
{
	static const unsigned rates[] = { 62500, 125000, 250000, 1250000, 12500000 };

	if (below(3) == 0)
		put(t, " then discard\n");
	else
		put(t, " then rate-limit %u\n", rates[below(5)]);
}

/* Appends one realistic mitigation rule as a line of rule text. */
static void
gen_rule(struct text *t)
{
	static const unsigned amp[] = { 53, 123, 161, 389, 1900, 11211, 19,
		3702, 5353, 3283, 10001, 17 };
	static const unsigned web[] = { 80, 443, 8080, 25, 22, 3389 };

	put(t, "match ");
	gen_dst(t);
	switch (below(10)) {
	case 0: case 1: case 2:	/* amplification by source port */
		put(t, " protocol udp source-port %u", amp[below(12)]);
		if (below(2))
			put(t, " packet-length >=%u", 200 + 100 * below(13));
		gen_police(t);
		break;
	case 3:			/* SYN flood */
		put(t, " protocol tcp destination-port %u", web[below(6)]);
		if (below(2))
			put(t, " %u", web[below(6)]);
		put(t, " tcp-flags =S&!A");
		gen_police(t);
		break;
	case 4:			/* fragments */
		put(t, " protocol udp fragment =is-fragment&!first-fragment");
		gen_police(t);
		break;
	case 5:			/* ICMP */
		if (below(2))
			put(t, " protocol icmp icmp-type 8");
		else
			put(t, " protocol icmp icmp-type 3 icmp-code 0-15");
		gen_police(t);
		break;
	case 6:			/* UDP to high ports, large datagrams */
		if (below(2))
			put(t, " protocol udp destination-port >=1024");
		else {
			unsigned lo = 20000 + below(40000);
			put(t, " protocol udp destination-port %u-%u", lo, lo + below(100));
		}
		put(t, " packet-length %u-1500", 1000 + 100 * below(5));
		gen_police(t);
		break;
	case 7:			/* to the scrubbing VRF */
		put(t, " protocol tcp destination-port 80 443 then redirect 65000:%u\n",
		    600 + below(100));
		break;
	case 8:			/* remark */
		put(t, " protocol udp destination-port 5060 5061 then mark %u\n",
		    below(2) ? 0 : 8);
		break;
	default:		/* protocols nobody here terminates */
		put(t, " protocol %s then discard\n", below(2) ? "gre" : "esp");
		break;
	}
}

/* ---- compiling ---- */

struct row {
	uint64_t rules, rejected, entries, bytes_max;
	double seconds;
};

/* Returns 0 after compiling rule `r` to its end under `p` into a fresh arena, then freeing it. */
static int
compile_one(const struct vr_profile *p, const struct fs_rule *r,
    uint32_t write_ns, struct row *row)
{
	struct vr_reject why;
	struct vr_walk *w = vr_walk_new(p, r, 1, &why);
	struct vr_arena *a;
	enum vr_walk_status st;

	if (w == NULL) {
		if (errno != EINVAL)
			die("vr_walk_new: %s", strerror(errno));
		row->rejected++;
		return 0;
	}
	a = vr_arena_new(p->entry_bytes, write_ns);
	if (a == NULL)
		die("vr_arena_new: %s", strerror(errno));
	do
		st = vr_walk_step(w, STEP, vr_arena_push, a);
	while (st == VR_WALK_MORE);
	if (st != VR_WALK_DONE)
		die("%s: walk stopped: %s", p->name, strerror(errno));
	row->rules++;
	row->entries += vr_arena_count(a);
	if (vr_arena_bytes(a) > row->bytes_max)
		row->bytes_max = vr_arena_bytes(a);
	vr_arena_free(a);
	vr_walk_free(w);
	return 0;
}

/* Returns the row of compiling `set` under `p`: at least `min_s` seconds, at most `max_s` (0: no cap). */
static struct row
compile_set(const struct vr_profile *p, const struct fs_ruleset *set,
    bool modelled, double min_s, double max_s)
{
	struct row row = { 0 };
	uint32_t ns = modelled ? p->entry_write_ns : 0;
	double t0 = now();
	size_t i = 0;

	for (;;) {
		compile_one(p, &set->v[i].rule, ns, &row);
		row.seconds = now() - t0;
		if (max_s > 0 && row.seconds >= max_s)
			break;
		if (++i == set->n) {
			if (row.seconds >= min_s)
				break;
			i = 0;
		}
	}
	return row;
}

/* ---- nftables ---- */

/* Appends the nft set of `s` ("80", "1024-65535", "{ 80, 443 }"). */
static void
nft_set(struct text *t, const struct fs_valueset *s)
{
	if (s->n > 1)
		put(t, "{ ");
	for (size_t i = 0; i < s->n; i++) {
		put(t, "%s%llu", i ? ", " : "", (unsigned long long)s->v[i].lo);
		if (s->v[i].hi != s->v[i].lo)
			put(t, "-%llu", (unsigned long long)s->v[i].hi);
	}
	if (s->n > 1)
		put(t, " }");
}

/* Returns the nft expression of one fragment bit `bit` (set, or clear when `neg`), or NULL. */
static const char *
nft_frag_bit(unsigned bit, bool neg)
{
	switch (bit) {
	case FS_FRAG_DF:
		return neg ? "ip frag-off & 0x4000 == 0" : "ip frag-off & 0x4000 != 0";
	case FS_FRAG_ISF:
		return neg ? "ip frag-off & 0x3fff == 0" : "ip frag-off & 0x3fff != 0";
	case FS_FRAG_FF:
		return neg ? "ip frag-off & 0x3fff != 0x2000" : "ip frag-off & 0x3fff == 0x2000";
	default:
		return NULL;
	}
}

/* Returns 0 after appending the AND-group t[0..n) of a bitmask component, or -1 if nft cannot say it. */
static int
nft_bitmask(struct text *t, unsigned type, const struct fs_term *term, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint64_t v = term[k].value;
		bool not = term[k].op & FS_BM_NOT, match = term[k].op & FS_BM_MATCH;

		if (type == FS_TCP_FLAGS) {
			if (v > 0xff)
				return -1;
			put(t, " tcp flags & 0x%02llx %s %s", (unsigned long long)v,
			    match ? (not ? "!=" : "==") : (not ? "==" : "!="),
			    match ? "" : "0");
			if (match)
				put(t, "0x%02llx", (unsigned long long)v);
			continue;
		}
		/* Fragments: one bit per term, which is how they are written. */
		if (__builtin_popcountll(v) != 1 || nft_frag_bit((unsigned)v, not) == NULL)
			return -1;
		put(t, " %s", nft_frag_bit((unsigned)v, not));
	}
	return 0;
}

/* Returns the nft keyword of numeric `type` ("th dport"), or NULL. */
static const char *
nft_key(unsigned type, bool sport)
{
	switch (type) {
	case FS_PROTO: return "meta l4proto";
	case FS_PORT: return sport ? "th sport" : "th dport";
	case FS_DPORT: return "th dport";
	case FS_SPORT: return "th sport";
	case FS_ICMP_TYPE: return "icmp type";
	case FS_ICMP_CODE: return "icmp code";
	case FS_PKT_LEN: return "ip length";
	case FS_DSCP: return "ip dscp";
	default: return NULL;
	}
}

/* Appends the statements of the actions of `r` ("limit rate over ... drop"). */
static void
nft_actions(struct text *t, const struct fs_rule *r)
{
	const char *verdict = " accept";
	char last[64] = "";

	for (uint32_t i = 0; i < r->nactions; i++) {
		const struct fs_action *a = &r->actions[i];
		float rate = fs_ec_rate_value(a);

		switch (fs_ec_kind(a)) {
		case FS_EC_RATE_BYTES:
		case FS_EC_RATE_PACKETS:
			if (rate <= 0)
				verdict = " drop";
			else {
				snprintf(last, sizeof last, " limit rate over %llu%s/second",
				    (unsigned long long)rate,
				    fs_ec_kind(a) == FS_EC_RATE_BYTES ? " bytes" : "");
				verdict = " drop";
			}
			break;
		case FS_EC_REDIRECT_AS2:
			/* Policy routing by mark: Linux's way into a VRF. */
			put(t, " meta mark set %u", (unsigned)a->ec[4] << 24 |
			    (unsigned)a->ec[5] << 16 | (unsigned)a->ec[6] << 8 | a->ec[7]);
			break;
		case FS_EC_REDIRECT_AS4:
		case FS_EC_REDIRECT_IP4:
			put(t, " meta mark set %u", (unsigned)a->ec[6] << 8 | a->ec[7]);
			break;
		case FS_EC_MARK:
			put(t, " ip dscp set %u", a->ec[7] & 0x3f);
			break;
		default:
			break;
		}
	}
	put(t, "%s%s\n", last, verdict);
}

/* Returns the nft rules written for `r` (0 when nft cannot say it). */
static unsigned
nft_rule(struct text *t, const struct fs_rule *r)
{
	unsigned written = 0;

	if (r->family != FS_IPV4)
		return 0;
	/* `port` is either port: one nft rule for each. */
	for (int side = 0; side < 2; side++) {
		bool has_port = fs_rule_find(r, FS_PORT) != NULL;
		size_t mark = t->n;
		bool ok = true;

		if (side == 1 && !has_port)
			break;
		put(t, " ");
		for (unsigned i = 0; i < r->ncomp && ok; i++) {
			const struct fs_component *c = &r->comp[i];
			const struct fs_term *term = fs_comp_terms(r, c);
			struct fs_valueset s;
			char addr[16];

			switch (fs_type_kind(c->type)) {
			case FS_KIND_PREFIX:
				snprintf(addr, sizeof addr, "%u.%u.%u.%u", c->prefix.addr[0],
				    c->prefix.addr[1], c->prefix.addr[2], c->prefix.addr[3]);
				put(t, " ip %s %s/%u", c->type == FS_DST ? "daddr" : "saddr",
				    addr, c->prefix.len);
				break;
			case FS_KIND_BITMASK:
				/* One AND-group only: more would be more nft rules. */
				if (fs_term_group_end(term, c->count, 0) != c->count ||
				    nft_bitmask(t, c->type, term, c->count) != 0)
					ok = false;
				break;
			case FS_KIND_NUMERIC:
				fs_vs_init(&s);
				if (nft_key(c->type, side == 1) == NULL ||
				    fs_vs_from_component(&s, r, c) != 0)
					ok = false;
				else {
					fs_vs_clamp(&s, fs_width_max(fs_field_width(c->type)));
					if (s.n == 0)
						ok = false;	/* matches nothing */
					else {
						put(t, " %s ", nft_key(c->type, side == 1));
						nft_set(t, &s);
					}
				}
				fs_vs_free(&s);
				break;
			}
		}
		if (!ok) {
			t->n = mark;
			t->p[t->n] = '\0';
			return written;
		}
		nft_actions(t, r);
		written++;
	}
	return written;
}

/* Returns the wall seconds of `unshare -n nft -f path`, or a negative number if it failed. */
static double
nft_load(const char *path)
{
	char *argv[] = { "unshare", "-n", "nft", "-f", (char *)path, NULL };
	double t0 = now();
	pid_t pid;
	int status;

	if (posix_spawnp(&pid, "unshare", NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return now() - t0;
}

/* Returns the order of two doubles, for qsort. */
static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Returns the median seconds to load `copies` copies of `set` as one
 * forward chain (negative: failed); *nrules gets the nft rules of one
 * copy, *skipped the Flowspec rules nft cannot say.
 */
static double
nft_time(const struct fs_ruleset *set, unsigned copies, unsigned *nrules,
    unsigned *skipped)
{
	struct text t = { 0 };
	char path[] = "/tmp/fc-bench-compile-XXXXXX";
	double s[NFT_ROUNDS];
	FILE *f;
	int fd;

	*nrules = *skipped = 0;
	put(&t, "table inet fcbench {\n chain forward {\n"
	    "  type filter hook forward priority 0; policy accept;\n");
	for (unsigned k = 0; k < copies; k++) {
		for (size_t i = 0; i < set->n; i++) {
			unsigned n = nft_rule(&t, &set->v[i].rule);

			if (k == 0) {
				*nrules += n;
				*skipped += n == 0;
			}
		}
	}
	put(&t, " }\n}\n");
	fd = mkstemp(path);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		die("%s: %s", path, strerror(errno));
	fwrite(t.p, 1, t.n, f);
	if (fclose(f) != 0)
		die("%s: %s", path, strerror(errno));
	free(t.p);
	for (int i = 0; i < NFT_ROUNDS; i++)
		s[i] = nft_load(path);
	unlink(path);
	for (int i = 0; i < NFT_ROUNDS; i++)
		if (s[i] < 0)
			return -1;
	qsort(s, NFT_ROUNDS, sizeof s[0], cmp_double);
	return s[NFT_ROUNDS / 2];
}

/* Returns the seconds to load an empty chain: what every nft run pays. */
static double
nft_baseline(void)
{
	struct fs_ruleset none = { 0 };
	unsigned n, sk;

	return nft_time(&none, 1, &n, &sk);
}

/* ---- the report ---- */

/* Prints one row and returns its rate in rules per second. */
static double
print_row(const char *set, const char *who, const char *mode,
    const struct row *r, double base)
{
	double rate = r->seconds > 0 ? (double)r->rules / r->seconds : 0;

	printf("%-9s %-18s %-9s %8llu %8llu %12llu %10.1f %9.3f %12.0f",
	    set, who, mode, (unsigned long long)r->rules,
	    (unsigned long long)r->rejected, (unsigned long long)r->entries,
	    (double)r->bytes_max / 1024.0, r->seconds, rate);
	if (base > 0 && rate > 0)
		printf(" %9.3gx", rate / base);
	printf("\n");
	return rate;
}

/* Runs every platform over `set` and nft; prints the rows. */
static void
bench_set(const char *name, const struct fs_ruleset *set,
    const struct vr_profile *prof, double min_s, double max_s, bool nft,
    double nft_base)
{
	double rate[2][NPLAT];

	for (int m = 0; m < 2; m++) {
		for (size_t i = 0; i < NPLAT; i++) {
			struct row r = compile_set(&prof[i], set, m == 1, min_s,
			    m == 1 ? max_s : 0);

			rate[m][i] = print_row(name, platforms[i],
			    m ? "modelled" : "compiler", &r, i ? rate[m][0] : 0);
		}
	}
	if (nft) {
		unsigned nrules, skipped, copies = 1;
		double s, rules, rate_nft, net;

		while (set->n * copies < NFT_MIN_RULES)
			copies++;
		s = nft_time(set, copies, &nrules, &skipped);
		if (s < 0) {
			printf("%-9s nftables: nft -f failed (run as root?)\n", name);
			return;
		}
		rules = (double)(set->n - skipped) * copies;
		rate_nft = rules / s;
		net = s > nft_base ? rules / (s - nft_base) : 0;
		printf("%-9s %-18s %-9s %8.0f %8u %12u %10s %9.3f %12.0f %9.3gx\n",
		    name, "nftables", "nft -f", rules, skipped * copies,
		    nrules * copies, "-", s, rate_nft, rate_nft / rate[0][0]);
		printf("%-9s   less an empty load (%.3f s): %.0f rules/s; each "
		    "platform against it, compiler | modelled:\n", name, nft_base, net);
		for (size_t i = 0; i < NPLAT; i++)
			printf("%-9s     %-18s %9.3gx | %9.3gx\n", name, platforms[i],
			    net > 0 ? rate[0][i] / net : 0, net > 0 ? rate[1][i] / net : 0);
	}
}

/* Prints how to call this and exits 2. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: bench-compile [-n RULES] [-s SEED] [-t SECONDS] "
	    "[-d PLATFORM_DIR] [-f SAFE_RULES] [-N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	unsigned long n = 10000;
	double max_s = 5;
	const char *dir = FC_PLATFORM_DIR, *safe_path = FC_SAFE_RULES;
	bool nft = true;
	struct vr_profile prof[NPLAT];
	struct fs_ruleset safe, gen;
	struct fs_error err;
	struct text t = { 0 };
	double nft_base = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:s:t:d:f:N")) != -1) {
		switch (opt) {
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 's': rng = strtoull(optarg, NULL, 10) | 1; break;
		case 't': max_s = strtod(optarg, NULL); break;
		case 'd': dir = optarg; break;
		case 'f': safe_path = optarg; break;
		case 'N': nft = false; break;
		default: usage();
		}
	}
	if (optind != argc || n == 0 || n > 10000000 || !(max_s > 0))
		usage();
	for (size_t i = 0; i < NPLAT; i++) {
		struct vr_profile_error perr = { "" };

		if (vr_profile_find(&prof[i], dir, platforms[i], &perr) != 0)
			die("%s", perr.msg);
	}
	fs_ruleset_init(&safe);
	fs_ruleset_init(&gen);
	memset(&err, 0, sizeof err);
	if (fs_ruleset_load_file(&safe, safe_path, 0, &err) <= 0)
		die("%s: cannot read the safe mitigations", safe_path);
	for (unsigned long i = 0; i < n; i++)
		gen_rule(&t);
	if (fs_ruleset_load_text(&gen, t.p, t.n, "generated", 0, &err) != (int)n)
		die("generated rules do not parse: line %u: %s", err.line, err.msg);
	free(t.p);
	if (nft) {
		nft_base = nft_baseline();
		if (nft_base < 0) {
			printf("(nftables skipped: `unshare -n nft -f` failed; install "
			    "nftables and run as root)\n");
			nft = false;
		}
	}
	printf("bench-compile: %zu safe mitigations (repeated >= %.1f s), %zu "
	    "generated rules; modelled rows stop after %.1f s\n\n", safe.n,
	    SAFE_SECONDS, gen.n, max_s);
	printf("%-9s %-18s %-9s %8s %8s %12s %10s %9s %12s %10s\n", "set",
	    "platform", "mode", "rules", "rejected", "entries", "max KiB",
	    "seconds", "rules/s", "vs interval");
	bench_set("safe", &safe, prof, SAFE_SECONDS, max_s, nft, nft_base);
	bench_set("generated", &gen, prof, 0, max_s, nft, nft_base);
	fs_ruleset_free(&safe);
	fs_ruleset_free(&gen);
	for (size_t i = 0; i < NPLAT; i++)
		vr_profile_free(&prof[i]);
	return 0;
}
