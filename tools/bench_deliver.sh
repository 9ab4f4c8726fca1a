#!/usr/bin/env bash
# bench_deliver.sh - delivers N IPv4 flowspec rules over a real BGP session to
# a BIRD 2 receiver and times how long until BIRD holds them all, for
# flowcanary inject, ExaBGP 4.2 (the rules in its configuration) and the
# GoBGP 3.10 command line, side by side in one run (docs/benchmarks.md,
# "Delivering rules over BGP").
#
#   sudo tools/bench_deliver.sh            # or: sudo RULES=10000 REPEAT=3 tools/...
#
# It makes two network namespaces joined by a veth (fcbench<PID>r, the
# receiver, 198.18.0.2; fcbench<PID>s, the sender, 198.18.0.1), and for each
# sender starts a fresh BIRD (bird -f, passive, a flow4 table, import all), so
# every sender starts from an empty table.  The same N rules (distinct
# destination /32s from 10.0.0.0/8, TCP or UDP, a destination port; 90 %
# discard, 10 % rate-limit 125000) are written in flowcanary's one-line
# syntax, as ExaBGP flow routes and as GoBGP command-line arguments.
#
# What is timed, per sender (BIRD polled every POLL seconds with
# `birdc show protocols all`, whose import count is the routes in flowtab4;
# the time is that of the first poll that counted them all, an upper bound;
# the detail lines also give the poll before it, a lower bound):
#   flowcanary  from starting `flowcanary inject` (it reads the rule file,
#               connects, sends) until BIRD holds N routes
#   exabgp      from starting `exabgp CONF` (it parses the configuration,
#               connects, sends) until BIRD holds N routes
#   gobgp       gobgpd is started and its session Established first
#               (untimed, reported); then from the first of GOBGP_RULES
#               sequential `gobgp global rib -a ipv4-flowspec add ...` (one
#               process per rule, as a user's loop) until BIRD holds them
#               all; the time for N is projected from that rate
#   gobgp-par   the same with GOBGP_PARALLEL adds at a time (xargs -P)
#
# Environment:
#   RULES           rules per sender (default 100000)
#   GOBGP_RULES     rules for the GoBGP CLI rows (default 2000, at most RULES;
#                   RULES for a full run: at ~100 rules/s, 100,000 take ~17 min)
#   GOBGP_PARALLEL  adds at a time for the gobgp-par row (default 8; 0 skips it)
#   REPEAT          rounds (default 1); the table shows medians
#   SENDERS         which rows (default "flowcanary exabgp gobgp gobgp-par")
#   POLL            seconds between polls of BIRD (default 0.02; a poll costs
#                   about 1 ms of birdc)
#   TIMEOUT         seconds before a sender counts as failed (default 600,
#                   and 3 s per rule for the GoBGP CLI rows at least)
#   VERIFY          1 (default): afterwards, untimed, dump BIRD's table and
#                   check it holds exactly the generated rules and actions
#   FLOWCANARY      a flowcanary binary to use; by default the script builds
#                   a release build in BUILD_DIR (default build-bench/ in the
#                   source tree: meson setup --buildtype=release -Dtests=false)
#   KEEP_LOGS       a directory to copy the daemons' logs to before cleanup
#
# Needs root and the Debian 12 packages bird2, exabgp, gobgpd, iproute2 (and
# meson, ninja-build, gcc to build flowcanary).  Everything it starts is
# stopped, and its namespaces, veth and temporary directory removed, on exit,
# on error and on Ctrl-C; the last line says whether anything was left.
# Exit status: 0 when every sender delivered every rule (and VERIFY passed),
# 1 when one failed, 2 on a usage or setup error.
set -euo pipefail
export LC_ALL=C

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ME=bench_deliver.sh

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}
case "${1:-}" in
-h | --help) usage; exit 0 ;;
'') ;;
*) echo "$ME: takes no arguments (settings are environment variables; see --help)" >&2; exit 2 ;;
esac

