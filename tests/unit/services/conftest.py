"""The services on the in-memory adapters (chalicelib/adapters/memory): their rules in
milliseconds, without Java or HTTP. What only HTTP or DynamoDB shows stays in tests/integration."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from chalicelib.adapters.memory.catalogue import MemoryCatalogueRepository
from chalicelib.adapters.memory.commitments import MemoryCommitmentRepository
from chalicelib.adapters.memory.lost_notices import MemoryLostNoticeRepository
from chalicelib.adapters.memory.relay import MemoryRelayRepository
from chalicelib.adapters.memory.store import MemoryStore
from chalicelib.adapters.memory.supervision import MemorySupervisionRepository
from chalicelib.adapters.memory.transparency import MemoryTransparencyLog
from chalicelib.adapters.notary import StageNotary
from chalicelib.adapters.official_calendar import OfficialCalendar
from chalicelib.adapters.signing import FileSigner
from chalicelib.domain.federation import Directory, Member
from chalicelib.domain.identity import Identity, Role
from chalicelib.domain.lost_notices import periods_for
from chalicelib.services.catalogue import CatalogueService
from chalicelib.services.commitment_checks import CommitmentChecks
from chalicelib.services.commitments import CommitmentService
from chalicelib.services.lost_notices import LostNoticeService
from chalicelib.services.relay import RelayConfig, RelayService
from chalicelib.services.stats import StatsService
from chalicelib.services.supervision import SupervisionService
from chalicelib.services.transparency import TransparencyService
from chalicelib.services.transparency_proofs import LogProofs
from tests.support.catalogue import CITY_UNIT, proof_body
from tests.support.clock import Clock
from tests.support.stack import SUBJECT_ID

STAGE = "local"


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def new_id():
    """Ids in the order made, sortable as ULIDs are."""
    numbers = itertools.count(1)
    return lambda: f"01J{next(numbers):023d}"


@pytest.fixture
def catalogue(store, clock, new_id) -> CatalogueService:
    return CatalogueService(MemoryCatalogueRepository(store, STAGE), clock, new_id, "huzhou", STAGE)


@pytest.fixture
def supervision(store, clock, new_id) -> SupervisionService:
    repo = MemorySupervisionRepository(store)
    return SupervisionService(repo, MemoryCatalogueRepository(store, STAGE), clock, new_id, "huzhou")


@pytest.fixture
def calendar() -> OfficialCalendar:
    return OfficialCalendar((), lambda *_, **__: None)  # the years tested are published: no warning


@pytest.fixture
def lost_notices(store, clock, new_id, calendar) -> LostNoticeService:
    repo, units = MemoryLostNoticeRepository(store), MemoryCatalogueRepository(store, STAGE)
    return LostNoticeService(repo, units, clock, new_id, "huzhou", periods_for({}), calendar, here=STAGE)


@pytest.fixture(scope="session")
def notary(tmp_path_factory) -> StageNotary:
    """This stage's key (a file made for the test session) in a directory of this stage alone."""
    signer = FileSigner(tmp_path_factory.mktemp("keys") / f"{STAGE}.pem")
    return StageNotary(signer, Directory(STAGE, (Member(STAGE, STAGE, "", (signer.public_jwk,)),)))


class NoPeers:
    """A stage alone: no peer's catalogue is mirrored here."""

    def peer_proof(self, stage: str, proof_id: str) -> None:  # noqa: ARG002
        return None


@pytest.fixture
def relay(store, clock, new_id, calendar, notary) -> RelayService:
    repo, units = MemoryRelayRepository(store, STAGE), MemoryCatalogueRepository(store, STAGE)
    config = RelayConfig("huzhou", 5, stage=STAGE)
    return RelayService(repo, units, clock, new_id, config, calendar, notary, NoPeers())


@pytest.fixture
def stats(store) -> StatsService:
    repos = (
        MemoryCatalogueRepository(store),
        MemoryRelayRepository(store),
        MemoryCommitmentRepository(store),
        MemoryLostNoticeRepository(store),
        MemorySupervisionRepository(store),
    )
    return StatsService(*repos, newspaper_price_yuan=300)


@pytest.fixture
def checks(store, relay, clock, new_id, calendar) -> CommitmentChecks:
    repos = MemoryCommitmentRepository(store), MemoryRelayRepository(store, STAGE)
    return CommitmentChecks(*repos, relay, clock, new_id, calendar, 5, "huzhou")


@pytest.fixture
def transparency(store, clock, new_id, notary) -> TransparencyService:
    return TransparencyService(
        MemoryTransparencyLog(store), lambda: notary, clock, new_id, STAGE, "huzhou", list
    )


@pytest.fixture
def log_proofs(store) -> LogProofs:
    return LogProofs(MemoryTransparencyLog(store))


class Draws:
    """The commitments' random draw, set by the test (0.5 until changed)."""

    def __init__(self) -> None:
        self.value = 0.5

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def draw() -> Draws:
    return Draws()


@pytest.fixture
def commitments(store, clock, new_id, draw, calendar) -> CommitmentService:
    repo, units = MemoryCommitmentRepository(store), MemoryCatalogueRepository(store, STAGE)
    return CommitmentService(repo, units, clock, new_id, draw, "huzhou", calendar)


@pytest.fixture
def city_unit(catalogue) -> str:
    """Given a registered city unit, hz-gaj."""
    return catalogue.register_unit(dict(CITY_UNIT)).unit_id


def new_proof(catalogue: CatalogueService, **overrides: Any) -> str:
    return catalogue.create_proof(proof_body(**overrides)).proof_id


def citizen(id_number: str = SUBJECT_ID, name: str = "王小明") -> Identity:
    return Identity(sub=f"citizen-{id_number}", role=Role.CITIZEN, name=name, id_number=id_number)


def agency(unit_id: str) -> Identity:
    return Identity(sub=f"agency-{unit_id}", role=Role.AGENCY, unit_id=unit_id)


SUPERVISOR = Identity(sub="supervisor-1", role=Role.SUPERVISOR)
