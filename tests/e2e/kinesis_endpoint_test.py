#!/usr/bin/env python3
"""The kinesis endpoint against real Kinesis implementations: kinesalite and kinesis-local
(npm), with the project's throttling/verifying proxy (tests/peers/kinesis_throttle_proxy.js)
and test STS endpoint (tests/e2e/sts_server.py) where a peer lacks AWS's behaviour.

Checks:
- even distribution, kinesalite, 4 shards: 50,000 request records through sluice; every
  shard read back with GetRecords; every record exactly once; bytes per shard within 10% of
  the mean;
- reshard mid-stream, kinesalite: SplitShard twice while sending; nothing lost or duplicated;
  sluice's shard map follows while records flow (a record landing on an unexpected shard
  triggers a listing), and records sent once it has followed go only to open shards, within
  10% of even;
- kinesis-local, 4 shards, 50,000 records (KINESIS_LOCAL_RECORDS sets another count):
  UpdateShardCount 4 -> 8 mid-stream, the same checks;
  in both reshard runs the lines sent before the change are within 10% of even over the
  original 4 shards;
- partition_key = "%{req.http.host}V" behind a throttling proxy (so that entries are refused
  and retried): per key, the order read back equals the sending order, exactly once;
- aggregation = "kpl": every aggregated record decodes (kpl_decode.py, our own) back to the
  original lines, byte for byte, exactly once (no key: no order within a shard is promised);
- iam_role: credentials from the test STS (20 s lifetime) are refreshed before they expire,
  the ExternalId is sent, every PutRecords is signed with a session token and verified by the
  proxy;
- errors: a stream that does not exist shows ResourceNotFoundException in /status, lines keep
  queueing and are delivered once it exists; a line larger than max_record_bytes goes to the
  dead letter, counted; secrets never appear in /status, /errors or sluice's log;
- record_ttl: behind a proxy that takes 20 records/s, lines older than record_ttl are dropped,
  counted as expired; delivered + expired = sent; Kinesis holds exactly the delivered ones;
- no key pair anywhere: the instance role's credentials from instance metadata (IMDSv2, a
  fake of our own in this file) sign every request and are refreshed before they expire;
- with [storage] dir: lines for a stream that does not exist yet survive a restart on disk
  and are delivered exactly once once it exists.

    python3 tests/e2e/kinesis_endpoint_test.py --sluice build/release/sluice

Everything listens on 127.0.0.1 on free ports; every process is stopped by its PID.
"""

import argparse
import collections
import json
import os
import random
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kpl_decode  # noqa: E402
from harness import Sluice, service_toml as service, wait_until  # noqa: E402
from kinesis_peers import (Kinesalite, KinesisClient, KinesisLocal, ThrottleProxy,  # noqa: E402
                           is_open, kinesis_endpoint_toml)
from sts_server import StsServer  # noqa: E402

ACCESS_KEY = "AKIDSLUICETEST000001"
SECRET_KEY = "sluice/test+secret/KEY-that-must-never-show"
REGION = "us-east-1"


