#!/usr/bin/env python3
"""mobieusKnow's search, measured as the wiki grows, written to bench/know-search.md.

    bench/know-search.py              # both databases, 1k and 100k pages (~10 minutes plus the release build)
    PAGES=20000 DURATION=5 bench/know-search.py

What it measures (wrk; the server and PostgreSQL share this machine's cores), on PostgreSQL and SQLite, once the
tenant holds 1,000 pages and again at 100,000 (created through the API, 8 clients, each page with its revision and
search entry): GET /api/v1/know/search for a common word, a rare word, a phrase, a prefix and a word with an
exclusion (1 connection, then 16). Page bodies are ~120 words drawn from a Zipf-distributed vocabulary of 5,000
made-up words plus a few English ones, so common words match a large share of the pages and rare ones a handful.
Not a test: nothing here fails a build. It reuses request-path.py's server, wrk and admin helpers.
"""

import concurrent.futures
import importlib.util
import json
import os
import random
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("request_path", os.path.join(HERE, "request-path.py"))
rp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rp)

SIZES = [1000, int(os.environ.get("PAGES", "100000"))]
SYLLABLES = ["ka", "lo", "mi", "ra", "te", "su", "no", "pe", "vi", "da", "xo", "zu", "be", "fa", "gi", "ho"]
ENGLISH = ["refund", "shipping", "policy", "order", "account", "invoice", "delivery", "return", "payment", "support"]


def vocabulary():
    rnd = random.Random(7)
    words = set()
    while len(words) < 5000:
        words.add("".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 4))))
    return ENGLISH + sorted(words)


VOCAB = vocabulary()
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCAB))]


def page(i):
    rnd = random.Random(i)
    title = " ".join(rnd.choices(VOCAB, WEIGHTS, k=3)).capitalize()
    body = "\n\n".join(" ".join(rnd.choices(VOCAB, WEIGHTS, k=40)) + "." for _ in range(3))
    return {"slug": f"page-{i}", "title": title, "body_md": f"# {title}\n\n{body}\n"}


def create(key, i):
    req = urllib.request.Request(f"http://127.0.0.1:{rp.PORT}/api/v1/know/pages", data=json.dumps(page(i)).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=60).read()


def load(key, start, end):
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: create(key, i), range(start, end)))
    return (end - start) / (time.time() - started)


def search(key, q):
    req = urllib.request.Request(f"http://127.0.0.1:{rp.PORT}/api/v1/know/search?" + urllib.parse.urlencode({"q": q}),
                                 headers={"Authorization": f"Bearer {key}"})
    return json.loads(urllib.request.urlopen(req, timeout=60).read())


QUERIES = {
    "a common word": "refund",
    "a rare word": VOCAB[3000],
    "a phrase": '"refund shipping"',
    "a prefix": "ka*",
    "a word without another": "policy -order",
}


def main():
    results = {}

    def measure(name, db, tmp):
        rp.admin(db, "tenant", "create", "wiki")
        key = rp.key_for(db, "wiki")
        server = rp.Server(db)
        loaded = 0
        for size in SIZES:
            print(f"{name}: creating pages {loaded:,}..{size:,} ...", flush=True)
            results[(name, "load", size)] = load(key, loaded, size)
            loaded = size
            if name == "PostgreSQL":
                # what autovacuum does after a load this size; this machine's
                # PostgreSQL runs without it, and a never-analysed table
                # leads generic plans to scan the tenant's rows instead of
                # the GIN index (818 ms for a rare word instead of 4-8 ms)
                rp.sh("psql", db, "-qc", "ANALYZE")
            for label, q in QUERIES.items():
                got = search(key, q)
                results[(name, "matches", size, label)] = got["total_count"]
                path = "/api/v1/know/search?" + urllib.parse.urlencode({"q": q})
                for conns in (1, 16):
                    print(f"{name} at {size:,}: {label}, {conns} connection(s) ...", flush=True)
                    results[(name, size, label, conns)] = rp.wrk(path, conns, key)
        results[(name, "rss")] = server.rss_mib()
        server.stop()

    rp.on_both_databases("know", measure)
    write_report(results)


def write_report(r):
    lines = rp.report_head("mobieusKnow search, measured", "know-search.py",
                           " Each search ranks the engine's 200 best candidates and counts every match, so its cost"
                           " grows with the matches, not the wiki: a word on every page ranks every page (bounded by"
                           " ts_rank / FTS5's rank over all matches). PostgreSQL's tables are ANALYZEd after each load"
                           " (this machine's PostgreSQL runs without autovacuum; unanalysed, generic plans scan the"
                           " tenant's rows instead of the GIN index).") + [
        "",
        "Pages created through the API (8 clients): " + "; ".join(
            f"{name} {rp.fmt(r[(name, 'load', SIZES[-1])], 0)} pages/s" for name in ("PostgreSQL", "SQLite")) + ".",
        "",
        "| backend | pages | query | matches | 1 conn p50 | 1 conn p99 | 16 conns req/s | 16 conns p99 |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name in ("PostgreSQL", "SQLite"):
        for size in SIZES:
            for label, q in QUERIES.items():
                one, many = r[(name, size, label, 1)], r[(name, size, label, 16)]
                lines.append(f"| {name} | {size:,} | {label} (`{q}`) | {r[(name, 'matches', size, label)]:,} | {one['p50']:.2f} ms | "
                             f"{one['p99']:.2f} ms | {rp.fmt(many['rps'], 0)} | {many['p99']:.2f} ms |")
    lines += ["", "Server RSS at the end (current, peak): " + ", ".join(
        f"{name} {r[(name, 'rss')][0]:.0f} MiB ({r[(name, 'rss')][1]:.0f})" for name in ("PostgreSQL", "SQLite")) + "."]
    with open(os.path.join(HERE, "know-search.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    if "--help" in sys.argv:
        print(__doc__)
    else:
        main()
