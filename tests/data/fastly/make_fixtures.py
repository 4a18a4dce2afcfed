#!/usr/bin/env python3
"""Writes the Fastly-style batch requests that tests/sources/fastly_source_test.cc replays (tests/data/fastly).

Each file is one HTTP/1.1 request as a Fastly HTTPS logging endpoint sends it, built from the
endpoint's documented settings (method, content_type, header_name/header_value, json_format,
message_type, gzip_level): a request line, headers with CRLF, and the batch. The entries are
request records in sluice's field names, as the Fastly endpoint's format would render them.
Run it again only to change the fixtures; the output is deterministic.
"""

import gzip
import json

RECORDS = [
    {"req.method": "GET", "req.url": "/index.html", "resp.status": 200},
    {"req.method": "POST", "req.url": "/api/v1/items?id=7", "resp.status": 201},
    {"req.method": "GET", "req.url": "/caf\u00e9 \"menu\"", "resp.status": 404},
]
CLASSIC = "<134>2026-11-21T08:00:00Z cache-nrt1234 sluice-https[62959]: "
LOGGLY = "<134>1 2026-11-21T08:00:00.000Z cache-nrt1234 sluice-https - - - "


def entry(record):
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def request(method, content_type, body, extra=()):
    head = [f"{method} /fastly/logs HTTP/1.1", "Host: logs.example.com",
            f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    head += list(extra)
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def logplex(line):
    framed = LOGGLY + line
    return f"{len(framed.encode())} {framed}"


def main():
    lines = [entry(r) for r in RECORDS]
    fixtures = {
        # json_format 0, message_type classic (Fastly's defaults)
        "json_format_0_classic.http": request(
            "POST", "text/plain", "\n".join(CLASSIC + l for l in lines).encode()),
        # json_format 1 (an array), message_type blank, PUT
        "json_format_1_blank_put.http": request(
            "PUT", "application/json", ("[" + ",".join(lines) + "]").encode()),
        # json_format 2 (NDJSON), message_type loggly, a custom header
        "json_format_2_loggly.http": request(
            "POST", "application/x-ndjson", "".join(LOGGLY + l + "\n" for l in lines).encode(),
            ["Authorization: Bearer fastly-secret"]),
        # json_format 2, message_type logplex, gzip_level 6
        "json_format_2_logplex_gzip.http": request(
            "POST", "application/x-ndjson",
            gzip.compress("".join(logplex(l) + "\n" for l in lines).encode(), 6, mtime=0),
            ["Content-Encoding: gzip"]),
    }
    for name, data in fixtures.items():
        with open(name, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
