/*
 * arena.c - entry memory: anonymous mappings that start at one page and
 * double up to CHUNK_MAX, every slot written in full so that RSS grows
 * with each entry, and unmapped on free so that it goes back at once.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vrouter/arena.h"

#define CHUNK_MAX	((size_t)4 << 20)	/* large enough that mappings stay few */
#define FILL		0xa5			/* slot bytes past the entry: never zero pages */
#define FIELD_BYTES	18			/* type, ternary, a, b */
#define HEAD_BYTES	5			/* rule_id, nfields */
#define ENTRY_MIN	16
#define ENTRY_MAX	4096

struct chunk {
	uint8_t *base;
	size_t len;		/* mapped octets */
	size_t cap;		/* slots */
	size_t used;		/* slots written */
};

struct vr_arena {
	uint32_t entry_bytes;
	uint32_t write_ns;
	struct chunk *chunks;
	size_t nchunks, chunks_cap;
	size_t next_len;	/* size of the next mapping */
	uint64_t count;
	uint64_t bytes;
};

struct vr_arena *
vr_arena_new(uint32_t entry_bytes, uint32_t write_ns)
{
	struct vr_arena *a;
	long page = sysconf(_SC_PAGESIZE);

	if (entry_bytes < ENTRY_MIN || entry_bytes > ENTRY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof *a);
	if (a == NULL)
		return NULL;
	a->entry_bytes = entry_bytes;
	a->write_ns = write_ns;
	a->next_len = page > 0 ? (size_t)page : 4096;
	/* The first mapping holds at least one entry. */
	while (a->next_len < entry_bytes)
		a->next_len *= 2;
	return a;
}

/* Returns the chunk with a free slot, mapping one if needed; NULL with ENOMEM. */
static struct chunk *
free_chunk(struct vr_arena *a)
{
	struct chunk *c;
	void *base;

	if (a->nchunks > 0 && a->chunks[a->nchunks - 1].used <
	    a->chunks[a->nchunks - 1].cap)
		return &a->chunks[a->nchunks - 1];
	if (a->nchunks == a->chunks_cap) {
		size_t cap = a->chunks_cap ? a->chunks_cap * 2 : 16;
		struct chunk *v;

		if (cap > SIZE_MAX / sizeof *v) {
			errno = ENOMEM;
			return NULL;
		}
		v = realloc(a->chunks, cap * sizeof *v);
		if (v == NULL)
			return NULL;
		a->chunks = v;
		a->chunks_cap = cap;
	}
	base = mmap(NULL, a->next_len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	c = &a->chunks[a->nchunks++];
	c->base = base;
	c->len = a->next_len;
	c->cap = a->next_len / a->entry_bytes;
	c->used = 0;
	a->bytes += c->len;
	if (a->next_len < CHUNK_MAX)
		a->next_len *= 2;
	return c;
}

/* Returns `p` + 8 after storing `v` there, little-endian. */
static uint8_t *
put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
	return p + 8;
}

/* Returns the octets of `e` serialised into `buf` (room for every field). */
static size_t
serialise(const struct vr_entry *e, uint8_t *buf)
{
	uint8_t *p = buf;
	unsigned n = e->nfields <= FS_TYPE_MAX ? e->nfields : FS_TYPE_MAX;

	for (int i = 0; i < 4; i++)
		*p++ = (uint8_t)(e->rule_id >> (8 * i));
	*p++ = (uint8_t)n;
	for (unsigned i = 0; i < n; i++) {
		*p++ = e->field[i].type;
		*p++ = e->field[i].ternary;
		p = put64(p, e->field[i].a);
		p = put64(p, e->field[i].b);
	}
	return (size_t)(p - buf);
}

/* Returns the nanoseconds from `t0` to `t1`. */
static uint64_t
ns_between(const struct timespec *t0, const struct timespec *t1)
{
	return (uint64_t)(t1->tv_sec - t0->tv_sec) * 1000000000u +
	    (uint64_t)t1->tv_nsec - (uint64_t)t0->tv_nsec;
}

/* Spins for `ns`: a forwarding plane's CPU busy programming one entry. */
static void
spend(uint32_t ns)
{
	struct timespec t0, t;

	if (clock_gettime(CLOCK_MONOTONIC, &t0) != 0)
		return;
	do {
		if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
			return;
	} while (ns_between(&t0, &t) < ns);
}

int
vr_arena_push(const struct vr_entry *e, void *arena)
{
	struct vr_arena *a = arena;
	uint8_t buf[HEAD_BYTES + FS_TYPE_MAX * FIELD_BYTES];
	struct chunk *c;
	uint8_t *slot;
	size_t n;

	if (e == NULL || a == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (a->count == UINT64_MAX) {
		errno = ENOMEM;
		return -1;
	}
	c = free_chunk(a);
	if (c == NULL)
		return -1;
	slot = c->base + c->used * a->entry_bytes;
	n = serialise(e, buf);
	if (n > a->entry_bytes)
		n = a->entry_bytes;	/* a small slot keeps the head of the entry */
	memcpy(slot, buf, n);
	memset(slot + n, FILL, a->entry_bytes - n);
	c->used++;
	a->count++;
	if (a->write_ns > 0)
		spend(a->write_ns);
	return 0;
}

uint64_t
vr_arena_count(const struct vr_arena *a)
{
	return a != NULL ? a->count : 0;
}

uint64_t
vr_arena_bytes(const struct vr_arena *a)
{
	return a != NULL ? a->bytes : 0;
}

uint64_t
vr_arena_scan(const struct vr_arena *a)
{
	uint64_t h = 0xcbf29ce484222325u;	/* FNV-1a's basis, mixed per word */

	if (a == NULL)
		return 0;
	for (size_t i = 0; i < a->nchunks; i++) {
		const uint8_t *p = a->chunks[i].base;
		size_t len = a->chunks[i].used * a->entry_bytes, k = 0;
		uint64_t w;

		for (; k + 8 <= len; k += 8) {
			memcpy(&w, p + k, 8);
			h = (h ^ w) * 0x100000001b3u;
		}
		for (; k < len; k++)
			h = (h ^ p[k]) * 0x100000001b3u;
	}
	return h;
}

void
vr_arena_free(struct vr_arena *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->nchunks; i++)
		munmap(a->chunks[i].base, a->chunks[i].len);
	free(a->chunks);
	free(a);
}