RULES=${RULES:-100000}
GOBGP_RULES=${GOBGP_RULES:-2000}
GOBGP_PARALLEL=${GOBGP_PARALLEL:-8}
REPEAT=${REPEAT:-1}
SENDERS=${SENDERS:-flowcanary exabgp gobgp gobgp-par}
POLL=${POLL:-0.02}
TIMEOUT=${TIMEOUT:-600}
VERIFY=${VERIFY:-1}
BUILD_DIR=${BUILD_DIR:-$SRC/build-bench}
FLOWCANARY=${FLOWCANARY:-}
KEEP_LOGS=${KEEP_LOGS:-}

die() { echo "$ME: $*" >&2; exit 2; }
isnum() { [[ $1 =~ ^[0-9]+$ ]]; }
for v in RULES GOBGP_RULES GOBGP_PARALLEL REPEAT TIMEOUT; do
	isnum "${!v}" || die "$v takes a whole number"
done
((RULES >= 1 && RULES <= 16000000)) || die "RULES must be 1..16000000"
((GOBGP_RULES <= RULES)) || GOBGP_RULES=$RULES
((GOBGP_RULES >= 1)) || die "GOBGP_RULES must be 1 or more"
((REPEAT >= 1 && TIMEOUT >= 1)) || die "REPEAT and TIMEOUT must be 1 or more"
[[ $POLL =~ ^[0-9]*\.?[0-9]+$ ]] || die "POLL must be a number of seconds"
[[ $VERIFY == [01] ]] || die "VERIFY must be 0 or 1"
for s in $SENDERS; do
	case $s in flowcanary | exabgp | gobgp | gobgp-par) ;; *) die "unknown sender \"$s\" in SENDERS" ;; esac
done
((GOBGP_PARALLEL >= 1)) || SENDERS=$(echo " $SENDERS " | sed 's/ gobgp-par / /g')
want() { [[ " $SENDERS " == *" $1 "* ]]; }

