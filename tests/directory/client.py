#!/usr/bin/python3
"""Checks of smartoffice-directory through real XMPP clients (slixmpp),
driven by tests/directory/run, which starts PostgreSQL, Prosody and the
component and passes their directories in the environment (PG_DIR,
XMPP_DIR, TOP, COMP_LOG).

    client.py [-k NAME]     run every check, or those whose name has NAME

Each check prints "ok NAME" or "FAILED NAME: what: expected ..., got ...".
Exit status 0 when every check passed.
"""

import argparse
import asyncio
import logging
import os
import ssl
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

SERVER = ("127.0.0.1", 19022)
DOMAIN = "localhost"
COMP = "directory.localhost"
PASSWORD = "dir-test-pw"
TOP = os.environ.get("TOP", os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..")))

NS_SEARCH = "jabber:iq:search"
NS_DATA = "jabber:x:data"
NS_RSM = "http://jabber.org/protocol/rsm"
NS_CMD = "http://jabber.org/protocol/commands"
NS_INFO = "http://jabber.org/protocol/disco#info"
NS_ITEMS = "http://jabber.org/protocol/disco#items"
NS_STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
NS_VCARD = "vcard-temp"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# the 45 fixture entries named "<first> Qureshi", E-2000..E-2044
QURESHI = {f"e-{n}@{COMP}" for n in range(2000, 2045)}


class Failure(Exception):
    pass


def expect_eq(what, expected, got):
    if expected != got:
        raise Failure(f"{what}: expected {expected!r}, got {got!r}")


def expect_true(what, cond, got):
    if not cond:
        raise Failure(f"{what}: got {got!r}")


def q(name, ns):
    return f"{{{ns}}}{name}"


def text_of(elem, path):
    e = elem.find(path)
    return None if e is None else (e.text or "")


# ------------------------------------------------------------ the client

class Client(slixmpp.ClientXMPP):
    failures = 0  # internal-server-error answers, all clients

    def __init__(self, jid):
        super().__init__(jid, PASSWORD)
        self.ssl_context = ssl.create_default_context()
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.inbox = asyncio.Queue()
        self.ready = None
        self.add_event_handler("session_start", self._started)
        self.register_handler(Callback(
            "every message", MatchXPath("{jabber:client}message"),
            lambda m: self.inbox.put_nowait(m)))

    async def _started(self, _event):
        self.send_presence()
        if self.ready is not None and not self.ready.done():
            self.ready.set_result(True)

    async def start(self, timeout=15):
        self.ready = asyncio.get_event_loop().create_future()
        self.connect(address=SERVER)
        await asyncio.wait_for(self.ready, timeout)

    async def iq(self, kind, to, payload, timeout=10):
        """Sends an iq of KIND with PAYLOAD (XML text); returns the
        answer's element, result or error."""
        iq = self.Iq()
        iq["type"] = kind
        iq["to"] = to
        iq.append(ET.fromstring(payload))
        try:
            resp = await iq.send(timeout=timeout)
        except IqError as e:
            if (error_of(e.iq.xml) or (None, None))[1] == \
                    "internal-server-error":
                Client.failures += 1
            return e.iq.xml
        except IqTimeout:
            raise Failure(f"no answer from {to} within {timeout} s")
        return resp.xml

    async def chat(self, body, to=COMP, timeout=10):
        """Sends BODY; returns the next message from TO."""
        while not self.inbox.empty():
            self.inbox.get_nowait()
        self.send_message(mto=to, mbody=body, mtype="chat")
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise Failure(f"no answer from {to} within {timeout} s")
            m = await asyncio.wait_for(self.inbox.get(), left)
            if m["from"].bare == to:
                return m


def error_of(elem):
    """(type, condition, sorted text languages) of an error stanza, or
    None when ELEM is no error."""
    if elem.get("type") != "error":
        return None
    err = elem.find("{jabber:client}error")
    if err is None:
        return ("?", None, [])
    conds = [c.tag.split("}")[1] for c in err
             if c.tag.startswith("{" + NS_STANZAS) and
             not c.tag.endswith("}text")]
    langs = sorted(t.get(XML_LANG) or "" for t in err.findall(q(
        "text", NS_STANZAS)) if (t.text or "").strip())
    return (err.get("type"), conds[0] if conds else None, langs)


def error_text(elem, lang="en"):
    for t in elem.iter(q("text", NS_STANZAS)):
        if t.get(XML_LANG) == lang:
            return t.text or ""
    return ""


def expect_result(what, elem):
    if elem.get("type") != "result":
        raise Failure(f"{what}: expected a result, got "
                      f"{error_of(elem)!r}: {ET.tostring(elem)[:300]!r}")


def form_xml(fields, kind="submit", form_type=True):
    parts = [f"<x xmlns='{NS_DATA}' type='{kind}'>"]
    if form_type:
        parts.append("<field var='FORM_TYPE' type='hidden'>"
                     f"<value>{NS_SEARCH}</value></field>")
    for var, value in fields.items():
        parts.append(f"<field var='{var}'><value>{xml_escape(value)}"
                     "</value></field>")
    parts.append("</x>")
    return "".join(parts)


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def search_xml(form=None, legacy=None, max_=None, after=None, extra=""):
    body = ""
    if form is not None:
        body += form_xml(form)
    for k, v in (legacy or {}).items():
        body += f"<{k}>{xml_escape(v)}</{k}>"
    rsm = ""
    if max_ is not None:
        rsm += f"<max>{max_}</max>"
    if after is not None:
        rsm += f"<after>{xml_escape(after)}</after>"
    if rsm or extra:
        body += f"<set xmlns='{NS_RSM}'>{rsm}{extra}</set>"
    return f"<query xmlns='{NS_SEARCH}'>{body}</query>"


def form_items(elem):
    """The items of the first result form under ELEM, as dicts."""
    x = elem.find(f".//{q('x', NS_DATA)}")
    if x is None:
        return None
    items = []
    for item in x.findall(q("item", NS_DATA)):
        d = {}
        for f in item.findall(q("field", NS_DATA)):
            d[f.get("var")] = text_of(f, q("value", NS_DATA))
        items.append(d)
    return items


def rsm_last(elem):
    return text_of(elem, f".//{q('set', NS_RSM)}/{q('last', NS_RSM)}")


async def form_search(c, fields, max_=None, after=None):
    return await c.iq("set", COMP, search_xml(form=fields, max_=max_,
                                              after=after))


async def names_for(c, text):
    r = await form_search(c, {"q": text})
    expect_result(f"search {text!r}", r)
    return [i["name"] for i in form_items(r)]


# ------------------------------------------------------------ the checks

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


@check
async def disco_info(env):
    r = await env.alice.iq("get", COMP, f"<query xmlns='{NS_INFO}'/>")
    expect_result("disco#info", r)
    ident = r.find(f".//{q('identity', NS_INFO)}")
    expect_eq("identity", ("directory", "user", "Smart Office directory"),
              (ident.get("category"), ident.get("type"), ident.get("name"))
              if ident is not None else None)
    got = {f.get("var") for f in r.iter(q("feature", NS_INFO))}
    want = {NS_SEARCH, NS_RSM, NS_CMD, NS_VCARD, NS_INFO, NS_DATA}
    expect_eq("missing features", set(), want - got)


@check
async def disco_items(env):
    for node in (None, NS_CMD):
        attr = f" node='{node}'" if node else ""
        r = await env.alice.iq("get", COMP,
                               f"<query xmlns='{NS_ITEMS}'{attr}/>")
        expect_result(f"disco#items node={node}", r)
        items = [(i.get("jid"), i.get("node"), i.get("name"))
                 for i in r.iter(q("item", NS_ITEMS))]
        expect_eq(f"items of node={node}",
                  [(COMP, "search", "Search the directory")], items)


@check
async def search_get_form(env):
    r = await env.alice.iq("get", COMP, f"<query xmlns='{NS_SEARCH}'/>")
    expect_result("search get", r)
    query = r.find(q("query", NS_SEARCH))
    for legacy in ("instructions", "first", "last", "nick", "email"):
        expect_true(f"legacy <{legacy}/> present",
                    query.find(q(legacy, NS_SEARCH)) is not None,
                    ET.tostring(query)[:200])
    x = query.find(q("x", NS_DATA))
    expect_true("a form", x is not None and x.get("type") == "form",
                ET.tostring(query)[:300])
    fields = {f.get("var"): f for f in x.findall(q("field", NS_DATA))}
    expect_eq("FORM_TYPE", NS_SEARCH,
              text_of(fields.get("FORM_TYPE"), q("value", NS_DATA)))
    expect_eq("fields", {"FORM_TYPE", "q", "designation", "grade", "unit",
                         "city"}, set(fields))
    grades = [text_of(o, q("value", NS_DATA))
              for o in fields["grade"].findall(q("option", NS_DATA))]
    expect_eq("grade options", [str(g) for g in range(1, 23)], grades)
    cities = {text_of(o, q("value", NS_DATA)): o.get("label")
              for o in fields["city"].findall(q("option", NS_DATA))}
    expect_eq("city codes", {"ISB", "LHE", "KHI"}, set(cities))
    expect_eq("label of LHE", "Lahore — لاہور", cities["LHE"])
    expect_true("q label in both scripts", "—" in fields["q"].get("label")
                and "نام" in fields["q"].get("label"),
                fields["q"].get("label"))


@check
async def search_legacy(env):
    r = await env.alice.iq("set", COMP, search_xml(legacy={"last": "khan"}))
    expect_result("legacy search last=khan", r)
    items = [(i.get("jid"), text_of(i, q("first", NS_SEARCH)),
              text_of(i, q("last", NS_SEARCH)),
              text_of(i, q("nick", NS_SEARCH)),
              text_of(i, q("email", NS_SEARCH)))
             for i in r.iter(q("item", NS_SEARCH))]
    expect_eq("legacy items", [(f"e-1001@{COMP}", "Imran", "Khan",
                                "عمران خان", "imran.khan@finance.gov.pk")],
              items)
    r = await env.alice.iq("set", COMP,
                           search_xml(legacy={"first": "ayesha"}))
    expect_result("legacy search first=ayesha", r)
    jids = [i.get("jid") for i in r.iter(q("item", NS_SEARCH))]
    expect_eq("an entry with an account answers with its JID",
              ["alice@localhost"], jids)


@check
async def search_form(env):
    r = await form_search(env.alice, {"q": "khan"})
    expect_result("form search q=khan", r)
    x = r.find(f".//{q('x', NS_DATA)}")
    expect_eq("result form type", "result", x.get("type"))
    reported = [f.get("var") for f in x.findall(
        f"{q('reported', NS_DATA)}/{q('field', NS_DATA)}")]
    expect_eq("reported fields", ["jid", "name", "name_ur", "designation",
                                  "grade", "office", "city", "phone",
                                  "email", "status"], reported)
    items = form_items(r)
    expect_eq("khan finds Imran Khan", [{
        "jid": f"e-1001@{COMP}", "name": "Imran Khan", "name_ur": "عمران خان",
        "designation": "Section Officer", "grade": "17",
        "office": "Budget Wing", "city": "Islamabad",
        "phone": "051-9201001", "email": "imran.khan@finance.gov.pk",
        "status": "active"}], items)


@check
async def search_filters(env):
    base = {"designation": "data entry operator"}
    r = await form_search(env.alice, dict(base, grade="12"), max_=100)
    expect_result("designation + grade 12", r)
    expect_eq("entries of grade 12", 15, len(form_items(r)))
    r = await form_search(env.alice, dict(base, city="LHE"), max_=100)
    expect_result("designation + city LHE", r)
    expect_eq("cities of the LHE results", {"Lahore"},
              {i["city"] for i in form_items(r)})
    r = await form_search(env.alice, dict(base, grade="99"))
    expect_eq("grade 99", ("modify", "bad-request", ["en", "ur"]),
              error_of(r))


@check
async def urdu_spelling(env):
    expect_eq("علي رضا (Arabic yeh) finds علی رضا", ["Ali Raza"],
              await names_for(env.alice, "علي رضا"))
    expect_eq("رضا علی (any order)", ["Ali Raza"],
              await names_for(env.alice, "رضا علی"))


@check
async def wildcards_literal(env):
    expect_eq("'ka%' matches only a literal %", ["Zeba Ka%ir"],
              await names_for(env.alice, "ka%"))
    got = await names_for(env.alice, "sh_ah")
    expect_eq("'sh_ah' finds the literal _ first", "Omar Sh_ah",
              got[0] if got else None)
    # as SQL patterns these would match most names (Danish, Khan, ...)
    for text in ("%an", "_an", "%%ra"):
        expect_eq(f"{text!r} matches no name", [],
                  await names_for(env.alice, text))
    expect_eq("'ka*' is 'starts with ka'",
              {"Kamran Shah", "Karim Bux", "Kashif Qureshi", "Zeba Ka%ir"},
              set(await names_for(env.alice, "ka*")))


@check
async def lone_star_refused(env):
    for text in ("*", "**", "x"):
        r = await form_search(env.alice, {"q": text})
        expect_eq(f"query {text!r}", ("modify", "not-acceptable",
                                      ["en", "ur"]), error_of(r))


async def page_through(c, fields, size):
    seen, sizes, after = [], [], None
    for _ in range(20):
        r = await form_search(c, fields, max_=size, after=after)
        expect_result(f"page after {after!r}", r)
        items = form_items(r)
        sizes.append(len(items))
        seen += [i["jid"] for i in items]
        if len(items) < size:
            return seen, sizes
        after = rsm_last(r)
        expect_true("a full page has <last/>", after, after)
    raise Failure("paging did not end after 20 pages")


@check
async def paging(env):
    for size in (20, 7, 45):
        seen, sizes = await page_through(
            env.alice, {"designation": "Data Entry Operator"}, size)
        expect_eq(f"duplicates with pages of {size}", [],
                  sorted({j for j in seen if seen.count(j) > 1}))
        expect_eq(f"entries seen with pages of {size}", QURESHI, set(seen))
    expect_eq("page sizes of 20", [20, 20, 5], sizes if size == 20 else
              (await page_through(env.alice, {"q": "qureshi"}, 20))[1])
    r = await form_search(env.alice, {"q": "qureshi"}, after="not-ours")
    expect_eq("unknown cursor (XEP-0059)", "item-not-found",
              (error_of(r) or (None, None))[1])
    r = await env.alice.iq("set", COMP, search_xml(
        form={"q": "qureshi"}, extra="<before/>"))
    expect_eq("paging backwards", ("cancel", "feature-not-implemented",
                                   ["en", "ur"]), error_of(r))


@check
async def adhoc_command(env):
    c = env.alice
    r = await c.iq("set", COMP, f"<command xmlns='{NS_CMD}' node='search' "
                   "action='execute'/>")
    expect_result("execute", r)
    cmd = r.find(q("command", NS_CMD))
    sid = cmd.get("sessionid")
    expect_eq("status after execute", "executing", cmd.get("status"))
    expect_true("a session id", sid, sid)
    x = cmd.find(q("x", NS_DATA))
    expect_eq("form fields", ["FORM_TYPE", "q", "designation", "grade",
                              "city"],
              [f.get("var") for f in x.findall(q("field", NS_DATA))])
    seen, statuses = [], []
    r = await c.iq("set", COMP, f"<command xmlns='{NS_CMD}' node='search' "
                   f"sessionid='{sid}' action='complete'>"
                   f"{form_xml({'q': 'qureshi'})}</command>")
    for _ in range(5):
        expect_result("command page", r)
        cmd = r.find(q("command", NS_CMD))
        statuses.append(cmd.get("status"))
        seen += [i["jid"] for i in form_items(cmd)]
        if cmd.get("status") != "executing":
            break
        actions = cmd.find(q("actions", NS_CMD))
        expect_true("a next action", actions is not None and
                    actions.find(q("next", NS_CMD)) is not None,
                    ET.tostring(cmd)[:200])
        r = await c.iq("set", COMP, f"<command xmlns='{NS_CMD}' "
                       f"node='search' sessionid='{sid}' action='next'/>")
    expect_eq("statuses", ["executing", "executing", "completed"], statuses)
    expect_eq("entries of the command", QURESHI, set(seen))
    expect_eq("no duplicates", len(seen), len(set(seen)))
    r = await c.iq("set", COMP, f"<command xmlns='{NS_CMD}' node='search' "
                   f"sessionid='{sid}' action='next'/>")
    expect_eq("ended session", ("modify", "bad-request", ["en", "ur"]),
              error_of(r))


@check
async def chat_interface(env):
    c = env.alice
    m = await c.chat("help")
    expect_true("help in English and Urdu", "more" in m["body"] and
                "مزید" in m["body"], m["body"])
    m = await c.chat("khan")
    expect_eq("chat answer for khan", "Imran Khan — عمران خان, Section "
              f"Officer, Budget Wing, Islamabad: xmpp:e-1001@{COMP}",
              m["body"])
    expect_eq("answer type", "chat", m["type"])
    lines = []
    m = await c.chat("qureshi")
    for i in range(4):
        body = m["body"].split("\n")
        more = body[-1].startswith("more: send 'more'")
        lines += body[:-1] if more else body
        if not more:
            break
        m = await c.chat("more")
    expect_eq("pages in chat", 2, i)
    jids = [line.rsplit("xmpp:", 1)[-1] for line in lines]
    expect_eq("chat entries", QURESHI, set(jids))
    expect_eq("chat duplicates", len(jids), len(set(jids)))
    m = await c.chat("more")
    expect_true("more after the end", "first" in m["body"], m["body"])


@check
async def vcard(env):
    r = await env.alice.iq("get", f"e-1001@{COMP}",
                           f"<vCard xmlns='{NS_VCARD}'/>")
    expect_result("vCard of e-1001", r)
    v = r.find(q("vCard", NS_VCARD))

    def t(path):
        return text_of(v, "/".join(q(p, NS_VCARD) for p in path.split("/")))
    got = {p: t(p) for p in ("FN", "NICKNAME", "TITLE", "ORG/ORGNAME",
                             "ORG/ORGUNIT", "TEL/NUMBER", "EMAIL/USERID",
                             "ADR/LOCALITY", "JABBERID")}
    expect_eq("vCard", {
        "FN": "Imran Khan", "NICKNAME": "عمران خان",
        "TITLE": "Section Officer", "ORG/ORGNAME": "Government of Pakistan",
        "ORG/ORGUNIT": "Budget Wing", "TEL/NUMBER": "051-9201001",
        "EMAIL/USERID": "imran.khan@finance.gov.pk",
        "ADR/LOCALITY": "Islamabad", "JABBERID": f"e-1001@{COMP}"}, got)
    expect_true("TEL is WORK VOICE", v.find(
        f"{q('TEL', NS_VCARD)}/{q('WORK', NS_VCARD)}") is not None, got)
    r = await env.alice.iq("get", f"e-9999@{COMP}",
                           f"<vCard xmlns='{NS_VCARD}'/>")
    expect_eq("unknown entry", ("cancel", "item-not-found", ["en", "ur"]),
              error_of(r))
    r = await env.alice.iq("get", f"e-1000@{COMP}",
                           f"<vCard xmlns='{NS_VCARD}'/>")
    expect_eq("JABBERID of an entry with an account", "alice@localhost",
              text_of(r, f".//{q('JABBERID', NS_VCARD)}"))


@check
async def other_domain_forbidden(env):
    r = await env.bob.iq("set", COMP, search_xml(form={"q": "khan"}))
    expect_eq("search from other.localhost", ("auth", "forbidden",
                                               ["en", "ur"]), error_of(r))
    r = await env.bob.iq("get", f"e-1001@{COMP}",
                         f"<vCard xmlns='{NS_VCARD}'/>")
    expect_eq("vCard for other.localhost", ("auth", "forbidden",
                                            ["en", "ur"]), error_of(r))
    m = await env.bob.chat("khan")
    expect_eq("chat from other.localhost", ("auth", "forbidden",
                                            ["en", "ur"]), error_of(m.xml))


@check
async def hostile_input(env):
    c = env.alice
    cases = [
        ("form of type form", f"<query xmlns='{NS_SEARCH}'>"
         f"{form_xml({'q': 'khan'}, kind='form')}</query>", "bad-request"),
        ("wrong FORM_TYPE", f"<query xmlns='{NS_SEARCH}'><x xmlns="
         f"'{NS_DATA}' type='submit'><field var='FORM_TYPE'><value>x"
         "</value></field></x></query>", "bad-request"),
        ("field without var", f"<query xmlns='{NS_SEARCH}'><x xmlns="
         f"'{NS_DATA}' type='submit'><field><value>khan</value></field>"
         "</x></query>", "bad-request"),
        ("two values", f"<query xmlns='{NS_SEARCH}'><x xmlns='{NS_DATA}' "
         "type='submit'><field var='q'><value>a</value><value>b</value>"
         "</field></x></query>", "bad-request"),
        ("huge q", search_xml(form={"q": "khan " * 2000}), None),
        ("huge legacy", search_xml(legacy={"first": "ali " * 3000}), None),
        ("bad max", search_xml(form={"q": "khan"}, max_="-1"),
         "bad-request"),
        ("invalid city", search_xml(form={"q": "khan", "city": "Lahore"}),
         "bad-request"),
        ("C1 control character", search_xml(form={"q": "kh\u0085an"}),
         "not-acceptable"),
        ("empty search", f"<query xmlns='{NS_SEARCH}'/>", "not-acceptable"),
        ("unknown command", f"<command xmlns='{NS_CMD}' node='nope'/>",
         "item-not-found"),
        ("bad session", f"<command xmlns='{NS_CMD}' node='search' "
         "sessionid='0123456789abcdef0123456789abcdef' action='next'/>",
         "bad-request"),
        ("unknown namespace", "<query xmlns='urn:example:nothing'/>",
         "service-unavailable"),
    ]
    for what, payload, cond in cases:
        r = await c.iq("set", COMP, payload)
        err = error_of(r)
        expect_true(f"{what}: an error with en and ur texts",
                    err is not None and err[2] == ["en", "ur"], err)
        if cond is not None:
            expect_eq(f"{what}: condition", cond, err[1])
    r = await c.iq("get", COMP, f"<query xmlns='{NS_INFO}'/>")
    expect_result("still answering", r)


# the checks below search as dave, whose rate-limit bucket the checks
# above have not spent

@check
async def unknown_codes(env):
    """Well-formed codes that are not in the directory are bad-request,
    with texts naming the field; codes that are there still search."""
    base = {"designation": "data entry operator"}
    for var, value in (("city", "XXX"), ("unit", "NOPE"), ("city", "xxx"),
                       ("unit", "MOF-NOPE")):
        r = await form_search(env.dave, dict(base, **{var: value}))
        expect_eq(f"{var}={value}", ("modify", "bad-request", ["en", "ur"]),
                  error_of(r))
        expect_true(f"{var}={value}: the English text names the field",
                    f"'{var}'" in error_text(r, "en"), error_text(r, "en"))
        expect_true(f"{var}={value}: the Urdu text names the field",
                    f"'{var}'" in error_text(r, "ur"), error_text(r, "ur"))
    r = await form_search(env.dave, {"q": "khan", "unit": "MOF"})
    expect_eq("unit MOF (and the offices under it) still finds Imran Khan",
              ["Imran Khan"], [i["name"] for i in form_items(r) or []])
    r = await env.dave.iq("set", COMP, f"<command xmlns='{NS_CMD}' "
                           "node='search' action='execute'/>")
    sid = r.find(q("command", NS_CMD)).get("sessionid")
    r = await env.dave.iq("set", COMP, f"<command xmlns='{NS_CMD}' "
                           f"node='search' sessionid='{sid}' "
                           "action='complete'>"
                           f"{form_xml({'q': 'khan', 'city': 'XXX'})}"
                           "</command>")
    expect_eq("command with city=XXX", ("modify", "bad-request",
                                        ["en", "ur"]), error_of(r))


@check
async def error_texts(env):
    c = env.dave
    legacy = await c.iq("set", COMP, search_xml(
        legacy={"first": "ali " * 3000}))
    form = await c.iq("set", COMP, search_xml(form={"q": "khan " * 2000}))
    expect_eq("long legacy field", ("modify", "not-acceptable",
                                    ["en", "ur"]), error_of(legacy))
    expect_eq("long form q: as for legacy fields",
              (error_of(legacy), error_text(legacy, "en"),
               error_text(legacy, "ur")),
              (error_of(form), error_text(form, "en"),
               error_text(form, "ur")))
    expect_true("the text says too long", "long" in error_text(form, "en"),
                error_text(form, "en"))
    r = await c.iq("set", COMP, f"<command xmlns='{NS_CMD}' node='nope'/>")
    expect_eq("unknown command node", ("cancel", "item-not-found",
                                       ["en", "ur"]), error_of(r))
    expect_true("unknown command: the text says command",
                "command" in error_text(r, "en") and
                "entry" not in error_text(r, "en"), error_text(r, "en"))
    r = await c.iq("set", COMP, search_xml(form={"q": "qureshi"},
                                           extra="<index>3</index>"))
    expect_eq("RSM <index/>", ("cancel", "feature-not-implemented",
                               ["en", "ur"]), error_of(r))
    expect_true("<index/>: the text says index, not backwards",
                "index" in error_text(r, "en") and
                "backwards" not in error_text(r, "en"), error_text(r, "en"))
    r = await c.iq("set", COMP, search_xml(form={"q": "qureshi"},
                                           extra="<before/>"))
    expect_true("<before/>: the text says backwards",
                "backwards" in error_text(r, "en"), error_text(r, "en"))


@check
async def rsm_twice(env):
    for what, extra in (("two <max/>", "<max>5</max><max>50</max>"),
                        ("two <after/>", "<after>a</after><after>b</after>")):
        r = await env.dave.iq("set", COMP, search_xml(
            form={"q": "qureshi"}, extra=extra))
        expect_eq(what, ("modify", "bad-request", ["en", "ur"]),
                  error_of(r))
    r = await form_search(env.dave, {"q": "qureshi"}, max_=5)
    expect_eq("one <max/> still pages", 5, len(form_items(r) or []))


@check
async def chat_status(env):
    c = env.dave
    m = await c.chat("farooqi")
    expect_eq("retired and suspended: status, no xmpp: link", [
        "Nadeem Farooqi — ندیم فاروقی, Superintendent, Ministry of "
        "Information Technology, Islamabad (retired — ریٹائرڈ)",
        "Sajid Farooqi — ساجد فاروقی, Superintendent, Ministry of "
        "Information Technology, Islamabad (suspended — معطل)"],
        sorted(m["body"].split("\n")))
    m = await c.chat("zeba")
    expect_true("on leave: status in both scripts, and the link",
                "(on leave — رخصت پر): xmpp:e-1004@" in m["body"],
                m["body"])
    m = await c.chat("khan")
    expect_true("active: no status", "(" not in m["body"], m["body"])


@check
async def rate_limit(env):
    c = env.rater
    got = None
    for i in range(60):
        r = await form_search(c, {"q": "khan"})
        if r.get("type") == "error":
            got = (i, error_of(r), error_text(r))
            break
    expect_true("rate limit within 60 searches (burst 40)", got is not None
                and got[0] >= 40, got)
    expect_eq("rate limit error", ("wait", "resource-constraint",
                                   ["en", "ur"]), got[1])
    expect_true("retry seconds in the text",
                any(ch.isdigit() for ch in got[2]), got[2])
    r = await form_search(env.alice, {"q": "khan"})
    expect_result("another user is not limited", r)


@check
async def postgresql_restart(env):
    # carol searches only here and after the Prosody restart, so the rate
    # limit the other checks ran into cannot answer for PostgreSQL
    stack = os.path.join(TOP, "scripts", "pg-stack")
    subprocess.run([stack, "stop", env.pg_dir], check=True,
                   stdout=subprocess.DEVNULL)
    try:
        r = await form_search(env.carol, {"q": "khan"})
        expect_eq("search with PostgreSQL stopped",
                  ("wait", "internal-server-error", ["en", "ur"]),
                  error_of(r))
    finally:
        subprocess.run([stack, "start", env.pg_dir], check=True,
                       stdout=subprocess.DEVNULL)
    last = None
    for _ in range(30):
        r = await form_search(env.carol, {"q": "khan"})
        if r.get("type") == "result":
            expect_eq("answer after restart", ["Imran Khan"],
                      [i["name"] for i in form_items(r)])
            return
        last = error_of(r)
        await asyncio.sleep(1)
    raise Failure(f"no answer 30 s after PostgreSQL came back: {last!r}")


@check
async def prosody_restart(env):
    stack = os.path.join(TOP, "scripts", "prosody-stack")
    for c in (env.alice, env.rater, env.bob, env.carol, env.dave):
        c.disconnect()
    await asyncio.sleep(0.5)
    subprocess.run([stack, "stop", env.xmpp_dir], check=True)
    subprocess.run([stack, "start", env.xmpp_dir], check=True)
    env.carol = Client(f"carol@{DOMAIN}")
    await env.carol.start()
    last = None
    for _ in range(40):
        r = await env.carol.iq("get", COMP, f"<query xmlns='{NS_INFO}'/>")
        if r.get("type") == "result":
            expect_eq("search after the reconnect", ["Imran Khan"],
                      await names_for(env.carol, "khan"))
            return
        last = error_of(r)
        await asyncio.sleep(1)
    raise Failure(f"component not back 40 s after Prosody: {last!r}")


@check
async def write_log_expectations(env):
    """For tests/directory/run: how many answers were database failures
    (the component's summary line must count exactly these as failed)."""
    r = await form_search(env.carol, {"q": "qureshi"}, after="not-ours")
    expect_eq("a bad cursor", "item-not-found", (error_of(r) or (0, 0))[1])
    with open(os.path.join(os.environ["WORK"], "expected-failed"),
              "w") as f:
        f.write(f"{Client.failures}\n")


# ------------------------------------------------------------ main

class Env:
    pass


async def main(args):
    env = Env()
    env.pg_dir = os.environ["PG_DIR"]
    env.xmpp_dir = os.environ["XMPP_DIR"]
    env.alice = Client(f"alice@{DOMAIN}")
    env.rater = Client(f"rater@{DOMAIN}")
    env.bob = Client("bob@other.localhost")
    env.carol = Client(f"carol@{DOMAIN}")
    env.dave = Client(f"dave@{DOMAIN}")
    for c in (env.alice, env.rater, env.bob, env.carol, env.dave):
        await c.start()
    # the component may still be connecting
    for _ in range(50):
        r = await env.alice.iq("get", COMP, f"<query xmlns='{NS_INFO}'/>")
        if r.get("type") == "result":
            break
        await asyncio.sleep(0.2)
    failed = []
    for fn in CHECKS:
        name = fn.__name__
        if args.k and args.k not in name:
            continue
        try:
            await asyncio.wait_for(fn(env), 120)
            print(f"ok {name}", flush=True)
        except Failure as e:
            print(f"FAILED {name}: {e}", flush=True)
            failed.append(name)
        except Exception as e:  # a crash of the check is a failure too
            print(f"FAILED {name}: {type(e).__name__}: {e}", flush=True)
            failed.append(name)
    for c in (env.alice, env.rater, env.bob, env.carol, env.dave):
        c.disconnect()
    if failed:
        print(f"directory: failed checks: {' '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="")
    logging.basicConfig(level=logging.CRITICAL)
    sys.exit(asyncio.run(main(ap.parse_args())))
