/*
 * grow.c - array growth with the overflow checks in one place.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"

int
fs_grow(void **v, size_t *cap, size_t need, size_t size, size_t min)
{
	size_t ncap;
	void *nv;

	if (need <= *cap)
		return 0;
	if (v == NULL || size == 0) {
		errno = EINVAL;
		return -1;
	}
	ncap = *cap > min ? *cap : (min ? min : 1);
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2) {
			errno = ENOMEM;
			return -1;
		}
		ncap *= 2;
	}
	nv = reallocarray(*v, ncap, size);
	if (nv == NULL) {
		errno = ENOMEM;
		return -1;
	}
	*v = nv;
	*cap = ncap;
	return 0;
}