# --- prerequisites: never measure something that is not there --------------
((EUID == 0)) || die "needs root (network namespaces, BGP port 179)"
need() { # need PACKAGE COMMAND...
	local pkg=$1 c
	shift
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			die "\"$c\" not found: install the Debian package $pkg (apt-get install $pkg)"
	done
}
need iproute2 ip
need bird2 bird birdc
want exabgp && need exabgp exabgp
{ want gobgp || want gobgp-par; } && need gobgpd gobgpd gobgp
need findutils xargs
need "mawk (or gawk)" awk
[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash 5 (EPOCHREALTIME)"

if want flowcanary; then
	if [[ -z $FLOWCANARY ]]; then
		need meson meson
		need ninja-build ninja
		if [[ ! -f $BUILD_DIR/build.ninja ]]; then
			echo "building a release flowcanary in $BUILD_DIR" >&2
			meson setup "$BUILD_DIR" "$SRC" --buildtype=release -Dtests=false >&2
		fi
		ninja -C "$BUILD_DIR" emulator/cli/flowcanary >&2
		FLOWCANARY=$BUILD_DIR/emulator/cli/flowcanary
		if ! grep -q '"name": "buildtype", "value": "release"' \
		    "$BUILD_DIR/meson-info/intro-buildoptions.json" 2>/dev/null; then
			echo "$ME: warning: $BUILD_DIR is not a release build" >&2
		fi
	fi
	[[ -x $FLOWCANARY ]] || die "no flowcanary binary at $FLOWCANARY"
fi

# --- state and cleanup -------------------------------------------------------
NS_R=fcbench$$r
NS_S=fcbench$$s
VETH_R=fcb$$r
VETH_S=fcb$$s
ADDR_R=198.18.0.2
ADDR_S=198.18.0.1
AS_R=65001
AS_S=65000
TMP=$(mktemp -d /tmp/fcbench.XXXXXX)
declare -A LIVE=()	# pid -> what, for every process still running
ALL_PIDS=()		# every process started, for the final check
NS_MADE=0

stop_pid() { # stop_pid PID: SIGTERM, up to 5 s, then SIGKILL; reaps it
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset "LIVE[$pid]"
}

# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	local rc=$? pid left=()
	trap - EXIT INT TERM
	set +e
	for pid in "${!LIVE[@]}"; do
		stop_pid "$pid"
	done
	if ((NS_MADE)); then
		for ns in "$NS_R" "$NS_S"; do
			# anything still running inside our own namespaces is ours
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				kill -KILL "$pid" 2>/dev/null
			done
			ip netns del "$ns" 2>/dev/null
		done
		ip link del "$VETH_R" 2>/dev/null	# only if it never moved
	fi
	if [[ -n $KEEP_LOGS && -d $TMP ]]; then
		mkdir -p "$KEEP_LOGS" && cp "$TMP"/*.log "$TMP"/*.err "$TMP"/*.out "$KEEP_LOGS"/ 2>/dev/null
		echo "logs copied to $KEEP_LOGS"
	fi
	rm -rf "$TMP"
	# check that nothing of ours is left
	ip netns list 2>/dev/null | grep -qE "^($NS_R|$NS_S)( |$)" && left+=("namespaces")
	ip link show "$VETH_R" >/dev/null 2>&1 && left+=("veth $VETH_R")
	ip link show "$VETH_S" >/dev/null 2>&1 && left+=("veth $VETH_S")
	for pid in "${ALL_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && left+=("pid $pid"); done
	[[ -e $TMP ]] && left+=("$TMP")
	if ((${#left[@]})); then
		echo "cleanup: LEFT BEHIND: ${left[*]}" >&2
		((rc)) || rc=1
	else
		echo "cleanup: daemons stopped; namespaces $NS_R/$NS_S, veth $VETH_R/$VETH_S and $TMP removed; nothing left"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "$ME: interrupted" >&2; exit 130' INT
trap 'echo "$ME: terminated" >&2; exit 143' TERM

# --- the network ---------------------------------------------------------------
ip netns list | grep -qE "^($NS_R|$NS_S)( |$)" && die "namespace $NS_R or $NS_S exists already"
NS_MADE=1
ip netns add "$NS_R"
ip netns add "$NS_S"
ip link add "$VETH_R" type veth peer name "$VETH_S"
ip link set "$VETH_R" netns "$NS_R"
ip link set "$VETH_S" netns "$NS_S"
ip -n "$NS_R" addr add "$ADDR_R/30" dev "$VETH_R"
ip -n "$NS_S" addr add "$ADDR_S/30" dev "$VETH_S"
for ns in "$NS_R" "$NS_S"; do ip -n "$ns" link set lo up; done
ip -n "$NS_R" link set "$VETH_R" up
ip -n "$NS_S" link set "$VETH_S" up

# --- the rules: rule i in all three syntaxes, and as BIRD will show it ---------
# 10.0.0.0/8 + i + 1 /32; protocol tcp, or udp for every 4th; destination port
# 1024 + i % 60000; rate-limit 125000 (bytes/s) for every 10th, else discard.
# 125000 as an IEEE single is 0x47f42400; discard is a rate of 0.
awk -v n="$RULES" -v g="$GOBGP_RULES" -v as_s="$AS_S" -v as_r="$AS_R" \
    -v a_s="$ADDR_S" -v a_r="$ADDR_R" -v dir="$TMP" 'BEGIN {
	fc = dir "/rules.txt"; ex = dir "/exabgp.conf"; gb = dir "/gobgp.args"
	ef = dir "/expected.txt"
	printf "neighbor %s {\n  router-id %s;\n  local-address %s;\n" \
	    "  local-as %s;\n  peer-as %s;\n  hold-time 90;\n" \
	    "  family { ipv4 flow; }\n  flow {\n", a_r, a_s, a_s, as_s, as_r > ex
	for (i = 0; i < n; i++) {
		a = i + 1
		ip = sprintf("10.%d.%d.%d", int(a / 65536) % 256, int(a / 256) % 256, a % 256)
		proto = (i % 4 == 3) ? "udp" : "tcp"; pnum = (i % 4 == 3) ? 17 : 6
		port = 1024 + i % 60000
		rate = (i % 10 == 9)
		act = rate ? "rate-limit 125000" : "discard"
		printf "match destination %s/32 protocol %s destination-port ==%d then %s\n",
		    ip, proto, port, act > fc
		printf "    route r%d { match { destination %s/32; protocol %s; " \
		    "destination-port =%d; } then { %s; } }\n", i, ip, proto, port, act > ex
		if (i < g)
			printf "match destination %s/32 protocol %s destination-port ==%d then %s\n",
			    ip, proto, port, act > gb
		printf "%s/32 %d %d %s\n", ip, pnum, port, rate ? "0x47f42400" : "0x0" > ef
	}
	printf "  }\n}\n" > ex
}'

# BIRD's view, normalised to "PREFIX PROTO PORT RATE" lines (the traffic-rate
# community's value; its AS field is ignored); anything else makes a line of
# its own that cannot match.
bird_table() { # bird_table SOCK OUT
	birdc -s "$1" show route table flowtab4 all | awk '
	function flush() { if (key != "") print key, (rate == "" ? "no-rate" : rate) }
	/^flow4 \{/ {
		flush()
		s = $0; sub(/^flow4 \{ */, "", s); sub(/ *\}.*$/, "", s)
		n = split(s, f, /; */); dst = proto = port = ""; extra = ""
		for (j = 1; j <= n; j++) {
			if (f[j] == "") continue
			split(f[j], kv, / /)
			if (kv[1] == "dst") dst = kv[2]
			else if (kv[1] == "proto") proto = kv[2]
			else if (kv[1] == "dport") port = kv[2]
			else extra = extra "+" f[j]
		}
		key = dst " " proto " " port extra; rate = ""; next
	}
	/BGP.ext_community:/ {
		while (match($0, /\(generic, 0x8006[0-9a-f]*, 0x[0-9a-f]+\)/)) {
			c = substr($0, RSTART, RLENGTH); $0 = substr($0, RSTART + RLENGTH)
			split(c, p, /, /); v = p[3]; sub(/\)/, "", v)
			rate = (rate == "" ? "" : rate ",") v
		}
	}
	END { flush() }' >"$2"
}

