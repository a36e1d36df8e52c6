#!/usr/bin/env python3
"""The xAPI record store, measured in one run on one machine, written to bench/xapi-lrs.md.

    bench/xapi-lrs.py                 # both databases (~4 minutes plus the release build)
    DURATION=5 bench/xapi-lrs.py      # shorter runs per point

What it measures (wrk, the server and PostgreSQL share this machine's cores), on PostgreSQL and SQLite:
  - statements stored per second: POST /statements with one statement a request and with batches of
    100 (16 connections; every statement new, with its own UUID, so each is validated, indexed and
    written with its event);
  - query latency once the tenant holds 100,000 statements (stored through the API in batches of 100):
    the newest page (`limit=25`), an agent's statements, a verb's, an activity with its related
    activities, and a `more` page deep in the agent's statements (1 connection, then 16).
Not a test: nothing here fails a build. It reuses request-path.py's server, wrk and admin helpers.
"""

import importlib.util
import json
import os
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("request_path", os.path.join(HERE, "request-path.py"))
rp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rp)

XAPI = "/api/v1/learn/xapi"
LOADED = int(os.environ.get("LOADED", "100000"))
AGENTS = 200
VERBS = ["attempted", "completed", "passed", "failed", "experienced"]

# Every request a new statement (or batch): ids from the thread, the
# request's number and the run, so nothing is a re-send.
POST_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Experience-API-Version"] = "1.0.3"
""" + rp.THREAD_IDS_LUA + """
local n = 0
local run = string.format("%08x", os.time() % 4294967296)
local function statement(i)
  local id = string.format("%s-%04x-4%03x-8%03x-%012x", run, tid, i % 4096, n % 4096, n)
  return '{"id":"' .. id .. '","actor":{"mbox":"mailto:bench' .. (i % 200) .. '@example.org","name":"Bench"},'
    .. '"verb":{"id":"http://adlnet.gov/expapi/verbs/attempted","display":{"en-US":"attempted"}},'
    .. '"object":{"id":"https://learn.example.org/activities/' .. (i % 50) .. '","definition":{"name":{"en-US":"Activity"}}},'
    .. '"context":{"contextActivities":{"parent":[{"id":"https://learn.example.org/courses/1"}]}}}'
end
function request()
  n = n + 1
  local parts = {}
  for i = 1, BATCH do parts[i] = statement(i) end
  local body = BATCH == 1 and parts[1] or ("[" .. table.concat(parts, ",") .. "]")
  return wrk.format(nil, nil, nil, body)
