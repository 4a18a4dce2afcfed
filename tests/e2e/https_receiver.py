#!/usr/bin/env python3
"""A log receiver for the https endpoint's tests, in Python's standard library only.

It serves the domain-ownership challenge, records every request (method, path, headers,
decompressed body, arrival time, TLS client certificate) and can be told, per path, to answer
the next requests with a status (500, 429 with Retry-After, 400...), to hang, to close the
connection without answering, or to answer with a status and the request's own headers and
query echoed in the body (as some receivers do in their error pages). HTTP/1.1 with keep-alive; HTTPS and mTLS when given an
ssl.SSLContext. Runs in the test's own process, on 127.0.0.1 only.

    r = Receiver(challenge="*")      # or a hash per line, or None for 404
    r.start()                        # r.port
    r.script("/in", [("status", 500), ("status", 429, {"Retry-After": "1"}),
                     ("hang", 3), ("close",), ("echo", 503)])
    ... r.accepted("/in") -> list of recorded requests answered 200
    r.stop()

zstd bodies are decoded with the `zstd` command (Debian package zstd); gzip with the gzip
module.
"""

import gzip
import json
import http.server
import socketserver
import subprocess
import threading
import time

CHALLENGE_PATH = "/.well-known/fastly/logging/challenge"


def decode_body(raw, encoding):
    if encoding == "gzip":
        return gzip.decompress(raw)
    if encoding == "zstd":
        return subprocess.run(["zstd", "-d", "-c", "-q"], input=raw, stdout=subprocess.PIPE,
                              check=True).stdout
    return raw


class Request:
    def __init__(self, method, path, headers, raw, body, at, status, client_cert):
        self.method = method
        self.path = path
        self.headers = headers  # dict, lower-case names
        self.raw = raw
        self.body = body  # decompressed bytes
        self.at = at  # time.monotonic() when the body had arrived
        self.status = status  # what was answered; None for hang/close
        self.client_cert = client_cert  # subject dict of the TLS client certificate, or None

    def text(self):
        return self.body.decode("utf-8")


class Receiver:
    def __init__(self, challenge=None, ssl_context=None):
        self.challenge = challenge  # body served at the challenge path; None: 404
        self.ssl_context = ssl_context
        self.lock = threading.Lock()
        self.requests = []
        self.challenges = 0
        self.scripts = {}  # path -> list of actions for the next requests
        self.server = None
        self.thread = None
        self.port = 0

    def script(self, path, actions):
        with self.lock:
            self.scripts.setdefault(path, []).extend(actions)

    def pending_script(self, path):
        with self.lock:
            return len(self.scripts.get(path, []))

    def recorded(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    def accepted(self, path=None):
        return [r for r in self.recorded(path) if r.status is not None and 200 <= r.status < 300]

    def accepted_lines(self, path, sep="\n"):
        lines = []
        for r in self.accepted(path):
            text = r.text()
            if text.endswith("\n"):
                text = text[:-1]
            lines.extend(text.split(sep) if text else [])
        return lines

    def next_action(self, path):
        with self.lock:
            queue = self.scripts.get(path)
            if queue:
                return queue.pop(0)
        return ("status", 200)

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def reply(self, status, body=b"", headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != CHALLENGE_PATH:
                    self.reply(404, b"not found\n")
                    return
                with receiver.lock:
                    receiver.challenges += 1
                    body = receiver.challenge
                if body is None:
                    self.reply(404, b"no challenge here\n")
                else:
                    self.reply(200, body.encode(), {"Content-Type": "text/plain"})

            def handle_body(self):
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                at = time.monotonic()
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    body = decode_body(raw, headers.get("content-encoding", ""))
                except Exception as e:  # a body that does not decode is a test failure
                    body = ("UNDECODABLE: %s" % e).encode()
                cert = None
                try:
                    peer = self.connection.getpeercert()
                    if peer:
                        cert = {k: v for rdn in peer.get("subject", ()) for (k, v) in rdn}
                except (AttributeError, ValueError):
                    pass
                action = receiver.next_action(self.path)
                status = action[1] if action[0] == "status" else None
                with receiver.lock:
                    receiver.requests.append(Request(self.command, self.path, headers, raw, body,
                                                     at, status, cert))
                if action[0] == "status":
                    extra = action[2] if len(action) > 2 else {}
                    payload = action[3] if len(action) > 3 else b"ok\n"
                    self.reply(action[1], payload, extra)
                elif action[0] == "echo":
                    lines = ["%s: %s" % (k, v) for k, v in self.headers.items()]
                    echoed = ("error: refused %s\r\n%s\r\n{\"headers\": %s}\n" % (
                        self.path, "\r\n".join(lines), json.dumps(dict(self.headers.items()))))
                    self.reply(action[1], echoed.encode())
                elif action[0] == "hang":
                    time.sleep(action[1])
                    self.close_connection = True
                elif action[0] == "close":
                    self.close_connection = True

            do_POST = handle_body
            do_PUT = handle_body

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def get_request(self):
                sock, addr = self.socket.accept()
                if receiver.ssl_context is not None:
                    # Handshake in the handler thread, so a bad client cannot block accept().
                    sock = receiver.ssl_context.wrap_socket(sock, server_side=True,
                                                            do_handshake_on_connect=False)
                return sock, addr

            def handle_error(self, request, client_address):
                pass  # failed handshakes and resets are part of the tests

        class TlsHandler(Handler):
            def setup(self):
                if receiver.ssl_context is not None:
                    # A failed handshake raises; handle_error() keeps it quiet.
                    self.request.do_handshake()
                super().setup()

        self.server = Server(("127.0.0.1", 0), TlsHandler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def url(self, path="/in", host="127.0.0.1"):
        scheme = "https" if self.ssl_context is not None else "http"
        return "%s://%s:%d%s" % (scheme, host, self.port, path)

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