class Checker:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def true(self, what, cond, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failures.append("%s %s" % (what, detail))
            print("FAIL:", what, detail, flush=True)

    def eq(self, what, got, want):
        self.true(what, got == want, "\n  got  %r\n  want %r" % (got, want))


def kinesis_endpoint(name, topic, url, extra=""):
    return kinesis_endpoint_toml(name, topic, url, extra, ACCESS_KEY, SECRET_KEY, REGION,
                                 fmt="%{req.url}V")


def records(start, count, rng, host=None):
    """Request records whose req.url is unique (it carries the index) and of varied length."""
    out = []
    for i in range(start, start + count):
        pad = "x" * rng.randrange(10, 200)
        r = {"req.url": "/r/%07d/%s" % (i, pad)}
        if host is not None:
            r["req.http.host"] = host(i)
        out.append(r)
    return out


def send_in_chunks(sl, sid, recs, chunk=1000, between=None):
    for k in range(0, len(recs), chunk):
        sl.send_records(sid, recs[k:k + chunk])
        if between:
            between(k + chunk)


def delivered(sl, name):
    return sl.endpoint_status(name)["delivered"]


def read_back(client, stream):
    """{shard_id: [data str]} for every shard, closed ones included."""
    return {sid: [r["data"].decode() for r in recs] for sid, recs in client.read_all(stream).items()}


def index_of(line):
    return int(line.split("/")[2])


def check_exactly_once(c, what, by_shard, sent_lines):
    got = collections.Counter(line for lines in by_shard.values() for line in lines)
    dups = [l for l, n in got.items() if n > 1]
    missing = set(sent_lines) - set(got)
    extra = set(got) - set(sent_lines)
    c.true("%s: no duplicates" % what, not dups, "%d duplicated, e.g. %r" % (len(dups), dups[:3]))
    c.true("%s: nothing lost" % what, not missing,
           "%d missing, e.g. %r" % (len(missing), sorted(missing)[:3]))
    c.true("%s: nothing unexpected" % what, not extra, "%d extra" % len(extra))


def check_even(c, what, bytes_by_shard, tolerance=0.10):
    values = list(bytes_by_shard.values())
    if not values:
        c.true("%s: some shards got data" % what, False)
        return
    mean = sum(values) / len(values)
    worst = max(abs(v - mean) / mean for v in values) if mean else 1
    c.true("%s: bytes per shard within %d%% of the mean" % (what, tolerance * 100),
           worst <= tolerance, "worst %.1f%%: %r" % (worst * 100, bytes_by_shard))


def test_even_distribution(c, binary, workdir):
    with Kinesalite() as k:
        client = KinesisClient(k.endpoint_url)
        client.create_stream("even", 4)
        client.wait_active("even")
        sl = Sluice(binary, workdir, "even",
                    service("svc", kinesis_endpoint("kin", "even", k.endpoint_url)),
                    storage=False)
        try:
            rng = random.Random(1)
            recs = records(0, 50000, rng)
            t0 = time.time()
            send_in_chunks(sl, "svc", recs, chunk=2000)
            wait_until(lambda: delivered(sl, "kin") >= 50000, 120, "50,000 lines delivered")
            elapsed = time.time() - t0
            st = sl.endpoint_status("kin")
            by_shard = read_back(client, "even")
            sent = [r["req.url"] for r in recs]
            check_exactly_once(c, "even", by_shard, sent)
            c.eq("even: four shards hold records", len([s for s in by_shard.values() if s]), 4)
            check_even(c, "even", {s: sum(len(l) for l in lines) for s, lines in by_shard.items()})
            c.eq("even: nothing throttled or dropped", (st["throttled"], st["dropped_permanent"]),
                 (0, 0))
            c.true("even: /status shows the shard map", st["detail"]["open_shards"] == 4 and
                   len(st["detail"]["shards"]) == 4, st.get("detail"))
            print("even: 50,000 records in %.1f s" % elapsed, flush=True)
        finally:
            sl.stop()


def reshard_run(c, what, peer, stream, shards, count, reshard, workdir, binary, after_fraction,
                pace):
    """Sends `count` records, calls reshard(client) once `after_fraction` of them are delivered,
    and checks exactly-once delivery, that sluice's shard map follows the change (by a
    misprediction or its periodic listing), and that records sent once it has followed go only
    to open shards, evenly. From the change until sluice's map follows it, records are offered
    at `pace` a second, about what the peer takes, so that sending goes on while sluice notices;
    the rest go at full speed."""
    client = KinesisClient(peer.endpoint_url)
    client.create_stream(stream, shards)
    client.wait_active(stream)
    sl = Sluice(binary, workdir, stream,
                service("svc", kinesis_endpoint("kin", stream, peer.endpoint_url)),
                storage=False)
    try:
        rng = random.Random(2)
        recs = records(0, count, rng)
        state = {"open_after": None, "followed_at": None}

        def between(sent):
            if state["open_after"] is None and sent >= count * after_fraction:
                wait_until(lambda: delivered(sl, "kin") >= count * after_fraction * 0.8, 60,
                           "first part delivered")
                # Lines sent so far have been dealt over the original shards (most are delivered).
                state["reshard_from"] = int(count * after_fraction * 0.8)
                reshard(client)
                wait_until(lambda: client.stream_status(stream) == "ACTIVE", 30, "stream active")
                state["open_after"] = len(client.open_shards(stream))
                state["since"] = (time.time(), sent)
            elif state["open_after"] is not None and state["followed_at"] is None:
                t0, n0 = state["since"]
                delay = t0 + (sent - n0) / pace - time.time()
                if delay > 0:
                    time.sleep(delay)
                detail = sl.endpoint_status("kin")["detail"]
                if detail["open_shards"] == state["open_after"]:
                    state["followed_at"] = sent

        send_in_chunks(sl, "svc", recs, chunk=200, between=between)
        wait_until(lambda: delivered(sl, "kin") >= count, 180, "%s: all delivered" % what)
        shards_after = client.list_shards(stream)
        open_ids = {s["ShardId"] for s in shards_after if is_open(s)}
        by_shard = read_back(client, stream)
        check_exactly_once(c, what, by_shard, [r["req.url"] for r in recs])
        # Before the change every line went to the original shards, evenly.
        before = {s: [l for l in lines if index_of(l) < state["reshard_from"]]
                  for s, lines in by_shard.items()}
        original = {s for s, lines in before.items() if lines}
        c.eq("%s: shards that got lines sent before the change" % what, len(original), shards)
        check_even(c, what + " (before the change)",
                   {s: sum(len(l) for l in before[s]) for s in original})
        followed = state["followed_at"]
        c.true("%s: sluice's shard map followed the change while records flowed" % what,
               followed is not None and followed <= count - count // 4,
               "followed at record %r of %d" % (followed, count))
        if followed is not None:
            late = {s: [l for l in lines if index_of(l) >= followed]
                    for s, lines in by_shard.items()}
            on_closed = sum(len(v) for s, v in late.items() if s not in open_ids)
            c.eq("%s: records sent after the map followed, on closed shards" % what, on_closed, 0)
            check_even(c, what + " (after the change)",
                       {s: sum(len(l) for l in late.get(s, [])) for s in open_ids})
        st = sl.endpoint_status("kin")
        c.eq("%s: /status open shards" % what, st["detail"]["open_shards"], len(open_ids))
    finally:
        sl.stop()
        if os.environ.get("KINESIS_TEST_VERBOSE"):
            print(sl.stderr())


def test_split_on_kinesalite(c, binary, workdir):
    def split_twice(client):
        for _ in range(2):
            shard = sorted(s["ShardId"] for s in client.open_shards("split"))[0]
            client.split_shard_in_half("split", shard)
            wait_until(lambda: client.stream_status("split") == "ACTIVE", 30, "split done")

    with Kinesalite() as k:
        reshard_run(c, "split", k, "split", 4, 50000, split_twice, workdir, binary, 0.3, 3000)


def test_update_shard_count_on_kinesis_local(c, binary, workdir):
    with KinesisLocal() as k:
        # kinesis-local slows down as a shard fills (each PutRecords of 500 costs about 1 ms
        # per record already on the stream's shards: 0.6 s on an empty stream of 4, 5 s at
        # 30,000 records), so 50,000 records take about 2 minutes here; KINESIS_LOCAL_RECORDS
        # sets another count for a quick run.
        count = int(os.environ.get("KINESIS_LOCAL_RECORDS", "50000"))
        reshard_run(c, "update_shard_count", k, "grow", 4, count,
                    lambda client: client.update_shard_count("grow", 8), workdir, binary, 0.3,
                    500)


def test_partition_key_order(c, binary, workdir):
    with Kinesalite() as k, ThrottleProxy(k.endpoint_url, records_per_sec=300) as proxy:
        client = KinesisClient(k.endpoint_url)
        client.create_stream("keyed", 2)
        client.wait_active("keyed")
        ep = kinesis_endpoint("kin", "keyed", proxy.endpoint_url,
                              'partition_key = "%{req.http.host}V"')
        sl = Sluice(binary, workdir, "keyed", service("svc", ep), storage=False)
        try:
            rng = random.Random(3)
            hosts = ["host%02d.example" % i for i in range(20)]
            recs = records(0, 6000, rng, host=lambda i: hosts[rng.randrange(len(hosts))])
            # Offered at once: about ten seconds of the two shards' 600 records/s, so the
            # proxy refuses entries and sluice retries them.
            send_in_chunks(sl, "svc", recs, chunk=1000)
            wait_until(lambda: delivered(sl, "kin") >= len(recs), 120, "keyed: all delivered")
            got = client.read_all("keyed")
            sent_by_key = collections.defaultdict(list)
            for r in recs:
                sent_by_key[r["req.http.host"]].append(r["req.url"])
            got_by_key = collections.defaultdict(list)
            shard_of_key = collections.defaultdict(set)
            for sid, rs in got.items():
                for r in rs:
                    got_by_key[r["partition_key"]].append(r["data"].decode())
                    shard_of_key[r["partition_key"]].add(sid)
            c.eq("keyed: partition keys", sorted(got_by_key), sorted(hosts))
            bad = [h for h in hosts if got_by_key[h] != sent_by_key[h]]
            c.true("keyed: per-key order equals sending order, exactly once", not bad,
                   "keys out of order or incomplete: %r" % bad[:5])
            c.true("keyed: each key on one shard", all(len(s) == 1 for s in shard_of_key.values()))
            stats = proxy.stats()
            c.true("keyed: the proxy throttled (so retries were exercised)",
                   stats["entries_throttled"] > 0, stats["entries_throttled"])
            st = sl.endpoint_status("kin")
            c.true("keyed: /status counts throttled records", st["throttled"] > 0, st["throttled"])
        finally:
            sl.stop()


def test_kpl(c, binary, workdir):
    with Kinesalite() as k:
        client = KinesisClient(k.endpoint_url)
        client.create_stream("agg", 2)
        client.wait_active("agg")
        ep = kinesis_endpoint("kin", "agg", k.endpoint_url, 'aggregation = "kpl"')
        sl = Sluice(binary, workdir, "agg", service("svc", ep), storage=False)
        try:
            rng = random.Random(4)
            recs = records(0, 20000, rng)
            recs.append({"req.url": "/r/9999999/" + "ünïcödé ✓"})
            send_in_chunks(sl, "svc", recs, chunk=5000)
            wait_until(lambda: delivered(sl, "kin") >= len(recs), 60, "kpl: all delivered")
            got = client.read_all("agg")
            kinesis_records = sum(len(v) for v in got.values())
            lines = {}
            for sid, rs in got.items():
                out = []
                for r in rs:
                    parts = kpl_decode.decode(r["data"])
                    c.true("kpl: every record is aggregated", parts is not None)
                    out += [p[2].decode() for p in parts or []]
                lines[sid] = out
            # No partition_key: several calls may be in flight to one shard, so the order within
            # a shard is not promised (docs/endpoints/kinesis.md); keyed order is
            # test_partition_key_order's. An earlier check of it here failed under CI load.
            check_exactly_once(c, "kpl", lines, [r["req.url"] for r in recs])
            c.true("kpl: far fewer Kinesis records than lines",
                   kinesis_records * 20 < len(recs), "%d records" % kinesis_records)
        finally:
            sl.stop()


def test_assume_role(c, binary, workdir):
    base = {ACCESS_KEY: SECRET_KEY}
    with StsServer(duration_seconds=20, expected_external_id="ext-123", base=base) as sts, \
            Kinesalite() as k, \
            ThrottleProxy(k.endpoint_url, secrets=base, sts_stats_url=sts.stats_url,
                          records_per_sec=100000) as proxy:
        client = KinesisClient(k.endpoint_url)
        client.create_stream("role", 2)
        client.wait_active("role")
        ep = kinesis_endpoint_toml(
            "kin", "role", proxy.endpoint_url,
            'iam_role = "arn:aws:iam::123456789012:role/sluice-writer"\n'
            'external_id = "ext-123"\nsts_endpoint_url = "%s"' % sts.endpoint_url,
            ACCESS_KEY, SECRET_KEY, REGION, fmt="%{req.url}V")
        sl = Sluice(binary, workdir, "role", service("svc", ep), storage=False)
        try:
            rng = random.Random(5)
            recs = records(0, 2600, rng)
            # 26 s of sending: the 20 s credentials must be refreshed at least once on the way.
            for k0 in range(0, len(recs), 100):
                sl.send_records("svc", recs[k0:k0 + 100])
                time.sleep(1)
            wait_until(lambda: delivered(sl, "kin") >= len(recs), 60, "role: all delivered")
            by_shard = read_back(client, "role")
            check_exactly_once(c, "assume_role", by_shard, [r["req.url"] for r in recs])
            s = sts.stats()
            ok_calls = [x for x in s["calls"] if x["status"] == 200]
            c.true("assume_role: credentials refreshed before expiry", len(ok_calls) >= 2,
                   json.dumps(s["calls"])[:500])
            c.true("assume_role: ExternalId sent",
                   all(x["external_id"] == "ext-123" for x in s["calls"]))
            c.true("assume_role: STS calls signed with the base key",
                   all(x["signer"] == ACCESS_KEY for x in ok_calls), json.dumps(ok_calls)[:300])
            p = proxy.stats()
            issued = {x["access_key_id"] for x in s["issued"]}
            signers = p["auth"]["signers"]
            c.true("assume_role: every request signed with issued credentials and a token",
                   signers and all(a in issued and v["without_token"] == 0
                                   for a, v in signers.items()), json.dumps(signers))
            c.true("assume_role: more than one issued key was used", len(signers) >= 2,
                   json.dumps(signers))
            c.eq("assume_role: no request refused by the verifier",
                 p["auth"].get("rejected", {}), {})
            st = sl.endpoint_status("kin")
            c.true("assume_role: /status names the role, not the secret",
                   st["detail"]["credentials"]["role"].endswith("sluice-writer"))
        finally:
            sl.stop()
        check_no_secret(c, "assume_role", sl, [SECRET_KEY] +
                        [x["secret_access_key"] for x in sts.stats()["issued"]] +
                        [x["session_token"] for x in sts.stats()["issued"]])


def check_no_secret(c, what, sl, secrets):
    texts = [sl.stderr()]
    for t in texts:
        leaked = [s for s in secrets if s and s in t]
        c.true("%s: no secret in sluice's log" % what, not leaked)


def test_errors(c, binary, workdir):
    with Kinesalite() as k:
        client = KinesisClient(k.endpoint_url)
        ep = kinesis_endpoint("kin", "late", k.endpoint_url,
                              'max_record_bytes = "1KiB"\n  max_backoff = "2s"')
        sl = Sluice(binary, workdir, "errors", service("svc", ep), storage=False)
        try:
            rng = random.Random(6)
            recs = records(0, 300, rng)
            sl.send_records("svc", recs)
            wait_until(lambda: "ResourceNotFoundException" in json.dumps(
                sl.endpoint_status("kin").get("last_error")), 20, "the missing stream in /status")
            st = sl.endpoint_status("kin")
            c.true("errors: state shows the problem", st["state"] in ("error", "listing_shards"),
                   st["state"])
            c.eq("errors: nothing delivered while the stream is missing", st["delivered"], 0)
            status_text = sl.get("/status") + sl.get("/errors")
            c.true("errors: no secret in /status or /errors", SECRET_KEY not in status_text)
            client.create_stream("late", 2)
            client.wait_active("late")
            wait_until(lambda: delivered(sl, "kin") >= 300, 90, "delivered once the stream exists")
            big = {"req.url": "/r/0000300/" + "B" * 2000}
            sl.send_records("svc", [big, {"req.url": "/r/0000301/after"}])
            wait_until(lambda: delivered(sl, "kin") >= 301, 30, "the line after the big one")
            st = sl.endpoint_status("kin")
            c.eq("errors: the oversized line is dropped as permanent", st["dropped_permanent"], 1)
            c.true("errors: the reason names max_record_bytes",
                   "max_record_bytes" in json.dumps(st["last_error"]), st["last_error"])
            by_shard = read_back(client, "late")
            check_exactly_once(c, "errors", by_shard,
                               [r["req.url"] for r in recs] + ["/r/0000301/after"])
        finally:
            sl.stop()
        c.true("errors: the dead letter is on stderr", "B" * 2000 in sl.stderr())
        check_no_secret(c, "errors", sl, [SECRET_KEY])


def test_record_ttl(c, binary, workdir):
    """A shard that takes 20 records a second and lines that may wait 2 s: the rest expire,
    counted; nothing is both delivered and expired, nothing is delivered twice."""
    with Kinesalite() as k, ThrottleProxy(k.endpoint_url, records_per_sec=20) as proxy:
        client = KinesisClient(k.endpoint_url)
        client.create_stream("ttl", 1)
        client.wait_active("ttl")
        ep = kinesis_endpoint("kin", "ttl", proxy.endpoint_url, 'record_ttl = "2s"')
        sl = Sluice(binary, workdir, "ttl", service("svc", ep), storage=False)
        try:
            recs = records(0, 400, random.Random(7))
            sl.send_records("svc", recs)

            def settled():
                st = sl.endpoint_status("kin")
                expired = sl.metric("sluice_endpoint_dropped_total", "kin", 'reason="expired"')
                return st["delivered"] + (expired or 0) >= len(recs)

            wait_until(settled, 60, "every line delivered or expired")
            st = sl.endpoint_status("kin")
            expired = int(sl.metric("sluice_endpoint_dropped_total", "kin", 'reason="expired"'))
            c.eq("ttl: delivered + expired = sent", st["delivered"] + expired, len(recs))
            c.true("ttl: some lines expired", expired > 0, expired)
            c.true("ttl: some lines were delivered first", st["delivered"] > 0, st["delivered"])
            c.true("ttl: the error stream says why",
                   "record_ttl" in sl.get("/errors"), sl.get("/errors")[:300])
            got = [l for lines in read_back(client, "ttl").values() for l in lines]
            c.eq("ttl: what Kinesis holds is what sluice counted delivered", len(got),
                 st["delivered"])
            c.eq("ttl: no duplicates", len(set(got)), len(got))
        finally:
            sl.stop()


def test_disk_queue_restart(c, binary, workdir):
    """With [storage] dir, lines for a stream that does not exist yet wait on disk across a
    restart and are delivered exactly once when it exists."""
    with Kinesalite() as k:
        client = KinesisClient(k.endpoint_url)
        ep = kinesis_endpoint("kin", "durable", k.endpoint_url, 'max_backoff = "1s"')
        recs = records(0, 3000, random.Random(8))
        sl = Sluice(binary, workdir, "durable", service("svc", ep), storage=True)
        try:
            sl.send_records("svc", recs)
            wait_until(lambda: sl.endpoint_status("kin")["queue"]["lines"] >= len(recs), 20,
                       "lines queued")
        finally:
            sl.stop()
        client.create_stream("durable", 2)
        client.wait_active("durable")
        sl = Sluice(binary, workdir, "durable", service("svc", ep), storage=True)
        try:
            wait_until(lambda: delivered(sl, "kin") >= len(recs), 60,
                       "delivered after the restart")
            check_exactly_once(c, "disk_queue_restart", read_back(client, "durable"),
                               [r["req.url"] for r in recs])
        finally:
            sl.stop()


class FakeInstanceMetadata:
    """IMDSv2 on 127.0.0.1, in this process: PUT /latest/api/token, then the role name and its
    credentials (with a short life, to show refresh) under
    /latest/meta-data/iam/security-credentials/, each GET only with the token. /__stats lists
    the issued credentials in the StsServer's shape, so the verifying proxy learns them."""

    def __init__(self, lifetime=8):
        import http.server
        import secrets as pysecrets
        import threading as th
        outer = self
        self.lifetime = lifetime
        self.issued = []
        self.token = pysecrets.token_hex(16)
        self.refused = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def answer(self, status, body, ctype="text/plain"):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self):
                if self.path == "/latest/api/token" and \
                        self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                    return self.answer(200, outer.token)
                self.answer(400, "bad token request")

            def do_GET(self):
                if self.path == "/__stats":
                    return self.answer(200, json.dumps({"issued": outer.issued}),
                                       "application/json")
                if self.headers.get("X-aws-ec2-metadata-token") != outer.token:
                    outer.refused += 1
                    return self.answer(401, "")
                base = "/latest/meta-data/iam/security-credentials/"
                if self.path == base:
                    return self.answer(200, "sluice-instance-role")
                if self.path == base + "sluice-instance-role":
                    n = len(outer.issued)
                    exp = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                        time.gmtime(time.time() + outer.lifetime))
                    cred = {"access_key_id": "ASIAIMDS%012d" % n,
                            "secret_access_key": pysecrets.token_urlsafe(30),
                            "session_token": pysecrets.token_urlsafe(60), "expiration": exp}
                    outer.issued.append(cred)
                    return self.answer(200, json.dumps({
                        "Code": "Success", "LastUpdated": exp, "Type": "AWS-HMAC",
                        "AccessKeyId": cred["access_key_id"],
                        "SecretAccessKey": cred["secret_access_key"],
                        "Token": cred["session_token"], "Expiration": exp}),
                        "application/json")
                self.answer(404, "")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = th.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def test_instance_role(c, binary, workdir):
    """No key pair anywhere: sluice signs with the instance role's credentials from the
    instance metadata service (IMDSv2) and refreshes them before they expire."""
    imds = FakeInstanceMetadata(lifetime=8)
    try:
        with Kinesalite() as k, \
                ThrottleProxy(k.endpoint_url, sts_stats_url=imds.url + "/__stats",
                              records_per_sec=100000) as proxy:
            client = KinesisClient(k.endpoint_url)
            client.create_stream("imds", 1)
            client.wait_active("imds")
            ep = kinesis_endpoint_toml("kin", "imds", proxy.endpoint_url, region=REGION,
                                       fmt="%{req.url}V")
            env = {k_: v for k_, v in os.environ.items() if not k_.startswith("AWS_")}
            env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url
            sl = Sluice(binary, workdir, "imds", service("svc", ep), storage=False, env=env)
            try:
                recs = records(0, 1000, random.Random(9))
                for k0 in range(0, len(recs), 100):
                    sl.send_records("svc", recs[k0:k0 + 100])
                    time.sleep(1)
                wait_until(lambda: delivered(sl, "kin") >= len(recs), 60, "imds: delivered")
                check_exactly_once(c, "instance_role", read_back(client, "imds"),
                                   [r["req.url"] for r in recs])
                c.true("instance_role: credentials refreshed before expiry",
                       len(imds.issued) >= 2, len(imds.issued))
                signers = proxy.stats()["auth"]["signers"]
                issued = {x["access_key_id"] for x in imds.issued}
                c.true("instance_role: every request signed with the role's credentials",
                       signers and all(a in issued and v["without_token"] == 0 and
                                       v["rejected"] == 0 for a, v in signers.items()),
                       json.dumps(signers))
                c.eq("instance_role: no GET without the IMDSv2 token", imds.refused, 0)
                st = sl.endpoint_status("kin")
                c.eq("instance_role: /status names the source",
                     st["detail"]["credentials"]["source"], "instance_role")
            finally:
                sl.stop()
            check_no_secret(c, "instance_role", sl,
                            [x["secret_access_key"] for x in imds.issued] +
                            [x["session_token"] for x in imds.issued])
    finally:
        imds.stop()


