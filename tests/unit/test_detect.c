/*
 * test_detect.c - the detectors over a node's samples
 * (emulator/monitor/detect.c) and the per-process readers of /proc
 * (emulator/monitor/proc_rss.c).
 *
 * The detector cases are their specification: synthetic samples, mostly
 * at 10 Hz, with the exact sample at which each event fires.  The /proc
 * cases use real processes: this one and children it forks.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"
#include "monitor/detect.h"
#include "monitor/proc_rss.h"

#define MiB	(1024ull * 1024)
#define NS	1000000000ull

/* Returns nothing; sets d up with the defaults for these limits. */
static void
det_init(struct mon_detector *d, uint64_t limit, uint64_t budget,
    unsigned millis)
{
	struct mon_detect_config c;

	mon_detect_config_init(&c, limit, budget, millis);
	mon_detector_init(d, &c);
}

/* Returns how many events one sample caused, written to ev. */
static size_t
feed(struct mon_detector *d, double t, uint64_t usage, uint64_t oom,
    uint64_t cpu_ns, struct mon_event *ev)
{
	struct mon_point p = { .t = t, .memory_usage = usage,
	    .oom_kills = oom, .cpu_usage_ns = cpu_ns };

	return mon_detector_feed(d, &p, ev, MON_EVENTS_MAX);
}

/* Returns the usage at t of 64 MiB/s growth from 16 MiB, starting at t0. */
static uint64_t
steady(double t, double t0)
{
	if (t <= t0)
		return 16 * MiB;
	return 16 * MiB + (uint64_t)llround(64.0 * MiB * (t - t0));
}

/* Returns true when a and b differ by at most `rel` of b. */
static bool
near(double a, double b, double rel)
{
	return fabs(a - b) <= rel * fabs(b);
}

/* Returns the least-squares slope of u over t for n points, by the book. */
static double
ls_slope(const double *t, const double *u, size_t n)
{
	double st = 0, su = 0, stt = 0, stu = 0;

	for (size_t i = 0; i < n; i++) {
		st += t[i];
		su += u[i];
		stt += t[i] * t[i];
		stu += t[i] * u[i];
	}
	return (n * stu - st * su) / (n * stt - st * st);
}

/* ---- names and defaults ---- */

START_TEST(event_names)
{
	ck_assert_str_eq(mon_event_name(MON_EV_OVER_BUDGET), "over-budget");
	ck_assert_str_eq(mon_event_name(MON_EV_UNDER_BUDGET), "under-budget");
	ck_assert_str_eq(mon_event_name(MON_EV_RUNAWAY), "runaway");
	ck_assert_str_eq(mon_event_name(MON_EV_OOM_KILL), "oom-kill");
	ck_assert_str_eq(mon_event_name(MON_EV_CPU_SATURATED), "cpu-saturated");
	ck_assert_str_eq(mon_event_name(MON_EV_CPU_NORMAL), "cpu-normal");
	ck_assert_str_eq(mon_event_name(MON_EV_NONE), "none");
	ck_assert_str_eq(mon_event_name((enum mon_event_kind)99), "unknown");
}
END_TEST

START_TEST(config_defaults)
{
	struct mon_detect_config c;
	struct mon_detector d;

	mon_detect_config_init(&c, 256 * MiB, 100 * MiB, 500);
	ck_assert_uint_eq(c.memory_limit, 256 * MiB);
	ck_assert_uint_eq(c.memory_budget, 100 * MiB);
	ck_assert_uint_eq(c.cpu_millis, 500);
	ck_assert_double_eq(c.runaway_window_s, 2.0);
	ck_assert_double_eq(c.runaway_horizon_s, 10.0);
	ck_assert_double_eq(c.runaway_min_rising, 0.75);
	ck_assert_double_eq(c.cpu_saturated_pct, 90.0);
	ck_assert_double_eq(c.cpu_saturated_s, 1.0);
	mon_detector_init(&d, &c);
	ck_assert_uint_eq(d.n, 0);
	ck_assert(!d.have_prev && !d.over_budget && !d.runaway_fired &&
	    !d.cpu_saturated);
	ck_assert(d.cpu_high_since < 0);
}
END_TEST

/* ---- OOM kills ---- */

