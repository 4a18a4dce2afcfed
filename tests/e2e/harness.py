"""What every e2e test needs: free loopback ports, polling with a deadline, and the HTTP calls
to sluice's ingest and API. Standard library only; everything stays on 127.0.0.1."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port(kind=socket.SOCK_STREAM):
    """A port on 127.0.0.1 that nothing listens on now (TCP, or UDP with SOCK_DGRAM)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, interval=0.05):
    """Polls until predicate() is true and returns its value; fails the test at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %.0fs waiting for %s" % (timeout, what))


def can_connect(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def read_lines(path):
    """Every line of a text file, or none while it does not exist yet."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


# What sluice's /ingest requires (a JSON media type: no web page can post it cross-site).
INGEST_HEADERS = {"Content-Type": "application/x-ndjson"}


def http(port, path, body=None, timeout=30):
    """GET (or POST with a body) to 127.0.0.1:port; returns (status, text), errors included."""
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=body,
                                 method="POST" if body is not None else "GET",
                                 headers=INGEST_HEADERS if body is not None else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def metric(api_port, name):
    """The sum of a Prometheus metric over all its label sets, from sluice's /metrics."""
    _, text = http(api_port, "/metrics")
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


class Sluice:
    """sluice run with an HTTP ingest source, an API, and the given services. `sources` adds
    [[source]] tables; `api_extra` adds lines to [api] (allowed_hosts, say); `top_extra` adds
    top-level settings (body_budget, say); `preexec_fn` runs in the child before sluice (a
    resource limit, say)."""

    def __init__(self, binary, workdir, name, services, storage=True, env=None, sources="",
                 preexec_fn=None, api_extra="", top_extra=""):
        self.api = free_port()
        self.http = free_port()
        self.workdir = workdir
        self.config = os.path.join(workdir, name + ".toml")
        # A short grace: endpoints that cannot deliver (on purpose) would hold up every stop.
        text = 'shutdown_grace = 2\n%s\n[api]\nlisten = "127.0.0.1:%d"\n%s\n' % (
            top_extra, self.api, api_extra)
        if storage:
            text += '[storage]\ndir = "%s"\n\n' % os.path.join(workdir, name + "-storage")
        text += '[[source]]\ntype = "http"\nlisten = "127.0.0.1:%d"\n\n' % self.http
        text += sources
        self.head = text  # everything but the services: write_config() keeps it
        text += services
        with open(self.config, "w") as f:
            f.write(text)
        self.storage = os.path.join(workdir, name + "-storage")
        self.err_path = os.path.join(workdir, name + ".stderr")
        self.binary, self.env, self.preexec_fn = binary, env, preexec_fn
        self._start("w")

    def _start(self, err_mode):
        with open(self.err_path, err_mode) as err:
            self.proc = subprocess.Popen([self.binary, "run", "-c", self.config],
                                         stdout=subprocess.DEVNULL, stderr=err, env=self.env,
                                         preexec_fn=self.preexec_fn)
        wait_until(lambda: self.up() or self.proc.poll() is not None, 20, "sluice to start")
        if self.proc.poll() is not None:
            raise AssertionError("sluice exited with %d:\n%s" % (self.proc.returncode,
                                                                 self.stderr()))

    def write_config(self, services):
        """Replaces the configuration file: the same [api], [storage] and source as at start, and
        the given services. Written to a temporary file and renamed, so that a reader never sees
        half of it. The running sluice reads it only when told (reload())."""
        tmp = self.config + ".tmp"
        with open(tmp, "w") as f:
            f.write(self.head + services)
        os.replace(tmp, self.config)

    def reload(self):
        """Asks the running sluice to reload its configuration file (SIGHUP)."""
        self.proc.send_signal(signal.SIGHUP)

    def kill9(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def restart(self):
        """Starts sluice again, after stop() or kill9(), on the same file, ports and storage;
        its stderr goes on in the same file."""
        with open(self.err_path, "a") as err:
            err.write("---- restart\n")
        self._start("a")

    def status(self):
        return json.loads(self.get("/status"))

    def up(self):
        try:
            with socket.create_connection(("127.0.0.1", self.api), timeout=0.2):
                return True
        except OSError:
            return False

    def stderr(self):
        with open(self.err_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def send(self, service, endpoint, messages):
        body = "".join("syslog %s %s :: %s\n" % (service, endpoint, m) for m in messages)
        req = urllib.request.Request("http://127.0.0.1:%d/ingest/logs" % self.http,
                                     data=body.encode(), method="POST", headers=INGEST_HEADERS)
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status in (200, 202, 204), resp.status

    def send_records(self, service, records, timeout=60):
        """POSTs NDJSON request records (dicts or JSON strings); retries while the queue pushes
        back with 503."""
        body = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)
        deadline = time.time() + timeout
        while True:
            req = urllib.request.Request(
                "http://127.0.0.1:%d/ingest/%s/requests" % (self.http, service),
                data=body.encode(), method="POST", headers=INGEST_HEADERS)
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    assert resp.status in (200, 202, 204), resp.status
                    return
            except urllib.error.HTTPError as e:
                if e.code != 503 or time.time() > deadline:
                    raise
                time.sleep(0.05)

    def get(self, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.api, path), timeout=10) as r:
            return r.read().decode()

    def endpoint_status(self, name):
        for e in json.loads(self.get("/status"))["endpoints"]:
            if e["name"] == name:
                return e
        raise AssertionError("no endpoint %s in /status" % name)

    def metric(self, name, endpoint, extra=""):
        prefix = '%s{service="' % name
        for line in self.get("/metrics").splitlines():
            if line.startswith(prefix) and ('endpoint="%s"' % endpoint) in line and extra in line:
                return float(line.rsplit(" ", 1)[1])
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def file_endpoint(name, path):
    """A [[service.logging]] table of type file with placement "none": log statements only."""
    return ('\n  [[service.logging]]\n  type = "file"\n  name = "%s"\n  path = "%s"\n'
            '  placement = "none"\n' % (name, path))


