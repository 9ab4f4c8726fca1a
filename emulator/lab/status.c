/*
 * status.c - reading a lab's state from its state directory.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "state.h"
#include "status.h"

/* Returns true if process `pid` exists. */
static bool
alive(gint64 pid)
{
	return pid > 1 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH);
}

/* Returns a status for a lab whose controller has not written one yet. */
static JsonNode *
empty_status(const char *name)
{
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "lab");
	json_builder_add_string_value(b, name);
	json_builder_set_member_name(b, "ready");
	json_builder_add_boolean_value(b, FALSE);
	json_builder_set_member_name(b, "nodes");
	json_builder_begin_array(b);
	json_builder_end_array(b);
	json_builder_end_object(b);
	JsonNode *root = json_builder_get_root(b);
	g_object_unref(b);
	return root;
}

JsonNode *
lab_status_read(const char *name, struct lab_error *err)
{
	if (!lab_name_valid(name)) {
		lab_error_at(err, LAB_E_VALUE, "", 0, 0, "\"%s\" is not a lab name",
		    name ? name : "");
		return NULL;
	}
	char *dir = lab_state_dir(name);
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		lab_error_at(err, LAB_E_ENV, "", 0, 0, "no lab named %s is up (%s "
		    "does not exist)", name, dir);
		g_free(dir);
		return NULL;
	}
	char *path = g_build_filename(dir, LAB_F_STATUS, NULL);
	JsonParser *p = json_parser_new();
	JsonNode *root = NULL;
	if (json_parser_load_from_file(p, path, NULL) &&
	    JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)))
		root = json_node_copy(json_parser_get_root(p));
	else
		root = empty_status(name);
	g_object_unref(p);
	g_free(path);

	JsonObject *o = json_node_get_object(root);
	char *pidf = g_build_filename(dir, LAB_F_CONTROLLER_PID, NULL);
	pid_t ctl = lab_read_live_pid(pidf);
	g_free(pidf);
	json_object_set_boolean_member(o, "controller_running", ctl > 0);
	json_object_set_string_member(o, "state_dir", dir);
	if (ctl <= 0)
		json_object_set_boolean_member(o, "ready", FALSE);
	JsonArray *nodes = json_object_has_member(o, "nodes") ?
	    json_object_get_array_member(o, "nodes") : NULL;
	for (guint i = 0; nodes && i < json_array_get_length(nodes); i++) {
		JsonObject *n = json_array_get_object_element(nodes, i);
		if (n == NULL)
			continue;
		gint64 pid = json_object_get_int_member_with_default(n, "pid", 0);
		bool up = alive(pid);
		json_object_set_boolean_member(n, "alive", up);
		const char *st = json_object_get_string_member_with_default(n, "state", "");
		if (ctl <= 0 && !up && strcmp(st, "running") == 0)
			json_object_set_string_member(n, "state", "gone");
	}
	g_free(dir);
	return root;
}

JsonNode *
lab_events_tail(const char *name, unsigned max)
{
	JsonArray *out = json_array_new();
	char *dir = lab_state_dir(name);
	char *path = g_build_filename(dir, LAB_F_EVENTS, NULL);
	char *text = NULL;
	if (lab_name_valid(name) && g_file_get_contents(path, &text, NULL, NULL)) {
		char **lines = g_strsplit(text, "\n", -1);
		guint n = g_strv_length(lines), start = 0, kept = 0;
		for (guint i = n; i > 0 && kept < max; i--)
			if (lines[i - 1][0]) {
				kept++;
				start = i - 1;
			}
		JsonParser *p = json_parser_new();
		for (guint i = start; kept > 0 && i < n; i++)
			if (lines[i][0] && json_parser_load_from_data(p, lines[i], -1, NULL))
				json_array_add_element(out,
				    json_node_copy(json_parser_get_root(p)));
		g_object_unref(p);
		g_strfreev(lines);
	}
	g_free(text);
	g_free(path);
	g_free(dir);
	JsonNode *root = json_node_new(JSON_NODE_ARRAY);
	json_node_take_array(root, out);
	return root;
}
