#!/usr/bin/env bash
# Install carbonstat's Debian 12 packages. Usage: scripts/deps.sh build|test
# Idempotent: does nothing when every package is already installed.
set -euo pipefail

build_pkgs=(cmake make gcc pkg-config libjansson-dev libcurl4-gnutls-dev libncurses-dev libinih-dev
	libmicrohttpd-dev libyaml-dev libcrypt-dev libgnutls28-dev zlib1g-dev libisal-dev)
test_pkgs=("${build_pkgs[@]}" libcmocka-dev clang libclang-rt-14-dev valgrind python3 iso-codes openssl
	curl prometheus wrk python3-yaml)

case "${1:-build}" in
build) pkgs=("${build_pkgs[@]}") ;;
agent-demo) pkgs=(prometheus curl python3) ;;
test) pkgs=("${test_pkgs[@]}") ;;
*) echo "usage: $0 build|test|agent-demo" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "installing: ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