# --- one BIRD receiver ------------------------------------------------------------
BIRD_PID=
BIRD_SOCK=
bird_start() { # bird_start TAG
	local tag=$1 i
	BIRD_SOCK=$TMP/bird-$tag.ctl
	cat >"$TMP/bird-$tag.conf" <<-EOF
		log "$TMP/bird-$tag.log" all;
		router id $ADDR_R;
		flow4 table flowtab4;
		protocol device { }
		protocol bgp sender {
		  local $ADDR_R as $AS_R;
		  neighbor $ADDR_S as $AS_S;
		  passive on;
		  hold time 90;
		  flow4 { table flowtab4; import all; export none; };
		}
	EOF
	ip netns exec "$NS_R" bird -f -c "$TMP/bird-$tag.conf" -s "$BIRD_SOCK" \
	    -P "$TMP/bird-$tag.pid" >"$TMP/bird-$tag.out" 2>&1 &
	BIRD_PID=$!
	LIVE[$BIRD_PID]=bird
	ALL_PIDS+=("$BIRD_PID")
	for ((i = 0; i < 100; i++)); do
		birdc -s "$BIRD_SOCK" show status >/dev/null 2>&1 && return 0
		kill -0 "$BIRD_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "$ME: BIRD did not start:" >&2
	cat "$TMP/bird-$tag.out" "$TMP/bird-$tag.log" >&2 2>/dev/null || true
	exit 1
}

