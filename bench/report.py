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


BUDGETS = [
    _ratio_budget("client list ≥ 10× the admin changelist's requests/s",
                  "client_list", "admin_changelist", 10),
    _ratio_budget("caseload ≥ 25 % of /healthz's requests/s", "caseload", "healthz", 0.25),
    _p95_budget("caseload p95 ≤ 50 ms", "caseload", 50),
    _p95_budget("client file p95 ≤ 80 ms", "client_file", 80),
    _p95_budget("dashboard p95 ≤ 200 ms", "dashboard", 200),
    _p95_budget("door search p95 ≤ 100 ms", "door_search", 100),
    _p95_budget("door check-in p95 ≤ 100 ms", "door_check_in", 100),
    Budget("plan PDF median ≤ 1.5× WeasyPrint alone", _pdf_check),
    Budget("every worker < 150 MB", _memory_check),
]


def check_budgets(run, budgets=BUDGETS):
    """[(budget text, ok, measured)] for every budget, in order. A run of some pages only
    (BENCH_PAGES, marked "partial") leaves out the budgets of the pages it did not drive."""
    checked = []
    for budget in budgets:
        try:
            checked.append((budget.text, *budget.check(run)))
        except KeyError:
            if not run.get("partial"):
                raise
    return checked


def misses(run, budgets=BUDGETS):
    """The budgets a run missed, each as "text: measured"."""
    return [f"{text}: {measured}" for text, ok, measured in check_budgets(run, budgets)
            if not ok]


def page_dict(result):
    return {**asdict(result), "rps": round(result.rps, 1)}


def median_ms(seconds):
    return round(median(seconds) * 1000, 1)


def markdown_table(run):
    """The pages as a markdown table (requests/s, p50, p95, ratio to /healthz), then the
    PDF, memory and budget lines."""
    healthz = run["pages"]["healthz"]["rps"]
    lines = ["| page | requests/s | p50 ms | p95 ms | × /healthz |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for page in run["pages"].values():
        ratio = page["rps"] / healthz if healthz else 0
        lines.append(f"| {page['name']} `{page['path']}` | {page['rps']:.0f} | "
                     f"{page['p50_ms']:.1f} | {page['p95_ms']:.1f} | {ratio:.2f} |")
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
    lines += [f"| {text} | {measured} | {'yes' if ok else '**no**'} |"
              for text, ok, measured in check_budgets(run)]
    return "\n".join(lines)


def instances_table(one, two):
    """Throughput of each page on one server against two, side by side."""
    lines = ["| page | 1 instance req/s | 2 instances req/s | × |",
             "| --- | ---: | ---: | ---: |"]
    for name, page in one["pages"].items():
        other = two["pages"][name]["rps"]
        lines.append(f"| {name} | {page['rps']:.0f} | {other:.0f} | "
                     f"{other / page['rps']:.2f} |")
    return "\n".join(lines)
