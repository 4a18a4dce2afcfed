"""Kinesis test peers for the e2e tests and the benchmark: kinesalite and kinesis-local (npm, in
tests/peers/node_modules, installed by scripts/setup), the project's throttling proxy
(tests/peers/kinesis_throttle_proxy.js), and a small Kinesis client with a SigV4 signer of its
own. Python standard library only.

    from kinesis_peers import Kinesalite, KinesisLocal, ThrottleProxy, KinesisClient

    with Kinesalite() as peer, ThrottleProxy(peer.endpoint_url) as proxy:
        client = KinesisClient(peer.endpoint_url)
        client.create_stream("logs", 4)
        client.wait_active("logs")
        ...                          # point sluice at proxy.endpoint_url
        records = client.read_all("logs")
        proxy.stats()

Every server listens on 127.0.0.1 (kinesis-local binds all interfaces; it is only ever talked to
on 127.0.0.1) on a port the kernel picked as free, and is stopped by its PID.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import can_connect, free_port, wait_until  # noqa: E402

PEERS_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                          "peers"))
NODE_MODULES = os.path.join(PEERS_DIR, "node_modules")
MAX_HASH_KEY = 2 ** 128 - 1


def node_binary():
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        raise RuntimeError("node is not installed (scripts/setup installs nodejs)")
    return node


def _require_module(name):
    path = os.path.join(NODE_MODULES, name)
    if not os.path.isdir(path):
        raise RuntimeError("%s is missing: run scripts/setup (npm ci in tests/peers)" % path)
    return path


# --------------------------------------------------------------------------------------------
# Processes


class _Process:
    """A child process started on 127.0.0.1 and stopped by its PID. Its output goes to a log
    file in a temporary directory (see .log_path), read back by .log() for failure messages."""

    name = "peer"

    def __init__(self):
        self.proc = None
        self.port = None
        self.tmpdir = None
        self.log_path = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    @property
    def endpoint_url(self):
        return "http://127.0.0.1:%d" % self.port

    def _spawn(self, argv, env=None, cwd=None):
        self.tmpdir = tempfile.mkdtemp(prefix="sluice-%s-" % self.name)
        self.log_path = os.path.join(self.tmpdir, self.name + ".log")
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env,
                                         cwd=cwd or self.tmpdir)
        finally:
            log.close()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def _wait_ready(self, ready, timeout):
        def check():
            if self.proc.poll() is not None:
                raise AssertionError("%s exited with %s during start:\n%s" %
                                     (self.name, self.proc.returncode, self.log()[-4000:]))
            return ready()
        try:
            wait_until(check, timeout, "%s on port %d" % (self.name, self.port), interval=0.1)
        except AssertionError:
            self.stop()
            raise

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=5.0):
        """SIGTERM to the PID, then SIGKILL if it is still there after `timeout` seconds."""
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        if self.tmpdir and os.path.isdir(self.tmpdir):
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __enter__(self):
        if not self.alive():
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class Kinesalite(_Process):
    """kinesalite (in memory) on 127.0.0.1:port, through tests/peers/kinesalite_server.js.

    Stream state changes (create, update i.e. split/merge, delete) take `state_ms`
    milliseconds. kinesalite has no UpdateShardCount, never throttles, and checks only the
    shape of the Authorization header, not the signature."""

    name = "kinesalite"

    def __init__(self, port=None, state_ms=50, shard_limit=64):
        super().__init__()
        self.port = port
        self.state_ms = state_ms
        self.shard_limit = shard_limit

    def start(self, timeout=20.0):
        _require_module("kinesalite")
        self.port = self.port or free_port()
        ms = str(self.state_ms)
        self._spawn([node_binary(), os.path.join(PEERS_DIR, "kinesalite_server.js"),
                     "--port", str(self.port), "--create-ms", ms, "--update-ms", ms,
                     "--delete-ms", ms, "--shard-limit", str(self.shard_limit)])
        self._wait_ready(lambda: "listening on" in self.log(), timeout)
        return self


class KinesisLocal(_Process):
    """kinesis-local (kinesis-mock compiled to JavaScript) with its plain HTTP port on `port`.

    It binds 0.0.0.0 (it cannot be told otherwise); talk to it only through 127.0.0.1. Its TLS
    port is taken too (a second free port), with the self-signed certificate the package ships.
    Every stream operation's delay is set to `state_ms` milliseconds (its default is 500 ms).
    Streams live under account 000000000000 unless a request is signed with a 12-digit access
    key id, which then names the account."""

    name = "kinesis-local"
    DURATION_VARS = (
        "CREATE_STREAM_DURATION", "DELETE_STREAM_DURATION", "MERGE_SHARDS_DURATION",
        "SPLIT_SHARD_DURATION", "UPDATE_SHARD_COUNT_DURATION", "UPDATE_STREAM_MODE_DURATION",
        "REGISTER_STREAM_CONSUMER_DURATION", "DEREGISTER_STREAM_CONSUMER_DURATION",
        "START_STREAM_ENCRYPTION_DURATION", "STOP_STREAM_ENCRYPTION_DURATION",
    )

    def __init__(self, port=None, state_ms=50, shard_limit=64, log_level="WARN"):
        super().__init__()
        self.port = port
        self.tls_port = None
        self.state_ms = state_ms
        self.shard_limit = shard_limit
        self.log_level = log_level

    def start(self, timeout=60.0):
        pkg = _require_module("kinesis-local")
        self.port = self.port or free_port()
        self.tls_port = free_port()
        while self.tls_port == self.port:
            self.tls_port = free_port()
        env = dict(os.environ)
        env.update({
            "KINESIS_MOCK_CERT_PATH": os.path.join(pkg, "server.json"),
            "KINESIS_MOCK_PLAIN_PORT": str(self.port),
            "KINESIS_MOCK_TLS_PORT": str(self.tls_port),
            "SHARD_LIMIT": str(self.shard_limit),
            "LOG_LEVEL": self.log_level,
            "SHOULD_PERSIST_DATA": "false",
            "LOAD_DATA_IF_EXISTS": "false",
        })
        for var in self.DURATION_VARS:
            env[var] = "%dms" % self.state_ms
        self._spawn([node_binary(), os.path.join(pkg, "main.js")], env=env)
        client = KinesisClient(self.endpoint_url, timeout=2.0)

        def answers():
            if not can_connect(self.port):
                return False
            try:
                client.call("ListStreams", {})
                return True
            except (OSError, http.client.HTTPException, KinesisError):
                return False
            finally:
                client.close()
        self._wait_ready(answers, timeout)
        return self


class ThrottleProxy(_Process):
    """tests/peers/kinesis_throttle_proxy.js in front of `backend_url`: enforces AWS's
    per-shard write limits on PutRecords and answers ProvisionedThroughputExceededException per
    entry, as AWS does; everything else is forwarded as is.

    Keyword arguments: bytes_per_sec (1000000), records_per_sec (1000), stats_path
    ("/__stats"), secrets ({akid: secret} or "AKID=SECRET,..."; verifies SigV4 when given),
    sts_stats_url (the StsServer's stats URL: credentials it issued are accepted too),
    account ("000000000000", named in the throttling messages), map_refresh_ms (1000)."""

    name = "throttle-proxy"

    def __init__(self, backend_url, port=None, bytes_per_sec=None, records_per_sec=None,
                 stats_path="/__stats", secrets=None, sts_stats_url=None, account=None,
                 map_refresh_ms=None):
        super().__init__()
        self.backend_url = backend_url
        self.port = port
        self.bytes_per_sec = bytes_per_sec
        self.records_per_sec = records_per_sec
        self.stats_path = stats_path
        if isinstance(secrets, dict):
            secrets = ",".join("%s=%s" % kv for kv in secrets.items())
        self.secrets = secrets
        self.sts_stats_url = sts_stats_url
        self.account = account
        self.map_refresh_ms = map_refresh_ms

    def start(self, timeout=20.0):
        self.port = self.port or free_port()
        argv = [node_binary(), os.path.join(PEERS_DIR, "kinesis_throttle_proxy.js"),
                "--listen", str(self.port), "--backend", self.backend_url,
                "--stats-path", self.stats_path]
        for flag, value in (("--bytes-per-sec", self.bytes_per_sec),
                            ("--records-per-sec", self.records_per_sec),
                            ("--secrets", self.secrets), ("--sts", self.sts_stats_url),
                            ("--account", self.account),
                            ("--map-refresh-ms", self.map_refresh_ms)):
            if value is not None:
                argv += [flag, str(value)]
        self._spawn(argv)
        self._wait_ready(lambda: can_connect(self.port), timeout)
        return self

    def stats(self):
        """The proxy's counters (see tests/peers/README.md for the shape)."""
        return _get_json(self.port, self.stats_path)

    def reset_stats(self):
        return self._post(self.stats_path + "/reset", b"")

    def set_limits(self, records_per_sec=None, bytes_per_sec=None):
        """Changes the per-shard limits in place: connections and calls in flight are kept."""
        limits = {k: v for k, v in (("records_per_sec", records_per_sec),
                                    ("bytes_per_sec", bytes_per_sec)) if v is not None}
        status = self._post(self.stats_path + "/limits", json.dumps(limits).encode())
        if status != 200:
            raise RuntimeError("throttle proxy refused the limits %r: HTTP %d" % (limits, status))

    def _post(self, path, body):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("POST", path, body=body)
            resp = conn.getresponse()
            resp.read()
            return resp.status
        finally:
            conn.close()


def _get_json(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise AssertionError("GET %s: HTTP %d %r" % (path, resp.status, body[:200]))
        return json.loads(body)
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# SigV4 (Authorization header form), of our own


def _uri_encode(text, keep_slash=False):
    safe = "-_.~" + ("/" if keep_slash else "")
    return urllib.parse.quote(text, safe=safe)


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret_key, date, region, service):
    k = _hmac(("AWS4" + secret_key).encode("utf-8"), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


def sigv4_headers(method, url, headers, body, access_key, secret_key, region, service,
                  session_token=None, now=None):
    """Returns `headers` plus X-Amz-Date, X-Amz-Security-Token (when a session token is given)
    and Authorization, signing every header given plus host. `body` is bytes."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    parts = urllib.parse.urlsplit(url)
    out = dict(headers)
    out["Host"] = parts.netloc
    out["X-Amz-Date"] = amz_date
    if session_token:
        out["X-Amz-Security-Token"] = session_token
    canon = {}
    for name, value in out.items():
        canon[name.lower()] = " ".join(str(value).strip().split())
    signed = ";".join(sorted(canon))
    canonical_headers = "".join("%s:%s\n" % (k, canon[k]) for k in sorted(canon))
    pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = "&".join("%s=%s" % (_uri_encode(k), _uri_encode(v)) for k, v in
                     sorted((k, v) for k, v in pairs))
    path = parts.path or "/"
    canonical_uri = "/".join(_uri_encode(seg) for seg in path.split("/"))
    canonical_request = "\n".join([method, canonical_uri, query, canonical_headers, signed,
                                   hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (date, region, service)
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])
    signature = hmac.new(signing_key(secret_key, date, region, service),
                         string_to_sign.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = ("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
                            % (access_key, scope, signed, signature))
    return out


# --------------------------------------------------------------------------------------------
# Kinesis client


class KinesisError(Exception):
    """An error answer: .status (HTTP), .type (the __type, e.g. ResourceNotFoundException),
    .message, .body."""

    def __init__(self, status, type_, message, body):
        super().__init__("HTTP %d %s: %s" % (status, type_, message))
        self.status = status
        self.type = type_
        self.message = message
        self.body = body


def partition_key_hash(partition_key):
    """The 128-bit hash key Kinesis derives from a partition key (MD5, big-endian)."""
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def is_open(shard):
    """A shard is open while its SequenceNumberRange has no EndingSequenceNumber (kinesis-local
    writes an explicit null for it)."""
    return (shard.get("SequenceNumberRange") or {}).get("EndingSequenceNumber") is None


def shard_for_hash(shards, hash_key):
    """The open shard whose [StartingHashKey, EndingHashKey] holds hash_key, or None."""
    for s in shards:
        r = s["HashKeyRange"]
        if is_open(s) and int(r["StartingHashKey"]) <= hash_key <= int(r["EndingHashKey"]):
            return s
    return None


class KinesisClient:
    """A small Kinesis client (JSON protocol, SigV4-signed) for tests. One keep-alive HTTP
    connection; not thread-safe (make one per thread)."""

    def __init__(self, endpoint_url, region="us-east-1", access_key="AKIDEXAMPLE",
                 secret_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", session_token=None,
                 timeout=30.0):
        parts = urllib.parse.urlsplit(endpoint_url)
        if parts.scheme != "http":
            raise ValueError("KinesisClient speaks plain HTTP only: %s" % endpoint_url)
        self.endpoint_url = endpoint_url.rstrip("/")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.session_token = session_token
        self.timeout = timeout
        self._conn = None

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def raw_call(self, operation, payload, sign=True, headers=None):
        """POSTs one operation; returns (status, response headers dict, body bytes)."""
        body = json.dumps(payload).encode()
        hdrs = {"Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "Kinesis_20131202." + operation}
        if sign:
            hdrs = sigv4_headers("POST", self.endpoint_url + self.path, hdrs, body,
                                 self.access_key, self.secret_key, self.region, "kinesis",
                                 self.session_token)
        hdrs.update(headers or {})
        for attempt in (0, 1):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port,
                                                        timeout=self.timeout)
            try:
                self._conn.request("POST", self.path, body=body, headers=hdrs)
                resp = self._conn.getresponse()
                data = resp.read()
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server had closed: once more on a new one.
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def call(self, operation, payload):
        status, _, data = self.raw_call(operation, payload)
        try:
            answer = json.loads(data) if data else {}
        except ValueError:
            answer = None
        if status != 200 or answer is None:
            answer = answer if isinstance(answer, dict) else {}
            raise KinesisError(status, str(answer.get("__type", "")).split("#")[-1],
                               answer.get("message") or answer.get("Message") or
                               data[:300].decode("utf-8", "replace"), data)
        return answer

    # --- streams

    def create_stream(self, name, shard_count):
        return self.call("CreateStream", {"StreamName": name, "ShardCount": shard_count})

    def describe_stream_summary(self, name):
        return self.call("DescribeStreamSummary", {"StreamName": name})["StreamDescriptionSummary"]

    def stream_status(self, name):
        return self.describe_stream_summary(name)["StreamStatus"]

    def wait_active(self, name, timeout=30.0):
        wait_until(lambda: self.stream_status(name) == "ACTIVE", timeout,
                   "stream %s to be ACTIVE" % name, interval=0.05)

    def delete_stream(self, name):
        return self.call("DeleteStream", {"StreamName": name})

    def list_shards(self, name):
        """Every shard of the stream, open and closed, following NextToken."""
        shards = []
        payload = {"StreamName": name}
        while True:
            answer = self.call("ListShards", payload)
            shards.extend(answer.get("Shards") or [])
            token = answer.get("NextToken")
            if not token:
                return shards
            payload = {"NextToken": token}

    def open_shards(self, name):
        return [s for s in self.list_shards(name) if is_open(s)]

    def split_shard(self, name, shard_id, new_starting_hash_key):
        return self.call("SplitShard", {"StreamName": name, "ShardToSplit": shard_id,
                                        "NewStartingHashKey": str(new_starting_hash_key)})

    def split_shard_in_half(self, name, shard_id):
        shard = next(s for s in self.list_shards(name) if s["ShardId"] == shard_id)
        r = shard["HashKeyRange"]
        middle = (int(r["StartingHashKey"]) + int(r["EndingHashKey"]) + 1) // 2
        return self.split_shard(name, shard_id, middle)

    def merge_shards(self, name, shard_id, adjacent_shard_id):
        return self.call("MergeShards", {"StreamName": name, "ShardToMerge": shard_id,
                                         "AdjacentShardToMerge": adjacent_shard_id})

    def update_shard_count(self, name, target, scaling_type="UNIFORM_SCALING"):
        return self.call("UpdateShardCount", {"StreamName": name, "TargetShardCount": target,
                                              "ScalingType": scaling_type})

    # --- records

    def put_records(self, name, entries):
        """entries: dicts with "data" (bytes or str), and "partition_key" and/or
        "explicit_hash_key" (int or decimal string); or already-shaped API entries
        ({"Data": base64, "PartitionKey": ..}). Returns the PutRecords answer as is."""
        records = []
        for e in entries:
            if "Data" in e:
                records.append(e)
                continue
            data = e["data"].encode() if isinstance(e["data"], str) else e["data"]
            rec = {"Data": base64.b64encode(data).decode(),
                   "PartitionKey": e.get("partition_key", "k")}
            if e.get("explicit_hash_key") is not None:
                rec["ExplicitHashKey"] = str(e["explicit_hash_key"])
            records.append(rec)
        return self.call("PutRecords", {"StreamName": name, "Records": records})

    def get_shard_iterator(self, name, shard_id, iterator_type="TRIM_HORIZON",
                           sequence_number=None):
        payload = {"StreamName": name, "ShardId": shard_id, "ShardIteratorType": iterator_type}
        if sequence_number is not None:
            payload["StartingSequenceNumber"] = sequence_number
        return self.call("GetShardIterator", payload)["ShardIterator"]

    def read_shard(self, name, shard_id, limit=10000, max_empty_reads=3):
        """Every record of one shard from TRIM_HORIZON, in order. A closed shard is read until
        NextShardIterator is null; an open one until an empty batch says MillisBehindLatest 0,
        or after `max_empty_reads` empty batches in a row."""
        out = []
        iterator = self.get_shard_iterator(name, shard_id)
        empty = 0
        while iterator:
            answer = self.call("GetRecords", {"ShardIterator": iterator, "Limit": limit})
            records = answer.get("Records") or []
            for r in records:
                out.append({"data": base64.b64decode(r["Data"]),
                            "partition_key": r.get("PartitionKey"),
                            "sequence": r.get("SequenceNumber")})
            iterator = answer.get("NextShardIterator")
            if records:
                empty = 0
                continue
            empty += 1
            if answer.get("MillisBehindLatest") == 0 or empty >= max_empty_reads:
                break
        return out

    def read_all(self, name):
        """{shard_id: [{"data": bytes, "partition_key": str, "sequence": str}, ...]} for EVERY
        shard of the stream, closed parents included, each read from TRIM_HORIZON."""
        return {s["ShardId"]: self.read_shard(name, s["ShardId"])
                for s in self.list_shards(name)}


def kinesis_endpoint_toml(name, topic, endpoint_url, extra="", access_key=None, secret_key=None,
                          region="us-east-1", fmt=None, placement_none=False):
    """A sluice [[service.logging]] table of type kinesis; without access_key the endpoint takes
    its credentials from elsewhere (iam_role in `extra`, the environment, instance metadata)."""
    lines = ['  [[service.logging]]', '  type = "kinesis"', '  name = "%s"' % name,
             '  topic = "%s"' % topic, '  region = "%s"' % region,
             '  endpoint_url = "%s"' % endpoint_url]
    if access_key is not None:
        lines += ['  access_key = "%s"' % access_key, '  secret_key = "%s"' % secret_key]
    if fmt is not None:
        lines.append('  format = "%s"' % fmt)
    if placement_none:
        lines.append('  placement = "none"')
    return "\n" + "\n".join(lines) + "\n" + extra + "\n"
