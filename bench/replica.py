"""`make bench BENCH_DB=postgres BENCH_REPLICA=1`: does a year's outcome report slow the
keyworkers' pages, with and without a replica to read it from? (docs/PERFORMANCE.md)

1. A PostgreSQL primary of the bench's own (keywork/lib/pgcluster.py, port 5451, data
   under var/bench/replica/) holds the large site, built by bench.run.build_database
   (BENCH_CLIENTS, 2,000 by default) and kept between runs; a streaming replica is made
   from it by pg_basebackup (port 5452) on every run.
2. Three gunicorns: the keyworkers' (8141; DATABASE_URL the primary,
   REPORTS_DATABASE_URL the replica), a reporting one with the same two settings (8142),
   and a reporting one with REPORTS_DATABASE_URL unset (8143), so its reports read the
   primary. The report loop runs on a gunicorn of its own so that it never takes a
   keyworker's worker: what the keyworkers share with it is the database.
3. The keyworkers' pages (caseload, client file, Today, the log-a-session form, the
   consents) are driven with wrk three times: (a) alone, (b) while a manager's outcome
   report for the last 12 months runs in a loop against the replica, (c) the same loop
   against the primary. It prints p95s side by side, how many reports ran, and the rows
   each database returned meanwhile (pg_stat_database), and writes var/bench/<date>.json
   under "replica".
On one machine the replica shares the primary's cores and disk: (b) against (c) shows
what moving the report's reads off the primary's connections, locks and buffers is worth,
not a second machine's CPU (docs/PERFORMANCE.md says which this machine is).
"""

import datetime
import os
import secrets
import shutil
import sys
import threading
import time

import psycopg

from bench import report
from bench import run as bench
from keywork.lib.pgcluster import Cluster

PRIMARY_PORT, REPLICA_PORT = 5451, 5452
KEYWORKERS_PORT, REPORTS_ON_REPLICA_PORT, REPORTS_ON_PRIMARY_PORT = 8141, 8142, 8143
FOLDER = bench.VAR / "replica"
PAGES = ("caseload", "client_file", "today", "session_form", "consents")


def clusters():
    """The primary (started, created once and kept) and a fresh streaming replica of it."""
    primary = Cluster(FOLDER / "primary", PRIMARY_PORT)
    if not (primary.datadir / "PG_VERSION").exists():
        primary.init({"shared_buffers": "256MB"})
    if not primary.running():
        primary.start()
    return primary, Cluster(FOLDER / "replica", REPLICA_PORT)


def caught_up(primary, replica, seconds=600):
    """Wait until the replica has replayed everything the primary has written."""
    with psycopg.connect(primary.url(), autocommit=True) as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + seconds
    with psycopg.connect(replica.url(), autocommit=True) as conn:
        while not conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                               [target]).fetchone()[0]:
            if time.monotonic() > deadline:
                sys.exit(f"The replica did not catch up in {seconds} s; see {replica.log}")
            time.sleep(0.2)


def rows_returned(cluster, dbname):
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        return conn.execute("SELECT tup_returned + tup_fetched FROM pg_stat_database "
                            "WHERE datname = %s", [dbname]).fetchone()[0]


def keyworker_pages(pages, sessions):
    """The keyworkers' pages: the client file of bench.run.targets(), then, as its ten
    keyworkers, the caseload, Today, a client's consents and the booking form (the pages
    the crawl finds are one URL each; these are every keyworker's own)."""
    keyworkers = sessions["keyworker"]
    _shown, files = pages["client_file"]
    chosen = {"client_file": pages["client_file"],
              "caseload": ("/", [(cookie, "/") for cookie in keyworkers]),
              "today": ("/diary/today/", [(cookie, "/diary/today/") for cookie in keyworkers]),
              "consents": ("/clients/<pk>/consents/", [
                  (cookie, f"{path}consents/") for cookie, path, *_rest in files])}
    chosen["session_form"] = ("/diary/book/?client=<pk>", [
        (cookie, path.replace("/clients/", "/diary/book/?client=").rstrip("/"))
        for cookie, path, *_rest in files])
    return {name: chosen[name] for name in PAGES}


def report_request():
    """A manager of the large site and the outcome report of its last 12 months."""
    from staff.models import Site, User

    big = Site.objects.get(code="BIG")
    manager = User.objects.filter(sites=big, role=User.Role.MANAGER,
                                  is_active=True).order_by("username").first()
    today = datetime.date.today()
    path = (f"/reports/?site={big.pk}&period=dates&start={today.replace(year=today.year - 1)}"
            f"&end={today}")
    return bench.session_for(manager), path


class ReportLoop:
    """One manager asking for the year's report again as soon as it arrives."""

    def __init__(self, server, request):
        self.server, (self.cookie, self.path) = server, request
        self.times, self.stopping = [], threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while not self.stopping.is_set():
            started = time.perf_counter()
            status, _body = bench.get(self.server.url(self.path), self.cookie)
            if status != 200:
                print(f"    (the report answered {status}; see {self.server.log.name})")
                self.stopping.wait(1)
                continue
            self.times.append(time.perf_counter() - started)

    def __enter__(self):
        self.thread.start()
        while not self.times and self.thread.is_alive():  # one report done: fully under way
            time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(timeout=300)


