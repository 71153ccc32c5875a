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


def page(name, rps, p95=10.0):
    return {"name": name, "path": f"/{name}", "rps": rps, "p50_ms": p95 / 2, "p95_ms": p95}


def good_run():
    return {
        "pages": {
            "healthz": page("healthz", 1000),
            "caseload": page("caseload", 300, p95=40),
            "client_list": page("client_list", 200),
            "admin_changelist": page("admin_changelist", 20),
            "client_file": page("client_file", 150, p95=70),
            "site_week": page("site_week", 50),
            "dashboard": page("dashboard", 20, p95=150),
            "door_search": page("door_search", 200, p95=60),
            "door_check_in": page("door_check_in", 200, p95=60),
        },
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
    (lambda r: r["pages"]["caseload"].update(rps=249),
     "caseload ≥ 25 % of /healthz's requests/s: 0.249×"),
    (lambda r: r["pages"]["caseload"].update(p95_ms=50.5), "caseload p95 ≤ 50 ms: p95 50.5 ms"),
    (lambda r: r["pages"]["client_file"].update(p95_ms=81), "client file p95 ≤ 80 ms: p95 81.0 ms"),
    (lambda r: r["pages"]["dashboard"].update(p95_ms=201), "dashboard p95 ≤ 200 ms: p95 201.0 ms"),
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


def test_the_table_shows_each_page_against_healthz_and_every_budget():
    table = report.markdown_table(good_run())
    assert "| caseload `/caseload` | 300 | 20.0 | 40.0 | 0.30 |" in table
    assert "| dashboard p95 ≤ 200 ms | p95 150.0 ms | yes |" in table
    assert "Plan PDF, median of 20: 120 ms through the app, 100 ms WeasyPrint alone (1.20×)." \
        in table


def test_the_instances_table_compares_throughput():
    one, two = good_run(), good_run()
    two["pages"]["healthz"]["rps"] = 1500
    assert "| healthz | 1000 | 1500 | 1.50 |" in report.instances_table(one, two)
