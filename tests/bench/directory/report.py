#!/usr/bin/python3
"""report.py - the directory bench's query table, from bench_directory's
per-query files.

    report.py SQL_TSV [XMPP_TSV] [--target-ms 20]
              [--slowest N --queries QUERIES_TSV]

SQL_TSV (bench_directory sql): category, Smart Office ms, found share,
results, ejabberd ms, found share, results ("-" where ejabberd cannot
express the query), |expected|.
XMPP_TSV (bench_directory xmpp): category, ms, found share, items, outcome.
Percentiles are nearest-rank. A query's found share is |first page ∩
expected| / min(|expected|, page size), the expected set by the bench's
oracle (bench_directory.c); found is its mean over the queries, and
"expected" the mean |expected|.
--slowest N lists the N slowest queries in SQL (and end to end), with
their category and text from QUERIES_TSV (bench_directory queries; line I
of it is line I of the others).
"""

import argparse
import math
import sys

CATEGORIES = [
    ("urdu", "Urdu full name"),
    ("latin", "Latin full name"),
    ("word", "one name word"),
    ("misspelt", "misspelt name"),
    ("title", "designation+city"),
]


def pct(values, p):
    """Nearest-rank percentile of VALUES (not empty)."""
    v = sorted(values)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)]


def triple(values):
    if not values:
        return "     n/a          "
    return "%6.2f %6.2f %6.2f" % tuple(pct(values, p) for p in (50, 95, 99))


def share(total, n):
    """The mean of N shares adding up to TOTAL, in per cent."""
    return "%5.1f%%" % (100.0 * total / n) if n else "   n/a"


def read_tsv(path, width):
    rows = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) != width:
                sys.exit("report.py: %s:%d: %d columns, want %d"
                         % (path, i, len(cols), width))
            rows.append(cols)
    return rows


def slowest(n, label, rows, queries):
    """Prints the N slowest of ROWS (ms in column 1) with their query."""
    if len(queries) != len(rows):
        sys.exit("report.py: %d queries for %d %s times"
                 % (len(queries), len(rows), label))
    order = sorted(range(len(rows)), key=lambda i: -float(rows[i][1]))
    print("slowest %d in %s: ms, category, results, query" % (n, label))
    for i in order[:n]:
        print("  %8.2f  %-8s %3s  %s" % (float(rows[i][1]), rows[i][0],
                                         rows[i][3], queries[i][3]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sql")
    ap.add_argument("xmpp", nargs="?")
    ap.add_argument("--target-ms", type=float, default=20.0)
    ap.add_argument("--slowest", type=int, default=0)
    ap.add_argument("--queries")
    args = ap.parse_args()
    if args.slowest and not args.queries:
        sys.exit("report.py: --slowest needs --queries")

    sql = read_tsv(args.sql, 8)
    xmpp = read_tsv(args.xmpp, 5) if args.xmpp else []
    if xmpp and len(xmpp) != len(sql):
        sys.exit("report.py: %d end-to-end answers for %d queries"
                 % (len(xmpp), len(sql)))

    print("%-17s %4s %8s | %-20s | %-20s | %-13s | %-20s | %-7s" % (
        "", "", "", "Smart Office SQL ms", "end to end ms", "found",
        "ejabberd SQL ms", "found"))
    print("%-17s %4s %8s | %-20s | %-20s | %-13s | %-20s | %-7s" % (
        "category", "n", "expected", "   p50    p95    p99",
        "   p50    p95    p99", "  SQL    e2e", "   p50    p95    p99", ""))
    groups = CATEGORIES + [(None, "all")]
    for key, label in groups:
        idx = [i for i, r in enumerate(sql) if key is None or r[0] == key]
        if not idx:
            continue
        so_ms = [float(sql[i][1]) for i in idx]
        so_found = sum(float(sql[i][2]) for i in idx)
        expected = sum(int(sql[i][7]) for i in idx) / len(idx)
        ej = [sql[i] for i in idx if sql[i][4] != "-"]
        ej_ms = [float(r[4]) for r in ej]
        ej_found = sum(float(r[5]) for r in ej)
        e2e_ms = [float(xmpp[i][1]) for i in idx] if xmpp else []
        e2e_found = sum(float(xmpp[i][2]) for i in idx) if xmpp else 0
        ej_note = share(ej_found, len(idx)) if ej else "   n/a"
        if ej and len(ej) != len(idx):
            ej_note += " (%d n/a)" % (len(idx) - len(ej))
        print("%-17s %4d %8.1f | %s | %s | %s %s | %s | %s" % (
            label, len(idx), expected, triple(so_ms), triple(e2e_ms),
            share(so_found, len(idx)),
            share(e2e_found, len(idx)) if xmpp else "   n/a",
            triple(ej_ms), ej_note))

    errors = {}
    for r in xmpp:
        if r[4] != "ok":
            errors[r[4]] = errors.get(r[4], 0) + 1
    if errors:
        print("end-to-end error answers: " + ", ".join(
            "%s %d" % kv for kv in sorted(errors.items())))
    print("expected: the mean number of people the oracle expects a query "
          "to find;")
    print("found: the mean share of them on the first page, of at most a "
          "page of them.")
    print("ejabberd found counts a query it cannot express as not found.")
    if args.slowest:
        queries = read_tsv(args.queries, 7)
        slowest(args.slowest, "SQL", sql, queries)
        if xmpp:
            slowest(args.slowest, "end to end", xmpp, queries)
    if xmpp:
        p95 = pct([float(r[1]) for r in xmpp], 95)
        print("target: end-to-end p95 <= %.0f ms over all %d queries: "
              "%.2f ms, %s" % (args.target_ms, len(xmpp), p95,
                               "MET" if p95 <= args.target_ms else "NOT MET"))
    else:
        print("target: end-to-end p95 <= %.0f ms: NOT MEASURED "
              "(no end-to-end run)" % args.target_ms)


if __name__ == "__main__":
    main()