START_TEST(oom_counts_differences)
{
	static const uint64_t kills[] = { 3, 3, 5, 5, 0, 1, 1, 4 };
	/* the first sample is the baseline; 5 -> 0 is a new cgroup */
	static const uint64_t want[] = { 0, 0, 2, 0, 0, 1, 0, 3 };
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];

	det_init(&d, 0, 0, 0);
	for (size_t i = 0; i < sizeof kills / sizeof kills[0]; i++) {
		size_t n = feed(&d, i * 0.1, 10 * MiB, kills[i], 0, ev);

		ck_assert_uint_eq(n, want[i] != 0);
		if (n == 0)
			continue;
		ck_assert_int_eq(ev[0].kind, MON_EV_OOM_KILL);
		ck_assert_uint_eq(ev[0].count, want[i]);
		ck_assert_double_eq_tol(ev[0].t, i * 0.1, 1e-12);
		ck_assert_uint_eq(ev[0].memory_usage, 10 * MiB);
	}
}
END_TEST

/* ---- budget ---- */

START_TEST(budget_crossings_rearm)
{
	static const uint64_t use[] = { 50, 100, 101, 150, 100, 99, 120, 120 };
	static const enum mon_event_kind want[] = { MON_EV_NONE, MON_EV_NONE,
	    MON_EV_OVER_BUDGET, MON_EV_NONE, MON_EV_UNDER_BUDGET, MON_EV_NONE,
	    MON_EV_OVER_BUDGET, MON_EV_NONE };
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];

	det_init(&d, 0, 100 * MiB, 0);
	for (size_t i = 0; i < sizeof use / sizeof use[0]; i++) {
		size_t n = feed(&d, i * 0.1, use[i] * MiB, 0, 0, ev);

		if (want[i] == MON_EV_NONE) {
			ck_assert_uint_eq(n, 0);
			continue;
		}
		ck_assert_uint_eq(n, 1);
		ck_assert_int_eq(ev[0].kind, want[i]);
		ck_assert_uint_eq(ev[0].memory_usage, use[i] * MiB);
	}
}
END_TEST

START_TEST(budget_from_limit)
{
	/* limit, the 80% budget rounded down */
	static const uint64_t cases[][2] = {
		{ 256 * MiB, 214748364 }, { 1000, 800 }, { 7, 5 },
		{ UINT64_MAX, 14757395258967641292ull },
	};
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		det_init(&d, cases[i][0], 0, 0);
		ck_assert_uint_eq(feed(&d, 0.0, cases[i][1], 0, 0, ev), 0);
		ck_assert_uint_eq(feed(&d, 10.0, cases[i][1] + 1, 0, 0, ev), 1);
		ck_assert_int_eq(ev[0].kind, MON_EV_OVER_BUDGET);
	}
	/* an explicit budget wins over the limit's */
	det_init(&d, 256 * MiB, 50 * MiB, 0);
	ck_assert_uint_eq(feed(&d, 0.0, 50 * MiB + 1, 0, 0, ev), 1);
	ck_assert_int_eq(ev[0].kind, MON_EV_OVER_BUDGET);
}
END_TEST

START_TEST(budget_first_sample_over)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];

	/* the state starts under budget: a node over it already is news */
	det_init(&d, 0, 100 * MiB, 0);
	ck_assert_uint_eq(feed(&d, 0.0, 200 * MiB, 0, 0, ev), 1);
	ck_assert_int_eq(ev[0].kind, MON_EV_OVER_BUDGET);
	ck_assert_uint_eq(feed(&d, 0.1, 200 * MiB, 0, 0, ev), 0);
}
END_TEST

START_TEST(no_limit_no_memory_events)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];

	/* 64 MiB/s for 60 s, to 3.8 GiB: nothing to measure it against */
	det_init(&d, 0, 0, 0);
	for (int i = 0; i <= 600; i++)
		ck_assert_uint_eq(feed(&d, i * 0.1, steady(i * 0.1, 0), 0, 0,
		    ev), 0);
	ck_assert(!d.runaway_fired);

	/* a budget without a limit: the budget fires, runaway cannot */
	det_init(&d, 0, 100 * MiB, 0);
	for (int i = 0; i <= 600; i++) {
		size_t n = feed(&d, i * 0.1, steady(i * 0.1, 0), 0, 0, ev);

		ck_assert_uint_eq(n, i == 14);	/* 16 + 89.6 MiB */
		if (n > 0)
			ck_assert_int_eq(ev[0].kind, MON_EV_OVER_BUDGET);
	}
}
END_TEST

