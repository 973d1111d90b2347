#!/usr/bin/python3
"""close_time.py - how long a directory change in PostgreSQL takes to close
the session it concerns, through mod_smartoffice_store's follower and
mod_rollout (tests/bench/rollout/run starts the servers).

    close_time.py --port C2S --jid JID --password PW --pg PGDIR \\
        --city CODE --employee NUMBER [--rounds 20] [--label TEXT]

Each round: log JID in (slixmpp), wait a random 0-1 s (so that changes do
not keep one phase against the follower's 0.5 s tick), then one UPDATE in
PostgreSQL - odd rounds pause the city CODE, even rounds suspend employee
NUMBER - and wait until the server closes the stream. The time runs from
clock_timestamp() inside the UPDATE's transaction, just before its commit
(PostgreSQL runs on this host: the same clock), to the client seeing the
stream end. Then the change is undone and the next round logs in again
once the gate admits the user. Values reach SQL as psql variables only.

Prints one line per round and a summary; exit status 1 when a round could
not be run (a login that never succeeds, a session never closed).
"""

import argparse
import asyncio
import logging
import math
import os
import random
import ssl
import subprocess
import sys
import time

import slixmpp

HERE = os.path.dirname(os.path.abspath(__file__))
PG_STACK = os.path.join(HERE, "..", "..", "..", "scripts", "pg-stack")
LIMIT_S = 5.0  # the requirement: closed within 5 s of the change
WAIT_S = 20.0  # how long a round waits for the close before giving up
LOGIN_S = 20.0  # how long the gate may take to admit the user again

# (what the round changes, the SQL, the SQL that undoes it)
CHANGES = {
    "city": ("pause the city",
             "UPDATE smartoffice.city SET state = 'paused' "
             "WHERE code = :'city';",
             "UPDATE smartoffice.city SET state = 'live' "
             "WHERE code = :'city';"),
    "person": ("suspend the person",
               "UPDATE smartoffice.employee SET status = 'suspended' "
               "WHERE employee_no = :'no';",
               "UPDATE smartoffice.employee SET status = 'active' "
               "WHERE employee_no = :'no';"),
}


class BenchError(Exception):
    pass


class Session(slixmpp.ClientXMPP):
    """One login; records when the stream ended and its error."""

    def __init__(self, jid, password):
        super().__init__(jid + "/bench", password)
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.started = False
        self.ended = asyncio.Event()
        self.ended_at = None  # wall clock, seconds
        self.condition = None
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("failed_auth", self.on_failed)
        self.add_event_handler("stream_error", self.on_stream_error)
        self.add_event_handler("disconnected", self.on_disconnected)
        self.settled = asyncio.Event()

    def on_start(self, _):
        self.started = True
        self.settled.set()

    def on_failed(self, _):
        self.settled.set()
        self.disconnect()

    def on_stream_error(self, err):
        self.condition = err["condition"]

    def on_disconnected(self, _):
        if self.ended_at is None:
            self.ended_at = time.time()
        self.ended.set()
        self.settled.set()


async def login(args):
    """A started session, retried while the gate still refuses."""
    deadline = time.monotonic() + LOGIN_S
    while time.monotonic() < deadline:
        s = Session(args.jid, args.password)
        s.connect(address=("127.0.0.1", args.port))
        try:
            await asyncio.wait_for(s.settled.wait(), 10)
        except asyncio.TimeoutError:
            s.disconnect()
        if s.started:
            return s
        await asyncio.sleep(0.2)
    raise BenchError(f"{args.jid}: no session within {LOGIN_S:.0f} s")


async def psql(args, sql):
    """Runs SQL in one transaction; returns clock_timestamp() taken inside
    it, after SQL and before the commit (seconds since 1970)."""
    script = ("BEGIN;\n" + sql + "\n"
              "SELECT extract(epoch FROM clock_timestamp());\nCOMMIT;\n")
    p = await asyncio.create_subprocess_exec(
        PG_STACK, "psql", args.pg, "-X", "-q", "-A", "-t",
        "-v", "ON_ERROR_STOP=1", "-v", f"city={args.city}",
        "-v", f"no={args.employee}",
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)
    out, _ = await p.communicate(script.encode())
    if p.returncode != 0:
        raise BenchError(f"psql: exit {p.returncode}: {out.decode()[-400:]}")
    return float(out.decode().split()[0])


async def one_round(args, n):
    kind = "city" if n % 2 == 1 else "person"
    what, change, undo = CHANGES[kind]
    s = await login(args)
    try:
        await asyncio.sleep(random.uniform(0, 1))
        at = await psql(args, change)
        try:
            await asyncio.wait_for(s.ended.wait(), WAIT_S)
        except asyncio.TimeoutError:
            raise BenchError(f"round {n} ({what}): the session is still "
                             f"open {WAIT_S:.0f} s after the change")
    finally:
        s.disconnect()
    took = s.ended_at - at
    print(f"  round {n:2d}  {what:<20} closed after {took * 1000:7.1f} ms"
          f"  ({s.condition or 'no stream error'})", flush=True)
    await psql(args, undo)
    return kind, took


def p95(values):
    v = sorted(values)
    return v[max(0, math.ceil(0.95 * len(v)) - 1)]


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


async def main_async(args):
    times = {"city": [], "person": []}
    for n in range(1, args.rounds + 1):
        kind, took = await one_round(args, n)
        times[kind].append(took)
    every = times["city"] + times["person"]
    ms = [t * 1000 for t in every]
    print(f"change in PostgreSQL to session closed, {args.label}: "
          f"{len(ms)} changes")
    print(f"  median {median(ms):.0f} ms, p95 {p95(ms):.0f} ms, "
          f"max {max(ms):.0f} ms  (pause the city: median "
          f"{median(times['city']) * 1000:.0f} ms; suspend the person: "
          f"median {median(times['person']) * 1000:.0f} ms)")
    print(f"  requirement: closed within {LIMIT_S:.0f} s: "
          + ("MET" if max(every) < LIMIT_S else
             f"NOT MET ({sum(t >= LIMIT_S for t in every)} over)"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--jid", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--pg", required=True, help="pg-stack directory")
    ap.add_argument("--city", required=True)
    ap.add_argument("--employee", required=True)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--label", default="")
    args = ap.parse_args()
    if args.rounds < 2:
        ap.error("--rounds must be at least 2 (one change of each kind)")
    logging.basicConfig(level=logging.CRITICAL)
    try:
        asyncio.run(main_async(args))
    except BenchError as e:
        print(f"close_time: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
