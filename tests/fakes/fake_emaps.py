#!/usr/bin/env python3
"""Fake Electricity Maps API for tests/unit/test_grid_live.c.

Usage: fake_emaps.py MODE [--exit-with-stdin]

Listens on 127.0.0.1 on a free port (never any other address), prints the
port on the first line of stdout, then serves until killed. With
--exit-with-stdin it exits as soon as stdin reaches EOF: the test holds the
write end of a pipe, so the fake dies with it even if the test crashes.

API requests are GET /carbon-intensity/latest?zone=Z (or ?lat=..&lon=..);
they are numbered from 1. What MODE answers:

  ok         200, v3 JSON, carbonIntensity = 100 + 10 x request number, zone
             echoed (coordinates answer zone "DE")
  co2signal  200, CO2Signal v1 JSON, carbonIntensity = 100 + 10 x n + 0.5
  key        like ok when "auth-token: test-key-0123456789" is sent, else 401
  401        401 {"error": ...}
  429        429 with Retry-After: 1
  500        500
  timeout    sleeps 30 s, then answers 504 (past any client timeout)
  malformed  200 with truncated JSON
  nan        200 with carbonIntensity NaN (not JSON)
  negative   200 with carbonIntensity -5
  huge       200 with carbonIntensity 1e6
  null       200 with carbonIntensity null (no data for the zone)
  big        200 with a 100 KiB body (over the client's cap)

Control endpoints (not counted as API requests):
  GET /_mode/<mode>  switch mode at run time (200 "ok", 404 for an unknown mode)
  GET /_requests     JSON list of the API requests seen so far:
                     [{"n": 1, "path": "...", "query": "zone=DE", "auth": "yes"}]
                     (auth: whether an auth-token header was present).
Python 3 standard library only.
"""
import json
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
import fakehttp  # noqa: E402  (tests/fakes/fakehttp.py, beside this file: the shared server bootstrap)

API_PATH = "/carbon-intensity/latest"
TEST_KEY = "test-key-0123456789"
MODES = ("ok", "co2signal", "key", "401", "429", "500", "timeout", "malformed", "nan",
         "negative", "huge", "null", "big")


class State:
    lock = threading.Lock()
    mode = "ok"
    count = 0
    log = []


def v3_body(zone, value):
    return json.dumps({
        "zone": zone,
        "carbonIntensity": value,
        "datetime": "2026-11-22T10:00:00.000Z",
        "updatedAt": "2026-11-22T10:12:04.341Z",
        "createdAt": "2026-11-19T10:46:10.501Z",
        "emissionFactorType": "lifecycle",
        "isEstimated": True,
        "estimationMethod": "TIME_SLICER_AVERAGE",
        "temporalGranularity": "hourly",
    })


def co2signal_body(zone, value):
    return json.dumps({
        "_disclaimer": "test data, not real",
        "status": "ok",
        "countryCode": zone,
        "data": {
            "datetime": "2026-11-22T10:00:00.000Z",
            "carbonIntensity": value,
            "fossilFuelPercentage": 41.2,
        },
        "units": {"carbonIntensity": "gCO2eq/kWh"},
    })


class Handler(fakehttp.Handler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_requests":
            with State.lock:
                body = json.dumps(State.log)
            self.send(200, body)
            return
        if url.path.startswith("/_mode/"):
            mode = url.path[len("/_mode/"):]
            if mode not in MODES:
                self.send(404, "unknown mode\n", "text/plain")
                return
            with State.lock:
                State.mode = mode
            self.send(200, "ok\n", "text/plain")
            return
        if url.path != API_PATH:
            self.send(404, json.dumps({"error": "Not found"}))
            return
        key = self.headers.get("auth-token")
        with State.lock:
            State.count += 1
            n = State.count
            mode = State.mode
            State.log.append({"n": n, "path": url.path, "query": url.query,
                              "auth": "no" if key is None else "yes"})
        query = urllib.parse.parse_qs(url.query)
        zone = query.get("zone", ["DE"])[0]
        value = 100 + 10 * n
        if mode == "ok":
            self.send(200, v3_body(zone, value))
        elif mode == "co2signal":
            self.send(200, co2signal_body(zone, value + 0.5))
        elif mode == "key":
            if key != TEST_KEY:
                self.send(401, json.dumps({"error": "Invalid auth-token"}))
            else:
                self.send(200, v3_body(zone, value))
        elif mode == "401":
            self.send(401, json.dumps({"error": "Invalid auth-token"}))
        elif mode == "429":
            self.send(429, json.dumps({"error": "Too many requests"}), extra={"Retry-After": "1"})
        elif mode == "500":
            self.send(500, json.dumps({"error": "Internal server error"}))
        elif mode == "timeout":
            time.sleep(30)
            self.send(504, "")
        elif mode == "malformed":
            self.send(200, v3_body(zone, value)[:40])
        elif mode == "nan":
            self.send(200, '{"zone": "%s", "carbonIntensity": NaN}' % zone)
        elif mode == "negative":
            self.send(200, v3_body(zone, -5))
        elif mode == "huge":
            self.send(200, v3_body(zone, 1e6))
        elif mode == "null":
            self.send(200, v3_body(zone, None))
        elif mode == "big":
            self.send(200, '{"zone": "DE", "pad": "%s", "carbonIntensity": 1}' % ("x" * 100 * 1024))
        else:
            self.send(500, "bad mode\n", "text/plain")


def main():
    args = fakehttp.mode_args("fake_emaps.py", MODES)
    if args is None:
        return 2
    State.mode = args[0]
    return fakehttp.serve(Handler, args[1])


if __name__ == "__main__":
    sys.exit(main())
