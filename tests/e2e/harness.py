"""What every e2e test needs: free loopback ports, polling with a deadline, and the HTTP calls
to sluice's ingest and API. Standard library only; everything stays on 127.0.0.1."""

import socket
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


def http(port, path, body=None, timeout=30):
    """GET (or POST with a body) to 127.0.0.1:port; returns (status, text), errors included."""
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=body,
                                 method="POST" if body is not None else "GET")
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
