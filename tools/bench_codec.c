/*
 * bench_codec.c - throughput of the Flowspec codec on one core.
 *
 *   bench-codec [-n RULES] [-t TEXT_RULES] [-s SEED]
 *
 * Generates RULES (default 1,000,000) deterministic pseudo-random valid
 * rules through the rule.h builders (a mix of IPv4 and IPv6 prefixes,
 * protocols, ports with ranges and OR-ed terms, packet lengths, TCP flags,
 * fragments, DSCP, flow labels and actions), encodes their NLRIs into one
 * buffer, then decodes the buffer back into one reused struct fs_rule.
 * Then prints and parses TEXT_RULES (default 100,000) rules in the one-line
 * syntax.  Only the codec calls are timed (CLOCK_MONOTONIC); generation and
 * the checks that follow are not.
 *
 * Every decoded and every parsed rule is checked afterwards against the
 * rule that was generated (regenerated from the same seed): a benchmark of
 * a codec that is wrong would measure nothing.  Exit status 1 if any check
 * fails, 2 on a usage error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flowspec/ecomm.h"
#include "flowspec/error.h"
#include "flowspec/nlri.h"
#include "flowspec/rule.h"
#include "flowspec/text.h"

#define BATCH 4096			/* rules generated per untimed step */
#define NLRI_CAP (FS_NLRI_MAX_LEN + 2)
#define TEXT_CAP 4096			/* generated rules print far shorter */

/* ---- deterministic generator: xorshift64* ---- */

static uint64_t rng;

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

/* Returns a number in [lo, hi]. */
static unsigned
between(unsigned lo, unsigned hi)
{
	return lo + below(hi - lo + 1);
}

