"""Checks for uploaded files: the type is read from the content, never trusted from the name,
and an image is opened whole and measured before it is kept."""

import filetype
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image

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
    if kind.mime.startswith("image/"):
        _validate_image(file)


def validate_pixels(size):
    """Refuse an image of more pixels than Pillow deems safe to draw: a few kilobytes can
    declare a picture that takes gigabytes once decoded (a decompression bomb)."""
    width, height = size
    if width * height > Image.MAX_IMAGE_PIXELS:
        raise ValidationError(_("The image is %(width)s × %(height)s pixels, more than can be "
                                "shown safely. Save a smaller copy and upload that.")
                              % {"width": width, "height": height})


def _validate_image(file):
    """An image must be whole, not only start like one (a PNG signature before HTML)."""
    file.seek(0)
    try:
        image = Image.open(file)
        validate_pixels(image.size)
        image.verify()
    except ValidationError:
        raise
    except Image.DecompressionBombError as error:
        raise ValidationError(_("The image has more pixels than can be shown safely. Save a "
                                "smaller copy and upload that.")) from error
    except Exception as error:  # Pillow raises many kinds of error on a broken file
        raise ValidationError(_("The image cannot be read: it is damaged or not really an "
                                "image. Save it again and upload that.")) from error
    finally:
        file.seek(0)


def private_file_response(field):
    """Serve a client's uploaded file (a FieldFile in private storage) to a view that has
    checked the user may see it: shown in the browser, never cached, its type not guessed
    again from the content, under a name that says nothing about whose it is."""
    if not field:
        raise Http404
    response = FileResponse(field.open("rb"), as_attachment=False,
                            filename=f"file.{field.name.rsplit('.', 1)[-1]}")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
