"""File downloads that must not be cached (they carry personal data)."""

from __future__ import annotations

from flask import send_file


def pdf_response(data: bytes, filename: str):
    import io

    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=filename, max_age=0)
