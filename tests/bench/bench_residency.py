#!/usr/bin/python3
"""bench_residency - how long a zone change in PostgreSQL takes to be
enforced by Prosody (mod_smartoffice_store + mod_residency).

    bench_residency.py --port N --jid JID --password P --domain D
                       [--rounds 20]

The Prosody on 127.0.0.1:N must load mod_residency with SMARTOFFICE_DB
as its smartoffice_db, and D must not be a zone yet. Each round adds the
zone D and then removes it with `smartoffice zone add|remove`, and after
each change sends probe messages to probe@D every 5 ms, from the moment
the command is started, until the change shows:

- remove: a probe is bounced with cancel/policy-violation (mod_residency
  refuses it in route/remote, before any DNS query or connection). The
  delay is that probe's send time minus the command's start.
- add: a probe gets no policy-violation within 0.2 s. Nothing listens
  for D, so such a probe fails later with another error (or never
  answers); that error is not a refusal and is ignored. The delay is the
  send time of the first probe not refused.

Probes on one stream are handled in order, so the first probe with the
new outcome marks the change to within the 5 ms between probes. Before
each change the script waits a random 0-300 ms: mod_smartoffice_store
installs snapshots every 0.25 s, and changes started in step with the
measurement loop would always meet that timer at the same phase. Prints
one line per change and a summary line:

    zone_to_enforcement changes=40 median_ms=... max_ms=...

Exit status 0 when every change was enforced within 5 s, 1 otherwise.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))

from harness import NS_STANZAS, Client, find, message  # noqa: E402

SO = os.path.join(TOP, "build", "bin", "smartoffice")
INTERVAL = 0.005     # between probes
SETTLED = 0.2        # a refusal comes back well within this
LIMIT = 5.0          # a change not enforced by then is a failure
JITTER = 0.3         # the longest random wait before a change


class Probes:
    """The probes of one change: ids in send order, send times, and which
    were refused by policy."""

    def __init__(self, client, domain, tag):
        self.client = client
        self.to = f"probe@{domain}"
        self.tag = tag
        self.ids = []
        self.sent_at = {}
        self.refused = set()

    def send(self):
        mid = f"{self.tag}-{len(self.ids)}"
        self.client.send(message(self.to, mid, "<body>probe</body>"))
        self.sent_at[mid] = time.monotonic()
        self.ids.append(mid)

    def take_replies(self, until):
        """Files the error replies to our probes that arrive before the
        monotonic time UNTIL; other errors (from an approved domain
        nobody serves) are dropped."""
        mine = self.sent_at
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return
            st = self.client.wait_for(
                lambda s: s.kind == "message" and s.get("type") == "error"
                and s.get("id") in mine, left)
            if st is None:
                return
            if is_policy_refusal(st):
                self.refused.add(st.get("id"))

    def first_refused(self):
        for mid in self.ids:
            if mid in self.refused:
                return mid
        return None

    def first_passed(self, now):
        """The first probe old enough to have been refused that was not."""
        for mid in self.ids:
            if now - self.sent_at[mid] < SETTLED:
                return None
            if mid not in self.refused:
                return mid
        return None


def is_policy_refusal(st):
    err = find(st.elem, "error")
    return (err is not None and err.get("type") == "cancel"
            and find(err, "policy-violation", NS_STANZAS) is not None)


def change(client, domain, verb, tag):
    """Runs `smartoffice zone VERB DOMAIN` and returns the seconds from
    starting it to the first probe with the new outcome."""
    args = [SO, "zone", verb]
    if verb == "add":
        args += ["--reason", "bench"]
    args += ["--by", "tests/bench", "--"]
    args.append(domain)
    time.sleep(random.uniform(0, JITTER))
    client.drain()
    probes = Probes(client, domain, tag)
    t0 = time.monotonic()
    cli = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    mid = None
    while mid is None:
        now = time.monotonic()
        if now - t0 > LIMIT:
            cli.wait()
            raise SystemExit(f"bench_residency: zone {verb} {domain} not "
                             f"enforced within {LIMIT:.0f} s")
        probes.send()
        probes.take_replies(now + INTERVAL)
        if verb == "remove":
            mid = probes.first_refused()
        else:
            mid = probes.first_passed(time.monotonic())
    _, err = cli.communicate()
    if cli.returncode != 0:
        raise SystemExit(f"bench_residency: smartoffice zone {verb} "
                         f"{domain} failed: {err.strip()}")
    return probes.sent_at[mid] - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--jid", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--domain", required=True)
    ap.add_argument("--rounds", type=int, default=20)
    opts = ap.parse_args()
    if not os.environ.get("SMARTOFFICE_DB"):
        raise SystemExit("bench_residency: SMARTOFFICE_DB is not set")

    client = Client(opts.port, opts.jid, opts.password)
    delays = {"add": [], "remove": []}
    try:
        for r in range(1, opts.rounds + 1):
            for verb in ("add", "remove"):
                d = change(client, opts.domain, verb, f"r{r}{verb[0]}")
                delays[verb].append(d)
                print(f"  round {r:2d} zone {verb:6s} -> "
                      f"{'refusals stop' if verb == 'add' else 'refused':13s}"
                      f" {d * 1000:6.1f} ms", flush=True)
    finally:
        client.close()

    every = delays["add"] + delays["remove"]
    for verb, ds in delays.items():
        print(f"zone {verb}: median {statistics.median(ds) * 1000:.1f} ms, "
              f"max {max(ds) * 1000:.1f} ms ({len(ds)} changes)")
    print(f"zone_to_enforcement changes={len(every)} "
          f"median_ms={statistics.median(every) * 1000:.1f} "
          f"max_ms={max(every) * 1000:.1f}")


if __name__ == "__main__":
    main()