def service_toml(sid, endpoints):
    """A [[service]] table with the given [[service.logging]] tables."""
    return '[[service]]\nid = "%s"\nname = "%s"\n%s\n' % (sid, sid, endpoints)


def offer_log_statements(sluice, service, endpoint, per_second, total, line):
    """Sends `total` log statements to `endpoint`, `per_second` of them a second in batches every
    100 ms, in a thread; line(i) is the i-th message. Returns the thread, started."""
    import threading
    sent = [0]

    def produce():
        start = time.time()
        tick = 0
        per_tick = max(1, per_second // 10)
        while sent[0] < total:
            delay = start + tick * 0.1 - time.time()
            if delay > 0:
                time.sleep(delay)
            n = min(per_tick, total - sent[0])
            sluice.send(service, endpoint, [line(sent[0] + i) for i in range(n)])
            sent[0] += n
            tick += 1

    thread = threading.Thread(target=produce)
    thread.start()
    return thread


def make_pki(w):
    """A CA, a server certificate for localhost and 127.0.0.1, and a client certificate, made
    with openssl in `w`; returns their paths by name."""
    def run(*cmd):
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       cwd=w)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-subj", "/CN=sluice test CA", "-days", "1", "-keyout", "ca.key",
        "-out", "ca.pem")
    with open(os.path.join(w, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,DNS:logs.test,IP:127.0.0.1\n")
    with open(os.path.join(w, "client.ext"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    for name, ext in (("server", "server.ext"), ("client", "client.ext")):
        run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", "/CN=%s" % ("sluice-client" if name == "client" else "localhost"),
            "-keyout", name + ".key", "-out", name + ".csr")
        run("openssl", "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "1", "-extfile", ext, "-out", name + ".pem")
    return {k: os.path.join(w, k) for k in ("ca.pem", "server.pem", "server.key", "client.pem",
                                            "client.key")}
