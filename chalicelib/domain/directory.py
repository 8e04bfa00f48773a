"""The federation's directory as its anchor signs it (API.md, "The federation anchor and its
signed directory"): which stages exist, where they serve, the keys that verify what each
signs, and whom each sends its checkpoints to.

A listing is checked here before the anchor signs it and again, from its signed payload, before
a stage trusts it; what checks the signature is the notary's (adapters)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput
from chalicelib.domain.federation import Directory, Member
from chalicelib.domain.text import is_id

WITNESSES = 3  # checkpoints go to min(3, stages - 1) witnesses, the anchor first
# A province is about a hundred stages; a signed version of 300 stages of a few keys each stays
# well under these (each stage reads what a peer sends within them, never more).
MAX_STAGES = 300
MAX_LISTING_BYTES = 1024 * 1024  # a PUT body
MAX_SIGNED_BYTES = 2 * 1024 * 1024  # the anchor's JWS of a version, pushed or served
RETIRED = "retired"  # a key that still verifies what it signed, and nothing new


@dataclass(frozen=True)
class Entry:
    """One stage as the directory lists it."""

    stage: str
    label: str
    api_url: str
    keys: tuple[Mapping[str, str], ...]
    witnesses: tuple[str, ...] = ()

    def to_view(self) -> dict[str, Any]:
        member = Member(self.stage, self.label, self.api_url, self.keys)
        return {**member.to_view(), "witnesses": list(self.witnesses)}


@dataclass(frozen=True)
class Listing:
    """What the anchor signs: `{anchor, version, issued_at, stages, anchor_jwks}`."""

    anchor: str
    version: int
    issued_at: str
    stages: tuple[Entry, ...]
    anchor_keys: tuple[Mapping[str, str], ...]

    def payload(self) -> dict[str, Any]:
        return {
            "anchor": self.anchor,
            "version": self.version,
            "issued_at": self.issued_at,
            "stages": [entry.to_view() for entry in self.stages],
            "anchor_jwks": {"keys": [dict(key) for key in self.anchor_keys]},
        }

    def entry(self, stage: str) -> Entry | None:
        return next((entry for entry in self.stages if entry.stage == stage), None)

    def directory(self, here: str) -> Directory:
        """The stages and keys a stage trusts from this listing on, as `here` sees them."""
        members = tuple(Member(e.stage, e.label, e.api_url, e.keys) for e in self.stages)
        witnesses = {e.stage: e.witnesses for e in self.stages}
        return Directory(here, members, witnesses)


@dataclass(frozen=True)
class SignedDirectory:
    """A listing with the anchor's JWS over its payload."""

    listing: Listing
    signed: str

    @property
    def version(self) -> int:
        return self.listing.version

    @property
    def hash(self) -> str:
        """What the anchor's transparency log holds of this version (domain/transparency)."""
        from chalicelib.domain.hashchain import record_hash  # only the anchor's publish needs it

        return record_hash(self.listing.payload())

    def to_view(self, here: str) -> dict[str, Any]:
        return {"stage": here, **self.listing.payload(), "signed": self.signed}


def invalid_directory(why: str) -> InvalidInput:
    return InvalidInput(
        "invalid_directory",
        f"The federation directory is not valid: {why}.",
        "联邦目录内容无效，不予采用。",
    )


def directory_outdated(held: int) -> InvalidInput:
    return InvalidInput(
        "directory_outdated",
        f"This stage holds directory version {held}: only a newer version counts.",
        f"本站点已持有第 {held} 版联邦目录，只接受更新的版本。",
        {"held_version": held},
    )


def not_the_anchor(anchor: str) -> Forbidden:
    return Forbidden(
        "not_the_anchor",
        f"Only the federation's anchor ({anchor or 'none configured'}) publishes its directory.",
        "只有联邦锚点站点可以发布联邦目录。",
    )


def version_conflict(current: int) -> Conflict:
    return Conflict(
        "version_conflict",
        f"The directory is at version {current}: publish version {current + 1}.",
        f"联邦目录当前为第 {current} 版，请发布第 {current + 1} 版。",
        {"current_version": current},
    )


def listing_of(payload: Mapping[str, Any], anchor: str, issued_at: str) -> Listing:
    """A listing from a PUT body or a signed payload; `invalid_directory` for anything the
    contract refuses: an entry without a P-256 key, a duplicate stage, a `kid` used twice
    anywhere, the anchor missing."""
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise invalid_directory("version must be an integer from 1")
    stages = payload.get("stages")
    if not isinstance(stages, list) or not stages:
        raise invalid_directory("it lists no stage")
    if len(stages) > MAX_STAGES:
        raise invalid_directory(f"it lists more than {MAX_STAGES} stages")
    entries = tuple(_entry(item) for item in stages)
    anchor_keys = _keys(payload.get("anchor_jwks") or {"keys": []}, "the anchor's keys", allow_empty=True)
    return checked(Listing(anchor, version, issued_at, entries, anchor_keys))


def checked(listing: Listing) -> Listing:
    """The listing, if no stage and no kid appears twice anywhere (the anchor's keys included),
    the anchor is listed and witnesses are other listed stages; invalid_directory otherwise."""
    _check_unique(listing.stages, listing.anchor_keys, listing.anchor)
    return listing


