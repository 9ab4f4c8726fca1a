/*
 * fuzz_packet.c - libFuzzer target for the vrouter's packet parser and
 * matcher: the code that reads every frame an attacker can send.
 *
 * The input is a frame.  A parsed packet must lie inside it; then every
 * rule of a small fixed set is matched against it (ASan watches the reads).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowspec/text.h"
#include "vrouter/match.h"
#include "vrouter/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const rules[] = {
	"match destination 192.0.2.0/24 protocol udp source-port 53 packet-length >=512 then discard",
	"match protocol tcp tcp-flags =syn&!ack destination-port 80 443 then rate-limit 1000",
	"match fragment =is-fragment then discard",
	"match icmp-type 8 icmp-code 0 then rate-limit-packets 10",
	"match dscp 46 then mark 0",
	"match destination 2001:db8::/32 source ::1234:0:0:0/64 offset 16 flow-label 5 then discard",
	"match destination 2001:db8::/32 protocol udp port 123 then discard",
};
#define NRULES (sizeof rules / sizeof *rules)

static struct vr_match *matchers[NRULES];

/* Builds the matchers once. */
static void
init(void)
{
	for (size_t i = 0; i < NRULES; i++) {
		struct fs_rule r;
		struct fs_error e = { 0 };
		fs_rule_init(&r, FS_IPV4);
		if (fs_parse_rule(rules[i], strlen(rules[i]), 0, &r, &e) != 0) {
			fprintf(stderr, "fuzz_packet: rule %zu: %s\n", i, e.msg);
			abort();
		}
		if ((matchers[i] = vr_match_new(&r)) == NULL)
			abort();
		fs_rule_free(&r);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vr_packet p;

	if (matchers[0] == NULL)
		init();
	/* A copy of exactly `size` octets, so that ASan sees any overread. */
	uint8_t *frame = malloc(size ? size : 1);
	if (frame == NULL)
		return 0;
	memcpy(frame, data, size);
	if (vr_packet_parse(&p, frame, size) == 0) {
		if (p.l3_off > size || p.l3_len > size - p.l3_off)
			abort();
		for (size_t i = 0; i < NRULES; i++)
			(void)vr_match_packet(matchers[i], &p);
	}
	free(frame);
	return 0;
}