def phase(cfg, server, pages, dbname, clusters_by_name, loop=None):
    """Drive every page once; (results, rows each cluster returned meanwhile)."""
    before = {name: rows_returned(c, dbname) for name, c in clusters_by_name.items()}
    results = {}
    for name, (shown, rows) in pages.items():
        bench.settle([server], pages, name)
        result = bench.drive(cfg, [server], name, shown, rows)
        results[name] = report.page_dict(result)
        print(f"    {name:14} p50 {result.p50_ms:6.1f} ms  p95 {result.p95_ms:6.1f} ms "
              f" {result.rps:7.1f} req/s")
    rows = {name: rows_returned(c, dbname) - before[name]
            for name, c in clusters_by_name.items()}
    if loop is not None:
        rows["reports_run"] = len(loop.times)
        rows["report_median_ms"] = report.median_ms(loop.times) if loop.times else None
    return results, rows


def table(run):
    lines = ["| page | p95 alone | p95, year's report on the replica | p95, year's report "
             "on the primary |", "| --- | ---: | ---: | ---: |"]
    for name in PAGES:
        cells = [run[key]["pages"][name]["p95_ms"] for key in ("alone", "report_on_replica",
                                                                "report_on_primary")]
        lines.append(f"| {name} | " + " | ".join(f"{c:.0f} ms" for c in cells) + " |")
    for key in ("report_on_replica", "report_on_primary"):
        figures = run[key]["meanwhile"]
        lines.append(f"\n{key}: {figures['reports_run']} reports (median "
                     f"{figures['report_median_ms']} ms); rows read: primary "
                     f"{figures['primary']:,}, replica {figures['replica']:,}")
    return "\n".join(lines)


def main():
    cfg = bench.Config(os.environ)
    if cfg.db != "postgres":
        sys.exit("BENCH_REPLICA=1 measures a PostgreSQL replica: set BENCH_DB=postgres.")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk (make bench does this).")
    primary, replica = clusters()
    dbname = f"keywork_bench_{cfg.size}"
    cfg.pg_url = primary.url(dbname)
    servers = []
    try:
        bench.build_database(cfg)
        secret_key = secrets.token_urlsafe(50)
        bench.manage(cfg, "migrate", "--no-input", "-v0", SECRET_KEY=secret_key)
        bench.manage(cfg, "collectstatic", "--no-input", "-v0", SECRET_KEY=secret_key)
        bench.setup_django(cfg, secret_key)
        bench.refresh_statistics(cfg)
        targets, _pdf, sessions = bench.targets()
        pages = keyworker_pages(targets, sessions)
        request = report_request()
        print(f"==> A streaming replica of the primary (pg_basebackup, port {REPLICA_PORT})")
        started = time.monotonic()
        replica.basebackup(primary).start()
        caught_up(primary, replica)
        basebackup_s = round(time.monotonic() - started)
        on_replica = bench.django_env(cfg, SECRET_KEY=secret_key,
                                      REPORTS_DATABASE_URL=replica.url(dbname))
        on_primary = bench.django_env(cfg, SECRET_KEY=secret_key)
        keyworkers = bench.Server(on_replica, KEYWORKERS_PORT)
        servers.append(keyworkers)
        reports_replica = bench.Server(on_replica, REPORTS_ON_REPLICA_PORT)
        servers.append(reports_replica)
        reports_primary = bench.Server(on_primary, REPORTS_ON_PRIMARY_PORT)
        servers.append(reports_primary)
        bench.preflight([keyworkers], pages)
        both = {"primary": primary, "replica": replica}
        run = {"date": datetime.date.today().isoformat(), "database": "postgres+replica",
               "clients": cfg.clients, "machine": bench.machine(),
               "seconds_per_page": cfg.seconds, "connections": cfg.connections,
               "basebackup_seconds": basebackup_s, "report_path": request[1]}
        print("==> (a) The keyworkers' pages alone")
        results, rows = phase(cfg, keyworkers, pages, dbname, both)
        run["alone"] = {"pages": results, "meanwhile": rows}
        print("==> (b) ... while the year's report runs in a loop on the replica")
        with ReportLoop(reports_replica, request) as loop:
            results, rows = phase(cfg, keyworkers, pages, dbname, both, loop)
        run["report_on_replica"] = {"pages": results, "meanwhile": rows}
        print("==> (c) ... while it runs in a loop on the primary (REPORTS_DATABASE_URL unset)")
        with ReportLoop(reports_primary, request) as loop:
            results, rows = phase(cfg, keyworkers, pages, dbname, both, loop)
        run["report_on_primary"] = {"pages": results, "meanwhile": rows}
    finally:
        for server in servers:
            server.stop()
        replica.stop()
        primary.stop()
    path = bench.save(run, "replica")
    print(f"\nPostgreSQL primary and streaming replica, {cfg.clients} clients, "
          f"{run['machine']['cores']} cores, {run['date']} ({path.relative_to(bench.ROOT)}):\n")
    print(table(run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