TESTS = {
    "even": test_even_distribution,
    "split": test_split_on_kinesalite,
    "update_shard_count": test_update_shard_count_on_kinesis_local,
    "partition_key": test_partition_key_order,
    "kpl": test_kpl,
    "assume_role": test_assume_role,
    "errors": test_errors,
    "record_ttl": test_record_ttl,
    "disk_queue_restart": test_disk_queue_restart,
    "instance_role": test_instance_role,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", default="build/release/sluice")
    ap.add_argument("--only", action="append", help="run only these parts (repeatable)")
    ap.add_argument("--skip", action="append",
                    default=[x for x in os.environ.get("KINESIS_TEST_SKIP", "").split(",") if x],
                    help="leave these parts out (also KINESIS_TEST_SKIP=a,b)")
    args = ap.parse_args()
    binary = os.path.abspath(args.sluice)
    workdir = tempfile.mkdtemp(prefix="sluice-kinesis-")
    c = Checker()
    try:
        for name, fn in TESTS.items():
            if (args.only and name not in args.only) or name in args.skip:
                continue
            t0 = time.time()
            try:
                fn(c, binary, workdir)
            except Exception as e:  # a part that cannot run is a failure, not a skip
                c.true("%s: ran to the end" % name, False, repr(e))
            print("%s: %.1f s" % (name, time.time() - t0), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("%d checks passed, %d failed" % (c.passed, len(c.failures)))
    for f in c.failures:
        print("FAIL:", f)
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
