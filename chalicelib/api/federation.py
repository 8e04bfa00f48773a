"""Federation routes: the directory of stages, and the door for peers' signed messages."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib import wiring
from chalicelib.api.routing import Call, endpoint
from chalicelib.domain.directory import MAX_LISTING_BYTES, MAX_SIGNED_BYTES
from chalicelib.domain.errors import DomainError
from chalicelib.domain.identity import Role
from chalicelib.observability import logger

federation = Blueprint(__name__)


@endpoint(
    federation,
    method="GET",
    path="/federation/directory",
    summary="This stage and its peers, with the public keys that verify what each signs",
    query="query-directory",
    response="federation-directory",
)
def directory(call: Call) -> dict[str, Any]:
    held = wiring.directory().held()
    # Before a stage holds a directory its anchor signed: the one it was deployed with.
    served = held.to_view(wiring.settings().stage) if held else wiring.notary().directory.to_view()
    if call.filters.get("inclusion") == "true":
        from chalicelib.domain.transparency import DIRECTORY_LEAVES  # the log, only when asked

        served |= wiring.log_proofs().inclusion(DIRECTORY_LEAVES, [held.version] if held else [])
    return served


@endpoint(
    federation,
    method="PUT",
    path="/federation/directory",
    summary="Publish the next version of the federation's directory (the anchor's operators)",
    roles=(Role.FEDERATION_ADMIN,),
    body="federation-directory-put",
    max_body=MAX_LISTING_BYTES,
    response="federation-directory",
    refuses={400: "invalid_directory", 403: "not_the_anchor", 409: "version_conflict"},
)
def publish_directory(call: Call) -> dict[str, Any]:
    return wiring.directory().publish(call.body).to_view(wiring.settings().stage)


@endpoint(
    federation,
    method="POST",
    path="/federation/directory",
    summary="A directory version the anchor pushes: taken if the anchor signed it and it is newer",
    body="federation-directory-push",
    max_body=MAX_SIGNED_BYTES + 1024,
    response="federation-directory",
    refuses={400: "invalid_directory, directory_outdated"},
)
def take_directory(call: Call) -> dict[str, Any]:
    return wiring.directory().take(call.body["signed"]).to_view(wiring.settings().stage)


@endpoint(
    federation,
    method="POST",
    path="/federation/messages",
    summary="A peer stage's signed message (JWS, ES256), answered with this stage's signed receipt",
    raw_body="application/jose",
    response="federation-receipt",
    refuses={
        400: "invalid_message",
        401: "unauthenticated",
        403: "forbidden",
        409: "unit_exists, unit_not_known_yet, request_not_known_yet, message_in_progress, "
        "unsupported_message",
    },
)
def receive_message(call: Call) -> dict[str, Any]:
    token = (call.request.raw_body or b"").decode("ascii", "replace").strip()
    try:
        return wiring.federation().receive(token)
    except DomainError as error:
        # Who was refused and why, never the message (its body may hold a subject's identity).
        logger.warning("federation message refused", extra={"code": error.code, "reason": error.message})
        raise
