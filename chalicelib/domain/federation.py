"""Federation between stages (API.md, "Federation between stages"): the directory of stages
and their public keys, the signed messages they exchange, and the rules a received message
must pass before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.clock import parse_time
from chalicelib.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    Unauthenticated,
    forbidden,
)
from chalicelib.domain.text import is_id

# The version of the federation protocol (API.md, Federation between stages) this release
# speaks. A message of a newer one is answered 409 `unsupported_message`, which its sender
# retries: the stages of a province are upgraded one by one, never all at once.
PROTOCOL = 1

# What a message may report. Each is applied once (by message_id) and, within one request, in
# the order of the request's trail.
UNIT_REGISTERED = "unit.registered"  # a unit homed on the sender
PROOF_CHANGED = "proof.changed"  # an item of the sender's catalogue, as it now stands
REQUEST_CREATED = "request.created"  # a verification request to a unit homed on the receiver
REQUEST_EVENT = "request.event"  # a trail event of a cross-stage request, with its new state
REQUEST_CANCEL = "request.cancel"  # the requester no longer needs an answer (its commitment was withdrawn)
CHECKPOINT_ISSUED = "checkpoint.issued"  # the sender's new checkpoint, with proofs that it extends the last
CHECKPOINT_DISPUTED = "checkpoint.disputed"  # the receiver's checkpoint does not extend the one held
MESSAGE_TYPES = frozenset(
    {
        UNIT_REGISTERED,
        PROOF_CHANGED,
        REQUEST_CREATED,
        REQUEST_EVENT,
        REQUEST_CANCEL,
        CHECKPOINT_ISSUED,
        CHECKPOINT_DISPUTED,
    }
)

MAX_SKEW = timedelta(minutes=5)  # sent_at this far from the receiver's clock: refused
# A peer's answers that end a message's delivery without its receipt: the peer will never take
# it (malformed, or speaking for a unit not homed on the sender). Every other answer (401: not
# yet in its directory; 409: a unit not known there yet, or a newer protocol; 429; 5xx) and no
# answer at all are retried.
FINAL_REFUSALS = frozenset({400, 403})
REFUSAL_TEXT_LIMIT = 500  # characters of a peer's refusal kept with the message


@dataclass(frozen=True)
class Refusal:
    """A peer's final refusal of a message, kept with it (what the peer said, cut short: it is
    the peer's input)."""

    status: int
    code: str
    message: str
    at: str

    @classmethod
    def of(cls, status: int, answer: Mapping[str, Any], at: str) -> Refusal:
        def text(value: Any) -> str:
            return value[:REFUSAL_TEXT_LIMIT] if isinstance(value, str) else ""

        return cls(status, text(answer.get("code"))[:64], text(answer.get("message")), at)

    def to_view(self) -> dict[str, Any]:
        return {"status": self.status, "code": self.code, "message": self.message, "at": self.at}


@dataclass(frozen=True)
class Member:
    """A stage of the federation: where it serves, and the keys that verify what it signs
    (more than one while a rotated key is published beside the old)."""

    stage: str
    label: str
    api_url: str
    keys: tuple[Mapping[str, str], ...]

    def key(self, kid: str, active_only: bool = False) -> Mapping[str, str] | None:
        """The key `kid`; with `active_only`, not a retired one (it verifies only what it
        signed before it retired)."""
        key = next((key for key in self.keys if key.get("kid") == kid), None)
        return None if key is None or (active_only and key.get("status") == "retired") else key

    def to_view(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "label": self.label,
            "api_url": self.api_url,
            "jwks": {"keys": [dict(key) for key in self.keys]},
        }


@dataclass(frozen=True)
class Directory:
    here: str
    members: tuple[Member, ...]
    # Whom each stage sends its checkpoints to (the signed directory's `witnesses`); a stage
    # not named here sends them to every peer (a directory pinned by hand).
    witnesses: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, here: str, data: Mapping[str, Any]) -> Directory:
        members = tuple(
            Member(m["stage"], m.get("label", m["stage"]), m.get("api_url", ""), tuple(m["jwks"]["keys"]))
            for m in data.get("stages", [])
        )
        return cls(here, members)

    def member(self, stage: str) -> Member | None:
        return next((m for m in self.members if m.stage == stage), None)

    def peers(self) -> list[Member]:
        """The other stages this one exchanges with: those listed with a key. (The listing a
        stage is deployed with names the province's planned stages too, keyless until their
        operators pair them: nothing is addressed to them, and a stage that gains a key in a
        signed version is introduced to then: DirectoryService.)"""
        return [m for m in self.members if m.stage != self.here and m.keys]

    def witnesses_of(self, stage: str) -> list[Member]:
        """The stages `stage` sends its checkpoints to."""
        chosen = self.witnesses.get(stage)
        if not chosen:
            return [m for m in self.members if m.stage != stage and m.keys]
        return [m for m in self.members if m.stage in chosen]

    def owner_of(self, kid: str, active_only: bool = False) -> tuple[Member, Mapping[str, str]] | None:
        """The stage that holds the key `kid`, and the key (with `active_only`, not retired)."""
        for member in self.members:
            key = member.key(kid, active_only)
            if key is not None:
                return member, key
        return None

    def key(self, stage: str, kid: str) -> Mapping[str, str] | None:
        member = self.member(stage)
        return None if member is None else member.key(kid)

    def to_view(self) -> dict[str, Any]:
        return {"stage": self.here, "stages": [m.to_view() for m in self.members]}


