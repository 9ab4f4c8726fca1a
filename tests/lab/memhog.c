/*
 * memhog.c - a lab node's program that allocates memory at a steady
 * rate, touching every page so that it is really charged, until it is
 * killed or reaches a ceiling.  The lab tests give it a memory limit and
 * expect the runaway detector to fire before the OOM kill.
 *
 *   memhog MIB_PER_SECOND [CEILING_MIB]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STEP_MIB 2

/* Returns the value of a positive whole number argument, or exits. */
static unsigned long
arg(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 1u << 20) {
		fprintf(stderr, "memhog: %s must be a whole number 1..%u, not \"%s\"\n",
		    what, 1u << 20, s);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: memhog MIB_PER_SECOND [CEILING_MIB]\n");
		return 2;
	}
	unsigned long rate = arg(argv[1], "MIB_PER_SECOND");
	unsigned long ceiling = argc == 3 ? arg(argv[2], "CEILING_MIB") : 1ul << 20;
	/* One step of STEP_MIB every STEP_MIB/rate seconds. */
	long step_ns = (long)(1e9 * STEP_MIB / (double)rate);
	struct timespec pause = { step_ns / 1000000000L, step_ns % 1000000000L };
	/*
	 * Each block links to the one before, and pages are written through a
	 * volatile pointer: a compiler may otherwise drop an allocation that
	 * nothing reads (clang does), and the test would wait for nothing.
	 */
	void *chain = NULL;
	for (unsigned long held = 0; held < ceiling; held += STEP_MIB) {
		volatile char *p = malloc((size_t)STEP_MIB << 20);
		if (p == NULL) {
			fprintf(stderr, "memhog: malloc failed at %lu MiB\n", held);
			return 1;
		}
		for (size_t off = 0; off < (size_t)STEP_MIB << 20; off += 4096)
			p[off] = (char)off;
		memcpy((void *)p, &chain, sizeof chain);
		chain = (void *)p;
		nanosleep(&pause, NULL);
	}
	if (chain == NULL)
		return 1;
	for (;;)
		sleep(3600);
}
