"""The three files an import reads: their columns, one example row each, and reading them.

Read with tablib (the library django-import-export is built on): CSV and XLSX alike give
a header and rows of cells. A file that cannot be read, or whose header lacks a column
the import needs, is refused with a message before any row is looked at.
"""

import datetime
import functools
import io

import tablib
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from keywork.lib import dates

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
FORMATS = ("csv", "xlsx")

# kind: [(column, required, what it holds)]; the example row is EXAMPLES[kind].
COLUMNS = {
    "clients": [
        ("site", True, gettext_lazy("The site's name or code.")),
        ("old_reference", True, gettext_lazy("The client's reference in the old system: "
                                             "the other files name the client by it.")),
        ("first_name", True, ""),
        ("last_name", True, ""),
        ("preferred_name", False, ""),
        ("date_of_birth", False, gettext_lazy("DD/MM/YYYY.")),
        ("status", True, gettext_lazy("referred, admitted, active, moved on or discharged.")),
        ("referred_on", True, gettext_lazy("DD/MM/YYYY.")),
        ("admitted_on", False, gettext_lazy("DD/MM/YYYY; needed unless referred.")),
        ("ended_on", False, gettext_lazy("DD/MM/YYYY; needed when moved on or discharged.")),
        ("end_destination", False, ""),
        ("end_reason", False, ""),
        ("keyworker", False, gettext_lazy("Username or e-mail of a keyworker or manager "
                                          "at the site; not for a referral.")),
        ("phone", False, ""),
        ("email", False, ""),
        ("address", False, ""),
        ("emergency_contact_name", False, ""),
        ("emergency_contact_relationship", False, ""),
        ("emergency_contact_phone", False, ""),
        ("languages", False, ""),
        ("cultural_needs", False, ""),
        ("gp_name", False, ""),
        ("gp_practice", False, ""),
        ("gp_phone", False, ""),
        ("alerts", False, gettext_lazy("Risk flags, separated by ; or on separate lines.")),
        ("referral_source", False, ""),
        ("referral_reason", False, ""),
    ],
    "sessions": [
        ("client_reference", True, gettext_lazy("The old reference (clients file) or the "
                                                "Keywork reference.")),
        ("worker", True, gettext_lazy("Username or e-mail of who held it.")),
        ("start", True, gettext_lazy("DD/MM/YYYY HH:MM, UK time, in the past.")),
        ("minutes", True, gettext_lazy("1 to 480.")),
        ("status", True, gettext_lazy("held, missed or cancelled.")),
        ("cancelled_by", False, gettext_lazy("client or staff; needed when cancelled.")),
        ("notes", False, gettext_lazy("What was discussed; needed when held.")),
    ],
    "plans": [
        ("client_reference", True, gettext_lazy("The old reference (clients file) or the "
                                                "Keywork reference.")),
        ("plan_start", True, gettext_lazy("DD/MM/YYYY; the same on each row of a client.")),
        ("review_date", True, gettext_lazy("DD/MM/YYYY, after the start.")),
        ("vision", False, gettext_lazy("The client's picture, in their words (first row "
                                       "of the client).")),
        ("goal", True, gettext_lazy("Rows with the same goal make one goal.")),
        ("action", False, gettext_lazy("One action a row; empty for a goal with none yet.")),
        ("who", False, gettext_lazy("client, keyworker or agency; needed with an action.")),
        ("agency", False, gettext_lazy("An agency of the site, by name; needed when an "
                                       "agency does it.")),
        ("due", False, gettext_lazy("DD/MM/YYYY; needed with an action.")),
    ],
}

EXAMPLES = {
    "clients": {
        "site": "DC1", "old_reference": "OLD-0001", "first_name": "Dee", "last_name": "Example",
        "date_of_birth": "14/03/1980", "status": "active", "referred_on": "02/01/2026",
        "admitted_on": "09/01/2026", "keyworker": "keyworker", "phone": "07700 900123",
        "languages": "English; Polish", "alerts": "Allergic to penicillin; Ask before visiting",
        "referral_source": "Outreach team",
    },
    "sessions": {
        "client_reference": "OLD-0001", "worker": "keyworker", "start": "12/01/2026 10:00",
        "minutes": "45", "status": "held", "notes": "Talked about the housing application.",
    },
    "plans": {
        "client_reference": "OLD-0001", "plan_start": "12/01/2026",
        "vision": "A flat of my own near my sister.", "goal": "Find a flat",
        "action": "Fill in the housing register form", "who": "client", "due": "19/01/2026",
    },
}