end
"""

GET_LUA = """
wrk.headers["X-Experience-API-Version"] = "1.0.3"
"""


def statement(i):
    return {
        "actor": {"mbox": f"mailto:learner{i % AGENTS}@example.org", "name": f"Learner {i % AGENTS}"},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{VERBS[i % len(VERBS)]}", "display": {"en-US": VERBS[i % len(VERBS)]}},
        "object": {"id": f"https://learn.example.org/activities/{i % 500}", "definition": {"name": {"en-US": f"Activity {i % 500}"}}},
        "context": {"contextActivities": {"parent": [{"id": f"https://learn.example.org/courses/{i % 20}"}]}},
        "result": {"score": {"scaled": (i % 100) / 100}, "success": i % 3 != 0},
    }


def post(key, body):
    req = urllib.request.Request(f"http://127.0.0.1:{rp.PORT}{XAPI}/statements", data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json",
                                          "X-Experience-API-Version": "1.0.3"})
    return json.loads(urllib.request.urlopen(req, timeout=60).read())


def get(key, path):
    req = urllib.request.Request(f"http://127.0.0.1:{rp.PORT}{path}",
                                 headers={"Authorization": f"Bearer {key}", "X-Experience-API-Version": "1.0.3"})
    return json.loads(urllib.request.urlopen(req, timeout=60).read())


def load(key, count):
    started = time.time()
    for start in range(0, count, 100):
        ids = post(key, [statement(i) for i in range(start, min(count, start + 100))])
        assert len(ids) == min(100, count - start)
    return count / (time.time() - started)


def q(params):
    return f"{XAPI}/statements?" + urllib.parse.urlencode(params)


def main():
    results = {}
    queries = {}

    def measure(name, db, tmp):
        rp.admin(db, "tenant", "create", "writes")
        rp.admin(db, "tenant", "create", "reads")
        wkey, rkey = rp.key_for(db, "writes"), rp.key_for(db, "reads")
        server = rp.Server(db)
        for batch in (1, 100):
            print(f"{name}: POST statements, batches of {batch} ...", flush=True)
            script = rp.lua(tmp, f"post{batch}.lua", POST_LUA.replace("BATCH", str(batch)))
            point = rp.wrk(f"{XAPI}/statements", 16, wkey, script)
            point["statements"] = point["rps"] * batch
            results[(name, "write", batch)] = point
        print(f"{name}: storing {LOADED:,} statements ...", flush=True)
        results[(name, "load")] = load(rkey, LOADED)
        agent = json.dumps({"mbox": "mailto:learner7@example.org"})
        # a `more` link deep in one agent's statements
        page = get(rkey, q({"agent": agent, "limit": 200}))
        page = get(rkey, page["more"])
        queries.update({
            "newest page (limit=25)": q({"limit": 25}),
            "an agent's (limit=25)": q({"agent": agent, "limit": 25}),
            "a verb's (limit=25)": q({"verb": "http://adlnet.gov/expapi/verbs/passed", "limit": 25}),
            "an activity with related (limit=25)": q({"activity": "https://learn.example.org/courses/3", "related_activities": "true", "limit": 25}),
            "a `more` page, 400 deep in an agent's (limit=200)": page["more"],
        })
        for label, path in queries.items():
            got = get(rkey, path)
            assert got["statements"], (label, got)
            for conns in (1, 16):
                print(f"{name}: {label}, {conns} connection(s) ...", flush=True)
                results[(name, label, conns)] = rp.wrk(path, conns, rkey, rp.lua(tmp, "get.lua", GET_LUA))
        results[(name, "rss")] = server.rss_mib()
        server.stop()

    rp.on_both_databases("xapi", measure)
    write_report(results, list(queries))


def write_report(r, labels):
    lines = rp.report_head("The xAPI record store, measured", "xapi-lrs.py", "") + [
        "",
        "## Statements stored per second (`POST /statements`, 16 connections, every statement new)",
        "",
        "| backend | batch | requests/s | statements/s | p50 | p99 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in ("PostgreSQL", "SQLite"):
        for batch in (1, 100):
            p = r[(name, "write", batch)]
            lines.append(f"| {name} | {batch} | {rp.fmt(p['rps'], 0)} | {rp.fmt(p['statements'], 0)} | {p['p50']:.2f} ms | {p['p99']:.2f} ms |")
    lines += [
        "",
        f"## Queries at {LOADED:,} statements (one tenant; {AGENTS} agents, 5 verbs, 500 activities in 20 courses)",
        "",
        f"Loaded through the API in batches of 100: PostgreSQL {rp.fmt(r[('PostgreSQL', 'load')], 0)} statements/s, "
        f"SQLite {rp.fmt(r[('SQLite', 'load')], 0)} statements/s (one client).",
        "",
        "| backend | query | 1 conn p50 | 1 conn p99 | 16 conns req/s | 16 conns p99 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name in ("PostgreSQL", "SQLite"):
        for label in labels:
            one, many = r[(name, label, 1)], r[(name, label, 16)]
            lines.append(f"| {name} | {label} | {one['p50']:.2f} ms | {one['p99']:.2f} ms | {rp.fmt(many['rps'], 0)} | {many['p99']:.2f} ms |")
    lines += ["", "Server RSS at the end (current, peak): " + ", ".join(
        f"{name} {r[(name, 'rss')][0]:.0f} MiB ({r[(name, 'rss')][1]:.0f})" for name in ("PostgreSQL", "SQLite")) + "."]
    with open(os.path.join(HERE, "xapi-lrs.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    if "--help" in sys.argv:
        print(__doc__)
    else:
        main()
