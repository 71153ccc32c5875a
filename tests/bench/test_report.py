"""The benchmark's pure parts: reading wrk's summary, the budgets, the table."""

import pytest

from bench import report

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8101
  2 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.31ms    3.02ms  41.20ms   80.12%
    Req/Sec   406.11     30.20   480.00     70.00%
  8123 requests in 10.01s, 90.12MB read
Requests/sec:    811.49
Transfer/sec:      9.00MB
BENCH {"requests": 8123, "duration_us": 10010000, "p50_us": 11800, "p95_us": 17950, \
"p99_us": 25000, "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}}
"""


def page(name, rps, p95=10.0, view=None, content_type="text/html", cold_kb=80):
    role, _sep, rest = name.partition(":")
    return {"name": name, "path": f"/{name}", "rps": rps, "p50_ms": p95 / 2, "p95_ms": p95,
            "role": role if rest else "keyworker", "view": view or rest or name,
            "content_type": content_type, "queries": 4, "html_bytes": 40_000,
            "gzip_bytes": 5_000, "cold_bytes": cold_kb * 1024}


def good_run():
    pages = [
        page("healthz", 1000, content_type="text/plain"),
        page("keyworker:home", 300, p95=40),
        page("client_list", 200, view="clients:list"),
        page("admin_changelist", 20, view="admin:clients_client_changelist"),
        page("client_file", 150, p95=70, view="clients:detail"),
        page("manager:diary:site_week", 100, p95=120),
        page("manager:supervision:year_report", 2, p95=2500, view="year_report"),
        page("manager:supervision:dashboard", 20, p95=140),
        page("door_search", 200, p95=60, view="attendance:register"),
        page("door_check_in", 200, p95=60, view="attendance:check_in"),
        page("manager:plans:pdf", 5, p95=2500, content_type="application/pdf"),
    ]
    return {
        "pages": {each["name"]: each for each in pages},
        "pdf": {"renders": 20, "app_median_ms": 120.0, "weasyprint_median_ms": 100.0},
        "workers_rss_mb": [120.0, 131.5],
    }


def test_wrk_summary_gives_requests_per_second_and_percentiles_in_ms():
    result = report.parse_wrk("caseload", "/", WRK_OUTPUT)
    assert result.requests == 8123
    assert result.rps == pytest.approx(811.5, abs=0.1)
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (11.8, 17.95, 25.0)


def test_a_run_with_failed_requests_is_refused_rather_than_measured():
    failing = WRK_OUTPUT.replace('"status": 0', '"status": 12')
    with pytest.raises(ValueError, match="12 of 8123 requests to / failed"):
        report.parse_wrk("caseload", "/", failing)


def test_a_page_slower_than_the_whole_run_counts_as_no_requests_at_its_full_length():
    none = WRK_OUTPUT.replace('"requests": 8123', '"requests": 0')
    result = report.parse_wrk("site_week", "/diary/site/1/", none)
    assert (result.rps, result.p95_ms) == (0, 10010.0)


def test_wrk_output_without_the_summary_line_is_an_error():
    with pytest.raises(ValueError, match="no summary line"):
        report.parse_wrk("caseload", "/", "unable to connect to 127.0.0.1:8101")


def test_two_servers_add_up_their_requests_and_keep_the_worst_latency():
    one = report.parse_wrk("caseload", "/", WRK_OUTPUT)
    two = report.parse_wrk("caseload", "/", WRK_OUTPUT.replace('"p95_us": 17950',
                                                               '"p95_us": 30000'))
    both = report.combine("caseload", [one, two])
    assert both.requests == 2 * 8123
    assert both.rps == pytest.approx(2 * one.rps)
    assert both.p95_ms == 30.0


def test_a_run_within_every_budget_misses_none():
    assert report.misses(good_run()) == []


@pytest.mark.parametrize(("change", "missed"), [
    (lambda r: r["pages"]["admin_changelist"].update(rps=25),
     "client list ≥ 10× the admin changelist's requests/s: 8.000×"),
    (lambda r: r["pages"]["keyworker:home"].update(rps=249),
     "caseload ≥ 25 % of /healthz's requests/s: 0.249×"),
    (lambda r: r["pages"]["keyworker:home"].update(p95_ms=50.5),
     "caseload p95 ≤ 50 ms: p95 50.5 ms"),
    (lambda r: r["pages"]["client_file"].update(p95_ms=81), "client file p95 ≤ 80 ms: p95 81.0 ms"),
    (lambda r: r["pages"]["door_check_in"].update(p95_ms=101),
     "door check-in p95 ≤ 100 ms: p95 101.0 ms"),
    (lambda r: r["pdf"].update(app_median_ms=151),
     "plan PDF median ≤ 1.5× WeasyPrint alone: 1.510×"),
    (lambda r: r.update(workers_rss_mb=[100, 150]), "every worker < 150 MB: largest worker 150 MB"),
])
def test_each_budget_missed_is_named_with_what_was_measured(change, missed):
    run = good_run()
    change(run)
    assert report.misses(run) == [missed]


def test_the_table_shows_each_page_with_its_role_queries_bytes_and_budget():
    table = report.markdown_table(good_run())
    assert ("| home | keyworker | `/keyworker:home` | 300 | 20.0 | 40.0 | 4 | 39.1 | 4.9 | "
            "80.0 | 150 |") in table
    assert "| dashboard p95 ≤ 200 ms | p95 140.0 ms | yes |" in table
    assert "| plans:pdf | manager |" in table and "| 5000 |" in table
    assert "Plan PDF, median of 20: 120 ms through the app, 100 ms WeasyPrint alone (1.20×)." \
        in table


def test_the_instances_table_compares_throughput():
    one, two = good_run(), good_run()
    two["pages"]["healthz"]["rps"] = 1500
    assert "| healthz | 1000 | 1500 | 1.50 |" in report.instances_table(one, two)


def test_a_page_over_150_ms_is_named_with_its_time():
    run = good_run()
    run["pages"]["manager:supervision:dashboard"]["p95_ms"] = 151
    assert report.misses(run) == [
        "manager:supervision:dashboard p95 ≤ 150 ms: p95 151.0 ms"]


def test_a_page_over_both_its_budgets_is_named_for_each():
    run = good_run()
    run["pages"]["manager:supervision:dashboard"]["p95_ms"] = 201
    assert report.misses(run) == [
        "dashboard p95 ≤ 200 ms: p95 201.0 ms",
        "manager:supervision:dashboard p95 ≤ 150 ms: p95 201.0 ms"]


@pytest.mark.parametrize(("name", "p95", "missed"), [
    # Every PDF, by the content type it answers.
    ("manager:plans:pdf", 5001, "manager:plans:pdf p95 ≤ 5000 ms: p95 5001.0 ms"),
    # The year's report, by its name.
    ("manager:supervision:year_report", 3001,
     "manager:supervision:year_report p95 ≤ 3000 ms: p95 3001.0 ms"),
])
def test_a_named_exception_keeps_its_own_budget(name, p95, missed):
    run = good_run()
    assert report.misses(run) == []  # 2.5 s each: within their own
    run["pages"][name]["p95_ms"] = p95
    assert report.misses(run) == [missed]


def test_every_exception_says_why():
    for limit, reason in [*report.P95_EXCEPTIONS.values(), *report.COLD_EXCEPTIONS.values()]:
        assert limit > 0 and len(reason) > 20


def test_a_page_heavier_than_its_cold_cache_budget_is_named_in_kilobytes():
    run = good_run()
    run["pages"]["keyworker:home"]["cold_bytes"] = (report.PAGE_COLD_KB + 1) * 1024
    assert report.misses(run) == [
        f"keyworker:home ≤ {report.PAGE_COLD_KB} KB with a cold cache: "
        f"{report.PAGE_COLD_KB + 1} KB"]


def test_a_file_has_no_bytes_budget_and_a_form_posted_none_at_all():
    run = good_run()
    run["pages"]["manager:plans:pdf"]["cold_bytes"] = 10_000_000
    del run["pages"]["door_check_in"]["content_type"]
    assert report.misses(run) == []


def test_a_partial_run_checks_only_the_pages_it_drove():
    run = {"partial": True, "pages": {"healthz": page("healthz", 1000, content_type="text/plain"),
                                      "manager:diary:today": page("manager:diary:today", 5,
                                                                  p95=2000)},
           "pdf": good_run()["pdf"], "workers_rss_mb": [100]}
    assert report.misses(run) == ["manager:diary:today p95 ≤ 150 ms: p95 2000.0 ms"]


def test_the_crawl_figures_join_the_pages_driven():
    pages = {"keyworker:home": {"name": "keyworker:home", "rps": 300}}
    kinds = [{"name": "keyworker:home", "role": "keyworker", "view": "home",
              "content_type": "text/html", "queries": 2, "html_bytes": 46_000,
              "gzip_bytes": 4_700, "cold_bytes": 90_000},
             {"name": "manager:home", "role": "manager", "view": "home", "content_type": "",
              "queries": 2, "html_bytes": 0, "gzip_bytes": 0, "cold_bytes": 0}]
    report.add_crawl_figures(pages, kinds)
    assert pages == {"keyworker:home": {"name": "keyworker:home", "rps": 300,
                                        **{k: v for k, v in kinds[0].items() if k != "name"}}}


def test_a_page_slow_right_after_a_write_is_a_miss_whatever_its_cached_p95():
    run = good_run()
    run["pages"]["keyworker:home"]["after_write_ms"] = 2400.0
    run["pages"]["manager:diary:site_week"]["after_write_ms"] = 90.0
    assert report.misses(run) == ["keyworker:home after a write ≤ 1000 ms: 2400 ms"]
    table = report.markdown_table(run)
    assert "| 150 | 2400.0 **missed** |" in table and "| 150 | 90.0 |" in table
    run["pages"]["keyworker:home"] |= {"after_write_ms": 20.0, "after_write_status": 500}
    assert report.misses(run) == ["keyworker:home after a write ≤ 1000 ms: answered 500"]
    # A file keeps its own, larger budget.
    pdf = page("keyworker:plans:pdf", 8, p95=1200, content_type="application/pdf")
    assert report.after_write_limit(pdf) == 5000


def test_the_table_lists_what_the_crawl_did_not_drive_and_did_not_reach():
    run = good_run()
    run["crawl"] = {
        "not_driven": [{"name": "manager:home", "url": "/", "status": 302,
                        "location": "/dashboard/"}],
        "unreached": [{"name": "logout", "reason": "ends the session"},
                      *[{"name": f"admin:x{i}", "reason": "the admin"} for i in range(20)]]}
    table = report.markdown_table(run)
    assert "- manager:home `/`: 302 → `/dashboard/`" in table
    assert "- ends the session: logout" in table
    assert "- the admin: 20 URL names (admin:x0, admin:x1, admin:x2, …)" in table


def test_a_page_that_failed_under_load_is_a_miss_and_its_budgets_too():
    run = good_run()
    del run["pages"]["keyworker:home"]
    run["failed"] = {"keyworker:home": "keyworker:home: 1 of 3 requests to / failed"}
    assert report.misses(run) == [
        "keyworker:home answers every request under load: "
        "keyworker:home: 1 of 3 requests to / failed",
        "caseload ≥ 25 % of /healthz's requests/s: not measured: its requests failed",
        "caseload p95 ≤ 50 ms: not measured: its requests failed"]


def test_the_pages_over_a_p95_budget_are_named_to_be_driven_again():
    run = good_run()
    assert report.over_p95(run) == []
    run["pages"]["manager:diary:site_week"]["p95_ms"] = 151  # over 150
    run["pages"]["keyworker:home"]["p95_ms"] = 51  # over the caseload's own 50
    run["pages"]["manager:plans:pdf"]["p95_ms"] = 4000  # a PDF: within its 5000
    assert report.over_p95(run) == ["keyworker:home", "manager:diary:site_week"]


def test_both_pages_of_a_ratio_missed_are_named_to_be_driven_again_in_page_order():
    run = good_run()
    client_list, changelist = run["pages"]["client_list"], run["pages"]["admin_changelist"]
    client_list["rps"] = changelist["rps"] * 9.5
    names = list(run["pages"])
    assert report.over_p95(run) == sorted(["client_list", "admin_changelist"], key=names.index)
    client_list["rps"] = changelist["rps"] * 10
    assert report.over_p95(run) == []


def test_a_page_driven_again_is_judged_on_the_second_drive_with_the_first_shown():
    run = good_run()
    run["pages"]["manager:diary:site_week"] |= {
        "p95_ms": 120.0, "first": {"rps": 40.0, "p50_ms": 200.0, "p95_ms": 480.0}}
    assert report.misses(run) == []
    assert "| 120.0 (first 480.0) |" in report.markdown_table(run)
