#!/usr/bin/env python3
"""The Kinesis test infrastructure itself, before any sink uses it: kinesalite and
kinesis-local (npm), the throttling proxy (tests/peers/kinesis_throttle_proxy.js), the
KinesisClient of kinesis_peers.py, kpl_decode.py and sts_server.py.

Checks:
- the proxy's SigV4 verifier passes the shared SigV4 suite (shared/testdata/aws-sigv4);
- kinesalite behind the proxy, 4 shards: PutRecords above the per-shard records limit (a hot
  shard) and above the bytes limit: every refused entry has exactly AWS's shape and names the
  shard its hash key maps to, FailedRecordCount is right, no shard gets more than its limit in
  any one-second window, the other shards are never refused; the refused entries are retried
  until admitted and read_all finds every record exactly once on the shard it maps to;
- SplitShard on kinesalite: list_shards shows the closed parent and two open children; records
  put through the proxy afterwards land on the children, read_all reads parent and children;
- kinesis-local behind a verifying proxy (--secrets and --sts): wrong signature -> 403
  InvalidSignatureException; UpdateShardCount 4 -> 8: 4 closed parents, 8 open children that
  cover the hash key space; records afterwards land on open children; read_all exactly once;
- kpl_decode round-trips a blob built here and rejects a bad MD5 and a malformed protobuf;
- sts_server issues credentials (real-shaped XML, short expiry), rejects a bad signature and a
  wrong ExternalId; the verifying proxy accepts requests signed with the issued credentials and
  their session token, and refuses them without the token.

    python3 tests/e2e/kinesis_peers_test.py [--sluice IGNORED]

Everything listens on 127.0.0.1 on free ports; every process is stopped by its PID.
"""

import argparse
import calendar
import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kpl_decode  # noqa: E402
from kinesis_peers import (MAX_HASH_KEY, PEERS_DIR, KinesisClient, KinesisError,  # noqa: E402
                           Kinesalite, KinesisLocal, ThrottleProxy, is_open, node_binary,
                           partition_key_hash, shard_for_hash)
from sts_server import StsServer, assume_role  # noqa: E402

THROTTLE_MESSAGE = re.compile(
    r"^Rate exceeded for shard (shardId-\d{12}) in stream (\S+) under account (\d{12})\.$")


class Checker:
    def __init__(self):
        self.passed = 0
        self.failures = []

    def ok(self, what, cond, detail=""):
        if cond:
            self.passed += 1
        else:
            detail = str(detail)
            if len(detail) > 400:
                detail = detail[:400] + "..."
            self.failures.append("%s%s" % (what, (": " + detail) if detail else ""))
        return cond

    def eq(self, what, got, want):
        return self.ok(what, got == want, "got %r, want %r" % (got, want))


def mid_keys(shards):
    """An explicit hash key inside each open shard's range, by shard id."""
    return {s["ShardId"]: (int(s["HashKeyRange"]["StartingHashKey"]) +
                           int(s["HashKeyRange"]["EndingHashKey"])) // 2
            for s in shards if is_open(s)}


def check_put_answer(chk, what, stream, entries, expected_shards, answer):
    """Checks one PutRecords answer entry by entry; returns the indexes refused."""
    records = answer.get("Records")
    if not chk.eq(what + ": one result per entry", len(records or []), len(entries)):
        return []
    refused = []
    for i, r in enumerate(records):
        if r.get("ErrorCode") is not None:
            refused.append(i)
            if set(r) != {"ErrorCode", "ErrorMessage"} or \
                    r["ErrorCode"] != "ProvisionedThroughputExceededException":
                chk.ok(what + ": refused entry shape", False, r)
                continue
            m = THROTTLE_MESSAGE.match(r["ErrorMessage"])
            if not chk.ok(what + ": throttling message", m is not None, r["ErrorMessage"]):
                continue
            chk.eq(what + ": throttled shard named", m.group(1), expected_shards[i])
            chk.eq(what + ": throttled stream named", m.group(2), stream)
            chk.eq(what + ": account", m.group(3), "000000000000")
        else:
            ok = r.get("ShardId") == expected_shards[i] and bool(r.get("SequenceNumber"))
            if not ok:
                chk.ok(what + ": admitted entry %d" % i, False,
                       "%r, expected shard %s" % (r, expected_shards[i]))
    chk.eq(what + ": FailedRecordCount", answer.get("FailedRecordCount"), len(refused))
    return refused


