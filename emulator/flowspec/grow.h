/*
 * grow.h - the one way this library grows an array.
 */
#ifndef FC_FLOWSPEC_GROW_H
#define FC_FLOWSPEC_GROW_H

#include <stddef.h>

/*
 * Makes *v (an array of *cap items of `size` octets) hold at least `need`
 * items, doubling from `min`.  Returns 0, or -1 with errno ENOMEM (and *v
 * untouched) when memory runs out or the size would overflow.
 */
int fs_grow(void **v, size_t *cap, size_t need, size_t size, size_t min);

#endif
