/*
 * status.h - a lab's state as any process can read it: the controller's
 * latest status.json, checked against what is alive now.
 */
#ifndef FC_LAB_STATUS_H
#define FC_LAB_STATUS_H

#include <json-glib/json-glib.h>

#include "error.h"

/*
 * Returns the status of lab `name` as a JSON object (json_node_unref):
 * the controller's status.json with "controller_running", "state_dir"
 * and, per node, "alive" added; a node the controller can no longer vouch
 * for (it is gone) whose process is gone too is marked "gone".
 * Returns NULL with `err` (LAB_E_ENV) when no such lab is up.
 */
JsonNode *lab_status_read(const char *name, struct lab_error *err);

/*
 * Returns the last `max` lines of the lab's events.jsonl as a JSON array
 * (json_node_unref), oldest first; an empty array if there are none.
 */
JsonNode *lab_events_tail(const char *name, unsigned max);

#endif
