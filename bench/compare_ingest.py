"""W4's sender for bench/compare.py: request records POSTed as NDJSON bodies to sluice's HTTP
ingest (POST /ingest/svc1/requests), from several client processes in parallel.

The bodies are built in memory before anything is timed, and the clients are forked processes
(one Python interpreter each, so that the GIL does not serialize them), each on its own
persistent HTTP/1.1 connection (keep-alive), or a new connection per request with keepalive off.
They connect, wait for the start signal, send their share of the bodies (body i goes to client
i mod C) and report what sluice accepted and their own CPU seconds.

A 202 answer is {"accepted":N,"rejected":M,"dropped":D,"errors":[...]}; 429 and 503 (a full queue pushing
back) are retried after 10 ms and counted; any other answer is an error that fails the run.
"""

import http.client
import json
import multiprocessing
import os
import resource
import time

PATH = "/ingest/svc1/requests"


def build_bodies(records_file, lines, body_records):
    """The first `lines` records of the NDJSON file in bodies of `body_records` records."""
    bodies, batch, n = [], [], 0
    with open(records_file, "rb") as f:
        for line in f:
            if n == lines:
                break
            batch.append(line)
            n += 1
            if len(batch) == body_records:
                bodies.append(b"".join(batch))
                batch = []
    if batch:
        bodies.append(b"".join(batch))
    if n < lines:
        raise RuntimeError(f"{records_file} has only {n} records, {lines} wanted")
    return bodies


def _cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _client(port, bodies, keepalive, cpus, ready, start, results):
    if cpus:
        os.sched_setaffinity(0, cpus)
    headers = {"Content-Type": "application/x-ndjson"}
    if not keepalive:
        headers["Connection"] = "close"
    out = {"accepted": 0, "rejected": 0, "retries": 0, "requests": 0, "error": None}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        if keepalive:
            conn.connect()
        ready.release()
        start.wait()
        cpu0 = _cpu()
        for body in bodies:
            while True:
                if not keepalive:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                conn.request("POST", PATH, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                out["requests"] += 1
                if resp.status in (429, 503):
                    out["retries"] += 1
                    time.sleep(0.01)
                    continue
                if resp.status != 202:
                    raise RuntimeError(f"HTTP {resp.status}: {data[:200]!r}")
                answer = json.loads(data)
                out["accepted"] += answer["accepted"]
                out["rejected"] += answer.get("rejected", 0)
                break
        out["cpu"] = _cpu() - cpu0
    except Exception as e:  # reported to the parent, which fails the run
        out["error"] = f"{type(e).__name__}: {e}"
        out["cpu"] = 0.0
        ready.release()
    finally:
        conn.close()
    results.put(out)


class IngestSender:
    """Forks `clients` processes holding their share of `bodies`; start() releases them."""

    def __init__(self, port, bodies, clients, keepalive=True, cpus=None):
        ctx = multiprocessing.get_context("fork")  # the bodies are shared, not pickled
        self.ready = ctx.Semaphore(0)
        self.start_event = ctx.Event()
        self.results = ctx.Queue()
        self.procs = [ctx.Process(target=_client, daemon=True,
                                  args=(port, bodies[i::clients], keepalive, cpus, self.ready,
                                        self.start_event, self.results))
                      for i in range(clients)]
        for p in self.procs:
            p.start()
        for _ in self.procs:
            if not self.ready.acquire(timeout=30):
                self.kill()
                raise RuntimeError("W4 clients did not connect")

    def start(self):
        self.start_event.set()

    def finish(self, timeout=120):
        """Waits for every client; returns the summed report. Raises on a client's error."""
        total = {"accepted": 0, "rejected": 0, "retries": 0, "requests": 0, "cpu": 0.0}
        errors = []
        for _ in self.procs:
            out = self.results.get(timeout=timeout)
            if out["error"]:
                errors.append(out["error"])
            for k in total:
                total[k] += out[k]
        for p in self.procs:
            p.join(timeout=10)
        if errors:
            raise RuntimeError("W4 client failed: " + "; ".join(errors))
        return total

    def kill(self):
        for p in self.procs:
            if p.is_alive():
                p.kill()
                p.join()
