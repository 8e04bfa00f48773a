"""The federation's signed directory: the anchor's key, the keys a stage pinned, the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.adapters import metrics
from chalicelib.adapters.directory_keys import AnchorKey, JwsDirectoryCheck
from chalicelib.adapters.directory_repository import DynamoDirectoryStore
from chalicelib.observability import logger
from chalicelib.services import directory as reports
from chalicelib.services.directory import DirectoryService, Federation
from chalicelib.wiring._stage import read_json

if TYPE_CHECKING:
    from chalicelib.wiring import Container


# Each report of the service, and the metric the FederationDirectory alarm reads.
ALARMED_BY = {
    reports.REFUSED: metrics.DIRECTORY_PROBLEMS,
    reports.OWN_ENTRY_CHANGED: metrics.DIRECTORY_PROBLEMS,
    reports.ANCHOR_UNREACHABLE: metrics.ANCHOR_UNREACHABLE,
}


def build_directory(c: Container) -> DirectoryService:
    config = c.settings
    pinned = read_json(config.federation_anchor_jwks_file).get("keys", [])
    federation = Federation(
        config.stage, config.federation_anchor, config.federation_anchor_url, tuple(pinned)
    )

    def anchor_key() -> AnchorKey | None:
        if not (config.federation_directory_key_arn or config.federation_directory_key_file):
            return None
        from chalicelib.adapters.signing import stage_signer

        key_file = config.federation_directory_key_file
        return AnchorKey(stage_signer(config.federation_directory_key_arn, key_file, config.region))

    def log(message: str, fields: dict[str, Any]) -> None:
        logger.warning(message, extra=fields)
        metrics.record(ALARMED_BY[message])

    return DirectoryService(
        DynamoDirectoryStore(c.connection),
        federation,
        JwsDirectoryCheck(),
        c.given.clock,
        lambda: c.peer_client,
        anchor_key,
        log,
        lambda stage: c.catalogue.introduce(stage),
        lambda: deployed_with(config.federation_directory_file),
    )


def deployed_with(file: str) -> frozenset[str]:
    """The stages with keys in the listing the stage was deployed with: its first peers."""
    listed = read_json(file).get("stages", [])
    return frozenset(s["stage"] for s in listed if s.get("jwks", {}).get("keys"))
