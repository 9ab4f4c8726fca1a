#!/usr/bin/env bash
# bench_lab.sh - times `flowcanary lab up` and `lab down` for a lab of N
# nodes (default 50), beside the same lab made the way people script it
# by hand: `ip netns add`, `ip link add ... type veth`, `ip addr add`,
# cgroup directories and a process per node, from one shell script.
# Both runs make exactly the same things (docs/benchmarks.md, "Labs").
#
#   sudo tools/bench_lab.sh               # or: sudo NODES=50 REPEAT=5 KINDS="linux bird" ...
#
# Rows:
#   flowcanary/linux  N linux nodes (sleep infinity) in a chain of N-1
#                     links, and the controller's namespace: namespaces,
#                     veths, addresses, cgroups with limits, processes; up
#                     returns once every process has run for 0.3 s (how
#                     lab up tells a program that starts from one that
#                     fails at once), so about 0.3 s of each up is that wait
#   iproute2/linux    the same from a shell script calling ip(8), without
#                     the wait; down kills the processes, deletes the
#                     namespaces and cgroups
#   flowcanary/KIND   N nodes of KIND (bird, frr, gobgp), each with a BGP
#                     session from the controller: up returns once all N
#                     are Established
#
# Environment: NODES (50), REPEAT (3; the table shows medians), KINDS
# ("linux bird"), FC (the flowcanary binary; default build/emulator/cli/flowcanary).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NODES=${NODES:-50}
REPEAT=${REPEAT:-3}
KINDS=${KINDS:-linux bird}
FC=${FC:-$ROOT/build/emulator/cli/flowcanary}
WORK=$(mktemp -d /tmp/fcbench-lab.XXXXXX)
NAME=bl$$
trap 'rm -rf "$WORK"; "$FC" lab down "$NAME" >/dev/null 2>&1 || true; hand_down >/dev/null 2>&1 || true' EXIT

