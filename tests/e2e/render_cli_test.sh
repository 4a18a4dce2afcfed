#!/usr/bin/env bash
# `sluice render`, `sluice run -c` and `sluice check` as a user runs them: arguments, files, stdin, exit codes and
# the messages on stderr.
set -u
sluice="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" != "$3" ]; then
    echo "FAIL $1"
    echo "  expected: $2"
    echo "  actual:   $3"
    failures=$((failures + 1))
  else
    echo "ok   $1"
  fi
}
contains() {  # contains NAME NEEDLE HAYSTACK
  case "$3" in
    *"$2"*) echo "ok   $1" ;;
    *) echo "FAIL $1: '$2' not in: $3"; failures=$((failures + 1)) ;;
  esac
}

cat > "$tmp/records.ndjson" <<'NDJSON'
{"req.method":"GET","req.url":"/a?b=1","req.proto":"HTTP/1.1","req.http.Host":"x.example.com","client.ip":"192.0.2.7","resp.status":200,"resp.body_bytes_written":512,"time.start":"2026-11-21T08:00:00Z","time.elapsed.usec":1834}
{"req.method":"POST","req.url":"/b","req.proto":"HTTP/2","req.http.Host":"y.example.com","client.ip":"192.0.2.8","resp.status":503,"resp.body_bytes_written":0,"time.start":"2026-11-21T08:00:01Z","time.elapsed.usec":20}
{"req.method": "GET", broken
{"req.method":"GET","req.url":"/c","req.proto":"HTTP/1.1","req.http.Host":"z.example.com","client.ip":"192.0.2.9","resp.status":404,"resp.body_bytes_written":7,"time.start":"2026-11-21T08:00:02Z","time.elapsed.usec":5}
NDJSON

# A format from the command line, records from a file; the bad line is reported, rendering goes on.
out=$("$sluice" render --format '%h "%r" %>s %b' --record "$tmp/records.ndjson" 2>"$tmp/err"); code=$?
check "render lines" '192.0.2.7 "GET /a?b=1 HTTP/1.1" 200 512
192.0.2.8 "POST /b HTTP/2" 503 -
192.0.2.9 "GET /c HTTP/1.1" 404 7' "$out"
check "exit 1 when a record was rejected" 1 "$code"
contains "bad record names its line" "records.ndjson:3: invalid JSON" "$(cat "$tmp/err")"
check "one stderr line per bad record plus the summary" 2 "$(wc -l < "$tmp/err" | tr -d ' ')"

# @path format, stdin records, a condition.
printf '%s' '{"status":%>s,"host":"%{json.escape(req.http.host)}V"}' > "$tmp/format.txt"
out=$(grep -v broken "$tmp/records.ndjson" | "$sluice" render -f @"$tmp/format.txt" --condition 'resp.status >= 400'); code=$?
check "format file, stdin, condition" '{"status":503,"host":"y.example.com"}
{"status":404,"host":"z.example.com"}' "$out"
check "exit 0 when every record rendered" 0 "$code"
out=$(grep -v broken "$tmp/records.ndjson" | "$sluice" render -f '%m' --record -)
check "--record - reads stdin" 'GET
POST
GET' "$out"

# Version 1 meanings.
out=$(head -1 "$tmp/records.ndjson" | "$sluice" render -f '%t "%r"' --format-version 1)
check "format version 1" 'Sat, 21 Nov 2026 08:00:00 GMT "GET /a?b=1"' "$out"

# Compile errors exit 2 and say where and why.
err=$("$sluice" render -f '%h %{std.tolowerr(req.url)}V' </dev/null 2>&1); code=$?
check "format error exits 2" 2 "$code"
contains "format error names column and reason" "col 6: unknown function std.tolowerr (did you mean std.tolower?)" "$err"
err=$("$sluice" render -f '%h' -c 'req.url ~ "(("' </dev/null 2>&1); code=$?
check "condition error exits 2" 2 "$code"
contains "condition error names the regex" 'condition: col 11: bad regex "(("' "$err"
err=$("$sluice" render -f '%Z' </dev/null 2>&1)
contains "unknown directive" "col 1: unknown directive %Z" "$err"
err=$("$sluice" render -f @"$tmp/missing.txt" </dev/null 2>&1); code=$?
check "missing format file exits 2" 2 "$code"
contains "missing format file named" "missing.txt" "$err"

# Line rules: a value with a newline is cut there and the cut is reported.
out=$(printf '%s\n' '{"req.url":"/a\nsecond"}' | "$sluice" render -f 'u=%{req.url}V' 2>"$tmp/err")
check "line cut at newline" 'u=/a' "$out"
contains "cut is counted" "1 line(s) cut at a newline or NUL" "$(cat "$tmp/err")"
out=$(printf '{"req.url":"%s"}\n' "$(head -c 100 /dev/zero | tr '\0' a)" | "$sluice" render -f '%{req.url}V' --max-line-bytes 10 2>/dev/null)
check "line cut at --max-line-bytes" 'aaaaaaaaaa' "$out"

# Help documents the command.
help=$("$sluice" render --help)
for opt in --format --format-version --condition --record --max-line-bytes; do
  contains "help mentions $opt" "$opt" "$help"
done

# `sluice run -c` with a stdin source: a pipeline stage that drains and exits at end of input.
cat > "$tmp/pipe.toml" <<'TOML'
shutdown_grace = "5s"
[api]
enabled = false
[[source]]
type = "stdin"
service = "default"
[[service]]
id = "default"
  [[service.logging]]
  type = "stdout"
  name = "stdout"
  format = '%h %l %u %t "%r" %>s %b'
TOML
out=$(printf '%s\n' "$(head -1 "$tmp/records.ndjson")" 'syslog default stdout :: hello' 'syslog default other :: lost' | timeout 20 "$sluice" run -c "$tmp/pipe.toml" 2>"$tmp/err"); code=$?
check "run: stdin pipeline output" '192.0.2.7 - - [21/Nov/2026:08:00:00 +0000] "GET /a?b=1 HTTP/1.1" 200 512
hello' "$out"
check "run: exits 0 at end of input" 0 "$code"
contains "run: unknown endpoint is reported, not silent" 'has no endpoint "other"' "$(cat "$tmp/err")"

# `sluice check` names the service, endpoint and field of each problem.
cat > "$tmp/bad.toml" <<'TOML'
[[service]]
id = "svc1"
  [[service.logging]]
  type = "syslog"
  name = "to_rsyslog"
  address = "127.0.0.1"
  prot = 5514
TOML
err=$("$sluice" check -c "$tmp/bad.toml" 2>&1); code=$?
check "check: invalid config exits 1" 1 "$code"
contains "check: names service, endpoint, field" 'service "svc1" endpoint "to_rsyslog" unknown field "prot" (did you mean "port"?)' "$err"
out=$("$sluice" check -c "$tmp/pipe.toml"); code=$?
check "check: valid config exits 0" 0 "$code"
contains "check: summary" "OK: 1 service(s), 1 endpoint(s), 1 source(s)" "$out"

# Typos in variable names are warnings: printed with the place and a suggestion, exit status 0.
cat > "$tmp/typo.toml" <<'TOML'
[[service]]
id = "svc1"
  [[service.condition]]
  name = "errors"
  statement = "resp.stauts >= 500"
  [[service.logging]]
  type = "stdout"
  name = "out"
  format = '%{req.urll}V %{req.http.X-Anything}V'
  response_condition = "errors"
[[source]]
type = "stdin"
service = "svc1"
[api]
enabled = false
TOML
"$sluice" check -c "$tmp/typo.toml" >"$tmp/out" 2>"$tmp/err"; code=$?
check "check: warnings alone exit 0" 0 "$code"
contains "check: format typo warned" 'warning: '"$tmp"'/typo.toml:9: service "svc1" endpoint "out" field "format": col 3: unknown variable "req.urll" (did you mean "req.url"?)' "$(cat "$tmp/err")"
contains "check: condition typo warned" 'service "svc1" condition "errors" field "statement": col 1: unknown variable "resp.stauts" (did you mean "resp.status"?)' "$(cat "$tmp/err")"
check "check: a header is not warned" 2 "$(grep -c warning: "$tmp/err")"
contains "check: summary counts warnings" "OK: 1 service(s), 1 endpoint(s), 1 source(s) (2 warning(s))" "$(cat "$tmp/out")"
: | timeout 20 "$sluice" run -c "$tmp/typo.toml" >/dev/null 2>"$tmp/err"; code=$?
check "run: warnings alone do not stop it" 0 "$code"
contains "run: logs the same warnings at start" 'sluice: warning: '"$tmp"'/typo.toml:9: service "svc1" endpoint "out" field "format": col 3: unknown variable "req.urll"' "$(cat "$tmp/err")"

echo "$failures failed"
[ "$failures" -eq 0 ]
