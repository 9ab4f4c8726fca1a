/*
 * test_profile.c - platform profiles: the shipped files, the defaults, and
 * every refusal with the FILE:LINE it names.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"
#include "vrouter/profile.h"

/* Returns the shipped profile directory (free it). */
static char *
platform_dir(void)
{
	return fc_source_path("faults/platforms");
}

/* Parses `text` as "t.platform" and asserts success. */
static void
parse_ok(struct vr_profile *p, const char *text)
{
	struct vr_profile_error err = { "" };

	ck_assert_msg(vr_profile_parse(p, text, strlen(text), "t.platform",
	    &err) == 0, "%s", err.msg);
}

/* Asserts that `text` is refused with a message that starts with `where` and holds `what`. */
static void
parse_fails(const char *text, const char *where, const char *what)
{
	struct vr_profile p;
	struct vr_profile_error err = { "" };

	vr_profile_defaults(&p);
	ck_assert_int_eq(vr_profile_parse(&p, text, strlen(text), "t.platform",
	    &err), -1);
	ck_assert_msg(strncmp(err.msg, where, strlen(where)) == 0,
	    "message \"%s\" does not start with \"%s\"", err.msg, where);
	ck_assert_msg(strstr(err.msg, what) != NULL,
	    "message \"%s\" does not say \"%s\"", err.msg, what);
	/* A refused profile holds nothing and is back to the defaults. */
	ck_assert_ptr_null(p.description);
	ck_assert_int_eq(p.range, VR_RANGE_INTERVAL);
	ck_assert_uint_eq(p.capacity, 0);
}

