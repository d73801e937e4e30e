#!/usr/bin/env python3
"""Fake HTTP server for tests/unit/test_http.c (the io/http client).

Usage: fake_http.py [--exit-with-stdin]

Listens on 127.0.0.1 on a free port (never any other address), prints the
port on the first line of stdout, then serves until killed. What each path
answers (any method unless said):

  /echo            200, JSON {"method", "path", "headers": {lowercased name:
                   value}, "body"}: what the request was
  /status/N        status N, a short JSON body; ?ra=V adds "Retry-After: V"
  /big/N           200 with a body of N bytes ("x" repeated)
  /bigheader/N     200 with an X-Pad header of N bytes and a short body
  /slow/S          sleeps S seconds (a float), then answers as /echo
  /redirect        302 to /echo
  /flavor          200 with "Metadata-Flavor: Google"
  /gzip            200 with a gzip-encoded JSON body when the request accepts
                   gzip (Content-Encoding: gzip), else the plain body

Python 3 standard library only.
"""
import gzip
import json
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
import fakehttp  # noqa: E402  (tests/fakes/fakehttp.py, beside this file: the shared server bootstrap)


class Handler(fakehttp.Handler):
    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n).decode("utf-8", "replace") if n else ""

    def _echo(self, url, body):
        self.send(200, json.dumps({
            "method": self.command,
            "path": url.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }))

    def _any(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        body = self._body()
        parts = url.path.strip("/").split("/")
        if parts[0] == "echo":
            self._echo(url, body)
        elif parts[0] == "status" and len(parts) == 2:
            extra = {"Retry-After": query["ra"][0]} if "ra" in query else None
            self.send(int(parts[1]), json.dumps({"status": int(parts[1])}), extra=extra)
        elif parts[0] == "big" and len(parts) == 2:
            self.send(200, "x" * int(parts[1]), "text/plain")
        elif parts[0] == "bigheader" and len(parts) == 2:
            self.send(200, "{}", extra={"X-Pad": "p" * int(parts[1])})
        elif parts[0] == "slow" and len(parts) == 2:
            time.sleep(float(parts[1]))
            self._echo(url, body)
        elif parts[0] == "redirect":
            self.send(302, "", extra={"Location": "/echo"})
        elif parts[0] == "flavor":
            self.send(200, "e2-standard-2", "text/plain", extra={"Metadata-Flavor": "Google"})
        elif parts[0] == "gzip":
            plain = json.dumps({"compressed": True, "pad": "z" * 4000}).encode()
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                self.send(200, gzip.compress(plain), extra={"Content-Encoding": "gzip"})
            else:
                self.send(200, plain)
        else:
            self.send(404, json.dumps({"error": "no such path"}))

    do_GET = _any
    do_POST = _any
    do_PUT = _any


def main():
    if sys.argv[1:] not in ([], ["--exit-with-stdin"]):
        sys.stderr.write("usage: fake_http.py [--exit-with-stdin]\n")
        return 2
    return fakehttp.serve(Handler, bool(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
