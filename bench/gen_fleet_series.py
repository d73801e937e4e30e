#!/usr/bin/env python3
"""gen_fleet_series.py - one hour of a fleet's carbonstat agent series, with
timestamps, for bench/ledger_sync_bench.sh.

    gen_fleet_series.py --start EPOCH [--containers 40000] [--nodes 400] [--owners 10000]
                        [--teams 50] [--scrape 30] [--format prometheus|openmetrics]

Writes to stdout the series 400 agents would have exposed, scraped every
--scrape seconds from --start - 2 scrapes to --start + 3600 (so increase()
has the samples before the hour):
  per container (4 each): carbonstat_energy_joules_total{component=cpu|dram}
    and carbonstat_carbon_grams_total{scope=operational|embodied}, with the
    agent's label set (node, kind, namespace, pod, container, team, workload,
    owner, owner_kind, source; cluster) - 160,000 series by default;
  per node: carbonstat_node_energy_joules_total (cpu, dram),
    carbonstat_node_carbon_grams_total (both scopes), carbonstat_info,
    carbonstat_grid_intensity_grams_per_kwh, carbonstat_pue,
    carbonstat_agent_last_cycle_timestamp_seconds.
Counters grow at a steady per-container power (1..20 W); the node counters
are the sums of their containers'. prometheus: text exposition with
millisecond timestamps (VictoriaMetrics /api/v1/import/prometheus);
openmetrics: grouped by family with "# EOF" (promtool tsdb
create-blocks-from openmetrics). Prints the expected totals on stderr.
Python 3 standard library only.
"""
import argparse
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--start", type=int, required=True)
    ap.add_argument("--containers", type=int, default=40000)
    ap.add_argument("--nodes", type=int, default=400)
    ap.add_argument("--owners", type=int, default=10000)
    ap.add_argument("--teams", type=int, default=50)
    ap.add_argument("--scrape", type=int, default=30)
    ap.add_argument("--format", choices=("prometheus", "openmetrics"), default="prometheus")
    a = ap.parse_args()
    om = a.format == "openmetrics"
    times = list(range(a.start - 2 * a.scrape, a.start + 3600 + 1, a.scrape))
    w = sys.stdout.write
    tsfmt = (lambda t: " %d.000\n" % t) if om else (lambda t: " %d\n" % (t * 1000))
    ts = [tsfmt(t) for t in times]
    rel = [t - times[0] for t in times]

    def family(name, kind):
        if om:
            w("# TYPE %s %s\n" % (name, kind))

    def emit(prefix, values):
        for t, v in zip(ts, values):
            w(prefix)
            w(repr(round(v, 6)))
            w(t)

    watts = [1.0 + (c * 7919 % 190) / 10.0 for c in range(a.containers)]
    # consecutive containers share a node; an owner's replicas (c, c + owners, ...) land on different nodes
    node_of = [c * a.nodes // a.containers for c in range(a.containers)]
    node_w = [0.0] * a.nodes
    for c in range(a.containers):
        node_w[node_of[c]] += watts[c]
    total_j = sum(watts) * 1.1 * 3600

    def labels(c):
        o = c % a.owners
        return ('cluster="bench",node="node-%03d",kind="container",namespace="ns-%d",pod="own-%d-%d",container="app",'
                'team="team-%d",workload="app",owner="own-%d",owner_kind="Deployment"'
                % (node_of[c], o % 300, o, c // a.owners, o % a.teams, o))

    family("carbonstat_energy_joules", "counter")
    for c in range(a.containers):
        lab = labels(c)
        for comp, share in (("cpu", 1.0), ("dram", 0.1)):
            emit("carbonstat_energy_joules_total{%s,component=\"%s\",source=\"rapl\"} " % (lab, comp),
                 [watts[c] * share * r for r in rel])
    family("carbonstat_carbon_grams", "counter")
    for c in range(a.containers):
        lab = labels(c)
        for scope, g_per_j in (("operational", 300 / 3.6e6), ("embodied", 20 / 3.6e6)):
            emit("carbonstat_carbon_grams_total{%s,scope=\"%s\"} " % (lab, scope),
                 [watts[c] * 1.1 * g_per_j * r for r in rel])
    family("carbonstat_node_energy_joules", "counter")
    for n in range(a.nodes):
        for comp, share in (("cpu", 1.0), ("dram", 0.1)):
            emit("carbonstat_node_energy_joules_total{cluster=\"bench\",node=\"node-%03d\",component=\"%s\","
                 "source=\"rapl\"} " % (n, comp), [node_w[n] * share * r for r in rel])
    family("carbonstat_node_carbon_grams", "counter")
    for n in range(a.nodes):
        for scope, g_per_j in (("operational", 300 / 3.6e6), ("embodied", 20 / 3.6e6)):
            emit("carbonstat_node_carbon_grams_total{cluster=\"bench\",node=\"node-%03d\",scope=\"%s\"} "
                 % (n, scope), [node_w[n] * 1.1 * g_per_j * r for r in rel])
    for name, fmt, val in (
            ("carbonstat_info", 'cluster="bench",node="node-%03d",version="0.1.0",mode="measured",power_model="",'
             'provider="aws",region="eu-west-1",instance="m5.xlarge",intensity_dataset="x"', lambda r, t: 1.0),
            ("carbonstat_grid_intensity_grams_per_kwh", 'cluster="bench",node="node-%03d",zone="aws/eu-west-1",'
             'source="static-region"', lambda r, t: 300.0),
            ("carbonstat_pue", 'cluster="bench",node="node-%03d"', lambda r, t: 1.135),
            ("carbonstat_agent_last_cycle_timestamp_seconds", 'cluster="bench",node="node-%03d"',
             lambda r, t: float(t))):
        family(name, "gauge")
        for n in range(a.nodes):
            emit("%s{%s} " % (name, fmt % n), [val(r, t) for r, t in zip(rel, times)])
    if om:
        w("# EOF\n")
    sys.stderr.write("series %d, samples %d, energy in the hour %.0f J\n"
                     % (a.containers * 4 + a.nodes * 8, (a.containers * 4 + a.nodes * 8) * len(times), total_j))


if __name__ == "__main__":
    main()