/* Writes `len` octets of `text` to a new temporary file; returns its path (free it). */
static char *
temp_file(const char *text, size_t len)
{
	char *path = strdup("/tmp/fc-profile-XXXXXX");
	int fd;

	ck_assert_ptr_nonnull(path);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

START_TEST(defaults)
{
	struct vr_profile p, q;

	vr_profile_defaults(&p);
	ck_assert_int_eq(p.range, VR_RANGE_INTERVAL);
	ck_assert(!p.cross_product);
	ck_assert_int_eq(p.wide, VR_WIDE_CLAMP);
	ck_assert_uint_eq(p.capacity, 0);
	ck_assert_int_eq(p.at_capacity, VR_FULL_REJECT);
	ck_assert_int_eq(p.update, VR_UPDATE_INCREMENTAL);
	ck_assert_uint_eq(p.entry_write_ns, 0);
	ck_assert_ptr_null(p.description);
	ck_assert_uint_ge(p.counter_bits, 8);
	ck_assert_uint_le(p.counter_bits, 64);
	ck_assert_uint_ge(p.entry_bytes, 16);
	ck_assert_uint_le(p.entry_bytes, 4096);
	/* Only comments and blanks: the defaults, named after the file. */
	parse_ok(&q, "# nothing here\n\n   \t\n# more\n");
	ck_assert_str_eq(q.name, "t");
	ck_assert_int_eq(q.range, p.range);
	ck_assert_uint_eq(q.counter_bits, p.counter_bits);
	ck_assert_uint_eq(q.entry_bytes, p.entry_bytes);
	vr_profile_free(&q);
	parse_ok(&q, "");
	ck_assert_str_eq(q.name, "t");
	vr_profile_free(&q);
}
END_TEST

START_TEST(every_key)
{
	struct vr_profile p;

	parse_ok(&p,
	    "# a profile with every key\n"
	    "name = lab-box_2.0\n"
	    "description = a box  # with a comment\n"
	    "range = per-value\n"
	    "counter-bits = 24\n"
	    "cross-product = yes\n"
	    "wide-value = keep\n"
	    "entry-bytes = 4096\n"
	    "capacity = 18446744073709551615\n"
	    "at-capacity = spill\n"
	    "update = full-recompile\n"
	    "entry-write-ns = 1000000000\n");
	ck_assert_str_eq(p.name, "lab-box_2.0");
	ck_assert_str_eq(p.description, "a box");
	ck_assert_int_eq(p.range, VR_RANGE_PER_VALUE);
	ck_assert_uint_eq(p.counter_bits, 24);
	ck_assert(p.cross_product);
	ck_assert_int_eq(p.wide, VR_WIDE_KEEP);
	ck_assert_uint_eq(p.entry_bytes, 4096);
	ck_assert_uint_eq(p.capacity, UINT64_MAX);
	ck_assert_int_eq(p.at_capacity, VR_FULL_SPILL);
	ck_assert_int_eq(p.update, VR_UPDATE_FULL);
	ck_assert_uint_eq(p.entry_write_ns, 1000000000u);
	vr_profile_free(&p);
	ck_assert_ptr_null(p.description);
	ck_assert_int_eq(p.range, VR_RANGE_INTERVAL);
}
END_TEST

START_TEST(layout)
{
	struct vr_profile p;

	/* CRLF lines, blanks around '=', a '#' inside a word, no final newline. */
	parse_ok(&p, "  range\t=\tprefix  \r\ndescription = rule#1 box\r\n"
	    "counter-bits=8");
	ck_assert_int_eq(p.range, VR_RANGE_PREFIX);
	ck_assert_str_eq(p.description, "rule#1 box");
	ck_assert_uint_eq(p.counter_bits, 8);
	vr_profile_free(&p);
}
END_TEST

START_TEST(mode_words)
{
	static const char *const keys[] = { "range", "wide-value",
		"at-capacity", "update" };
	static const unsigned counts[] = { 3, 3, 2, 2 };

	/* Each printed word reads back as the mode it names. */
	for (unsigned k = 0; k < 4; k++) {
		for (unsigned m = 0; m < counts[k]; m++) {
			const char *word = k == 0 ? vr_range_mode_name(m) :
			    k == 1 ? vr_wide_value_name(m) :
			    k == 2 ? vr_full_action_name(m) : vr_update_mode_name(m);
			char text[80];
			struct vr_profile p;
			unsigned got;

			ck_assert_str_ne(word, "?");
			snprintf(text, sizeof text, "%s = %s\n", keys[k], word);
			parse_ok(&p, text);
			got = k == 0 ? (unsigned)p.range : k == 1 ? (unsigned)p.wide :
			    k == 2 ? (unsigned)p.at_capacity : (unsigned)p.update;
			ck_assert_uint_eq(got, m);
			vr_profile_free(&p);
		}
	}
	ck_assert_str_eq(vr_range_mode_name(99), "?");
	ck_assert_str_eq(vr_wide_value_name(99), "?");
	ck_assert_str_eq(vr_full_action_name(99), "?");
	ck_assert_str_eq(vr_update_mode_name(99), "?");
}
END_TEST

START_TEST(unknown_key)
{
	parse_fails("range = prefix\n# c\nranges = prefix\n", "t.platform:3: ",
	    "unknown key \"ranges\"");
	parse_fails("\n\n\n\ntrigger = 99971\n", "t.platform:5: ",
	    "unknown key \"trigger\"");
	parse_fails("range prefix\n", "t.platform:1: ", "expected \"range = VALUE\"");
}
END_TEST

START_TEST(bad_values)
{
	parse_fails("range = ranges\n", "t.platform:1: ",
	    "bad value \"ranges\" for range: expected interval, prefix or per-value");
	parse_fails("\ncross-product = maybe\n", "t.platform:2: ",
	    "bad value \"maybe\" for cross-product");
	parse_fails("wide-value = wrap\n", "t.platform:1: ", "for wide-value");
	parse_fails("at-capacity = drop\n", "t.platform:1: ", "for at-capacity");
	parse_fails("update = lazy\n", "t.platform:1: ", "for update");
	parse_fails("range = Prefix\n", "t.platform:1: ", "for range");
	parse_fails("capacity = 12k\n", "t.platform:1: ",
	    "bad value \"12k\" for capacity: expected a decimal number");
	parse_fails("capacity = -1\n", "t.platform:1: ", "for capacity");
	parse_fails("capacity = 0x10\n", "t.platform:1: ", "for capacity");
	parse_fails("entry-bytes = 64 128\n", "t.platform:1: ", "for entry-bytes");
	parse_fails("range =\n", "t.platform:1: ", "range has no value");
	parse_fails("range = # comment\n", "t.platform:1: ", "range has no value");
	parse_fails("range == prefix\n", "t.platform:1: ", "for range");
	parse_fails("name = ../etc\n", "t.platform:1: ", "bad value \"../etc\" for name");
	parse_fails("name = .hidden\n", "t.platform:1: ", "for name");
	parse_fails("name = "
	    "a123456789012345678901234567890123456789012345678901234567890123\n",
	    "t.platform:1: ", "for name");
	parse_fails("range = prefix\nrange\n", "t.platform:2: ",
	    "expected \"range = VALUE\"");
}
END_TEST

START_TEST(nul_octet)
{
	static const char text[] = "range = prefix\nname = a\0b\n";
	struct vr_profile p;
	struct vr_profile_error err = { "" };

	ck_assert_int_eq(vr_profile_parse(&p, text, sizeof text - 1, "t.platform",
	    &err), -1);
	ck_assert_str_eq(err.msg, "t.platform:2: NUL octet in the line");
}
END_TEST

START_TEST(out_of_range)
{
	parse_fails("counter-bits = 7\n", "t.platform:1: ",
	    "counter-bits 7 is out of range: 8 to 64");
	parse_fails("counter-bits = 65\n", "t.platform:1: ",
	    "counter-bits 65 is out of range: 8 to 64");
	parse_fails("entry-bytes = 15\n", "t.platform:1: ",
	    "entry-bytes 15 is out of range: 16 to 4096");
	parse_fails("#\nentry-bytes = 4097\n", "t.platform:2: ",
	    "entry-bytes 4097 is out of range: 16 to 4096");
	parse_fails("capacity = 18446744073709551616\n", "t.platform:1: ",
	    "capacity 18446744073709551616 is out of range");
	parse_fails("entry-write-ns = 1000000001\n", "t.platform:1: ",
	    "entry-write-ns 1000000001 is out of range: 0 to 1000000000");
	parse_fails("counter-bits = 99999999999999999999999\n", "t.platform:1: ",
	    "is out of range");
}
END_TEST

START_TEST(duplicate_key)
{
	parse_fails("range = prefix\ncapacity = 10\n\nrange = interval\n",
	    "t.platform:4: ", "duplicate key \"range\" (first on line 1)");
	/* The same value twice is still a duplicate. */
	parse_fails("# c\ncapacity = 10\ncapacity = 10\n", "t.platform:3: ",
	    "duplicate key \"capacity\" (first on line 2)");
}
END_TEST

START_TEST(unreadable)
{
	struct vr_profile p;
	struct vr_profile_error err = { "" };
	char want[256];

	ck_assert_int_eq(vr_profile_load(&p, "/nonexistent/x.platform", &err), -1);
	snprintf(want, sizeof want, "/nonexistent/x.platform: %s", strerror(ENOENT));
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(vr_profile_load(&p, "/tmp", &err), -1);
	ck_assert_str_eq(err.msg, "/tmp: not a regular file");
	ck_assert_ptr_null(p.description);
}
END_TEST

START_TEST(too_large)
{
	size_t len = 64 * 1024 + 1;
	char *text = malloc(len), *path;
	struct vr_profile p;
	struct vr_profile_error err = { "" };

	ck_assert_ptr_nonnull(text);
	memset(text, '#', len);
	text[len - 1] = '\n';
	path = temp_file(text, len);
	ck_assert_int_eq(vr_profile_load(&p, path, &err), -1);
	ck_assert_msg(strncmp(err.msg, path, strlen(path)) == 0 &&
	    strstr(err.msg, "larger than 65536") != NULL, "%s", err.msg);
	/* One octet less is a profile of comments. */
	unlink(path);
	free(path);
	text[len - 2] = '\n';
	path = temp_file(text, len - 1);
	ck_assert_msg(vr_profile_load(&p, path, &err) == 0, "%s", err.msg);
	vr_profile_free(&p);
	unlink(path);
	free(path);
	free(text);
}
END_TEST

START_TEST(load_names_file)
{
	static const char text[] = "range = prefix\n\ncounter-bits = 3\n";
	char *path = temp_file(text, sizeof text - 1), want[300];
	struct vr_profile p;
	struct vr_profile_error err = { "" };

	ck_assert_int_eq(vr_profile_load(&p, path, &err), -1);
	snprintf(want, sizeof want, "%s:3: counter-bits 3 is out of range", path);
	ck_assert_msg(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(bad_names)
{
	static const char *const bad[] = { "", ".", ".tcam", "tc am", "tcam\n",
		"tcam;rm", "tcäm", "t*",
		"a1234567890123456789012345678901234567890123456789012345678901234" };
	char *dir = platform_dir();
	struct vr_profile p;
	struct vr_profile_error err = { "" };

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err.msg[0] = '\0';
		ck_assert_int_eq(vr_profile_find(&p, dir, bad[i], &err), -1);
		ck_assert_msg(strstr(err.msg, "bad platform name") != NULL,
		    "%s: %s", bad[i], err.msg);
	}
	/* A good name that is not there names the path it tried. */
	ck_assert_int_eq(vr_profile_find(&p, dir, "no-such-platform", &err), -1);
	ck_assert_msg(strstr(err.msg, "/no-such-platform.platform: ") != NULL &&
	    strstr(err.msg, strerror(ENOENT)) != NULL, "%s", err.msg);
	free(dir);
}
END_TEST

/* The settings each shipped profile is meant to have. */
struct shipped {
	const char *name;
	enum vr_range_mode range;
	bool cross;
	enum vr_wide_value wide;
	uint32_t entry_bytes;
	uint64_t capacity;
	enum vr_full_action full;
	enum vr_update_mode update;
	uint32_t write_ns;
};

static const struct shipped shipped[] = {
	{ "interval-firewall", VR_RANGE_INTERVAL, false, VR_WIDE_CLAMP, 64,
	  1048576, VR_FULL_REJECT, VR_UPDATE_INCREMENTAL, 0 },
	{ "tcam", VR_RANGE_PREFIX, true, VR_WIDE_REJECT, 64, 4096,
	  VR_FULL_REJECT, VR_UPDATE_INCREMENTAL, 1000 },
	{ "value-walk-16bit", VR_RANGE_PER_VALUE, false, VR_WIDE_KEEP, 64, 0,
	  VR_FULL_REJECT, VR_UPDATE_INCREMENTAL, 1000 },
	{ "full-recompile", VR_RANGE_INTERVAL, false, VR_WIDE_CLAMP, 128, 65536,
	  VR_FULL_SPILL, VR_UPDATE_FULL, 2000 },
};

START_TEST(shipped_profiles)
{
	const struct shipped *s = &shipped[_i];
	char *dir = platform_dir();
	struct vr_profile p;
	struct vr_profile_error err = { "" };

	ck_assert_msg(vr_profile_find(&p, dir, s->name, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(p.name, s->name);
	ck_assert_ptr_nonnull(p.description);
	ck_assert_int_eq(p.range, s->range);
	ck_assert_int_eq(p.cross_product, s->cross);
	ck_assert_int_eq(p.wide, s->wide);
	ck_assert_uint_eq(p.entry_bytes, s->entry_bytes);
	ck_assert_uint_eq(p.capacity, s->capacity);
	ck_assert_int_eq(p.at_capacity, s->full);
	ck_assert_int_eq(p.update, s->update);
	ck_assert_uint_eq(p.entry_write_ns, s->write_ns);
	if (s->range == VR_RANGE_PER_VALUE)
		ck_assert_uint_eq(p.counter_bits, 16);
	vr_profile_free(&p);
	free(dir);
}
END_TEST

START_TEST(every_file_loads)
{
	char *dir = platform_dir();
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		char path[4096], stem[128];
		struct vr_profile p;
		struct vr_profile_error err = { "" };

		if (len <= 9 || strcmp(de->d_name + len - 9, ".platform") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		snprintf(stem, sizeof stem, "%.*s", (int)(len - 9), de->d_name);
		ck_assert_msg(vr_profile_load(&p, path, &err) == 0, "%s", err.msg);
		/* The file's name and its `name =` agree: labs name the file. */
		ck_assert_str_eq(p.name, stem);
		vr_profile_free(&p);
		n++;
	}
	closedir(d);
	ck_assert_uint_ge(n, sizeof shipped / sizeof shipped[0]);
	free(dir);
}
END_TEST

START_TEST(find_by_path)
{
	char *path = fc_source_path("faults/platforms/tcam.platform");
	struct vr_profile p;
	struct vr_profile_error err = { "" };

	/* A name with a '/' is a path; the directory is not used. */
	ck_assert_msg(vr_profile_find(&p, "/nonexistent", path, &err) == 0, "%s",
	    err.msg);
	ck_assert_str_eq(p.name, "tcam");
	vr_profile_free(&p);
	free(path);
}
END_TEST

START_TEST(null_inputs)
{
	struct vr_profile p;
	struct vr_profile_error err = { "" };

	ck_assert_int_eq(vr_profile_parse(NULL, "", 0, "x", &err), -1);
	ck_assert_int_eq(vr_profile_parse(&p, NULL, 3, "x", &err), -1);
	ck_assert_int_eq(vr_profile_load(&p, NULL, &err), -1);
	ck_assert_int_eq(vr_profile_find(&p, NULL, NULL, &err), -1);
	ck_assert_int_eq(vr_profile_find(&p, NULL, ".x", NULL), -1);
	vr_profile_defaults(NULL);
	vr_profile_free(NULL);
}
END_TEST

static Suite *
profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("profile");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, every_key);
	tcase_add_test(tc, layout);
	tcase_add_test(tc, mode_words);
	tcase_add_test(tc, unknown_key);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, nul_octet);
	tcase_add_test(tc, out_of_range);
	tcase_add_test(tc, duplicate_key);
	tcase_add_test(tc, unreadable);
	tcase_add_test(tc, too_large);
	tcase_add_test(tc, load_names_file);
	tcase_add_test(tc, bad_names);
	tcase_add_loop_test(tc, shipped_profiles, 0,
	    sizeof shipped / sizeof shipped[0]);
	tcase_add_test(tc, every_file_loads);
	tcase_add_test(tc, find_by_path);
	tcase_add_test(tc, null_inputs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return fc_run_suite(profile_suite());
}
