"""The receivers of bench/compare.py: sluice, rsyslog and syslog-ng, configured per workload.

Every receiver is a fresh process with its configuration in its own directory under the work
directory, listening on 127.0.0.1 only. Each factory returns a Receiver, or raises NotAvailable
with the reason the table prints (rsyslog has no HTTP output on Debian, syslog-ng's http module
is missing, ...).

What each receiver does per workload (the table in docs/benchmarks.md says the same):
  W1  syslog TCP -> file, the message as it is
      sluice:    syslog source -> file endpoint, message_type blank (the log statement's message,
                 its "syslog svc1 bench :: " prefix stripped)
      rsyslog:   imtcp -> omfile "%msg%\\n"
      syslog-ng: network(tcp) -> file() "${MSG}\\n"
  W2  syslog TCP, the message a JSON request record -> parse -> the 16-field 004 JSON -> file
      sluice:    syslog source (service svc1: a message that is a JSON object is a request
                 record of svc1) -> file endpoint, format kJson004 (bench/bench_inputs.h)
      rsyslog:   imtcp -> mmjsonparse (cookie "") -> RainerScript for the computed fields
                 (timestamp through parse_time/format_time, fastly_is_edge, response_reason's
                 null, host's fallback) -> omfile with a list template, json-escaping the fields
                 that kJson004 escapes (format="json")
      syslog-ng: network(tcp) -> json-parser -> date-parser (time.start) -> file() with
                 $(format-json ...) over the same 16 fields (format-json escapes every string)
  W3  as W2, but the lines go as NDJSON over HTTP to bench/count_server.js
      sluice:    https endpoint, json_format "2", request_max_entries 10000, period_ms 200
      syslog-ng: http() (syslog-ng-mod-http), the same template, batch-lines(10000),
                 batch-timeout(200), delimiter "\\n" and a final "\\n", workers(4) (sluice's
                 concurrency default is 4 requests in flight)
      rsyslog:   n/a (Debian's rsyslog has no omhttp)
  W4  HTTP ingest (POST /ingest/svc1/requests, NDJSON) -> kJson004 -> file; sluice only
"""

import glob
import os
import re
import shutil
import subprocess
import time

from procs import terminate
from rsyslog_bench import free_port, port_accepts

HERE = os.path.dirname(os.path.abspath(__file__))
SYSLOG_NG_ROOT = "/var/cache/sluice-peers/syslog-ng"


class NotAvailable(Exception):
    """This receiver cannot run this workload; the message says why (printed as n/a)."""


def json004_format():
    """kJson004 from bench/bench_inputs.h: the C++ raw string pieces joined, so that the
    end-to-end figures and the micro benchmarks render the same format."""
    with open(os.path.join(HERE, "bench_inputs.h")) as f:
        src = f.read()
    m = re.search(r'kJson004\s*=\s*((?:\s*R"\(.*?\)")+)\s*;', src, re.S)
    if not m:
        raise RuntimeError("kJson004 not found in bench/bench_inputs.h")
    return "".join(re.findall(r'R"\((.*?)\)"', m.group(1), re.S))


class Receiver:
    """The measured process, started fresh for one run, and the helper processes it needs (the
    counting HTTP receiver of W3), started before it.

    port: where the sender sends (syslog TCP, or HTTP ingest for W4); out: the output file the
    line counter reads (None when stats_port counts instead)."""

    def __init__(self, name, argv, port, workdir, out=None, env=None, helpers=(),
                 stats_port=None):
        self.name, self.argv, self.port, self.workdir = name, argv, port, workdir
        self.out, self.env, self.helpers, self.stats_port = out, env, list(helpers), stats_port
        self.proc = None
        self.helper_procs = []

    def start(self):
        for argv, port in self.helpers:
            helper = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            self.helper_procs.append(helper)
            self._wait(helper, port, os.path.basename(argv[1]) if len(argv) > 1 else argv[0])
        log = open(os.path.join(self.workdir, f"{self.name}.log"), "ab")
        env = dict(os.environ, **self.env) if self.env else None
        self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        log.close()
        self._wait(self.proc, self.port, self.name)
        # The probe connection is gone and an https endpoint has had its challenge answered.
        time.sleep(0.5)

    def _wait(self, proc, port, what):
        deadline = time.monotonic() + 30
        while not port_accepts(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start listening on {port}; "
                                   f"see {self.workdir}/{self.name}.log")
            time.sleep(0.05)

    def stop(self):
        terminate(self.proc)
        for helper in self.helper_procs:
            terminate(helper)
        self.helper_procs = []