bird_poll() { # prints "STATE IMPORTED" (STATE: the BGP state, one word)
	birdc -s "$BIRD_SOCK" show protocols all sender 2>/dev/null | awk '
	/BGP state:/ { st = $3 }
	/Routes:/ { n = $2 }
	END { print (st == "" ? "none" : st), n + 0 }'
}

# wait_routes N SENDER_PID T0 [LIMIT]: polls BIRD until it holds N routes.  Sets
# T_EST (first poll that saw Established, µs) and T_DONE (µs), or returns 1
# with WHY set.  A sender that exits is given 10 s more, then counts as failed.
T_EST='' T_DONE='' T_LO='' WHY=''
wait_routes() {
	local n=$1 spid=$2 t0=$3 lim=${4:-$TIMEOUT} st cnt now deadline exited=0 grace=0 start
	T_EST='' T_DONE='' T_LO='' WHY=''
	deadline=$((t0 + lim * 1000000))
	while :; do
		start=${EPOCHREALTIME/./}
		read -r st cnt < <(bird_poll)
		now=${EPOCHREALTIME/./}
		[[ -z $T_EST && $st == Established ]] && T_EST=$now
		if ((cnt >= n)); then
			T_DONE=$now
			return 0
		fi
		T_LO=$start
		if ! kill -0 "$BIRD_PID" 2>/dev/null; then
			WHY="BIRD died"
			return 1
		fi
		if ((!exited)) && ! kill -0 "$spid" 2>/dev/null; then
			exited=1
			grace=$((now + 10000000))
			if wait "$spid"; then :; else
				WHY="the sender exited with status $?"
				unset "LIVE[$spid]"
				return 1
			fi
			unset "LIVE[$spid]"
		fi
		if ((exited && now > grace)); then
			WHY="the sender exited, BIRD holds $cnt of $n"
			return 1
		fi
		if ((now > deadline)); then
			WHY="timeout after $lim s, BIRD holds $cnt of $n"
			return 1
		fi
		sleep "$POLL"
	done
}

# --- results -----------------------------------------------------------------------
declare -A SECS=() LO=() EST=() NOTE=() COUNT=()
FAILED=0
us2s() { awk -v u="$1" 'BEGIN { printf "%.3f", u / 1e6 }'; }

verify() { # verify TAG N
	local tag=$1 n=$2
	((VERIFY)) || return 0
	bird_table "$BIRD_SOCK" "$TMP/$tag-table.txt"
	head -n "$n" "$TMP/expected.txt" | sort >"$TMP/$tag-expected.txt"
	sort -o "$TMP/$tag-table.txt" "$TMP/$tag-table.txt"
	if cmp -s "$TMP/$tag-expected.txt" "$TMP/$tag-table.txt"; then
		echo "    verify: BIRD's flowtab4 holds exactly the $n rules sent, with their actions"
	else
		echo "    verify: FAILED: BIRD's flowtab4 differs from the rules sent:"
		diff "$TMP/$tag-expected.txt" "$TMP/$tag-table.txt" | head -n 10 | sed 's/^/      /'
		FAILED=1
		NOTE[$tag]="verify failed"
	fi
}

record() { # record TAG ROUND N T0 [EST_BASE]
	local tag=$1 r=$2 n=$3 t0=$4 base=${5:-$4}
	SECS[$tag,$r]=$(us2s $((T_DONE - t0)))
	LO[$tag,$r]=$([[ -n $T_LO ]] && us2s $((T_LO - t0)) || echo 0)
	EST[$tag,$r]=$([[ -n $T_EST ]] && us2s $((T_EST - base)) || echo "-")
	COUNT[$tag]=$n
}

fail() { # fail TAG ROUND LOG
	echo "    FAILED: $WHY; the end of its log:"
	tail -n 8 "$3" 2>/dev/null | sed 's/^/      /'
	SECS[$1,$2]=FAILED
	FAILED=1
}

