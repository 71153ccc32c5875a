"""What the database holds after a load: each marker's records, counted, and any record
written only in part (a transaction cut short that was not rolled back)."""

import collections

# kind of write -> SQL giving (marker, how many records carry it)
COUNTS = {
    "booking": 'SELECT "where", COUNT(*) FROM diary_keyworksession WHERE "where" LIKE ? '
               'GROUP BY "where"',
    "session log": "SELECT discussed, COUNT(*) FROM diary_keyworksession "
                   "WHERE discussed LIKE ? GROUP BY discussed",
    "goal": "SELECT text, COUNT(*) FROM plans_goal WHERE text LIKE ? GROUP BY text",
    # Saving a plan adds a row to its history: one row per edit saved.
    "plan edit": "SELECT vision, COUNT(*) FROM plans_historicalplan WHERE vision LIKE ? "
                 "GROUP BY vision",
}

# Each names the records that were written only in part.
HALF_WRITTEN = {
    "goal without its two actions and milestone (one service call writes all four)":
        "SELECT g.text FROM plans_goal g WHERE g.text LIKE ? AND ("
        " (SELECT COUNT(*) FROM plans_action a WHERE a.goal_id = g.id) <> 2"
        " OR (SELECT COUNT(*) FROM plans_milestone m WHERE m.goal_id = g.id) <> 1"
        " OR NOT EXISTS (SELECT 1 FROM plans_historicalgoal h WHERE h.id = g.id))",
    "booking without its history row":
        'SELECT s."where" FROM diary_keyworksession s WHERE s."where" LIKE ? AND NOT EXISTS'
        " (SELECT 1 FROM diary_historicalkeyworksession h"
        "  WHERE h.id = s.id AND h.history_type = '+')",
    "logged session without its outcome, author or history row":
        "SELECT s.discussed FROM diary_keyworksession s WHERE s.discussed LIKE ? AND ("
        " s.status <> 'attended' OR s.logged_by_id IS NULL OR s.actual_start IS NULL"
        " OR NOT EXISTS (SELECT 1 FROM diary_historicalkeyworksession h"
        "  WHERE h.id = s.id AND h.discussed = s.discussed))",
}


def check(load, database):
    """(problems, figures) for the writes of `load`: every confirmed write stored exactly
    once, no other write stored twice, nothing half-written."""
    like = f"{load.tag}-%"
    found = {kind: dict(database.rows(sql, [like])) for kind, sql in COUNTS.items()}
    problems = []
    stored_unconfirmed = collections.Counter()
    for write in load.writes:
        times = found[write.kind].get(write.marker, 0)
        if write.confirmed and times != 1:
            problems.append(f"{write.kind} {write.marker}: confirmed, stored {times} times")
        elif not write.confirmed and times > 1:
            problems.append(f"{write.kind} {write.marker}: stored {times} times")
        elif not write.confirmed and times:
            stored_unconfirmed[write.kind] += 1
    half = [f"{what}: {marker}" for what, sql in HALF_WRITTEN.items()
            for (marker,) in database.rows(sql, [like])]
    figures = {
        "confirmed_found_once": sum(found[w.kind].get(w.marker) == 1 for w in load.confirmed()),
        "unconfirmed_but_stored": sum(stored_unconfirmed.values()),
        "half_written": len(half),
    }
    return problems + half, figures