def fresh_dir(workdir, name):
    d = os.path.join(workdir, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def count_server(port):
    return (["node", os.path.join(HERE, "count_server.js"), str(port)], port)


# ---------------------------------------------------------------------------------------------
# sluice

def toml_literal(text):
    """A TOML multi-line literal string: no escapes at all, so the format goes in as it is."""
    if "'''" in text or "\n" in text:
        raise ValueError("the format cannot be a TOML literal string")
    return "'''" + text + "'''"


def sluice(ctx, workload):
    d = fresh_dir(ctx.workdir, ctx.name)
    port = free_port()
    head = f'[api]\nlisten = "127.0.0.1:{free_port()}"\n\n'
    syslog_source = (f'[[source]]\ntype = "syslog"\nlisten = "127.0.0.1:{port}"\n'
                     f'protocol = "tcp"\nservice = "svc1"\n\n')
    helpers, stats_port, out = [], None, ctx.out
    fmt = toml_literal(json004_format())
    if workload == "W1":
        source = syslog_source
        endpoint = f'type = "file"\npath = "{out}"\nmessage_type = "blank"\nformat = "%h"\n'
    elif workload == "W2":
        source = syslog_source
        endpoint = f'type = "file"\npath = "{out}"\nmessage_type = "blank"\nformat = {fmt}\n'
    elif workload == "W3":
        source = syslog_source
        stats_port, out = free_port(), None
        helpers.append(count_server(stats_port))
        endpoint = (f'type = "https"\nurl = "http://127.0.0.1:{stats_port}/logs"\n'
                    f'json_format = "2"\nperiod_ms = 200\nrequest_max_entries = 10000\n'
                    f'queue_max_bytes = "256MiB"\nformat = {fmt}\n')
    elif workload == "W4":
        source = f'[[source]]\ntype = "http"\nlisten = "127.0.0.1:{port}"\n\n'
        endpoint = f'type = "file"\npath = "{out}"\nmessage_type = "blank"\nformat = {fmt}\n'
    else:
        raise ValueError(workload)
    conf = os.path.join(d, "sluice.toml")
    with open(conf, "w") as f:
        f.write(head + source + '[[service]]\nid = "svc1"\n\n[[service.logging]]\n'
                'name = "bench"\n' + endpoint)
    return Receiver(ctx.name, ctx.prefix + [ctx.binary, "run", "-c", conf], port, ctx.workdir,
                    out=out, helpers=helpers, stats_port=stats_port)


# ---------------------------------------------------------------------------------------------
# rsyslog

# W2's 16 fields as an rsyslog list template over mmjsonparse's $! tree. The computed fields are
# set in the ruleset (RSYSLOG_JSON004_SETUP) as local variables ($.). format="json" escapes
# without adding quotes, where kJson004 has json.escape; the fields kJson004 writes as they are
# (client_ip, geo_country, host, the numbers) are written as they are here too.
RSYSLOG_JSON004 = r'''template(name="json004" type="list") {
  constant(value="{\"timestamp\": \"") property(name="$.ts")
  constant(value="\",\"client_ip\": \"") property(name="$!req.http.Fastly-Client-IP")
  constant(value="\",\"geo_country\": \"") property(name="$!client.geo.country_name")
  constant(value="\",\"url\": \"") property(name="$!req.url" format="json")
  constant(value="\",\"request_referer\": \"") property(name="$!req.http.Referer" format="json")
  constant(value="\",\"request_user_agent\": \"")
  property(name="$!req.http.User-Agent" format="json")
  constant(value="\",\"fastly_is_edge\": ") property(name="$.edge")
  constant(value=",\"response_state\": \"") property(name="$!fastly_info.state" format="json")
  constant(value="\",\"response_status\": ") property(name="$!resp.status")
  constant(value=",\"response_reason\": ") property(name="$.rq")
  property(name="$!resp.response" format="json") property(name="$.rq") property(name="$.rnull")
  constant(value=",\"response_body_size\": ") property(name="$!resp.body_bytes_written")
  constant(value=",\"request_method\": \"") property(name="$!req.method" format="json")
  constant(value="\",\"request_protocol\": \"") property(name="$!req.proto" format="json")
  constant(value="\",\"fastly_server\": \"") property(name="$!server.identity" format="json")
  constant(value="\",\"host\": \"") property(name="$.host")
  constant(value="\"}\n")
}
'''

RSYSLOG_JSON004_SETUP = r'''  action(type="mmjsonparse" cookie="")
  set $.ts = format_time(parse_time($!time.start), "date-rfc3339");
  if $!fastly.ff.visits_this_service == 0 then set $.edge = "true"; else set $.edge = "false";
  if $!resp.response != "" then { set $.rq = "\""; set $.rnull = ""; }
  else { set $.rq = ""; set $.rnull = "null"; }
  if $!req.http.Fastly-Orig-Host != "" then set $.host = $!req.http.Fastly-Orig-Host;
  else set $.host = $!req.http.Host;
'''


def rsyslog(ctx, workload):
    if workload == "W3":
        raise NotAvailable("Debian's rsyslog has no omhttp")
    if workload == "W4":
        raise NotAvailable("no HTTP ingest of request records")
    d = fresh_dir(ctx.workdir, ctx.name)
    port = free_port()
    if workload == "W1":
        modules, template = "", 'template(name="out" type="string" string="%msg%\\n")\n'
        steps = ""
    else:
        modules, template, steps = 'module(load="mmjsonparse")\n', RSYSLOG_JSON004, \
            RSYSLOG_JSON004_SETUP
    tname = "out" if workload == "W1" else "json004"
    conf = os.path.join(d, "rsyslog.conf")
    with open(conf, "w") as f:
        f.write(f'global(workDirectory="{d}")\nmodule(load="imtcp")\n{modules}{template}'
                f'input(type="imtcp" address="127.0.0.1" port="{port}" ruleset="bench")\n'
                f'ruleset(name="bench") {{\n{steps}'
                f'  action(type="omfile" file="{ctx.out}" template="{tname}")\n}}\n')
    return Receiver(ctx.name, ctx.prefix + [ctx.rsyslogd, "-n", "-f", conf, "-i",
                                            os.path.join(d, "rsyslogd.pid")],
                    port, ctx.workdir, out=ctx.out)


# ---------------------------------------------------------------------------------------------
# syslog-ng, extracted by scripts/setup under SYSLOG_NG_ROOT (it conflicts with rsyslog in apt)

def syslog_ng_paths(root):
    """(binary, library dir, module dir) of an extracted syslog-ng, or None."""
    binary = os.path.join(root, "usr/sbin/syslog-ng")
    mods = sorted(glob.glob(os.path.join(root, "usr/lib/syslog-ng/[0-9]*")))
    if not os.access(binary, os.X_OK) or not mods:
        return None
    return binary, os.path.join(root, "usr/lib/syslog-ng"), mods[-1]


# W2's 16 fields through format-json, which escapes every string value. The differences from
# kJson004's output: the keys come out sorted, the timestamp is ISODATE (+00:00 rather than
# +0000), and a record without resp.response gets "" rather than null.
SYSLOG_NG_JSON004 = (
    "$(format-json --scope none"
    " timestamp=${ISODATE}"
    " client_ip=${.j.req.http.Fastly-Client-IP}"
    " geo_country=${.j.client.geo.country_name}"
    " url=${.j.req.url}"
    " request_referer=${.j.req.http.Referer}"
    " request_user_agent=${.j.req.http.User-Agent}"
    " fastly_is_edge=boolean($(if ('${.j.fastly.ff.visits_this_service}' == '0')"
    " 'true' 'false'))"
    " response_state=${.j.fastly_info.state}"
    " response_status=int64(${.j.resp.status})"
    " response_reason=${.j.resp.response}"
    " response_body_size=int64(${.j.resp.body_bytes_written})"
    " request_method=${.j.req.method}"
    " request_protocol=${.j.req.proto}"
    " fastly_server=${.j.server.identity}"
    " host=$(if ('${.j.req.http.Fastly-Orig-Host}' ne '') '${.j.req.http.Fastly-Orig-Host}'"
    " '${.j.req.http.Host}'))")

# The network source's flow-control window: syslog-ng divides log-iw-size among max-connections
# (10 by default), so its default of 1000 leaves one connection 100 messages in flight; its
# performance guide raises both the window and the fetch limit. flow-control on the log path
# makes a full destination queue slow the source down instead of dropping (rsyslog's imtcp and
# sluice's block do the same).
SYSLOG_NG_SOURCE_OPTS = "log-iw-size(100000) log-fetch-limit(1000) max-connections(10)"
SYSLOG_NG_FIFO = "log-fifo-size(100000)"


def syslog_ng(ctx, workload):
    if workload == "W4":
        raise NotAvailable("no HTTP ingest of request records")
    paths = syslog_ng_paths(ctx.syslog_ng_root)
    if paths is None:
        raise NotAvailable(f"not extracted under {ctx.syslog_ng_root} (scripts/setup)")
    binary, libdir, moddir = paths
    if workload == "W3" and not os.path.exists(os.path.join(moddir, "libhttp.so")):
        raise NotAvailable("syslog-ng-mod-http is not extracted (scripts/setup)")
    d = fresh_dir(ctx.workdir, ctx.name)
    port = free_port()
    helpers, stats_port, out = [], None, ctx.out
    parsers = ""
    if workload == "W1":
        dest = f'file("{out}" template("${{MSG}}\\n") {SYSLOG_NG_FIFO})'
    else:
        parsers = ('parser { json-parser(prefix(".j.")); };\n'
                   '  parser { date-parser(format("%Y-%m-%dT%H:%M:%S.%f%z") '
                   'template("${.j.time.start}")); };\n  ')
        if workload == "W2":
            dest = (f'file("{out}" ts-format(iso) frac-digits(0) {SYSLOG_NG_FIFO}\n'
                    f'    template("{SYSLOG_NG_JSON004}\\n"))')
        else:
            stats_port, out = free_port(), None
            helpers.append(count_server(stats_port))
            dest = (f'http(url("http://127.0.0.1:{stats_port}/logs") method("POST")\n'
                    f'    headers("Content-Type: application/x-ndjson")\n'
                    f'    batch-lines(10000) batch-timeout(200) workers(4) {SYSLOG_NG_FIFO}\n'
                    f'    delimiter("\\n") body-suffix("\\n") ts-format(iso) frac-digits(0)\n'
                    f'    body("{SYSLOG_NG_JSON004}"))')
    conf = os.path.join(d, "syslog-ng.conf")
    with open(conf, "w") as f:
        f.write(f'@version: 3.38\noptions {{ stats_freq(0); }};\n'
                f'source s_bench {{ network(ip("127.0.0.1") port({port}) transport("tcp")\n'
                f'    {SYSLOG_NG_SOURCE_OPTS}); }};\n'
                f'destination d_bench {{ {dest}; }};\n'
                f'log {{ source(s_bench);\n  {parsers}destination(d_bench);'
                f' flags(flow-control); }};\n')
    argv = ctx.prefix + [binary, "-F", "-f", conf, "-R", os.path.join(d, "persist"),
                         "-p", os.path.join(d, "syslog-ng.pid"), "-c", os.path.join(d, "ctl"),
                         f"--module-path={moddir}"]
    return Receiver(ctx.name, argv, port, ctx.workdir, out=out,
                    env={"LD_LIBRARY_PATH": libdir}, helpers=helpers, stats_port=stats_port)


FACTORIES = {"sluice": sluice, "rsyslog": rsyslog, "syslog-ng": syslog_ng}


def syslog_ng_version(root):
    paths = syslog_ng_paths(root)
    if paths is None:
        return None
    try:
        text = subprocess.run([paths[0], "--version"], env=dict(os.environ,
                              LD_LIBRARY_PATH=paths[1]), capture_output=True, text=True,
                              timeout=10).stdout
    except OSError:
        return None
    m = re.search(r"^Revision: (\S+)", text, re.M) or re.search(r"\(([\d.]+)\)", text)
    return m.group(1) if m else text.splitlines()[0] if text else None
