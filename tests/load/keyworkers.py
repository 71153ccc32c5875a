"""Simulated keyworkers: one thread each, with their own logged-in session, using
Keywork's real forms over HTTP as a browser does (GET the form, send it back with its CSRF
token, follow the redirect and read the message), without pausing between steps.

Each write carries a text unique to it (its marker). A write counts as confirmed only when
the server answered the POST with a redirect and the page after it showed the success
message: what the person would have seen. The tests then look each marker up in the
database.
"""

import datetime
import http.client
import itertools
import os
import threading
import time
import zoneinfo
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

LONDON = zoneinfo.ZoneInfo("Europe/London")
TIMEOUT = 60
SLOT_MINUTES = 15  # a booking every 15 minutes, each lasting 10
SUCCESS = {"booking": "Booked:", "session log": "Session logged.", "goal": "Goal saved.",
           "plan edit": "Changes saved."}


class FormParser(HTMLParser):
    """Every <form> on a page with the values a browser would send as it stands."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = self._select = self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"method": (attrs.get("method") or "get").lower(), "fields": []}
            self.forms.append(self._form)
            return
        name = attrs.get("name")
        if self._form is None or "disabled" in attrs:
            return
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form["fields"].append((name, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = [name, None, None]
        elif tag == "option" and self._select is not None:
            value = attrs.get("value") or ""
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in attrs:
                self._select[2] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self._form["fields"].append((self._textarea, text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, first, chosen = self._select
            if first is not None:
                self._form["fields"].append((name, chosen if chosen is not None else first))
            self._select = None
        elif tag == "form":
            self._form = None


def form_with(page, field):
    """The fields of the POST form on `page` that has a field named `field`, as a dict."""
    parser = FormParser()
    parser.feed(page)
    for form in parser.forms:
        if form["method"] == "post" and any(name == field for name, _value in form["fields"]):
            return dict(form["fields"])
    raise Failed(f"no form with {field!r} on the page")


class Failed(Exception):
    """A step could not go on (an error answer, a dropped connection); already recorded."""


@dataclass
class Request:
    started: float  # seconds since the run started
    seconds: float
    method: str
    path: str
    status: int | None  # None: no answer (the connection failed or was cut)
    error: str = ""
    body: str = ""  # kept for 5xx answers only, to look at the error page


@dataclass
class Answer:
    status: int
    location: str
    body: str


@dataclass
class Write:
    kind: str
    marker: str
    keyworker: str
    started: float
    confirmed: bool = False
    outcome: str = "sent"


class Load:
    """One load: the keyworkers' shared clock, their requests and writes."""

    def __init__(self, port, people, *, tag, seconds):
        self.port = port
        self.people = people
        self.tag = tag
        self.seconds = seconds
        self.requests = []
        self.writes = []
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.gate = threading.Condition()
        self.paused = False
        self.waiting = 0

    def now(self):
        return time.monotonic() - self.started

    def drive(self, during=None):
        """Run every keyworker for `seconds`; `during(load)` runs meanwhile (the faults)."""
        threads = [threading.Thread(target=Keyworker(self, person).loop, daemon=True)
                   for person in self.people]
        self.started = time.monotonic()
        for thread in threads:
            thread.start()
        try:
            if during is not None:
                during(self)
        finally:
            for thread in threads:
                thread.join(timeout=self.seconds + 2 * TIMEOUT)
        self.elapsed = self.now()
        return self

    def pause(self):
        """Hold every keyworker before their next request, once the ones under way are
        answered: the server is then idle."""
        with self.gate:
            self.paused = True
            self.gate.wait_for(lambda: self.waiting == len(self.people), timeout=2 * TIMEOUT)

    def resume(self):
        with self.gate:
            self.paused = False
            self.gate.notify_all()

    def wait_at_gate(self):
        with self.gate:
            self.waiting += 1
            self.gate.notify_all()
            self.gate.wait_for(lambda: not self.paused)
            self.waiting -= 1

    def record(self, item):
        with self.lock:
            (self.writes if isinstance(item, Write) else self.requests).append(item)

    def wait_until(self, moment):
        time.sleep(max(0.0, moment - self.now()))

    # What happened, for the assertions and the README ------------------------------------

    def confirmed(self, kind=None):
        return [w for w in self.writes if w.confirmed and kind in (None, w.kind)]

    def unconfirmed(self):
        return [w for w in self.writes if not w.confirmed]

    def server_errors(self):
        return [r for r in self.requests if r.status is not None and r.status >= 500]

    def cut(self):
        return [r for r in self.requests if r.status is None]

    def summary(self):
        answered = [r for r in self.requests if r.status is not None]
        times = sorted(r.seconds for r in answered) or [0.0]
        return {
            "load_average_1min": round(os.getloadavg()[0], 1),
            "keyworkers": len(self.people),
            "seconds": round(self.elapsed, 1),
            "requests": len(self.requests),
            "requests_per_second": round(len(self.requests) / self.elapsed, 1),
            "p50_ms": round(1000 * times[len(times) // 2]),
            "p95_ms": round(1000 * times[int(len(times) * 0.95)]),
            "server_errors": len(self.server_errors()),
            "no_answer": len(self.cut()),
            "writes_sent": len(self.writes),
            "writes_confirmed": len(self.confirmed()),
            "confirmed_by_kind": {kind: len(self.confirmed(kind)) for kind in SUCCESS},
        }


class Keyworker:
    """Logs sessions (book, then log what happened) and edits their client's plan (a goal
    with two actions and a milestone, then the plan's vision), round and round."""

    def __init__(self, load, person):
        self.load = load
        self.person = person
        self.cookies = {"sessionid": person["session"]}
        self.numbers = itertools.count(1)

    def loop(self):
        steps = itertools.cycle([self.log_session, self.add_goal, self.edit_plan])
        while self.load.now() < self.load.seconds:
            try:
                next(steps)()
            except Failed:
                time.sleep(0.2)  # as a person would, before trying again

    # HTTP ----------------------------------------------------------------------------------

    def send(self, method, path, fields=None):
        """One request, recorded; its Answer, or Failed when none came back."""
        body = urlencode(fields) if fields is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.load.wait_at_gate()
        started = self.load.now()
        connection = http.client.HTTPConnection("127.0.0.1", self.load.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            page = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            self.load.record(Request(started, self.load.now() - started, method, path, None,
                                     error=type(error).__name__))
            raise Failed(type(error).__name__) from error
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        answer = Answer(response.status, response.getheader("Location", ""), page)
        self.load.record(Request(started, self.load.now() - started, method, path,
                                 answer.status, body=page if answer.status >= 500 else ""))
        return answer

    def page(self, path):
        answer = self.send("GET", path)
        if answer.status != 200:
            raise Failed(f"GET {path}: {answer.status}")
        return answer.body

    def post(self, kind, marker, path, fields):
        """Send a form; confirmed when it redirects to a page showing the success message.
        Returns where it redirected to and that page."""
        write = Write(kind, marker, self.person["username"], self.load.now())
        self.load.record(write)
        answer = self.send("POST", path, fields)
        if answer.status != 302:
            # An error page, or the form back with an error on it.
            write.outcome = f"not saved ({answer.status})"
            raise Failed(write.outcome)
        after = self.page(urlsplit(answer.location).path)
        write.confirmed = SUCCESS[kind] in after
        write.outcome = "confirmed" if write.confirmed else "no message"
        return answer.location, after

    def marker(self, kind):
        return f"{self.load.tag}-{self.person['username']}-{next(self.numbers):04d}-{kind}"

    # Steps ---------------------------------------------------------------------------------

    def next_slot(self):
        """A 10-minute slot in the past week that this keyworker has not booked before."""
        first = datetime.datetime.combine(datetime.date.today() - datetime.timedelta(days=6),
                                          datetime.time(0), LONDON)
        slot = self.person.setdefault("slots", itertools.count())
        start = first + datetime.timedelta(minutes=SLOT_MINUTES * next(slot))
        if start > datetime.datetime.now(LONDON) - datetime.timedelta(minutes=SLOT_MINUTES):
            raise Failed("no free slot left this week")
        return start

    def log_session(self):
        start = self.next_slot()
        form = form_with(self.page(f"/diary/book/?client={self.person['client']}"), "day")
        booking = self.marker("room")
        form |= {"day": start.date().isoformat(), "start": start.strftime("%H:%M"),
                 "end": (start + datetime.timedelta(minutes=10)).strftime("%H:%M"),
                 "where": booking}
        log_path, log_page = self.post("booking", booking, "/diary/book/", form)
        form = form_with(log_page, "discussed")
        form |= {"discussed": self.marker("log"), "next_steps": "Call the housing office.",
                 "progress": "On track with the plan."}
        self.post("session log", form["discussed"], urlsplit(log_path).path, form)

    def add_goal(self):
        plan = self.person["plan"]
        form = form_with(self.page(f"/plans/{plan}/goals/new/"), "text")
        goal = self.marker("goal")
        today = datetime.date.today()
        form |= {
            "text": goal,
            "actions-0-what": f"{goal} action 1", "actions-0-who": "client",
            "actions-0-due_on": (today + datetime.timedelta(days=7)).isoformat(),
            "actions-1-what": f"{goal} action 2", "actions-1-who": "keyworker",
            "actions-1-due_on": (today + datetime.timedelta(days=14)).isoformat(),
            "milestones-0-text": f"{goal} milestone",
            "milestones-0-target_on": (today + datetime.timedelta(days=30)).isoformat(),
        }
        self.post("goal", goal, f"/plans/{plan}/goals/new/", form)

    def edit_plan(self):
        plan = self.person["plan"]
        form = form_with(self.page(f"/plans/{plan}/edit/"), "vision")
        form["vision"] = self.marker("vision")
        self.post("plan edit", form["vision"], f"/plans/{plan}/edit/", form)
