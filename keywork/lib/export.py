"""CSV and XLSX downloads of tabular figures, safe to open in a spreadsheet."""

import csv
import tempfile

from django.http import FileResponse, StreamingHttpResponse

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value, with text that a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    def write(self, value):
        return value


def csv_response(header, rows, filename):
    """Stream rows as CSV, row by row, never holding the whole file in memory."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # so that spreadsheet programs read the file as UTF-8
        yield writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            yield writer.writerow([safe_cell(v if isinstance(v, int | float) else str(v))
                                   for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_response(header, rows, filename, sheet="Report"):
    """Write rows to an XLSX file on disk (constant memory) and stream it back."""
    # Imported here: XlsxWriter (42 modules) took 2-3 MB of every worker at start, and only the
    # outcome report's export uses it (the URLconf imports this module with its views).
    import xlsxwriter

    # FileResponse closes the file (and so deletes it) once the download is sent.
    file = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    book = xlsxwriter.Workbook(file, {"constant_memory": True, "strings_to_formulas": False,
                                      "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    worksheet = book.add_worksheet(sheet[:31])
    worksheet.write_row(0, 0, [safe_cell(h) for h in header], bold)
    for number, row in enumerate(rows, start=1):
        worksheet.write_row(number, 0, [v if isinstance(v, int | float) else safe_cell(str(v))
                                        for v in row])
    worksheet.set_column(0, len(header) - 1, 40)
    book.close()
    file.seek(0)
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    response["Cache-Control"] = "private, no-store"
    return response
