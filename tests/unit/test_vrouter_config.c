/*
 * test_vrouter_config.c - flowcanary-vrouter's configuration file (every
 * key, and an error naming the line for each kind of mistake) and RFC 8955
 * section 6 flow route validation.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "support.h"
#include "vrouter/config.h"
#include "vrouter/validate.h"

/* Parses text or fails the test with the error. */
static void
parse_ok(const char *text, struct vr_config *c)
{
	char err[256] = "";
	int rc = vr_config_parse(c, text, strlen(text), "t.conf", err, sizeof err);
	ck_assert_msg(rc == 0, "%s", err);
}

/* Asserts that text is refused with an error containing `want`. */
static void
parse_bad(const char *text, const char *want)
{
	struct vr_config c;
	char err[256] = "";
	int rc = vr_config_parse(&c, text, strlen(text), "t.conf", err, sizeof err);
	ck_assert_msg(rc == -1, "accepted: %s", text);
	ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"", err, want);
	ck_assert_ptr_null(c.neighbors);
	ck_assert_ptr_null(c.ifnames);
}

static void
sa4(const char *ip, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	in->sin_family = AF_INET;
	ck_assert(inet_pton(AF_INET, ip, &in->sin_addr) == 1);
}

static const char full[] =
    "# a vrouter\n"
    "name = edge1\n"
    "platform = tcam\n"
    "asn = 65100\n"
    "router-id = 10.0.0.1\n"
    "hold-time = 30\n"
    "connect-retry = 1\n"
    "listen = 0.0.0.0:1179\n"
    "controller-neighbor = 172.30.0.1\n"
    "controller-as = 65000\n"
    "controller-local = 172.30.0.2\n"
    "peer = 10.0.1.2 as 65100 local 10.0.1.1 name rr rr-client\n"
    "accept-loopback = yes\n"
    "control = /run/x/vrouter.sock\n"
    "dataplane = eth1 eth2\n"
    "dataplane = eth3\n"
    "route = 198.51.100.0/24 via 10.0.2.2\n"
    "redirect = 65000:666 eth3 via 10.0.3.2\n"
    "validate = yes\n"
    "unicast = 192.0.2.0/24 from 172.30.0.1 as 65000\n";

START_TEST(every_key)
{
	struct vr_config c;
	struct sockaddr_storage ss;

	parse_ok(full, &c);
	ck_assert_str_eq(c.name, "edge1");
	ck_assert_str_eq(c.platform, "tcam");
	ck_assert_uint_eq(c.asn, 65100);
	ck_assert_uint_eq(c.router_id, 0x0a000001);
	ck_assert_uint_eq(c.hold_time, 30);
	ck_assert_int_eq(c.listen.ss_family, AF_INET);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&c.listen)->sin_port), 1179);
	ck_assert_uint_eq(c.n_neighbors, 2);
	sa4("172.30.0.1", &ss);
	const struct vr_neighbor *nb = vr_config_neighbor(&c, (struct sockaddr *)&ss);
	ck_assert_ptr_nonnull(nb);
	ck_assert_str_eq(nb->name, "controller");
	ck_assert_uint_eq(nb->asn, 65000);
	sa4("10.0.1.2", &ss);
	nb = vr_config_neighbor(&c, (struct sockaddr *)&ss);
	ck_assert_ptr_nonnull(nb);
	ck_assert_str_eq(nb->name, "rr");
	ck_assert(nb->rr_client);
	sa4("10.0.1.3", &ss);
	ck_assert_ptr_null(vr_config_neighbor(&c, (struct sockaddr *)&ss));
	ck_assert(c.accept_loopback);
	ck_assert_str_eq(c.control, "/run/x/vrouter.sock");
	ck_assert_uint_eq(c.n_ifnames, 3);
	ck_assert_str_eq(c.ifnames[2], "eth3");
	ck_assert_ptr_null(c.ifnames[3]);
	ck_assert_uint_eq(c.n_routes, 1);
	ck_assert_uint_eq(c.routes[0].prefix, 0xc6336400);
	ck_assert_uint_eq(c.routes[0].plen, 24);
	ck_assert_uint_eq(c.routes[0].via, 0x0a000202);
	ck_assert_uint_eq(c.n_redirects, 1);
	ck_assert_str_eq(c.redirects[0].ifname, "eth3");
	/* 2-octet-AS redirect: type 0x80, sub-type 0x08, AS 65000, value 666. */
	const uint8_t ec[8] = { 0x80, 0x08, 0xfd, 0xe8, 0, 0, 0x02, 0x9a };
	ck_assert_mem_eq(c.redirects[0].ec, ec, 8);
	ck_assert(c.validate);
	ck_assert_uint_eq(c.n_unicast, 1);
	vr_config_free(&c);
	ck_assert_ptr_null(c.neighbors);
}
END_TEST

