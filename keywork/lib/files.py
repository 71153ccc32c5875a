"""Checks for uploaded files: the type is read from the content, never trusted from the name."""

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DOCUMENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                  "png": "image/png"}
DOCUMENT_MAX_BYTES = 5 * 1024 * 1024


def validate_document(file, *, types=DOCUMENT_TYPES, max_bytes=DOCUMENT_MAX_BYTES):
    """Refuse a file over `max_bytes`, or whose content is not the type its name says."""
    if file.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s; the largest allowed is %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(max_bytes)})
    name = getattr(file, "name", "") or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in types:
        raise ValidationError(_("Upload a PDF, JPEG or PNG file."))
    file.seek(0)
    head = file.read(261)
    file.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime != types[extension]:
        raise ValidationError(_(
            "The file's content is not a %(type)s, although its name says so. Save it again "
            "as a real %(type)s and upload that.") % {"type": extension.upper()})