@dataclass(frozen=True)
class Message:
    message_id: str
    from_stage: str
    to_stage: str
    type: str
    sent_at: str
    body: dict[str, Any]
    protocol: int = PROTOCOL

    def to_view(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "from_stage": self.from_stage,
            "to_stage": self.to_stage,
            "type": self.type,
            "sent_at": self.sent_at,
            "body": self.body,
            "protocol": self.protocol,
        }

    @classmethod
    def parse(cls, payload: Mapping[str, Any]) -> Message:
        """The envelope of a message (its body is checked against its type's schema after the
        envelope's sender, address and time): a malformed one is a 400 `invalid_message`."""
        fields = ("message_id", "from_stage", "to_stage", "type", "sent_at")
        if not {*fields, "body"} <= set(payload) <= {*fields, "body", "protocol"} or not all(
            isinstance(payload[f], str) for f in fields
        ):
            raise invalid_message(
                "a message is {message_id, from_stage, to_stage, type, sent_at, body, protocol}"
            )
        if not is_id(payload["message_id"]) or payload["type"] not in MESSAGE_TYPES:
            raise invalid_message(
                "message_id must be an id and type one of " + ", ".join(sorted(MESSAGE_TYPES))
            )
        if not isinstance(payload["body"], dict):
            raise invalid_message("body must be an object")
        return cls(**{f: payload[f] for f in fields}, body=payload["body"], protocol=protocol_of(payload))


def protocol_of(payload: Mapping[str, Any]) -> int:
    """The protocol a message speaks (absent: 1); one newer than this stage's is a 409 its
    sender retries, never a final refusal, whatever else the message holds."""
    protocol = payload.get("protocol", 1)
    if type(protocol) is float and protocol.is_integer():  # 2.0 is 2, as every body's numbers are
        protocol = int(protocol)
    if type(protocol) is not int or protocol < 1:  # bool is an int to isinstance
        raise invalid_message("protocol must be a whole number from 1")
    if protocol > PROTOCOL:
        raise Conflict(
            "unsupported_message",
            f"The message speaks federation protocol {protocol}; this stage speaks {PROTOCOL}. "
            "Retry once this stage is upgraded.",
            f"消息使用跨区县协议第 {protocol} 版，本平台仅支持第 {PROTOCOL} 版，请在本平台升级后重试。",
            {"protocol": protocol, "supported": PROTOCOL},
        )
    return protocol


def check_envelope(message: Message, signer_stage: str, here: str, now: datetime) -> None:
    """Signed by the stage it says it is from, addressed here, sent within five minutes."""
    if message.from_stage != signer_stage or signer_stage == here:
        raise refused("the message is not signed by the peer stage it says it is from")
    if message.to_stage != here:
        raise refused("the message is addressed to another stage")
    try:
        sent = parse_time(message.sent_at)
    except ValueError:
        raise refused("sent_at is not an RFC 3339 time") from None
    if abs(sent - now) > MAX_SKEW:
        raise refused("sent_at is more than five minutes away")


def check_speaks_for(message: Message, unit_home: str | None) -> None:
    """A stage speaks only for the units homed on it."""
    if unit_home != message.from_stage:
        raise forbidden()


def refused(reason: str) -> Unauthenticated:
    """A message this stage does not accept as its sender's: 401, and nothing is written."""
    return Unauthenticated(
        "unauthenticated",
        f"The message is not accepted: {reason}.",
        "消息的签名、发送方或收件方无效，不予接收。",
    )


def invalid_message(why: str, details: dict[str, Any] | None = None) -> InvalidInput:
    """A message that fails its schema or a rule of the public API: 400, final (its sender
    keeps it with the answer and never sends it again), remembered under its id."""
    return InvalidInput(
        "invalid_message",
        f"The federation message is not valid: {why}.",
        "跨区县消息内容无效，不予接收。",
        details,
    )


def as_invalid(error: DomainError) -> InvalidInput:
    """A refusal of what a message holds, as the 400 `invalid_message` it is answered with."""
    if error.code == "invalid_message" and isinstance(error, InvalidInput):
        return error
    return invalid_message(error.message.rstrip("."), error.details)


# A peer's message that is refused for good (400, 403) is answered the same way whenever its id
# comes again, as an accepted one is: what is kept is the answer, never the body.
_REMEMBERED = {"invalid": InvalidInput, "forbidden": Forbidden}


def refusal_record(error: DomainError) -> dict[str, Any]:
    kind = "forbidden" if isinstance(error, Forbidden) else "invalid"
    return {
        "refused": kind,
        "code": error.code,
        "message": error.message,
        "message_zh": error.message_zh,
        "details": error.details,
    }


def replayed(answer: Mapping[str, Any]) -> dict[str, Any]:
    """An answer given before: the receipt again, or the refusal raised again."""
    if "refused" not in answer:
        return dict(answer)
    kind = _REMEMBERED[answer["refused"]]
    raise kind(answer["code"], answer["message"], answer["message_zh"], answer.get("details"))