START_TEST(defaults)
{
	struct vr_config c;

	parse_ok("asn = 1\n", &c);
	ck_assert_int_eq(c.listen.ss_family, AF_INET6);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&c.listen)->sin6_port), 179);
	ck_assert_uint_eq(c.hold_time, 90);
	ck_assert_ptr_null(c.platform);
	ck_assert(!c.accept_loopback && !c.validate);
	ck_assert_uint_eq(c.n_ifnames, 0);
	vr_config_free(&c);
	/* An explicit 0 means no hold timer, and is kept. */
	parse_ok("asn = 1\nhold-time = 0\n", &c);
	ck_assert_uint_eq(c.hold_time, 0);
	vr_config_free(&c);
}
END_TEST

START_TEST(errors_name_the_line)
{
	parse_bad("asn = 1\nbogus = 2\n", "t.conf:2: unknown key \"bogus\"");
	parse_bad("asn = 1\nasn = 2\n", "t.conf:2: asn is given twice");
	parse_bad("asn = 0\n", "t.conf:1: asn");
	parse_bad("asn = 4294967296\n", "t.conf:1: asn");
	parse_bad("asn = 12x\n", "t.conf:1: asn");
	parse_bad("asn = 1\njust words\n", "t.conf:2: expected \"key = value\"");
	parse_bad("asn = 1\nname =\n", "t.conf:2: expected");
	parse_bad("asn = 1\nhold-time = 2\n", "t.conf:2: hold-time");
	parse_bad("asn = 1\nrouter-id = 0.0.0.0\n", "t.conf:2: router-id");
	parse_bad("asn = 1\nlisten = 1.2.3.4:99999\n", "t.conf:2: listen");
	parse_bad("asn = 1\npeer = 10.0.0.1\n", "t.conf:2: peer 10.0.0.1 has no AS");
	parse_bad("asn = 1\npeer = nowhere as 5\n", "t.conf:2: \"nowhere\" is not");
	parse_bad("asn = 1\npeer = 10.0.0.1 as 5 colour red\n", "unknown peer option \"colour\"");
	parse_bad("asn = 1\npeer = 10.0.0.1 as 5\npeer = 10.0.0.1 as 6\n",
	    "t.conf:3: peer 10.0.0.1 is given twice");
	parse_bad("asn = 1\ncontroller-as = 5\n", "controller-neighbor is required");
	parse_bad("asn = 1\ncontroller-neighbor = 10.0.0.1\n", "controller-as is required");
	parse_bad("asn = 1\nroute = 10.0.0.0/8\n", "t.conf:2: a route is");
	parse_bad("asn = 1\nroute = 10.0.0.1/8 via 10.0.0.2\n", "bits set beyond");
	parse_bad("asn = 1\nroute = 2001:db8::/32 via 10.0.0.2\n", "not an IPv4 prefix");
	parse_bad("asn = 1\ndataplane = eth1 eth1\n", "interface eth1 is given twice");
	parse_bad("asn = 1\ndataplane = an-interface-name-too-long\n", "too long");
	parse_bad("asn = 1\ndataplane = eth1\nredirect = nonsense eth1 via 10.0.0.1\n",
	    "t.conf:3: \"nonsense\" is not a route target");
	parse_bad("asn = 1\nredirect = 65000:1 eth9 via 10.0.0.1\n",
	    "t.conf:2: redirect interface eth9 is not a dataplane interface");
	/* Routes are kept per peer name: names are unique, and two are reserved. */
	parse_bad("asn = 1\npeer = 10.0.0.1 as 5 name a\npeer = 10.0.0.2 as 5 name a\n",
	    "t.conf:3: peer name \"a\" is given twice");
	parse_bad("asn = 1\npeer = 10.0.0.1 as 5 name controller\n",
	    "t.conf:2: peer name \"controller\" is reserved");
	parse_bad("asn = 1\npeer = 10.0.0.1 as 5 name loopback:7\n", "is reserved");
	parse_bad("asn = 1\npeer = 10.0.0.1 as 5 local nowhere\n",
	    "t.conf:2: peer local \"nowhere\" is not");
	parse_bad("asn = 1\nunicast = 10.0.0.0/8 from 10.0.0.1\n", "a unicast route is");
	parse_bad("asn = 1\naccept-loopback = maybe\n", "accept-loopback is yes or no");
	parse_bad("name = x\n", "asn is required");
	/* A NUL inside a line is refused, not silently cut. */
	struct vr_config c;
	char err[256];
	static const char nul[] = "asn = 1\nname = a\0b\n";
	ck_assert_int_eq(vr_config_parse(&c, nul, sizeof nul - 1, "t.conf", err,
	    sizeof err), -1);
	ck_assert_msg(strstr(err, "t.conf:2: line holds a NUL") != NULL, "%s", err);
}
END_TEST

