"""One page of the bench, in-process: its time per request and where the time goes.

    .venv/bin/python -m bench.profile manager:plans:reviews [keyworker:diary:week ...]
    .venv/bin/python -m bench.profile "manager:/clients/?q=son&status=active"

Reads the kinds of page and their URLs from the last bench run's crawl (var/bench/<date>.json,
written by `make bench` or `python -m bench.run`), opens the same bench database with the
same settings, and requests each page (or any URL as a role: `role:/path`) as the user who
crawled it: once to warm the caches, then PROFILE_REQUESTS times (default 20), printing the
median milliseconds a request (on the clock and of this process's CPU, which another busy
process on the machine changes less)
and its queries, then the functions taking the most time over those requests (cProfile,
by cumulative time or PROFILE_SORT=tottime; PROFILE_LINES=0 times the requests without the
profiler, which slows them; PROFILE_SQL=1 lists the last request's queries, slowest first;
PROFILE_JSON=<file> writes each page's medians there). A page that does not answer 200 is
named and skipped, and the exit status is then 1.
Measured on 4 Dec 2026, the bench's wrk p95 at 10 connections
on 2 workers was 7 to 10 times a page's time here without the profiler: a page within its
150 ms takes 15 ms or less here.
"""

import cProfile
import functools
import io
import json
import os
import pstats
import secrets
import statistics
import sys
import time
from pathlib import Path

from bench import run


def last_crawl():
    # BENCH_RUN names the file (bench.compare --in-process); else the newest.
    runs = ([Path(os.environ["BENCH_RUN"])] if os.environ.get("BENCH_RUN")
            else sorted(run.VAR.glob("*.json")))
    if not runs:
        sys.exit("No bench run yet: `BENCH_PAGES=healthz BENCH_SECONDS=1 .venv/bin/python -m "
                 "bench.run` builds the database and crawls it.")
    data = json.loads(runs[-1].read_text())
    cfg = run.Config(os.environ)
    # The crawl of this database and size: its URLs carry that data's ids. BENCH_RUN_KEY
    # names it (bench.compare --in-process), and must be there.
    key = os.environ.get("BENCH_RUN_KEY", "")
    if key and key not in data:
        sys.exit(f"{runs[-1]} has no run {key!r}; it has {', '.join(data)}.")
    entry = data.get(key or run.run_key(cfg)) or next(iter(data.values()))
    return {kind["name"]: kind for kind in entry["crawl"]["kinds"]}


def main(names):
    cfg = run.Config(os.environ)
    kinds = last_crawl()
    run.setup_django(cfg, secrets.token_urlsafe(50))
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    _pages, _pdf, sessions = run.targets()
    count = int(os.environ.get("PROFILE_REQUESTS", "20"))
    measured, failed = {}, []
    for name in names or sys.exit(__doc__):
        role, _sep, url = name.partition(":")
        kind = ({"role": role, "url": url, "hx": ""} if url.startswith("/")
                else kinds.get(name))
        if kind is None:
            sys.exit(f"No page {name!r} in the last crawl; the pages are {', '.join(kinds)}")
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies["sessionid"] = sessions[kind["role"]][0]
        headers = {"HX-Request": "true", "HX-Target": kind["hx"]} if kind["hx"] else {}
        get = functools.partial(client.get, kind["url"], headers=headers)
        status = get().status_code
        if status != 200:
            print(f"\n== {name} {kind['url']}: answered {status}, not measured")
            failed.append(name)
            continue
        times, cpu, queries = [], [], []
        lines = int(os.environ.get("PROFILE_LINES", "40"))
        profiler = cProfile.Profile() if lines else None
        for _i in range(count):
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                if profiler:
                    profiler.enable()
                get()
                if profiler:
                    profiler.disable()
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            queries.append(len(captured.captured_queries))
        print(f"\n== {name} {kind['url']}: {statistics.median(times):.1f} ms median, "
              f"{statistics.median(cpu):.1f} ms of CPU, {max(queries)} queries")
        measured[name] = {"ms": statistics.median(times), "cpu_ms": statistics.median(cpu),
                          "queries": max(queries)}
        if os.environ.get("PROFILE_SQL"):
            # The last request's queries, slowest first, with their seconds on the clock.
            for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"])):
                print(f"  {float(query['time']) * 1000:7.2f} ms  {query['sql'][:300]}")
        if profiler:
            out = io.StringIO()
            order = os.environ.get("PROFILE_SORT", "cumulative")
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(lines)
            print(out.getvalue().split("ncalls", 1)[-1])
    if os.environ.get("PROFILE_JSON"):  # bench.compare --in-process reads it
        Path(os.environ["PROFILE_JSON"]).write_text(json.dumps(measured))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