def with_witnesses(listing: Listing, previous: Listing | None) -> Listing:
    """Each stage's witnesses: min(3, stages − 1) of the others, the anchor first, kept from
    the previous version where they are still listed, so that a witness's history carries on."""
    names = [entry.stage for entry in listing.stages]
    entries = []
    for entry in listing.stages:
        before = previous.entry(entry.stage) if previous else None
        kept = before.witnesses if before else ()
        chosen = _witnesses(entry.stage, names, listing.anchor, kept or entry.witnesses)
        entries.append(Entry(entry.stage, entry.label, entry.api_url, entry.keys, chosen))
    return Listing(listing.anchor, listing.version, listing.issued_at, tuple(entries), listing.anchor_keys)


def _witnesses(stage: str, names: Sequence[str], anchor: str, kept: Sequence[str]) -> tuple[str, ...]:
    wanted = min(WITNESSES, len(names) - 1)
    others = [name for name in names if name != stage]
    chosen = [anchor] if anchor != stage else []
    chosen += [name for name in kept if name in others and name not in chosen]
    # The rest in a fixed order from the stage's place in the list, so that the load spreads
    # over the stages and the same listing always gives the same witnesses.
    start = names.index(stage)
    for name in [*names[start + 1 :], *names[:start]]:
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen[:wanted])


def _entry(item: Any) -> Entry:
    if not isinstance(item, Mapping):
        raise invalid_directory("a stage entry is not an object")
    stage = item.get("stage")
    if not isinstance(stage, str) or not is_id(stage):
        raise invalid_directory("a stage entry has no valid stage name")
    label = item.get("label", stage)
    api_url = item.get("api_url", "")
    if not isinstance(label, str) or not isinstance(api_url, str):
        raise invalid_directory(f"stage {stage}'s label and api_url must be text")
    if api_url and not _is_stage_url(api_url):
        raise invalid_directory(f"stage {stage}'s api_url must be an https URL of a host")
    witnesses = item.get("witnesses", [])
    if not isinstance(witnesses, list) or not all(isinstance(w, str) for w in witnesses):
        raise invalid_directory(f"stage {stage}'s witnesses must be a list of stage names")
    keys = _keys(item.get("jwks"), f"stage {stage}")
    return Entry(stage, label, api_url, keys, tuple(witnesses))


LOCAL_HOSTS = ("127.0.0.1", "localhost")  # http is for stages on this machine (make run) only


def _is_stage_url(url: str) -> bool:
    """An https URL naming a host (http only to this machine), with no user part, query or
    fragment: where the stage's peers send what they sign."""
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError for a port that is not a number
    except ValueError:
        return False
    del port
    if not parts.hostname or "@" in parts.netloc or parts.query or parts.fragment:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS)


def _keys(jwks: Any, whose: str, allow_empty: bool = False) -> tuple[Mapping[str, str], ...]:
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list) or (not keys and not allow_empty):
        raise invalid_directory(f"{whose} has no key")
    checked = tuple(_p256(key, whose) for key in keys)
    if checked and all(key.get("status") == RETIRED for key in checked):
        raise invalid_directory(f"{whose} has only retired keys")
    return checked


def _p256(key: Any, whose: str) -> Mapping[str, str]:
    fields = {"kty", "crv", "x", "y", "kid", "status", "use", "alg"}
    if not isinstance(key, Mapping) or not set(key) <= fields:
        raise invalid_directory(f"{whose} has a key that is not a JWK")
    if key.get("kty") != "EC" or key.get("crv") != "P-256":
        raise invalid_directory(f"{whose} has a key that is not EC P-256")
    kid = key.get("kid")
    if not isinstance(kid, str) or not 1 <= len(kid) <= 128:
        raise invalid_directory(f"{whose} has a key without a kid")
    if key.get("status", "active") not in ("active", RETIRED):
        raise invalid_directory(f"{whose}'s key {kid} has an unknown status")
    x, y = _coordinate(key.get("x")), _coordinate(key.get("y"))
    if x is None or y is None or not _on_p256(x, y):
        raise invalid_directory(f"{whose}'s key {kid} is not a point of P-256")
    if kid != thumbprint(key):
        raise invalid_directory(f"{whose}'s key {kid}: a kid is the key's RFC 7638 thumbprint")
    return {name: str(value) for name, value in key.items()}


def thumbprint(key: Mapping[str, Any]) -> str:
    """The RFC 7638 thumbprint of an EC key: the kid every stage's key carries, so that one kid
    can never name two keys."""
    members = {name: key[name] for name in ("crv", "kty", "x", "y")}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _coordinate(value: Any) -> int | None:
    if not isinstance(value, str) or len(value) != 43:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=")
    except (binascii.Error, ValueError):
        return None
    return int.from_bytes(raw, "big") if len(raw) == 32 else None


# NIST P-256 (FIPS 186-4, D.1.2.3): y² = x³ - 3x + b over the prime field p.
P256_P = 2**256 - 2**224 + 2**192 + 2**96 - 1
P256_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B


def _on_p256(x: int, y: int) -> bool:
    return x < P256_P and y < P256_P and (y * y - (x * x * x - 3 * x + P256_B)) % P256_P == 0


def _check_unique(entries: Sequence[Entry], anchor_keys: Sequence[Mapping[str, str]], anchor: str) -> None:
    names = [entry.stage for entry in entries]
    if len(set(names)) != len(names):
        raise invalid_directory("a stage is listed twice")
    if anchor not in names:
        raise invalid_directory(f"the anchor ({anchor}) is not listed")
    kids = [key["kid"] for entry in entries for key in entry.keys] + [key["kid"] for key in anchor_keys]
    if len(set(kids)) != len(kids):
        raise invalid_directory("a kid is used twice")
    for entry in entries:
        strangers = [w for w in entry.witnesses if w not in names or w == entry.stage]
        if strangers:
            raise invalid_directory(f"stage {entry.stage}'s witnesses are not other listed stages")