START_TEST(load_file)
{
	struct vr_config c;
	char err[256];

	ck_assert_int_eq(vr_config_load(&c, "/nonexistent/vr.conf", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "/nonexistent/vr.conf: No such file") != NULL, "%s", err);
	ck_assert_int_eq(vr_config_load(&c, "/tmp", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "not a regular file") != NULL, "%s", err);
	char path[64];
	snprintf(path, sizeof path, "/tmp/fc-vrconf-%d.conf", (int)getpid());
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(full, f);
	fclose(f);
	ck_assert_int_eq(vr_config_load(&c, path, err, sizeof err), 0);
	ck_assert_str_eq(c.path, path);
	ck_assert_uint_eq(c.n_neighbors, 2);
	vr_config_free(&c);
	unlink(path);
}
END_TEST

/* ---- RFC 8955 section 6 ---- */

static const char unicast[] =
    "asn = 65100\nvalidate = yes\n"
    "unicast = 192.0.2.0/24 from 10.0.0.1 as 65000\n"
    "unicast = 192.0.2.128/25 from 10.0.0.1 as 65000\n"
    "unicast = 198.51.100.0/24 from 10.0.0.1 as 65000\n"
    "unicast = 198.51.100.64/26 from 10.0.0.9 as 65009\n"
    "unicast = 2001:db8::/32 from 10.0.0.1 as 65000\n";

/* Returns vr_validate's answer for `rule` from `peer` in `as` with one-AS path. */
static bool
feasible(const struct vr_config *c, const char *rule, const char *peer,
    uint32_t as, char *why, size_t cap)
{
	struct fs_rule r;
	struct sockaddr_storage ss;
	uint32_t path[1] = { as };

	fs_rule_init(&r, FS_IPV4);
	fc_parse_or_fail(rule, 0, &r);
	sa4(peer, &ss);
	bool ok = vr_validate(c, &r, (struct sockaddr *)&ss, as, path, 1, why, cap);
	fs_rule_free(&r);
	return ok;
}

START_TEST(validation)
{
	struct vr_config c;
	char why[256];

	parse_ok(unicast, &c);
	/* From the originator of the best match: feasible, also for IPv6. */
	ck_assert(feasible(&c, "match destination 192.0.2.53/32 then discard",
	    "10.0.0.1", 65000, why, sizeof why));
	ck_assert(feasible(&c, "match destination 2001:db8::1/128 then discard",
	    "10.0.0.1", 65000, why, sizeof why));
	/* From another neighbor: b fails. */
	ck_assert(!feasible(&c, "match destination 192.0.2.53/32 then discard",
	    "10.0.0.9", 65009, why, sizeof why));
	ck_assert_msg(strstr(why, "came from 10.0.0.1") && strstr(why, "6 b"), "%s", why);
	/* No destination: a fails. */
	ck_assert(!feasible(&c, "match protocol udp then discard", "10.0.0.1", 65000,
	    why, sizeof why));
	ck_assert_msg(strstr(why, "6 a"), "%s", why);
	/* No covering unicast route. */
	ck_assert(!feasible(&c, "match destination 203.0.113.1/32 then discard",
	    "10.0.0.1", 65000, why, sizeof why));
	ck_assert_msg(strstr(why, "no unicast route"), "%s", why);
	/* A more-specific route inside the destination from another AS: c fails. */
	ck_assert(!feasible(&c, "match destination 198.51.100.0/24 then discard",
	    "10.0.0.1", 65000, why, sizeof why));
	ck_assert_msg(strstr(why, "AS 65009") && strstr(why, "6 c"), "%s", why);
	/* The same AS inside is fine: 192.0.2.128/25 is 65000's too. */
	ck_assert(feasible(&c, "match destination 192.0.2.0/24 then discard",
	    "10.0.0.1", 65000, why, sizeof why));
	/* eBGP: the AS_PATH must start with the neighbor's AS. */
	struct fs_rule r;
	struct sockaddr_storage ss;
	uint32_t wrong[2] = { 65009, 65000 };
	fs_rule_init(&r, FS_IPV4);
	fc_parse_or_fail("match destination 192.0.2.53/32 then discard", 0, &r);
	sa4("10.0.0.1", &ss);
	ck_assert(!vr_validate(&c, &r, (struct sockaddr *)&ss, 65000, wrong, 2, why,
	    sizeof why));
	ck_assert_msg(strstr(why, "AS_PATH"), "%s", why);
	ck_assert(!vr_validate(&c, &r, (struct sockaddr *)&ss, 65000, NULL, 0, why,
	    sizeof why));
	/* iBGP has no neighbor AS to put first: an empty path is fine. */
	ck_assert_msg(vr_validate(&c, &r, (struct sockaddr *)&ss, 65100, NULL, 0, why,
	    sizeof why), "%s", why);
	fs_rule_free(&r);
	vr_config_free(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("vrouter_config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, every_key);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, errors_name_the_line);
	tcase_add_test(tc, load_file);
	tcase_add_test(tc, validation);
	suite_add_tcase(s, tc);
	return fc_run_suite(s);
}
