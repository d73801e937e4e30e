#!/usr/bin/env python3
"""Fake kubelet /pods endpoint for tests/unit/test_kubelet.c (and test_node.c, cli/test_top_by.sh).

Usage: fake_kubelet.py --pods FILE --cert CERT --key KEY --token TOKEN
                       [--mode MODE] [--slow-s S]

Serves HTTPS on 127.0.0.1 (never any other address) on a free port, and
prints the port on the first line of stdout. GET /pods needs
"Authorization: Bearer TOKEN" (401 otherwise, as a kubelet with webhook
authentication answers); FILE is a v1 PodList, e.g. tests/fixtures/kubelet/
pods.json or the pods.json that tests/fixtures/gen_node.py writes. It is
re-read on each request, so a test can change it between refreshes.

MODE is what /pods answers:
  ok         200 and FILE
  slow       sleeps S seconds (default 5; more than the client's timeout),
             then answers as ok
  401        401 Unauthorized, whatever the token
  403        403 Forbidden, with the kubelet's own text
  500        500 Internal Server Error
  malformed  200 with a body that is not JSON
  truncated  200 announcing FILE's length, sending half of it, closing

Control is on stdin, one command per line, each answered on stdout with one
line (so a test knows it took effect before its next request):
  mode MODE     -> "ok"          switch mode
  token TOKEN   -> "ok"          expect another token (tokens rotate)
  count         -> "count N"     /pods requests seen so far (any answer)
  auth          -> "auth N"      of which carried the expected token
The process exits when stdin reaches EOF: the test holds the write end, so
the fake dies with it, however the test ends. Python 3 standard library only.
"""
import argparse
import os
import ssl
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
import fakehttp  # noqa: E402  (tests/fakes/fakehttp.py, beside this file: the shared server bootstrap)

MODES = ("ok", "slow", "401", "403", "500", "malformed", "truncated")


class State:
    lock = threading.Lock()
    mode = "ok"
    token = ""
    pods = ""
    slow_s = 5.0
    count = 0
    authed = 0


class Handler(fakehttp.Handler):
    content_type = "text/plain; charset=utf-8"

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        with State.lock:
            mode, token = State.mode, State.token
            if path == "/pods":
                State.count += 1
        if path != "/pods":
            self.send(404, "404 page not found\n")
            return
        auth = self.headers.get("Authorization", "")
        ok_token = auth == "Bearer " + token
        if ok_token:
            with State.lock:
                State.authed += 1
        if mode == "slow":
            time.sleep(State.slow_s)
        if mode == "401" or not ok_token:
            self.send(401, "Unauthorized\n")
            return
        if mode == "403":
            self.send(403, "Forbidden (user=system:serviceaccount:carbonstat:carbonstat, "
                            "verb=get, resource=nodes, subresource=proxy)\n")
            return
        if mode == "500":
            self.send(500, "Internal Server Error: \"/pods\": runtime not ready\n")
            return
        if mode == "malformed":
            self.send(200, "<html><body>502 Bad Gateway</body></html>\n{\"kind\":",
                       "application/json")
            return
        with open(State.pods, "rb") as f:
            body = f.read()
        if mode == "truncated":
            self.send(200, body[: len(body) // 2], "application/json", length=len(body))
            self.close_connection = True
            return
        self.send(200, body, "application/json")


class Server(fakehttp.Server):
    def handle_error(self, request, client_address):
        pass  # a client that timed out and closed is expected here


def control(out):
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        cmd = words[0]
        with State.lock:
            if cmd == "mode" and len(words) == 2 and words[1] in MODES:
                State.mode = words[1]
                reply = "ok"
            elif cmd == "token" and len(words) == 2:
                State.token = words[1]
                reply = "ok"
            elif cmd == "count":
                reply = "count %d" % State.count
            elif cmd == "auth":
                reply = "auth %d" % State.authed
            else:
                reply = "error unknown command"
        out.write(reply + "\n")
        out.flush()
    os._exit(0)  # stdin closed: the test is gone


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--mode", default="ok", choices=MODES)
    ap.add_argument("--slow-s", type=float, default=5.0)
    a = ap.parse_args()
    State.mode, State.token, State.pods, State.slow_s = a.mode, a.token, a.pods, a.slow_s
    srv = fakehttp.listen(Handler, Server)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    out = sys.stdout
    fakehttp.print_port(srv, out)
    control(out)


if __name__ == "__main__":
    main()
