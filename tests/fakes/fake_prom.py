#!/usr/bin/env python3
"""A scripted Prometheus HTTP API for tests/unit/test_ledger_sync.c.

Usage: fake_prom.py H0 [--exit-with-stdin]

Answers /api/v1/query_range (start, end, step=3600) and /api/v1/query
(time), by GET or form POST, the way Prometheus does, for the queries
`carbonstat ledger sync` sends, from a fixed script of hours counted from H0 (epoch s): the sample
at time t is hour k = (t - 3600 - H0) / 3600 (range queries evaluate at hour
ends), or the hour holding t (instant queries: the hour in progress).

Per hour, 2 nodes:
  n1 (cluster label "eu"): rows shop/api (Deployment, team checkout,
     container) cpu 3600 J + dram 360 J, and the system bucket cpu 100 J;
     node counter cpu 3700 J (rows + 0: conserved), dram 360 J; carbon
     operational 0.33 g / embodied 0.05 g for api, 0.01 / 0.01 system, node
     0.34 / 0.06; provider aws, eu-west-1, m5.large, instance id
     i-0123456789abcdef0; CPU busy 1800 s, idle 5400 s (25 % of 2 vCPUs);
     intensity 300 (static-region); resets 1 in hour 1
  n2 (no cluster label): rows search/idx cpu 1800 J; node 1800 J; carbon
     0.15 / 0; intensity from two sources (250 electricitymaps, 260
     electricitymaps-last): "mixed"; absent in hour 2; covers half of hour 3
  hour 4: no series at all (Prometheus was down)
  [sci] queries (sum(...)): 1000 per hour
Every agent cycle spans 3595 s with 720 samples (a whole hour) unless said.

MODE (GET /_mode/<m>): ok | error (400 bad_data for the row query) |
garbage (200, not JSON) | 500 | slow (sleeps 5 s)
GET /_requests: the queries seen, in order.
Python 3 standard library only.
"""
import json
import os
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakehttp  # noqa: E402

H0 = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 0


class State:
    lock = threading.Lock()
    mode = "ok"
    log = []


def rows_energy(k):
    out = []
    if k != 4:
        out += [({"cluster": "eu", "node": "n1", "namespace": "shop", "owner": "api", "owner_kind": "Deployment",
                  "team": "checkout", "kind": "container", "component": "cpu"}, 3600.0),
                ({"cluster": "eu", "node": "n1", "namespace": "shop", "owner": "api", "owner_kind": "Deployment",
                  "team": "checkout", "kind": "container", "component": "dram"}, 360.0),
                ({"cluster": "eu", "node": "n1", "namespace": "", "owner": "", "owner_kind": "", "team": "",
                  "kind": "system", "component": "cpu"}, 100.0)]
    if k not in (2, 4):
        out += [({"node": "n2", "namespace": "search", "owner": "idx", "owner_kind": "Deployment", "team": "search",
                  "kind": "container", "component": "cpu"}, 1800.0)]
    return out


def rows_carbon(k):
    out = []
    if k != 4:
        api = {"cluster": "eu", "node": "n1", "namespace": "shop", "owner": "api", "owner_kind": "Deployment",
               "team": "checkout", "kind": "container"}
        sy = {"cluster": "eu", "node": "n1", "kind": "system"}
        out += [(dict(api, scope="operational"), 0.33), (dict(api, scope="embodied"), 0.05),
                (dict(sy, scope="operational"), 0.01), (dict(sy, scope="embodied"), 0.01)]
    if k not in (2, 4):
        idx = {"node": "n2", "namespace": "search", "owner": "idx", "owner_kind": "Deployment", "team": "search",
               "kind": "container"}
        out += [(dict(idx, scope="operational"), 0.15)]
    return out


def node_energy(k):
    out = []
    if k != 4:
        out += [({"cluster": "eu", "node": "n1", "component": "cpu"}, 3700.0),
                ({"cluster": "eu", "node": "n1", "component": "dram"}, 360.0)]
    if k not in (2, 4):
        out += [({"node": "n2", "component": "cpu"}, 1800.0)]
    return out


def node_carbon(k):
    out = []
    if k != 4:
        out += [({"cluster": "eu", "node": "n1", "scope": "operational"}, 0.34),
                ({"cluster": "eu", "node": "n1", "scope": "embodied"}, 0.06)]
    if k not in (2, 4):
        out += [({"node": "n2", "scope": "operational"}, 0.15)]
    return out


