"""The keyworkers page's table, drawn in Python: a large site's 58 keyworkers through the
template language (a lookup, a `{% url %}`, a `{% blocktranslate %}` and a CSRF token a
cell) took half the page's time. Each row's markup is the one written here, as the
template had it."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from keywork.lib.rows import csrf_input, row_template, url_of

register = template.Library()

_ROW = ('  <tr>\n    <td>{}{}{}</td>\n    <td>\n      <span class="{}">{}</span>\n      {}\n'
        '      <meter class="d-block caseload-meter" min="0" max="{}" high="{}" value="{}" '
        'aria-hidden="true"></meter>\n    </td>\n    <td>\n'
        '      <form method="post" action="{}" class="d-flex gap-2 align-items-center">{}\n'
        '        <label class="visually-hidden" for="{}">{}</label>\n'
        '        <input type="number" name="{}" id="{}" value="{}" min="0" max="200" '
        'class="form-control form-control-sm limit-input">\n        {}\n      </form>\n'
        '    </td>\n    <td>{}</td>\n  </tr>')


@register.simple_tag(takes_context=True)
def keyworker_rows(context, rows, site):
    """One <tr> per (worker, Caseload, CaseloadLimitForm): who, their caseload against
    their limit, the form setting the limit, and the link to transfer the caseload."""
    limit_url, transfer_url = url_of("clients:keyworker_limit"), url_of("clients:transfer")
    # The words are the template's, translated once for the table, not once a row.
    of, label = _("%(n)s of %(limit)s"), _("Caseload limit for %(name)s")
    deactivated = format_html(' <span class="badge text-bg-danger">{}</span>',
                              _("deactivated"))
    over = format_html('<span class="badge text-bg-danger">{}</span>', _("over limit"))
    full = format_html('<span class="badge text-bg-warning">{}</span>', _("full"))
    form_tail = format_html('{}\n        <input type="hidden" name="site" value="{}">',
                            csrf_input(context), site.pk)
    set_button = format_html('<button class="btn btn-sm btn-outline-primary" type="submit">{}'
                             "</button>", _("Set"))
    transfer = row_template('<a class="btn btn-sm btn-outline-secondary" href="{{}}?site={}">{}'
                            "</a>", site.pk, _("Transfer caseload"))
    lines = []
    for worker, caseload, form in rows:
        name = str(worker)
        field = form.add_prefix("caseload_limit")
        field_id = form.auto_id % field
        lines.append((
            name, deactivated if not worker.is_active else "",
            format_html('<br><span class="small text-body-secondary">{}</span>', worker.phone)
            if worker.phone else "",
            "text-danger fw-semibold" if caseload.is_over else "",
            of % {"n": caseload.size, "limit": caseload.limit},
            over if caseload.is_over else full if caseload.is_full else "",
            caseload.limit, caseload.limit, caseload.size,
            limit_url(worker.pk), form_tail, field_id, label % {"name": name},
            field, field_id, worker.caseload_limit, set_button,
            format_html(transfer, transfer_url(worker.pk)) if caseload.size else ""))
    return format_html_join("\n", _ROW, lines)
