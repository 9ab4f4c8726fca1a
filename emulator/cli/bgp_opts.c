/*
 * bgp_opts.c - parsing what inject and listen are told.
 */
#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "bgp_opts.h"

bool
fc_parse_endpoint(const char *opt, const char *text, uint16_t default_port,
    struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	size_t hl;

	if (text == NULL || *text == '\0')
		goto bad;
	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			goto bad;
		hl = (size_t)(end - text - 1);
		if (hl >= sizeof host)
			goto bad;
		memcpy(host, text + 1, hl);
		host[hl] = '\0';
		port = end[1] == ':' ? end + 2 : NULL;
	} else {
		const char *colon = strchr(text, ':');
		/* One colon separates a port; more mean a bare IPv6 address. */
		if (colon != NULL && strchr(colon + 1, ':') == NULL) {
			hl = (size_t)(colon - text);
			port = colon + 1;
		} else {
			hl = strlen(text);
		}
		if (hl >= sizeof host)
			goto bad;
		memcpy(host, text, hl);
		host[hl] = '\0';
	}
	guint64 p = default_port;
	if (port != NULL && !g_ascii_string_to_unsigned(port, 10, 0, 65535, &p, NULL))
		goto bad;
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len = sizeof *s4;
		return true;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len = sizeof *s6;
		return true;
	}
bad:
	fprintf(stderr, "flowcanary: %s \"%s\": expected ADDR, ADDR:PORT or "
	    "[IPV6]:PORT with a numeric address\n", opt, text ? text : "");
	return false;
}

bool
fc_parse_asn(const char *opt, const char *text, bool optional, uint32_t *as)
{
	guint64 v;

	if (text == NULL || *text == '\0') {
		if (optional) {
			*as = 0;
			return true;
		}
		fprintf(stderr, "flowcanary: %s is required\n", opt);
		return false;
	}
	if (!g_ascii_string_to_unsigned(text, 10, 1, UINT32_MAX, &v, NULL)) {
		fprintf(stderr, "flowcanary: %s \"%s\": expected an AS number "
		    "1..4294967295\n", opt, text);
		return false;
	}
	*as = (uint32_t)v;
	return true;
}

bool
fc_parse_hold_time(const char *text, uint16_t *hold, bool *set)
{
	guint64 v;

	*set = false;
	if (text == NULL)
		return true;
	if (!g_ascii_string_to_unsigned(text, 10, 0, 65535, &v, NULL) ||
	    v == 1 || v == 2) {
		fprintf(stderr, "flowcanary: --hold-time \"%s\": expected 0 or "
		    "3..65535 seconds\n", text);
		return false;
	}
	*hold = (uint16_t)v;
	*set = true;
	return true;
}

bool
fc_parse_router_id(const char *text, uint32_t *id)
{
	struct in_addr a;

	*id = 0;
	if (text == NULL)
		return true;
	if (inet_pton(AF_INET, text, &a) != 1 || a.s_addr == 0) {
		fprintf(stderr, "flowcanary: --router-id \"%s\": expected a "
		    "non-zero dotted quad\n", text);
		return false;
	}
	*id = ntohl(a.s_addr);
	return true;
}

int
fc_load_md5(const char *cmd, const char *file, struct bgp_md5_key *key)
{
	char err[512];
	int rc;

	if (file != NULL)
		rc = bgp_md5_key_load_file(file, key, err, sizeof err) < 0 ? -1 : 1;
	else
		rc = bgp_md5_key_from_env(FC_MD5_ENV, key, err, sizeof err);
	/* The key is ours now: it need not linger in /proc/PID/environ's copy. */
	unsetenv(FC_MD5_ENV);
	if (rc < 0)
		fprintf(stderr, "flowcanary %s: %s\n", cmd, err);
	return rc;
}
