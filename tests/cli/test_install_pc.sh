#!/usr/bin/env bash
# Install to a temporary prefix and build the examples through carbonstat.pc,
# as the README says (its block after "tests/cli/test_install_pc.sh runs this
# block" is run here, `make install PREFIX=...` standing for
# `cmake --install BUILD --prefix ...` of this build), then: the prefix moved
# elsewhere still resolves (the .pc is relocatable), every public header
# compiles on its own with the .pc's flags, the version is the CLI's, and the
# libraries the .pc names exist.
# Usage: test_install_pc.sh path/to/build path/to/source
set -uo pipefail
build=$(cd "${1:?usage: test_install_pc.sh BUILD SOURCE}" && pwd)
src=$(cd "${2:?usage: test_install_pc.sh BUILD SOURCE}" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
ok() { n=$((n + 1)); echo "ok   $1"; }
ko() { n=$((n + 1)); fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' "$2" | head -30; }
for c in pkg-config cc; do
	command -v $c >/dev/null 2>&1 || { echo "SKIP: $c not found (capability '$c')"; exit 77; }
done

block=$(awk '/tests\/cli\/test_install_pc.sh runs this block/ { m = 1; next }
	m == 1 && /^```sh/ { m = 2; next } m == 2 && /^```/ { exit } m == 2 { print }' "$src/README.md")
[ -n "$block" ] || { echo "FAIL: README.md has no block for this test"; exit 1; }
mkdir -p "$tmp/work" "$tmp/home"
ln -s "$src/examples" "$tmp/work/examples"
# `make install PREFIX=P` of the README: this build, installed to P.
make() {
	[ "$1" = install ] && [ "${2%%=*}" = PREFIX ] || return 1
	cmake --install "$BUILD" --prefix "${2#PREFIX=}" >/dev/null
}
export BUILD="$build"
(cd "$tmp/work" && HOME="$tmp/home" bash -euo pipefail -c "$(declare -f make); $block") >"$tmp/readme.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "gCO2e" "$tmp/readme.out" && grep -q "host energy" "$tmp/readme.out"; then
	ok "README: install to a prefix, build and run both examples (shared + rpath, static archive)"
else
	ko "README block (rc=$rc)" "$tmp/readme.out"
	echo "$((n - fail)) passed, $fail failed"
	exit 1
fi

prefix="$tmp/home/.local/carbonstat"
mv "$prefix" "$tmp/moved"
export PKG_CONFIG_PATH="$tmp/moved/lib/pkgconfig"
libdir=$(pkg-config --variable=libdir carbonstat 2>/dev/null)
if [ -n "$libdir" ] && [ "$(cd "$libdir" 2>/dev/null && pwd -P)" = "$(cd "$tmp/moved/lib" && pwd -P)" ] &&
	cc "$src/examples/estimate.c" -o "$tmp/est" $(pkg-config --cflags --libs carbonstat) -Wl,-rpath,"$libdir" \
		2>"$tmp/cc.err" && "$tmp/est" >/dev/null; then
	ok "moved prefix: the .pc still describes it"
else ko "relocated prefix (libdir '$libdir')" "$tmp/cc.err"; fi

version=$("$build/carbonstat" --version | awk '{ print $2 }')
if [ "$(pkg-config --modversion carbonstat)" = "$version" ]; then ok "version $version"
else ko "pkg-config version $(pkg-config --modversion carbonstat) != carbonstat $version"; fi

bad=0
for h in "$tmp/moved/include/carbonstat/"*.h; do
	printf '#include <carbonstat/%s>\nint main(void) { return 0; }\n' "$(basename "$h")" >"$tmp/h.c"
	cc -std=c11 -Wall -Wextra -Werror -c "$tmp/h.c" -o "$tmp/h.o" $(pkg-config --cflags carbonstat) \
		2>"$tmp/h.err" || { bad=1; ko "header $(basename "$h") does not compile on its own" "$tmp/h.err"; }
done
[ $bad -eq 0 ] && ok "every public header compiles on its own"

bad=0
for f in libcarbonstat.so libcarbonstat.a; do
	[ -e "$libdir/$f" ] || { bad=1; ko "the .pc's -lcarbonstat: $libdir/$f is missing"; }
done
[ $bad -eq 0 ] && ok "libraries named by the .pc exist"

echo "$((n - fail)) passed, $fail failed"
[ $fail -eq 0 ]
