#!/usr/bin/env bash
# The HTML report in a real browser: headless Chromium (Debian chromium) opens
# `ledger report --format html` from a file, over the DevTools protocol
# (cdp_page.py), which records every network request the page makes and
# takes a full-page screenshot. Checks:
#   - the page loads and makes no request but its own file:// (no script,
#     font, image, stylesheet or beacon); the browser's background traffic
#     is not the page's and is not counted;
#   - the screenshot is a real rendering: at least 900 x 1000 px, over 3 % of
#     it not white, and the charts' colours are there (team palette, the
#     carbon and cost bars);
#   - control: a page with a remote image and stylesheet is caught making
#     those requests (the check can fail).
# Runs as root with --no-sandbox, as the brief's flags say. Exit 77 without
# chromium or python3 (1 with CS_REQUIRE=chromium).
# Usage: test_html_chromium.sh path/to/carbonstat
set -uo pipefail
bin=${1:?usage: test_html_chromium.sh path/to/carbonstat}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/agent/lib.sh
. "$here/../agent/lib.sh"
# shellcheck source=tests/ledger/lib.sh
. "$here/lib.sh"
need python3
chrome=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$chrome" ] && [ -x "$chrome" ] || skip_or_fail chromium "chromium not found (Debian package 'chromium'; or set CHROMIUM=path)"

agent_setup ledger-html
trap ledger_cleanup EXIT
fail_logs=("$tmp/chrome.err")

# a ledger with teams, costs and a previous month
python3 "$here/gen_jsonl.py" --nodes 3 --hours 72 --cycles 2 --rows 30 --start 1793491200 --seed 4 >"$tmp/nov.jsonl" 2>/dev/null
python3 "$here/gen_jsonl.py" --nodes 3 --hours 48 --cycles 2 --rows 30 --start 1790899200 --seed 5 >"$tmp/oct.jsonl" 2>/dev/null
printf 'provider,instance_type,region,currency,price_per_hour\naws,m5.xlarge,eu-west-1,USD,0.214\n' >"$tmp/prices.csv"
printf '[budget.team]\nteam-1 = 0.001\nteam-2 = 1000\n' >"$tmp/l.ini"
db="sqlite:$tmp/l.db"
"$bin" ledger import --db "$db" --prices "$tmp/prices.csv" --quiet "$tmp/oct.jsonl" "$tmp/nov.jsonl" || fail "import"
"$bin" ledger report --db "$db" --config "$tmp/l.ini" --period 2026-11 --by owner --format html --out "$tmp/report.html" ||
	fail "report --format html"
cat >"$tmp/control.html" <<'EOF'
<!DOCTYPE html><html><head><link rel="stylesheet" href="http://192.0.2.1/style.css"></head>
<body><img src="http://192.0.2.1/pixel.png"><p>control</p></body></html>
EOF

open_page() { # open_page FILE.html SHOT.png -> JSON on stdout
	local ud
	ud=$(mktemp -d "$tmp/chrome.XXXXXX")
	"$chrome" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
		--no-first-run --user-data-dir="$ud" --remote-debugging-port=0 --window-size=1200,1000 \
		--host-resolver-rules="MAP * ~NOTFOUND" about:blank >>"$tmp/chrome.err" 2>&1 &
	local cpid=$!
	track $cpid
	python3 "$here/cdp_page.py" "$ud" "file://$1" "$2"
	local rc=$?
	kill "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	return $rc
}

open_page "$tmp/report.html" "$tmp/report.png" >"$tmp/report.req" || fail "Chromium did not load the report: $(cat "$tmp/report.req")"
open_page "$tmp/control.html" "$tmp/control.png" >"$tmp/control.req" || fail "Chromium did not load the control page"

python3 - "$tmp" <<'EOF' || fail "checks failed"
import json, struct, sys, zlib
tmp = sys.argv[1]
fails = []
def check(ok, what):
    print("%s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        fails.append(what)

rep = json.load(open(tmp + "/report.req"))
net = [u for u in rep["requests"] if not u.startswith("file://")]
check(rep["loaded"], "the report loads in headless Chromium")
check(not net, "the report makes no network request (%d requests, all file://)%s"
      % (len(rep["requests"]), "".join("\n     " + u for u in net)))
ctl = json.load(open(tmp + "/control.req"))
check(any(u.startswith("http://192.0.2.1/") for u in ctl["requests"]),
      "control: a page with a remote image and stylesheet is caught (%s)" % [u for u in ctl["requests"] if "192.0.2" in u])

def png_pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for y in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows

w, h, bpp, rows = png_pixels(tmp + "/report.png")
check(w >= 900 and h >= 1000, "screenshot %d x %d px" % (w, h))
colours, ink = set(), 0
for r in rows[::2]:
    for x in range(0, w * bpp, bpp * 2):
        px = r[x:x + 3]
        colours.add(bytes(px))
        if px != b"\xff\xff\xff":
            ink += 1
total = (h // 2 + h % 2) * ((w + 1) // 2)
check(ink / total > 0.03, "the screenshot is not blank: %.1f %% of it drawn" % (100.0 * ink / total))
want = {"1b7f5f": "team palette / carbon bars", "2f6fb0": "owners' bars", "d08a1a": "cost bars"}
for hexc, what in want.items():
    check(bytes.fromhex(hexc) in colours, "the %s (#%s) are drawn" % (what, hexc))
sys.exit(1 if fails else 0)
EOF
[ "$fails" -eq 0 ] || exit 1
echo "the HTML report renders in Chromium and makes no network request (screenshot: $tmp/report.png with KEEP_TMP=1)"
