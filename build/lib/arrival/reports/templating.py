"""Labels of the reports pages."""

from flask import Flask
from flask_babel import lazy_gettext as _l

REPORT_STATUS_LABELS = {"running": _l("running"), "done": _l("done"), "failed": _l("failed")}


def init_app(app: Flask) -> None:
    app.jinja_env.globals["report_status_label"] = (
        lambda code: str(REPORT_STATUS_LABELS.get(code, code)))
