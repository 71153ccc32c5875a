import html

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from keywork.lib.dates import format_day
from stages.models import Rating

register = template.Library()


@register.filter
def signed(value):
    """A change in points with its sign, e.g. "+12.5" or "−3.0"; "—" when unknown."""
    if value is None or value == "":
        return "—"
    number = float(value)
    if number > 0:
        return f"+{number:.1f}"
    if number < 0:
        return f"−{abs(number):.1f}"
    return "0.0"


@register.inclusion_tag("stages/includes/rating_key.html")
def rating_key(level=2):
    """"What the ratings mean": every rating of the stage-of-change scale with its score
    and its description (stages.models.Rating), under a heading of `level`."""
    return {"ratings": list(Rating), "level": level}


def _text(value):
    """{{ value }} for a plain value: Django's escape() without its lazy-string wrapper,
    which on the assessment form's thousand or so texts was a tenth of the page's time."""
    return html.escape(str(value))


@register.simple_tag
def assessment_rows(rows):
    """The assessment form's needs, under a heading for each area: each need a fieldset of
    its legend (the need, its rating last time, a suggestion), the rating's buttons in a
    radiogroup named for the need with the rating's errors, and the note with its label.

    Written here in Python rather than as a template loop: 45 needs of six buttons each
    were most of the page's time as {% for %}s of {{ }} lookups. Every text is escaped
    (`_text`), the scale's labels once for the page. `rows` are the view's dicts (need,
    rating and note fields, new_area, previous: the rating last time, suggest);
    stages/assessment_form.html shows where they go.
    """
    scale = [(_text(value), _text(label)) for value, label in Rating.choices]
    shown = dict(Rating.choices)
    last_time = gettext("Last time: %(rating)s")
    suggestion = _text(gettext("Suggested: Achieving (5+ plan actions done)"))
    placeholder = _text(gettext("Note"))
    html_ = []
    for number, row in enumerate(rows):
        need, rating, note = row["need"], row["rating"], row["note"]
        if row["new_area"]:
            html_.append(f'{"</div>" if number else ""}<h2 class="h5 mt-4">'
                         f'{_text(need.area.name)}</h2><div class="list-group mb-3">')
        errors, chosen = rating.errors, rating.value()
        name, id_ = _text(rating.html_name), _text(rating.auto_id)
        required = ' required aria-invalid="true"' if errors else " required"
        need_name = _text(need.name)
        legend = [need_name]
        if row["previous"]:
            rated = row["previous"]
            legend.append('\n<span class="d-block small fw-normal text-body-secondary">'
                          f'{_text(last_time % {"rating": shown.get(rated, rated)})}</span>')
        if row["suggest"]:
            legend.append('\n<span class="d-block small fw-normal text-success"><i '
                          f'class="bi bi-lightbulb" aria-hidden="true"></i> {suggestion}</span>')
        buttons = "".join(
            f'<input type="radio" name="{name}" value="{value}" class="btn-check" '
            f'id="{id_}_{i}"{required}{" checked" if value == chosen else ""}>'
            f'<label class="btn btn-sm btn-outline-primary" for="{id_}_{i}">{label}</label>\n'
            for i, (value, label) in enumerate(scale))
        messages = "".join(f'\n<div class="text-danger small">{_text(error)}</div>'
                           for error in errors)
        note_id, note_value = _text(note.id_for_label), note.value()
        html_.append(
            '<fieldset class="list-group-item assessment-row row d-flex g-2 align-items-center '
            f'mx-0 mt-0 pt-0{" border-danger" if errors else ""}">\n'
            '<legend class="col-12 col-xl-3 col-form-label fs-6 fw-semibold mb-0">'
            f'{"".join(legend)}</legend>\n<div class="col-12 col-md-auto">\n'
            f'<div class="assessment-scale" role="radiogroup" aria-label="{need_name}">\n'
            f'{buttons}</div>{messages}</div>\n<div class="col-12 col-md assessment-note">\n'
            f'<label class="visually-hidden" for="{note_id}">{_text(note.label)}</label>\n'
            '<input type="text" class="form-control form-control-sm" '
            f'name="{_text(note.html_name)}" id="{note_id}" '
            f'value="{"" if note_value is None else _text(note_value)}" maxlength="300" '
            f'placeholder="{placeholder}">\n</div>\n</fieldset>\n')
    if html_:
        html_.append("</div>")
    return mark_safe("".join(html_))  # noqa: S308 (every text in it escaped by _text)


