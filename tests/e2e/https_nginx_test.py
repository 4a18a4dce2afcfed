#!/usr/bin/env python3
"""The https endpoint against nginx, a real HTTPS server no one here wrote.

nginx serves TLS (with a CA made here by openssl) and HTTP/2, the domain-ownership challenge as
a static file, and proxies the log POSTs to the project's receiver (tests/e2e/https_receiver.py),
which records what arrived. nginx's access log records the protocol and status of each request
sluice made. Checks: the challenge passes through nginx, every line arrives once, in order,
gzip-encoded bodies decode, and sluice talked HTTP/2 to nginx (and HTTP/1.1 when told to).

    python3 tests/e2e/https_nginx_test.py --sluice build/release/sluice

Everything listens on 127.0.0.1 on free ports, lives in a temporary directory, and is stopped by
PID.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from https_endpoint_test import (Checker, Sluice, endpoint, free_port, make_pki, service,  # noqa
                                 token, wait_until)
from https_receiver import Receiver  # noqa: E402

NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {w}/nginx.pid;
error_log {w}/error.log info;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {w}/tmp/body;
    proxy_temp_path {w}/tmp/proxy;
    fastcgi_temp_path {w}/tmp/fastcgi;
    uwsgi_temp_path {w}/tmp/uwsgi;
    scgi_temp_path {w}/tmp/scgi;
    default_type text/plain;
    log_format proto '$request_method $uri $server_protocol $status $request_length';
    access_log {w}/access.log proto;
    server {{
        listen 127.0.0.1:{port} ssl http2;
        server_name localhost;
        ssl_certificate {w}/server.pem;
        ssl_certificate_key {w}/server.key;
        root {w}/www;
        location = /.well-known/fastly/logging/challenge {{ }}
        location / {{
            client_max_body_size 10m;
            proxy_http_version 1.1;
            proxy_pass http://127.0.0.1:{upstream};
        }}
    }}
}}
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", required=True)
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    args = parser.parse_args()
    args.sluice = os.path.abspath(args.sluice)
    if not os.path.exists(args.nginx) or shutil.which("openssl") is None:
        print("SKIP: nginx or openssl is not installed (scripts/setup installs them)")
        return 77
    w = tempfile.mkdtemp(prefix="sluice-https-nginx-")
    check = Checker()
    upstream = Receiver(challenge=None).start()
    nginx = s = None
    try:
        pki = make_pki(w)
        for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(w, "tmp", d), exist_ok=True)
        challenge_dir = os.path.join(w, "www", ".well-known", "fastly", "logging")
        os.makedirs(challenge_dir)
        with open(os.path.join(challenge_dir, "challenge"), "w") as f:
            f.write("%s\n" % token("svcN"))
        port = free_port()
        conf = os.path.join(w, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(w=w, port=port, upstream=upstream.port))
        nginx = subprocess.Popen([args.nginx, "-p", w, "-c", conf, "-e",
                                  os.path.join(w, "error.log")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = "https://127.0.0.1:%d" % port
        eps = (endpoint("h2", url + "/h2", 'tls_ca_cert = "%s"\n  json_format = "2"\n'
                        '  compression_codec = "gzip"\n  request_max_entries = 100\n  concurrency = 1\n'
                        '  period_ms = 200' % pki["ca.pem"])
               + endpoint("h1", url + "/h1", 'tls_ca_cert = "%s"\n  http_version = "1.1"\n'
                          '  method = "PUT"\n  period_ms = 200' % pki["ca.pem"]))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and nginx.poll() is None:
            if os.path.exists(os.path.join(w, "nginx.pid")):
                break
            time.sleep(0.05)
        if nginx.poll() is not None:
            raise AssertionError("nginx exited: %s" % nginx.stderr.read().decode())
        s = Sluice(args.sluice, w, "nginx", service("svcN", eps))
        lines = ['{"i":%d,"msg":"through nginx"}' % i for i in range(450)]
        for i in range(0, 450, 150):
            s.send("svcN", "h2", lines[i:i + 150])
        s.send("svcN", "h1", ["one", "two"])
        wait_until(lambda: len(upstream.accepted_lines("/h2")) >= 450 and
                   len(upstream.accepted_lines("/h1")) >= 2, 20, "lines through nginx")
        check.eq("HTTP/2 through nginx: every line once, in order",
                 upstream.accepted_lines("/h2"), lines)
        check.eq("HTTP/1.1 PUT through nginx", upstream.accepted_lines("/h1"), ["one", "two"])
        check.eq("gzip survives nginx", upstream.accepted("/h2")[0].headers.get(
            "content-encoding"), "gzip")
        s.stop()
        with open(os.path.join(w, "access.log")) as f:
            log = f.read().splitlines()
        check.true("nginx served the challenge over HTTP/2: %r" % log[:3],
                   any(l.startswith("GET /.well-known/fastly/logging/challenge HTTP/2.0 200")
                       for l in log))
        check.true("the POSTs went over HTTP/2 and got 200: %r" % log[:5],
                   any(l.startswith("POST /h2 HTTP/2.0 200") for l in log))
        check.true("http_version = 1.1 PUTs over HTTP/1.1: %r" % log,
                   any(l.startswith("PUT /h1 HTTP/1.1 200") for l in log))
        check.true("no error statuses at nginx: %r" % [l for l in log if " 200 " not in l],
                   all(" 200 " in l for l in log))
    except AssertionError as e:
        check.failures.append(str(e))
    finally:
        if s is not None:
            s.stop()
        if nginx is not None and nginx.poll() is None:
            nginx.terminate()
            nginx.wait(timeout=10)
        upstream.stop()
        if check.failures:
            print("work directory kept: %s" % w)
        else:
            shutil.rmtree(w, ignore_errors=True)
    for f in check.failures:
        print("FAIL: " + f)
    print("ok" if not check.failures else "FAILED")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
