/*
 * cmd_codec.c - flowcanary encode and flowcanary decode.
 *
 * encode: one rule in text syntax -> NLRI octets and extended communities.
 * decode: NLRI octets (one or several rules) -> canonical rule text.
 * Both say when the octets are readable but not RFC-conformant.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "flowspec/ecomm.h"
#include "flowspec/nlri.h"
#include "flowspec/text.h"

static void
print_notes(uint32_t nonconform)
{
	for (uint32_t bit = 1; bit != 0 && bit <= nonconform; bit <<= 1)
		if (nonconform & bit)
			printf("note     not RFC-conformant: %s\n",
			    fs_nonconformance_text(bit));
}

static void
print_rule_human(const struct fs_rule *r, const char *nlri_hex)
{
	char *text = fs_print_rule_alloc(r), hex[17];

	printf("family   %s\nrule     %s\nnlri     %s\n", fs_family_name(r->family),
	    text, nlri_hex);
	for (unsigned i = 0; i < r->nactions; i++) {
		fs_ec_to_hex(&r->actions[i], hex);
		printf("ext      %s\n", hex);
	}
	free(text);
}

/* Prints the rule text with a caret under the column at fault. */
static void
show_column(const char *text, unsigned column)
{
	if (column == 0 || strlen(text) > 200)
		return;
	fprintf(stderr, "  %s\n  %*s^\n", text, (int)column - 1, "");
}