@register.simple_tag
def ladder_stages(stages, current, client):
    """The ladder page's stages from the client's current one up, each a section headed
    by its name (and "current", and the benefit of reaching it) listing its tasks; the
    stages above the current one folded under "Higher stages".

    `stages` are the rows stages.views._ladder_context makes. Written here rather than as
    template loops, whose thirty tasks of {{ }} lookups and {% url %}s were a third of the
    page's time; lapsed evidence, which is rare, is drawn by its own template.
    """
    html_ = []
    for number, row in enumerate(stages):
        stage = row["stage"]
        if number == 1:
            html_.append('<details class="mb-4"><summary class="h5">'
                         f'{_text(gettext("Higher stages (tasks can be evidenced early)"))}'
                         "</summary>")
        html_.append(
            f'\n<section class="mb-4" aria-labelledby="stage-{stage.pk}">\n'
            f'<h2 id="stage-{stage.pk}" class="h5">{_text(stage.name)}'
            + (f' <span class="badge text-bg-primary">{_text(gettext("current"))}</span>'
               if stage.pk == current.stage.pk else "")
            + (f' <span class="small fw-normal text-body-secondary">· {_text(stage.benefit)}'
               "</span>" if stage.benefit else "")
            + "</h2>\n"
            + (f'<ul class="list-group">\n{_tasks(row["tasks"], client)}</ul>\n'
               if row["tasks"] else
               f'<p class="text-body-secondary">{_text(gettext("The top of the ladder."))}</p>')
            + "\n</section>\n")
    if len(stages) > 1:
        html_.append("</details>")
    return mark_safe("".join(html_))  # noqa: S308 (every text in it escaped by _text)


def _tasks(tasks, client):
    """One stage's tasks, each a list item: done or not, the task, its evidence (or "not
    applicable"), its lapsed evidence, the register's figures or what the product already
    knows, and the button to add evidence or confirm."""
    where_appropriate = _text(gettext("where appropriate"))
    not_applicable = _text(gettext("not applicable"))
    evidenced = _text(gettext("Evidenced:"))
    html_ = []
    for item in tasks:
        task, evidence, answer = item["task"], item["evidence"], item["answer"]
        register = item["register"]
        text = _text(task.text)
        parts = ['<li class="list-group-item">\n'
                 '<div class="d-flex flex-wrap justify-content-between gap-2">\n<div>\n',
                 '<i class="bi bi-check-circle-fill text-success" aria-hidden="true"></i>'
                 if evidence else '<i class="bi bi-circle" aria-hidden="true"></i>',
                 "\n", text]
        if task.where_appropriate:
            parts.append(f' <span class="small text-body-secondary">({where_appropriate})</span>')
        if evidence:
            parts.append(
                '\n<div class="small ms-4">\n'
                + (f'<span class="badge text-bg-secondary">{not_applicable}</span>'
                   if evidence.status == "na"
                   else f'<span class="visually-hidden">{evidenced}</span>')
                + f"\n{_text(evidence.what)} · {_text(format_day(evidence.on))} · "
                + _text(evidence.by))
            if evidence.task_text != task.text:
                parts.append("\n<br><em>" + _text(gettext("Given for: “%(text)s”") % {
                    "text": evidence.task_text}) + "</em>")
            if evidence.file:
                url = reverse("stages:evidence_file", args=[client.pk, evidence.pk])
                parts.append(f' · <a href="{_text(url)}">{_text(gettext("file"))}</a>')
            parts.append("\n</div>")
        parts.extend("\n" + render_to_string("stages/includes/lapsed.html", {"e": e})
                     for e in item["lapsed"])
        if not evidence and register:
            activity = item["register_activity"]
            url = reverse("activities:detail", args=[activity.pk])
            parts.append(
                '\n<div class="small ms-4"><i class="bi bi-people" aria-hidden="true"></i> '
                f'{_text(gettext("From the register:"))} {_text(register)} · '
                f'<a href="{_text(url)}">{_text(activity.name)}</a></div>')
        if not evidence and answer:
            parts.append(
                '\n<div class="small ms-4 text-success"><i class="bi bi-info-circle" '
                f'aria-hidden="true"></i> {_text(answer.text)}'
                + (f' · <a href="{_text(answer.url)}">{_text(gettext("see it"))}</a>'
                   if answer.url else "") + "</div>")
        parts.append("\n</div>\n")
        if not evidence and not register and not client.is_archived:
            url = reverse("stages:evidence_create", args=[client.pk, task.pk])
            parts.append(
                f'<a class="btn btn-sm btn-outline-primary align-self-start" href="{_text(url)}">'
                f'{_text(gettext("Confirm") if answer else gettext("Add evidence"))}'
                f'<span class="visually-hidden">: {text}</span></a>\n')
        parts.append("</div>\n</li>\n")
        html_.append("".join(parts))
    return "".join(html_)
