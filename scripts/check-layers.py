#!/usr/bin/env python3
"""check-layers.py - src/ folders include only folders below them.

The layering (docs/ARCHITECTURE.md), lowest first. A file in one folder may
include headers of its own folder, of any folder listed before it, and the
public headers <carbonstat/...>; anything else is an upward include and fails
the check. Run by `make check` (and by hand: scripts/check-layers.py).

  --graph   print the folder-level include graph (what the issue notes quote)
"""
import os
import re
import sys

# Lowest first. Folders on one line may not include each other (siblings).
LAYERS = [
    ["core"],         # strings, errors/why, clock, hash, strict parsers, log
    ["conf"],         # the INI engine; modules register their sections
    ["io"],           # roots + syscall table, kernel file readers, HTTP client
    ["data"],         # the generated tables and their lookups
    ["model"],        # pure power / estimate functions
    ["sensors"],      # read joules, nothing else
    ["platform"],     # host set-up: cloud detection, sensor policy, location
    ["k8s"],          # kubelet pod index
    ["attribution"],  # workloads, cgroup/proc scans, the one share engine
    ["ownership"],    # teams
    ["carbon"],       # grid intensity (static, live), PUE, embodied, J -> gCO2e
    ["pipeline"],     # the node sampler and per-series rows
    ["exporters"],    # Prometheus, DogStatsD, JSON lines, stdout
    ["agent"],        # the daemon loop
    ["ledger"],       # the carbon P&L store and report
    ["billing"],      # cloud bills in
    ["plan"],         # the planner
    ["cli"],          # carbonstat <command>
]

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    rank = {}
    for i, layer in enumerate(LAYERS):
        for f in layer:
            rank[f] = i
    bad = []
    graph = {}
    for folder in sorted(os.listdir(root)):
        path = os.path.join(root, folder)
        if not os.path.isdir(path):
            continue
        if folder not in rank:
            bad.append("src/%s: folder not in the layering (add it to scripts/check-layers.py "
                       "and docs/ARCHITECTURE.md)" % folder)
            continue
        for dirpath, _, files in os.walk(path):
            for name in sorted(files):
                if not name.endswith((".c", ".h")):
                    continue
                fpath = os.path.join(dirpath, name)
                rel = os.path.relpath(fpath, root)
                with open(fpath, errors="replace") as fh:
                    text = fh.read()
                for inc in INCLUDE.findall(text):
                    parts = inc.split("/")
                    if len(parts) < 2 or parts[0] in (folder, "carbonstat"):
                        continue
                    target = parts[0]
                    if target not in rank:
                        bad.append("src/%s: includes \"%s\": not a src/ folder" % (rel, inc))
                        continue
                    graph.setdefault(folder, set()).add(target)
                    if rank[target] >= rank[folder]:
                        bad.append("src/%s: includes \"%s\": %s is not below %s" % (rel, inc, target, folder))
    if "--graph" in sys.argv:
        for i, layer in enumerate(LAYERS):
            for f in layer:
                if f in graph or os.path.isdir(os.path.join(root, f)):
                    below = sorted(graph.get(f, ()), key=lambda x: rank[x])
                    print("%-12s -> %s" % (f, ", ".join(below) if below else "(nothing)"))
    for b in bad:
        print("check-layers: " + b, file=sys.stderr)
    if bad:
        print("check-layers: %d upward include(s); the layering is in docs/ARCHITECTURE.md" % len(bad),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
