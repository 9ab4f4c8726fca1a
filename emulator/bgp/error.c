/*
 * error.c - NOTIFICATION names and error recording.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "wire.h"

const char *
bgp_err_code_name(unsigned code)
{
	switch (code) {
	case BGP_ERR_HEADER: return "Message Header Error";
	case BGP_ERR_OPEN: return "OPEN Message Error";
	case BGP_ERR_UPDATE: return "UPDATE Message Error";
	case BGP_ERR_HOLD: return "Hold Timer Expired";
	case BGP_ERR_FSM: return "Finite State Machine Error";
	case BGP_ERR_CEASE: return "Cease";
	case BGP_ERR_REFRESH: return "ROUTE-REFRESH Message Error";
	}
	return "unknown error code";
}

const char *
bgp_err_subcode_name(unsigned code, unsigned subcode)
{
	static const char *const header[] = { NULL,
		"Connection Not Synchronized", "Bad Message Length",
		"Bad Message Type" };
	static const char *const open[] = { NULL,
		"Unsupported Version Number", "Bad Peer AS",
		"Bad BGP Identifier", "Unsupported Optional Parameter", NULL,
		"Unacceptable Hold Time", "Unsupported Capability" };
	static const char *const update[] = { NULL,
		"Malformed Attribute List", "Unrecognized Well-known Attribute",
		"Missing Well-known Attribute", "Attribute Flags Error",
		"Attribute Length Error", "Invalid ORIGIN Attribute", NULL,
		"Invalid NEXT_HOP Attribute", "Optional Attribute Error",
		"Invalid Network Field", "Malformed AS_PATH" };
	static const char *const fsm[] = { NULL,	/* RFC 6608 */
		"Receive Unexpected Message in OpenSent State",
		"Receive Unexpected Message in OpenConfirm State",
		"Receive Unexpected Message in Established State" };
	static const char *const refresh[] = { NULL,	/* RFC 7313 */
		"Invalid Message Length" };
	static const char *const cease[] = { NULL,
		"Maximum Number of Prefixes Reached", "Administrative Shutdown",
		"Peer De-configured", "Administrative Reset",
		"Connection Rejected", "Other Configuration Change",
		"Connection Collision Resolution", "Out of Resources" };
	const char *const *t = NULL;
	size_t n = 0;

	if (subcode == 0)
		return "Unspecific";
	switch (code) {
	case BGP_ERR_HEADER: t = header; n = sizeof header / sizeof *t; break;
	case BGP_ERR_OPEN: t = open; n = sizeof open / sizeof *t; break;
	case BGP_ERR_UPDATE: t = update; n = sizeof update / sizeof *t; break;
	case BGP_ERR_FSM: t = fsm; n = sizeof fsm / sizeof *t; break;
	case BGP_ERR_CEASE: t = cease; n = sizeof cease / sizeof *t; break;
	case BGP_ERR_REFRESH: t = refresh; n = sizeof refresh / sizeof *t; break;
	}
	if (t == NULL || subcode >= n || t[subcode] == NULL)
		return "unknown subcode";
	return t[subcode];
}

const char *
bgp_action_name(enum bgp_action a)
{
	switch (a) {
	case BGP_ACT_NONE: return "none";
	case BGP_ACT_DISCARD: return "attribute-discard";
	case BGP_ACT_WITHDRAW: return "treat-as-withdraw";
	case BGP_ACT_RESET: return "reset";
	}
	return "none";
}

int
bgp_error_set(struct bgp_error *e, enum bgp_action action, uint8_t code,
    uint8_t subcode, size_t offset, const uint8_t *data, size_t data_len,
    const char *fmt, ...)
{
	va_list ap;

	if (e == NULL || e->action >= action)
		return -1;
	e->action = action;
	e->code = code;
	e->subcode = subcode;
	e->offset = offset;
	if (data_len > BGP_ERR_DATA_MAX)
		data_len = BGP_ERR_DATA_MAX;
	e->data_len = data != NULL ? data_len : 0;
	if (e->data_len > 0)
		memcpy(e->data, data, e->data_len);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}