/* ---- order within one sample ---- */

/*
 * Returns nothing; feeds samples 0..16 of a node where sample 16 causes
 * every kind of event at once: kills, the 112 MiB budget crossed, the
 * runaway fit complete, CPU at 100% for 1.6 s.  Checks that samples
 * 0..15 cause none, and leaves sample 16's in ev (n of them in *n).
 */
static void
feed_everything_at_16(struct mon_detector *d, struct mon_event *ev,
    size_t max, size_t *n)
{
	struct mon_detect_config c;

	mon_detect_config_init(&c, 256 * MiB, 112 * MiB, 0);
	c.cpu_saturated_s = 1.6;
	mon_detector_init(d, &c);
	for (int i = 0; i <= 16; i++) {
		struct mon_point p = { .t = i * 0.1,
		    .memory_usage = steady(i * 0.1, 0),
		    .oom_kills = i == 16 ? 3 : 0,
		    .cpu_usage_ns = (uint64_t)i * NS / 10 };

		*n = mon_detector_feed(d, &p, ev, max);
		if (i < 16)
			ck_assert_uint_eq(*n, 0);
	}
}

START_TEST(order_in_one_sample)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];
	size_t n;

	feed_everything_at_16(&d, ev, MON_EVENTS_MAX, &n);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(ev[0].kind, MON_EV_OOM_KILL);
	ck_assert_uint_eq(ev[0].count, 3);
	ck_assert_int_eq(ev[1].kind, MON_EV_OVER_BUDGET);
	ck_assert_int_eq(ev[2].kind, MON_EV_RUNAWAY);
	ck_assert_int_eq(ev[3].kind, MON_EV_CPU_SATURATED);
	ck_assert_double_eq_tol(ev[3].cpu_pct, 100.0, 1e-6);
	for (size_t i = 0; i < n; i++) {
		ck_assert_double_eq_tol(ev[i].t, 1.6, 1e-9);
		ck_assert_uint_eq(ev[i].memory_usage, steady(1.6, 0));
	}
}
END_TEST

START_TEST(order_truncated_by_max)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];
	size_t n;

	/* room for two: the first two in order; the state moves on anyway */
	feed_everything_at_16(&d, ev, 2, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(ev[0].kind, MON_EV_OOM_KILL);
	ck_assert_int_eq(ev[1].kind, MON_EV_OVER_BUDGET);
	ck_assert(d.runaway_fired && d.cpu_saturated);
	for (int i = 17; i < 30; i++)
		ck_assert_uint_eq(feed(&d, i * 0.1, steady(i * 0.1, 0), 3,
		    (uint64_t)i * NS / 10, ev), 0);
}
END_TEST

/* ---- runaway ---- */

START_TEST(runaway_steady_growth_from_start)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];
	int fired = -1;

	/*
	 * 64 MiB/s from 16 MiB toward 256 MiB: the limit is 3.75 s away.
	 * The fit counts once the window spans 80% of 2 s: sample 16.
	 */
	det_init(&d, 256 * MiB, 1024 * MiB, 0);
	for (int i = 0; i <= 37; i++) {
		double t = i * 0.1;
		size_t n = feed(&d, t, steady(t, 0), 0, 0, ev);

		if (n == 0)
			continue;
		ck_assert_int_eq(fired, -1);
		fired = i;
		ck_assert_uint_eq(n, 1);
		ck_assert_int_eq(ev[0].kind, MON_EV_RUNAWAY);
		ck_assert(near(ev[0].slope_bps, 64.0 * MiB, 0.01));
		/* (256 - 16 - 102.4) MiB at 64 MiB/s */
		ck_assert(near(ev[0].eta_s, 2.15, 0.01));
		ck_assert_uint_eq(ev[0].memory_usage, steady(t, 0));
	}
	ck_assert_int_eq(fired, 16);
}
END_TEST

