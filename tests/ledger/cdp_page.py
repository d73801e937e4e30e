#!/usr/bin/env python3
"""cdp_page.py - open one page in a running headless Chromium over the DevTools
protocol, record every network request the page makes, take a screenshot.

    cdp_page.py USER_DATA_DIR URL SCREENSHOT.png > requests.json

Chromium must have been started with --remote-debugging-port=0 and
--user-data-dir=USER_DATA_DIR (it writes the port it took to
USER_DATA_DIR/DevToolsActivePort). The script attaches to the browser's
first page, enables the Network and Page domains, navigates to URL, waits
for the load event and for the network to stay quiet for a second, saves a
full-page PNG, and prints a JSON object:
  {"requests": [url, ...],   every Network.requestWillBeSent of the page
   "failed": [url, ...],     Network.loadingFailed
   "loaded": true|false, "width": W, "height": H}
Only requests of the page's own target are seen: the browser's own
background traffic (update checks, accounts) is not the page's. A minimal
WebSocket client (RFC 6455, text frames, client masking) is inlined because
the standard library has none. Exit 1 when the page did not load.
"""
import base64
import json
import os
import socket
import struct
import sys
import time
import urllib.request


class WS:
    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.split(":")
        self.s = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, hostport, key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.s.recv(4096)
            if not chunk:
                raise RuntimeError("websocket handshake: connection closed")
            head += chunk
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket handshake refused: %r" % head[:200])
        self.buf = head.split(b"\r\n\r\n", 1)[1]
        self.next_id = 0

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise RuntimeError("websocket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        msg = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            op = b0 & 0x0F
            if op == 8:
                raise RuntimeError("websocket closed by the browser")
            if op in (0, 1, 2):
                msg += payload
                if b0 & 0x80:
                    return json.loads(msg.decode())

    def send(self, method, **params):
        self.next_id += 1
        data = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        mask = os.urandom(4)
        n = len(data)
        head = bytes([0x81])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        self.s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
        return self.next_id


def main():
    udd, url, shot = sys.argv[1:4]
    port = None
    for _ in range(200):
        try:
            port = open(os.path.join(udd, "DevToolsActivePort")).readline().strip()
            if port:
                break
        except OSError:
            pass
        time.sleep(0.05)
    if not port:
        sys.exit("no DevToolsActivePort in %s: is Chromium running with --remote-debugging-port=0?" % udd)
    targets = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port, timeout=10))
    page = [t for t in targets if t.get("type") == "page"][0]
    ws = WS(page["webSocketDebuggerUrl"])
    requests, failed, loaded = [], [], False
    waiting = {}

    def call(method, **params):
        i = ws.send(method, **params)
        while True:
            m = ws.recv()
            if m.get("id") == i:
                return m.get("result", {})
            handle(m)

    def handle(m):
        nonlocal loaded
        meth = m.get("method")
        if meth == "Network.requestWillBeSent":
            requests.append(m["params"]["request"]["url"])
        elif meth == "Network.loadingFailed":
            failed.append(m["params"].get("requestId"))
        elif meth == "Page.loadEventFired":
            loaded = True

    call("Network.enable")
    call("Page.enable")
    call("Page.navigate", url=url)
    deadline = time.time() + 30
    ws.s.settimeout(1.0)
    quiet_since = time.time()
    while time.time() < deadline:
        try:
            n = len(requests)
            handle(ws.recv())
            if len(requests) != n:
                quiet_since = time.time()
        except socket.timeout:
            if loaded and time.time() - quiet_since >= 1.0:
                break
    ws.s.settimeout(30)
    metrics = call("Page.getLayoutMetrics")
    size = metrics.get("cssContentSize") or metrics.get("contentSize") or {}
    w, h = int(size.get("width", 1200)), int(size.get("height", 2000))
    png = call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
               clip={"x": 0, "y": 0, "width": w, "height": h, "scale": 1})
    with open(shot, "wb") as f:
        f.write(base64.b64decode(png["data"]))
    print(json.dumps({"requests": requests, "failed": failed, "loaded": loaded, "width": w, "height": h}))
    sys.exit(0 if loaded else 1)


if __name__ == "__main__":
    main()
