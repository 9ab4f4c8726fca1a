#!/usr/bin/env bash
# test.sh - builds and runs flowcanary's whole test suite, in three phases:
#
#   gcc   build/       gcc, the Check unit tests (meson test)
#   san   build-san/   clang with ASan + UBSan (fatal) and LeakSanitizer, the same tests
#   fuzz  build-fuzz/  clang -Dfuzz=true, each libFuzzer target for FUZZ_SECONDS
#                      (default 30) on a copy of its seed corpus
#
# Every Check test case counts once (from the "NN%: Checks: N, Failures: F,
# Errors: E" summaries in meson-logs/testlog.txt); a test executable that
# died without a summary, a build that failed, or a fuzz target that found
# a crash counts as one failure.  The last line is "N passed, N failed";
# the exit status is 1 if anything failed.
#
# Environment: FUZZ_SECONDS (default 30), PHASES (default "gcc san fuzz").
# Packages: see tools/setup.sh deps.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
PHASES=${PHASES:-gcc san fuzz}
FUZZ_TARGETS=(fuzz_nlri fuzz_rule fuzz_bgp fuzz_topology fuzz_vrconfig fuzz_packet)

case "$FUZZ_SECONDS" in
'' | *[!0-9]*)
	echo "test.sh: FUZZ_SECONDS must be a whole number of seconds" >&2
	exit 2
	;;
esac

# Sanitizers: stop at the first error, leaks included.  Harmless for gcc.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1:print_summary=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:print_summary=1"
export LSAN_OPTIONS="print_suppressions=0"

total_passed=0
total_failed=0
summaries=()

now() {
	date +%s
}

note() {
	printf '%s\n' "$*"
}

# Records the result line of one phase.
phase_done() {
	local name=$1 passed=$2 failed=$3 detail=$4
	total_passed=$((total_passed + passed))
	total_failed=$((total_failed + failed))
	summaries+=("$(printf '%-5s %4d passed, %d failed  %s' "$name" "$passed" "$failed" "$detail")")
	note "== $name: $passed passed, $failed failed  $detail"
}

# Prints the last lines of a log file, indented.
show_tail() {
	note "-- last lines of $1:"
	tail -n "${2:-40}" "$1" | sed 's/^/   | /'
}

# configure DIR COMPILER [meson options...]: sets DIR up unless it already
# is a build directory of that compiler, and applies the options.
configure() {
	local dir=$1 compiler=$2
	shift 2
	if [ -f "$dir/meson-private/coredata.dat" ] && [ -f "$dir/build.ninja" ] &&
		grep -q "^C compiler for the host machine: $compiler " "$dir/meson-logs/meson-log.txt" 2>/dev/null; then
		[ "$#" -eq 0 ] || meson configure "$dir" "$@" >"$dir/configure.log" 2>&1 || {
			show_tail "$dir/configure.log"
			return 1
		}
		return 0
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	CC=$compiler meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || {
		show_tail "$dir.setup.log"
		return 1
	}
	mv "$dir.setup.log" "$dir/setup.log"
}

# build DIR: compiles, showing the compiler's output only on failure.
build() {
	local dir=$1
	ninja -C "$dir" >"$dir/ninja.log" 2>&1 || {
		note "-- build failed ($dir/ninja.log):"
		if grep -q -E 'error|FAILED' "$dir/ninja.log"; then
			grep -E -A6 'error|FAILED' "$dir/ninja.log" | grep -v '^clang \|^gcc \|^cc ' |
				head -n 60 | sed 's/^/   | /'
		else
			tail -n 30 "$dir/ninja.log" | sed 's/^/   | /'
		fi
		return 1
	}
}

