"""The pure half of the benchmark: read wrk's summary, check the budgets, print the table.

Nothing here starts a process or touches a database, so tests/bench checks it on its own.
"""

import json
from dataclasses import asdict, dataclass
from statistics import median

# The line bench/pages.lua prints when wrk is done: "BENCH {...json...}".
MARKER = "BENCH "


@dataclass
class PageResult:
    """One page driven by wrk: throughput and latency in milliseconds."""

    name: str
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self):
        return self.requests / self.seconds if self.seconds else 0.0


def parse_wrk(name, path, output):
    """The PageResult of one wrk run, from the summary line the Lua script prints.

    A run in which any request failed (a socket error, a timeout, a 4xx or 5xx) raises
    ValueError: its numbers would measure an error page, not the page.
    """
    for line in output.splitlines():
        if line.startswith(MARKER):
            data = json.loads(line[len(MARKER):])
            break
    else:
        raise ValueError(f"{name}: wrk printed no summary line; its output was:\n{output}")
    errors = sum(data["errors"].values())
    if errors:
        raise ValueError(f"{name}: {errors} of {data['requests']} requests to {path} failed "
                         f"({data['errors']}); fix the page or the bench before measuring")
    seconds = data["duration_us"] / 1e6
    if data["requests"] == 0:
        # Not one answer within the run: every request took longer than the run itself.
        slowest = seconds * 1000
        return PageResult(name=name, path=path, requests=0, seconds=seconds, p50_ms=slowest,
                          p95_ms=slowest, p99_ms=slowest, errors=0)
    return PageResult(
        name=name, path=path, requests=data["requests"], seconds=seconds,
        p50_ms=data["p50_us"] / 1000, p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000, errors=errors)


def combine(name, results):
    """One PageResult for the same page driven at several servers at once: requests add
    up over the longest run; each percentile is the worst server's (a safe upper bound)."""
    return PageResult(
        name=name, path=results[0].path, requests=sum(r.requests for r in results),
        seconds=max(r.seconds for r in results),
        p50_ms=max(r.p50_ms for r in results), p95_ms=max(r.p95_ms for r in results),
        p99_ms=max(r.p99_ms for r in results), errors=sum(r.errors for r in results))


@dataclass(frozen=True)
class Budget:
    """A promise a page keeps, checked against numbers measured in the same run."""

    text: str
    check: object  # (run dict) -> (ok, "what was measured")


def _rps(run, name):
    return run["pages"][name]["rps"]


def _p95(run, name):
    return run["pages"][name]["p95_ms"]


def _ratio_budget(text, page, reference, factor):
    def check(run):
        ratio = _rps(run, page) / _rps(run, reference)
        return ratio >= factor, f"{ratio:.3f}×"
    return Budget(text, check)


def _p95_budget(text, page, limit_ms):
    def check(run):
        p95 = _p95(run, page)
        return p95 <= limit_ms, f"p95 {p95:.1f} ms"
    return Budget(text, check)


def _pdf_check(run):
    ratio = run["pdf"]["app_median_ms"] / run["pdf"]["weasyprint_median_ms"]
    return ratio <= 1.5, f"{ratio:.3f}×"


def _memory_check(run):
    worst = max(run["workers_rss_mb"])
    return worst < 150, f"largest worker {worst:.0f} MB"


# A keyworker's home page is their caseload; a manager's, the dashboard.
CASELOAD = "keyworker:home"
DASHBOARD = "manager:supervision:dashboard"

# The fixed p95 budgets: (what it is called, the page, ms).
FIXED_P95 = [("caseload", CASELOAD, 50), ("client file", "client_file", 80),
             ("dashboard", DASHBOARD, 200), ("door search", "door_search", 100),
             ("door check-in", "door_check_in", 100)]

# The budgets of one page's requests/s against another's: (text, page, reference, factor).
RATIOS = [("client list ≥ 10× the admin changelist's requests/s", "client_list",
           "admin_changelist", 10),
          ("caseload ≥ 25 % of /healthz's requests/s", CASELOAD, "healthz", 0.25)]

BUDGETS = [
    *(_ratio_budget(*ratio) for ratio in RATIOS),
    *(_p95_budget(f"{text} p95 ≤ {ms} ms", name, ms) for text, name, ms in FIXED_P95),
    Budget("plan PDF median ≤ 1.5× WeasyPrint alone", _pdf_check),
    Budget("every worker < 150 MB", _memory_check),
]