run_flowcanary() { # run_flowcanary ROUND
	local r=$1 t0 spid
	local log=$TMP/flowcanary-$r
	bird_start "flowcanary-$r"
	t0=${EPOCHREALTIME/./}
	ip netns exec "$NS_S" "$FLOWCANARY" inject --peer "$ADDR_R" --local-as "$AS_S" \
	    --peer-as "$AS_R" --json "$TMP/rules.txt" >"$log.out" 2>"$log.err" &
	spid=$!
	LIVE[$spid]=flowcanary
	ALL_PIDS+=("$spid")
	if wait_routes "$RULES" "$spid" "$t0"; then
		record flowcanary "$r" "$RULES" "$t0"
		echo "    flowcanary: Established at +${EST[flowcanary,$r]} s, all $RULES routes in BIRD at +${SECS[flowcanary,$r]} s (not yet at +${LO[flowcanary,$r]} s)"
		sed -n 's/^flowcanary inject: \(sent .*\)/    flowcanary says: \1/p' "$log.err"
		verify flowcanary "$RULES"
	else
		fail flowcanary "$r" "$log.err"
	fi
	[[ -n ${LIVE[$spid]:-} ]] && stop_pid "$spid"
	stop_pid "$BIRD_PID"
}

run_exabgp() { # run_exabgp ROUND
	local r=$1 t0 spid
	local log=$TMP/exabgp-$r
	bird_start "exabgp-$r"
	t0=${EPOCHREALTIME/./}
	# ExaBGP 4.2 in the foreground, as root, no CLI pipes, not listening
	ip netns exec "$NS_S" env exabgp.daemon.user=root exabgp.daemon.daemonize=false \
	    exabgp.daemon.pid= exabgp.log.destination=stdout exabgp.api.cli=false \
	    exabgp.tcp.bind= exabgp "$TMP/exabgp.conf" >"$log.log" 2>&1 &
	spid=$!
	LIVE[$spid]=exabgp
	ALL_PIDS+=("$spid")
	if wait_routes "$RULES" "$spid" "$t0"; then
		record exabgp "$r" "$RULES" "$t0"
		echo "    exabgp: Established at +${EST[exabgp,$r]} s (after parsing its configuration), all $RULES routes in BIRD at +${SECS[exabgp,$r]} s (not yet at +${LO[exabgp,$r]} s)"
		verify exabgp "$RULES"
	else
		fail exabgp "$r" "$log.log"
	fi
	[[ -n ${LIVE[$spid]:-} ]] && stop_pid "$spid"
	stop_pid "$BIRD_PID"
}

