"""keywork.lib.forms: how every form is laid out, and where a service's refusal shows."""

import datetime
import re
from decimal import Decimal

import pytest
from crispy_forms.layout import Field
from crispy_forms.utils import render_crispy_form
from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import mark_safe

from keywork.lib.forms import ReadOnce, add_error, error_summary, form_helper, form_row


class NoteForm(forms.Form):
    note = forms.CharField(label="Note")
    start = forms.TimeField(label="Start", required=False)
    end = forms.TimeField(label="End", required=False)


def _page(form):
    return render_crispy_form(form)


def test_a_form_posts_with_one_button_labelled_for_what_it_does():
    form = NoteForm()
    form.helper = form_helper("Save the note")
    page = _page(form)
    assert page.count("<form") == 1
    assert 'method="post"' in page
    assert page.count('type="submit"') == 1
    assert 'value="Save the note"' in page
    assert 'class="btn btn-primary' in page


def test_what_a_form_needs_different_is_an_argument():
    form = NoteForm()
    form.helper = form_helper("Move down a stage", submit_class="btn-danger",
                              attrs={"data-confirm": "Sure?"}, form_class="row g-2")
    page = _page(form)
    assert "btn-danger" in page
    assert 'data-confirm="Sure?"' in page
    assert 'class="row g-2"' in page

    form.helper = form_helper(None, "note", form_row("start", "end"), form_tag=False)
    page = _page(form)
    assert "<form" not in page
    assert 'type="submit"' not in page
    assert page.count('class="col-md"') == 2

    form.helper = form_helper(None, method="get")
    assert 'method="get"' in _page(form)


def test_a_refusal_about_a_field_shows_next_to_it():
    form = NoteForm({"note": "Met at the café"})
    assert form.is_valid()
    add_error(form, ValidationError({"note": "Say what was agreed, too."}))
    assert form.errors["note"] == ["Say what was agreed, too."]


def test_a_refusal_about_something_the_form_lacks_shows_at_the_top():
    form = NoteForm({"note": "Met at the café"})
    assert form.is_valid()
    add_error(form, ValidationError({"worker": "Kim is not at this site."}))
    add_error(form, ValidationError("The record is archived."))
    assert form.non_field_errors() == ["Kim is not at this site.", "The record is archived."]


def test_a_refusal_about_a_model_field_shows_next_to_the_form_field_that_sets_it():
    form = NoteForm({"note": "Met at the café", "start": "10:00"})
    assert form.is_valid()
    add_error(form, ValidationError({"starts_at": "Kim has a session then."}),
              field_for={"starts_at": "start"})
    assert form.errors["start"] == ["Kim has a session then."]


class RatingForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label="Note")
    rating = forms.ChoiceField(label="Alcohol", choices=[("a", "A"), ("b", "B")],
                               widget=forms.RadioSelect)

    def clean(self):
        raise ValidationError("Someone else saved this first.")


def test_the_error_summary_links_each_error_to_its_input_in_the_forms_order():
    form = RatingForm(data={"version": "x"})
    assert error_summary(form) == [
        ("", "", "Someone else saved this first."),
        ("", "Version", "Enter a whole number."),
        ("id_note", "Note", "This field is required."),
        ("id_rating_0", "Alcohol", "This field is required."),
    ]


def test_a_form_without_errors_has_no_error_summary():
    assert error_summary(NoteForm(data={"note": "Rang"})) == []


class EveryKindForm(forms.Form):
    """A field of each kind Keywork's forms draw, with and without what can go around it."""

    # Markup in a help text only when the form marks it safe (a plain one is escaped:
    # test_a_help_text_naming_someone_is_escaped).
    name = forms.CharField(label="Name",
                           help_text=mark_safe("As they <em>like</em> to be called"))  # noqa: S308
    notes = forms.CharField(label="Notes & more", required=False, widget=forms.Textarea)
    email = forms.EmailField(label="Email", required=False)
    born = forms.DateField(label="Date of birth", widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label="Status", choices=[("a", "Active"), ("c", "Closed")])
    needs = forms.MultipleChoiceField(label="Needs", required=False,
                                      choices=[("h", "Housing"), ("m", "Money")])
    agreed = forms.BooleanField(label="Agreed", help_text="They said yes")
    optional_tick = forms.BooleanField(label="Optional", required=False)
    unlabelled = forms.CharField(label="", required=False)
    pick = forms.ChoiceField(label="Pick one", choices=[("1", "One"), ("2", "Two & <3>")],
                             widget=forms.RadioSelect, help_text="Only one")
    grouped = forms.ChoiceField(label="Grouped", required=False, widget=forms.RadioSelect,
                                choices=[("Open", [("o1", "New"), ("o2", "Waiting")]),
                                         ("c", "Closed")])
    several = forms.MultipleChoiceField(label="Several", choices=[("x", "X"), ("y", "Y")],
                                        widget=forms.CheckboxSelectMultiple, required=False)
    scan = forms.FileField(label="Scan", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, initial=3)

    def clean_name(self):
        raise ValidationError(["Too short", "Try <again>"])


