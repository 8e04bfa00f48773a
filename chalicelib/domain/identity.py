"""Who is calling, as the verified token says, and which claims each role must carry."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chalicelib.domain.errors import forbidden, unauthenticated
from chalicelib.domain.personal_ids import normalise_resident_id
from chalicelib.domain.text import is_id, is_servable


class Role(StrEnum):
    CITIZEN = "citizen"
    AGENCY = "agency"
    CATALOGUE_ADMIN = "catalogue_admin"
    SUPERVISOR = "supervisor"
    FEDERATION_ADMIN = "federation_admin"  # the anchor's operators: PUT /federation/directory only


# Any caller of the service's records; the record itself decides what they see. The anchor's
# operators publish the directory and nothing else.
EVERYONE = tuple(role for role in Role if role is not Role.FEDERATION_ADMIN)


class Audience(StrEnum):
    """Whom a record is shown to (`to_view(audience)`), which decides how much personal data
    it shows (API.md: whole only to the party entitled to it)."""

    PUBLIC = "public"  # anyone, supervisors included: names and ID numbers masked
    ENTITLED = "entitled"  # the citizen themself, or the requester and target units of a request
    SUBJECT = "subject"  # the citizen a verification request is about: who asked what, and when
    RECEIPT = "receipt"  # a 201 answer, which idempotency keeps: nothing personal whole


REQUIRED_CLAIMS = {
    Role.CITIZEN: ("name", "id_number"),
    Role.AGENCY: ("unit_id",),
    Role.CATALOGUE_ADMIN: (),
    Role.SUPERVISOR: (),
    Role.FEDERATION_ADMIN: (),
}


@dataclass(frozen=True)
class Identity:
    sub: str
    role: Role
    unit_id: str | None = None
    name: str | None = None
    id_number: str | None = None

    def require(self, *roles: Role) -> Identity:
        if self.role not in roles:
            raise forbidden()
        return self

    @property
    def key(self) -> str:
        """The whole caller as one opaque value: role, subject, unit and citizen. What is bound
        to a caller (a listing's cursors, an Idempotency-Key) is bound to this, so two callers
        that share a `sub` (an identity provider's service account speaking for several units,
        a subject issued two ID numbers) never share it. A digest: the ID number inside must
        not be readable where the key is kept."""
        whole = json.dumps([self.role.value, self.sub, self.unit_id, self.id_number], ensure_ascii=False)
        return hashlib.sha256(whole.encode("utf-8")).hexdigest()

    def __repr__(self) -> str:  # never print the name or ID number
        return f"Identity(sub={self.sub!r}, role={self.role.value}, unit_id={self.unit_id!r})"


# The claims this service reads: each a string, never longer than this, all servable text.
TEXT_CLAIMS = {"sub": 256, "role": 32, "unit_id": 64, "name": 64, "id_number": 18}


def identity_from_claims(claims: dict[str, Any]) -> Identity:
    """Build the caller from verified claims; a missing or malformed claim is a 401."""
    for claim, longest in TEXT_CLAIMS.items():
        value = claims.get(claim)
        if value is not None and not (
            isinstance(value, str) and len(value) <= longest and is_servable(value)
        ):
            raise unauthenticated(f"the claim '{claim}' must be text of at most {longest} characters")
    sub, role_name = claims.get("sub"), claims.get("role")
    if not isinstance(sub, str) or not sub:
        raise unauthenticated("token has no subject")
    if role_name not in {role.value for role in Role}:
        raise unauthenticated("token has no known role")
    role = Role(role_name)
    for claim in REQUIRED_CLAIMS[role]:
        if not isinstance(claims.get(claim), str) or not claims[claim].strip():
            raise unauthenticated(f"a {role.value} token needs the claim '{claim}'")
    if role is Role.AGENCY and not is_id(claims["unit_id"]):
        raise unauthenticated("the token's unit_id is not a unit id")
    id_number = None
    if role is Role.CITIZEN:
        id_number = normalise_resident_id(claims["id_number"])
        if id_number is None:
            raise unauthenticated("the token's id_number is not a valid resident ID number")
    return Identity(
        sub=sub,
        role=role,
        unit_id=claims.get("unit_id") if role is Role.AGENCY else None,
        name=claims.get("name") if role is Role.CITIZEN else None,
        id_number=id_number,
    )