def pace(t0, period):
    """Sleeps until the next multiple of `period` seconds after t0."""
    elapsed = time.monotonic() - t0
    slot = -(-elapsed // period) * period
    if slot > elapsed:
        time.sleep(slot - elapsed)


def put_until_admitted(client, stream, entries, deadline):
    """Sends the entries again and again, only the refused ones, until all are admitted; in
    requests of at most 500 entries and 4 MB, as PutRecords wants."""
    pending = list(entries)
    while pending and time.monotonic() < deadline:
        batch, size = [], 0
        for e in pending:
            if len(batch) == 500 or size + len(e["data"]) > 4000000:
                break
            batch.append(e)
            size += len(e["data"])
        answer = client.put_records(stream, batch)
        refused = [e for e, r in zip(batch, answer["Records"]) if r.get("ErrorCode")]
        pending = refused + pending[len(batch):]
        if refused:
            time.sleep(0.1)
    return pending


def check_exactly_once(chk, what, records_by_shard, sent):
    """sent: {payload bytes: expected shard id or None}; each payload read exactly once."""
    seen = {}
    for shard, records in records_by_shard.items():
        for r in records:
            seen.setdefault(r["data"], []).append(shard)
    missing = [p for p in sent if p not in seen]
    dups = [p for p, shards in seen.items() if len(shards) > 1]
    extra = [p for p in seen if p not in sent]
    chk.ok(what + ": nothing lost", not missing, "%d missing, e.g. %r" % (len(missing),
                                                                          missing[:3]))
    chk.ok(what + ": no duplicates", not dups, "%d duplicated, e.g. %r" % (len(dups), dups[:3]))
    chk.ok(what + ": nothing unexpected", not extra, extra[:3])
    wrong = [(p, seen[p][0], want) for p, want in sent.items()
             if want is not None and p in seen and seen[p][0] != want]
    chk.ok(what + ": every record on the shard its hash key maps to", not wrong, wrong[:3])


# --------------------------------------------------------------------------------------------


def test_sigv4_vectors(chk):
    vectors = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "testdata",
                                            "aws-sigv4"))
    if not os.path.isdir(vectors):
        print("note: %s not found, SigV4 vectors skipped" % vectors)
        return
    r = subprocess.run([node_binary(), os.path.join(PEERS_DIR, "sigv4_vectors_check.js"),
                        vectors], capture_output=True, text=True, timeout=60)
    chk.ok("proxy SigV4 verifier passes the SigV4 suite", r.returncode == 0,
           r.stdout + r.stderr)