static bool
chance(unsigned percent)
{
	return below(100) < percent;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench-codec: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
must(int rc, const char *what)
{
	if (rc != 0)
		die(what);
}

static void
term(struct fs_rule *r, uint8_t op, uint64_t value)
{
	must(fs_rule_add_term(r, op, value, 0), "fs_rule_add_term");
}

/* Random prefix of `family`: bits outside [offset, len) are zero. */
static void
add_prefix(struct fs_rule *r, unsigned type)
{
	struct fs_prefix p;
	unsigned bits;

	memset(&p, 0, sizeof p);
	if (r->family == FS_IPV6) {
		static const uint8_t lens[] = { 32, 48, 56, 64, 64, 128, 128 };
		p.len = lens[below(sizeof lens)];
		p.addr[0] = 0x20;
		p.addr[1] = 0x01;
		p.addr[2] = 0x0d;
		p.addr[3] = 0xb8;
		for (unsigned i = 4; i < 16; i++)
			p.addr[i] = (uint8_t)rnd();
		if (chance(5))	/* RFC 8956 offset */
			p.offset = (uint8_t)between(8, p.len > 64 ? 64 : p.len - 8);
		bits = 128;
	} else {
		static const uint8_t lens[] = { 8, 16, 22, 24, 24, 28, 32, 32, 32 };
		uint32_t a = (uint32_t)rnd();
		p.len = lens[below(sizeof lens)];
		p.addr[0] = (uint8_t)(a >> 24);
		p.addr[1] = (uint8_t)(a >> 16);
		p.addr[2] = (uint8_t)(a >> 8);
		p.addr[3] = (uint8_t)a;
		bits = 32;
	}
	for (unsigned b = 0; b < bits; b++)
		if (b < p.offset || b >= p.len)
			p.addr[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	must(fs_rule_add_prefix(r, type, &p), "fs_rule_add_prefix");
}

/* Port terms: single ports, ranges and open ranges, 1 to 3 OR-ed. */
static void
add_ports(struct fs_rule *r, unsigned type)
{
	static const uint16_t common[] = { 22, 25, 53, 80, 123, 161, 389, 443,
		1900, 3389, 5060, 8080, 11211 };
	unsigned n = chance(30) ? between(2, 3) : 1;

	must(fs_rule_add_component(r, type), "fs_rule_add_component");
	for (unsigned i = 0; i < n; i++) {
		unsigned k = below(10), lo, hi;

		if (k < 5) {
			term(r, FS_NUM_EQ, common[below(sizeof common / sizeof common[0])]);
		} else if (k < 8) {
			lo = between(1, 60000);
			hi = between(lo, lo + 5000 > 65535 ? 65535 : lo + 5000);
			term(r, FS_NUM_GT | FS_NUM_EQ, lo);
			term(r, FS_OP_AND | FS_NUM_LT | FS_NUM_EQ, hi);
		} else if (k < 9) {
			term(r, FS_NUM_GT | FS_NUM_EQ, 1024);
		} else {
			term(r, FS_NUM_LT, 1024);
		}
	}
}

static void
add_packet_length(struct fs_rule *r)
{
	unsigned k = below(10), lo;

	must(fs_rule_add_component(r, FS_PKT_LEN), "fs_rule_add_component");
	if (k < 6) {
		lo = between(0, 1500);
		term(r, FS_NUM_GT | FS_NUM_EQ, lo);
		term(r, FS_OP_AND | FS_NUM_LT | FS_NUM_EQ, between(lo, 9216));
	} else if (k < 8) {
		term(r, FS_NUM_LT, between(20, 128));
	} else {
		term(r, FS_NUM_GT, between(512, 1500));
	}
}

static void
add_tcp_flags(struct fs_rule *r)
{
	static const uint8_t flags[] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x12, 0x20 };
	unsigned k = below(4);

	must(fs_rule_add_component(r, FS_TCP_FLAGS), "fs_rule_add_component");
	if (k == 0) {			/* syn&!ack */
		term(r, 0, 0x02);
		term(r, FS_OP_AND | FS_BM_NOT, 0x10);
	} else if (k == 1) {		/* =flags */
		term(r, FS_BM_MATCH, flags[below(sizeof flags)]);
	} else if (k == 2) {		/* !flags */
		term(r, FS_BM_NOT, flags[below(sizeof flags)]);
	} else {			/* any of two */
		term(r, 0, flags[below(sizeof flags)]);
		term(r, 0, flags[below(sizeof flags)]);
	}
}

static void
add_fragment(struct fs_rule *r)
{
	static const uint8_t v4[] = { 0, FS_FRAG_DF, FS_FRAG_ISF, FS_FRAG_FF, FS_FRAG_LF };
	static const uint8_t v6[] = { 0, FS_FRAG_ISF, FS_FRAG_FF, FS_FRAG_LF };
	uint8_t v = r->family == FS_IPV6 ? v6[below(sizeof v6)] : v4[below(sizeof v4)];

	must(fs_rule_add_component(r, FS_FRAGMENT), "fs_rule_add_component");
	term(r, chance(50) ? FS_BM_MATCH : 0, v);
}

static void
add_actions(struct fs_rule *r)
{
	static const float rates[] = { 1000, 125000, 1250000, 12500000, 125000000 };
	struct fs_action a;
	unsigned k = below(100);

	if (k < 60)
		fs_ec_rate(&a, false, 0, 0);
	else if (k < 80)
		fs_ec_rate(&a, false, chance(20) ? 65000 : 0, rates[below(5)]);
	else if (k < 85)
		fs_ec_rate(&a, true, 0, (float)between(100, 100000));
	else if (k < 95)
		fs_ec_redirect_as2(&a, (uint16_t)between(64512, 65534), between(1, 1000));
	else
		fs_ec_mark(&a, (uint8_t)below(64));
	must(fs_rule_add_action(r, a.ec), "fs_rule_add_action");
	if (chance(5)) {
		fs_ec_traffic_action(&a, chance(50), chance(50));
		must(fs_rule_add_action(r, a.ec), "fs_rule_add_action");
	}
}

/* Fills `r` with the next pseudo-random valid rule. */
static void
gen_rule(struct fs_rule *r)
{
	static const uint8_t protos[] = { 6, 6, 6, 6, 17, 17, 17, 17, 1, 47 };
	int family = chance(75) ? FS_IPV4 : FS_IPV6;
	unsigned proto = 0;

	fs_rule_clear(r, family);
	if (chance(90))
		add_prefix(r, FS_DST);
	if (chance(35))
		add_prefix(r, FS_SRC);
	if (chance(75)) {
		proto = protos[below(sizeof protos)];
		if (proto == 1 && family == FS_IPV6)
			proto = 58;
		must(fs_rule_add_component(r, FS_PROTO), "fs_rule_add_component");
		term(r, FS_NUM_EQ, proto);
		if (chance(15) && (proto == 6 || proto == 17))
			term(r, FS_NUM_EQ, proto == 6 ? 17 : 6);
	}
	if (proto == 0 || proto == 6 || proto == 17) {
		if (chance(55))
			add_ports(r, FS_DPORT);
		if (chance(20))
			add_ports(r, FS_SPORT);
		if (chance(8))
			add_ports(r, FS_PORT);
	}
	if (proto == 1 || proto == 58) {
		if (chance(70)) {
			static const uint8_t types[] = { 0, 3, 8, 11 };
			must(fs_rule_add_component(r, FS_ICMP_TYPE), "fs_rule_add_component");
			term(r, FS_NUM_EQ, types[below(sizeof types)]);
		}
		if (chance(30)) {
			must(fs_rule_add_component(r, FS_ICMP_CODE), "fs_rule_add_component");
			term(r, FS_NUM_EQ, below(16));
		}
	}
	if (proto == 6 && chance(30))
		add_tcp_flags(r);
	if (chance(30))
		add_packet_length(r);
	if (chance(10)) {
		must(fs_rule_add_component(r, FS_DSCP), "fs_rule_add_component");
		term(r, FS_NUM_EQ, below(64));
		if (chance(30))
			term(r, FS_NUM_EQ, below(64));
	}
	if (chance(10))
		add_fragment(r);
	if (family == FS_IPV6 && chance(10)) {
		must(fs_rule_add_component(r, FS_FLOW_LABEL), "fs_rule_add_component");
		term(r, FS_NUM_EQ, below(1u << 20));
	}
	if (r->ncomp == 0)
		add_prefix(r, FS_DST);
	add_actions(r);
	fs_rule_sort(r);
}

/* ---- timing and output ---- */

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
row(const char *direction, size_t rules, double secs, size_t bytes)
{
	printf("%-14s %10zu %10.3f %14.0f %10.1f\n", direction, rules, secs,
	    secs > 0 ? (double)rules / secs : 0.0,
	    secs > 0 ? (double)bytes / secs / 1e6 : 0.0);
}

/* Grows *buf to hold `need` octets, touching new pages outside the timing. */
static void
reserve(uint8_t **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap != 0 ? *cap : 1 << 20;
	uint8_t *p;

	if (need <= *cap)
		return;
	while (ncap < need)
		ncap *= 2;
	if ((p = realloc(*buf, ncap)) == NULL)
		die("realloc");
	memset(p + *cap, 0, ncap - *cap);
	*buf = p;
	*cap = ncap;
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench-codec [-n RULES] [-t TEXT_RULES] [-s SEED]\n");
	exit(2);
}

static unsigned long
number(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 100000000ULL)
		usage();
	return (unsigned long)v;
}

