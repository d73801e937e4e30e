#!/usr/bin/env bash
# The Prometheus rules in deploy/prometheus/: `promtool check rules` on every
# file (syntax, duplicates, lint), then `promtool test rules
# tests/ledger/rules_test.yml`: synthetic agent counters give the expected
# hourly sums per owner, namespace, team and node, the budgets are recorded,
# and the projected-over and exceeded alerts fire (and not before they
# should). Exit 77 without promtool (Debian prometheus; 1 with
# CS_REQUIRE=promtool).
# Usage: test_rules.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/ledger/lib.sh
. "$here/lib.sh"
promtool=${PROMTOOL:-$(command -v promtool || true)}
[ -n "$promtool" ] || skip_or_fail promtool "promtool not found (Debian package 'prometheus')"
"$promtool" check rules "$root"/deploy/prometheus/*.yml || { echo "FAIL: promtool check rules"; exit 1; }
cd "$here" && "$promtool" test rules rules_test.yml || { echo "FAIL: promtool test rules"; exit 1; }
echo "deploy/prometheus rules: checked and unit-tested"