# Every page at 10 concurrent on the large site (issue 18), but for those named below.
PAGE_P95_MS = 150
# The pages with a p95 of their own, and why: keyed by the page's name, its view (for every
# role) or the content type it answers (every PDF, every export).
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
P95_EXCEPTIONS = {
    "application/pdf": (5000, "a PDF: WeasyPrint lays out each one (about 0.3-1 s alone; "
                              "the plan PDF's own budget is 1.5× WeasyPrint alone)"),
    "text/csv": (2000, "an export: every row asked for, as a file"),
    XLSX: (2000, "an export: every row asked for, as a spreadsheet"),
    "application/zip": (5000, "a subject access export: everything held about a client"),
    "admin_changelist": (1000, "Django's own admin changelist, driven only as the client "
                               "list's yardstick (the 10x budget), not a page of Keywork's"),
    "year_report": (3000, "the outcome report over a year: every session, contact, "
                          "assessment and visit of the year counted"),
}
# One request in-process (the crawl's), the first after a write anywhere: the cached parts
# of pages (keywork.lib.cache) are made again. wrk's repeated requests with no write
# between them find them cached; a working day has writes every few seconds, so a page
# must also answer promptly without its cache. Files (PDFs, exports, the year's report)
# keep their p95 budget.
AFTER_WRITE_MS = 1000
# Bytes over the wire for a page's first visit with a cold cache: its HTML compressed and
# every stylesheet, script, icon and font it loads, each as served compressed.
# About 70 KB of it is the same on every page (Bootstrap's stylesheet and script, htmx,
# the icons the pages use: bench/icons.py), fetched once and then cached for a year.
PAGE_COLD_KB = 100
# None now: the site's week, once 1.7 MB of HTML, is a day at a time (issue 18).
COLD_EXCEPTIONS = {}


def _exception(page, table):
    for key in (page["name"], page.get("view"), page.get("content_type")):
        if key in table:
            return table[key]
    return None


def p95_limit(page):
    """(limit in ms, the reason it is not PAGE_P95_MS or "")."""
    return _exception(page, P95_EXCEPTIONS) or (PAGE_P95_MS, "")


def over_p95(run):
    """The pages driven whose p95 is over a budget of theirs (their own, or a fixed one),
    and both pages of a requests/s ratio missed: `make bench` drives them once more at the
    end of the run (bench.run.drive_again), the two of a ratio one after the other."""
    fixed = {name: ms for _text, name, ms in FIXED_P95}
    pages = run["pages"]
    again = {name for name, page in pages.items()
             if page["p95_ms"] > min(p95_limit(page)[0], fixed.get(name, p95_limit(page)[0]))}
    for _text, page, reference, factor in RATIOS:
        if page in pages and reference in pages and _rps(run, page) < factor * _rps(
                run, reference):
            again |= {page, reference}
    return [name for name in pages if name in again]


def cold_limit(page):
    """(limit in KB, reason), or None for a page without its bytes (a form posted) and
    for a file (a PDF, an export: its bytes are its contents)."""
    if page.get("content_type") != "text/html":
        return None
    return _exception(page, COLD_EXCEPTIONS) or (PAGE_COLD_KB, "")


def after_write_limit(page):
    """A page's budget in ms for one request, in-process, right after a write elsewhere
    (nothing cached served): AFTER_WRITE_MS, or its p95 budget where that is larger."""
    return max(AFTER_WRITE_MS, p95_limit(page)[0])


def after_kept(page):
    measured = page.get("after_write_ms")
    return "" if measured is None or measured <= after_write_limit(page) else " **missed**"


def page_budgets(run):
    """A p95 budget and a bytes budget for every page driven, named by the page."""
    budgets = []
    for page in run["pages"].values():
        limit, _why = p95_limit(page)
        budgets.append(_p95_budget(f"{page['name']} p95 ≤ {limit} ms", page["name"], limit))
        if page.get("after_write_ms") is not None:
            budgets.append(_after_write_budget(
                f"{page['name']} after a write ≤ {after_write_limit(page)} ms",
                page["name"], after_write_limit(page)))
        cold = cold_limit(page)
        if cold:
            budgets.append(_cold_budget(f"{page['name']} ≤ {cold[0]} KB with a cold cache",
                                        page["name"], cold[0]))
    return budgets


def _after_write_budget(text, name, limit_ms):
    def check(run):
        page = run["pages"][name]
        ms, status = page["after_write_ms"], page.get("after_write_status", 200)
        if status != 200:
            return False, f"answered {status}"
        return ms <= limit_ms, f"{ms:.0f} ms"
    return Budget(text, check)


def _cold_budget(text, name, limit_kb):
    def check(run):
        kb = run["pages"][name]["cold_bytes"] / 1024
        return kb <= limit_kb, f"{kb:.0f} KB"
    return Budget(text, check)


def add_crawl_figures(pages, kinds):
    """Each driven page's figures from the crawl (role, view, queries, bytes), in place."""
    for kind in kinds:
        if kind["name"] in pages:
            pages[kind["name"]] |= {key: kind[key] for key in (
                "role", "view", "content_type", "queries", "html_bytes", "gzip_bytes",
                "cold_bytes", "after_write_ms", "after_write_status") if key in kind}


