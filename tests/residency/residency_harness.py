"""Plumbing for the residency suite, on top of tests/integration/harness.py:
a test CA made with openssl, three Prosody instances federating on 5269 of
their own loopback addresses with certificate authentication, a private
PostgreSQL shared by the government instances, the smartoffice CLI, and
observers of what happened on the wire (TCP sessions per process, logs).

Nothing here knows what mod_residency decides; the cases in tests/residency/
run say what they expect.
"""

import hashlib
import json
import os
import re
import ssl
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import (PASSWORD, STACK, TOP, Failure, Stack,  # noqa: E402,F401
                     bare)

PG_STACK = os.path.join(TOP, "scripts", "pg-stack")
SO = os.path.join(TOP, "build", "bin", "smartoffice")


def run(args, env=None, check=True, timeout=60, stderr=True):
    """Runs ARGS; returns (exit status, stdout, with stderr after it unless
    STDERR is false). With CHECK a non-zero status is a Failure naming the
    command and its output."""
    p = subprocess.run(args, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise Failure(f"{' '.join(args[:3])}...: exit {p.returncode}: "
                      f"{(p.stdout + p.stderr).strip()[-800:]}")
    return p.returncode, p.stdout + (p.stderr if stderr else "")


# ---------------------------------------------------------------- CA

class TestCA:
    """A throw-away certificate authority in DIR (ca.key, ca.crt: the
    layout `prosody-stack --ca-dir` signs the servers' certificates
    with). Each certificate issue() makes names its domain and every
    subdomain (SAN DNS:d, DNS:*.d)."""

    def __init__(self, dir):
        self.dir = dir
        os.makedirs(dir, exist_ok=True)
        self.key = os.path.join(dir, "ca.key")
        self.cert = os.path.join(dir, "ca.crt")
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-days", "2", "-sha256", "-subj", "/CN=Smart Office test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-keyout", self.key, "-out", self.cert])

    def issue(self, domain, key_out, cert_out):
        """Writes a key and a certificate for DOMAIN signed by this CA."""
        csr = os.path.join(self.dir, f"{domain}.csr")
        ext = os.path.join(self.dir, f"{domain}.ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName=DNS:{domain},DNS:*.{domain}\n"
                    "basicConstraints=CA:FALSE\n"
                    "keyUsage=digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth,clientAuth\n")
        run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes",
             "-subj", f"/CN={domain}", "-keyout", key_out, "-out", csr])
        run(["openssl", "x509", "-req", "-in", csr, "-CA", self.cert,
             "-CAkey", self.key, "-CAcreateserial", "-days", "2",
             "-sha256", "-extfile", ext, "-out", cert_out])
        os.chmod(key_out, 0o600)

    @staticmethod
    def pin(cert_file):
        """The SHA-256 of the certificate's DER form, lower-case hex (the
        form of a zone's pins)."""
        with open(cert_file) as f:
            der = ssl.PEM_cert_to_DER_cert(f.read())
        return hashlib.sha256(der).hexdigest()


# ---------------------------------------------------------------- PostgreSQL