START_TEST(runaway_growth_after_plateau)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];
	double tw[21], uw[21], slope;
	int fired = -1;

	/*
	 * Flat at 16 MiB for 3 s, then 64 MiB/s.  At 10 Hz a 2 s window has
	 * 20 steps and 15 must rise: sample 45, 1.5 s into the growth and
	 * 2.25 s before the limit.  The fit still holds 6 flat samples, so
	 * the slope is the least-squares one over samples 25..45, not 64.
	 */
	det_init(&d, 256 * MiB, 1024 * MiB, 0);
	for (int i = 0; i <= 67; i++) {
		double t = i / 10.0;

		if (feed(&d, t, steady(t, 3.0), 0, 0, ev) == 0)
			continue;
		ck_assert_int_eq(fired, -1);
		fired = i;
		ck_assert_int_eq(ev[0].kind, MON_EV_RUNAWAY);
		for (int k = 0; k < 21; k++) {
			tw[k] = (25 + k) / 10.0;
			uw[k] = (double)steady(tw[k], 3.0);
		}
		slope = ls_slope(tw, uw, 21);
		ck_assert(near(ev[0].slope_bps, slope, 0.01));
		ck_assert(near(ev[0].eta_s,
		    (256.0 * MiB - (double)steady(t, 3.0)) / slope, 0.01));
		ck_assert(ev[0].slope_bps > 40.0 * MiB &&
		    ev[0].slope_bps < 64.0 * MiB);
		ck_assert(ev[0].eta_s < 10.0);
	}
	ck_assert_int_eq(fired, 45);
}
END_TEST

/* Returns the usage at sample i of a daemon's start-up: +30 MiB in 0.5 s. */
static uint64_t
burst(int i)
{
	uint64_t u = 150 * MiB + (uint64_t)(i < 5 ? i : 5) * 6 * MiB;

	/* then flat, with the page-sized jitter of a live process */
	if (i > 5 && i % 2 == 1)
		u += 4096;
	return u;
}

START_TEST(runaway_startup_burst_does_not_fire)
{
	struct mon_detect_config c;
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];
	int fired = -1;

	/* 150 -> 180 MiB of 256 in 0.5 s, then a plateau for 30 s */
	det_init(&d, 256 * MiB, 0, 0);
	for (int i = 0; i <= 300; i++)
		ck_assert_uint_eq(feed(&d, i * 0.1, burst(i), 0, 0, ev), 0);
	ck_assert(!d.runaway_fired);

	/*
	 * It is the rising-fraction rule that holds it: without it the fit
	 * over samples 0..16 (14.7 MiB/s, 5.2 s to the limit) would fire.
	 */
	mon_detect_config_init(&c, 256 * MiB, 0, 0);
	c.runaway_min_rising = 0;
	mon_detector_init(&d, &c);
	for (int i = 0; i <= 300 && fired < 0; i++)
		if (feed(&d, i * 0.1, burst(i), 0, 0, ev) > 0) {
			ck_assert_int_eq(ev[0].kind, MON_EV_RUNAWAY);
			fired = i;
		}
	ck_assert_int_eq(fired, 16);
}
END_TEST

START_TEST(runaway_fires_once)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];
	int count = 0;

	/* growth, a drop (the daemon restarted), growth again: one event */
	det_init(&d, 256 * MiB, 1024 * MiB, 0);
	for (int i = 0; i <= 300; i++) {
		double t = i * 0.1;
		size_t n = feed(&d, t, steady(fmod(t, 3.0), 0), 0, 0, ev);

		for (size_t k = 0; k < n; k++)
			count += ev[k].kind == MON_EV_RUNAWAY;
	}
	ck_assert_int_eq(count, 1);
}
END_TEST

START_TEST(runaway_slow_growth_beyond_horizon)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];

	/* 1 MiB/s from 16 MiB: 240 s to the limit, far past 10 s */
	det_init(&d, 256 * MiB, 1024 * MiB, 0);
	for (int i = 0; i <= 1000; i++)
		ck_assert_uint_eq(feed(&d, i * 0.1,
		    16 * MiB + (uint64_t)i * MiB / 10, 0, 0, ev), 0);
}
END_TEST

START_TEST(runaway_too_few_samples)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];

	/* at 1 Hz a 2 s window holds 3 samples: no trend from so few */
	det_init(&d, 256 * MiB, 1024 * MiB, 0);
	for (int i = 0; i <= 3; i++)
		ck_assert_uint_eq(feed(&d, i, steady(i, 0), 0, 0, ev), 0);
	ck_assert_uint_eq(d.n, 3);
}
END_TEST