[ "$(id -u)" -eq 0 ] || { echo "bench_lab.sh: needs root (namespaces, cgroups)" >&2; exit 4; }
[ -x "$FC" ] || { echo "bench_lab.sh: $FC not built (tools/setup.sh build)" >&2; exit 4; }
case "$NODES" in '' | *[!0-9]*) echo "NODES must be a number" >&2; exit 2 ;; esac
[ "$NODES" -ge 2 ] && [ "$NODES" -le 1000 ] || { echo "NODES: 2..1000" >&2; exit 2; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Writes the N-node topology of kind $1 to $2.
topology() {
	local kind=$1 out=$2 i
	{
		echo "name: $NAME"
		if [ "$kind" != linux ]; then
			printf 'controller:\n  asn: 65000\n  peers: ['
			for ((i = 1; i <= NODES; i++)); do printf '%sn%d' "$([ $i -gt 1 ] && echo ', ')" "$i"; done
			printf ']\n'
		fi
		echo "topology:"
		echo "  defaults: {memory: 128MiB, cpus: 1}"
		echo "  nodes:"
		for ((i = 1; i <= NODES; i++)); do
			if [ "$kind" != linux ]; then
				echo "    n$i: {kind: $kind}"
			else
				echo "    n$i: {kind: linux, exec: [sleep, infinity]}"
			fi
		done
		echo "  links:"
		for ((i = 1; i < NODES; i++)); do
			echo "    - endpoints: [\"n$i:eth1\", \"n$((i + 1)):eth2\"]"
		done
	} >"$out"
}

CG_MEM=/sys/fs/cgroup/memory/fcbench-$NAME
CG_CPU=/sys/fs/cgroup/cpu/fcbench-$NAME

# The same lab by hand: controller namespace, N nodes, links, cgroups, sleeps
# (linux nodes have no controller link, in either).
hand_up() {
	local i b
	ip netns add "h$NAME"
	mkdir -p "$CG_MEM" "$CG_CPU"
	for ((i = 1; i <= NODES; i++)); do
		ip netns add "h$NAME.n$i"
		ip -n "h$NAME.n$i" link set lo up
		mkdir "$CG_MEM/n$i" "$CG_CPU/n$i"
		echo $((128 << 20)) >"$CG_MEM/n$i/memory.limit_in_bytes"
		echo 100000 >"$CG_CPU/n$i/cpu.cfs_quota_us"
	done
	for ((i = 1; i < NODES; i++)); do
		b=$(( (i - 1) * 4 ))
		ip link add eth1 netns "h$NAME.n$i" type veth peer name eth2 netns "h$NAME.n$((i + 1))"
		ip -n "h$NAME.n$i" addr add "10.100.$((b / 256)).$((b % 256 + 1))/30" dev eth1
		ip -n "h$NAME.n$((i + 1))" addr add "10.100.$((b / 256)).$((b % 256 + 2))/30" dev eth2
		ip -n "h$NAME.n$i" link set eth1 up
		ip -n "h$NAME.n$((i + 1))" link set eth2 up
	done
	for ((i = 1; i <= NODES; i++)); do
		# The same order as flowcanary: cgroup first, then the namespace.
		# In a subshell, so that the shell does not report their kills.
		(sh -c "echo \$\$ >$CG_MEM/n$i/cgroup.procs; echo \$\$ >$CG_CPU/n$i/cgroup.procs; exec ip netns exec h$NAME.n$i sleep infinity" </dev/null >/dev/null 2>&1 &)
	done
	for ((i = 1; i <= NODES; i++)); do
		while [ -z "$(cat "$CG_MEM/n$i/cgroup.procs")" ]; do sleep 0.005; done
	done
}

hand_down() {
	local i p
	for ((i = 1; i <= NODES; i++)); do
		if [ -d "$CG_MEM/n$i" ]; then
			for p in $(cat "$CG_MEM/n$i/cgroup.procs"); do kill -9 "$p" 2>/dev/null || true; done
		fi
	done
	for ((i = 1; i <= NODES; i++)); do
		if [ -d "$CG_MEM/n$i" ]; then
			while [ -n "$(cat "$CG_MEM/n$i/cgroup.procs")" ]; do sleep 0.005; done
			rmdir "$CG_MEM/n$i" "$CG_CPU/n$i"
		fi
		ip netns del "h$NAME.n$i" 2>/dev/null || true
	done
	ip netns del "h$NAME" 2>/dev/null || true
	rmdir "$CG_MEM" "$CG_CPU" 2>/dev/null || true
}

declare -A UP DOWN
run_row() {
	local row=$1 t0 t1 t2 r
	for ((r = 1; r <= REPEAT; r++)); do
		case $row in
		flowcanary/*)
			t0=$(now)
			"$FC" lab up --quiet "$WORK/${row#*/}.yml" >/dev/null
			t1=$(now)
			"$FC" lab down "$NAME" >/dev/null
			t2=$(now)
			;;
		iproute2/linux)
			t0=$(now)
			hand_up
			t1=$(now)
			hand_down
			t2=$(now)
			;;
		esac
		UP[$row]+="$(elapsed "$t0" "$t1") "
		DOWN[$row]+="$(elapsed "$t1" "$t2") "
		printf '  %-18s round %d: up %s s, down %s s\n' "$row" "$r" \
		    "$(elapsed "$t0" "$t1")" "$(elapsed "$t1" "$t2")" >&2
	done
}

rows=()
for k in $KINDS; do
	topology "$k" "$WORK/$k.yml"
	rows+=("flowcanary/$k")
	[ "$k" = linux ] && rows+=("iproute2/linux")
done
echo "lab of $NODES nodes, $REPEAT rounds, $(nproc) cores" >&2
for row in "${rows[@]}"; do run_row "$row"; done

printf '\n%-18s %10s %10s %14s %14s\n' "row ($NODES nodes)" "up (s)" "down (s)" "up vs fc/linux" "down vs fc/linux"
base_up=$(echo ${UP[flowcanary/linux]:-1} | tr ' ' '\n' | median)
base_down=$(echo ${DOWN[flowcanary/linux]:-1} | tr ' ' '\n' | median)
for row in "${rows[@]}"; do
	u=$(echo ${UP[$row]} | tr ' ' '\n' | median)
	d=$(echo ${DOWN[$row]} | tr ' ' '\n' | median)
	printf '%-18s %10s %10s %13.1fx %13.1fx\n' "$row" "$u" "$d" \
	    "$(awk -v a="$u" -v b="$base_up" 'BEGIN { print a / b }')" \
	    "$(awk -v a="$d" -v b="$base_down" 'BEGIN { print a / b }')"
done
