"""CSV downloads: a streamed text/csv response, one row encoded at a time."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable]) -> Response:
    """`rows` are read before the response is returned (the request's transaction ends with
    the view); only the encoding is streamed."""
    rows = list(rows)

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(generate(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
