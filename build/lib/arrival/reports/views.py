from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from arrival.core.forms_support import ActionForm
from arrival.database import now_utc
from arrival.reports import operations
from arrival.statistics.queries import local_date

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


@bp.get("/")
def index():
    day = _parse_day(request.args.get("date")) or operations.yesterday()
    return render_template("reports/index.html", runs=operations.runs(), day=day,
                           today=local_date(now_utc()), provisional=operations.provisional,
                           remark=operations.remark_for(day), form=ActionForm(formdata=None))


@bp.post("/generate")
def generate():
    day = _parse_day(request.form.get("date"))
    if not ActionForm().validate_on_submit() or day is None:
        flash(_("Not a valid date."), "error")
        return redirect(url_for("reports.index"))
    try:
        operations.generate(day, user_id=current_user.id)
    except operations.DayNotOver as refused:
        flash(str(refused), "error")
        return redirect(url_for("reports.index"))
    except operations.ReportAlreadyRunning:
        flash(_("A report is being generated right now. Try again in a minute."), "warning")
    except Exception:  # recorded as a failed run, shown in the list
        flash(_("The report could not be generated; see the list below."), "error")
    else:
        if operations.provisional(day, now_utc()):
            flash(_("Provisional report for %(day)s generated: the day is not over yet.",
                    day=day.strftime("%d.%m.%Y")), "warning")
        else:
            flash(_("Report for %(day)s generated.", day=day.strftime("%d.%m.%Y")), "success")
    return redirect(url_for("reports.index", date=day.isoformat()))


@bp.post("/remark")
def remark():
    day = _parse_day(request.form.get("date"))
    if ActionForm().validate_on_submit() and day is not None:
        operations.set_remark(day, request.form.get("text", ""), current_user.id)
        flash(_("Remark saved."), "success")
    return redirect(url_for("reports.index", date=day.isoformat() if day else None))


@bp.get("/<day>/<name>")
def download(day: str, name: str):
    report_day = _parse_day(day)
    path = operations.file_of(report_day, name) if report_day else None
    if path is None:
        abort(404)
    from arrival.audit.models import AuditAction
    from arrival.audit.operations import record

    record(AuditAction.EXPORT, entity_type="report", entity_id=day, detail=f"download {name}")
    return send_file(path, as_attachment=True, download_name=name, max_age=0)