run_gobgp() { # run_gobgp TAG ROUND PARALLEL
	local tag=$1 r=$2 par=$3 t0 td gpid spid st cnt i api=127.0.0.1:50051
	local log=$TMP/$tag-$r lim=$TIMEOUT
	((lim >= 3 * GOBGP_RULES)) || lim=$((3 * GOBGP_RULES))
	bird_start "$tag-$r"
	cat >"$log.toml" <<-EOF
		[global.config]
		  as = $AS_S
		  router-id = "$ADDR_S"
		  port = -1
		  local-address-list = ["$ADDR_S"]
		[[neighbors]]
		  [neighbors.config]
		    neighbor-address = "$ADDR_R"
		    peer-as = $AS_R
		  [neighbors.timers.config]
		    connect-retry = 1
		    hold-time = 90
		    keepalive-interval = 30
		  [[neighbors.afi-safis]]
		    [neighbors.afi-safis.config]
		      afi-safi-name = "ipv4-flowspec"
	EOF
	td=${EPOCHREALTIME/./}
	ip netns exec "$NS_S" gobgpd -f "$log.toml" --api-hosts "$api" --pprof-disable \
	    -p >"$log.log" 2>&1 &
	gpid=$!
	LIVE[$gpid]=gobgpd
	ALL_PIDS+=("$gpid")
	T_EST=
	for ((i = 0; i < 600; i++)); do	# up to 60 s for the session
		read -r st cnt < <(bird_poll)
		[[ $st == Established ]] && { T_EST=${EPOCHREALTIME/./}; break; }
		kill -0 "$gpid" 2>/dev/null || break
		sleep 0.1
	done
	if [[ -z $T_EST ]]; then
		WHY="gobgpd's session never came up"
		fail "$tag" "$r" "$log.log"
		stop_pid "$gpid"
		stop_pid "$BIRD_PID"
		return
	fi
	local est=$T_EST
	# one `gobgp global rib add` per rule, PAR at a time
	t0=${EPOCHREALTIME/./}
	ip netns exec "$NS_S" xargs -a "$TMP/gobgp.args" -L 1 -P "$par" \
	    gobgp -u 127.0.0.1 -p 50051 global rib -a ipv4-flowspec add \
	    >"$log.cli" 2>&1 &
	spid=$!
	LIVE[$spid]="xargs"
	ALL_PIDS+=("$spid")
	if wait_routes "$GOBGP_RULES" "$spid" "$t0" "$lim"; then
		T_EST=$est
		record "$tag" "$r" "$GOBGP_RULES" "$t0" "$td"
		echo "    $tag: gobgpd Established $(us2s $((est - td))) s after it started (untimed); $GOBGP_RULES adds (${par} at a time) in BIRD after ${SECS[$tag,$r]} s (not yet at +${LO[$tag,$r]} s)"
		verify "$tag" "$GOBGP_RULES"
	else
		fail "$tag" "$r" "$log.cli"
		tail -n 3 "$log.log" | sed 's/^/      gobgpd: /'
	fi
	[[ -n ${LIVE[$spid]:-} ]] && stop_pid "$spid"
	stop_pid "$gpid"
	stop_pid "$BIRD_PID"
}

# --- the run -------------------------------------------------------------------------
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
echo "== bench_deliver: $RULES IPv4 flowspec rules to BIRD over one eBGP session ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo "machine:  $(nproc) CPUs, $CPU, $MEM, $(uname -sr)"
echo "versions: $(bird --version 2>&1 | head -n 1) (receiver)"
want flowcanary && echo "          $("$FLOWCANARY" --version 2>&1 | head -n 1) ($FLOWCANARY)"
want exabgp && echo "          ExaBGP $(exabgp --version 2>&1 | awk '/^ExaBGP/ { print $3 }') (Python $(exabgp --version 2>&1 | awk '/^Python/ { print $3 }'))"
{ want gobgp || want gobgp-par; } && echo "          $(gobgpd --version 2>&1 | head -n 1), $(gobgp --version 2>&1 | head -n 1)"
echo "load:     $(cut -d ' ' -f 1-3 /proc/loadavg) (1, 5, 15 min) before the run; other busy processes skew the figures"
echo "settings: RULES=$RULES GOBGP_RULES=$GOBGP_RULES GOBGP_PARALLEL=$GOBGP_PARALLEL REPEAT=$REPEAT POLL=$POLL s VERIFY=$VERIFY"
echo "rules:    $(head -n 1 "$TMP/rules.txt")"
echo "          ... $(tail -n 1 "$TMP/rules.txt")  ($(grep -c rate-limit "$TMP/rules.txt") rate-limit, the rest discard)"

for ((r = 1; r <= REPEAT; r++)); do
	echo "-- round $r of $REPEAT"
	want flowcanary && run_flowcanary "$r"
	want exabgp && run_exabgp "$r"
	want gobgp && run_gobgp gobgp "$r" 1
	want gobgp-par && run_gobgp gobgp-par "$r" "$GOBGP_PARALLEL"
done

