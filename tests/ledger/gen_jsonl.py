#!/usr/bin/env python3
"""gen_jsonl.py - synthetic agent JSON lines for the ledger's tests and benchmarks.

    gen_jsonl.py [--nodes 4] [--hours 2] [--cycles 12] [--rows 50] [--start EPOCH]
                 [--seed 1] [--cluster NAME] > energy.jsonl

Writes, for every node, `--cycles` cycles per hour over `--hours` hours from
--start (an hour boundary, epoch s; default 2026-11-01T00:00Z), as
src/exporters/jsonl.c does: one "node" line, then `--rows` workload rows plus
the system and idle buckets, whose energies (integer microjoules printed as
joules with 15 significant digits) add up to the node's exactly per
component. Owners are deployments spread over 40 teams and 30 namespaces;
rows carry the "owner"/"owner_kind" members of the newer agent. The last
line printed on stderr is the total energy in microjoules, what an import
must find. Python 3 standard library only.
"""
import argparse
import random
import sys
import time


def j(uj):
    return "%.15g" % (uj / 1e6)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=4)
    ap.add_argument("--hours", type=int, default=2)
    ap.add_argument("--cycles", type=int, default=12)
    ap.add_argument("--rows", type=int, default=50)
    ap.add_argument("--start", type=int, default=1793491200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cluster", default="")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    out = sys.stdout
    interval = 3600.0 / a.cycles
    total = 0
    cl = ',"cluster":"%s"' % a.cluster if a.cluster else ""
    w = out.write
    for n in range(a.nodes):
        node = "node-%03d" % n
        for c in range(a.hours * a.cycles):
            ts_ms = (a.start * 1000) + int(round((c + 1) * interval * 1000))
            ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts_ms // 1000)) + ".%03dZ" % (ts_ms % 1000)
            head = '{"ts":"%s","node":"%s"%s,"seq":%d,"interval_s":%s' % (ts, node, cl, c + 1, repr(interval))
            rows = []
            for r in range(a.rows):
                owner = r
                rows.append(('"type":"workload","kind":"container","name":"c","namespace":"ns-%d","team":"team-%d",'
                             '"owner":"deploy-%d","owner_kind":"Deployment"' % (owner % 30, owner % 40, owner),
                             rnd.randrange(0, 2000000), rnd.randrange(0, 200000)))
            rows.append(('"type":"system","kind":"system","name":"system","namespace":"","team":""',
                         rnd.randrange(0, 500000), rnd.randrange(0, 50000)))
            rows.append(('"type":"idle","kind":"idle","name":"idle","namespace":"","team":""',
                         rnd.randrange(0, 5000000), rnd.randrange(0, 500000)))
            cpu = sum(r[1] for r in rows)
            dram = sum(r[2] for r in rows)
            total += cpu + dram
            op = (cpu + dram) / 3.6e12 * 300
            w('%s,"type":"node","energy_j":{"cpu":%s,"dram":%s},"carbon_g":{"operational":%.15g,"embodied":0.01},'
              '"intensity_g_per_kwh":300.0,"intensity_source":"static-region","zone":"aws/eu-west-1",'
              '"mode":"measured","pue":1.135,"provider":"aws","region":"eu-west-1","instance":"m5.xlarge",'
              '"version":"gen","rows":%d}\n' % (head, j(cpu), j(dram), op, len(rows)))
            for text, rc, rd in rows:
                w('%s,%s,"energy_j":{"cpu":%s,"dram":%s},"carbon_g":{"operational":%.15g,"embodied":%.15g},'
                  '"intensity_g_per_kwh":300.0,"intensity_source":"static-region","zone":"aws/eu-west-1",'
                  '"mode":"measured"}\n' % (head, text, j(rc), j(rd), (rc + rd) / 3.6e12 * 300,
                                            0.01 / len(rows)))
    sys.stderr.write("%d\n" % total)


if __name__ == "__main__":
    main()
