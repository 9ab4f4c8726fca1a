/*
 * fuzz_topology.c - libFuzzer target for the topology reader.
 *
 * The input is read as a topology file on a 24 GiB, 2-CPU host.  A
 * refusal must carry a file fault's code (exit status 3) or out of memory,
 * a message, and a place inside the input.  A topology that is accepted
 * must keep the promises of topology.h; otherwise the target aborts:
 * unique valid names, kinds that agree with platform and exec, limits
 * within the host, links whose /30 halves are in order, and sessions
 * recorded at both ends over a link the two nodes share.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/topology.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HOST_MEMORY (24ull << 30)
#define HOST_CPUS 2u

/* Returns nothing: says what broke, and aborts for libFuzzer to catch. */
static void
fail(const char *what, const char *name)
{
	fprintf(stderr, "fuzz_topology: %s%s%s\n", what,
	    name != NULL ? ": " : "", name != NULL ? name : "");
	abort();
}

/*
 * Returns at least the number of lines libyaml sees in text: it also
 * breaks lines at NEL (C2 85), LS and PS (E2 80 A8, E2 80 A9).
 */
static unsigned
count_lines(const char *text, size_t len)
{
	unsigned n = 1;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch == '\n' || ch == '\r' || ch == 0x85 || ch == 0xa8 ||
		    ch == 0xa9)
			n++;
	}
	return n;
}

/* Returns nothing; aborts unless a refusal is well formed. */
static void
check_error(const struct lab_error *e, const char *text, size_t len)
{
	char buf[1024];

	if (e->code != LAB_E_NOMEM && lab_error_exit(e->code) != 3)
		fail("refused with a code that is not the file's",
		    lab_errcode_name(e->code));
	if (e->msg[0] == '\0')
		fail("refused without a message", lab_errcode_name(e->code));
	if (e->line > count_lines(text, len))
		fail("error placed past the end of the input", e->msg);
	lab_error_format(e, buf, sizeof(buf));
}

/* Returns nothing; aborts unless name is 1..15 of [A-Za-z0-9_-]. */
static void
check_name(const char *name)
{
	size_t n = strnlen(name, LAB_NAME_MAX + 1);

	if (n == 0 || n > LAB_NAME_MAX)
		fail("name of bad length", name);
	for (size_t i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-_", name[i]) == NULL)
			fail("name with a bad character", name);
}

/* Returns nothing; aborts unless node i keeps topology.h's promises. */
static void
check_node(const struct lab_topology *t, size_t i)
{
	const struct lab_node *n = &t->nodes[i];

	check_name(n->name);
	if (lab_topology_find(t, n->name) != (long)i)
		fail("node name not unique", n->name);
	if (lab_kind_parse(lab_kind_name(n->kind)) != (int)n->kind)
		fail("node of no kind", n->name);
	if ((n->kind == LAB_KIND_VROUTER) != (n->platform != NULL))
		fail("platform disagrees with kind", n->name);
	if ((n->kind == LAB_KIND_LINUX) != (n->exec != NULL))
		fail("exec disagrees with kind", n->name);
	if (n->exec != NULL && (n->exec[0] == NULL || n->exec[0][0] == '\0'))
		fail("linux node without a program", n->name);
	if (n->asn == 0)
		fail("AS number 0", n->name);
	if (n->memory_limit > HOST_MEMORY ||
	    (n->memory_limit != 0 && n->memory_limit < (1u << 20)))
		fail("memory limit out of bounds", n->name);
	if (n->memory_limit != 0 && n->memory_budget > n->memory_limit)
		fail("memory budget above the limit", n->name);
	if (n->cpu_millis > HOST_CPUS * 1000)
		fail("more CPUs than the host", n->name);
	if (n->controller_peer && (n->kind == LAB_KIND_LINUX ||
	    n->ctl_ip.plen != 30 || n->ctl_peer_ip.plen != 30 ||
	    n->ctl_ip.addr != n->ctl_peer_ip.addr + 1 ||
	    (n->ctl_peer_ip.addr & 3) != 1 || n->router_id != n->ctl_ip.addr))
		fail("bad controller session", n->name);
	if (n->n_peerings != 0 && (n->peerings == NULL ||
	    n->kind == LAB_KIND_LINUX))
		fail("bad peerings", n->name);
	for (size_t j = 0; j < n->n_peerings; j++) {
		const struct lab_peering *p = &n->peerings[j];
		const struct lab_node *o;
		size_t back = 0;

		if (p->link >= t->n_links || p->peer >= t->n_nodes ||
		    p->peer == i || (p->side != 0 && p->side != 1))
			fail("peering out of bounds", n->name);
		if (t->links[p->link].ep[p->side].node != i ||
		    t->links[p->link].ep[1 - p->side].node != p->peer)
			fail("peering over a link it is not on", n->name);
		for (size_t k = 0; k < n->n_peerings; k++)
			if (k != j && n->peerings[k].peer == p->peer)
				fail("two sessions with one peer", n->name);
		o = &t->nodes[p->peer];
		for (size_t k = 0; k < o->n_peerings; k++)
			if (o->peerings[k].peer == i &&
			    o->peerings[k].link == p->link &&
			    o->peerings[k].side == 1 - p->side)
				back++;
		if (back != 1)
			fail("session known at one end only", n->name);
	}
}

/* Returns nothing; aborts unless an accepted topology is consistent. */
static void
check_topology(const struct lab_topology *t)
{
	check_name(t->name);
	if (t->n_nodes == 0 || t->n_nodes > 1024 || t->nodes == NULL)
		fail("node count out of bounds", t->name);
	if (t->n_links > 4096 || (t->n_links != 0 && t->links == NULL))
		fail("link count out of bounds", t->name);
	if (t->controller_asn == 0)
		fail("controller AS number 0", t->name);
	for (size_t i = 0; i < t->n_nodes; i++)
		check_node(t, i);
	for (size_t l = 0; l < t->n_links; l++) {
		const struct lab_link *k = &t->links[l];

		for (int s = 0; s < 2; s++) {
			size_t n = strnlen(k->ep[s].ifname, LAB_IFNAME_MAX + 1);

			if (k->ep[s].node >= t->n_nodes)
				fail("endpoint of no node", t->name);
			if (n == 0 || n > LAB_IFNAME_MAX ||
			    strcmp(k->ep[s].ifname, LAB_CTL_IFNAME) == 0 ||
			    strpbrk(k->ep[s].ifname, "/: \t\n") != NULL)
				fail("bad interface name", k->ep[s].ifname);
			if (k->ep[s].ip.plen != 30 ||
			    (k->ep[s].ip.addr & 3) != (uint32_t)s + 1)
				fail("bad link address", k->ep[s].ifname);
		}
		if (k->ep[1].ip.addr != k->ep[0].ip.addr + 1)
			fail("link ends in different /30s", t->name);
		if (l > 0 && k->ep[0].ip.addr == t->links[l - 1].ep[0].ip.addr)
			fail("two links in one /30", t->name);
	}
}

/* Returns 0, as libFuzzer expects; reads one input as a topology. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy, so that a reader that overruns size is caught. */
	char *text = malloc(size != 0 ? size : 1);
	struct lab_topology *t;
	struct lab_error e;

	if (text == NULL)
		return 0;
	if (size != 0)
		memcpy(text, data, size);
	memset(&e, 0, sizeof(e));
	t = lab_topology_parse("fuzz.yml", text, size, HOST_MEMORY, HOST_CPUS,
	    &e);
	if (t == NULL)
		check_error(&e, text, size);
	else
		check_topology(t);
	lab_topology_free(t);
	free(text);
	return 0;
}
