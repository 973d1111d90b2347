#!/usr/bin/python3
"""
omemo_peer.py - a real OMEMO client for the interop suite.

An XMPP client made of slixmpp and python-omemo (oldmemo for OMEMO 0.3,
twomemo for OMEMO 2). It publishes its device lists and bundles over PEP,
trusts every device blindly (test accounts only) and speaks through the
server under test.

    omemo_peer.py scenario --stack DIR --a JID:PASS --b JID:PASS
        two peers talk to each other; every check prints expected and got;
        exit status 0 only when all checks passed.
    omemo_peer.py serve --stack DIR --me JID:PASS
        one long-lived peer for the Profanity scenario: prints one JSON
        line per event on stdout, reads one JSON command per line on stdin.

Needs Debian's /usr/bin/python3 (python3-slixmpp, python3-omemo,
python3-oldmemo, python3-twomemo, python3-xmlschema).
"""

import argparse
import asyncio
import base64
import copy
import json
import logging
import os
import secrets
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import omemo
import oldmemo
import oldmemo.etree
import slixmpp
import twomemo
import twomemo.etree
from omemo.storage import Just, Nothing
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

NS_CLIENT = "jabber:client"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_PUBSUB = "http://jabber.org/protocol/pubsub"
NS_EME = "urn:xmpp:eme:0"
NS_HINTS = "urn:xmpp:hints"
NS_SCE = "urn:xmpp:sce:1"
NS_MAM = "urn:xmpp:mam:2"
NS_OLD = oldmemo.oldmemo.NAMESPACE
NS_TWO = twomemo.twomemo.NAMESPACE
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

OLD_DEVICES = NS_OLD + ".devicelist"
TWO_DEVICES = NS_TWO + ":devices"
TWO_BUNDLES = NS_TWO + ":bundles"

log = logging.getLogger("omemo_peer")

# What the refusal says when the recipient has no OMEMO device
# (modules/core/so_texts_device.c).
NO_DEVICE_EN = "has not set up encryption yet"
NO_DEVICE_UR = "خفیہ کاری سیٹ اپ نہیں کی"


def old_bundle_node(device_id):
    return f"{NS_OLD}.bundles:{device_id}"


# --------------------------------------------------------------------------
# Storage: one JSON file in a temporary directory.


class FileStorage(omemo.Storage):
    def __init__(self, path):
        super().__init__()
        self.path = Path(path)
        self.data = {}
        if self.path.exists():
            self.data = json.loads(self.path.read_text())

    def flush(self):
        self.path.write_text(json.dumps(self.data))

    async def _load(self, key):
        if key in self.data:
            return Just(self.data[key])
        return Nothing()

    async def _store(self, key, value):
        self.data[key] = value
        self.flush()

    async def _delete(self, key):
        self.data.pop(key, None)
        self.flush()


# --------------------------------------------------------------------------
# The session manager, bound to one XMPP client.


def session_manager_class(client):
    """A SessionManager subclass whose XMPP operations go through CLIENT.
    SessionManager.create() instantiates it without arguments, so the
    client is bound through the closure."""

    class PeerSessionManager(omemo.SessionManager):
        async def _upload_bundle(self, bundle):
            await client.publish_bundle(bundle)

        async def _download_bundle(self, namespace, bare_jid, device_id):
            return await client.fetch_bundle(namespace, bare_jid, device_id)

        async def _delete_bundle(self, namespace, device_id):
            pass  # fresh test accounts: nothing to clean up

        async def _upload_device_list(self, namespace, device_list):
            await client.publish_device_list(namespace, device_list)

        async def _download_device_list(self, namespace, bare_jid):
            return await client.fetch_device_list(namespace, bare_jid)

        async def _evaluate_custom_trust_level(self, device):
            if device.trust_level_name in ("blind", "trusted"):
                return omemo.TrustLevel.TRUSTED
            if device.trust_level_name == "distrusted":
                return omemo.TrustLevel.DISTRUSTED
            raise omemo.UnknownTrustLevel(device.trust_level_name)

        async def _make_trust_decision(self, undecided, identifier):
            for device in undecided:
                await self.set_trust(device.bare_jid, device.identity_key,
                                     "trusted")

        async def _send_message(self, message, bare_jid):
            client.send_omemo(bare_jid, message, body=None)

    return PeerSessionManager


# --------------------------------------------------------------------------
# The XMPP client.


