/*
 * arena.h - the memory of compiled filter entries.
 *
 * A forwarding plane keeps a RAM shadow of every entry it programs; this
 * is that memory, allocated for real and written in full, so that the
 * node's RSS and its cgroup's usage show what a rule costs.  Each rule
 * owns one arena, so removing a rule returns its memory to the kernel
 * (chunks are mapped, not taken from the heap: the first is one page,
 * each next one twice as large, up to 4 MiB).
 */
#ifndef FC_VROUTER_ARENA_H
#define FC_VROUTER_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "compile.h"

struct vr_arena;

/*
 * Returns an empty arena of entries `entry_bytes` long (16..4096), or
 * NULL with errno (EINVAL, ENOMEM).  `write_ns` is the CPU time spent
 * writing each entry, as a forwarding plane spends it programming one.
 */
struct vr_arena *vr_arena_new(uint32_t entry_bytes, uint32_t write_ns);

/*
 * Writes `e` into a new slot (every byte of it: the entry, then a fill
 * pattern; a slot smaller than the entry keeps its head), then spends the
 * arena's `write_ns`.  Returns 0, or -1 with errno ENOMEM (or EINVAL for
 * NULL).  Matches vr_entry_fn, with the arena as `ud`.
 */
int vr_arena_push(const struct vr_entry *e, void *arena);

/* Returns the number of entries held. */
uint64_t vr_arena_count(const struct vr_arena *a);

/* Returns the bytes mapped for the arena (entries and chunk slack). */
uint64_t vr_arena_bytes(const struct vr_arena *a);

/*
 * Reads every entry, as a software slow path walks its table for each
 * packet.  Returns a digest of what was read (so that the walk cannot be
 * optimised away); the caller may ignore it.
 */
uint64_t vr_arena_scan(const struct vr_arena *a);

/* Unmaps every chunk and frees the arena (NULL is fine). */
void vr_arena_free(struct vr_arena *a);

#endif