def per_node(k, n1, n2):
    out = []
    if k != 4 and n1 is not None:
        out.append(({"cluster": "eu", "node": "n1"}, n1))
    if k not in (2, 4) and n2 is not None:
        out.append(({"node": "n2"}, n2))
    return out


def answer(q, k):
    """(labels, value) pairs for query q at hour index k."""
    if "carbonstat_energy_joules_total" in q:
        return rows_energy(k)
    if "carbonstat_carbon_grams_total" in q:
        return rows_carbon(k)
    if "carbonstat_node_energy_joules_total" in q and "increase" in q:
        return node_energy(k)
    if "carbonstat_node_carbon_grams_total" in q:
        return node_carbon(k)
    if "carbonstat_info" in q:
        return [({"cluster": "eu", "node": "n1", "provider": "aws", "region": "eu-west-1", "instance": "m5.large",
                  "instance_id": "i-0123456789abcdef0"}, 1)] if k != 4 else []
    if "carbonstat_node_cpu_seconds_total" in q:
        return [({"cluster": "eu", "node": "n1", "mode": "busy"}, 1800.0),
                ({"cluster": "eu", "node": "n1", "mode": "idle"}, 5400.0)] if k != 4 else []
    if "carbonstat_grid_intensity" in q:
        out = []
        if k != 4:
            out.append(({"cluster": "eu", "node": "n1", "source": "static-region"}, 300.0))
        if k not in (2, 4):
            out += [({"node": "n2", "source": "electricitymaps"}, 250.0),
                    ({"node": "n2", "source": "electricitymaps-last"}, 260.0)]
        return out
    if "carbonstat_pue" in q:
        return per_node(k, 1.135, None)
    if "last_cycle_timestamp" in q:
        return per_node(k, 3595.0, 1795.0 if k == 3 else 3595.0)
    if "count_over_time" in q:
        return per_node(k, 720.0, 360.0 if k == 3 else 720.0)
    if "resets(" in q:
        return per_node(k, 1.0 if k == 1 else 0.0, 0.0)
    if q.startswith("sum(") and k != 4:
        return [({}, 1000.0)]
    return []


class Handler(fakehttp.Handler):
    def do_POST(self):
        """The API's form-encoded POST (what `ledger sync` sends)."""
        n = int(self.headers.get("Content-Length") or 0)
        form = self.rfile.read(n).decode()
        if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            self.send(400, json.dumps({"status": "error", "errorType": "bad_data", "error": "not a form"}))
            return
        self.api(urllib.parse.urlsplit(self.path).path, urllib.parse.parse_qs(form))

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_requests":
            with State.lock:
                self.send(200, json.dumps(State.log))
            return
        if url.path.startswith("/_mode/"):
            with State.lock:
                State.mode = url.path[len("/_mode/"):]
            self.send(200, "ok\n", "text/plain")
            return
        self.api(url.path, urllib.parse.parse_qs(url.query))

    def api(self, path, qs):
        q = qs.get("query", [""])[0]
        with State.lock:
            State.log.append(q)
            mode = State.mode
        if mode == "500":
            self.send(500, "internal error\n", "text/plain")
            return
        if mode == "garbage":
            self.send(200, "<html>not the API</html>", "text/html")
            return
        if mode == "slow":
            time.sleep(5)
        if mode == "error" and "carbonstat_energy_joules_total" in q:
            self.send(400, json.dumps({"status": "error", "errorType": "bad_data",
                                        "error": "1:2: parse error: unexpected"}))
            return
        if path == "/api/v1/query_range":
            start, end, step = (int(float(qs[p][0])) for p in ("start", "end", "step"))
            series = {}
            t = start
            while t <= end:
                k = (t - 3600 - H0) // 3600
                for labels, v in answer(q, k):
                    key = json.dumps(labels, sort_keys=True)
                    series.setdefault(key, (labels, []))[1].append([t, repr(float(v))])
                t += step
            result = [{"metric": l, "values": vals} for l, vals in series.values()]
            body = {"status": "success", "data": {"resultType": "matrix", "result": result}}
        elif path == "/api/v1/query":
            t = float(qs["time"][0])
            k = (int(t) // 3600 * 3600 - H0) // 3600
            result = [{"metric": l, "value": [t, repr(float(v))]} for l, v in answer(q, k)]
            body = {"status": "success", "data": {"resultType": "vector", "result": result}}
        else:
            self.send(404, json.dumps({"status": "error", "errorType": "not_found", "error": "no such path"}))
            return
        self.send(200, json.dumps(body))


if __name__ == "__main__":
    sys.exit(fakehttp.serve(Handler, "--exit-with-stdin" in sys.argv))
