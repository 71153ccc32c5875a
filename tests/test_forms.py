"""keywork.lib.forms: how every form is laid out, and where a service's refusal shows."""

from crispy_forms.utils import render_crispy_form
from django import forms
from django.core.exceptions import ValidationError

from keywork.lib.forms import add_error, error_summary, form_helper, form_row


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
