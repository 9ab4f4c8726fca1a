/*
 * detect.c - detectors over one node's samples.
 *
 * Memory runaway is a least-squares fit over the last few seconds, gated
 * by how many steps in the window rise: a daemon's start-up burst has a
 * steep fit for a moment but rises in few steps, while a rule that eats
 * memory rises in nearly every one.
 */
#include <string.h>

#include "detect.h"

#define TIME_EPS		1e-6	/* sample times this close are equal */
#define RUNAWAY_MIN_SAMPLES	5	/* fewer cannot tell a trend from noise */
#define RUNAWAY_MIN_COVER	0.8	/* of the window, before the fit counts */
#define RISING_EPS		1e-9	/* 0.7 * 10 is 7.000000000000001 */

/* Returns nothing; fills `c` with the defaults of detect.h. */
void
mon_detect_config_init(struct mon_detect_config *c, uint64_t memory_limit,
    uint64_t memory_budget, unsigned cpu_millis)
{
	memset(c, 0, sizeof *c);
	c->memory_limit = memory_limit;
	c->memory_budget = memory_budget;
	c->cpu_millis = cpu_millis;
	c->runaway_window_s = 2.0;
	c->runaway_horizon_s = 10.0;
	c->runaway_min_rising = 0.75;
	c->cpu_saturated_pct = 90.0;
	c->cpu_saturated_s = 1.0;
}

/* Returns nothing; resets `d` to no history under configuration `c`. */
void
mon_detector_init(struct mon_detector *d, const struct mon_detect_config *c)
{
	memset(d, 0, sizeof *d);
	d->cfg = *c;
	d->cpu_high_since = -1.0;
}

/* Returns the budget in force in bytes, 0 for none. */
static uint64_t
effective_budget(const struct mon_detect_config *c)
{
	uint64_t l = c->memory_limit;

	if (c->memory_budget != 0)
		return c->memory_budget;
	/* 80%, rounded down, without overflowing near UINT64_MAX */
	return l / 5 * 4 + l % 5 * 4 / 5;
}

/* Returns the i-th oldest sample of the window (i < d->n). */
static const struct mon_point *
win_at(const struct mon_detector *d, size_t i)
{
	return &d->win[(d->head + i) % MON_WINDOW_MAX];
}

/*
 * Returns true when p entered the window: only samples later than the
 * newest do, so that the fit and the coverage see time moving forward.
 */
static bool
win_push(struct mon_detector *d, const struct mon_point *p)
{
	if (d->n > 0 && !(p->t > win_at(d, d->n - 1)->t))
		return false;
	if (d->n == MON_WINDOW_MAX) {
		d->win[d->head] = *p;
		d->head = (d->head + 1) % MON_WINDOW_MAX;
	} else
		d->win[(d->head + d->n++) % MON_WINDOW_MAX] = *p;
	while (d->n > 1 &&
	    p->t - win_at(d, 0)->t > d->cfg.runaway_window_s + TIME_EPS) {
		d->head = (d->head + 1) % MON_WINDOW_MAX;
		d->n--;
	}
	return true;
}

/*
 * Returns true when the window says memory reaches the limit within the
 * horizon, with the fitted *slope (bytes/s) and *eta (s).
 */
static bool
runaway_check(const struct mon_detector *d, double *slope, double *eta)
{
	const struct mon_detect_config *c = &d->cfg;
	const struct mon_point *last;
	double mt = 0, mu = 0, sxx = 0, sxy = 0, room;
	size_t i, rising = 0;

	if (c->memory_limit == 0 || d->n < RUNAWAY_MIN_SAMPLES)
		return false;
	last = win_at(d, d->n - 1);
	if (last->t - win_at(d, 0)->t <
	    RUNAWAY_MIN_COVER * c->runaway_window_s - TIME_EPS)
		return false;
	for (i = 0; i < d->n; i++) {
		mt += win_at(d, i)->t;
		mu += (double)win_at(d, i)->memory_usage;
	}
	mt /= (double)d->n;
	mu /= (double)d->n;
	/* centred sums: t is seconds since boot, squares would lose digits */
	for (i = 0; i < d->n; i++) {
		const struct mon_point *w = win_at(d, i);
		double dt = w->t - mt;

		sxx += dt * dt;
		sxy += dt * ((double)w->memory_usage - mu);
		if (i > 0 && w->memory_usage > win_at(d, i - 1)->memory_usage)
			rising++;
	}
	if (!(sxx > 0))
		return false;
	*slope = sxy / sxx;
	if (!(*slope > 0))
		return false;
	room = (double)c->memory_limit - (double)last->memory_usage;
	*eta = room > 0 ? room / *slope : 0;
	if ((double)rising + RISING_EPS <
	    c->runaway_min_rising * (double)(d->n - 1))
		return false;
	return *eta <= c->runaway_horizon_s;
}

/*
 * Returns the CPU event sample p causes, MON_EV_NONE mostly; updates the
 * rate, the run of high samples and the CPU baseline.
 */
