"""Shared pieces of the syslog end-to-end tests: a real rsyslogd as the receiver, a running
sluice, certificates, HTTP and metrics helpers. Python standard library only.

Everything listens on 127.0.0.1 with ports the kernel picked as free, and every process is
stopped by its PID.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import free_port  # noqa: E402,F401  (re-exported to the rsyslog tests)


def wait_for(predicate, timeout=20.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def port_accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def find_rsyslogd():
    for p in (shutil.which("rsyslogd"), "/usr/sbin/rsyslogd", "/sbin/rsyslogd"):
        if p and os.path.exists(p):
            return p
    return None


def make_certs(directory):
    """A throwaway CA and a server certificate for localhost and 127.0.0.1 (EC keys: fast)."""
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    run("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=sluice-e2e-ca", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign")
    with open(os.path.join(directory, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("req", *key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    return {name: os.path.join(directory, name) for name in
            ("ca.pem", "server.pem", "server.key")}


class Rsyslog:
    """rsyslogd in the foreground with a private config, work directory and PID file.

    `inputs` is a list of dicts: {"port", "file", "template": "raw"|"msg",
    "octet_counting": bool, "udp": bool, "slow": microseconds to pause per 100 messages}. Each input has its own ruleset and output file, so
    every endpoint's lines can be checked on their own. With `tls` (paths of ca.pem, server.pem,
    server.key) every TCP input speaks TLS through the OpenSSL stream driver.
    """

    def __init__(self, workdir, inputs, tls=None, name="rsyslog"):
        self.binary = find_rsyslogd()
        self.dir = os.path.join(workdir, name)
        os.makedirs(os.path.join(self.dir, "spool"), exist_ok=True)
        self.inputs = inputs
        self.conf = os.path.join(self.dir, "rsyslog.conf")
        self.pidfile = os.path.join(self.dir, "rsyslogd.pid")
        self.log = os.path.join(self.dir, "rsyslogd.log")
        self.proc = None
        lines = [
            # Large lines (sluice allows 64 KiB), control characters kept as they are, and no
            # system inputs: only the ports below.
            f'global(workDirectory="{self.dir}/spool" maxMessageSize="128k"'
            ' parser.escapeControlCharactersOnReceive="off"'
            + (f' DefaultNetstreamDriverCAFile="{tls["ca.pem"]}"'
               f' DefaultNetstreamDriverCertFile="{tls["server.pem"]}"'
               f' DefaultNetstreamDriverKeyFile="{tls["server.key"]}"' if tls else "")
            + ")",
            'template(name="raw" type="string" string="%rawmsg%\\n")',
            'template(name="msg" type="string" string="%msg%\\n")',
        ]
        if any(not i.get("udp") for i in inputs):
            if tls:
                lines.append('module(load="imtcp" StreamDriver.Name="ossl" StreamDriver.Mode="1"'
                             ' StreamDriver.AuthMode="anon")')
            else:
                lines.append('module(load="imtcp")')
        if any(i.get("udp") for i in inputs):
            lines.append('module(load="imudp")')
        for n, i in enumerate(inputs):
            ruleset = f"r{n}"
            if i.get("udp"):
                lines.append(f'input(type="imudp" address="127.0.0.1" port="{i["port"]}"'
                             f' ruleset="{ruleset}")')
            else:
                octets = "on" if i.get("octet_counting") else "off"
                lines.append(f'input(type="imtcp" address="127.0.0.1" port="{i["port"]}"'
                             f' ruleset="{ruleset}" SupportOctetCountedFraming="{octets}")')
            # "slow": a receiver that lags behind its input, as a loaded one does. A small queue
            # in front of a throttled dequeue: lines back up in the socket buffers, where a crash
            # loses them, rather than in a big in-memory queue.
            queue = (' queue.type="FixedArray" queue.size="1000" queue.dequeueBatchSize="100"'
                     f' queue.dequeueSlowdown="{i["slow"]}"' if i.get("slow") else "")
            lines.append(f'ruleset(name="{ruleset}"{queue}) {{ action(type="omfile"'
                         f' file="{i["file"]}" template="{i.get("template", "raw")}") }}')
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    def start(self):
        if os.path.exists(self.pidfile):
            os.unlink(self.pidfile)
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "-n", "-f", self.conf, "-i", self.pidfile],
            stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        logf.close()
        for i in self.inputs:
            if i.get("udp"):
                continue
            wait_for(lambda: port_accepts(i["port"]) or self.proc.poll() is not None,
                     timeout=20, what=f"rsyslogd to listen on {i['port']}")
            if self.proc.poll() is not None:
                raise AssertionError(f"rsyslogd exited: {self.tail_log()}")
        if any(i.get("udp") for i in self.inputs):
            time.sleep(0.5)  # no way to probe a UDP listener; imudp binds at start-up

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def tail_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()[-2000:]
        except OSError:
            return ""


class Sluice:
    """`sluice run -c CONFIG`, with the API on `api_port`."""

    def __init__(self, binary, workdir, config_text, api_port, name="sluice"):
        self.binary = binary
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.config = os.path.join(self.dir, "sluice.toml")
        self.log = os.path.join(self.dir, "sluice.log")
        self.api_port = api_port
        with open(self.config, "w") as f:
            f.write(config_text)
        self.proc = None

    def check(self):
        r = subprocess.run([self.binary, "check", "-c", self.config], capture_output=True,
                           text=True)
        if r.returncode != 0:
            raise AssertionError(f"sluice check failed:\n{r.stdout}{r.stderr}")

    def start(self):
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen([self.binary, "run", "-c", self.config], stdout=logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        logf.close()
        wait_for(lambda: self.proc.poll() is not None or port_accepts(self.api_port),
                 timeout=20, what="the sluice API")
        if self.proc.poll() is not None:
            raise AssertionError(f"sluice exited: {self.tail_log()}")

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def tail_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.api_port}{path}", timeout=10) as r:
            return r.read().decode()

    def metrics(self):
        """Prometheus text as {(name, frozenset(labels)): value}."""
        out = {}
        for line in self.get("/metrics").splitlines():
            if not line or line.startswith("#"):
                continue
            m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
            if not m:
                continue
            labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
            out[(m.group(1), labels)] = float(m.group(4))
        return out

    def metric(self, name, **labels):
        """The sum of the samples of `name` whose labels include `labels`."""
        want = set(labels.items())
        return sum(v for (n, ls), v in self.metrics().items() if n == name and want <= ls)

    def status(self):
        return json.loads(self.get("/status"))


def http_post(port, path, body, content_type="application/x-ndjson"):
    """POSTs `body` (str or bytes) and returns (status, parsed JSON or text)."""
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST",
                                 headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def read_lines(path):
    """The complete lines of a file (a partly written last line is left out)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    if not data:
        return []
    parts = data.split(b"\n")
    return [p.decode("utf-8", errors="replace") for p in parts[:-1]]


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0
