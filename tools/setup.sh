#!/usr/bin/env bash
# setup.sh - flowcanary's one entry point on a fresh Debian 12 machine.
#
#   ./tools/setup.sh deps    install the Debian packages the build needs (as root)
#   ./tools/setup.sh build   deps, then configure build/ and compile
#   ./tools/setup.sh run     build, then check the 2013 outage rule
#   ./tools/setup.sh test    deps, then the whole test suite (tools/test.sh)
#
# Works from any directory; everything happens in the repository root.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# What building and testing needs, as Debian 12 packages.  clang and
# libclang-rt-14-dev are for the sanitizer and libFuzzer builds; frr,
# bird2, gobgpd and exabgp are the real BGP speakers the interoperability
# tests and benchmarks run against (started by the tests, never as system
# services); iproute2 makes the tests' network namespaces.
PACKAGES=(
	gcc
	clang
	libclang-rt-14-dev
	meson
	ninja-build
	pkg-config
	libglib2.0-dev
	libjson-glib-dev
	libyaml-dev
	check
	git
	iproute2
	iputils-ping nftables
	libnl-3-dev
	libnl-route-3-dev
	frr
	bird2
	gobgpd
	exabgp
)

say() {
	printf 'setup: %s\n' "$*"
}

die() {
	printf 'setup: error: %s\n' "$*" >&2
	exit 1
}

usage() {
	cat <<'EOF'
usage: tools/setup.sh deps|build|run|test

  deps    install the Debian packages needed to build and test (needs root)
  build   deps, then meson setup build (once) and ninja -C build
  run     build, then: flowcanary check faults/rules/cloudflare-2013.flow
  test    deps, then tools/test.sh (gcc, sanitizer and fuzz builds)
EOF
}

# Prints the packages of PACKAGES that are not installed.
missing_packages() {
	local p status
	for p in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		if [ "$status" != "installed" ]; then
			printf '%s\n' "$p"
		fi
	done
}

# True when apt has package lists to install from.
apt_lists_present() {
	compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}

cmd_deps() {
	local missing as_root=()

	command -v dpkg-query >/dev/null || die "dpkg-query not found: this script expects Debian 12"
	mapfile -t missing < <(missing_packages)
	if [ "${#missing[@]}" -eq 0 ]; then
		say "all ${#PACKAGES[@]} packages present"
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null ||
			die "missing packages (${missing[*]}); run this script as root to install them"
		as_root=(sudo)
	fi
	say "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# Update the package lists only when there are none, or when an install
	# from the lists we have fails (they may be stale).
	if ! apt_lists_present; then
		"${as_root[@]}" apt-get update
	fi
	if ! "${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; then
		say "install failed; updating the package lists and trying again"
		"${as_root[@]}" apt-get update
		"${as_root[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
	fi
	mapfile -t missing < <(missing_packages)
	[ "${#missing[@]}" -eq 0 ] || die "still missing after apt-get: ${missing[*]}"
}

# Configures build/ with gcc unless it already is a meson build directory.
configure_build() {
	if [ -f build/meson-private/coredata.dat ] && [ -f build/build.ninja ]; then
		return 0
	fi
	rm -rf build
	CC=gcc meson setup build
}

cmd_build() {
	cmd_deps
	configure_build
	ninja -C build
}

cmd_run() {
	local status=0 rules=faults/rules/cloudflare-2013.flow
	cmd_build
	[ -f "$rules" ] || die "$rules is missing"
	say "running: build/emulator/cli/flowcanary check $rules"
	say "expected: the 2013 rule is caught, exit status 1"
	build/emulator/cli/flowcanary check "$rules" || status=$?
	say "flowcanary exited with status $status"
	exit "$status"
}

cmd_test() {
	cmd_deps
	exec "$ROOT/tools/test.sh"
}

case "${1:-}" in
deps) cmd_deps ;;
build) cmd_build ;;
run) cmd_run ;;
test) cmd_test ;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