class Peer(slixmpp.ClientXMPP):
    def __init__(self, jid, password, cafile, workdir):
        super().__init__(jid, password)
        self.ca_certs = Path(cafile)  # the stack's self-signed certificate
        self.workdir = Path(workdir)
        self.bare = self.boundjid.bare
        self.sm = None
        self.inbox = asyncio.Queue()
        self.session_ready = asyncio.Event()
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0004")
        self.register_plugin("xep_0060")
        self.register_plugin("xep_0199")
        self.add_event_handler("session_start", self.on_session_start)
        # slixmpp's 'message' event needs a body: see every message here.
        self.register_handler(Callback(
            "every message", MatchXPath(f"{{{NS_CLIENT}}}message"),
            self.on_any_message))

    async def on_session_start(self, _event):
        self.send_presence()
        await self.get_roster()
        self.session_ready.set()

    def on_any_message(self, msg):
        # Keep a copy of the raw XML: slixmpp's error parser does not know
        # every RFC 6120 condition.
        self.inbox.put_nowait(copy.deepcopy(msg.xml))

    async def online(self, host, port, timeout=20):
        self.connect(address=(host, port))
        await asyncio.wait_for(self.session_ready.wait(), timeout)

    async def domain_has_feature(self, feature):
        info = await self["xep_0030"].get_info(jid=self.boundjid.domain,
                                               timeout=15)
        return feature in info["disco_info"]["features"]

    # ---- PEP --------------------------------------------------------------

    async def pep_publish(self, node, item_id, payload):
        await self["xep_0060"].publish(self.bare, node, id=item_id,
                                        payload=payload, timeout=15)

    async def pep_fetch(self, jid, node, item_id):
        """The payload of item ITEM_ID of NODE at JID, or None when the
        node or item does not exist."""
        try:
            iq = await self["xep_0060"].get_item(jid, node, item_id,
                                                 timeout=15)
        except IqError as e:
            if e.condition == "item-not-found":
                return None
            raise
        raw = ET.fromstring(str(iq))
        item = raw.find(f".//{{{NS_PUBSUB}}}item")
        if item is None or len(item) == 0:
            return None
        return item[0]

    async def publish_device_list(self, namespace, device_list):
        if namespace == NS_OLD:
            await self.pep_publish(
                OLD_DEVICES, "current",
                oldmemo.etree.serialize_device_list(device_list))
        elif namespace == NS_TWO:
            await self.pep_publish(
                TWO_DEVICES, "current",
                twomemo.etree.serialize_device_list(device_list))
        else:
            raise omemo.UnknownNamespace(namespace)

    async def fetch_device_list(self, namespace, jid):
        try:
            if namespace == NS_OLD:
                elt = await self.pep_fetch(jid, OLD_DEVICES, "current")
                parse = oldmemo.etree.parse_device_list
            elif namespace == NS_TWO:
                elt = await self.pep_fetch(jid, TWO_DEVICES, "current")
                parse = twomemo.etree.parse_device_list
            else:
                raise omemo.UnknownNamespace(namespace)
        except (IqError, IqTimeout) as e:
            raise omemo.DeviceListDownloadFailed(f"{jid} {namespace}: {e}")
        return {} if elt is None else parse(elt)

    async def publish_bundle(self, bundle):
        if bundle.namespace == NS_OLD:
            await self.pep_publish(old_bundle_node(bundle.device_id),
                                   "current",
                                   oldmemo.etree.serialize_bundle(bundle))
        elif bundle.namespace == NS_TWO:
            await self.pep_publish(TWO_BUNDLES, str(bundle.device_id),
                                   twomemo.etree.serialize_bundle(bundle))
        else:
            raise omemo.UnknownNamespace(bundle.namespace)

    async def fetch_bundle(self, namespace, jid, device_id):
        try:
            if namespace == NS_OLD:
                elt = await self.pep_fetch(jid, old_bundle_node(device_id),
                                           "current")
                parse = oldmemo.etree.parse_bundle
            elif namespace == NS_TWO:
                elt = await self.pep_fetch(jid, TWO_BUNDLES, str(device_id))
                parse = twomemo.etree.parse_bundle
            else:
                raise omemo.UnknownNamespace(namespace)
        except (IqError, IqTimeout) as e:
            raise omemo.BundleDownloadFailed(f"{jid}/{device_id}: {e}")
        if elt is None:
            raise omemo.BundleNotFound(f"{jid}/{device_id} {namespace}")
        return parse(elt, jid, device_id)

    # ---- OMEMO --------------------------------------------------------------

    async def start_omemo(self):
        storage = FileStorage(self.workdir / "omemo.json")
        self.sm = await session_manager_class(self).create(
            backends=[oldmemo.Oldmemo(storage), twomemo.Twomemo(storage)],
            storage=storage,
            own_bare_jid=self.bare,
            initial_own_label="interop",
            undecided_trust_level_name="blind",
        )
        await self.sm.after_history_sync()

    def send_omemo(self, to, message, body, msg_id=None):
        """Sends one serialized OMEMO message; returns the stanza id."""
        msg = self.make_message(mto=to, mtype="chat")
        msg_id = msg_id or secrets.token_hex(8)
        msg["id"] = msg_id
        if message.namespace == NS_OLD:
            msg.append(oldmemo.etree.serialize_message(message))
        else:
            msg.append(twomemo.etree.serialize_message(message))
        if body is not None:
            msg["body"] = body
            eme = ET.Element(f"{{{NS_EME}}}encryption",
                             namespace=message.namespace)
            msg.append(eme)
        msg.append(ET.Element(f"{{{NS_HINTS}}}store"))
        msg.send()
        return msg_id

    def envelope(self, text):
        """The XEP-0420 envelope OMEMO 2 encrypts, as bytes."""
        env = ET.Element(f"{{{NS_SCE}}}envelope")
        content = ET.SubElement(env, f"{{{NS_SCE}}}content")
        ET.SubElement(content, f"{{{NS_CLIENT}}}body").text = text
        ET.SubElement(env, f"{{{NS_SCE}}}rpad").text = \
            base64.b64encode(os.urandom(secrets.randbelow(32) + 1)).decode()
        ET.SubElement(env, f"{{{NS_SCE}}}from", jid=self.bare)
        return ET.tostring(env)

    async def send_encrypted(self, to, text, namespace, body):
        """Encrypts TEXT for the bare JID TO with one OMEMO version and
        sends it with BODY (the client's fallback) beside it."""
        await self.sm.refresh_device_list(namespace, to)
        plain = {NS_OLD: text.encode(), NS_TWO: self.envelope(text)}
        messages, errors = await self.sm.encrypt(
            frozenset([to]), plain, backend_priority_order=[namespace])
        for err in errors:
            log.warning("encrypt: %s", err)
        chosen = [m for m in messages if m.namespace == namespace]
        if not chosen:
            raise RuntimeError(f"no {namespace} message for {to}")
        return self.send_omemo(to, chosen[0], body)

    async def archive(self, timeout):
        """Every message of this account's MAM archive (raw elements of
        the forwarded messages)."""
        qid = secrets.token_hex(6)
        iq = self.make_iq_set()
        iq.append(ET.Element(f"{{{NS_MAM}}}query", queryid=qid))
        self.seen = getattr(self, "seen", [])
        await iq.send(timeout=timeout)
        found = []
        pending = list(self.seen)
        while not self.inbox.empty():
            pending.append(self.inbox.get_nowait())
        for stanza in pending:
            result = stanza.find(f"{{{NS_MAM}}}result")
            if result is None or result.get("queryid") != qid:
                continue
            found.extend(result.iter(f"{{{NS_CLIENT}}}message"))
        return found

    def send_plain(self, to, text):
        msg = self.make_message(mto=to, mbody=text, mtype="chat")
        msg_id = secrets.token_hex(8)
        msg["id"] = msg_id
        msg.send()
        return msg_id

    async def decrypt(self, stanza):
        """(namespace, text) of an OMEMO message, or None when STANZA has no
        OMEMO element. Text is None for key transport / empty messages."""
        sender = slixmpp.JID(stanza.get("from", "")).bare
        old = stanza.find(f"{{{NS_OLD}}}encrypted")
        two = stanza.find(f"{{{NS_TWO}}}encrypted")
        if two is not None:
            message = twomemo.etree.parse_message(two, sender)
            plain, _dev, _key = await self.sm.decrypt(message)
            if plain is None:
                return NS_TWO, None
            return NS_TWO, self.open_envelope(plain, sender)
        if old is not None:
            message = await oldmemo.etree.parse_message(
                old, sender, self.bare, self.sm)
            plain, _dev, _key = await self.sm.decrypt(message)
            return NS_OLD, None if plain is None else plain.decode()
        return None

    @staticmethod
    def open_envelope(plain, sender):
        env = ET.fromstring(plain)
        if env.tag != f"{{{NS_SCE}}}envelope":
            raise ValueError(f"not an SCE envelope: {env.tag}")
        frm = env.find(f"{{{NS_SCE}}}from")
        if frm is None or slixmpp.JID(frm.get("jid")).bare != sender:
            raise ValueError("SCE <from/> affix does not match the sender")
        body = env.find(f"{{{NS_SCE}}}content/{{{NS_CLIENT}}}body")
        return None if body is None else body.text