def check_budgets(run, budgets=None):
    """[(budget text, ok, measured)] for every budget, in order: the fixed ones, then
    each page's p95 and bytes. A run of some pages only (BENCH_PAGES, marked "partial")
    leaves out the budgets of the pages it did not drive."""
    if budgets is None:
        budgets = BUDGETS + page_budgets(run)
    failed = run.get("failed") or {}
    checked = [(f"{name} answers every request under load", False, error)
               for name, error in failed.items()]
    for budget in budgets:
        try:
            checked.append((budget.text, *budget.check(run)))
        except KeyError as missing:
            if missing.args and missing.args[0] in failed:
                checked.append((budget.text, False, "not measured: its requests failed"))
            elif not run.get("partial"):
                raise
    return checked


def misses(run, budgets=None):
    """The budgets a run missed, each as "text: measured"."""
    return [f"{text}: {measured}" for text, ok, measured in check_budgets(run, budgets)
            if not ok]


def page_dict(result):
    return {**asdict(result), "rps": round(result.rps, 1)}


def median_ms(seconds):
    return round(median(seconds) * 1000, 1)


def _kb(page, key):
    return f"{page[key] / 1024:.1f}" if page.get(key) is not None else ""


def markdown_table(run):
    """Every page driven as a markdown table (role, requests/s, p50, p95, queries a
    request, HTML and its bytes over the wire, its p95 budget), then the PDF, memory, the
    fixed budgets, every budget missed, and what the crawl did not drive."""
    lines = ["| page | role | path | requests/s | p50 ms | p95 ms | queries | HTML KB "
             "| gzip KB | cold KB | p95 budget ms | after a write ms |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for page in run["pages"].values():
        view = page.get("view") or page["name"]
        label = page["name"] if page["name"].partition(":")[2] != view else view
        kept = "" if page["p95_ms"] <= p95_limit(page)[0] else " **missed**"
        first = (f" (first {page['first']['p95_ms']:.1f})" if page.get("first") else "")
        lines.append(
            f"| {label} | {page.get('role', '')} | `{page['path']}` | {page['rps']:.0f} | "
            f"{page['p50_ms']:.1f} | {page['p95_ms']:.1f}{first} | {page.get('queries', '')} | "
            f"{_kb(page, 'html_bytes')} | {_kb(page, 'gzip_bytes')} | "
            f"{_kb(page, 'cold_bytes')} | {p95_limit(page)[0]}{kept} | "
            f"{page.get('after_write_ms', '')}{after_kept(page)} |")
    pdf = run["pdf"]
    lines += [
        "",
        f"Plan PDF, median of {pdf['renders']}: {pdf['app_median_ms']:.0f} ms through the app, "
        f"{pdf['weasyprint_median_ms']:.0f} ms WeasyPrint alone "
        f"({pdf['app_median_ms'] / pdf['weasyprint_median_ms']:.2f}×).",
        "Worker memory (RSS): " + ", ".join(f"{mb:.0f} MB" for mb in run["workers_rss_mb"]) + ".",
        "",
        "| budget | measured | kept |",
        "| --- | --- | --- |",
    ]
    fixed = {budget.text for budget in BUDGETS}
    checked = check_budgets(run)
    lines += [f"| {text} | {measured} | {'yes' if ok else '**no**'} |"
              for text, ok, measured in checked if text in fixed]
    page_checks = [(text, ok, measured) for text, ok, measured in checked
                   if text not in fixed]
    missed = [f"- {text}: {measured}" for text, ok, measured in page_checks if not ok]
    lines += ["", f"Every page p95 ≤ {PAGE_P95_MS} ms, ≤ {AFTER_WRITE_MS} ms in-process "
              f"right after a write, and ≤ {PAGE_COLD_KB} KB with a cold "
              f"cache, but for those named: {len(page_checks) - len(missed)} of "
              f"{len(page_checks)} kept." + (" Missed:" if missed else ""), *missed]
    return "\n".join(lines + crawl_notes(run))


def crawl_notes(run):
    """The pages the crawl reached and did not drive, and the URL names it never reached."""
    crawl = run.get("crawl")
    if not crawl:
        return []
    lines = ["", "Reached, not driven (they answer a GET with a redirect or an error):", ""]
    lines += [f"- {kind['name']} `{kind['url']}`: {kind['status']}"
              + (f" → `{kind['location']}`" if kind.get("location") else "")
              for kind in crawl["not_driven"]] or ["- none"]
    reasons = {}
    for entry in crawl["unreached"]:
        reasons.setdefault(entry["reason"], []).append(entry["name"])
    lines += ["", "Not reached by the crawl, so not measured:", ""]
    for reason, names in reasons.items():
        shown = ", ".join(names) if len(names) <= 12 else \
            f"{len(names)} URL names ({', '.join(names[:3])}, …)"
        lines.append(f"- {reason}: {shown}")
    return lines


def instances_table(one, two):
    """Throughput of each page on one server against two, side by side."""
    lines = ["| page | 1 instance req/s | 2 instances req/s | × |",
             "| --- | ---: | ---: | ---: |"]
    for name, page in one["pages"].items():
        other = two["pages"][name]["rps"]
        lines.append(f"| {name} | {page['rps']:.0f} | {other:.0f} | "
                     f"{other / page['rps']:.2f} |")
    return "\n".join(lines)
