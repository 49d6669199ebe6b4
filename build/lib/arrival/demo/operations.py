"""Demo accounts: one per role (and a caseworker for some authorities).

The passwords are public on purpose — they exist only where SEED_DEMO_ALLOWED
is set (development and testing), never in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from arrival.auth import operations as accounts


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    authority: str | None
    display_name: str

    @property
    def password(self) -> str:
        return f"demo-{self.username}-2022"


DEMO_ACCOUNTS = (
    DemoAccount("admin", "admin", None, "Ada Admin"),
    DemoAccount("intake", "intake", None, "Ines Intake"),
    DemoAccount("housing", "housing", None, "Hans Housing"),
    DemoAccount("service", "service_point", None, "Sina Service"),
    DemoAccount("coordinator", "coordinator", None, "Kai Koordination"),
    DemoAccount("security", "security", None, "Sami Sicherheitsdienst"),
    DemoAccount("jugendamt", "caseworker", "jugendamt", "Julia Jugendamt"),
    DemoAccount("sozialamt", "caseworker", "sozialamt", "Sven Sozialamt"),
    DemoAccount("gesundheitsamt", "caseworker", "gesundheitsamt", "Gesa Gesundheitsamt"),
    DemoAccount("abh", "caseworker", "auslaenderbehoerde", "Anton Ausländerbehörde"),
    DemoAccount("buergerbuero", "caseworker", "buergerbuero", "Berta Bürgerbüro"),
    DemoAccount("rp", "caseworker", "rp", "Rita Regierungspräsidium"),
)


def ensure_demo_accounts() -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet; returns the new ones."""
    created = []
    for account in DEMO_ACCOUNTS:
        if accounts.get_user_by_username(account.username) is None:
            accounts.create_user(
                account.username, account.role, account.password,
                authority_code=account.authority, display_name=account.display_name,
            )
            created.append(account)
    return created