# --------------------------------------------------------------------------
# Helpers for checks.


def body_of(stanza):
    b = stanza.find(f"{{{NS_CLIENT}}}body")
    return None if b is None else (b.text or "")


def all_bodies(stanza):
    return [b.text or "" for b in stanza.findall(f"{{{NS_CLIENT}}}body")]


def error_of(stanza):
    """(type, condition, {lang: text}) of an error stanza; None if none."""
    err = stanza.find(f"{{{NS_CLIENT}}}error")
    if err is None:
        return None
    cond = None
    texts = {}
    for child in err:
        if child.tag == f"{{{NS_STANZAS}}}text":
            texts[child.get(XML_LANG, "")] = child.text or ""
        elif child.tag.startswith(f"{{{NS_STANZAS}}}"):
            cond = child.tag.split("}", 1)[1]
    return err.get("type"), cond, texts


async def next_message(peer, want, timeout):
    """The first message in PEER's inbox for which WANT(stanza) is true,
    or None after TIMEOUT seconds. Messages that do not match are kept in
    peer.seen for later inspection."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        left = deadline - loop.time()
        if left <= 0:
            return None
        try:
            stanza = await asyncio.wait_for(peer.inbox.get(), left)
        except asyncio.TimeoutError:
            return None
        if want(stanza):
            return stanza
        peer.seen.append(stanza)


def short(stanza):
    return None if stanza is None else ET.tostring(stanza).decode()[:600]


def first_text(stanza):
    """Any chat content a recipient would show: body text or OMEMO."""
    return stanza.get("type") != "error" and (
        body_of(stanza) is not None
        or stanza.find(f"{{{NS_OLD}}}encrypted") is not None
        or stanza.find(f"{{{NS_TWO}}}encrypted") is not None)


class Checks:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def expect(self, name, expected, got, ok=None):
        ok = (expected == got) if ok is None else ok
        if ok:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}\n     expected: {expected!r}\n"
                  f"     got:      {got!r}", flush=True)
        return ok


# --------------------------------------------------------------------------
# The two-peer scenario.


async def subscribe_mutually(a, b, timeout):
    """Gives A and B a mutual presence subscription (both auto-accept)."""
    a.send_presence_subscription(b.bare)
    b.send_presence_subscription(a.bare)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if (a.client_roster[b.bare]["subscription"] == "both"
                and b.client_roster[a.bare]["subscription"] == "both"):
            return True
        await asyncio.sleep(0.1)
    return False


async def scenario(args):
    c = Checks()
    host, port = "127.0.0.1", args.port
    cafile = Path(args.stack) / "certs" / "localhost.crt"
    work = Path(tempfile.mkdtemp(prefix="omemo-peer-", dir=args.workdir))
    (ajid, apass), (bjid, bpass) = (s.split(":", 1) for s in (args.a, args.b))
    (work / "a").mkdir()
    (work / "b").mkdir()
    a = Peer(ajid, apass, cafile, work / "a")
    b = Peer(bjid, bpass, cafile, work / "b")
    a.seen, b.seen = [], []
    t = args.timeout
    try:
        await a.online(host, port, t)
        await b.online(host, port, t)
        if args.subscribe:
            c.expect("mutual presence subscription", True,
                     await subscribe_mutually(a, b, t))
        else:
            c.expect("A and B share no subscription (first contact)",
                     ("none", "none"),
                     (a.client_roster[b.bare]["subscription"],
                      b.client_roster[a.bare]["subscription"]))
        c.expect("the server's domain advertises publish-options", True,
                 await a.domain_has_feature(NS_PUBSUB + "#publish-options"))
        await a.start_omemo()
        await b.start_omemo()
        for p in (a, b):
            for ns, node in ((NS_OLD, OLD_DEVICES), (NS_TWO, TWO_DEVICES)):
                got = await p.fetch_device_list(ns, p.bare)
                c.expect(f"{p.bare} published its {ns} device list",
                         True, len(got) > 0, ok=len(got) > 0)

        # 1. A -> B, OMEMO 0.3, with a client fallback body beside it.
        text1 = "interop one: salaam from A over OMEMO 0.3"
        client_fallback = "A-CLIENT-FALLBACK: use an OMEMO client"
        id1 = await a.send_encrypted(b.bare, text1, NS_OLD, client_fallback)
        got = await next_message(
            b, lambda s: s.get("id") == id1, t)
        c.expect("B receives A's OMEMO 0.3 message", id1,
                 None if got is None else got.get("id"))
        if got is not None:
            ns_text = await b.decrypt(got)
            c.expect("B decrypts A's OMEMO 0.3 message", (NS_OLD, text1),
                     ns_text)
            body = body_of(got)
            c.expect("body beside OMEMO is not the sender's",
                     f"not {client_fallback!r}", body,
                     ok=body is not None and body != client_fallback)
            if args.fallback:
                bodies = "\n".join(t for t in all_bodies(got))
                c.expect("body beside OMEMO has the server fallback texts",
                         args.fallback, bodies,
                         ok=all(f in bodies for f in args.fallback))
        bad = await next_message(a, lambda s: s.get("type") == "error"
                                 and s.get("id") == id1, 0.5)
        c.expect("A gets no error for OMEMO 0.3", None, short(bad))

        # 2. B -> A, OMEMO 2.
        text2 = "interop two: reply from B over OMEMO 2, اردو"
        id2 = await b.send_encrypted(a.bare, text2, NS_TWO,
                                     "B-CLIENT-FALLBACK")
        got = await next_message(a, lambda s: s.get("id") == id2, t)
        c.expect("A receives B's OMEMO 2 message", id2,
                 None if got is None else got.get("id"))
        if got is not None:
            c.expect("A decrypts B's OMEMO 2 message", (NS_TWO, text2),
                     await a.decrypt(got))
        bad = await next_message(b, lambda s: s.get("type") == "error"
                                 and s.get("id") == id2, 0.5)
        c.expect("B gets no error for OMEMO 2", None, short(bad))

        # 3. A -> B in plaintext: refused, A gets the error, B nothing.
        text3 = "interop three: this is plaintext and must not arrive"
        id3 = a.send_plain(b.bare, text3)
        err = await next_message(a, lambda s: s.get("id") == id3, t)
        c.expect("A receives an error for its plaintext (same id)",
                 f"<message type='error' id='{id3}'>",
                 short(err), ok=err is not None
                 and err.get("type") == "error")
        if err is not None:
            c.expect("error comes from B's bare JID", b.bare,
                     err.get("from"))
            e = error_of(err)
            c.expect("error is modify/policy-violation",
                     ("modify", "policy-violation"),
                     None if e is None else e[:2])
            langs = sorted(e[2]) if e else []
            c.expect("error has English and Urdu text", ["en", "ur"],
                     langs, ok=all(e and e[2].get(k) for k in ("en", "ur")))
        leak = [s for s in b.seen if body_of(s) == text3]
        leak.append(await next_message(
            b, lambda s: first_text(s) and s.get("id") == id3, 2))
        leak = [s for s in leak if s is not None]
        c.expect("B receives nothing of the plaintext", [],
                 [short(s) for s in leak])

        # 3b. A plaintext to an account that never published keys: the
        # error says the recipient has not set up encryption yet; the one
        # to B (who has devices) did not.
        if args.never_used:
            if err is not None:
                e = error_of(err)
                c.expect("refusal to B does not claim B has no keys",
                         "no 'not set up'", e and e[2].get("en"),
                         ok=bool(e) and NO_DEVICE_EN not in e[2].get("en", ""))
            id3b = a.send_plain(args.never_used, text3)
            err = await next_message(a, lambda s: s.get("id") == id3b, t)
            e = None if err is None else error_of(err)
            c.expect("refusal to a never-used account is policy-violation",
                     ("modify", "policy-violation"), e and e[:2])
            c.expect("its English text says encryption is not set up yet",
                     f"... {NO_DEVICE_EN} ...", e and e[2].get("en"),
                     ok=bool(e) and NO_DEVICE_EN in e[2].get("en", ""))
            c.expect("its Urdu text says so too",
                     f"... {NO_DEVICE_UR} ...", e and e[2].get("ur"),
                     ok=bool(e) and NO_DEVICE_UR in e[2].get("ur", ""))

        # 3c. Only the owner writes the OMEMO nodes: A cannot publish a
        # device list into B's account.
        try:
            await a["xep_0060"].publish(
                b.bare, OLD_DEVICES, id="current", timeout=t,
                payload=ET.Element(f"{{{NS_OLD}}}list"))
            got = "accepted"
        except IqError as ex:
            got = ex.condition
        c.expect("A cannot publish into B's device list", "forbidden", got)

        # 4. The session still works after the refusal.
        text4 = "interop four: encrypted again after the refusal"
        id4 = await a.send_encrypted(b.bare, text4, NS_TWO, None)
        got = await next_message(b, lambda s: s.get("id") == id4, t)
        c.expect("B decrypts a later OMEMO 2 message", (NS_TWO, text4),
                 None if got is None else await b.decrypt(got))

        # 5. B's archive holds no plaintext and not A's client fallback.
        archived = await b.archive(t)
        texts = [ET.tostring(m).decode() for m in archived]
        c.expect("B's archive has messages", True, len(texts) > 0,
                 ok=len(texts) > 0)
        stored = [x for x in texts if text3 in x or client_fallback in x]
        c.expect("B's archive holds neither the plaintext nor A's body",
                 [], [x[:300] for x in stored])
    except Exception as e:  # report, do not hide, any setup failure
        c.expect("scenario ran to the end", "no exception",
                 f"{type(e).__name__}: {e}")
    finally:
        for p in (a, b):
            p.disconnect()
        await asyncio.sleep(0.2)
    print(f"omemo_peer: {c.passed} passed, {c.failed} failed", flush=True)
    return 1 if c.failed else 0


# --------------------------------------------------------------------------
# Serve mode: one peer driven line by line (for the Profanity scenario).


def emit(**event):
    print(json.dumps(event, ensure_ascii=False), flush=True)


async def serve(args):
    cafile = Path(args.stack) / "certs" / "localhost.crt"
    work = Path(tempfile.mkdtemp(prefix="omemo-serve-", dir=args.workdir))
    jid, password = args.me.split(":", 1)
    p = Peer(jid, password, cafile, work)
    await p.online("127.0.0.1", args.port, args.timeout)
    await p.start_omemo()
    emit(event="ready", jid=p.bare, device=await own_device(p))

    async def pump():
        while True:
            s = await p.inbox.get()
            ev = {"event": "message", "id": s.get("id"),
                  "from": s.get("from"), "type": s.get("type"),
                  "body": body_of(s)}
            e = error_of(s)
            if e:
                ev["error"] = [e[0], e[1], e[2]]
            try:
                dec = await p.decrypt(s)
                if dec:
                    ev["omemo"], ev["text"] = dec
            except Exception as ex:
                ev["decrypt_error"] = f"{type(ex).__name__}: {ex}"
            emit(**ev)

    asyncio.ensure_future(pump())
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        if not line:
            break
        cmd = json.loads(line)
        try:
            if cmd["cmd"] == "send":
                ns = NS_OLD if cmd.get("omemo") == "0.3" else NS_TWO
                mid = await p.send_encrypted(cmd["to"], cmd["text"], ns,
                                             cmd.get("body"))
            elif cmd["cmd"] == "plain":
                mid = p.send_plain(cmd["to"], cmd["text"])
            elif cmd["cmd"] == "subscribe":
                p.send_presence_subscription(cmd["to"])
                mid = None
            elif cmd["cmd"] == "quit":
                break
            emit(event="sent", id=mid)
        except Exception as ex:
            emit(event="failed", error=f"{type(ex).__name__}: {ex}")
    p.disconnect()


async def own_device(p):
    own, _others = await p.sm.get_own_device_information()
    return {"id": own.device_id,
            "fingerprint": "-".join(p.sm.format_identity_key(
                own.identity_key))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("mode", choices=["scenario", "serve"])
    ap.add_argument("--stack", required=True, help="prosody-stack DIR")
    ap.add_argument("--port", type=int, required=True, help="c2s port")
    ap.add_argument("--a")
    ap.add_argument("--b")
    ap.add_argument("--me")
    ap.add_argument("--fallback", action="append",
                    help="a text the server's fallback body must contain "
                    "(repeatable: en, ur)")
    ap.add_argument("--subscribe", action="store_true",
                    help="give A and B a mutual presence subscription "
                    "first (by default they share none: first contact)")
    ap.add_argument("--never-used",
                    help="a JID that never published OMEMO keys: A's "
                    "plaintext to it must say so")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--debug", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.ERROR,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr)
    if args.mode == "scenario":
        return asyncio.run(scenario(args))
    return asyncio.run(serve(args))


if __name__ == "__main__":
    sys.exit(main())
