from flask import jsonify
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from arrival.api.blueprint import bp
from arrival.api.openapi import documented, json_response, ref, register_schema
from arrival.auth.operations import list_users
from arrival.auth.permissions import Role, permissions_of, user_field_groups

register_schema("Me", {
    "type": "object",
    "properties": {
        "username": {"type": "string"},
        "display_name": {"type": "string"},
        "role": {"type": "string", "enum": [r.value for r in Role]},
        "authority": {"type": "object", "nullable": True, "properties": {
            "code": {"type": "string"}, "kind": {"type": "string"}}},
        "permissions": {"type": "array", "items": {"type": "string"}},
        "field_groups": {"type": "array", "items": {"type": "string"}},
        "csrf_token": {"type": "string", "description": "Send as X-CSRFToken on writes."},
    },
})
register_schema("User", {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "username": {"type": "string"},
        "display_name": {"type": "string"}, "role": {"type": "string"},
        "authority": {"type": "string", "nullable": True}, "active": {"type": "boolean"},
        "last_login_at": {"type": "string", "format": "date-time", "nullable": True},
    },
})


def authority_json(authority):
    if authority is None:
        return None
    return {"code": authority.code, "kind": authority.kind}


@bp.get("/me")
@documented("The signed-in user, its permissions and field groups.", tags=["accounts"],
            responses={"200": json_response("The current user", ref("Me"))})
def me():
    user = current_user
    return jsonify(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        authority=authority_json(user.authority),
        permissions=sorted(permissions_of(user)),
        field_groups=sorted(user_field_groups(user)),
        csrf_token=generate_csrf(),
    )


@bp.get("/users")
@documented("All accounts (administrators only).", tags=["accounts"],
            responses={"200": json_response("Accounts", {
                "type": "object",
                "properties": {"users": {"type": "array", "items": ref("User")}}})})
def users():
    return jsonify(users=[
        {
            "id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
            "authority": u.authority.code if u.authority else None, "active": u.is_enabled,
            "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
        }
        for u in list_users()
    ])
