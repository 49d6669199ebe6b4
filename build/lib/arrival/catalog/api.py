from flask import abort, jsonify

from arrival.api.blueprint import bp
from arrival.api.openapi import documented, json_response
from arrival.catalog.operations import active_authorities, entries, kinds

KINDS_DESCRIPTION = "authorities, " + ", ".join(kinds())


@bp.get("/catalog/<kind>")
@documented(
    "Active entries of one catalogue list.", tags=["catalogue"],
    description=f"kind is one of: {KINDS_DESCRIPTION}.",
    responses={
        "200": json_response("Entries in display order", {
            "type": "object",
            "properties": {"entries": {"type": "array", "items": {"type": "object"}}},
        }),
        "404": {"description": "Unknown kind"},
    },
)
def catalog(kind: str):
    if kind == "authorities":
        return jsonify(entries=[
            {"code": a.code, "kind": a.kind, "title_de": a.name_de, "title_en": a.name_en}
            for a in active_authorities()
        ])
    if kind not in kinds():
        abort(404)
    return jsonify(entries=[
        {"code": e.code, "title_de": e.title_de, "title_en": e.title_en, **e.attributes}
        for e in entries(kind)
    ])
