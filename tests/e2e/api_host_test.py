#!/usr/bin/env python3
"""The API's guard against DNS rebinding and its HEAD answers, through Python's http.client (a
real HTTP client, as a browser or curl would send): a Host naming another domain gets 421 with a
JSON error naming it; the listen address, localhost and a name in [api] allowed_hosts are
answered, with and without the port; HEAD gets GET's status and Content-Length and no body. A
sluice on loopback prints no exposure warning. Everything stays on 127.0.0.1."""

import argparse
import http.client
import json
import os
import sys
import tempfile

from harness import Sluice, file_endpoint, service_toml


def request(port, method, path, host=None):
    """(status, headers, body) of one request on a fresh connection; `host` replaces the Host
    http.client would send (127.0.0.1:port)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=host is not None)
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), resp.read()
    finally:
        conn.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sluice", required=True)
    args = p.parse_args()
    failures = []

    def check(what, got, want):
        if got != want:
            failures.append("%s: got %r, want %r" % (what, got, want))

    with tempfile.TemporaryDirectory() as w:
        sl = Sluice(args.sluice, w, "api_host",
                    service_toml("svc1", file_endpoint("ep", os.path.join(w, "out.log"))),
                    storage=False, api_extra='allowed_hosts = ["sluice.internal"]\n')
        port = sl.api
        try:
            # The default Host of http.client and urllib: 127.0.0.1:PORT.
            status, _, body = request(port, "GET", "/health")
            check("GET /health with Host 127.0.0.1:port", (status, body), (200, b"ok\n"))
            for host in ("127.0.0.1", "localhost:%d" % port, "localhost",
                         "sluice.internal:%d" % port, "sluice.internal", "SLUICE.internal"):
                status, _, body = request(port, "GET", "/health", host)
                check("GET /health with Host %s" % host, (status, body), (200, b"ok\n"))

            # What a browser sends once evil.example resolves to 127.0.0.1.
            for host in ("evil.example:%d" % port, "evil.example", "localhost.evil.example",
                         "sluice.internal.evil.example:%d" % port):
                status, headers, body = request(port, "GET", "/status", host)
                check("GET /status with Host %s: status" % host, status, 421)
                check("GET /status with Host %s: type" % host, headers.get("content-type"),
                      "application/json")
                try:
                    doc = json.loads(body)
                except ValueError:
                    doc = {}
                check("GET /status with Host %s: host field" % host, doc.get("host"), host)
                if ('Host "%s"' % host) not in doc.get("error", ""):
                    failures.append("421 error does not name the Host %s: %r" % (host, body))

            # HEAD: GET's status and headers, no body.
            for path in ("/health", "/metrics", "/status", "/errors"):
                status, headers, body = request(port, "GET", path)
                hstatus, hheaders, hbody = request(port, "HEAD", path)
                check("HEAD %s status" % path, hstatus, status)
                check("HEAD %s Content-Length" % path, hheaders.get("content-length"),
                      headers.get("content-length"))
                check("HEAD %s Content-Type" % path, hheaders.get("content-type"),
                      headers.get("content-type"))
                check("HEAD %s body" % path, hbody, b"")
            check("HEAD /health Content-Length", request(port, "HEAD", "/health")[1]
                  .get("content-length"), "3")
            check("HEAD with a foreign Host", request(port, "HEAD", "/status", "evil.example")[0],
                  421)
        finally:
            sl.stop()
        if "beyond loopback" in sl.stderr():
            failures.append("a loopback API printed the exposure warning:\n" + sl.stderr())

    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("PASS: api_host_test")


if __name__ == "__main__":
    main()
