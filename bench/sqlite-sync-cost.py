#!/usr/bin/env python3
"""What a durable SQLite commit costs on this machine's disk.

    bench/sqlite-sync-cost.py [DIR]     # DIR: a directory on the disk to measure (default: bench/)

The server's writer runs in WAL mode with `synchronous = FULL`: each commit is synced (one fdatasync of the
WAL) before it is acknowledged. `NORMAL` syncs only at checkpoints, so a commit acknowledged since the last one can
be lost with the power or the file system (server/tests/sqlite_read_only.rs). This times single-row commits
(a 2 KB row, like a ticket body) both ways, twice, in files on DIR. Not a test: nothing here fails a build.
"""

import os
import sqlite3
import sys
import tempfile
import time

COMMITS = 3000


def per_commit(directory, mode):
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        conn = sqlite3.connect(os.path.join(tmp, "sync.db"), isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={mode}")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
        started = time.perf_counter()
        for _ in range(COMMITS):
            conn.execute("BEGIN")
            conn.execute("INSERT INTO t (body) VALUES (?)", ("x" * 2000,))
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
        conn.close()
        return elapsed / COMMITS


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for mode in ["NORMAL", "FULL", "NORMAL", "FULL"]:
        seconds = per_commit(directory, mode)
        print(f"synchronous={mode:6} {COMMITS} commits: {seconds * 1000:.3f} ms each, {1 / seconds:,.0f} commits/s")


if __name__ == "__main__":
    main()