def example(kind):
    """The example row of a file; a plan's review date four weeks from today, since one in
    the past is refused."""
    row = dict(EXAMPLES[kind])
    if kind == "plans":
        row["review_date"] = (timezone.localdate() + datetime.timedelta(weeks=4)).strftime(
            "%d/%m/%Y")
    return row


def header(kind):
    return [name for name, _required, _help in COLUMNS[kind]]


def template(kind, file_format):
    """The template of a file: the header row and one example row, as bytes."""
    data = tablib.Dataset(headers=header(kind))
    row = example(kind)
    data.append([row.get(name, "") for name in header(kind)])
    exported = data.export(file_format)
    return exported.encode("utf-8-sig") if isinstance(exported, str) else exported


def read(upload, kind):
    """[(row number as a spreadsheet shows it, {column: text})] of an uploaded file, or
    ValidationError saying why it cannot be read."""
    name = upload.name or ""
    if upload.size > MAX_BYTES:
        raise ValidationError(_("%(name)s is larger than 20 MB: split it into smaller files.")
                              % {"name": name})
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in FORMATS:
        raise ValidationError(_("%(name)s is not a CSV or XLSX file: save it as one of those.")
                              % {"name": name})
    return parse(upload.read(), extension, kind, name)


def parse(content, extension, kind, name):
    try:
        if extension == "csv":
            text = content.decode("utf-8-sig")
            if "\x00" in text:
                raise ValueError("NUL")
            data = tablib.Dataset().load(io.StringIO(text), format="csv")
        else:
            data = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
    except Exception as error:  # noqa: BLE001 (any file at all may be uploaded)
        raise ValidationError(_("%(name)s could not be read as a %(format)s file. Save it "
                                "again from the spreadsheet as %(format)s (UTF-8 for CSV).")
                              % {"name": name, "format": extension.upper()}) from error
    headers = [_text(h).lower().replace(" ", "_") for h in (data.headers or [])]
    missing = [c for c, required, _help in COLUMNS[kind] if required and c not in headers]
    if missing:
        raise ValidationError(_("%(name)s has no column %(columns)s. Start from the template "
                                "of this file.")
                              % {"name": name, "columns": ", ".join(missing)})
    if data.height > MAX_ROWS:
        raise ValidationError(_("%(name)s has more than %(limit)s rows: split it.")
                              % {"name": name, "limit": f"{MAX_ROWS:,}"})
    known = set(header(kind))
    rows = []
    for number, values in enumerate(data, start=2):
        row = {h: _text(v) for h, v in zip(headers, values, strict=False) if h in known}
        if any(row.values()):
            rows.append((number, row))
    return rows


def _text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_day(text):
    """A date written DD/MM/YYYY (or YYYY-MM-DD), else ValueError."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_moment(text):
    """An instant written DD/MM/YYYY HH:MM (UK wall-clock time), else ValueError or
    dates.NonexistentTime. A time the clocks show twice is taken as the first."""
    for pattern in ("%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S",
                    "%Y-%m-%d %H:%M:%S"):
        try:
            moment = datetime.datetime.strptime(text, pattern)
        except ValueError:
            continue
        day = moment.date()
        if _steady(day):
            # No clock change that day: the one offset holds (dates.at is exact, and slow
            # for 20,000 rows).
            return moment.replace(tzinfo=timezone.get_current_timezone()).astimezone(dates.UTC)
        return dates.at(day, moment.time(), fold=dates.FIRST)
    raise ValueError(text)


@functools.lru_cache(maxsize=4096)
def _steady(day):
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)
    end = datetime.datetime.combine(day + dates.DAY, datetime.time(0), tzinfo=zone)
    return start.utcoffset() == end.utcoffset()