static enum mon_event_kind
cpu_step(struct mon_detector *d, const struct mon_point *p)
{
	const struct mon_detect_config *c = &d->cfg;
	double dt, start, threshold;
	unsigned millis = c->cpu_millis != 0 ? c->cpu_millis : 1000;

	if (p->cpu_usage_ns < d->prev.cpu_usage_ns) {
		/* the cgroup was recreated: a new counter, a new run */
		d->prev.t = p->t;
		d->prev.cpu_usage_ns = p->cpu_usage_ns;
		d->cpu_high_since = -1.0;
		d->cpu_pct = 0;
		return MON_EV_NONE;
	}
	dt = p->t - d->prev.t;
	if (!(dt > 0))
		return MON_EV_NONE;	/* keep the baseline: the next rate covers it */
	d->cpu_pct = 100.0 * (double)(p->cpu_usage_ns - d->prev.cpu_usage_ns) /
	    (dt * 1e9);
	start = d->prev.t;
	d->prev.t = p->t;
	d->prev.cpu_usage_ns = p->cpu_usage_ns;

	/* cpu_saturated_pct per cent of millis / 10 per cent of one core */
	threshold = c->cpu_saturated_pct * (double)millis / 1000.0;
	if (d->cpu_pct >= threshold) {
		/* the rate was high over the whole step: the run starts there */
		if (d->cpu_high_since < 0)
			d->cpu_high_since = start;
		if (!d->cpu_saturated &&
		    p->t - d->cpu_high_since >= c->cpu_saturated_s - TIME_EPS) {
			d->cpu_saturated = true;
			return MON_EV_CPU_SATURATED;
		}
		return MON_EV_NONE;
	}
	d->cpu_high_since = -1.0;
	if (d->cpu_saturated) {
		d->cpu_saturated = false;
		return MON_EV_CPU_NORMAL;
	}
	return MON_EV_NONE;
}

/* Returns the next free event of ev[0..max), zeroed and stamped, or NULL. */
static struct mon_event *
emit(struct mon_event *ev, size_t max, size_t *n, enum mon_event_kind k,
    const struct mon_point *p)
{
	struct mon_event *e;

	if (*n >= max)
		return NULL;
	e = &ev[(*n)++];
	memset(e, 0, sizeof *e);
	e->kind = k;
	e->t = p->t;
	e->memory_usage = p->memory_usage;
	return e;
}

/* Returns how many events sample p caused, written to ev[0..max). */
size_t
mon_detector_feed(struct mon_detector *d, const struct mon_point *p,
    struct mon_event *ev, size_t max)
{
	struct mon_event *e;
	enum mon_event_kind k;
	uint64_t budget = effective_budget(&d->cfg);
	double slope = 0, eta = 0;
	size_t n = 0;

	if (!d->have_prev) {
		/* the first sample only sets the baselines */
		d->prev = *p;
		d->have_prev = true;
		d->cpu_pct = 0;
	} else {
		/* a count that went down is a new cgroup: a new baseline */
		if (p->oom_kills > d->prev.oom_kills &&
		    (e = emit(ev, max, &n, MON_EV_OOM_KILL, p)) != NULL)
			e->count = p->oom_kills - d->prev.oom_kills;
		d->prev.oom_kills = p->oom_kills;
		d->prev.memory_usage = p->memory_usage;
	}

	if (budget != 0 && !d->over_budget && p->memory_usage > budget) {
		d->over_budget = true;
		emit(ev, max, &n, MON_EV_OVER_BUDGET, p);
	} else if (d->over_budget && p->memory_usage <= budget) {
		d->over_budget = false;
		emit(ev, max, &n, MON_EV_UNDER_BUDGET, p);
	}

	if (win_push(d, p) && !d->runaway_fired &&
	    runaway_check(d, &slope, &eta)) {
		d->runaway_fired = true;
		if ((e = emit(ev, max, &n, MON_EV_RUNAWAY, p)) != NULL) {
			e->slope_bps = slope;
			e->eta_s = eta;
		}
	}

	/* the first sample has no rate: cpu_step sees dt == 0 */
	k = cpu_step(d, p);
	if (k != MON_EV_NONE && (e = emit(ev, max, &n, k, p)) != NULL)
		e->cpu_pct = d->cpu_pct;
	return n;
}

/* Returns the stable name of kind k, "unknown" for none of them. */
const char *
mon_event_name(enum mon_event_kind k)
{
	switch (k) {
	case MON_EV_NONE:
		return "none";
	case MON_EV_OVER_BUDGET:
		return "over-budget";
	case MON_EV_UNDER_BUDGET:
		return "under-budget";
	case MON_EV_RUNAWAY:
		return "runaway";
	case MON_EV_OOM_KILL:
		return "oom-kill";
	case MON_EV_CPU_SATURATED:
		return "cpu-saturated";
	case MON_EV_CPU_NORMAL:
		return "cpu-normal";
	}
	return "unknown";
}
