"""Checks every request passes before a view sees it, and typed readers for
API bodies and query strings.

Before any view:
- text in the query string, the path, form fields and JSON bodies holds no
  control characters (NUL and the other C0/C1 codes except tab, line feed and
  carriage return; lone surrogates): PostgreSQL cannot store NUL, and none of
  them belongs in a name, a note or a filter. The answer is 422 naming the field.
- a JSON body (API) is well-formed UTF-8 JSON, nested at most JSON_MAX_DEPTH
  deep, with integers inside 64 bits: otherwise 400 with a clear message.
- integer path segments (<int:…>) are database ids: larger than 32 bits is 404.

Views then read API bodies with json_object(), text(), integer(), boolean() and
moment(): each wrong value is a ValidationFailed at its field (422), never a
TypeError deep in an operation.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime, timezone

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from arrival.core.validation import ValidationFailed

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
JSON_MAX_DEPTH = 32
MAX_PAGE = 1_000_000  # page numbers: offsets stay far inside 64 bits
# Moments the application can store and compute with (time zone arithmetic on
# year 1 or 9999 overflows); far beyond anything an arrival centre records.
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)
ALLOWED_CONTROLS = "\t\n\r"


class RefusedInput(Exception):
    """The request body cannot be read at all (400)."""

    def __init__(self, message: str, code: str = "bad_request"):
        self.message = message
        self.code = code
        super().__init__(message)


class DatabaseId(IntegerConverter):
    """<int:…> in every route: ids are 32-bit columns, so anything larger is 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT32_MAX)
        super().__init__(map, *args, **kwargs)


def has_control_characters(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Cs") and c not in ALLOWED_CONTROLS
               for c in text)


def visible_controls(text: str) -> str:
    """Control characters written out (NUL as \\x00), for the audit log of a login
    attempt: what was typed stays readable and storable."""
    return "".join(_escaped(c) if has_control_characters(c) else c for c in text)


def _escaped(char: str) -> str:
    return f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}"


