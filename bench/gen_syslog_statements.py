#!/usr/bin/env python3
"""Writes the rsyslog benchmark workload: N log statements of about SIZE bytes in RFC 3164
frames, one per line (LF framing), e.g.

  <134>Nov 21 08:00:00 host app: syslog svc1 bench :: 0000001 xxxxxxxx...

Usage: gen_syslog_statements.py OUT [--lines 2000000] [--size 300] [--service svc1]
       [--endpoint bench]
Prints the number of bytes written.
"""

import argparse


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--lines", type=int, default=2_000_000)
    p.add_argument("--size", type=int, default=300, help="bytes per frame, newline included")
    p.add_argument("--service", default="svc1")
    p.add_argument("--endpoint", default="bench")
    args = p.parse_args()
    head = f"<134>Nov 21 08:00:00 host app: syslog {args.service} {args.endpoint} :: "
    total = 0
    with open(args.out, "wb", buffering=1 << 20) as f:
        batch = []
        for i in range(args.lines):
            body = f"{i:07d} "
            pad = max(0, args.size - 1 - len(head) - len(body))
            batch.append(head + body + "x" * pad + "\n")
            if len(batch) == 10000:
                data = "".join(batch).encode()
                total += len(data)
                f.write(data)
                batch.clear()
        data = "".join(batch).encode()
        total += len(data)
        f.write(data)
    print(total)


if __name__ == "__main__":
    main()
