#!/usr/bin/env python3
"""The request path, measured in one run on one machine, written to bench/RESULTS.md.

    bench/request-path.py                # everything (~6 minutes plus the release build)
    DURATION=5 bench/request-path.py     # shorter runs per point
    bench/request-path.py --no-growth    # skip the 10k/100k/1M-row lists

What it measures (wrk, the server and PostgreSQL share this machine's cores):
  - the framework ceiling: an OPTIONS preflight, answered by the generated endpoint without a key;
  - the database ceiling: pgbench running the users list's own two statements (the page and its
    count), prepared and pipelined as the server sends them, on the same data, 16 clients;
  - GET /api/v1/users?limit=25 on PostgreSQL and on SQLite at 1, 16 and 64 connections
    (req/s, p50, p99, the server's RSS);
  - the same list while a background writer creates ~10 tickets a second (reads under mixed load);
  - a write path: POST /api/v1/helpdesk/tickets without and with an Idempotency-Key (16 connections);
  - how list cost grows with the table: the same list at 10k, 100k and 1M users in one tenant.
Then the issue's targets, as ratios from this run. Not a test: nothing here fails a build.
"""

import datetime
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "mobieus-server")
KEPT_MARKER = "<!-- Sections below are measured by other scripts and tests"
PG = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DURATION = int(os.environ.get("DURATION", "10"))
PORT = int(os.environ.get("PORT", "18950"))
LIST = "/api/v1/users?limit=25"


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def ensure_tools():
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    for tool in ("wrk", "pgbench", "psql"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed")


def admin(db, *args):
    return json.loads(sh(BIN, "--database-url", db, "--json", *args))


RUNNING = []


def stop_all():
    for server in RUNNING:
        server.stop()


def on_both_databases(name, measure):
    """Builds the release server, runs `measure(backend, db_url, tmp)` on a fresh
    PostgreSQL database and then a fresh SQLite file, and removes both after
    (the surface benchmarks' shared scaffolding)."""
    ensure_tools()
    print("building the release server ...", flush=True)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "mobieus-server"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix=f"mobieus-{name}-bench-")
    pg_name = f"mobieus_{name.replace('-', '_')}_bench_{os.getpid()}"
    sh("psql", PG, "-qc", f"CREATE DATABASE {pg_name}")
    try:
        measure("PostgreSQL", PG.rsplit("/", 1)[0] + "/" + pg_name, tmp)
        measure("SQLite", f"sqlite://{os.path.join(tmp, 'bench.db')}", tmp)
    finally:
        stop_all()
        subprocess.run(["psql", PG, "-qc", f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def report_head(title, script, note):
    """A report's first lines: what ran, where, at which commit."""
    commit = sh("git", "-C", ROOT, "rev-parse", "--short", "HEAD").strip()
    dirty = " (with uncommitted changes)" if sh("git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no").strip() else ""
    pgv = sh("psql", PG, "-Atc", "SHOW server_version").strip()
    return [
        f"# {title}",
        "",
        f"Run on {datetime.date.today().isoformat()} at commit `{commit}`{dirty} with `bench/{script}` (wrk, "
        f"{DURATION} s per point), on this machine: {os.cpu_count()} cores, PostgreSQL {pgv}. wrk, the server (release "
        f"build) and PostgreSQL share the cores.{note}",
    ]


class Server:
    def __init__(self, db):
        self.db = db
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/openapi.yaml", timeout=1)
            raise SystemExit(f"something already answers on port {PORT}; set PORT")
        except OSError:
            pass
        env = dict(os.environ, RUST_LOG="warn")
        self.proc = subprocess.Popen([BIN, "--database-url", db, "serve", "--bind", f"127.0.0.1:{PORT}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        RUNNING.append(self)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/api/openapi.yaml", timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        raise SystemExit("the server did not start")

    def rss_mib(self):
        status = open(f"/proc/{self.proc.pid}/status").read()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
        return rss / 1024, hwm / 1024

    def stop(self):
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def to_ms(value):
    m = re.match(r"([\d.]+)(us|ms|s)", value)
    if not m:
        raise SystemExit(f"unexpected wrk latency: {value!r}")
    n, unit = float(m.group(1)), m.group(2)
    return n / 1000 if unit == "us" else n * 1000 if unit == "s" else n


def wrk(path, conns, key=None, script=None, duration=None):
    args = ["wrk", f"-t{min(2, conns)}", f"-c{conns}", f"-d{duration or DURATION}s", "--latency"]
    if key:
        args += ["-H", f"Authorization: Bearer {key}"]
    if script:
        args += ["-s", script]
    out = sh(*args, f"http://127.0.0.1:{PORT}{path}")
    if "Latency Distribution" not in out:
        raise SystemExit(f"wrk gave no latencies for {path}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    dist = out[out.index("Latency Distribution"):]
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", dist, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", dist, re.M).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    if non2xx or errors:
        print(f"  warning: {path}: {non2xx.group(0) if non2xx else ''} {errors.group(0) if errors else ''}")
    return {"rps": rps, "p50": p50, "p99": p99}


def lua(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


PREFLIGHT_LUA = """
wrk.method = "OPTIONS"
wrk.headers["Origin"] = "https://app.example"
wrk.headers["Access-Control-Request-Method"] = "GET"
"""

TICKET_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"subject": "Bench ticket", "body": "A question from the benchmark.", "requester_email": "bench@example.org"}'
"""

# Each wrk thread numbered (`tid`), so the ids a script makes are unique across threads.
THREAD_IDS_LUA = """
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
"""

IDEMPOTENT_TICKET_LUA = TICKET_LUA + THREAD_IDS_LUA + """
local n = 0
run = os.time()
function request()
  n = n + 1
  local headers = {}
  for k, v in pairs(wrk.headers) do headers[k] = v end
  headers["Idempotency-Key"] = "bench-" .. run .. "-" .. tid .. "-" .. n
  return wrk.format(nil, nil, headers)
end
"""

# The users list's statements as the server sends them (PostgreSQL's log,
# log_statement = all), pipelined on one connection like page_and_count!.
PGBENCH_LIST = """\\set tenant {tenant}
\\startpipeline
SELECT "users"."tenant_id", "users"."id", "users"."username", "users"."display_name", "users"."email", "users"."role", "users"."created_at", "users"."status", "users"."warning_count" FROM "users" WHERE ("users"."tenant_id" = :tenant) ORDER BY "users"."id" DESC LIMIT 26;
SELECT (SELECT "row_counts"."n" FROM "row_counts" WHERE ((("row_counts"."tenant_id" = :tenant) AND ("row_counts"."list" = 'users')) AND ("row_counts"."scope_id" = 0))), (SELECT SUM("row_count_deltas"."d") FROM "row_count_deltas" WHERE ((("row_count_deltas"."tenant_id" = :tenant) AND ("row_count_deltas"."list" = 'users')) AND ("row_count_deltas"."scope_id" = 0)));
\\endpipeline
"""


def pgbench(db_url, tenant, tmp):
    script = lua(tmp, "list.sql", PGBENCH_LIST.format(tenant=tenant))
    out = sh("pgbench", "-n", "-M", "prepared", "-c", "16", "-j", "2", "-T", str(DURATION), "-f", script, db_url)
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    lat = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    return {"rps": tps, "avg_ms": lat}


def key_for(db, tenant):
    return admin(db, "key", "create", "--tenant", tenant, "--scopes", "all", "--per-minute", "100000000",
                 "--per-hour", "1000000000")["secret"]


def add_users_pg(db_url, tenant_id, start, count):
    # username_folded: the unique, case-folded user name (SCIM); ASCII names fold to themselves
    sql = (f"INSERT INTO users (tenant_id, username, username_folded, display_name, email, role, created_at) "
           f"SELECT {int(tenant_id)}, 'member' || g, 'member' || g, 'Member ' || g, 'member' || g || '@example.org', 'member', now() "
           f"FROM generate_series({int(start)}, {int(start + count - 1)}) g")
    sh("psql", db_url, "-qc", sql)
    sh("psql", db_url, "-qc", "VACUUM ANALYZE users")


def add_users_sqlite(path, tenant_id, start, count):
    con = sqlite3.connect(path)
    con.execute("PRAGMA busy_timeout = 10000")
    con.execute(
        "WITH RECURSIVE g(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM g WHERE n < ?) "
        "INSERT INTO users (tenant_id, username, username_folded, display_name, email, role, created_at) "
        "SELECT ?, 'member' || n, 'member' || n, 'Member ' || n, 'member' || n || '@example.org', 'member', "
        "'2026-12-01T00:00:00.000000Z' FROM g",
        (start, start + count - 1, tenant_id))
    con.commit()
    con.execute("ANALYZE")
    con.close()


class Writer:
    """A few writes a second in the background (ticket creates), for reads under mixed load."""

    def __init__(self, key, per_second=10):
        import threading
        self.stop_flag = threading.Event()
        self.key, self.period, self.done, self.failed = key, 1.0 / per_second, 0, 0
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        body = json.dumps({"subject": "Mixed load", "body": "A write among reads.", "requester_email": "mixed@example.org"}).encode()
        while not self.stop_flag.wait(self.period):
            req = urllib.request.Request(f"http://127.0.0.1:{PORT}/api/v1/helpdesk/tickets", data=body, method="POST",
                                         headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
            try:
                urllib.request.urlopen(req, timeout=10).read()
                self.done += 1
            except Exception:
                self.failed += 1

    def stop(self):
        self.stop_flag.set()
        self.thread.join()


def fmt(x, digits=1):
    return f"{x:,.{digits}f}"


def main():
    growth = "--no-growth" not in sys.argv
    ensure_tools()
    print("building the release server ...", flush=True)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "mobieus-server"], cwd=ROOT, check=True)
    tmp = tempfile.mkdtemp(prefix="mobieus-bench-")
    pg_name = f"mobieus_bench_{os.getpid()}"
    sh("psql", PG, "-qc", f"CREATE DATABASE {pg_name}")
    pg_db = PG.rsplit("/", 1)[0] + "/" + pg_name
    lite_path = os.path.join(tmp, "bench.db")
    lite_db = f"sqlite://{lite_path}"
    results = {"lists": {}, "writes": {}, "growth": {}}
    try:
        for name, db in (("PostgreSQL", pg_db), ("SQLite", lite_db)):
            admin(db, "demo")
            key = key_for(db, "demo")
            server = Server(db)
            print(f"{name}: list ...", flush=True)
            if name == "PostgreSQL":
                results["preflight"] = wrk(LIST, 64, script=lua(tmp, "preflight.lua", PREFLIGHT_LUA))
                tenant_id = int(sh("psql", pg_db, "-Atc", "SELECT id FROM tenants WHERE slug = 'demo'").strip())
                results["pgbench"] = pgbench(pg_db, tenant_id, tmp)
            for conns in (1, 16, 64):
                point = wrk(LIST, conns, key)
                point["rss"], point["hwm"] = server.rss_mib()
                results["lists"][(name, conns)] = point
            writer = Writer(key)
            point = wrk(LIST, 16, key)
            writer.stop()
            point["writes"] = writer.done / DURATION
            if writer.failed:
                print(f"  warning: {writer.failed} background writes failed")
            results.setdefault("mixed", {})[name] = point
            print(f"{name}: writes ...", flush=True)
            results["writes"][(name, "plain")] = wrk("/api/v1/helpdesk/tickets", 16, key, lua(tmp, "t.lua", TICKET_LUA))
            results["writes"][(name, "idempotent")] = wrk("/api/v1/helpdesk/tickets", 16, key,
                                                          lua(tmp, "ti.lua", IDEMPOTENT_TICKET_LUA))
            server.stop()
            if growth:
                admin(db, "tenant", "create", "growth")
                gkey = key_for(db, "growth")
                done = 0
                for size in (10_000, 100_000, 1_000_000):
                    print(f"{name}: list at {size:,} users ...", flush=True)
                    if name == "PostgreSQL":
                        tid = int(sh("psql", pg_db, "-Atc", "SELECT id FROM tenants WHERE slug = 'growth'").strip())
                        add_users_pg(pg_db, tid, done + 1, size - done)
                    else:
                        con = sqlite3.connect(lite_path)
                        tid = con.execute("SELECT id FROM tenants WHERE slug = 'growth'").fetchone()[0]
                        con.close()
                        add_users_sqlite(lite_path, tid, done + 1, size - done)
                    done = size
                    server = Server(db)
                    body = json.loads(urllib.request.urlopen(urllib.request.Request(
                        f"http://127.0.0.1:{PORT}{LIST}", headers={"Authorization": f"Bearer {gkey}"})).read())
                    assert body["total_count"] == size, body["total_count"]
                    results["growth"][(name, size)] = wrk(LIST, 16, gkey)
                    server.stop()
    finally:
        stop_all()
        subprocess.run(["psql", PG, "-qc", f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    write_report(results, growth)


def write_report(r, growth):
    commit = sh("git", "-C", ROOT, "rev-parse", "--short", "HEAD").strip()
    dirty = " (with uncommitted changes)" if sh("git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no").strip() else ""
    cpus = os.cpu_count()
    mem = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1)) // 1024 // 1024
    pgv = sh("psql", PG, "-Atc", "SHOW server_version").strip()
    L = r["lists"]
    lines = [
        "# The request path, measured",
        "",
        f"Run on {datetime.date.today().isoformat()} at commit `{commit}`{dirty} with `bench/request-path.py` "
        f"(wrk, {DURATION} s per point), on this machine: {cpus} cores, {mem} GiB, PostgreSQL {pgv}. wrk, the "
        "server (release build) and PostgreSQL share the cores, so every figure includes the others' CPU.",
        "",
        "## Ceilings",
        "",
        "| what | req/s | p50 | p99 |",
        "|---|---:|---:|---:|",
        f"| framework: OPTIONS preflight, 64 connections | {fmt(r['preflight']['rps'], 0)} | "
        f"{r['preflight']['p50']:.2f} ms | {r['preflight']['p99']:.2f} ms |",
        f"| database: pgbench, the list's two statements (prepared, pipelined), 16 clients | "
        f"{fmt(r['pgbench']['rps'], 0)} | avg {r['pgbench']['avg_ms']:.2f} ms | |",
        "",
        "## `GET /api/v1/users?limit=25`",
        "",
        "| backend | connections | req/s | p50 | p99 | server RSS (peak) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for (name, conns), p in L.items():
        lines.append(f"| {name} | {conns} | {fmt(p['rps'], 0)} | {p['p50']:.2f} ms | {p['p99']:.2f} ms | "
                     f"{p['rss']:.0f} MiB ({p['hwm']:.0f}) |")
    lines += ["", "## The same list while tickets are written (16 connections, ~10 writes/s)", "",
              "| backend | req/s | p50 | p99 | writes/s done | p99 without writes |", "|---|---:|---:|---:|---:|---:|"]
    for name, p in r["mixed"].items():
        lines.append(f"| {name} | {fmt(p['rps'], 0)} | {p['p50']:.2f} ms | {p['p99']:.2f} ms | {p['writes']:.1f} | "
                     f"{L[(name, 16)]['p99']:.2f} ms |")
    lines += ["", "## Writes: `POST /api/v1/helpdesk/tickets`, 16 connections", "",
              "| backend | request | req/s | p50 | p99 |", "|---|---|---:|---:|---:|"]
    for (name, kind), p in r["writes"].items():
        label = "with `Idempotency-Key` (a new key each)" if kind == "idempotent" else "plain"
        lines.append(f"| {name} | {label} | {fmt(p['rps'], 0)} | {p['p50']:.2f} ms | {p['p99']:.2f} ms |")
    if growth:
        lines += ["", "## List cost as the tenant grows (16 connections)", "",
                  "| backend | users in the tenant | req/s | p50 | p99 |", "|---|---:|---:|---:|---:|"]
        for (name, size), p in r["growth"].items():
            lines.append(f"| {name} | {size:,} | {fmt(p['rps'], 0)} | {p['p50']:.2f} ms | {p['p99']:.2f} ms |")
    targets = []

    def target(what, value, goal, ok):
        targets.append(f"| {what} | {value} | {goal} | {'met' if ok else 'missed'} |")

    pg16, lite16 = L[("PostgreSQL", 16)], L[("SQLite", 16)]
    ratio = pg16["rps"] / r["pgbench"]["rps"]
    target("PostgreSQL list / database ceiling (16)", f"{ratio:.2f}×", "≥ 0.75×", ratio >= 0.75)
    ratio = lite16["rps"] / pg16["rps"]
    target("SQLite list / PostgreSQL list (16)", f"{ratio:.2f}×", "≥ 1.5×", ratio >= 1.5)
    target("PostgreSQL p99 at 16", f"{pg16['p99']:.2f} ms", "≤ 10 ms", pg16["p99"] <= 10)
    target("SQLite p99 at 16", f"{lite16['p99']:.2f} ms", "≤ 10 ms", lite16["p99"] <= 10)
    for name in ("PostgreSQL", "SQLite"):
        w = r["writes"]
        ratio = w[(name, "idempotent")]["p50"] / w[(name, "plain")]["p50"]
        target(f"{name} idempotent / plain POST (p50 latency)", f"{ratio:.2f}×", "≤ 1.3×", ratio <= 1.3)
    if growth:
        for name in ("PostgreSQL", "SQLite"):
            g = r["growth"]
            ratio = g[(name, 1_000_000)]["p50"] / g[(name, 10_000)]["p50"]
            target(f"{name} list p50 at 1M rows / at 10k", f"{ratio:.2f}×", "≤ 1.2×", ratio <= 1.2)
    lines += ["", "## Targets (ratios from this run)", "", "| target | this run | goal | |", "|---|---:|---:|---|"]
    lines += targets
    lines.append("")
    path = os.path.join(ROOT, "bench", "RESULTS.md")
    # sections other scripts and tests measured, kept from the marker on
    kept = ""
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        at = old.find(KEPT_MARKER)
        kept = old[at:] if at >= 0 else ""
    with open(path, "w") as f:
        f.write("\n".join(lines) + ("\n" + kept if kept else ""))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