def _drawn(form, monkeypatch, *, by_crispy):
    """The form's HTML and the fields keywork.lib.forms drew (the others: crispy's)."""
    import keywork.lib.forms as lib_forms

    ours = []
    if by_crispy:
        monkeypatch.setattr(lib_forms, "_drawn_here", lambda field, context: False)
    else:
        draw = lib_forms._field_html
        monkeypatch.setattr(lib_forms, "_field_html",
                            lambda field, context: ours.append(field.name) or draw(field, context))
    html = _page(form)
    monkeypatch.undo()
    # Whitespace between and inside tags is all that may differ.
    return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", html)), ours


@pytest.mark.parametrize(
    "data", [None, {"name": "Sam", "notes": "x", "status": "z", "email": "no"}],
    ids=["unbound", "with errors"])
@pytest.mark.parametrize("auto_id", ["id_%s", False], ids=["ids", "no ids"])
def test_each_field_is_drawn_as_crispy_bootstrap5_draws_it(monkeypatch, data, auto_id):
    def form():
        made = EveryKindForm(data, auto_id=auto_id)
        made.required_css_class = "needed"
        made.helper = form_helper("Save", "name", Field("notes", wrapper_class="wide & tall"),
                                  form_row("email", "born"), "status", "needs", "agreed",
                                  "optional_tick", "unlabelled", "pick",
                                  Field("grouped", css_class="x"), "several", "scan",
                                  "version")
        return made

    ours, drawn_here = _drawn(form(), monkeypatch, by_crispy=False)
    theirs, _none = _drawn(form(), monkeypatch, by_crispy=True)
    assert ours == theirs
    assert drawn_here == ["name", "notes", "email", "born", "status", "needs", "agreed",
                          "optional_tick", "unlabelled", "pick", "grouped", "several"]
    assert 'class="mb-3 wide &amp; tall"' in ours
    assert 'class="mb-3 needed"' in ours
    if data:
        assert "is-invalid" in ours and "Try &lt;again&gt;" in ours


def _squeezed(html):
    return re.sub(r"\s*([<>])\s*", r"\1", re.sub(r"\s+", " ", html))


@pytest.mark.parametrize(
    "data", [None, {"name": "Sam", "notes": "x", "status": "z", "email": "no"}],
    ids=["unbound", "with errors"])
def test_a_field_drawn_alone_is_drawn_as_crispy_bootstrap5_draws_it(monkeypatch, data):
    """`{{ field|as_crispy_field }}` has no helper: its errors go in a block below it."""
    from django.template import Context, Template

    import keywork.lib.forms as lib_forms

    page = Template("{% load crispy_forms_tags %}{% for field in form %}"
                    "{{ field|as_crispy_field }}{% endfor %}")

    def drawn(by_crispy):
        ours = []
        if by_crispy:
            monkeypatch.setattr(lib_forms, "_drawn_here", lambda field, context: False)
        else:
            draw = lib_forms._field_html
            monkeypatch.setattr(lib_forms, "_field_html", lambda field, context: (
                ours.append(field.name) or draw(field, context)))
        html = page.render(Context({"form": EveryKindForm(data)}))
        monkeypatch.undo()
        return _squeezed(html), ours

    (ours, drawn_here), (theirs, _none) = drawn(by_crispy=False), drawn(by_crispy=True)
    assert ours == theirs
    # Rows drawn in Python (plans_tags) draw each field with field_html(): the same.
    form = EveryKindForm(data)
    assert _squeezed("".join(lib_forms.field_html(field) for field in form)) == theirs
    assert drawn_here == ["name", "notes", "email", "born", "status", "needs", "agreed",
                          "optional_tick", "unlabelled", "pick", "grouped", "several"]
    if data:
        assert '<p id="error_1_id_name"><strong>Too short</strong></p>' in ours


def test_radios_show_no_errors_where_the_form_shows_none(monkeypatch):
    def page(by_crispy):
        form = EveryKindForm({"name": "Sam"})
        form.helper = form_helper("Save", "pick", "several", "status")
        form.helper.form_show_errors = False
        return _drawn(form, monkeypatch, by_crispy=by_crispy)[0]

    assert page(by_crispy=False) == page(by_crispy=True)
    assert "invalid-feedback" not in page(by_crispy=False)


