"""The activity page's long lists, drawn in Python: a group of 40 members and its 30
sessions through the template language took 20 ms of the page's 37 (a lookup, a date
filter, a `{% url %}` and a `{% blocktranslate %}` per row), and the page must stay within
15 ms. Each row's markup is the one written here, as the template had it."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from keywork.lib import dates
from keywork.lib.rows import csrf_input, row_template, url_of

register = template.Library()

_ROW = ('<li class="list-group-item d-flex flex-wrap justify-content-between '
        'align-items-center gap-2">\n  <div><a href="{}">{}</a>{}\n'
        '    <div class="small text-body-secondary">{}</div></div>{}\n</li>')


@register.simple_tag(takes_context=True)
def member_items(context, members, activity):
    """One <li> per current member: their name, since when, their attendance rate, and
    (while the group runs) the form by which they leave it."""
    client_url, leave_url = url_of("clients:detail"), url_of("activities:member_leave")
    # The words are the template's, translated once for the list, not once a row.
    since, attended, none_held = (_("member since %(day)s"),
                                  _("attended %(a)s of %(h)s (%(p)s%%)"),
                                  _("no sessions held yet"))
    leaves = _("%(name)s leaves the group today?")
    leave_form = None if activity.is_archived else row_template(
        '\n  <form method="post" action="{{}}" data-confirm="{{}}">{}<button class="btn btn-sm '
        'btn-outline-secondary" type="submit">{}<span class="visually-hidden">: {{}}</span>'
        "</button></form>", csrf_input(context), _("Leaves"))
    days = {}
    rows = []
    for member in members:
        name = member.client.display_name
        day = days.get(member.joined_on) or days.setdefault(
            member.joined_on, dates.format_day(member.joined_on))
        rate = member.rate
        facts = since % {"day": day} + " · " + (attended % {
            "a": rate.attended, "h": rate.held, "p": rate.percent} if rate.held else none_held)
        rows.append((client_url(member.client_id), name, "", facts, "" if leave_form is None
                     else format_html(leave_form, leave_url(member.pk),
                                      leaves % {"name": name}, name)))
    return format_html_join("\n", _ROW, rows)


@register.simple_tag
def session_items(sessions, may_change, *, past=False):
    """One <li> per session: its day and time (a link to its register), who runs it,
    where, how many came (a past one) or why it was cancelled, and its edit link."""
    register_url, edit_url = url_of("activities:register"), url_of("activities:session_edit")
    cancelled = format_html('\n    <span class="badge text-bg-secondary">{}</span>',
                            _("cancelled"))
    edit = row_template('\n  <a class="btn btn-sm btn-link" href="{{}}">{}<span '
                        'class="visually-hidden">: {{}}</span></a>', _("Edit"))
    rows = []
    for session in sessions:
        starts = dates.local(session.starts_at)
        when = f"{dates.format_weekday(starts)} {starts.year} {dates.format_time(starts)}"
        facts = []
        if session.facilitator:
            facts.append(str(session.facilitator))
        if session.place:
            facts.append(session.place)
        if past and not session.cancelled:
            facts.append(ngettext("%(n)s came", "%(n)s came", session.came) % {
                "n": session.came})
        if session.cancelled:
            facts.append(session.cancelled_reason)
        rows.append((register_url(session.pk), when, cancelled if session.cancelled else "",
                     " · ".join(facts),
                     format_html(edit, edit_url(session.pk), dates.format_weekday(starts))
                     if may_change else ""))
    return format_html_join("\n", _ROW, rows)
