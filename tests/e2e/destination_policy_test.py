#!/usr/bin/env python3
"""The [security] destination policy against endpoints an API client or a careless file could
add: each of them is refused under the default policy, at connect time, with an error in
/status that names the address and the rule, while an ordinary loopback receiver still gets its
lines.

- https to the cloud instance metadata address (169.254.169.254) with the IMDSv2 token header;
- kinesis with its endpoint_url on the metadata address;
- https to "localhost" on sluice's own API port: a DNS name that resolves to a denied address;
- syslog to sluice's own ingest port.

The endpoints arrive by a reload, as a control plane would add them. Nothing here sends a packet
off this machine: a refused address gets no socket. Also checks that `sluice check` names a bad
[security] network.

    python3 tests/e2e/destination_policy_test.py --sluice build/release/sluice
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Sluice, service_toml as service, wait_until  # noqa: E402
from https_receiver import Receiver  # noqa: E402

REFUSED = "is refused by the destination policy"


def https(name, url, extra=""):
    return ('\n  [[service.logging]]\n  type = "https"\n  name = "%s"\n  url = "%s"\n'
            '  placement = "none"\n  format = "%%h"\n  period_ms = 50\n%s' % (name, url, extra))


def endpoints(api_port, http_port, receiver):
    return (
        https("imds", "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
              '  method = "PUT"\n  header_name = "X-aws-ec2-metadata-token"\n'
              '  header_value = "AQAEAtoken"\n')
        + https("own_api", "http://localhost:%d/status" % api_port)
        + https("allowed", receiver.url("/in"))
        + ('\n  [[service.logging]]\n  type = "syslog"\n  name = "own_ingest"\n'
           '  address = "127.0.0.1"\n  port = %d\n  placement = "none"\n  format = "%%h"\n'
           % http_port)
        + ('\n  [[service.logging]]\n  type = "kinesis"\n  name = "kinesis_imds"\n'
           '  topic = "logs"\n  region = "us-east-1"\n  access_key = "AKIDEXAMPLE"\n'
           '  secret_key = "wJalrXUtnFEMI"\n  endpoint_url = "http://169.254.169.254"\n'
           '  placement = "none"\n  format = "%h"\n'))


def last_error(s, name):
    e = s.endpoint_status(name)["last_error"]
    return e["message"] if e else ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sluice", required=True)
    args = parser.parse_args()
    binary = os.path.abspath(args.sluice)
    failures = []
    workdir = tempfile.mkdtemp(prefix="sluice-policy-")
    receiver = Receiver(challenge="*\n").start()
    s = Sluice(binary, workdir, "policy", service("svc", https("placeholder", receiver.url("/p"))),
               storage=False)
    try:
        s.write_config(service("svc", endpoints(s.api, s.http, receiver)))
        s.reload()
        names = ["imds", "own_api", "own_ingest", "kinesis_imds"]
        wait_until(lambda: all(any(x["name"] == n for x in s.status()["endpoints"])
                               for n in names), 10, "the reloaded endpoints")
        for name in names + ["allowed"]:
            s.send("svc", name, ["line for %s" % name])
        wait_until(lambda: all(REFUSED in last_error(s, n) for n in names), 15,
                   "every denied endpoint to report the policy")
        want = {
            "imds": "destination 169.254.169.254:80 is refused by the destination policy: "
                    "169.254.0.0/16 (IPv4 link-local, where cloud instance metadata services "
                    "answer) is denied by default",
            "kinesis_imds": "destination 169.254.169.254:80 is refused by the destination "
                            "policy: 169.254.0.0/16",
            "own_api": "is refused by the destination policy: it is sluice's own listener "
                       "(the API on 127.0.0.1:%d)" % s.api,
            "own_ingest": "connect 127.0.0.1:%d: destination 127.0.0.1:%d is refused by the "
                          "destination policy: it is sluice's own listener (source #1 on "
                          "127.0.0.1:%d)" % (s.http, s.http, s.http),
        }
        for name, text in want.items():
            st = s.endpoint_status(name)
            msg = last_error(s, name)
            if text not in msg:
                failures.append("%s: error %r lacks %r" % (name, msg, text))
            if st["last_error"]["class"] != "configuration":
                failures.append("%s: class %r, want configuration" % (name, st["last_error"]))
            if st["queue"]["lines"] != 1:
                failures.append("%s: the refused line must stay queued: %r" % (name, st["queue"]))
        # An https endpoint asks the domain-ownership challenge first: that GET is what the
        # policy refuses, and the error names the name it resolved.
        if ("domain-ownership challenge GET http://localhost:%d/.well-known/fastly/logging/"
                "challenge: destination 127.0.0.1:%d" % (s.api, s.api)) not in last_error(s, "own_api"):
            failures.append("own_api: the error does not name the challenge URL: %r"
                            % last_error(s, "own_api"))
        # The policy did not stop an ordinary loopback receiver.
        wait_until(lambda: receiver.accepted_lines("/in") == ["line for allowed"], 10,
                   "the loopback receiver to get its line")
        if s.proc.poll() is not None:
            failures.append("sluice exited")
    except AssertionError as e:
        failures.append(str(e))
        failures.append("stderr:\n" + s.stderr()[-3000:])
    finally:
        s.stop()
        receiver.stop()

    bad = os.path.join(workdir, "bad.toml")
    with open(bad, "w") as f:
        f.write('[security]\ndeny_networks = ["10.1.2.3/8"]\nallow_networks = ["metadata"]\n')
    p = subprocess.run([binary, "check", "-c", bad], capture_output=True, text=True)
    out = p.stdout + p.stderr
    if p.returncode == 0:
        failures.append("sluice check accepted a bad [security] table")
    for text in ('bad.toml:2: [security] field "deny_networks": "10.1.2.3/8" is not a network: '
                 'it has bits set past the prefix length (did you mean 10.0.0.0/8?)',
                 '"metadata" is not a network: "metadata" is not an IP address'):
        if text not in out:
            failures.append("sluice check output lacks %r:\n%s" % (text, out))

    if failures:
        print("work directory kept: %s" % workdir)
        for f in failures:
            print("FAIL: " + f)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
