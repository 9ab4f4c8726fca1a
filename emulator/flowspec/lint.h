/*
 * lint.h - the static checker: what a rule will do to the routers that
 * receive it, found in milliseconds before it is announced.
 *
 * Each finding has a stable code (docs/findings.md lists them all), the
 * index of the rule in the set, and a message that tells an operator the
 * consequence, not only the fault.
 */
#ifndef FC_FLOWSPEC_LINT_H
#define FC_FLOWSPEC_LINT_H

#include <stddef.h>
#include <stdint.h>
#include "rule.h"
#include "ruleset.h"

enum fs_severity { FS_SEV_INFO, FS_SEV_WARNING, FS_SEV_ERROR };

struct fs_lint_options {
	uint64_t max_packet;	/* largest packet on the network, bytes; default 9216 */
	uint64_t entry_limit;	/* filter entries one rule may need; default 4096 */
};

struct fs_finding {
	size_t rule;		/* index into the set */
	size_t related;		/* the other rule, or SIZE_MAX */
	enum fs_severity severity;
	const char *code;	/* stable, e.g. "packet-length-unreachable" */
	char message[512];
};

struct fs_findings {
	struct fs_finding *v;
	size_t n, cap;
};

#define FS_LINT_MAX_PACKET	9216
#define FS_LINT_ENTRY_LIMIT	4096

/* Fills `o` with the defaults. */
void fs_lint_options_default(struct fs_lint_options *o);

/*
 * Checks every rule of `set`, alone and against the others, and appends
 * the findings to `out` (initialised to zeroes, or holding earlier
 * findings), in rule order.  `o` may be NULL for the defaults.
 * Returns 0, or -1 with errno ENOMEM (`out` then holds what was found so
 * far and must still be freed) or EINVAL (set or out NULL).
 */
int fs_lint(const struct fs_ruleset *set, const struct fs_lint_options *o,
    struct fs_findings *out);

/* Frees the findings of `f`; `f` is left empty and valid. */
void fs_findings_free(struct fs_findings *f);

/* Returns "error", "warning" or "info" (or "?"). */
const char *fs_severity_name(enum fs_severity s);

/*
 * Returns the filter entries a TCAM router needs for `r`: the product,
 * over its numeric and bitmask components, of the ternary prefixes that
 * cover the component's values within its field (a range expanded into
 * value/mask pairs: destination-port 1-65534 is 30).  A bitmask component
 * counts the fewer of that and the value/mask entries its terms compile
 * to directly (=syn is one entry).  Prefix components count 1; a rule
 * that can match nothing counts 0.  Saturates at UINT64_MAX, which is
 * also returned when memory runs out (the cost could not be bounded).
 */
uint64_t fs_rule_entry_cost(const struct fs_rule *r);

#endif
