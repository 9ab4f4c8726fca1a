/*
 * dst_index.h - rules by destination prefix, so that the linter compares
 * a rule only with the rules that could contain it.
 *
 * A rule can contain another only if its destination contains the
 * other's (or it has none, or one that compares no bit).  Sorting the
 * destinations once and looking up each prefix of a rule's destination
 * turns the all-pairs scan into a few binary searches per rule.
 */
#ifndef FC_FLOWSPEC_DST_INDEX_H
#define FC_FLOWSPEC_DST_INDEX_H

#include <stddef.h>
#include "ruleset.h"

struct fs_dst_key;

struct fs_dst_index {
	struct fs_dst_key *keys;	/* rules with a destination, sorted */
	size_t nkeys;
	size_t *open;		/* rules any destination fits: none, or no bit */
	size_t nopen;
};

/* Indexes the rules of `set`. Returns 0, or -1 with errno ENOMEM. */
int fs_dst_index_build(struct fs_dst_index *x, const struct fs_ruleset *set);
void fs_dst_index_free(struct fs_dst_index *x);

/*
 * Fills *out (grown with fs_grow, capacity *cap) with the indexes, in
 * increasing order, of every rule whose destination could contain rule
 * i's (`exact`: could equal it).  A superset: the caller still compares.
 * Returns the count, or -1 with errno ENOMEM.
 */
long fs_dst_candidates(const struct fs_dst_index *x, const struct fs_ruleset *set,
    size_t i, int exact, size_t **out, size_t *cap);

#endif