int
fc_cmd_encode(int argc, char **argv)
{
	gchar *family_name = NULL;
	gboolean json = FALSE;
	GOptionEntry entries[] = {
		{ "family", 'f', 0, G_OPTION_ARG_STRING, &family_name,
		  "ipv4 or ipv6 (default: from the rule's prefixes, else ipv4)", "FAMILY" },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct fs_rule r, back;
	struct fs_error err = { 0 };
	uint8_t nlri[FS_NLRI_MAX_LEN + 2];
	gchar *text, *hex;
	int family, rc = FC_EXIT_PASS;
	ssize_t n;

	if (!fc_parse_options("encode", "RULE",
	    "Encodes one rule (\"match ... then ...\") as flowspec NLRI and extended "
	    "communities, in hex.", entries, &argc, &argv))
		return FC_EXIT_USAGE;
	if ((family = fc_parse_family(family_name)) < 0 || argc < 2) {
		if (argc < 2)
			fprintf(stderr, "usage: flowcanary encode [--family ipv4|ipv6] [--json] RULE\n");
		g_free(family_name);
		return FC_EXIT_USAGE;
	}
	/* The rule may come as one argument or as several words. */
	text = g_strjoinv(" ", argv + 1);
	fs_rule_init(&r, family);
	fs_rule_init(&back, family);
	if (fs_parse_rule(text, strlen(text), family, &r, &err) != 0) {
		g_strlcpy(err.file, "rule", sizeof(err.file));
		err.line = 1;
		if (json)
			fc_print_json_error(&err);
		fc_print_error("encode", &err);
		show_column(text, err.column);
		rc = FC_EXIT_INPUT;
		goto out;
	}
	if ((n = fs_nlri_encode(&r, nlri, sizeof(nlri), &err)) < 0) {
		if (json)
			fc_print_json_error(&err);
		fc_print_error("encode", &err);
		rc = FC_EXIT_INPUT;
		goto out;
	}
	/* Decoding what we wrote tells whether a strict receiver would take it. */
	if (fs_nlri_decode(nlri, (size_t)n, r.family, 0, &back, &err) < 0) {
		fc_print_error("encode: internal: the encoding does not decode", &err);
		rc = FC_EXIT_INPUT;
		goto out;
	}
	hex = fc_hex(nlri, (size_t)n);
	if (json) {
		JsonBuilder *b = json_builder_new();

		json_builder_begin_object(b);
		fc_json_rule_members(b, &r, hex);
		fc_json_notes(b, back.nonconform);
		json_builder_end_object(b);
		fc_print_json(json_builder_get_root(b));
		g_object_unref(b);
	} else {
		print_rule_human(&r, hex);
		print_notes(back.nonconform);
	}
	g_free(hex);
out:
	fs_rule_free(&r);
	fs_rule_free(&back);
	free(text);
	g_free(family_name);
	return rc;
}

/* Returns the octets of hex text (spaces, colons and a 0x prefix allowed), or NULL. */
static GByteArray *
parse_hex(const char *text, size_t *bad)
{
	GByteArray *out = g_byte_array_new();
	int hi = -1;
	size_t i = 0;

	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		i = 2;
	for (; text[i]; i++) {
		int v;

		if (isspace((unsigned char)text[i]) || text[i] == ':')
			continue;
		if (!isxdigit((unsigned char)text[i])) {
			*bad = i;
			g_byte_array_unref(out);
			return NULL;
		}
		v = g_ascii_xdigit_value(text[i]);
		if (hi < 0) {
			hi = v;
		} else {
			guint8 o = (guint8)(hi << 4 | v);
			g_byte_array_append(out, &o, 1);
			hi = -1;
		}
	}
	if (hi >= 0) {
		*bad = i;
		g_byte_array_unref(out);
		return NULL;
	}
	return out;
}

/* Returns 0 once every community of the comma list is added to acts, or -1. */
static int
parse_ext_list(gchar **list, GArray *acts, struct fs_error *err)
{
	for (gchar **l = list; l && *l; l++) {
		gchar **parts = g_strsplit(*l, ",", -1);

		for (gchar **p = parts; *p; p++) {
			struct fs_action a;
			gchar *s = g_strstrip(*p);

			if (*s == '\0')
				continue;
			if (fs_ec_from_hex(&a, s, strlen(s)) != 0) {
				fs_error_set(err, FS_E_EXT_COMMUNITY,
				    "--ext \"%s\" is not an extended community: "
				    "expected 16 hex digits (8 octets)", s);
				err->column = 1;
				g_strfreev(parts);
				return -1;
			}
			g_array_append_val(acts, a);
		}
		g_strfreev(parts);
	}
	return 0;
}

int
fc_cmd_decode(int argc, char **argv)
{
	gchar *family_name = NULL, **ext = NULL;
	gboolean json = FALSE, strict = FALSE;
	GOptionEntry entries[] = {
		{ "family", 'f', 0, G_OPTION_ARG_STRING, &family_name,
		  "ipv4 (default) or ipv6", "FAMILY" },
		{ "ext", 'e', 0, G_OPTION_ARG_STRING_ARRAY, &ext,
		  "extended communities attached to the NLRI, hex, comma-separated", "HEX,..." },
		{ "strict", 0, 0, G_OPTION_ARG_NONE, &strict,
		  "refuse NLRI that is readable but not RFC-conformant", NULL },
		{ "json", 0, 0, G_OPTION_ARG_NONE, &json, "print JSON", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	struct fs_error err = { 0 };
	struct fs_rule r;
	GArray *acts = g_array_new(FALSE, FALSE, sizeof(struct fs_action));
	GByteArray *in = NULL;
	JsonBuilder *b = NULL;
	gchar *joined = NULL;
	size_t pos = 0, bad = 0;
	int family, rc = FC_EXIT_PASS;

	fs_rule_init(&r, FS_IPV4);
	if (!fc_parse_options("decode", "NLRI_HEX",
	    "Decodes flowspec NLRI (length prefix included; several rules may follow "
	    "each other) into canonical rule text.", entries, &argc, &argv)) {
		rc = FC_EXIT_USAGE;
		goto out;
	}
	if ((family = fc_parse_family(family_name)) < 0 || argc < 2) {
		if (argc < 2)
			fprintf(stderr, "usage: flowcanary decode [--family ipv4|ipv6] "
			    "[--ext HEX,...] [--strict] [--json] NLRI_HEX\n");
		rc = FC_EXIT_USAGE;
		goto out;
	}
	if (family == 0)
		family = FS_IPV4;
	joined = g_strjoinv("", argv + 1);
	if ((in = parse_hex(joined, &bad)) == NULL || in->len == 0) {
		fs_error_set(&err, FS_E_VALUE, in ? "no octets given" :
		    "NLRI_HEX is not hex: character %zu of \"%s\"; expected "
		    "pairs of hex digits", bad + 1, joined);
		err.column = (unsigned)bad + 1;
		goto invalid;
	}
	if (parse_ext_list(ext, acts, &err) != 0)
		goto invalid;
	if (json) {
		b = json_builder_new();
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "rules");
		json_builder_begin_array(b);
	}
	while (pos < in->len) {
		ssize_t n = fs_nlri_decode(in->data + pos, in->len - pos, family,
		    strict ? FS_DECODE_STRICT : 0, &r, &err);
		gchar *hex;

		if (n < 0) {
			err.offset += pos;
			goto invalid;
		}
		/* Path attributes apply to every NLRI of an UPDATE. */
		for (guint i = 0; i < acts->len; i++)
			fs_rule_add_action(&r, g_array_index(acts, struct fs_action, i).ec);
		hex = fc_hex(in->data + pos, (size_t)n);
		if (json) {
			json_builder_begin_object(b);
			fc_json_rule_members(b, &r, hex);
			fc_json_notes(b, r.nonconform);
			json_builder_end_object(b);
		} else {
			if (pos > 0)
				putchar('\n');
			print_rule_human(&r, hex);
			print_notes(r.nonconform);
		}
		g_free(hex);
		pos += (size_t)n;
	}
	if (json) {
		json_builder_end_array(b);
		json_builder_end_object(b);
		fc_print_json(json_builder_get_root(b));
	}
	goto out;
invalid:
	/* Nothing partial on stdout: a JSON caller gets one error object. */
	if (json)
		fc_print_json_error(&err);
	fc_print_error("decode", &err);
	rc = FC_EXIT_INPUT;
out:
	if (b)
		g_object_unref(b);
	if (in)
		g_byte_array_unref(in);
	g_array_unref(acts);
	fs_rule_free(&r);
	g_free(joined);
	g_free(family_name);
	g_strfreev(ext);
	return rc;
}