START_TEST(runaway_time_not_increasing)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];
	int fired = -1;

	/*
	 * Every sample twice, the copy with the same t, then one stale
	 * sample from the past: the window keeps the first of each, so it
	 * fires at t = 1.6 as with clean samples, and with the same fit.
	 */
	det_init(&d, 256 * MiB, 1024 * MiB, 0);
	for (int i = 0; i <= 20; i++) {
		double t = i * 0.1;

		if (feed(&d, t, steady(t, 0), 0, 0, ev) > 0) {
			ck_assert_int_eq(fired, -1);
			fired = i;
			ck_assert(near(ev[0].slope_bps, 64.0 * MiB, 0.01));
		}
		ck_assert_uint_eq(feed(&d, t, 10 * MiB, 0, 0, ev), 0);
		ck_assert_uint_eq(feed(&d, t - 0.05, 300 * MiB, 0, 0, ev), 0);
	}
	ck_assert_int_eq(fired, 16);
}
END_TEST

/* ---- CPU ---- */

START_TEST(cpu_half_core_saturates_after_1s)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];
	uint64_t cpu = 0;
	int saturated = -1, normal = -1, again = -1;

	/*
	 * A 0.5-core limit: the threshold is 90% of 50% of a core.  At 95%
	 * of the limit from t = 0 the run reaches 1 s at sample 10.  Then
	 * 10% of the limit (normal at once), then high again from sample 41,
	 * whose step starts at 4.0 s: saturated again at 5.0 s.
	 */
	det_init(&d, 0, 0, 500);
	for (int i = 0; i <= 60; i++) {
		size_t n;

		if (i > 0)
			cpu += i > 30 && i <= 40 ? 5000000 : 47500000;
		n = feed(&d, i / 10.0, 10 * MiB, 0, cpu, ev);
		if (n == 0)
			continue;
		ck_assert_uint_eq(n, 1);
		if (ev[0].kind == MON_EV_CPU_SATURATED) {
			ck_assert_double_eq_tol(ev[0].cpu_pct, 47.5, 1e-6);
			if (saturated < 0)
				saturated = i;
			else {
				ck_assert_int_eq(again, -1);
				again = i;
			}
		} else {
			ck_assert_int_eq(ev[0].kind, MON_EV_CPU_NORMAL);
			ck_assert_int_eq(normal, -1);
			ck_assert_double_eq_tol(ev[0].cpu_pct, 5.0, 1e-6);
			normal = i;
		}
	}
	ck_assert_int_eq(saturated, 10);
	ck_assert_int_eq(normal, 31);
	ck_assert_int_eq(again, 50);
}
END_TEST

START_TEST(cpu_half_never_saturates)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];

	/* 50% of a 0.5-core limit */
	det_init(&d, 0, 0, 500);
	for (int i = 0; i <= 300; i++)
		ck_assert_uint_eq(feed(&d, i / 10.0, 10 * MiB, 0,
		    (uint64_t)i * 25000000, ev), 0);
	ck_assert_double_eq_tol(d.cpu_pct, 25.0, 1e-6);
	/* 50% of one core, no limit given (one core) */
	det_init(&d, 0, 0, 0);
	for (int i = 0; i <= 300; i++)
		ck_assert_uint_eq(feed(&d, i / 10.0, 10 * MiB, 0,
		    (uint64_t)i * 50000000, ev), 0);
	ck_assert_double_eq_tol(d.cpu_pct, 50.0, 1e-6);
}
END_TEST

START_TEST(cpu_threshold_inclusive)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];
	int fired = -1;

	/* steps of 1/8 s, exact in binary: 90.0% exactly is saturated */
	det_init(&d, 0, 0, 1000);
	for (int i = 0; i <= 16; i++)
		if (feed(&d, i * 0.125, 0, 0, (uint64_t)i * 112500000, ev) > 0 &&
		    fired < 0)
			fired = i;
	ck_assert_int_eq(fired, 8);
	det_init(&d, 0, 0, 1000);
	for (int i = 0; i <= 80; i++)
		ck_assert_uint_eq(feed(&d, i * 0.125, 0, 0,
		    (uint64_t)i * 112375000, ev), 0);	/* 89.9% */
}
END_TEST