def strip_invisible(text: str) -> str:
    """Remove invisible format characters (Unicode category Cf): text-direction
    controls (U+200E, U+200F, U+202A–U+202E, U+2066–U+2069, U+061C), zero-width
    characters, the soft hyphen and the byte-order mark. In a name they only hide
    or reorder what staff read (a name shown reversed), and break matching."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def control_character_message() -> str:
    return _("Contains control characters (such as NUL); please remove them.")


def accepts_control_characters(view):
    """Mark a view that checks its text itself (the login, which audits every attempt)."""
    view.accepts_control_characters = True
    return view


def init_app(app: Flask) -> None:
    # Before any blueprint is registered: its routes are compiled with this converter.
    app.url_map.converters["int"] = DatabaseId
    app.before_request(check_request)
    app.register_error_handler(RefusedInput, _handle_refused)
    app.register_error_handler(RequestEntityTooLarge, _handle_too_large)


def _handle_too_large(_error):
    from arrival.core.errors import error_response

    # The error page's own forms (sign out) must not try to read the body again.
    request.__dict__.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())

    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    message = _("The request is larger than the limit of %(size)s KB.", size=limit // 1024) \
        if limit else None
    return error_response(413, message, code="payload_too_large")


def _handle_refused(refused: RefusedInput):
    from arrival.core.errors import error_response

    return error_response(400, refused.message, code=refused.code)


def check_request():
    """Refuse unreadable or unsafe input before the view; see the module docstring."""
    from arrival.core.errors import error_response

    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None or getattr(view, "accepts_control_characters", False):
        return None
    try:
        fields = _fields_with_control_characters()
    except RefusedInput as refused:
        return error_response(400, refused.message, code=refused.code)
    if fields:
        names = ", ".join(sorted(fields))
        return error_response(
            422, _("The field %(fields)s contains control characters (such as NUL); "
                   "please remove them.", fields=names),
            code="validation_failed",
            fields={name: [control_character_message()] for name in sorted(fields)})
    return None


def _fields_with_control_characters() -> set[str]:
    found = set()
    for source in (request.view_args or {}, request.args):
        for name, value in _items(source):
            if isinstance(value, str) and has_control_characters(value):
                found.add(name)
    if request.path.startswith("/api/"):
        body = parsed_json_body()
        if body is not _NO_BODY:
            found |= _walk_json(body)
    elif request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in _items(request.form):
            if has_control_characters(value):
                found.add(name)
    return found


def _items(source):
    if hasattr(source, "items") and hasattr(source, "getlist"):
        return source.items(multi=True)
    return source.items()


_NO_BODY = object()


def parsed_json_body():
    """The JSON body, parsed once and checked (RefusedInput), or _NO_BODY when empty.

    The result is what request.get_json() returns afterwards."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return _NO_BODY
    raw = request.get_data(cache=True)
    if not raw.strip():
        return _NO_BODY
    if not request.is_json:
        return _NO_BODY  # the API blueprint answers 415
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RefusedInput(_("The body is not valid UTF-8."), code="invalid_json") from None
    if _nesting(text) > JSON_MAX_DEPTH:
        raise RefusedInput(_("The JSON body is nested more than %(depth)d levels deep.",
                             depth=JSON_MAX_DEPTH), code="invalid_json")
    try:
        body = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise RefusedInput(_("The body is not valid JSON."), code="invalid_json") from None
    request._cached_json = (body, body)  # what get_json() returns from now on
    return body


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _nesting(text: str) -> int:
    """How deep brackets nest, outside strings — before parsing, which recurses."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > JSON_MAX_DEPTH:
                return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def _walk_json(body) -> set[str]:
    """Paths of strings with control characters; integers beyond 64 bits refused."""
    found = set()
    stack = [("", body)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if has_control_characters(value):
                found.add(path or "body")
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if abs(value) > INT64_MAX:
                raise RefusedInput(_("The number at %(field)s is too large.",
                                     field=path or "body"), code="number_out_of_range")
        elif isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise RefusedInput(_("The number at %(field)s is too large.",
                                     field=path or "body"), code="number_out_of_range")
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if has_control_characters(key):
                    found.add(child)
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}.{index}" if path else str(index), item)
                         for index, item in enumerate(value))
    return found


# Typed readers for API views ----------------------------------------------------

def json_object(*, optional: bool = False) -> dict:
    """The request body as a JSON object, or 400. optional: no body at all is {}."""
    if optional and not request.get_data(cache=True).strip():
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RefusedInput(_("A JSON object expected as the request body."))
    return body


def text(body: dict, name: str, *, max_length: int, required: bool = False,
         default: str | None = None) -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise ValidationFailed(**{name: _("Required.")})
        return default
    if not isinstance(value, str):
        raise ValidationFailed(**{name: _("Text expected.")})
    if len(value) > max_length:
        raise ValidationFailed(**{name: _("At most %(count)d characters.", count=max_length)})
    return value


def integer(body: dict, name: str, *, minimum: int = 0, maximum: int = INT32_MAX,
            required: bool = False) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ValidationFailed(**{name: _("Required.")})
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise ValidationFailed(**{name: _("A whole number from %(minimum)d to %(maximum)d.",
                                          minimum=minimum, maximum=maximum)})
    return value


def integer_list(body: dict, name: str, *, maximum: int = INT32_MAX) -> list[int] | None:
    value = body.get(name)
    if not isinstance(value, list) or not value or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i <= maximum
            for i in value):
        return None
    return value


def boolean(body: dict, name: str) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValidationFailed(**{name: _("true or false expected.")})
    return value


def moment(value, name: str, *, naive_zone=None) -> datetime | None:
    """An ISO 8601 date and time with offset (or in naive_zone), between 1900 and 2200."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValidationFailed(**{name: _("Not a valid date and time.")})
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(**{name: _("Not a valid date and time.")}) from None
    if parsed.tzinfo is None:
        if naive_zone is None:
            raise ValidationFailed(**{name: _("The time needs a UTC offset, e.g. "
                                              "2022-03-14T10:30:00+01:00.")})
        parsed = parsed.replace(tzinfo=naive_zone)
    return within_range(parsed, name)


def within_range(parsed: datetime, name: str) -> datetime:
    """The moment, if it lies between 1900 and 2200 (and converts to UTC)."""
    try:
        in_range = EARLIEST <= parsed <= LATEST
        parsed.astimezone(timezone.utc)
    except OverflowError:
        in_range = False
    if not in_range:
        raise ValidationFailed(**{name: _("Between the years %(first)d and %(last)d.",
                                          first=EARLIEST.year, last=LATEST.year - 1)})
    return parsed


def query_int(args, name: str, default: int | None = None, *, minimum: int = 0,
              maximum: int = INT32_MAX, clamp: bool = False) -> int | None:
    """An integer from the query string: malformed is the default; out of range is
    clamped (pages) or a ValidationFailed (ids)."""
    raw = args.get(name)
    try:
        value = int(raw) if raw not in (None, "") else None
    except ValueError:
        value = None
    if value is None:
        return default
    if minimum <= value <= maximum:
        return value
    if clamp:
        return min(max(value, minimum), maximum)
    raise ValidationFailed(**{name: _("A whole number from %(minimum)d to %(maximum)d.",
                                      minimum=minimum, maximum=maximum)})
