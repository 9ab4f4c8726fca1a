/*
 * nlri.h - RFC 8955 / RFC 8956 NLRI codec.
 *
 * One NLRI is a length prefix (1 octet below 240, else 2 octets 0xfnnn)
 * followed by components in increasing type order.  The decoder checks
 * every bound before it reads; it never reads past `len`.
 */
#ifndef FC_FLOWSPEC_NLRI_H
#define FC_FLOWSPEC_NLRI_H

#include <sys/types.h>
#include "rule.h"
#include "error.h"

#define FS_NLRI_MAX_LEN 4095	/* the 12-bit extended length */

/* Decoder flags. */
#define FS_DECODE_STRICT 0x1	/* refuse readable but non-conformant input */

/*
 * Encodes the match of `r` (components sorted) into buf, length prefix
 * included.  Values of size 0 get the smallest size.  Returns the number
 * of octets written, or -1 with `err` set (FS_E_TOO_LONG, FS_E_NO_SPACE,
 * FS_E_FAMILY).
 */
ssize_t fs_nlri_encode(const struct fs_rule *r, uint8_t *buf, size_t cap,
    struct fs_error *err);

/*
 * Decodes one NLRI of `family` at the start of buf[0..len) into `out`
 * (initialised; cleared first).  Readable non-conformance is recorded in
 * out->nonconform, or refused under FS_DECODE_STRICT.  Returns the octets
 * consumed, or -1 with `err` set, err->offset naming the octet.
 */
ssize_t fs_nlri_decode(const uint8_t *buf, size_t len, int family,
    unsigned flags, struct fs_rule *out, struct fs_error *err);

/*
 * Encodes only component `idx` of `r` (type octet excluded) into buf.
 * Returns octets written or -1 with err.  The ordering of RFC 8955
 * section 5.1 compares these strings.
 */
ssize_t fs_component_encode(const struct fs_rule *r, unsigned idx,
    uint8_t *buf, size_t cap, struct fs_error *err);

/* Returns a sentence for one FS_NC_* bit. */
const char *fs_nonconformance_text(unsigned bit);

#endif
