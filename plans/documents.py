"""The client's documents (the "My keywork" sheet, the keywork agreement, the support plan)
in the version a client reads: their language and, if they want it, easy read.

A version is a language of `clients.models.DocumentLanguage` (each a complete translation
in locale/, tests/plans/test_documents.py) and standard or easy read. Staff pick it when
printing; it defaults to what the client asked for. Each document is put together here
once, from the same selectors whatever the version (the next session, the keyworker, the
plan's goals), then drawn inside `translation.override(language)`, so that its words and
dates are in that language while the staff pages around it stay in British English.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.utils import timezone, translation

from clients.models import Allocation, DocumentLanguage
from keywork.lib.pdf import render_pdf
from plans import hooks, selectors, services
from plans.models import Action, AgreementTemplate, Signature
from plans.models import digest as content_digest

SHEET, AGREEMENT, PLAN = "sheet", "agreement", "plan"
KINDS = (SHEET, AGREEMENT, PLAN)
STANDARD, EASY = "standard", "easy"
# The sheet stays one page: the rest of a goal's open actions are counted, not listed.
SHEET_ACTIONS_PER_GOAL = 3


@dataclass(frozen=True)
class Version:
    """A document's language (a DocumentLanguage value) and whether it is easy read."""

    language: str
    easy: bool

    @property
    def direction(self):
        return "rtl" if translation.get_language_info(self.language)["bidi"] else "ltr"

    @property
    def label(self):
        return DocumentLanguage(self.language).label

    def query(self):
        """The query string that asks for this version (`?language=cy&version=easy`)."""
        return urlencode({"language": self.language,
                          "version": EASY if self.easy else STANDARD})


def version_for(client, params=None):
    """The version `params` (a request's GET) asks for; what it leaves out, or asks for
    wrongly, is the client's own choice (`document_language`, `easy_read`)."""
    params = params or {}
    language = params.get("language")
    if language not in DocumentLanguage.values:
        language = client.document_language
    version = params.get("version")
    easy = version == EASY if version in (STANDARD, EASY) else client.easy_read
    return Version(language, easy)


def client_plan(client):
    """The plan the client's documents show: the one in force, or else the newest draft,
    with its content (from the cache while the data stays the same, as the plan pages read
    it: services.attach_content). Kept on `client` for the request: the documents page,
    its document and the access log all ask."""
    if "_documents_plan" not in client.__dict__:
        plans = selectors.current_stay_plans(client).select_related("client", "client__site")
        plan = plans.current().first() or plans.drafts().first()
        client.__dict__["_documents_plan"] = services.attach_content(plan) if plan else None
    return client.__dict__["_documents_plan"]


def client_agreement(client):
    """The agreement the client's documents show: the one signed and in force, or else
    the newest version (None before one is prepared)."""
    return (client.agreements.filter(signed_at__isnull=False, superseded_at__isnull=True)
            .first() or client.agreements.order_by("-number").first())


def _sheet(client):
    team = list(Allocation.objects.current().filter(client=client).select_related("worker")
                .order_by("kind"))
    plan = client_plan(client)
    agreement = (client.agreements.filter(signed_at__isnull=False, superseded_at__isnull=True)
                 .first() or AgreementTemplate.for_site(client.site))
    to_do = selectors.plan_to_do(plan) if plan else None
    return {
        "client": client, "site": client.site, "plan": plan, "agreement": agreement,
        "keyworker": next((a.worker for a in team if a.kind == Allocation.Kind.PRIMARY), None),
        "others": [a for a in team if a.kind != Allocation.Kind.PRIMARY],
        "to_do": to_do,
        "goals": [(g.goal, g.open_actions[:SHEET_ACTIONS_PER_GOAL],
                   max(len(g.open_actions) - SHEET_ACTIONS_PER_GOAL, 0))
                  for g in to_do.goals] if to_do else [],
        "my_actions": [a for g in to_do.goals for a in g.open_actions
                       if a.who == Action.Who.CLIENT] if to_do else [],
        "review": selectors.plan_review(plan) if plan and plan.is_current else None,
        "next_session": hooks.next_session_for(client),
        "expected": [line for line in agreement.expected_of_client.splitlines()
                     if line.strip()][:5],
        "today": timezone.localdate(),
    }


def _agreement(agreement):
    digest = agreement.digest()
    doc = agreement.printed()
    return {
        "agreement": agreement, "doc": doc, "client": agreement.client,
        "site": {"name": doc["site"], "phone": doc["site_phone"]},
        "signatures": services.valid_signatures(agreement, digest),
        "roles": Signature.Role.choices,
        "fingerprint": digest[:12],
    }


def _plan(plan):
    """`plan` with its content and signatures prefetched."""
    keyworker = services.current_keyworker(plan.client)
    printed = plan.printed(keyworker=keyworker)
    digest = content_digest(printed)
    doc = services.plan_printout(plan, printed)
    # A signed version names the keyworker it was signed with; the client also needs today's.
    moved_on = plan.signed_at and keyworker and str(keyworker) != doc["keyworker"]
    return {
        "plan": plan, "doc": doc, "client": plan.client,
        "site": {"name": doc["site"], "phone": doc["site_phone"]},
        "keyworker_now": keyworker if moved_on else None,
        "signatures": services.valid_signatures(plan, digest),
        "roles": Signature.Role.choices,
        "fingerprint": digest[:12],
    }


_CONTEXTS = {SHEET: _sheet, AGREEMENT: _agreement, PLAN: _plan}


def body_template(kind, version):
    return f"plans/documents/{kind}{'_easy' if version.easy else ''}.html"


def _context(kind, record, version):
    context = _CONTEXTS[kind](record)
    context.update(version=version, easy=version.easy, body=body_template(kind, version))
    return context


def document_pdf(kind, record, version, *, request=None):
    """The PDF of document `kind` ("sheet": `record` is the client; "agreement", "plan":
    the version printed) in `version`: tagged, in its language and direction."""
    with translation.override(version.language):
        return render_pdf(f"plans/pdf/{kind}.html", _context(kind, record, version),
                          request=request)


def document_html(kind, record, version, *, request=None):
    """The same document as HTML for a page: its body only, in its language, for the page
    to place inside an element carrying its `lang` and `dir`."""
    with translation.override(version.language):
        return render_to_string(body_template(kind, version),
                                _context(kind, record, version), request=request)
