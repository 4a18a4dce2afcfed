#!/usr/bin/env python3
"""A small test STS endpoint (Python standard library): answers Action=AssumeRole with
real-shaped XML and temporary credentials that expire soon, so a test can prove that a client
refreshes them before they expire.

    python3 tests/e2e/sts_server.py --port 0 [--duration-seconds 20]
        [--expected-external-id ID] [--base AKID=SECRET[,AKID=SECRET]] [--stats-path /__stats]

- AssumeRole comes as a POST form body (application/x-www-form-urlencoded) or as a query
  string: Action=AssumeRole, Version=2011-06-15, RoleArn, RoleSessionName, ExternalId
  (optional), DurationSeconds (optional; recorded, but --duration-seconds decides the
  expiry when given, so tests need not wait for AWS's 900 s minimum).
- --base: the request must carry a SigV4 signature (service sts) by one of these base
  credentials; a wrong signature gets 403 SignatureDoesNotMatch, an unknown key 403
  InvalidClientTokenId, both as AWS's ErrorResponse XML.
- --expected-external-id: a missing or different ExternalId gets 403 AccessDenied.
- GET /__stats: JSON {"issued": [{access_key_id, secret_access_key, session_token,
  expiration, issued_at, role_arn, role_session_name, external_id}], "calls": [{time, action,
  role_arn, role_session_name, external_id, duration_seconds, status, error, signer,
  with_token}]}.

Prints "sts_server listening on 127.0.0.1:PORT" when ready. Listens on 127.0.0.1 only; stop it
by PID. From Python tests: `StsServer(...).start()` / `.stop()`, `.endpoint_url`, `.stats()`.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import http.server
import json
import os
import secrets
import string
import sys
import threading
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kinesis_peers import _get_json, _Process, _uri_encode, signing_key  # noqa: E402
from harness import can_connect, free_port  # noqa: E402

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
UPPER_ALNUM = string.ascii_uppercase + string.digits


def _random_id(prefix, n):
    return prefix + "".join(secrets.choice(UPPER_ALNUM) for _ in range(n))


def _iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------------
# SigV4 verification (Authorization header form)


def _canonical_uri(raw_path):
    out = []
    for seg in raw_path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(_uri_encode(seg))
    return "/" + "/".join(out)


def _canonical_query(raw_query):
    pairs = []
    for part in raw_query.split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        pairs.append((_uri_encode(urllib.parse.unquote_plus(k)),
                      _uri_encode(urllib.parse.unquote_plus(v))))
    return "&".join("%s=%s" % kv for kv in sorted(pairs))


def parse_authorization(value):
    if not value or not value.startswith("AWS4-HMAC-SHA256 "):
        return None
    params = {}
    for part in value[len("AWS4-HMAC-SHA256 "):].split(","):
        k, _, v = part.strip().partition("=")
        params[k] = v
    cred = params.get("Credential", "").split("/")
    if len(cred) != 5 or cred[4] != "aws4_request" or not params.get("SignedHeaders") \
            or not params.get("Signature"):
        return None
    return {"access_key": cred[0], "date": cred[1], "region": cred[2], "service": cred[3],
            "scope": "/".join(cred[1:]), "signed_headers": params["SignedHeaders"].split(";"),
            "signature": params["Signature"]}


def verify_sigv4(method, raw_path, headers, body, secrets_by_key):
    """Returns (None, access_key) when the signature is right, else (error code, message)."""
    auth = parse_authorization(headers.get("Authorization"))
    if auth is None:
        return ("MissingAuthenticationToken" if not headers.get("Authorization")
                else "IncompleteSignature",
                "Request is missing a valid AWS4-HMAC-SHA256 Authorization header.")
    secret = secrets_by_key.get(auth["access_key"])
    if secret is None:
        return "InvalidClientTokenId", "The security token included in the request is invalid."
    amz_date = headers.get("X-Amz-Date") or ""
    if amz_date[:8] != auth["date"]:
        return "SignatureDoesNotMatch", "Credential should be scoped to a valid date."
    path, _, query = raw_path.partition("?")
    canon = []
    for name in auth["signed_headers"]:
        values = headers.get_all(name) or []
        canon.append("%s:%s\n" % (name, ",".join(" ".join(v.split()) for v in values)))
    creq = "\n".join([method, _canonical_uri(path), _canonical_query(query), "".join(canon),
                      ";".join(auth["signed_headers"]), hashlib.sha256(body).hexdigest()])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, auth["scope"],
                     hashlib.sha256(creq.encode()).hexdigest()])
    want = hmac.new(signing_key(secret, auth["date"], auth["region"], auth["service"]),
                    sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, auth["signature"]):
        return ("SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you "
                "provided. Check your AWS Secret Access Key and signing method. Consult the "
                "service documentation for details.")
    return None, auth["access_key"]


# --------------------------------------------------------------------------------------------
# Server


class StsState:
    def __init__(self, duration_seconds, expected_external_id, base):
        self.duration_seconds = duration_seconds
        self.expected_external_id = expected_external_id
        self.base = base
        self.lock = threading.Lock()
        self.issued = []
        self.calls = []


def error_xml(kind, code, message, request_id):
    return ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
            '    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n'
            '</ErrorResponse>\n' % (NS, kind, code, escape(message), request_id))


def assume_role_xml(cred, role_arn, session_name, request_id):
    parts = role_arn.split(":")
    account = parts[4] if len(parts) > 5 else "000000000000"
    role_name = role_arn.rsplit("/", 1)[-1]
    return (
        '<AssumeRoleResponse xmlns="%s">\n'
        '  <AssumeRoleResult>\n'
        '    <Credentials>\n'
        '      <AccessKeyId>%s</AccessKeyId>\n'
        '      <SecretAccessKey>%s</SecretAccessKey>\n'
        '      <SessionToken>%s</SessionToken>\n'
        '      <Expiration>%s</Expiration>\n'
        '    </Credentials>\n'
        '    <AssumedRoleUser>\n'
        '      <AssumedRoleId>%s:%s</AssumedRoleId>\n'
        '      <Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn>\n'
        '    </AssumedRoleUser>\n'
        '  </AssumeRoleResult>\n'
        '  <ResponseMetadata>\n'
        '    <RequestId>%s</RequestId>\n'
        '  </ResponseMetadata>\n'
        '</AssumeRoleResponse>\n' % (
            NS, cred["access_key_id"], escape(cred["secret_access_key"]),
            escape(cred["session_token"]), cred["expiration"], cred["role_id"],
            escape(session_name), account, escape(role_name), escape(session_name),
            request_id))


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "sluice-test-sts"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _send(self, status, body, content_type="text/xml"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", getattr(self, "request_id", str(uuid.uuid4())))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        st = self.server.state
        if self.path.split("?")[0] == self.server.stats_path:
            with st.lock:
                doc = {"issued": list(st.issued), "calls": list(st.calls),
                       "duration_seconds": st.duration_seconds}
            return self._send(200, json.dumps(doc), "application/json")
        self._handle(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length))

    def _handle(self, body):
        st = self.server.state
        self.request_id = str(uuid.uuid4())
        params = dict(urllib.parse.parse_qsl(self.path.partition("?")[2], keep_blank_values=True))
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body and ctype in ("application/x-www-form-urlencoded", ""):
            params.update(urllib.parse.parse_qsl(body.decode("utf-8", "replace"),
                                                 keep_blank_values=True))
        call = {"time": time.time(), "action": params.get("Action"),
                "role_arn": params.get("RoleArn"),
                "role_session_name": params.get("RoleSessionName"),
                "external_id": params.get("ExternalId"),
                "duration_seconds": params.get("DurationSeconds"),
                "signer": None, "with_token": bool(self.headers.get("X-Amz-Security-Token")),
                "status": None, "error": None}

        def fail(status, kind, code, message):
            call["status"], call["error"] = status, code
            with st.lock:
                st.calls.append(call)
            self._send(status, error_xml(kind, code, message, self.request_id))

        auth = parse_authorization(self.headers.get("Authorization"))
        call["signer"] = auth["access_key"] if auth else None
        if st.base:
            code, detail = verify_sigv4(self.command, self.path, self.headers, body, st.base)
            if code:
                return fail(403, "Sender", code, detail)
        if params.get("Action") != "AssumeRole":
            return fail(400, "Sender", "InvalidAction",
                        "Could not find operation %s for version %s"
                        % (params.get("Action"), params.get("Version")))
        if params.get("Version") != "2011-06-15":
            return fail(400, "Sender", "InvalidAction",
                        "Could not find operation AssumeRole for version %s"
                        % params.get("Version"))
        for required in ("RoleArn", "RoleSessionName"):
            if not params.get(required):
                return fail(400, "Sender", "ValidationError",
                            "1 validation error detected: Value null at '%s' failed to "
                            "satisfy constraint: Member must not be null"
                            % (required[0].lower() + required[1:]))
        if st.expected_external_id is not None and \
                params.get("ExternalId") != st.expected_external_id:
            return fail(403, "Sender", "AccessDenied",
                        "User: %s is not authorized to perform: sts:AssumeRole on resource: %s"
                        % (call["signer"], params["RoleArn"]))
        duration = st.duration_seconds
        if duration is None:
            duration = int(params.get("DurationSeconds") or 3600)
        now = time.time()
        cred = {
            "access_key_id": _random_id("ASIA", 16),
            "secret_access_key": base64.b64encode(os.urandom(30)).decode(),
            "session_token": "FwoGZXIvYXdzE" + base64.b64encode(os.urandom(240)).decode(),
            "expiration": _iso(now + duration),
            "issued_at": _iso(now),
            "role_arn": params["RoleArn"],
            "role_session_name": params["RoleSessionName"],
            "external_id": params.get("ExternalId"),
            "role_id": _random_id("AROA", 17),
        }
        call["status"] = 200
        call["access_key_id"] = cred["access_key_id"]
        with st.lock:
            st.issued.append(cred)
            st.calls.append(call)
        self._send(200, assume_role_xml(cred, params["RoleArn"], params["RoleSessionName"],
                                        self.request_id))


def parse_pairs(text):
    out = {}
    for pair in (text or "").split(","):
        if pair:
            k, sep, v = pair.partition("=")
            if not sep:
                raise ValueError("expected AKID=SECRET, got %r" % pair)
            out[k] = v
    return out


def serve(port, duration_seconds, expected_external_id, base, stats_path="/__stats"):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.state = StsState(duration_seconds, expected_external_id, base)
    server.stats_path = stats_path
    return server


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--duration-seconds", type=int, default=None)
    ap.add_argument("--expected-external-id", default=None)
    ap.add_argument("--base", default=None, help="AKID=SECRET[,AKID=SECRET...]")
    ap.add_argument("--stats-path", default="/__stats")
    args = ap.parse_args(argv)
    server = serve(args.port, args.duration_seconds, args.expected_external_id,
                   parse_pairs(args.base), args.stats_path)
    print("sts_server listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
    import signal
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    server.server_close()
    return 0


# --------------------------------------------------------------------------------------------
# From Python tests


class StsServer(_Process):
    """This STS endpoint as a child process on 127.0.0.1, stopped by its PID.

    StsServer(port=None, duration_seconds=20, expected_external_id=None, base=None,
    stats_path="/__stats"); base is {akid: secret} or "AKID=SECRET,...". After start():
    .endpoint_url, .stats_url, .stats() -> {"issued": [...], "calls": [...]}."""

    name = "sts"

    def __init__(self, port=None, duration_seconds=20, expected_external_id=None, base=None,
                 stats_path="/__stats"):
        super().__init__()
        self.port = port
        self.duration_seconds = duration_seconds
        self.expected_external_id = expected_external_id
        if isinstance(base, dict):
            base = ",".join("%s=%s" % kv for kv in base.items())
        self.base = base
        self.stats_path = stats_path

    @property
    def stats_url(self):
        return self.endpoint_url + self.stats_path

    def start(self, timeout=15.0):
        self.port = self.port or free_port()
        argv = [sys.executable, os.path.abspath(__file__), "--port", str(self.port),
                "--stats-path", self.stats_path]
        if self.duration_seconds is not None:
            argv += ["--duration-seconds", str(self.duration_seconds)]
        if self.expected_external_id is not None:
            argv += ["--expected-external-id", self.expected_external_id]
        if self.base:
            argv += ["--base", self.base]
        self._spawn(argv)
        self._wait_ready(lambda: can_connect(self.port), timeout)
        return self

    def stats(self):
        return _get_json(self.port, self.stats_path)


# --------------------------------------------------------------------------------------------
# A client for tests


def assume_role(endpoint_url, access_key, secret_key, role_arn, session_name,
                external_id=None, duration_seconds=None, region="us-east-1", session_token=None):
    """POSTs a SigV4-signed AssumeRole (form body) and returns (status, body text, credentials
    dict or None): {"access_key_id", "secret_access_key", "session_token", "expiration"}."""
    import http.client
    import xml.etree.ElementTree as ET
    from kinesis_peers import sigv4_headers

    params = {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": role_arn,
              "RoleSessionName": session_name}
    if external_id is not None:
        params["ExternalId"] = external_id
    if duration_seconds is not None:
        params["DurationSeconds"] = str(duration_seconds)
    body = urllib.parse.urlencode(params).encode()
    parts = urllib.parse.urlsplit(endpoint_url)
    headers = sigv4_headers("POST", endpoint_url.rstrip("/") + "/",
                            {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                            body, access_key, secret_key, region, "sts", session_token)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=10)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
    finally:
        conn.close()
    creds = None
    if resp.status == 200:
        ns = {"s": NS}
        c = ET.fromstring(text).find("s:AssumeRoleResult/s:Credentials", ns)
        creds = {"access_key_id": c.findtext("s:AccessKeyId", namespaces=ns),
                 "secret_access_key": c.findtext("s:SecretAccessKey", namespaces=ns),
                 "session_token": c.findtext("s:SessionToken", namespaces=ns),
                 "expiration": c.findtext("s:Expiration", namespaces=ns)}
    return resp.status, text, creds


if __name__ == "__main__":
    sys.exit(main())
