from __future__ import annotations

from flask import Blueprint, render_template, request

from arrival.audit.filters import parse_filters
from arrival.audit.models import AuditAction
from arrival.audit.operations import search
from arrival.core.inputs import MAX_PAGE, query_int

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("/")
def index():
    page = query_int(request.args, "page", 1, minimum=1, maximum=MAX_PAGE, clamp=True)
    pagination = search(**parse_filters(request.args), page=page, per_page=50)
    return render_template(
        "audit/index.html", pagination=pagination, actions=list(AuditAction), args=request.args,
    )



