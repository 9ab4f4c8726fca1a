/*
 * topology.c - reading a topology file: the file, the YAML document, and
 * the topology's lifetime.  The reading itself is in topology_read.c and
 * topology_resolve.c; this file is plain C and libyaml, so it can be
 * fuzzed alone (tests/fuzz/fuzz_topology.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "topology_int.h"

static const char *const kind_names[] = {
	[LAB_KIND_FRR] = "frr",
	[LAB_KIND_BIRD] = "bird",
	[LAB_KIND_GOBGP] = "gobgp",
	[LAB_KIND_VROUTER] = "vrouter",
	[LAB_KIND_LINUX] = "linux",
};

#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

/* Returns the name of kind k, or "unknown". */
const char *
lab_kind_name(enum lab_kind k)
{
	if ((size_t)k >= N_KINDS || kind_names[k] == NULL)
		return "unknown";
	return kind_names[k];
}

/* Returns the kind called `name`, or -1. */
int
lab_kind_parse(const char *name)
{
	if (name == NULL)
		return -1;
	for (size_t k = 0; k < N_KINDS; k++)
		if (kind_names[k] != NULL && strcmp(name, kind_names[k]) == 0)
			return (int)k;
	return -1;
}

/* Returns the index of the node called `name`, or -1. */
long
lab_topology_find(const struct lab_topology *t, const char *name)
{
	if (t == NULL || name == NULL)
		return -1;
	for (size_t i = 0; i < t->n_nodes; i++)
		if (strcmp(t->nodes[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* Returns nothing; frees t and all it holds (NULL is fine). */
void
lab_topology_free(struct lab_topology *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n_nodes; i++) {
		struct lab_node *node = &t->nodes[i];

		free(node->platform);
		if (node->exec != NULL)
			for (char **a = node->exec; *a != NULL; a++)
				free(*a);
		free(node->exec);
		free(node->peerings);
	}
	free(t->nodes);
	free(t->links);
	free(t->path);
	free(t);
}

/* Returns 0 with the YAML document of text in *doc, or -1. */
static int
load_document(struct tp_ctx *c, const char *text, size_t len,
    yaml_document_t *doc)
{
	yaml_parser_t p;
	int r = 0;

	if (!yaml_parser_initialize(&p))
		return tp_nomem(c);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, doc))
		r = tp_yaml_error(c, &p, text, len);
	yaml_parser_delete(&p);
	return r;
}

/* Returns 0 with text read into c->t, or -1. */
static int
parse(struct tp_ctx *c, const char *text, size_t len)
{
	yaml_document_t doc;
	yaml_node_t *root;
	int r;

	/* First the event stream: aliases, tags and depth are refused there. */
	if (tp_prescan(c, text, len) != 0 || load_document(c, text, len, &doc) != 0)
		return -1;
	c->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || tp_is_null(root))
		r = lab_error_at(c->err, LAB_E_SYNTAX, c->file, 1, 1,
		    "the file is empty: expected a mapping with name and "
		    "topology");
	else
		r = tp_read(c, root);
	c->doc = NULL;
	yaml_document_delete(&doc);
	return r;
}

/* Returns the topology text describes, or NULL with err filled. */
struct lab_topology *
lab_topology_parse(const char *path, const char *text, size_t len,
    uint64_t host_memory, unsigned host_cpus, struct lab_error *err)
{
	struct tp_ctx c;
	int r = -1;

	memset(&c, 0, sizeof(c));
	c.file = path != NULL ? path : "<input>";
	c.err = err;
	c.host_memory = host_memory;
	c.host_cpus = host_cpus;
	c.ctl_pool = (struct tp_pool){ TP_CTL_SUBNET, 16, false, { 0, 0 } };
	c.link_pool = (struct tp_pool){ TP_LINK_SUBNET, 16, false, { 0, 0 } };
	if (text == NULL && len != 0)
		len = 0;
	if (len > TP_FILE_MAX) {
		lab_error_at(err, LAB_E_LIMIT, c.file, 0, 0,
		    "the file has %zu bytes; a topology may have %u MiB at most",
		    len, TP_FILE_MAX >> 20);
		return NULL;
	}
	if ((c.t = calloc(1, sizeof(*c.t))) == NULL ||
	    (path != NULL && (c.t->path = strdup(path)) == NULL)) {
		tp_nomem(&c);
		goto out;
	}
	c.t->controller_asn = TP_CTL_ASN;
	if (text == NULL)
		text = "";
	c.end = tp_offset_at(text, len, len);
	r = parse(&c, text, len);
out:
	free(c.naux);
	free(c.link_at);
	free(c.by_name);
	if (r != 0) {
		lab_topology_free(c.t);
		return NULL;
	}
	return c.t;
}

/* Returns what fd holds, up to TP_FILE_MAX + 1 bytes, and its length; or NULL. */
static char *
read_all(int fd, size_t *len)
{
	size_t cap = 64 << 10, n = 0, want;
	char *buf = malloc(cap), *nb;
	ssize_t got;

	if (buf == NULL)
		return NULL;
	/* One byte past the cap tells a file at the cap from a longer one. */
	while (n <= TP_FILE_MAX) {
		if (n == cap) {
			cap *= 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		want = cap - n < TP_FILE_MAX + 1 - n ? cap - n : TP_FILE_MAX + 1 - n;
		got = read(fd, buf + n, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*len = n;
	return buf;
}

/* Returns the topology the file at path describes, or NULL with err filled. */
struct lab_topology *
lab_topology_load(const char *path, uint64_t host_memory, unsigned host_cpus,
    struct lab_error *err)
{
	struct lab_topology *t;
	struct stat st;
	size_t len = 0;
	char *text;
	int fd, e;

	if (path == NULL) {
		lab_error_at(err, LAB_E_IO, "", 0, 0, "no topology file given");
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		lab_error_at(err, LAB_E_IO, path, 0, 0, "cannot open: %s",
		    strerror(errno));
		return NULL;
	}
	/* A directory opens but does not read; say so plainly. */
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		lab_error_at(err, LAB_E_IO, path, 0, 0, "cannot read: %s",
		    strerror(EISDIR));
		return NULL;
	}
	text = read_all(fd, &len);
	e = errno;
	close(fd);
	if (text == NULL) {
		lab_error_at(err, e == ENOMEM ? LAB_E_NOMEM : LAB_E_IO, path, 0,
		    0, "cannot read: %s", strerror(e));
		return NULL;
	}
	t = lab_topology_parse(path, text, len, host_memory, host_cpus, err);
	free(text);
	return t;
}