START_TEST(cpu_first_sample_and_rate)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];

	/* a counter that starts high says nothing about the first step */
	det_init(&d, 0, 0, 0);
	ck_assert_uint_eq(feed(&d, 100.0, 0, 0, 500 * NS, ev), 0);
	ck_assert_double_eq(d.cpu_pct, 0.0);
	ck_assert_uint_eq(feed(&d, 100.5, 0, 0, 500 * NS + NS / 8, ev), 0);
	ck_assert_double_eq_tol(d.cpu_pct, 25.0, 1e-9);
}
END_TEST

START_TEST(cpu_time_not_increasing)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];

	det_init(&d, 0, 0, 0);
	feed(&d, 0.0, 0, 0, 0, ev);
	feed(&d, 0.1, 0, 0, 50000000, ev);
	ck_assert_double_eq_tol(d.cpu_pct, 50.0, 1e-6);
	/* same t, more CPU: no rate, and the baseline stays */
	ck_assert_uint_eq(feed(&d, 0.1, 0, 0, 60000000, ev), 0);
	ck_assert_double_eq_tol(d.cpu_pct, 50.0, 1e-6);
	/* t from the past: the same */
	ck_assert_uint_eq(feed(&d, 0.05, 0, 0, 70000000, ev), 0);
	ck_assert_double_eq_tol(d.cpu_pct, 50.0, 1e-6);
	/* the next rate spans from the last good baseline (0.1 s, 50 ms) */
	ck_assert_uint_eq(feed(&d, 0.2, 0, 0, 150000000, ev), 0);
	ck_assert_double_eq_tol(d.cpu_pct, 100.0, 1e-6);
}
END_TEST

START_TEST(counters_backwards_reset)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];
	uint64_t cpu = 0, oom = 2;
	int saturated = -1, kill = -1;

	/*
	 * 100% of a core for 0.5 s, then the cgroup is recreated at sample
	 * 6 (both counters restart low): no event there, and the CPU run
	 * starts again from sample 6, so saturation comes at 1.6 s, not 1.0.
	 */
	det_init(&d, 0, 0, 0);
	for (int i = 0; i <= 20; i++) {
		size_t n;

		if (i == 6) {
			cpu = 1000000;
			oom = 0;
		} else if (i > 0)
			cpu += NS / 10;
		if (i == 8)
			oom = 1;
		n = feed(&d, i / 10.0, 10 * MiB, oom, cpu, ev);
		if (i == 6) {
			ck_assert_uint_eq(n, 0);
			ck_assert_double_eq(d.cpu_pct, 0.0);
		}
		for (size_t k = 0; k < n; k++) {
			if (ev[k].kind == MON_EV_OOM_KILL) {
				ck_assert_int_eq(kill, -1);
				ck_assert_uint_eq(ev[k].count, 1);
				kill = i;
				continue;
			}
			ck_assert_int_eq(ev[k].kind, MON_EV_CPU_SATURATED);
			ck_assert_int_eq(saturated, -1);
			saturated = i;
		}
	}
	ck_assert_int_eq(kill, 8);
	ck_assert_int_eq(saturated, 16);
}
END_TEST

START_TEST(cpu_dip_restarts_run)
{
	struct mon_detector d;
	struct mon_event ev[MON_EVENTS_MAX];
	uint64_t cpu = 0;
	int fired = -1;

	/* high for 0.8 s, one low step at 0.9, then high: 1 s from 0.9 */
	det_init(&d, 0, 0, 0);
	for (int i = 0; i <= 30; i++) {
		if (i > 0)
			cpu += i == 9 ? NS / 100 : NS / 10;
		if (feed(&d, i / 10.0, 0, 0, cpu, ev) > 0) {
			ck_assert_int_eq(ev[0].kind, MON_EV_CPU_SATURATED);
			ck_assert_int_eq(fired, -1);
			fired = i;
		}
	}
	ck_assert_int_eq(fired, 19);
}
END_TEST

/* ---- /proc readers ---- */

/* Returns the resident set of pid, or fails the test. */
static uint64_t
rss_of(pid_t pid)
{
	uint64_t rss = 0;

	ck_assert_msg(mon_proc_rss(pid, &rss) == 0, "rss of %ld: %s",
	    (long)pid, strerror(errno));
	return rss;
}

/* Returns the stat of pid, or fails the test. */
static struct mon_proc_stat
stat_of(pid_t pid)
{
	struct mon_proc_stat st;

	ck_assert_msg(mon_proc_stat(pid, &st) == 0, "stat of %ld: %s",
	    (long)pid, strerror(errno));
	return st;
}

