#!/usr/bin/env bash
# carbonstat's Debian 12 packages: the one list (.ci/run and the Makefile
# call this; nothing else names packages). Usage:
#   scripts/deps.sh build        what `make demo` needs: compiler, CMake, libraries
#   scripts/deps.sh test         build + what `make check` needs (cmocka, clang,
#                                valgrind, the real components the tests drive,
#                                a comma-decimal locale for the locale test)
#   scripts/deps.sh agent-demo   build + Prometheus for `make agent-demo`
#   scripts/deps.sh --list GROUP print the packages of GROUP, install nothing
# Idempotent: installs only what is missing (apt-get, sudo when not root).
set -euo pipefail

# Each package is named once; the groups below are unions of these.
build_pkgs=(cmake make gcc pkg-config libjansson-dev libcurl4-gnutls-dev libncurses-dev libinih-dev
	libmicrohttpd-dev libyaml-dev libcrypt-dev libgnutls28-dev zlib1g-dev libisal-dev libsqlite3-dev libpq-dev)
# the agent demo's real Prometheus scraping the agent (also used by the tests)
agent_demo_pkgs=(prometheus curl python3)
# tests: cmocka; clang + its runtime for libFuzzer; valgrind; clang-format for
# `make format-check`; iso-codes for the golden recompute; openssl for the
# test PKI; wrk for the load test; python3-yaml, systemd (systemd-analyze),
# libcap2-bin (setcap) and kubernetes-client (kubectl kustomize) for the
# deployment checks; locales for de_DE.UTF-8; postgresql, victoria-metrics and
# chromium for the ledger's tests (a private PostgreSQL cluster, a fleet store,
# the HTML report in headless Chromium). "PKG:CMD": CMD on PATH (from
# another source) is as good as PKG.
test_only_pkgs=(libcmocka-dev clang libclang-rt-14-dev valgrind clang-format iso-codes openssl wrk python3-yaml
	systemd libcap2-bin kubernetes-client:kubectl locales postgresql victoria-metrics chromium)

# The comma-decimal locale tests/unit/test_parse.c needs (capability "locale").
test_locale=de_DE.UTF-8

group=${1:-build}
list_only=0
if [ "$group" = --list ]; then
	list_only=1
	group=${2:-build}
fi
case "$group" in
build) pkgs=("${build_pkgs[@]}") ;;
agent-demo) pkgs=("${build_pkgs[@]}" "${agent_demo_pkgs[@]}") ;;
test) pkgs=("${build_pkgs[@]}" "${agent_demo_pkgs[@]}" "${test_only_pkgs[@]}") ;;
*) echo "usage: $0 [--list] build|test|agent-demo" >&2; exit 2 ;;
esac
if [ $list_only -eq 1 ]; then
	printf '%s\n' "${pkgs[@]%%:*}"
	exit 0
fi

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

missing=()
for spec in "${pkgs[@]}"; do
	p=${spec%%:*}
	[ "$p" != "$spec" ] && command -v "${spec#*:}" >/dev/null 2>&1 && continue
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}" >&2
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$group" = test ] && ! locale -a 2>/dev/null | grep -qix "${test_locale/UTF-8/utf8}"; then
	echo "generating the $test_locale locale" >&2
	"${sudo[@]}" localedef -i "${test_locale%%.*}" -f UTF-8 "$test_locale"
fi
exit 0
