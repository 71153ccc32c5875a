"""The import pages: upload and preview, import, undo; the files' templates."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients.access import not_a_client_page, require_manager_or_administrator
from imports import files, selectors, services
from imports.forms import UploadForm
from imports.models import ImportBatch
from keywork.lib.forms import add_error

PAGE_SIZE = 20
PROBLEMS_PER_PAGE = 50
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _batch_for(request, pk):
    require_manager_or_administrator(request)
    return get_object_or_404(ImportBatch.objects.for_user(request.user), pk=pk)


def batch_list(request):
    require_manager_or_administrator(request)
    posted = request.method == "POST"
    form = UploadForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            batch = services.batch_preview(uploads=form.uploads, by=request.user)
        except ValidationError as error:
            add_error(form, error)
        else:
            return redirect("imports:detail", batch.pk)
    page = Paginator(selectors.batches_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "imports/batch_list.html", {
        "form": form, "page": page, "columns": files.COLUMNS,
        "sites": services.sites_for(request.user)})


def template(request, kind, file_format):
    require_manager_or_administrator(request)
    if kind not in files.COLUMNS or file_format not in files.FORMATS:
        raise Http404
    response = HttpResponse(files.template(kind, file_format),
                            content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{kind}.{file_format}"'
    return response


@not_a_client_page
def batch_detail(request, pk):
    batch = _batch_for(request, pk)
    page = Paginator(selectors.problems(batch), PROBLEMS_PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "imports/batch_detail.html", {
        "batch": batch, "files": batch.files.defer("content", "errors"), "page": page,
        "problem_count": page.paginator.count})


@not_a_client_page
@require_POST
def batch_run(request, pk):
    batch = _batch_for(request, pk)
    try:
        services.batch_import(batch=batch, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Imported. Every record's history says it came from "
                                    "this import."))
    return redirect("imports:detail", batch.pk)


@not_a_client_page
def batch_undo(request, pk):
    batch = _batch_for(request, pk)
    blockers = services.undo_blockers(batch)
    if request.method == "POST":
        try:
            services.batch_undo(batch=batch, by=request.user)
        except ValidationError as error:
            blockers = error.messages
        else:
            messages.success(request, _("The import was undone: its records are gone."))
            return redirect("imports:detail", batch.pk)
    return render(request, "imports/batch_undo.html", {"batch": batch, "blockers": blockers},
                  status=200)
