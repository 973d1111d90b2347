"""Plumbing for the integration suite: private Prosody instances, xmpp-probe
clients driven over pipes, stanza builders and assertion helpers.

Every helper that checks something raises Failure with the expected and the
observed value, so a failing case says what it wanted and what it saw.
"""

import base64
import os
import queue
import secrets
import socket
import subprocess
import threading
import time
import urllib.request
import xml.etree.ElementTree as ET

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STACK = os.path.join(TOP, "scripts", "prosody-stack")
PROBE = os.path.join(TOP, "build", "tests", "integration", "xmpp-probe")
PASSWORD = "itest-pw"

NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_LEGACY = "eu.siacs.conversations.axolotl"
NS_OMEMO2 = "urn:xmpp:omemo:2"
NS_MAM = "urn:xmpp:mam:2"
NS_CARBONS = "urn:xmpp:carbons:2"
NS_MUC = "http://jabber.org/protocol/muc"
NS_XML = "http://www.w3.org/XML/1998/namespace"


class Failure(Exception):
    """A check did not hold; the message names what and shows both sides."""


def expect_eq(what, expected, got):
    if expected != got:
        raise Failure(f"{what}: expected {expected!r}, got {got!r}")


def expect_true(what, cond, got):
    if not cond:
        raise Failure(f"{what}: got {got!r}")


# ---------------------------------------------------------------- stanzas

def local(tag):
    """The local name of an ElementTree tag."""
    return tag.rsplit("}", 1)[-1]


def ns_of(tag):
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def find(elem, name, ns=None):
    """The first descendant (or ELEM itself) called NAME in NS, or None."""
    for e in elem.iter():
        if local(e.tag) == name and (ns is None or ns_of(e.tag) == ns):
            return e
    return None


def find_all(elem, name, ns=None):
    return [e for e in elem.iter()
            if local(e.tag) == name and (ns is None or ns_of(e.tag) == ns)]


def lang_of(elem):
    # libstrophe drops the xml: prefix when it parses, so accept both.
    return elem.get("lang", elem.get("{%s}lang" % NS_XML))


def bare(jid):
    return jid.split("/", 1)[0]


def b64(nbytes):
    return base64.b64encode(secrets.token_bytes(nbytes)).decode()


def new_id(prefix):
    return f"{prefix}-{secrets.token_hex(4)}"


def omemo_legacy(rid=1002, payload=True):
    """An eu.siacs.conversations.axolotl element, structurally valid."""
    pl = f"<payload>{b64(27)}</payload>" if payload else ""
    return (f"<encrypted xmlns='{NS_LEGACY}'><header sid='1001'>"
            f"<key rid='{rid}' prekey='true'>{b64(48)}</key>"
            f"<iv>{b64(12)}</iv></header>{pl}</encrypted>"
            f"<encryption xmlns='urn:xmpp:eme:0' namespace='{NS_LEGACY}'/>"
            "<store xmlns='urn:xmpp:hints'/>")


def omemo2(to, rid=2002, payload=True):
    """A urn:xmpp:omemo:2 element; the payload is 48 bytes (3 blocks)."""
    pl = f"<payload>{b64(48)}</payload>" if payload else ""
    return (f"<encrypted xmlns='{NS_OMEMO2}'><header sid='2001'>"
            f"<keys jid='{bare(to)}'><key rid='{rid}' kex='true'>{b64(64)}"
            f"</key></keys></header>{pl}</encrypted>"
            f"<encryption xmlns='urn:xmpp:eme:0' namespace='{NS_OMEMO2}'/>"
            "<store xmlns='urn:xmpp:hints'/>")


def message(to, mid, inner, mtype="chat"):
    t = f" type='{mtype}'" if mtype else ""
    return f"<message to='{to}' id='{mid}'{t}>{inner}</message>"


def body(text):
    return f"<body>{text}</body>"


# ---------------------------------------------------------------- clients

class Stanza:
    def __init__(self, raw):
        self.raw = raw
        self.elem = ET.fromstring(raw)

    @property
    def kind(self):
        return local(self.elem.tag)

    def get(self, attr, default=None):
        return self.elem.get(attr, default)

    def __repr__(self):
        return self.raw


