/*
 * detect.h - detectors over one node's samples: memory over budget,
 * memory runaway, CPU saturation, OOM kills.  Pure functions of the
 * samples fed in, so that tests can state exactly when each fires.
 *
 * Process exits and lost BGP sessions are not here: the controller sees
 * those directly (child watch, session callbacks).
 */
#ifndef FC_MONITOR_DETECT_H
#define FC_MONITOR_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MON_WINDOW_MAX 64	/* samples kept for the runaway fit */
#define MON_EVENTS_MAX 4	/* events one sample can cause: room enough */

struct mon_detect_config {
	uint64_t memory_limit;		/* bytes; 0: none (runaway cannot fire) */
	uint64_t memory_budget;		/* bytes; 0: none */
	unsigned cpu_millis;		/* the node's CPU limit, 1000 = one core; 0: one core */
	double runaway_window_s;	/* fit over this much history; default 2.0
					   (at most MON_WINDOW_MAX samples of it) */
	double runaway_horizon_s;	/* fire if the limit is reached within this; default 10.0 */
	double runaway_min_rising;	/* fraction of steps in the window that rise; default 0.75 */
	double cpu_saturated_pct;	/* of the node's limit; default 90 */
	double cpu_saturated_s;		/* sustained this long; default 1.0 */
};

/* Fills the defaults above for limit, budget and cpu. */
void mon_detect_config_init(struct mon_detect_config *c, uint64_t memory_limit,
    uint64_t memory_budget, unsigned cpu_millis);

enum mon_event_kind {
	MON_EV_NONE = 0,
	MON_EV_OVER_BUDGET,		/* usage crossed the budget upward */
	MON_EV_UNDER_BUDGET,		/* ... and back below it (re-arms) */
	MON_EV_RUNAWAY,			/* growth reaches the limit within the horizon */
	MON_EV_OOM_KILL,		/* the cgroup's OOM-kill counter rose */
	MON_EV_CPU_SATURATED,		/* CPU at or above the threshold, sustained */
	MON_EV_CPU_NORMAL,		/* ... and back below it (re-arms) */
};

struct mon_event {
	enum mon_event_kind kind;
	double t;			/* the sample's time, seconds */
	uint64_t memory_usage;
	double slope_bps;		/* runaway: fitted growth, bytes per second */
	double eta_s;			/* runaway: seconds until the limit at that slope */
	uint64_t count;			/* oom-kill: kills in this step */
	double cpu_pct;			/* cpu events: per cent of one core */
};

/* One sample as the detectors need it. */
struct mon_point {
	double t;			/* seconds, monotonic */
	uint64_t memory_usage;
	uint64_t oom_kills;		/* cumulative */
	uint64_t cpu_usage_ns;		/* cumulative */
};

struct mon_detector {
	struct mon_detect_config cfg;
	struct mon_point win[MON_WINDOW_MAX];
	size_t n, head;			/* ring of the last samples */
	bool have_prev;
	struct mon_point prev;		/* baselines: the last OOM count; the
					   CPU counter and t of the last rate */
	bool over_budget, runaway_fired, cpu_saturated;
	double cpu_high_since;		/* < 0: not high */
	double cpu_pct;			/* last computed */
};

void mon_detector_init(struct mon_detector *d, const struct mon_detect_config *c);

/*
 * Feeds one sample; writes the events it causes into ev[0..max) in this
 * order: oom-kill, budget, runaway, cpu.  Returns how many.  The runaway
 * event fires once per detector (a node that ran away stays suspect);
 * budget and CPU events fire on each crossing.  Events beyond `max` are
 * lost (the state still moves on): MON_EVENTS_MAX is always enough.
 */
size_t mon_detector_feed(struct mon_detector *d, const struct mon_point *p,
    struct mon_event *ev, size_t max);

/* Returns the stable name of an event kind ("runaway", "oom-kill", ...). */
const char *mon_event_name(enum mon_event_kind k);

#endif
