"""Load the seed catalogue (seed.json: Huzhou's units, proof items and matters) when empty.

It goes through the service layer, so the seed obeys every rule and fills the change log and
the counters exactly as the API would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib import wiring
from chalicelib.domain.errors import Conflict
from chalicelib.validation import validate

SEED = Path(__file__).resolve().parent / "seed.json"


def data() -> dict[str, Any]:
    return json.loads(SEED.read_text(encoding="utf-8"))


def load_if_empty() -> str:
    if wiring.stats().figures()["catalogue"]["total"] > 0:
        return "catalogue not empty, left as it is"
    return load(data())


def load(seed: dict[str, Any]) -> str:
    catalogue = wiring.catalogue()
    for unit in seed["units"]:
        _once(lambda: catalogue.register_unit(validate("unit-create", unit)))
    for proof in seed["proofs"]:
        _once(lambda: catalogue.create_proof(validate("proof-create", proof)))
    for matter in seed["matters"]:
        _once(lambda: catalogue.create_matter(validate("matter-create", matter)))
    return (f"{len(seed['units'])} units, {len(seed['proofs'])} proof items, "
            f"{len(seed['matters'])} matters")


def _once(create) -> None:
    """Create, or leave alone what an interrupted earlier load already created."""
    try:
        create()
    except Conflict:
        pass
