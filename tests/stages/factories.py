"""Builders for the stages tests: real files, full rating grids, clients on the ladder.

The pages under test are fed through `stages.services` wherever a person would make the
data through the product; the factories are for the crowds that only need rows to exist.
"""

import datetime
import io
import itertools

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from stages import services
from stages.models import (
    SCORES,
    Assessment,
    Evidence,
    Ladder,
    LadderTask,
    Need,
    PortfolioItem,
    Rating,
)

DAY = datetime.timedelta(days=1)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _one_pixel_png():
    buffer = io.BytesIO()
    Image.new("RGBA", (1, 1), (0, 128, 128, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


# A 1 x 1 PNG, whole (uploads are opened with Pillow, which refuses a broken one).
PNG = _one_pixel_png()


def pdf_upload(name="letter.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png_upload(name="certificate.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def use_private_root(settings, monkeypatch, path):
    """Keep uploaded client files under `path` for one test."""
    settings.PRIVATE_MEDIA_ROOT = path


def grid(rating=Rating.DETERMINED):
    """A rating for every need in use, as `services.assessment_record` takes them."""
    return {need.pk: (rating, "") for need in Need.objects.in_use()}


def grid_post(rating=Rating.ACTION, **fields):
    """The assessment form's POST data rating every need in use."""
    data = dict(fields)
    for need in Need.objects.in_use():
        data[f"r{need.pk}"] = rating
        data[f"n{need.pk}"] = ""
    return data


def tasks_of(order):
    """The tasks of rung `order` of the ladder in use, in their order."""
    return list(LadderTask.objects.filter(stage__ladder=Ladder.objects.current(),
                                          stage__order=order).order_by("order", "pk"))


def assessments_for(client, *, count, by):
    """`count` assessments two days apart from the day after admission, oldest first.

    `by` is a user, or a list of users taking turns.
    """
    people = itertools.cycle(by if isinstance(by, list) else [by])
    ratings = itertools.cycle(SCORES)
    return [services.assessment_record(client=client,
                                       assessed_on=client.admitted_on + (1 + 2 * n) * DAY,
                                       ratings=grid(next(ratings)), by=next(people))
            for n in range(count)]


class AssessmentFactory(factory.django.DjangoModelFactory):
    """An assessment row without its ratings: enough for lists that show only the date."""

    class Meta:
        model = Assessment

    kind = Assessment.Kind.INITIAL
    assessed_on = factory.LazyAttribute(lambda a: a.client.admitted_on + DAY)
    overall = 50
    area_scores = factory.LazyFunction(dict)


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    task_text = factory.LazyAttribute(lambda e: e.task.text)
    what = factory.Sequence(lambda n: f"Evidence {n}")
    on = factory.LazyAttribute(lambda e: e.client.admitted_on + DAY)


class PortfolioItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PortfolioItem

    kind = PortfolioItem.Kind.CERTIFICATE
    title = factory.Sequence(lambda n: f"Achievement {n}")
    on = factory.LazyAttribute(lambda p: p.client.admitted_on + DAY)
