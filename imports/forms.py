from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from imports import files
from keywork.lib.forms import form_helper

ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    """Up to three files of one import; each is read here, so that a file that is not a
    CSV or XLSX, or lacks a column, is refused at its own field."""

    clients = forms.FileField(label=_("Clients"), required=False,
                              widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))
    sessions = forms.FileField(label=_("Past keywork sessions"), required=False,
                               widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))
    plans = forms.FileField(label=_("Plans: goals and actions"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = form_helper(_("Upload and preview"))

    def _read(self, kind):
        upload = self.cleaned_data.get(kind)
        if upload:
            files.read(upload, kind)
            upload.seek(0)
        return upload

    def clean_clients(self):
        return self._read("clients")

    def clean_sessions(self):
        return self._read("sessions")

    def clean_plans(self):
        return self._read("plans")

    def clean(self):
        data = super().clean()
        if not self.errors and not any(data.get(kind) for kind in files.COLUMNS):
            raise ValidationError(_("Choose at least one file to import."))
        return data

    @property
    def uploads(self):
        return {kind: self.cleaned_data[kind] for kind in files.COLUMNS
                if self.cleaned_data.get(kind)}
