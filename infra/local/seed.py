"""Load the seed catalogue (seed.json: Huzhou's units, proof items and matters) when empty.

It goes through the service layer, so the seed obeys every rule and fills the change log and
the counters exactly as the API would.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from chalicelib import wiring
from chalicelib.domain.errors import Conflict
from chalicelib.settings import get_settings
from chalicelib.validation import clean, validate

SEED = Path(__file__).resolve().parent / "seed.json"
# Each unit has one home: Deqing's units and catalogue live on the peer stage under make run.
# (`peer2` is the third stage the tests federate.)
SEEDS = {"peer": SEED.with_name("seed-peer.json"), "peer2": SEED.with_name("seed-peer2.json")}


def data(stage: str = "local") -> dict[str, Any]:
    return json.loads(SEEDS.get(stage, SEED).read_text(encoding="utf-8"))


def load_if_empty() -> str:
    if wiring.stats().figures()["catalogue"]["total"] > 0:
        return "catalogue not empty, left as it is"
    return load(data(get_settings().stage))


def load(seed: dict[str, Any]) -> str:
    catalogue = wiring.catalogue()
    steps = (
        ("units", "unit-create", catalogue.register_unit),
        ("proofs", "proof-create", catalogue.create_proof),
        ("matters", "matter-create", catalogue.create_matter),
    )
    for key, schema, create in steps:
        for record in seed[key]:
            # A Conflict means an interrupted earlier load already created it.
            with contextlib.suppress(Conflict):
                create(validate(schema, clean(record)))
    return f"{len(seed['units'])} units, {len(seed['proofs'])} proof items, {len(seed['matters'])} matters"