@pytest.mark.parametrize("data", [None, {"name": "Sam", "pick": "9", "several": ["z"]}],
                         ids=["unbound", "with errors"])
@pytest.mark.parametrize("show_errors", [True, False])
def test_radios_side_by_side_are_drawn_as_crispy_bootstrap5_draws_them(monkeypatch, data,
                                                                      show_errors):
    from crispy_forms.bootstrap import InlineCheckboxes, InlineRadios

    def form():
        made = EveryKindForm(data)
        made.helper = form_helper("Save", InlineRadios("pick"), InlineRadios("grouped"),
                                  InlineCheckboxes("several", wrapper_class="x & y"),
                                  InlineRadios("status"))
        made.helper.form_show_errors = show_errors
        return made

    ours, drawn_here = _drawn(form(), monkeypatch, by_crispy=False)
    theirs, _none = _drawn(form(), monkeypatch, by_crispy=True)
    assert ours == theirs
    # A select asked to sit side by side is left to the template.
    assert drawn_here == ["pick", "grouped", "several"]
    assert ('<div class="form-check form-check-inline"><input type="radio" class="form-check-input'
            + (' is-invalid' if data else '') + '" name="pick"') in ours
    assert "<legend for" not in ours
    if data:
        assert '<p id="error_1_id_pick"><strong>' in ours


@pytest.mark.parametrize("setting", ["horizontal", "no labels"])
def test_radios_side_by_side_in_a_form_drawn_otherwise_are_left_to_the_template(monkeypatch,
                                                                                setting):
    from crispy_forms.bootstrap import InlineRadios

    def form():
        made = EveryKindForm({"pick": "9"}, auto_id=False if setting == "no labels" else "id_%s")
        made.helper = form_helper("Save", InlineRadios("pick"))
        if setting == "horizontal":
            made.helper.form_class = "form-horizontal"
            made.helper.label_class, made.helper.field_class = "col-3", "col-9"
        else:
            made.helper.form_show_labels = False
        return made

    ours, drawn_here = _drawn(form(), monkeypatch, by_crispy=False)
    theirs, _none = _drawn(form(), monkeypatch, by_crispy=True)
    assert drawn_here == []
    assert ours == theirs
    assert "form-check form-check-inline" in ours


def test_a_field_in_a_horizontal_form_is_left_to_crispy_bootstrap5():
    form = EveryKindForm()
    form.helper = form_helper("Save", form_class="form-horizontal")
    form.helper.label_class = "col-3"
    form.helper.field_class = "col-9"
    page = _page(form)
    assert 'class="col-form-label pt-0 col-3 requiredField"' in re.sub(r"\s+", " ", page)


class EveryWidgetForm(forms.Form):
    """Each widget keywork.lib.forms.FormRenderer draws, with values that need escaping."""

    text = forms.CharField(initial='Sam "the man" <b>', max_length=40,
                           widget=forms.TextInput(attrs={"autofocus": True, "spellcheck": False,
                                                         "data-x": mark_safe("<i>")}))
    empty = forms.CharField(required=False)
    number = forms.IntegerField(initial=12345)
    price = forms.DecimalField(initial=Decimal("1234.50"))
    email = forms.EmailField(widget=forms.EmailInput(attrs={"placeholder": "a@b & c"}))
    day = forms.DateField(initial=datetime.date(2026, 11, 24),
                          widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="pw<")
    hidden = forms.IntegerField(widget=forms.HiddenInput, initial=7)
    tick = forms.BooleanField(initial=True)
    untick = forms.BooleanField(required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                            initial="Line one\n<script>two</script> & three")
    no_notes = forms.CharField(widget=forms.Textarea, required=False)
    status = forms.ChoiceField(choices=[("", "---------"), ("a", "Active & well"), (1, 2)],
                               initial="a")
    grouped = forms.ChoiceField(choices=[("Open", [("o1", "New"), ("o2", "<Waiting>")]),
                                         ("c", "Closed")], initial="o2")
    many = forms.MultipleChoiceField(choices=[("x", "X"), ("y", "Y"), ("z", "Z")],
                                     initial=["x", "z"])
    maybe = forms.NullBooleanField()
    searched = forms.CharField(widget=forms.TextInput(attrs={"type": "search"}), label="Q")


@pytest.mark.parametrize("data", [None, {"text": "<typed>", "number": "x", "many": ["y"],
                                         "status": "1", "tick": "on", "maybe": "true"}],
                         ids=["unbound", "bound"])
