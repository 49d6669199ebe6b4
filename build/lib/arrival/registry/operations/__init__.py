"""Registering and changing households and persons (the registry's operations).

    registration  a household registered, a person joining one; duplicates decided
    persons       a person's fields, documents, flags and match keys; edits
    references    households and persons by reference; the read audit

Operations flush and audit; the request commits. Callers import from here.
"""

from arrival.registry.operations.persons import (  # noqa: F401
    PERSON_FIELDS,
    add_person,
    changes_since,
    edit_person,
    person_form_data,
    update_person,
)
from arrival.registry.operations.references import (  # noqa: F401
    canonical_household_ref,
    household_by_ref,
    person_by_public_id,
    record_view,
)
from arrival.registry.operations.registration import (  # noqa: F401
    REGISTRATION_SCOPE,
    IdempotencyKeyReused,
    NeedsConfirmation,
    PossibleDuplicates,
    Registration,
    add_member,
    likely_duplicates,
    open_decisions,
    probe_for,
    register_household,
    request_fingerprint,
)