def test_kinesalite_throttling(chk, peer):
    stream = "throttled"
    proxy = ThrottleProxy(peer.endpoint_url).start()
    try:
        client = KinesisClient(proxy.endpoint_url)
        client.create_stream(stream, 4)  # forwarded as is
        client.wait_active(stream)
        shards = client.list_shards(stream)
        chk.eq("kinesalite: 4 shards", len(shards), 4)
        keys = mid_keys(shards)
        hot = "shardId-000000000000"
        sent = {}

        # Above the records limit: 400 of each 500 entries on one shard, the rest by
        # partition key (MD5) over all shards, a request every 0.2 s (2000/s on the hot shard,
        # twice its limit) for 2.5 s. When the machine is too slow for that pace (kinesalite
        # answering slower than 0.2 s), requests go on back to back for up to 15 s until the
        # hot shard has been offered more than its limit within one of the proxy's seconds.
        n = 0
        refused_entries = []
        per_shard_offered = {}
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2.5 or (not refused_entries
                                               and time.monotonic() - t0 < 15):
            pace(t0, 0.2)
            entries, expected = [], []
            for i in range(500):
                payload = b"rec-%07d" % n
                if i % 5:
                    e = {"data": payload, "partition_key": "hot", "explicit_hash_key": keys[hot]
                         + (n % 1000)}
                    want = hot
                else:
                    pk = "pk-%d" % n
                    e = {"data": payload, "partition_key": pk}
                    want = shard_for_hash(shards, partition_key_hash(pk))["ShardId"]
                n += 1
                entries.append(e)
                expected.append(want)
                sent[payload] = want
                per_shard_offered[want] = per_shard_offered.get(want, 0) + 1
            answer = client.put_records(stream, entries)
            refused = check_put_answer(chk, "records limit", stream, entries, expected, answer)
            refused_entries += [entries[i] for i in refused]
            if any(expected[i] != hot for i in refused):
                chk.ok("records limit: only the hot shard is refused", False,
                       [expected[i] for i in refused if expected[i] != hot][:3])
        elapsed = time.monotonic() - t0
        print("offered %d entries in %.1fs (%.0f/s); hot shard %d; refused %d"
              % (n, elapsed, n / elapsed, per_shard_offered[hot], len(refused_entries)))
        hot_seconds = [h["second"] for h in proxy.stats()["history"]
                       if h["shards"].get(hot, {}).get("admitted", 0)
                       + h["shards"].get(hot, {}).get("throttled", 0) > 1000]
        chk.ok("records limit: the hot shard was offered more than its limit in some second",
               len(hot_seconds) > 0, per_shard_offered)
        chk.ok("records limit: some entries refused", len(refused_entries) > 0)

        # Above the bytes limit: 50 KB records on shard 2, 30 per request (1.5 MB), a request
        # every 0.5 s (3 MB/s, three times its limit) for 2 s.
        big_shard = "shardId-000000000002"
        big_refused = []
        t1 = time.monotonic()
        while time.monotonic() - t1 < 2.0:
            pace(t1, 0.5)
            entries, expected = [], []
            for i in range(30):
                payload = b"big-%07d-" % n + os.urandom(25000).hex().encode()
                n += 1
                entries.append({"data": payload, "partition_key": "b",
                                "explicit_hash_key": keys[big_shard]})
                expected.append(big_shard)
                sent[payload] = big_shard
            answer = client.put_records(stream, entries)
            refused = check_put_answer(chk, "bytes limit", stream, entries, expected, answer)
            big_refused += [entries[i] for i in refused]
        chk.ok("bytes limit: some entries refused", len(big_refused) > 0)

        stats = proxy.stats()
        for h in stats["history"]:
            for shard, s in h["shards"].items():
                if s["admitted"] > 1000 or s["admitted_bytes"] > 1000000:
                    chk.ok("at most the limit per shard and second", False, (h["second"], shard,
                                                                              s))
        chk.eq("stats: entries seen", stats["entries_seen"], n)
        chk.eq("stats: throttled", stats["entries_throttled"], len(refused_entries) +
               len(big_refused))
        chk.eq("stats: admitted", stats["entries_admitted"],
               n - len(refused_entries) - len(big_refused))
        chk.eq("stats: throttled per shard", {k: v["throttled"] for k, v in
                                              stats["shards"].items() if v["throttled"]},
               {k: v for k, v in (("shardId-000000000000", len(refused_entries)),
                                  ("shardId-000000000002", len(big_refused))) if v})
        chk.eq("stats: no backend failures", stats["entries_backend_failed"], 0)

        # A producer that retries only the refused entries loses nothing and duplicates nothing.
        retry = list(refused_entries)
        step = max(1, len(retry) // max(1, len(big_refused)))
        for k, e in enumerate(big_refused):  # spread the big ones over the batches
            retry.insert(k * (step + 1), e)
        t2 = time.monotonic()
        left = put_until_admitted(client, stream, retry, t2 + 25)
        print("retried %d refused entries until admitted in %.1fs" % (len(retry),
                                                                       time.monotonic() - t2))
        chk.eq("retries: everything admitted", len(left), 0)

        # SplitShard on kinesalite; records afterwards go to the children.
        parent = "shardId-000000000001"
        client.split_shard_in_half(stream, parent)
        client.wait_active(stream)
        after = client.list_shards(stream)
        open_ids = sorted(s["ShardId"] for s in after if is_open(s))
        closed_ids = sorted(s["ShardId"] for s in after if not is_open(s))
        chk.eq("split: closed parent", closed_ids, [parent])
        chk.eq("split: open shards", open_ids, ["shardId-000000000000", "shardId-000000000002",
                                                "shardId-000000000003", "shardId-000000000004",
                                                "shardId-000000000005"])
        children = [s for s in after if s.get("ParentShardId") == parent]
        p = next(s for s in after if s["ShardId"] == parent)["HashKeyRange"]
        chk.eq("split: children cover the parent's range",
               (int(children[0]["HashKeyRange"]["StartingHashKey"]),
                int(children[0]["HashKeyRange"]["EndingHashKey"]) + 1,
                int(children[1]["HashKeyRange"]["EndingHashKey"])),
               (int(p["StartingHashKey"]), int(children[1]["HashKeyRange"]["StartingHashKey"]),
                int(p["EndingHashKey"])))
        time.sleep(1.1)  # the proxy's map refresh period
        entries, expected = [], []
        for c in children:
            r = c["HashKeyRange"]
            for k in range(20):
                payload = b"after-split-%s-%d" % (c["ShardId"].encode(), k)
                entries.append({"data": payload, "partition_key": "s",
                                "explicit_hash_key": int(r["StartingHashKey"]) + k})
                expected.append(c["ShardId"])
                sent[payload] = c["ShardId"]
        answer = client.put_records(stream, entries)
        check_put_answer(chk, "after split", stream, entries, expected, answer)
        chk.eq("after split: proxy map has 5 open shards",
               len(proxy.stats()["shard_map"][stream]["open_shards"]), 5)

        t = time.monotonic()
        everything = KinesisClient(peer.endpoint_url).read_all(stream)
        print("read_all: %d records from %d shards in %.1fs"
              % (sum(len(v) for v in everything.values()), len(everything),
                 time.monotonic() - t))
        chk.eq("read_all reads every shard, the closed parent too", sorted(everything),
               sorted(s["ShardId"] for s in after))
        check_exactly_once(chk, "kinesalite", everything, sent)
    finally:
        proxy.stop()


def test_kinesis_local(chk, peer, sts):
    akid, secret = "AKIDTESTPEERS", "peers-secret-key"
    proxy = ThrottleProxy(peer.endpoint_url, secrets={akid: secret},
                          sts_stats_url=sts.stats_url).start()
    try:
        client = KinesisClient(proxy.endpoint_url, access_key=akid, secret_key=secret)
        stream = "resharded"
        client.create_stream(stream, 4)
        client.wait_active(stream)

        # A wrong signature: 403, AWS's shape.
        bad = KinesisClient(proxy.endpoint_url, access_key=akid, secret_key="wrong")
        status, headers, body = bad.raw_call("ListShards", {"StreamName": stream})
        doc = json.loads(body)
        chk.eq("wrong signature: 403", status, 403)
        chk.eq("wrong signature: __type", doc.get("__type"), "InvalidSignatureException")
        chk.ok("wrong signature: message", "signature" in doc.get("message", ""), doc)
        status, _, body = KinesisClient(proxy.endpoint_url, access_key="AKIDUNKNOWN").raw_call(
            "ListShards", {"StreamName": stream})
        chk.eq("unknown key: UnrecognizedClientException",
               (status, json.loads(body).get("__type")), (400, "UnrecognizedClientException"))

        shards = client.list_shards(stream)
        sent = {}
        entries, expected = [], []
        for i in range(200):
            pk = "before-%d" % i
            entries.append({"data": pk.encode(), "partition_key": pk})
            want = shard_for_hash(shards, partition_key_hash(pk))["ShardId"]
            expected.append(want)
            sent[pk.encode()] = want
        answer = client.put_records(stream, entries)
        check_put_answer(chk, "kinesis-local", stream, entries, expected, answer)
        chk.ok("kinesis-local: explicit nulls pass through",
               all("ErrorCode" in r and r["ErrorCode"] is None for r in answer["Records"]),
               answer["Records"][:1])

        client.update_shard_count(stream, 8)
        client.wait_active(stream)
        after = client.list_shards(stream)
        opened = sorted((int(s["HashKeyRange"]["StartingHashKey"]),
                         int(s["HashKeyRange"]["EndingHashKey"]), s["ShardId"])
                        for s in after if is_open(s))
        closed = [s["ShardId"] for s in after if not is_open(s)]
        chk.eq("update_shard_count: 8 open", len(opened), 8)
        chk.eq("update_shard_count: the 4 parents closed", sorted(closed),
               ["shardId-00000000000%d" % i for i in range(4)])
        contiguous = opened[0][0] == 0 and opened[-1][1] == MAX_HASH_KEY and all(
            opened[i][1] + 1 == opened[i + 1][0] for i in range(len(opened) - 1))
        chk.ok("update_shard_count: open shards cover the hash key space", contiguous, opened)

        time.sleep(1.1)  # the proxy's map refresh period
        entries, expected = [], []
        for i in range(200):
            pk = "after-%d" % i
            entries.append({"data": pk.encode(), "partition_key": pk})
            want = shard_for_hash(after, partition_key_hash(pk))["ShardId"]
            expected.append(want)
            sent[pk.encode()] = want
        answer = client.put_records(stream, entries)
        check_put_answer(chk, "after update_shard_count", stream, entries, expected, answer)
        stats = proxy.stats()
        chk.eq("proxy map follows UpdateShardCount",
               sorted(stats["shard_map"][stream]["open_shards"]), sorted(o[2] for o in opened))
        chk.eq("proxy: no mispredicted entries", stats["entries_mispredicted"], 0)

        t = time.monotonic()
        everything = client.read_all(stream)
        print("kinesis-local read_all: %d records from %d shards in %.1fs"
              % (sum(len(v) for v in everything.values()), len(everything),
                 time.monotonic() - t))
        chk.eq("kinesis-local read_all: 12 shards", len(everything), 12)
        check_exactly_once(chk, "kinesis-local", everything, sent)

        # Temporary credentials from the STS server, with their session token.
        status, _, creds = assume_role(sts.endpoint_url, "AKIDBASE", "base-secret",
                                       "arn:aws:iam::123456789012:role/kinesis-writer",
                                       "sluice-test", external_id="ext-7")
        chk.eq("sts: issued", status, 200)
        temp = KinesisClient(proxy.endpoint_url, access_key=creds["access_key_id"],
                             secret_key=creds["secret_access_key"],
                             session_token=creds["session_token"])
        answer = temp.put_records(stream, [{"data": b"with-session-token", "partition_key": "t"}])
        chk.eq("temporary credentials accepted", answer["FailedRecordCount"], 0)
        no_token = KinesisClient(proxy.endpoint_url, access_key=creds["access_key_id"],
                                 secret_key=creds["secret_access_key"])
        status, _, body = no_token.raw_call("ListShards", {"StreamName": stream})
        chk.eq("temporary credentials without their token refused", status, 400)
        signer = proxy.stats()["auth"]["signers"].get(creds["access_key_id"], {})
        chk.eq("proxy stats: the temporary key signed with its token",
               (signer.get("with_token"), signer.get("without_token"), signer.get("rejected")),
               (1, 1, 1))
        chk.ok("proxy stats: rejected by type",
               proxy.stats()["auth"]["rejected"].get("InvalidSignatureException") == 1,
               proxy.stats()["auth"])
    finally:
        proxy.stop()


def test_sts(chk, sts):
    role = "arn:aws:iam::123456789012:role/kinesis-writer"
    t = time.time()
    status, text, creds = assume_role(sts.endpoint_url, "AKIDBASE", "base-secret", role,
                                      "sluice", external_id="ext-7", duration_seconds=900)
    chk.eq("sts: AssumeRole", status, 200)
    chk.ok("sts: XML shape", text.startswith(
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">') and
        "<AssumedRoleUser>" in text and "<RequestId>" in text, text[:200])
    chk.ok("sts: ASIA key", creds["access_key_id"].startswith("ASIA") and
           len(creds["access_key_id"]) == 20, creds)
    expiry = calendar.timegm(time.strptime(creds["expiration"], "%Y-%m-%dT%H:%M:%SZ"))
    chk.ok("sts: expires in about 20 s", 15 <= expiry - t <= 22, expiry - t)
    issued = sts.stats()["issued"]
    chk.ok("sts: stats list the issued credentials",
           any(c["access_key_id"] == creds["access_key_id"] and
               c["session_token"] == creds["session_token"] for c in issued), issued)
    status, text, _ = assume_role(sts.endpoint_url, "AKIDBASE", "not-the-secret", role, "s",
                                  external_id="ext-7")
    chk.eq("sts: bad signature 403", status, 403)
    chk.ok("sts: ErrorResponse SignatureDoesNotMatch",
           "<ErrorResponse" in text and "<Code>SignatureDoesNotMatch</Code>" in text, text)
    status, text, _ = assume_role(sts.endpoint_url, "AKIDBASE", "base-secret", role, "s",
                                  external_id="other")
    chk.ok("sts: wrong ExternalId AccessDenied",
           status == 403 and "<Code>AccessDenied</Code>" in text, text)
    calls = sts.stats()["calls"]
    chk.eq("sts: calls recorded", [c["status"] for c in calls[-3:]], [200, 403, 403])
    chk.eq("sts: DurationSeconds recorded", calls[-3]["duration_seconds"], "900")


# --- KPL: an encoder for the test only


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number, wire, payload):
    key = _varint(number << 3 | wire)
    if wire == 0:
        return key + _varint(payload)
    return key + _varint(len(payload)) + payload


def kpl_encode(records, tags=False):
    """records: [(partition_key, explicit_hash_key or None, data)]."""
    pks, ehks, body = [], [], b""
    for pk, ehk, data in records:
        if pk not in pks:
            pks.append(pk)
        rec = _field(1, 0, pks.index(pk))
        if ehk is not None:
            if ehk not in ehks:
                ehks.append(ehk)
            rec += _field(2, 0, ehks.index(ehk))
        rec += _field(3, 2, data)
        if tags:
            rec += _field(4, 2, _field(1, 2, b"k") + _field(2, 2, b"v"))
        body += _field(3, 2, rec)
    proto = b"".join(_field(1, 2, p.encode()) for p in pks) + \
        b"".join(_field(2, 2, e.encode()) for e in ehks) + body
    return kpl_decode.MAGIC + proto + hashlib.md5(proto).digest()


def test_kpl(chk):
    records = [("host-a", None, b"line one"), ("host-b", str(2 ** 127), b"x" * 300),
               ("host-a", None, b""), ("h\u00e9", str(MAX_HASH_KEY), bytes(range(256)))]
    records += [("k%d" % (i % 7), None, ("rec %d" % i).encode()) for i in range(1000)]
    blob = kpl_encode(records, tags=True)
    chk.eq("kpl: round trip", kpl_decode.decode(blob), records)
    chk.eq("kpl: not aggregated -> None", kpl_decode.decode(b"plain line"), None)
    bad = bytearray(blob)
    bad[-1] ^= 1
    try:
        kpl_decode.decode(bytes(bad))
        chk.ok("kpl: bad MD5 rejected", False)
    except ValueError as e:
        chk.ok("kpl: bad MD5 rejected", "MD5" in str(e), e)
    proto = kpl_encode(records)[4:-16][:-3]  # truncated inside the last record
    try:
        kpl_decode.decode(kpl_decode.MAGIC + proto + hashlib.md5(proto).digest())
        chk.ok("kpl: malformed protobuf rejected", False)
    except ValueError as e:
        chk.ok("kpl: malformed protobuf rejected", "MD5" not in str(e), e)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluice", help="unused: this test checks the peers only")
    ap.parse_args()
    started = time.monotonic()
    chk = Checker()
    test_sigv4_vectors(chk)
    test_kpl(chk)
    procs = []
    try:
        kinesalite = Kinesalite().start()
        procs.append(kinesalite)
        kinesis_local = KinesisLocal().start()
        procs.append(kinesis_local)
        sts = StsServer(duration_seconds=20, expected_external_id="ext-7",
                        base={"AKIDBASE": "base-secret"}).start()
        procs.append(sts)
        print("peers up in %.1fs" % (time.monotonic() - started))
        test_sts(chk, sts)
        test_kinesalite_throttling(chk, kinesalite)
        test_kinesis_local(chk, kinesis_local, sts)
    except (AssertionError, KinesisError, OSError, http.client.HTTPException) as e:
        chk.ok("no unexpected error", False, "%s: %s" % (type(e).__name__, e))
        for p in procs:
            print("--- %s log:\n%s" % (p.name, p.log()[-2000:]))
    finally:
        for p in reversed(procs):
            p.stop()
    for f in chk.failures:
        print("FAIL: " + f)
    print("kinesis_peers_test: %.1fs" % (time.monotonic() - started))
    print("%d passed, %d failed" % (chk.passed, len(chk.failures)))
    return 1 if chk.failures else 0


if __name__ == "__main__":
    sys.exit(main())
