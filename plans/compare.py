"""What changed between two versions of a plan, for people to read.

Goals, actions and milestones keep their `key` from version to version, so a goal that
was reworded shows as changed (with the words that changed marked), not as one goal
removed and another added.
"""

import datetime
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.utils.translation import gettext_lazy as _

from keywork.lib import dates
from plans.models import Action

ADDED, REMOVED, CHANGED, SAME = "added", "removed", "changed", "same"

PLAN_FIELDS = [
    ("starts_on", _("Date commencing")),
    ("review_on", _("Review date")),
    ("vision", _("The client's picture of how things should be")),
    ("strengths", _("Strengths and resources")),
    ("constraints", _("What may get in the way, and how to work through it")),
]
DATE_KEYS = {"starts_on", "review_on", "due_on", "target_on"}


def words(old, new):
    """[(op, text)] with op "same", "del" or "ins": a word-by-word difference.

    Neighbouring changes are shown as one phrase removed and one added, and texts that
    have little in common as the old one removed and the new one added: both read better
    than a patchwork of single words.
    """
    a = re.findall(r"\S+|\s+", old)
    b = re.findall(r"\S+|\s+", new)
    matcher = SequenceMatcher(a=a, b=b, autojunk=False)
    if old and new and matcher.ratio() < 0.5:
        return [("del", old), ("same", " "), ("ins", new)]
    opcodes = matcher.get_opcodes()
    segments, removed, added = [], "", ""
    for n, (op, i1, i2, j1, j2) in enumerate(opcodes):
        same = "".join(a[i1:i2])
        between_changes = 0 < n < len(opcodes) - 1 and (removed or added)
        if op == "equal" and not (between_changes and same.isspace()):
            if removed:
                segments.append(("del", removed))
            if added:
                segments.append(("ins", added))
            segments.append(("same", same))
            removed = added = ""
        else:
            removed += "".join(a[i1:i2])
            added += "".join(b[j1:j2])
    if removed:
        segments.append(("del", removed))
    if added:
        segments.append(("ins", added))
    return segments


def _shown(key, value):
    if key in DATE_KEYS and value:
        return dates.format_day(datetime.date.fromisoformat(value))
    return value


@dataclass
class Change:
    """One field of one thing: its old and new value, and the words that changed."""

    label: str
    old: str
    new: str

    @property
    def changed(self):
        return self.old != self.new

    @property
    def segments(self):
        return words(self.old, self.new)


@dataclass
class Item:
    """A goal, action or milestone: added, removed, changed or the same."""

    status: str
    fields: list
    children: dict = field(default_factory=dict)

    @property
    def title(self):
        return self.fields[0]


def _who(action):
    if action["who"] == Action.Who.AGENCY:
        return action["agency"]
    return str(Action.Who(action["who"]).label)


ACTION_FIELDS = [("what", _("What")), ("who", _("Who")), ("due_on", _("When?"))]
MILESTONE_FIELDS = [("text", _("Milestone")), ("target_on", _("Target date"))]
GOAL_FIELDS = [("text", _("Goal")), ("lead", _("Agency leading"))]


def _values(kind, thing):
    if thing is None:
        return {}
    if kind == "action":
        return {"what": thing["what"], "who": _who(thing), "due_on": _shown("due_on",
                                                                            thing["due_on"])}
    return {key: _shown(key, thing[key]) for key in thing if key != "key"}


def _match(kind, labels, old_list, new_list, children=None):
    """Items of two lists matched by key, in the new order, removed ones last."""
    old_by_key = {thing["key"]: thing for thing in old_list}
    new_keys = {thing["key"] for thing in new_list}
    pairs = [(old_by_key.get(thing["key"]), thing) for thing in new_list]
    pairs += [(thing, None) for thing in old_list if thing["key"] not in new_keys]
    items = []
    for old, new in pairs:
        before, after = _values(kind, old), _values(kind, new)
        changes = [Change(str(label), before.get(key, ""), after.get(key, ""))
                   for key, label in labels]
        kids = children(old or {}, new or {}) if children else {}
        if old is None:
            status = ADDED
        elif new is None:
            status = REMOVED
        elif any(c.changed for c in changes) or any(
                item.status != SAME for group in kids.values() for item in group):
            status = CHANGED
        else:
            status = SAME
        items.append(Item(status, changes, kids))
    return items


def _goal_children(old, new):
    return {
        "actions": _match("action", ACTION_FIELDS, old.get("actions", []),
                          new.get("actions", [])),
        "milestones": _match("milestone", MILESTONE_FIELDS, old.get("milestones", []),
                             new.get("milestones", [])),
    }


def plan_changes(old, new):
    """{"fields": [Change], "goals": [Item], "any": bool} from version `old` to `new`."""
    a, b = old.printed(), new.printed()
    fields = [Change(str(label), _shown(key, a[key]), _shown(key, b[key]))
              for key, label in PLAN_FIELDS]
    goals = _match("goal", GOAL_FIELDS, a["goals"], b["goals"], children=_goal_children)
    return {"fields": fields, "goals": goals,
            "any": any(f.changed for f in fields) or any(g.status != SAME for g in goals)}
