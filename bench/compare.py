"""Two bench runs side by side: each page's p95 at both sizes and the ratio (issue 18, item 3).

    python -m bench.compare var/bench/2026-12-05.json:postgres \
        var/bench/2026-12-05.json:postgres-10000x5

Each argument is a file `make bench` wrote (var/bench/<date>.json) and, after a colon, the
key of the run in it (the database's label: sqlite, postgres, postgres+redis..., and the
size when it is not 2,000 clients: postgres-10000x5; it may be
left out when the file holds one run). The first run is the smaller organisation (2,000
clients), the second the larger (10,000 over five sites). Prints a markdown table of every
page present in both runs and exits 1 when a page's p95 at the larger size is more than
BUDGET times its p95 at the smaller: a page whose cost grows with the organisation rather
than with what it shows.
"""

import argparse
import json
import math
import sys
from pathlib import Path

BUDGET = 1.2


def load(spec):
    """The run `path.json:key` names (`path.json` alone when the file holds one run)."""
    path, colon, key = spec.rpartition(":")
    if not colon:
        path, key = spec, ""
    data = json.loads(Path(path).read_text())
    if not key:
        if len(data) != 1:
            raise ValueError(f"{path} holds {len(data)} runs ({', '.join(data)}): "
                             f"name one as {path}:<key>.")
        key = next(iter(data))
    if key not in data:
        raise ValueError(f"{path} has no run {key!r}; it has {', '.join(data) or 'none'}.")
    return data[key]


def size(run):
    """The run's organisation in a column heading: '2,000 clients', '10,000 clients at 5
    sites'."""
    clients = f"{run.get('clients', 0):,} clients"
    sites = run.get("sites", 1)
    return clients if sites == 1 else f"{clients} at {sites} sites"


def rows(small, large):
    """(page, p95 small, p95 large, ratio) for every page of both runs, in the first run's
    order. The ratio is None when the small run's p95 is 0 (nothing to compare with)."""
    pages_small, pages_large = small.get("pages", {}), large.get("pages", {})
    out = []
    for name, page in pages_small.items():
        if name not in pages_large:
            continue
        before, after = page["p95_ms"], pages_large[name]["p95_ms"]
        out.append((name, before, after, after / before if before else None))
    return out


def misses(table, budget=BUDGET):
    """The pages over budget, each as a sentence naming both figures."""
    out = []
    for name, before, after, ratio in table:
        if ratio is None and after > 0 or ratio is not None and ratio > budget:
            times = "from nothing" if ratio is None else f"{ratio:.2f}x"
            out.append(f"{name}: p95 {after:.1f} ms against {before:.1f} ms, {times} "
                       f"(budget {budget:.1f}x)")
    return out


def only_in_one(small, large):
    """Pages measured in one run only (left out of the table), as (in small, in large)."""
    a, b = set(small.get("pages", {})), set(large.get("pages", {}))
    return sorted(a - b), sorted(b - a)


def markdown(small, large, budget=BUDGET):
    """The table: one row a page, p95 at each size, the ratio and whether it is within."""
    lines = [f"| page | p95 at {size(small)} (ms) | p95 at {size(large)} (ms) | ratio | "
             f"within {budget:.1f}x |",
             "| --- | ---: | ---: | ---: | --- |"]
    for name, before, after, ratio in rows(small, large):
        shown = "–" if ratio is None else f"{ratio:.2f}"
        ok = ratio is not None and ratio <= budget or ratio is None and after == 0
        lines.append(f"| {name} | {before:.1f} | {after:.1f} | {shown} | "
                     f"{'yes' if ok else '**no**'} |")
    left, right = only_in_one(small, large)
    for pages, run in ((left, small), (right, large)):
        if pages:
            lines.append(f"\nOnly measured at {size(run)}: {', '.join(pages)}.")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__
                                     .split("\n\n")[0])
    parser.add_argument("small", help="the smaller run, file.json:key")
    parser.add_argument("large", help="the larger run, file.json:key")
    parser.add_argument("--budget", type=float, default=BUDGET,
                        help=f"largest ratio allowed (default {BUDGET})")
    args = parser.parse_args(argv)
    if not math.isfinite(args.budget) or args.budget <= 0:
        parser.error("--budget is a positive number")
    try:
        small, large = load(args.small), load(args.large)
    except (OSError, ValueError) as error:
        print(error, file=sys.stderr)
        return 2
    print(markdown(small, large, args.budget))
    missed = misses(rows(small, large), args.budget)
    if missed:
        print("\nOver budget:\n" + "\n".join(f"  - {m}" for m in missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