class Postgres:
    """A private PostgreSQL made by scripts/pg-stack, with the Smart
    Office schema installed."""

    def __init__(self, dir, port):
        self.dir = dir
        self.port = port
        self.running = False
        os.makedirs(dir)
        os.chmod(dir, 0o755)  # postgres (not root) must reach it
        run([PG_STACK, "init", dir, "--port", str(port)], timeout=120)
        self.running = True
        _, out = run([PG_STACK, "url", dir])
        self.url = out.strip()
        self.so("db", "init")

    def env(self):
        e = dict(os.environ)
        e["SMARTOFFICE_DB"] = self.url
        e.pop("SMARTOFFICE_AUDIT_SPILL", None)
        return e

    def so(self, *args, check=True, stderr=True):
        """The smartoffice CLI against this database: (status, output)."""
        return run([SO, *args], env=self.env(), check=check, stderr=stderr)

    def stop(self):
        run([PG_STACK, "stop", self.dir], check=False)
        self.running = False

    def start(self):
        run([PG_STACK, "start", self.dir])
        self.running = True

    # -- zones

    def zones(self):
        _, out = self.so("zone", "list", stderr=False)
        return [line.split("\t")[0] for line in out.splitlines() if line]

    def zone_add(self, pattern):
        return self.so("zone", "add", "--reason", "residency suite",
                       "--by", "tests/residency", "--", pattern)

    def zone_remove(self, pattern):
        return self.so("zone", "remove", "--by", "tests/residency", "--",
                       pattern)

    def set_zones(self, patterns):
        """Makes the zone table exactly PATTERNS (as stored)."""
        want = list(patterns)
        for z in self.zones():
            if z not in want:
                self.zone_remove(z)
        have = self.zones()
        for z in want:
            if z not in have:
                self.zone_add(z)

    def set_pins(self, pattern, pins):
        """Sets the certificate pins of zone PATTERN (psql variables, so
        the values never become SQL text)."""
        sql = ("UPDATE smartoffice.federation_zone "
               "SET pins = string_to_array(:'pins', ',') "
               "WHERE pattern = :'pattern';\n")
        p = subprocess.run([PG_STACK, "psql", self.dir, "-v",
                            f"pins={','.join(pins)}", "-v",
                            f"pattern={pattern}"], input=sql, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            raise Failure(f"setting pins of {pattern}: {p.stdout.strip()}")

    # -- audit

    def audit_export(self):
        """Every audit record, as a list of dicts (jsonl export)."""
        _, out = self.so("audit", "export", "--from", "2000-01-01",
                         "--to", "2100-01-01", "--format", "jsonl",
                         stderr=False)
        return [json.loads(line) for line in out.splitlines()
                if line.strip()]

    def audit_export_raw(self):
        _, out = self.so("audit", "export", "--from", "2000-01-01",
                         "--to", "2100-01-01", "--format", "jsonl",
                         check=False)
        return out

    def audit_verify(self):
        """(exit status, the verify line)."""
        rc, out = self.so("audit", "verify", check=False)
        return rc, out.strip()


# ---------------------------------------------------------------- Prosody

class Server(Stack):
    """A Stack whose certificate is signed by the test CA CA (trusted for
    s2s), with observers for the suite: its pid, its log, its s2s TCP
    sessions. RESIDENCY is the conninfo for `prosody-stack --residency`,
    or None for a server without the residency modules."""

    def __init__(self, root, name, base_port, policy, ca, residency=None,
                 **kw):
        extra = ["--ca-dir", ca.dir]
        if residency:
            extra += ["--residency", residency]
        super().__init__(root, name, base_port, policy, extra_args=extra,
                         **kw)
        self.cert_file = os.path.join(self.dir, "certs",
                                      f"{self.domain}.crt")

    @property
    def log_file(self):
        return os.path.join(self.dir, "prosody.log")

    def log_text(self):
        text = ""
        for name in ("prosody.log", "stdout.log"):
            try:
                with open(os.path.join(self.dir, name),
                          errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text

    def log_size(self):
        try:
            return os.path.getsize(self.log_file)
        except OSError:
            return 0

    def log_since(self, offset):
        try:
            with open(self.log_file, errors="replace") as f:
                f.seek(offset)
                return f.read()
        except OSError:
            return ""

    def shell(self, command):
        """Runs COMMAND in the server's admin shell (`prosodyctl shell`,
        mod_admin_shell): (exit status, output)."""
        return run(["prosodyctl", "--config",
                    os.path.join(self.dir, "prosody.cfg.lua"), "shell",
                    command], check=False)

    def pid(self):
        try:
            with open(os.path.join(self.dir, "prosody.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def alive(self):
        pid = self.pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
            return True
        except OSError:
            return False


def tcp_sessions():
    """Established TCP connections: a list of (pid, local, peer) with
    addresses as 'ip:port' strings."""
    out = subprocess.run(["ss", "-Htnp", "state", "established"],
                         stdout=subprocess.PIPE, text=True).stdout
    got = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 5:
            continue
        m = re.search(r"pid=(\d+)", line)
        got.append((int(m.group(1)) if m else None, parts[2], parts[3]))
    return got


def s2s_links(a, b):
    """TCP sessions between servers A and B on the s2s port: those A
    dialled to B's address and those B dialled to A's."""
    pa, pb = a.pid(), b.pid()
    return [(pid, loc, peer) for pid, loc, peer in tcp_sessions()
            if (pid == pa and peer == f"{b.ip}:{b.s2s}")
            or (pid == pb and peer == f"{a.ip}:{a.s2s}")]


def s2s_dialled(a, b):
    """TCP sessions A opened to B's s2s port."""
    pa = a.pid()
    return [s for s in tcp_sessions()
            if s[0] == pa and s[2] == f"{b.ip}:{b.s2s}"]


def wait_until(pred, timeout, step=0.02):
    """Polls PRED until true; returns the seconds it took, or None."""
    start = time.monotonic()
    while True:
        if pred():
            return time.monotonic() - start
        if time.monotonic() - start > timeout:
            return None
        time.sleep(step)