/* Returns the time since boot, ns. */
static uint64_t
boot_ns(void)
{
	struct timespec ts;

	ck_assert_int_eq(clock_gettime(CLOCK_BOOTTIME, &ts), 0);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* Returns the CPU time this process has used, ns. */
static uint64_t
self_cpu_ns(void)
{
	struct timespec ts;

	ck_assert_int_eq(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts), 0);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* Returns nothing; burns `ns` of CPU time in this process. */
static void
burn(uint64_t ns)
{
	uint64_t until = self_cpu_ns() + ns;

	/* asking the clock is work enough (a syscall: user and system time) */
	while (self_cpu_ns() < until)
		continue;
}

/*
 * Returns the pid of a child that names itself `comm` (when not NULL),
 * says so on a pipe, then spins (busy) or pauses.
 */
static pid_t
spawn(const char *comm, bool busy)
{
	int fds[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	/* Not ck_assert: a passing one writes to Check's channel, from the child too. */
	if (pid < 0)
		ck_abort_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		if (comm != NULL && prctl(PR_SET_NAME, comm, 0, 0, 0) < 0)
			_exit(1);
		if (write(fds[1], "r", 1) != 1)
			_exit(1);
		close(fds[1]);
		for (;;) {
			if (busy)
				burn(NS);
			else
				pause();
		}
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	return pid;
}

/* Returns the state pid reached within 5 s, polling; fails if it did not. */
static struct mon_proc_stat
await_state(pid_t pid, char state)
{
	struct mon_proc_stat st;

	for (int i = 0; i < 500; i++) {
		st = stat_of(pid);
		if (st.state == state)
			return st;
		usleep(10000);
	}
	ck_abort_msg("process %ld never reached state %c (last %c)",
	    (long)pid, state, st.state);
	return st;
}

/* Returns nothing; kills and reaps child pid. */
static void
reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}

/* Returns the pid of a process that has exited and been reaped. */
static pid_t
gone_pid(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(0);
	ck_assert_int_ge(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return pid;
}

START_TEST(rss_self_grows)
{
	uint64_t before, after;
	long page = sysconf(_SC_PAGESIZE);
	char *p;

	before = rss_of(getpid());
	ck_assert_uint_gt(before, 0);
	ck_assert_uint_eq(before % (uint64_t)page, 0);
	/* 64 MiB touched: resident now, whatever malloc does with it */
	ck_assert_ptr_nonnull(p = malloc(64 * MiB));
	memset(p, 0x5a, 64 * MiB);
	/* p escapes: the compiler may not drop the unread memset */
	__asm__ volatile("" : : "r"(p) : "memory");
	after = rss_of(getpid());
	ck_assert_msg(after >= before + 60 * MiB, "rss %llu -> %llu",
	    (unsigned long long)before, (unsigned long long)after);
	free(p);
}
END_TEST

START_TEST(rss_gone_and_invalid)
{
	struct mon_proc_stat st;
	uint64_t rss = 42;
	pid_t pid = gone_pid();

	errno = 0;
	ck_assert_int_eq(mon_proc_rss(pid, &rss), -1);
	ck_assert_int_eq(errno, ESRCH);
	ck_assert_uint_eq(rss, 42);
	errno = 0;
	ck_assert_int_eq(mon_proc_stat(pid, &st), -1);
	ck_assert_int_eq(errno, ESRCH);
	errno = 0;
	ck_assert_int_eq(mon_proc_rss(0, &rss), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(mon_proc_stat(-1, &st), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(rss_sum_skips_gone)
{
	pid_t child = spawn(NULL, false);
	pid_t two[2] = { child, child };
	pid_t with_gone[3] = { gone_pid(), child, -1 };
	uint64_t rss;

	/* a paused child keeps its resident set still */
	await_state(child, 'S');
	rss = rss_of(child);
	ck_assert_uint_gt(rss, 0);
	ck_assert_uint_eq(mon_procs_rss(two, 2), 2 * rss);
	ck_assert_uint_eq(mon_procs_rss(with_gone, 3), rss);
	ck_assert_uint_eq(mon_procs_rss(NULL, 0), 0);
	reap(child);
	ck_assert_uint_eq(mon_procs_rss(two, 2), 0);
}
END_TEST

START_TEST(stat_self)
{
	struct mon_proc_stat a, b;

	a = stat_of(getpid());
	ck_assert_int_eq(a.state, 'R');
	burn(200000000);
	b = stat_of(getpid());
	/* ticks of 10 ms: 200 ms burnt shows as at least 150 */
	ck_assert_msg(b.cpu_ns >= a.cpu_ns + 150000000, "cpu %llu -> %llu",
	    (unsigned long long)a.cpu_ns, (unsigned long long)b.cpu_ns);
	ck_assert_uint_le(b.cpu_ns, self_cpu_ns() + 20000000);
	ck_assert_uint_eq(a.start_ns, b.start_ns);
	ck_assert_uint_le(a.start_ns, boot_ns());
}
END_TEST

START_TEST(stat_child_odd_name)
{
	/* a name that fools a parser stopping at the first ')' */
	static const char name[] = "x) R 1 (y) 9";
	struct mon_proc_stat self = stat_of(getpid()), st;
	char comm[64], path[64];
	FILE *f;
	pid_t child = spawn(name, true);

	snprintf(path, sizeof path, "/proc/%ld/comm", (long)child);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(comm, sizeof comm, f));
	fclose(f);
	ck_assert_str_eq(comm, "x) R 1 (y) 9\n");

	for (int i = 0; i < 500; i++) {
		st = stat_of(child);
		if (st.cpu_ns >= 100000000)
			break;
		usleep(10000);
	}
	ck_assert_uint_ge(st.cpu_ns, 100000000);
	ck_assert_msg(st.state == 'R', "state %c", st.state);
	ck_assert_uint_ge(st.start_ns, self.start_ns);
	ck_assert_uint_le(st.start_ns, boot_ns());
	ck_assert_uint_gt(rss_of(child), 0);
	reap(child);
}
END_TEST

START_TEST(stat_sleeping_then_zombie)
{
	pid_t child = spawn(NULL, false);
	int status;

	await_state(child, 'S');
	kill(child, SIGKILL);
	/* killed, not yet reaped: a zombie, which holds no memory */
	await_state(child, 'Z');
	ck_assert_uint_eq(rss_of(child), 0);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	errno = 0;
	ck_assert_int_eq(mon_proc_stat(child, &(struct mon_proc_stat){ 0 }), -1);
	ck_assert_int_eq(errno, ESRCH);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("detect");
	TCase *tc = tcase_create("detectors");
	TCase *tp = tcase_create("proc");

	tcase_add_test(tc, event_names);
	tcase_add_test(tc, config_defaults);
	tcase_add_test(tc, oom_counts_differences);
	tcase_add_test(tc, budget_crossings_rearm);
	tcase_add_test(tc, budget_from_limit);
	tcase_add_test(tc, budget_first_sample_over);
	tcase_add_test(tc, no_limit_no_memory_events);
	tcase_add_test(tc, order_in_one_sample);
	tcase_add_test(tc, order_truncated_by_max);
	tcase_add_test(tc, runaway_steady_growth_from_start);
	tcase_add_test(tc, runaway_growth_after_plateau);
	tcase_add_test(tc, runaway_startup_burst_does_not_fire);
	tcase_add_test(tc, runaway_fires_once);
	tcase_add_test(tc, runaway_slow_growth_beyond_horizon);
	tcase_add_test(tc, runaway_too_few_samples);
	tcase_add_test(tc, runaway_time_not_increasing);
	tcase_add_test(tc, cpu_half_core_saturates_after_1s);
	tcase_add_test(tc, cpu_half_never_saturates);
	tcase_add_test(tc, cpu_threshold_inclusive);
	tcase_add_test(tc, cpu_first_sample_and_rate);
	tcase_add_test(tc, cpu_time_not_increasing);
	tcase_add_test(tc, counters_backwards_reset);
	tcase_add_test(tc, cpu_dip_restarts_run);
	suite_add_tcase(s, tc);

	tcase_add_test(tp, rss_self_grows);
	tcase_add_test(tp, rss_gone_and_invalid);
	tcase_add_test(tp, rss_sum_skips_gone);
	tcase_add_test(tp, stat_self);
	tcase_add_test(tp, stat_child_odd_name);
	tcase_add_test(tp, stat_sleeping_then_zombie);
	tcase_set_timeout(tp, 30);
	suite_add_tcase(s, tp);
	return fc_run_suite(s);
}
