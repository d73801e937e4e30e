"""The server bootstrap the python fakes share (tests/fakes/fake_emaps.py,
fake_metadata.py, fake_kubelet.py, fake_http.py).

Owns: the threaded HTTP server on 127.0.0.1 (never any other address) on a
free port, printing that port on the first line of stdout (how
tests/support/fake_server.c learns it), the --exit-with-stdin watcher (exit
as soon as stdin reaches EOF: the test holds the write end of a pipe, so the
fake dies with it even if the test crashes) and serving until killed. What
each fake answers stays in its own script. Python 3 standard library only.

A fake imports it from its own directory (python puts a script's directory
first on sys.path).
"""
import http.server
import os
import socketserver
import sys
import threading


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # the listen backlog: socketserver's 5 overflows when a client opens ten
    # connections at once (the metadata probe: AWS, GCP and Azure requests
    # in parallel) on a loaded machine, and a dropped SYN is retried after
    # 1 s, past the client's connect timeout
    request_queue_size = 64

    def handle_error(self, request, client_address):
        # clients hang up on purpose (size cap, time budget, close mid-request): not worth a trace
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def listen(handler, server_class=Server):
    """A server_class for handler on 127.0.0.1, on a free port."""
    return server_class(("127.0.0.1", 0), handler)


def print_port(server, out=None):
    """The port on the first line of stdout (or out), flushed."""
    out = out or sys.stdout
    out.write("%d\n" % server.server_address[1])
    out.flush()


def _exit_on_stdin_eof():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def exit_with_stdin():
    """Exits the process as soon as stdin reaches EOF (a watcher thread)."""
    threading.Thread(target=_exit_on_stdin_eof, daemon=True).start()


def mode_args(prog, modes):
    """argv of a fake used as `prog MODE [--exit-with-stdin]`: (mode,
    exit_with_stdin), or None after printing the usage to stderr."""
    if (len(sys.argv) not in (2, 3) or sys.argv[1] not in modes
            or sys.argv[2:] not in ([], ["--exit-with-stdin"])):
        sys.stderr.write("usage: %s {%s} [--exit-with-stdin]\n" % (prog, "|".join(modes)))
        return None
    return sys.argv[1], bool(sys.argv[2:])


def serve(handler, stdin_watch):
    """Listens, prints the port and serves until killed; 0."""
    if stdin_watch:
        exit_with_stdin()
    server = listen(handler)
    print_port(server)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


class Handler(http.server.BaseHTTPRequestHandler):
    """A quiet HTTP/1.1 handler with one way to answer: send(code, body,
    ctype, extra headers), ctype defaulting to the class's content_type. A
    fake subclasses it and adds its do_* methods."""
    protocol_version = "HTTP/1.1"
    content_type = "application/json"

    def log_message(self, fmt, *args):  # keep test output clean
        pass

    def send(self, code, body=b"", ctype=None, extra=None, length=None):
        """length overrides the Content-Length sent (a truncated body)."""
        ctype = ctype or self.content_type
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
