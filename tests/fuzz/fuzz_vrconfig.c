/*
 * fuzz_vrconfig.c - libFuzzer target for flowcanary-vrouter's two file
 * readers: its configuration and platform profiles.
 *
 * The same input is read as both.  A refusal must name the origin and a
 * line inside the input; an accepted file must keep the readers' promises:
 * a configuration has an AS, a listening address and a NULL-terminated
 * interface list; a profile's numbers are within the ranges the compilers
 * rely on.  Anything else aborts for libFuzzer to catch.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vrouter/config.h"
#include "vrouter/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_vrconfig: %s: %s\n", what, detail);
	abort();
}

/* Aborts unless err is "f:LINE: ..." with LINE within the input's lines. */
static void
check_error(const char *err, const uint8_t *data, size_t size)
{
	unsigned lines = 1, line = 0;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (strncmp(err, "f:", 2) != 0 || sscanf(err + 2, "%u", &line) != 1)
		fail("error without origin and line", err);
	if (line > lines)
		fail("error names a line past the input", err);
	if (strlen(err) < 6)
		fail("error without a message", err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vr_config c;
	struct vr_profile p;
	struct vr_profile_error perr;
	char err[512];

	if (vr_config_parse(&c, (const char *)data, size, "f", err, sizeof err) == 0) {
		if (c.asn == 0 || c.listen_len == 0)
			fail("accepted config", "no AS or no listening address");
		if (c.n_ifnames > VR_MAX_IFS || (c.ifnames && c.ifnames[c.n_ifnames]))
			fail("accepted config", "interface list not terminated");
		for (size_t i = 0; i < c.n_neighbors; i++)
			if (c.neighbors[i].asn == 0 || c.neighbors[i].addr_len == 0)
				fail("accepted config", "a neighbor without AS or address");
		vr_config_free(&c);
	} else {
		check_error(err, data, size);
	}
	memset(&perr, 0, sizeof perr);
	if (vr_profile_parse(&p, (const char *)data, size, "f", &perr) == 0) {
		if (p.counter_bits < 8 || p.counter_bits > 64)
			fail("accepted profile", "counter-bits out of range");
		if (p.entry_bytes < 16 || p.entry_bytes > 4096)
			fail("accepted profile", "entry-bytes out of range");
		vr_profile_free(&p);
	} else {
		check_error(perr.msg, data, size);
	}
	return 0;
}
