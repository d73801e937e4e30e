#!/usr/bin/env python3
"""Keeps docs/agent.md's configuration key reference equal to what the code says.

The reference is the output of `carbonstat agent --help-config` (generated
from the sections' tables, conf/conf.h), pasted between two markers:

    <!-- BEGIN carbonstat agent --help-config -->
    ...
    <!-- END carbonstat agent --help-config -->

Usage:
    scripts/config-reference.py path/to/carbonstat            rewrite docs/agent.md
    scripts/config-reference.py --check path/to/carbonstat    fail if it differs, or if
                                                              an ```ini block of the doc
                                                              does not pass --check-config
"""
import argparse
import difflib
import os
import subprocess
import sys
import tempfile

BEGIN = "<!-- BEGIN carbonstat agent --help-config -->"
END = "<!-- END carbonstat agent --help-config -->"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def clean_env():
    return {k: v for k, v in os.environ.items() if not k.startswith("CARBONSTAT_")}


def reference(binary):
    p = subprocess.run([binary, "agent", "--help-config"], capture_output=True, text=True, env=clean_env(),
                       timeout=60)
    if p.returncode != 0:
        sys.exit(f"{binary} agent --help-config exited {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def split(doc, path):
    if doc.count(BEGIN) != 1 or doc.count(END) != 1 or doc.index(BEGIN) > doc.index(END):
        sys.exit(f"{path}: expected one '{BEGIN}' ... '{END}' block")
    head, rest = doc.split(BEGIN, 1)
    body, tail = rest.split(END, 1)
    return head, body, tail


def ini_blocks(doc):
    blocks, cur = [], None
    for line in doc.splitlines(keepends=True):
        if cur is None and line.strip() == "```ini":
            cur = []
        elif cur is not None and line.strip() == "```":
            blocks.append("".join(cur))
            cur = None
        elif cur is not None:
            cur.append(line)
    return blocks


def check_ini(binary, text, n, path):
    with tempfile.TemporaryDirectory(prefix="cs-doc-") as tmp:
        ini = os.path.join(tmp, "carbonstat.ini")
        with open(ini, "w", encoding="utf-8") as f:
            f.write(text)
        p = subprocess.run([binary, "agent", "--check-config", "--config", ini], capture_output=True, text=True,
                           env=clean_env(), timeout=60)
    if p.returncode != 0:
        print(f"{path}: ```ini block {n} does not pass --check-config: {p.stderr.strip()}")
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary")
    ap.add_argument("--check", action="store_true", help="verify instead of rewriting")
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "agent.md"))
    a = ap.parse_args()
    with open(a.doc, encoding="utf-8") as f:
        doc = f.read()
    head, body, tail = split(doc, a.doc)
    want = "\n" + reference(a.binary)
    if not a.check:
        with open(a.doc, "w", encoding="utf-8") as f:
            f.write(head + BEGIN + want + END + tail)
        print(f"{a.doc}: key reference updated")
        return 0
    ok = True
    if body != want:
        ok = False
        print(f"{a.doc}: the key reference differs from `carbonstat agent --help-config`; run "
              f"scripts/config-reference.py path/to/carbonstat")
        sys.stdout.writelines(difflib.unified_diff(body.splitlines(keepends=True), want.splitlines(keepends=True),
                                                   "docs", "--help-config"))
    for n, block in enumerate(ini_blocks(doc), 1):
        ok = check_ini(a.binary, block, n, a.doc) and ok
    if ok:
        print(f"{a.doc}: key reference and {len(ini_blocks(doc))} INI example(s) match the code")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