# Prints "PASSED FAILED SKIPPED NOTES" for a meson testlog.txt.
count_testlog() {
	awk '
	function flush() {
		if (!intest)
			return
		if (nsum == 0) {
			if (status == "exit status 77") {
				skipped++
			} else {
				failed++
				notes = notes " " name "(" (status == "" ? "no result" : status) ", no Check summary)"
			}
		} else {
			passed += cp
			failed += cf
			if (status != "exit status 0" && cf == 0) {
				failed++
				notes = notes " " name "(" status " after its summary)"
			}
		}
		intest = 0
	}
	/^=+ [0-9]+\/[0-9]+ =+$/ {
		flush()
		intest = 1; name = "?"; status = ""; nsum = 0; cp = 0; cf = 0
		next
	}
	intest && /^test: / { name = $2; next }
	intest && /^result: / { sub(/^result: +/, ""); status = $0; next }
	intest && /[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+/ {
		s = substr($0, match($0, /[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+/), RLENGTH)
		split(s, f, /[^0-9]+/)
		# f[1] percent, f[2] checks, f[3] failures, f[4] errors
		nsum++
		cp += f[2] - f[3] - f[4]
		cf += f[3] + f[4]
		next
	}
	END {
		flush()
		printf "%d %d %d %s\n", passed, failed, skipped, notes
	}' "$1"
}

# unit_phase NAME DIR COMPILER TIMEOUT_MULTIPLIER [meson options...]
unit_phase() {
	local name=$1 dir=$2 compiler=$3 mult=$4
	shift 4
	local t0 t1 t2 passed failed skipped notes log="$dir/meson-logs/testlog.txt"

	note ""
	note "== $name: $dir ($compiler${*:+ $*})"
	t0=$(now)
	if ! configure "$dir" "$compiler" "$@" || ! build "$dir"; then
		phase_done "$name" 0 1 "(build failed after $(($(now) - t0))s)"
		return 0
	fi
	t1=$(now)
	rm -f "$log"
	meson test -C "$dir" --print-errorlogs --timeout-multiplier "$mult" || true
	t2=$(now)
	if [ ! -f "$log" ]; then
		phase_done "$name" 0 1 "(meson test wrote no log; build $((t1 - t0))s)"
		return 0
	fi
	read -r passed failed skipped notes < <(count_testlog "$log")
	[ "$skipped" -eq 0 ] || notes="$skipped skipped $notes"
	phase_done "$name" "$passed" "$failed" "(build $((t1 - t0))s, tests $((t2 - t1))s)${notes:+ $notes}"
}

fuzz_phase() {
	local dir=build-fuzz t0 t1 t2 target work art log passed=0 failed=0 notes="" extra
	local -A pid=()

	note ""
	note "== fuzz: $dir (clang, libFuzzer + ASan/UBSan, ${FUZZ_SECONDS}s per target)"
	t0=$(now)
	if ! configure "$dir" clang -Dfuzz=true -Dtests=false || ! build "$dir"; then
		phase_done fuzz 0 1 "(build failed after $(($(now) - t0))s)"
		return 0
	fi
	t1=$(now)
	rm -rf "$dir/fuzz-corpus" "$dir/fuzz-artifacts"
	mkdir -p "$dir/fuzz-artifacts"
	# Two cores: the targets run side by side.
	for target in "${FUZZ_TARGETS[@]}"; do
		work="$dir/fuzz-corpus/${target#fuzz_}"
		art="$dir/fuzz-artifacts/$target-"
		log="$dir/fuzz-$target.log"
		mkdir -p "$work"
		cp -R "tests/fuzz/corpus/${target#fuzz_}/." "$work/"
		extra=()
		[ ! -f "tests/fuzz/${target#fuzz_}.dict" ] || extra=("-dict=tests/fuzz/${target#fuzz_}.dict")
		"$dir/tests/fuzz/$target" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art" \
			"${extra[@]}" "$work" >"$log" 2>&1 &
		pid[$target]=$!
	done
	for target in "${FUZZ_TARGETS[@]}"; do
		log="$dir/fuzz-$target.log"
		if wait "${pid[$target]}"; then
			passed=$((passed + 1))
			note "   $target: ok, $(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1) runs, corpus $(find "$dir/fuzz-corpus/${target#fuzz_}" -type f | wc -l) inputs"
		else
			failed=$((failed + 1))
			notes="$notes $target"
			note "   $target: FAILED"
			grep -E -A30 '^==[0-9]+==ERROR|runtime error|^fuzz_|deadly signal|Test unit written' "$log" | head -n 60 | sed 's/^/   | /' || true
			show_tail "$log" 15
			find "$dir/fuzz-artifacts" -type f -name "$target-*" -printf "   artefact: %p\n" || true
		fi
	done
	t2=$(now)
	phase_done fuzz "$passed" "$failed" "(build $((t1 - t0))s, fuzzing $((t2 - t1))s)${notes:+ failed:$notes}"
}

start=$(now)
for phase in $PHASES; do
	case "$phase" in
	gcc) unit_phase gcc build gcc 1 ;;
	san)
		unit_phase san build-san clang 3 \
			-Db_sanitize=address,undefined -Db_lundef=false \
			"-Dc_args=-fno-sanitize-recover=all -fno-omit-frame-pointer"
		;;
	fuzz) fuzz_phase ;;
	*)
		echo "test.sh: unknown phase '$phase' (gcc, san, fuzz)" >&2
		exit 2
		;;
	esac
done

note ""
note "== summary ($(($(now) - start))s)"
for line in "${summaries[@]}"; do
	note "   $line"
done
note "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
