#!/usr/bin/env python3
"""Writes N varied, realistic request records (NDJSON, ~600 bytes each) for benchmarks.

    bench/gen_records.py [N] > records.ndjson

The output is deterministic: the same N gives the same bytes on every machine (a fixed seed and
no dependence on the clock or the locale), so timings taken on different days compare.
"""

import json
import random
import sys

HOSTS = ["www.example.com", "api.example.com", "static.example.net", "cdn.example.org",
         "shop.example.co.jp", "img.example.com", "m.example.com", "assets.example.io"]
PATHS = ["/", "/index.html", "/assets/app/main.{h}.js", "/assets/css/site.{h}.css",
         "/img/products/{n}/hero.jpg", "/img/logo.svg", "/api/v1/items/{n}", "/api/v1/search",
         "/api/v2/users/{n}/orders", "/products/{n}", "/blog/2026/11/{n}-release-notes.html",
         "/fonts/inter-var.woff2", "/video/seg-{n}.m4s", "/favicon.ico", "/robots.txt",
         "/checkout/cart", "/static/{h}/chunk-{n}.js", "/download/sluice-{n}.tar.gz"]
QUERIES = ["", "", "", "?v={h}", "?page={n}", "?q=shoes&sort=price&page={n}",
           "?utm_source=news&utm_medium=email&utm_campaign=nov{n}", "?w=640&h=480&fit=crop",
           "?id={n}&lang=en", "?q=caf%C3%A9+%22menu%22", "?callback=jQuery{n}_{h}"]
METHODS = ["GET"] * 16 + ["POST"] * 2 + ["HEAD", "PUT", "DELETE", "OPTIONS"]
PROTOS = ["HTTP/1.1"] * 3 + ["HTTP/2"] * 4 + ["HTTP/3"]
STATUSES = ([(200, "OK")] * 40 + [(304, "Not Modified")] * 8 + [(206, "Partial Content")] * 2 +
            [(301, "Moved Permanently"), (302, "Found"), (404, "Not Found"), (404, "Not Found"),
             (403, "Forbidden"), (500, "Internal Server Error"), (503, "Service Unavailable"),
             (429, "Too Many Requests")])
UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.43 Mobile Safari/537.36",
    "curl/8.4.0",
    "curl/7.88.1",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
    "okhttp/4.12.0",
    "okhttp/4.9.3",
    "python-requests/2.31.0",
    "Mozilla/5.0 (compatible; \"quoted\" bot/1.0; +https://example.com/bot)",
]
LANGS = ["en-US,en;q=0.9", "en-GB,en;q=0.9,fr;q=0.8", "ja,en-US;q=0.9,en;q=0.8",
         "de-DE,de;q=0.9,en;q=0.7", "fr-FR,fr;q=0.9", "es-ES,es;q=0.9,en;q=0.5", "*"]
CACHE_CONTROL = ["no-cache", "max-age=0", "no-store", "max-age=3600, must-revalidate",
                 "no-cache, no-transform"]
DATACENTERS = ["NRT", "HND", "SJC", "LAX", "IAD", "LHR", "FRA", "AMS", "SYD", "GRU", "CDG"]
STATES = ["HIT", "HIT", "HIT", "MISS", "PASS", "HIT-STALE", "MISS-CLUSTER", "HIT-SYNTH", "ERROR"]
COUNTRIES = ["Japan", "United States", "United Kingdom", "Germany", "France", "Australia",
             "Brazil", "Côte d'Ivoire", "España"]

START = 1795248000  # 2026-11-21T08:00:00Z


def iso(sec, usec):
    days, rem = divmod(sec, 86400)
    # Civil date from days since the epoch (Howard Hinnant's algorithm), locale-free.
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y += m <= 2
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (y, m, d, rem // 3600, rem // 60 % 60,
                                                    rem % 60, usec)


def record(rng, i):
    n = rng.randrange(1, 100000)
    h = "%08x" % rng.getrandbits(32)
    url = rng.choice(PATHS).format(n=n, h=h) + rng.choice(QUERIES).format(n=n, h=h)
    host = rng.choice(HOSTS)
    status, reason = rng.choice(STATUSES)
    ip = "%d.%d.%d.%d" % (rng.choice([192, 198, 203, 100, 172]), rng.randrange(256),
                          rng.randrange(256), rng.randrange(1, 255))
    if rng.random() < 0.1:
        ip = "2001:db8:%x:%x::%x" % (rng.getrandbits(16), rng.getrandbits(16), rng.getrandbits(16))
    sec = START + i // 2000  # ~2000 requests per second, in order, as a stream arrives
    body = 0 if status in (304, 204) else rng.randrange(100, 2_000_000)
    r = {
        "req.method": rng.choice(METHODS),
        "req.url": url,
        "req.proto": rng.choice(PROTOS),
        "req.http.Host": host,
        "req.http.Fastly-Client-IP": ip,
        "req.http.User-Agent": rng.choice(UAS),
        "req.http.Referer": "https://%s/%s" % (rng.choice(HOSTS), rng.choice(["", "?q=a", "p/%d" % n])),
        "req.http.Accept-Language": rng.choice(LANGS),
        "resp.status": status,
        "resp.response": reason,
        "resp.body_bytes_written": body,
        "time.start": iso(sec, rng.randrange(1000000)),
        "time.elapsed.usec": int(rng.expovariate(1 / 4000)) + 50,
        "server.identity": "cache-%s%d" % (rng.choice(DATACENTERS).lower(), rng.randrange(1000, 9999)),
        "client.geo.country_name": rng.choice(COUNTRIES),
        "fastly_info.state": rng.choice(STATES),
        "fastly.ff.visits_this_service": 0 if rng.random() < 0.8 else 1,
    }
    if rng.random() < 0.4:
        r["req.http.Cache-Control"] = rng.choice(CACHE_CONTROL)
    if rng.random() < 0.05:
        del r["resp.response"]
    if rng.random() < 0.1:
        r["req.http.Fastly-Orig-Host"] = "origin." + host
    return r


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(20261121)
    out = sys.stdout
    chunk = []
    for i in range(count):
        chunk.append(json.dumps(record(rng, i), ensure_ascii=False, separators=(",", ":")))
        if len(chunk) == 10000:
            out.write("\n".join(chunk) + "\n")
            chunk = []
    if chunk:
        out.write("\n".join(chunk) + "\n")


if __name__ == "__main__":
    sys.stdout.reconfigure(encoding="utf-8")
    main()
