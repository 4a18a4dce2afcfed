#!/usr/bin/env python3
"""At-least-once across a receiver crash: sluice streams N numbered lines to a real rsyslogd over
TCP; in the middle of the stream rsyslogd is killed with SIGKILL (so whatever sat in its socket
buffer and in-memory queue is lost) and restarted on the same port. Every number must reach the
output file at least once. Duplicates are allowed; the test reports how many there were.

Usage: syslog_rsyslog_restart_test.py --sluice PATH_TO_BINARY [--lines N] [--tls] [--keep]
"""

import argparse
import collections
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from syslog_peers import (Rsyslog, Sluice, count_lines, find_rsyslogd, free_port,  # noqa: E402
                          http_post, make_certs, wait_for)

SERVICE = "svc1"
PAD = "x" * 200
LINE_RE = re.compile(rb"seq-(\d{7})-end")


def run(binary, workdir, total, use_tls):
    port, api_port, http_port = free_port(), free_port(), free_port()
    out = os.path.join(workdir, "received.log")
    certs = None
    tls = ""
    if use_tls:
        certdir = os.path.join(workdir, "certs")
        os.makedirs(certdir, exist_ok=True)
        certs = make_certs(certdir)
        tls = f'use_tls = true\ntls_hostname = "localhost"\ntls_ca_cert = "{certs["ca.pem"]}"\n'
    # rsyslogd processes about 20,000 lines/s here, slower than sluice sends: at the kill, the
    # socket buffers on both sides are full of lines that were written but never processed.
    rsyslog = Rsyslog(workdir, [{"port": port, "file": out, "template": "raw", "slow": 5000}],
                      tls=certs)
    config = f"""
[api]
listen = "127.0.0.1:{api_port}"

[[source]]
type = "http"
listen = "127.0.0.1:{http_port}"

[[service]]
id = "{SERVICE}"

[[service.logging]]
type = "syslog"
name = "stream"
address = "127.0.0.1"
port = {port}
message_type = "blank"
max_backoff = "1s"
{tls}
"""
    sluice = Sluice(binary, workdir, config, api_port)
    sender_error = []
    killed_at = {}

    def send():
        # As fast as the HTTP source takes it; the receiver is the bottleneck.
        try:
            chunk = 2000
            for start in range(0, total, chunk):
                body = "".join(f"syslog {SERVICE} stream :: seq-{i:07d}-end {PAD}\n"
                               for i in range(start, min(total, start + chunk)))
                while True:
                    status, answer = http_post(http_port, "/ingest/logs", body)
                    if status == 202:
                        assert answer["rejected"] == 0, answer
                        break
                    assert status in (429, 503), (status, answer)
                    time.sleep(0.1)  # queues full while the receiver is down: retry later
        except Exception as e:  # reported by the main thread
            sender_error.append(e)

    try:
        rsyslog.start()
        sluice.start()
        sender = threading.Thread(target=send)
        sender.start()
        # Kill once a good part of the stream has arrived, with more still flowing.
        wait_for(lambda: count_lines(out) >= total // 4, timeout=60, interval=0.01,
                 what="a quarter of the stream")
        killed_at["lines"] = count_lines(out)
        killed_at["retried"] = sluice.metric("sluice_endpoint_retried_total", endpoint="stream")
        rsyslog.kill9()
        print(f"killed rsyslogd (SIGKILL) with {killed_at['lines']} of {total} lines in its file")
        time.sleep(1.0)
        rsyslog.start()
        print("restarted rsyslogd on the same port")
        sender.join(timeout=120)
        assert not sender_error, sender_error
        assert killed_at["lines"] < total, "the kill came after the whole stream: test proves nothing"

        def all_there():
            with open(out, "rb") as f:
                seen = set(int(m) for m in LINE_RE.findall(f.read()))
            return len(seen) == total

        try:
            wait_for(all_there, timeout=90, interval=0.5, what="every number in the file")
        except AssertionError:
            pass
        with open(out, "rb") as f:
            counts = collections.Counter(int(m) for m in LINE_RE.findall(f.read()))
        missing = [i for i in range(total) if counts[i] == 0]
        duplicates = sum(c - 1 for c in counts.values() if c > 1)
        retried = sluice.metric("sluice_endpoint_retried_total", endpoint="stream")
        errors = sluice.metric("sluice_endpoint_errors_total", endpoint="stream",
                               **{"class": "retryable"})
        print(f"received {sum(counts.values())} lines: {len(counts)} distinct of {total}, "
              f"{duplicates} duplicates, {len(missing)} missing; "
              f"sluice retried {retried:.0f}, retryable errors {errors:.0f}")
        assert not missing, f"lost {len(missing)} lines, first {missing[:20]}"
        assert errors >= 1, "sluice did not notice the receiver dying"
        wait_for(lambda: sluice.metric("sluice_endpoint_delivered_total", endpoint="stream")
                 == total, timeout=30, what="delivered_total == total")
        assert sluice.metric("sluice_endpoint_queue_lines", endpoint="stream") == 0
    except Exception:
        print(f"rsyslog log:\n{rsyslog.tail_log()}\nsluice log:\n{sluice.tail_log()}")
        raise
    finally:
        sluice.stop()
        rsyslog.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", required=True)
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not find_rsyslogd():
        print("rsyslogd not found: install rsyslog (scripts/setup)")
        return 1
    workdir = tempfile.mkdtemp(prefix="sluice-e2e-restart-")
    ok = False
    try:
        run(os.path.abspath(args.sluice), workdir, args.lines, args.tls)
        ok = True
    except Exception:
        traceback.print_exc()
    finally:
        if args.keep or not ok:
            print(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