class Client:
    """One logged-in xmpp-probe process. Received stanzas wait in an inbox
    until a wait_for() or drain() takes them."""

    def __init__(self, port, jid, password=PASSWORD, timeout=10,
                 host="127.0.0.1"):
        self.jid = jid
        self.proc = subprocess.Popen(
            [PROBE, "--jid", jid, "--pass", password, "--port", str(port),
             "--host", host],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1)
        self.lines = queue.Queue()
        self.inbox = []
        self.seq = 0
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        first = self._next_line(time.monotonic() + timeout)
        if not first or not first.startswith("ready "):
            err = self.proc.stderr.read() if self.proc.poll() is not None \
                else ""
            self.close()
            raise Failure(f"login as {jid}: expected 'ready', got "
                          f"{first!r} {err.strip()!r}")
        self.full_jid = first.split(" ", 1)[1]

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _next_line(self, deadline):
        try:
            return self.lines.get(timeout=max(0, deadline - time.monotonic()))
        except queue.Empty:
            return ""

    def _pump(self, deadline):
        """Moves one more stanza into the inbox; False at the deadline."""
        line = self._next_line(deadline)
        if not line or not line.startswith("<"):
            return False
        self.inbox.append(Stanza(line))
        return True

    def send(self, xml):
        if "\n" in xml:
            raise ValueError("a stanza must fit on one line")
        self.proc.stdin.write(xml + "\n")
        self.proc.stdin.flush()

    def wait_for(self, pred, timeout=5.0):
        """The first inbox stanza matching PRED (taken out), or None."""
        deadline = time.monotonic() + timeout
        i = 0
        while True:
            while i < len(self.inbox):
                if pred(self.inbox[i]):
                    return self.inbox.pop(i)
                i += 1
            if not self._pump(deadline):
                return None

    def expect(self, what, pred, timeout=5.0):
        st = self.wait_for(pred, timeout)
        if st is None:
            raise Failure(f"{self.jid}: expected {what}, got nothing in "
                          f"{timeout}s; unmatched: {self.inbox[-5:]}")
        return st

    def sync(self, timeout=5.0):
        """Round trip to the server: whatever the server sent us before
        answering the ping is in the inbox afterwards."""
        self.seq += 1
        pid = f"sync-{self.seq}"
        domain = bare(self.jid).split("@")[-1]
        self.send(f"<iq type='get' id='{pid}' to='{domain}'>"
                  "<ping xmlns='urn:xmpp:ping'/></iq>")
        self.expect(f"the ping result {pid}",
                    lambda s: s.kind == "iq" and s.get("id") == pid, timeout)

    def drain(self):
        got, self.inbox = self.inbox, []
        return got

    def iq(self, inner, to=None, itype="set", timeout=5.0):
        """Sends an IQ and returns its answer (result or error)."""
        self.seq += 1
        iid = f"iq-{self.seq}"
        t = f" to='{to}'" if to else ""
        self.send(f"<iq type='{itype}' id='{iid}'{t}>{inner}</iq>")
        return self.expect(f"an answer to iq {iid}",
                           lambda s: s.kind == "iq" and s.get("id") == iid,
                           timeout)

    def mam(self, with_jid=None, to=None):
        """The messages in an archive (ours, or a room's when TO is set):
        a list of the archived <message> elements."""
        self.seq += 1
        qid = f"mam-{self.seq}"
        form = ""
        if with_jid:
            form = ("<x xmlns='jabber:x:data' type='submit'><field "
                    "var='FORM_TYPE' type='hidden'><value>"
                    f"{NS_MAM}</value></field><field var='with'><value>"
                    f"{with_jid}</value></field></x>")
        ans = self.iq(f"<query xmlns='{NS_MAM}' queryid='{qid}'>{form}"
                      "</query>", to=to)
        if ans.get("type") != "result":
            raise Failure(f"MAM query of {to or self.jid}: expected a "
                          f"result, got {ans.raw}")
        out = []
        for st in list(self.inbox):
            res = find(st.elem, "result", NS_MAM)
            if res is not None and res.get("queryid") == qid:
                self.inbox.remove(st)
                fwd = find(res, "message")
                if fwd is not None:
                    out.append((fwd, st.raw))
        return out

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("!quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=3)
            except (BrokenPipeError, subprocess.TimeoutExpired, OSError):
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=3)
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:
                pass


# ---------------------------------------------------------------- servers

class Stack:
    """A Prosody instance made by scripts/prosody-stack. DOMAIN is its
    VirtualHost, IP the loopback address it listens on; S2S_PORT and
    HOSTS_FILE are for instances that federate with each other."""

    def __init__(self, root, name, base_port, policy, host_cfg="",
                 muc_cfg="", domain="localhost", ip="127.0.0.1",
                 s2s_port=None, hosts_file=None, global_cfg="",
                 extra_args=()):
        self.dir = os.path.join(root, name)
        self.name = name
        self.domain = domain
        self.ip = ip
        self.c2s = base_port
        self.s2s = s2s_port or base_port + 47
        self.http = base_port + 80
        self.started = False
        os.makedirs(self.dir)
        args = [STACK, "init", self.dir, "--policy", policy,
                "--domain", domain, "--ip", ip,
                "--c2s", str(base_port), "--s2s", str(self.s2s),
                "--component", str(base_port + 25),
                "--http", str(self.http), "--log-level", "debug"]
        if hosts_file:
            args += ["--hosts-file", hosts_file]
        args += list(extra_args)
        for flag, text in (("--host-config", host_cfg),
                           ("--muc-config", muc_cfg),
                           ("--global-config", global_cfg)):
            if text:
                path = os.path.join(root, f"{name}{flag[1:]}.lua")
                with open(path, "w") as f:
                    f.write(text + "\n")
                args += [flag, path]
        subprocess.run(args, check=True)

    def start(self):
        for port in (self.c2s, self.s2s, self.http):
            with socket.socket() as sock:
                if sock.connect_ex((self.ip, port)) == 0:
                    raise Failure(f"{self.name}: port {port} is already in "
                                  "use; is an old test server running?")
        subprocess.run([STACK, "start", self.dir], check=True)
        self.started = True

    def stop(self):
        if self.started:
            subprocess.run([STACK, "stop", self.dir], check=False)
            self.started = False

    def adduser(self, *nodes):
        procs = [subprocess.Popen([STACK, "adduser", self.dir,
                                   f"{n}@{self.domain}", PASSWORD])
                 for n in nodes]
        for p in procs:
            if p.wait() != 0:
                raise Failure(f"{self.name}: could not register users")

    def client(self, jid):
        return Client(self.c2s, jid, host=self.ip)

    def metrics(self):
        url = f"http://{self.ip}:{self.http}/metrics"
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode()

    def log_tail(self, n=40):
        try:
            with open(os.path.join(self.dir, "prosody.log")) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""
