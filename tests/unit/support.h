/*
 * support.h - what the Check unit tests share: a runner, the vectors, and
 * helpers to parse rules and hex in one line.
 */
#ifndef FC_TEST_SUPPORT_H
#define FC_TEST_SUPPORT_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "flowspec/rule.h"

/* Runs `s` and returns the process exit status (0 when all passed). */
int fc_run_suite(Suite *s);

/* Returns a newly allocated path under $FC_VECTORS, or aborts the test. */
char *fc_vectors_path(const char *name);
/* Returns a newly allocated path under $FC_SOURCE_ROOT. */
char *fc_source_path(const char *rel);

/* Decodes hex into buf; returns the number of octets, or -1. */
ssize_t fc_unhex(const char *hex, uint8_t *buf, size_t cap);
/* Writes lower-case hex of buf[0..n) into out (2n+1 octets). */
void fc_hex(const uint8_t *buf, size_t n, char *out);

/* Parses one-line rule text into r (initialised) or fails the test. */
void fc_parse_or_fail(const char *text, int family, struct fs_rule *r);

#endif
