#!/usr/bin/env python3
"""The Fastly HTTPS log receiver (source type "fastly") end to end, with sluice's own https
endpoint playing Fastly: it asks the domain-ownership challenge and sends batches exactly as a
Fastly HTTPS logging endpoint is configured to (json_format 0/1/2, message_type
classic/loggly/logplex/blank, PUT, gzip, a custom header).

  sender sluice  --https (challenge, then batches)-->  receiver sluice (type "fastly")  --> file

The records receiver serves HTTPS (tls_cert/tls_key), as Fastly requires; the lines receiver
plain HTTP. Checks: every record arrives once per sending endpoint and is rendered by the receiver's own
format; lines (payload = "line") reach the named endpoint as they are, prefix removed; a service
whose id the receiver does not accept fails the challenge and sends nothing; a wrong custom
header is refused. Everything stays on 127.0.0.1."""

import argparse
import collections
import json
import os
import sys
import tempfile

from harness import (Sluice, file_endpoint, free_port, make_pki, read_lines,
                     service_toml, wait_until)

RECORD_FORMAT = ('{"req.method":"%{json.escape(req.method)}V",'
                 '"req.url":"%{json.escape(req.url)}V","resp.status":%{resp.status}V}')


def https_endpoint(name, url, ca, fields=""):
    return """
  [[service.logging]]
  type = "https"
  name = "%s"
  url = "%s"
  format = '%s'
  period_ms = 200
  header_name = "Authorization"
  header_value = "Bearer edge-secret"
  tls_ca_cert = "%s"
%s
""" % (name, url, RECORD_FORMAT, ca, fields)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sluice", required=True)
    args = p.parse_args()
    failures = []

    def check(what, got, want):
        if got != want:
            failures.append("%s:\n  got  %r\n  want %r" % (what, got, want))

    with tempfile.TemporaryDirectory() as w:
        out, raw = os.path.join(w, "records.log"), os.path.join(w, "raw.log")
        records_port, lines_port = free_port(), free_port()
        pki = make_pki(w)
        ca = pki["ca.pem"]
        fastly_sources = """[[source]]
type = "fastly"
listen = "127.0.0.1:%d"
service = "edge"
fastly_service_ids = ["fastlysvc", "another-service"]
header_name = "Authorization"
header_value = "Bearer edge-secret"
tls_cert = "%s"
tls_key = "%s"

[[source]]
type = "fastly"
listen = "127.0.0.1:%d"
service = "edge"
fastly_service_ids = ["*"]
payload = "line"
endpoint = "raw"

""" % (records_port, pki["server.pem"], pki["server.key"], lines_port)
        receiver = Sluice(args.sluice, w, "receiver", service_toml("edge", """
  [[service.logging]]
  type = "file"
  name = "records"
  path = "%s"
  format = '%%m %%{req.url}V %%>s'
""" % out + file_endpoint("raw", raw)), storage=False, sources=fastly_sources)
        # Fastly sends only to https URLs: this receiver serves TLS with a test CA's certificate.
        url = "https://127.0.0.1:%d/fastly/logs" % records_port
        sender = None
        try:
            endpoints = (
                https_endpoint("j0-classic", url, ca,
                               '  json_format = "0"\n  message_type = "classic"')
                + https_endpoint("j1-blank-put", url, ca,
                                 '  json_format = "1"\n  message_type = "blank"\n  method = "PUT"')
                + https_endpoint("j2-loggly-gzip", url, ca, '  json_format = "2"\n'
                                 '  message_type = "loggly"\n  compression_codec = "gzip"')
                + https_endpoint("j2-logplex", url, ca,
                                 '  json_format = "2"\n  message_type = "logplex"'))
            lines_endpoint = """
  [[service.logging]]
  type = "https"
  name = "lines"
  url = "http://127.0.0.1:%d/"
  format = '%%m %%{req.url}V'
  message_type = "classic"
  period_ms = 200
""" % lines_port
            stranger = https_endpoint("stranger", url, ca)
            wrong_header = https_endpoint("wrong-header", url, ca).replace(
                "Bearer edge-secret", "Bearer guess")
            sender = Sluice(args.sluice, w, "sender",
                            service_toml("fastlysvc", endpoints + lines_endpoint)
                            + service_toml("notaccepted", stranger)
                            + service_toml("another-service", wrong_header), storage=False)
            records = [{"req.method": "GET", "req.url": "/r%03d?q=caf\u00e9" % i,
                        "resp.status": 200 + i % 5} for i in range(50)]
            sender.send_records("fastlysvc", records)
            sender.send_records("notaccepted", records[:3])
            sender.send_records("another-service", records[:3])
            want = collections.Counter(
                "GET %s %d" % (r["req.url"], r["resp.status"]) for r in records)
            wait_until(lambda: len(read_lines(out)) >= 4 * len(records), 30,
                       "four copies of every record at the receiver")
            wait_until(lambda: len(read_lines(raw)) >= len(records), 30, "the raw lines")
            got = collections.Counter(read_lines(out))
            check("each record once per sending endpoint (4), rendered by the receiver",
                  got, collections.Counter({k: 4 * v for k, v in want.items()}))
            check("lines as they are, without the classic prefix", sorted(read_lines(raw)),
                  sorted("GET %s" % r["req.url"] for r in records))

            def state(name):
                return sender.endpoint_status(name)
            wait_until(lambda: state("stranger")["state"] == "challenge_failed", 15,
                       "a service the receiver does not accept to fail the challenge")
            wait_until(lambda: state("wrong-header")["last_error"], 15,
                       "the wrong header to be refused")
            check("the wrong header's error names the receiver's reason",
                  "HTTP 401" in state("wrong-header")["last_error"]["message"] and
                  "Authorization header is missing or wrong" in
                  state("wrong-header")["last_error"]["message"], True)
            check("nothing of the refused services arrived", len(read_lines(out)),
                  4 * len(records))
        except AssertionError:
            if sender:
                print(json.dumps(sender.status()["endpoints"], indent=1)[:3000])
            print(receiver.stderr()[-2000:])
            raise
        finally:
            if sender:
                sender.stop()
            receiver.stop()
    if failures:
        print("FAIL\n" + "\n".join(failures))
        return 1
    print("ok: fastly receiver (challenge, json_format 0/1/2, classic/loggly/logplex/blank, "
          "PUT, gzip, custom header, lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