def test_each_widget_is_drawn_as_djangos_templates_draw_it(data):
    from django.forms.renderers import DjangoTemplates

    from keywork.lib.forms import FormRenderer

    ours, djangos = FormRenderer(), DjangoTemplates()
    for name in EveryWidgetForm.base_fields:
        bound = EveryWidgetForm(data)[name]
        drawn = bound.as_widget(attrs={"class": "form-control"})
        assert drawn == bound.field.widget.render(
            bound.html_name, bound.value(), attrs={**bound.build_widget_attrs(
                {"class": "form-control"}), "id": bound.auto_id}, renderer=djangos), name
        assert drawn == bound.field.widget.render(
            bound.html_name, bound.value(), attrs={**bound.build_widget_attrs(
                {"class": "form-control"}), "id": bound.auto_id}, renderer=ours), name


class ChoicesForm(forms.Form):
    rating = forms.ChoiceField(choices=[("1", "Stuck <1>"), ("2", "Thinking & planning")],
                               widget=forms.RadioSelect, initial="2")
    needs = forms.MultipleChoiceField(choices=[("h", "Housing"), ("m", "Money")],
                                      widget=forms.CheckboxSelectMultiple, initial=["m"])
    no_ids = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect(attrs={"id": ""}))


@pytest.mark.parametrize("wrap_label", [False, True])
def test_each_radio_and_checkbox_of_several_is_drawn_as_djangos_templates_draw_it(wrap_label):
    from django.forms.renderers import DjangoTemplates

    from keywork.lib.forms import FormRenderer

    drawn = {}
    for renderer in (FormRenderer(), DjangoTemplates()):
        form = ChoicesForm(renderer=renderer)
        drawn[type(renderer)] = [option.tag(wrap_label=wrap_label) for name in form.fields
                                 for option in form[name].subwidgets]
    assert len(drawn[FormRenderer]) == 5
    assert drawn[FormRenderer] == drawn[DjangoTemplates]


def test_forms_are_drawn_by_keyworks_renderer():
    from django.forms.renderers import get_default_renderer

    from keywork.lib.forms import FormRenderer

    assert isinstance(get_default_renderer(), FormRenderer)


class NamingForm(forms.Form):
    cover = forms.CharField(label="Cover", help_text="Suggested: <b>Kim</b>")
    helper = form_helper("Save")


def test_a_help_text_naming_someone_is_escaped():
    html = render_crispy_form(NamingForm())
    assert "Suggested: &lt;b&gt;Kim&lt;/b&gt;" in html and "<b>Kim</b>" not in html


@pytest.mark.parametrize("value", [None, "", "2", 1, "none of them"])
def test_a_select_of_many_options_is_drawn_as_djangos_select(value):
    from django.forms.renderers import DjangoTemplates

    from keywork.lib.forms import ManySelect

    pairs = [("", "Nobody <yet>"), ("1", "Kim & Sam"), (2, mark_safe("<b>Two</b>")),
             ("2", "Two again"), (None, "None")]
    attrs = {"id": "id_cover", "class": "form-select", "aria-describedby": "id_cover_help"}
    ours = ManySelect(choices=ManySelect.choices_of(pairs))
    djangos = forms.Select(choices=pairs)
    assert ours.render("cover", value, attrs) == djangos.render(
        "cover", value, attrs, renderer=DjangoTemplates())


class CoverLikeForm(forms.Form):
    first = forms.ChoiceField(label="Cover for <Kim>", required=False, help_text="Suggested",
                              choices=[("", "Nobody"), ("1", "Sam")])
    second = forms.ChoiceField(label="Cover for Sam", choices=[("1", "Kim")])
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    helper = form_helper(form_tag=False)


@pytest.mark.parametrize("data", [None, {"second": "9"}], ids=["unbound", "with errors"])
def test_fields_drawn_together_are_drawn_as_each_alone(data):
    from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field

    from keywork.lib.forms import fields_html

    form = CoverLikeForm(data)
    assert fields_html(form) == "".join(as_crispy_field(field) for field in form)


@pytest.mark.django_db
def test_read_once_reads_a_choice_fields_queryset_once_by_a_plain_query(
        django_assert_num_queries):
    """keywork.lib.forms.ReadOnce: a select gone through twice a render (no empty choice)
    reads its queryset once, and not through a server-side cursor (on PostgreSQL three round
    trips)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from staff.models import User
    from tests.factories import UserFactory

    UserFactory.create_batch(3)

    class Plain(forms.ModelChoiceField):
        iterator = ReadOnce

    class Pick(forms.Form):
        worker = Plain(queryset=User.objects.order_by("pk"), empty_label=None)

    form = Pick()
    with CaptureQueriesContext(connection) as captured:
        html = str(form["worker"])
    assert len(captured.captured_queries) == 1
    assert "DECLARE" not in captured.captured_queries[0]["sql"]
    assert html.count("<option") == User.objects.count() == 3
