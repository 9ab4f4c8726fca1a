/*
 * lab_view.h - a lab's status for people: the table of `lab status`
 * and the live view of `lab watch`.
 */
#ifndef FC_CLI_LAB_VIEW_H
#define FC_CLI_LAB_VIEW_H

#include <glib.h>
#include <json-glib/json-glib.h>

/* Appends the status table of `status` (and `events`, if not NULL) to out. */
void fc_lab_table(GString *out, JsonNode *status, JsonNode *events);

/*
 * Redraws the table every interval_ms until SIGINT, `count` refreshes
 * (0: no limit), or the lab is gone.  Returns an exit status.
 */
int fc_lab_watch(const char *name, unsigned interval_ms, unsigned count);

#endif