# --- the table -----------------------------------------------------------------------
median() { # median TAG: of the rounds' seconds, or FAILED if any round failed
	local tag=$1 r v=()
	for ((r = 1; r <= REPEAT; r++)); do
		[[ ${SECS[$tag,$r]:-FAILED} == FAILED ]] && { echo FAILED; return; }
		v+=("${SECS[$tag,$r]}")
	done
	printf '%s\n' "${v[@]}" | sort -g | awk '{ a[NR] = $1 } END {
		printf "%.3f", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
range() { # range TAG: "min-max" over the rounds
	local tag=$1 r
	for ((r = 1; r <= REPEAT; r++)); do echo "${SECS[$tag,$r]}"; done |
	    sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'
}

declare -A LABEL=([flowcanary]="flowcanary inject" [exabgp]="ExaBGP (rules in config)"
	[gobgp]="GoBGP CLI, sequential adds" [gobgp-par]="GoBGP CLI, $GOBGP_PARALLEL adds at a time")
FC_S=
want flowcanary && FC_S=$(median flowcanary)
[[ $FC_S == FAILED ]] && FC_S=
echo
echo "== Time from starting the sender until BIRD holds all the rules$( ((REPEAT > 1)) && echo " (median of $REPEAT rounds)")"
printf '%-30s %9s %11s %11s %15s\n' tool rules seconds rules/s "vs flowcanary"
row() { # row LABEL RULES SECONDS [NOTE]
	local ratio rate
	rate=$(awk -v n="$2" -v s="$3" 'BEGIN { printf "%.0f", n / s }')
	ratio=$([[ -n $FC_S ]] && awk -v s="$3" -v f="$FC_S" -v n="$2" -v N="$RULES" \
	    'BEGIN { printf "%.1fx slower", s / f * N / n }' || echo "-")
	[[ $1 == flowcanary* ]] && ratio=1.0x
	printf '%-30s %9s %11s %11s %15s%s\n' "$1" "$2" "$3" "$rate" "$ratio" "${4:+  $4}"
}
for tag in flowcanary exabgp gobgp gobgp-par; do
	want "$tag" || continue
	s=$(median "$tag")
	if [[ $s == FAILED ]]; then
		printf '%-30s %9s %11s\n' "${LABEL[$tag]}" "$RULES" FAILED
		continue
	fi
	n=${COUNT[$tag]}
	note=${NOTE[$tag]:-}
	((REPEAT > 1)) && note="${note:+$note; }range $(range "$tag") s"
	if [[ $tag == gobgp* && $n -lt $RULES ]]; then
		printf '%-30s %9s %11s %11s %15s  %s\n' "${LABEL[$tag]}" "$n" "$s" \
		    "$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }')" "" "measured${note:+; $note}"
		proj=$(awk -v s="$s" -v n="$n" -v N="$RULES" 'BEGIN { printf "%.1f", s * N / n }')
		rate=$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
		ratio=$([[ -n $FC_S ]] && awk -v p="$proj" -v f="$FC_S" 'BEGIN { printf "%.1fx slower", p / f }' || echo "-")
		printf '%-30s %9s %11s %11s %15s  %s\n' "  projected for $RULES" "$RULES" "~$proj" "$rate" "$ratio" \
		    "PROJECTED from the measured rate, not measured"
	else
		row "${LABEL[$tag]}" "$n" "$s" "$note"
	fi
done
echo "(seconds: sender start to the first poll of BIRD that counted all the rules, polled every $POLL s;"
echo " GoBGP rows: from the first CLI add, after gobgpd's session was already Established)"
if want flowcanary && want exabgp; then
	ex=$(median exabgp)
	if [[ -n $FC_S && $ex != FAILED ]]; then
		x=$(awk -v e="$ex" -v f="$FC_S" 'BEGIN { printf "%.1f", e / f }')
		if awk -v x="$x" 'BEGIN { exit !(x >= 20) }'; then
			echo "target: flowcanary at least 20x faster than ExaBGP: MET (${x}x)"
		else
			echo "target: flowcanary at least 20x faster than ExaBGP: NOT MET (${x}x)"
		fi
	else
		echo "target: flowcanary at least 20x faster than ExaBGP: not measured (a sender failed)"
	fi
fi
if ((FAILED)); then
	echo "$ME: at least one sender failed or delivered the wrong rules (see above)" >&2
	exit 1
fi
exit 0