int
main(int argc, char **argv)
{
	size_t n = 1000000, text_n = 100000;
	uint64_t seed = 0x0f10ca7a2013ULL;
	struct fs_rule *batch, r, back;
	struct fs_error err;
	uint8_t *wire = NULL, *fam, *tfam, *text = NULL, enc[NLRI_CAP];
	size_t wire_cap = 0, wire_len = 0, text_cap = 0, text_len = 0;
	size_t *text_off, decoded = 0, bad = 0;
	double t, t_enc = 0, t_dec, t_print = 0, t_parse;
	int opt;

	while ((opt = getopt(argc, argv, "n:t:s:h")) != -1) {
		switch (opt) {
		case 'n': n = number(optarg); break;
		case 't': text_n = number(optarg); break;
		case 's': seed = number(optarg); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	batch = calloc(BATCH, sizeof(*batch));
	fam = malloc(n);
	tfam = malloc(text_n);
	text_off = malloc((text_n + 1) * sizeof(*text_off));
	if (batch == NULL || fam == NULL || tfam == NULL || text_off == NULL)
		die("malloc");
	for (size_t i = 0; i < BATCH; i++)
		fs_rule_init(&batch[i], FS_IPV4);
	fs_rule_init(&r, FS_IPV4);
	fs_rule_init(&back, FS_IPV4);
	memset(&err, 0, sizeof err);

	/* Encode: generate a batch (untimed), encode it (timed). */
	rng = seed;
	for (size_t done = 0; done < n; ) {
		size_t k = n - done < BATCH ? n - done : BATCH;

		for (size_t i = 0; i < k; i++)
			gen_rule(&batch[i]);
		reserve(&wire, &wire_cap, wire_len + k * NLRI_CAP);
		t = seconds();
		for (size_t i = 0; i < k; i++) {
			ssize_t w = fs_nlri_encode(&batch[i], wire + wire_len,
			    wire_cap - wire_len, &err);
			if (w < 0) {
				fprintf(stderr, "bench-codec: encode of rule %zu: %s\n",
				    done + i, err.msg);
				return 1;
			}
			wire_len += (size_t)w;
		}
		t_enc += seconds() - t;
		for (size_t i = 0; i < k; i++)
			fam[done + i] = batch[i].family;
		done += k;
	}

	/* Decode: the whole buffer, one reused rule. */
	{
		size_t off = 0;

		t = seconds();
		for (size_t i = 0; i < n; i++) {
			ssize_t c = fs_nlri_decode(wire + off, wire_len - off, fam[i],
			    0, &r, &err);
			if (c < 0)
				break;
			off += (size_t)c;
			decoded++;
		}
		t_dec = seconds() - t;
		if (decoded != n || off != wire_len) {
			fprintf(stderr, "bench-codec: decoded %zu of %zu rules (%zu of %zu octets): %s\n",
			    decoded, n, off, wire_len, err.msg);
			bad++;
		}
	}

	/* Check (untimed): each decoded rule is conformant and re-encodes to its octets. */
	{
		size_t off = 0;

		for (size_t i = 0; i < decoded; i++) {
			ssize_t c = fs_nlri_decode(wire + off, wire_len - off, fam[i],
			    FS_DECODE_STRICT, &r, &err);
			ssize_t w = c < 0 ? -1 : fs_nlri_encode(&r, enc, sizeof enc, &err);
			if (c < 0 || w != c || memcmp(enc, wire + off, (size_t)c) != 0) {
				if (bad++ < 5)
					fprintf(stderr, "bench-codec: rule %zu does not round-trip%s%s\n",
					    i, c < 0 ? ": " : "", c < 0 ? err.msg : "");
				if (c < 0)
					break;
			}
			off += (size_t)c;
		}
	}

	/* Text: print (timed) into one buffer, then parse it all (timed). */
	rng = seed;
	for (size_t done = 0; done < text_n; ) {
		size_t k = text_n - done < BATCH ? text_n - done : BATCH;

		for (size_t i = 0; i < k; i++)
			gen_rule(&batch[i]);
		reserve(&text, &text_cap, text_len + k * TEXT_CAP);
		t = seconds();
		for (size_t i = 0; i < k; i++) {
			int w = fs_print_rule(&batch[i], (char *)text + text_len, TEXT_CAP);
			if (w < 0 || w >= TEXT_CAP) {
				fprintf(stderr, "bench-codec: print of rule %zu failed\n", done + i);
				return 1;
			}
			text_off[done + i] = text_len;
			tfam[done + i] = batch[i].family;
			text_len += (size_t)w + 1;	/* keep the NUL */
		}
		t_print += seconds() - t;
		done += k;
	}
	text_off[text_n] = text_len;
	{
		size_t parsed = 0;

		t = seconds();
		for (size_t i = 0; i < text_n; i++) {
			if (fs_parse_rule((char *)text + text_off[i],
			    text_off[i + 1] - text_off[i] - 1, tfam[i], &r, &err) != 0)
				break;
			parsed++;
		}
		t_parse = seconds() - t;
		if (parsed != text_n) {
			fprintf(stderr, "bench-codec: parsed %zu of %zu rules: column %u: %s\n  %s\n",
			    parsed, text_n, err.column, err.msg,
			    (char *)text + text_off[parsed]);
			bad++;
		}
	}

	/* Check (untimed): each parsed rule is the generated one. */
	rng = seed;
	for (size_t i = 0; i < text_n; i++) {
		uint8_t enc2[NLRI_CAP];
		ssize_t a, b;

		gen_rule(&back);
		if (fs_parse_rule((char *)text + text_off[i],
		    text_off[i + 1] - text_off[i] - 1, back.family, &r, &err) != 0)
			break;	/* counted above */
		a = fs_nlri_encode(&back, enc, sizeof enc, &err);
		b = fs_nlri_encode(&r, enc2, sizeof enc2, &err);
		if (a < 0 || a != b || memcmp(enc, enc2, (size_t)a) != 0 ||
		    !fs_rule_actions_equal(&back, &r)) {
			if (bad++ < 5)
				fprintf(stderr, "bench-codec: text rule %zu reads back differently: %s\n",
				    i, (char *)text + text_off[i]);
		}
	}

	printf("flowcanary codec benchmark: one core, seed %#llx\n",
	    (unsigned long long)seed);
	printf("%zu rules, %zu NLRI octets (%.1f per rule); %zu text rules, %zu text octets (%.1f per rule)\n\n",
	    n, wire_len, (double)wire_len / (double)n, text_n, text_len - text_n,
	    (double)(text_len - text_n) / (double)text_n);
	printf("%-14s %10s %10s %14s %10s\n", "direction", "rules", "seconds",
	    "rules/s", "MB/s");
	row("encode (wire)", n, t_enc, wire_len);
	row("decode (wire)", decoded, t_dec, wire_len);
	row("print (text)", text_n, t_print, text_len - text_n);
	row("parse (text)", text_n, t_parse, text_len - text_n);
	printf("\ndecoded %zu of %zu encoded rules; checks: %s\n", decoded, n,
	    bad == 0 ? "all rules round-trip" : "FAILED");

	for (size_t i = 0; i < BATCH; i++)
		fs_rule_free(&batch[i]);
	fs_rule_free(&r);
	fs_rule_free(&back);
	free(batch);
	free(fam);
	free(tfam);
	free(text_off);
	free(wire);
	free(text);
	return bad == 0 ? 0 : 1;
}
