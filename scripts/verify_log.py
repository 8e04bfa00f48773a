"""An outsider's check of a stage's logs: a journalist's, an auditor's, another city's.

    python -m scripts.verify_log --api https://<stage's API> [--held checkpoints.json] [--save]
        [--trail trail.json]

It trusts nothing the stage says without checking it, and imports nothing of the service (only
`rfc8785` and `cryptography`), so a defect in the service cannot hide itself here:
- the latest checkpoint's hash recomputes and its signature verifies with the stage's key in
  GET /federation/directory (pin that directory yourself: it is the stage's identity);
- the catalogue change log recomputes from its first record, and the record the checkpoint
  names is in it with the hash the checkpoint says;
- for every checkpoint you held before (`--held`, kept by `--save`): the stage proves that
  today's tree extends that one (RFC 9162 consistency), and its change log record is unchanged;
- for a trail you were given with `?inclusion=true` (`--trail`): each event's leaf is in the
  checkpoint's tree (RFC 9162 inclusion), and that checkpoint is signed;
- on the federation's anchor: the directory version it serves is a leaf of its tree, recomputed
  from the served copy (once a checkpoint covers it).
Exit status 0 when everything holds; 1 with each failure on its own line otherwise.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

Fetch = Callable[[str], Any]  # GET a path of the stage's API, return the decoded JSON body


# Hashes, as API.md defines them


def record_hash(record: dict[str, Any]) -> str:
    content = {key: value for key, value in record.items() if key not in ("hash", "signature")}
    return hashlib.sha256(rfc8785.dumps(content)).hexdigest()


def leaf_hash(request_id: str, event: dict[str, Any]) -> bytes:
    data = rfc8785.dumps({"request_id": request_id, "seq": event["seq"], "hash": event["hash"]})
    return hashlib.sha256(b"\x00" + data).digest()


DIRECTORY_LEAVES = "federation-directory"  # the anchor's directory versions, `seq` the version
SIGNED_FIELDS = ("anchor", "version", "issued_at", "stages", "anchor_jwks")


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


# RFC 9162, 2.1.3.2 and 2.1.4.2, as written there


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> bool:
    if not 0 < size1 <= size2:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    path = ([root1] if size1 & (size1 - 1) == 0 else []) + list(proof)
    if not path:
        return False
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _node(c, fr), _node(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == root1 and sr == root2


# Signatures: ES256, raw r||s in base64url, over the ASCII bytes of the record's hash


def signed_by_stage(record: dict[str, Any], directory: dict[str, Any], stage: str) -> bool:
    signature = record.get("signature") or {}
    member = next((m for m in directory.get("stages", []) if m.get("stage") == stage), {})
    key = next(
        (k for k in member.get("jwks", {}).get("keys", []) if k.get("kid") == signature.get("kid")), None
    )
    if key is None or record.get("hash") != record_hash(record):
        return False
    raw = _unb64(str(signature.get("value", "")))
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(_unb64(key["x"]), "big"), int.from_bytes(_unb64(key["y"]), "big"), ec.SECP256R1()
    )
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        numbers.public_key().verify(der, record["hash"].encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return len(raw) == 64


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# The checks


def check(
    fetch: Fetch, held: Sequence[dict[str, Any]] = (), trail: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The stage's latest checkpoint and every failure found (none: everything holds)."""
    directory = fetch("/federation/directory")
    stage = directory.get("stage", "")
    latest = fetch("/transparency/checkpoint")
    failures = []
    if latest.get("stage") != stage or not signed_by_stage(latest, directory, stage):
        failures.append(f"the latest checkpoint ({latest.get('number')}) is not signed by stage {stage}")
    changes = _all_changes(fetch)
    failures += _changelog_failures(changes, latest)
    for old in held:
        failures += _extension_failures(fetch, old, latest, changes, directory)
    if trail is not None:
        failures += _trail_failures(trail, directory)
    if directory.get("anchor") == stage and "version" in directory:
        failures += _directory_failures(fetch("/federation/directory?inclusion=true"), directory)
    return latest, failures


def _all_changes(fetch: Fetch) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    page = fetch("/catalogue/changes?limit=100")
    while True:
        records += page["items"]
        if not page.get("next_cursor"):
            return records
        page = fetch(f"/catalogue/changes?limit=100&cursor={page['next_cursor']}")


def _changelog_failures(changes: list[dict[str, Any]], checkpoint: dict[str, Any]) -> list[str]:
    failures, previous = [], None
    for expected_seq, record in enumerate(changes, start=1):
        if record.get("seq") != expected_seq or record.get("prev_hash") != previous:
            failures.append(f"change record {expected_seq} does not link to the one before")
        if record.get("hash") != record_hash(record):
            failures.append(f"change record {record.get('seq')} does not recompute: it was edited")
        previous = record.get("hash")
    failures += _head_failures(changes, checkpoint)
    return failures


def _head_failures(changes: list[dict[str, Any]], checkpoint: dict[str, Any]) -> list[str]:
    seq, expected = checkpoint["changelog"]["seq"], checkpoint["changelog"]["hash"]
    actual = changes[seq - 1].get("hash") if 0 < seq <= len(changes) else None
    if actual != expected:
        return [
            f"checkpoint {checkpoint['number']} names change record {seq} with another hash than the log's"
        ]
    return []


def _extension_failures(
    fetch: Fetch,
    old: dict[str, Any],
    latest: dict[str, Any],
    changes: list[dict[str, Any]],
    directory: dict[str, Any],
) -> list[str]:
    number = old.get("number")
    if not signed_by_stage(old, directory, old.get("stage", "")):
        return [f"held checkpoint {number} is not signed by its stage"]
    failures = _head_failures(changes, old)
    size1, size2 = old["tree_size"], latest["tree_size"]
    if size1 == 0:
        return failures
    if size1 > size2:
        return [*failures, f"the tree shrank from {size1} leaves (checkpoint {number}) to {size2}"]
    answer = fetch(f"/transparency/consistency?from={size1}&to={size2}")
    proof = [bytes.fromhex(value) for value in answer.get("proof", [])]
    if not verify_consistency(
        size1, size2, bytes.fromhex(old["root_hash"]), bytes.fromhex(latest["root_hash"]), proof
    ):
        failures.append(
            f"the latest tree does not extend the tree of checkpoint {number}: history was rewritten"
        )
    return failures


def _trail_failures(trail: dict[str, Any], directory: dict[str, Any]) -> list[str]:
    checkpoint = trail.get("checkpoint")
    if not checkpoint or not signed_by_stage(checkpoint, directory, checkpoint.get("stage", "")):
        return ["the trail's checkpoint is missing or not signed by its stage"]
    events = {event["seq"]: event for event in trail.get("events", [])}
    failures = []
    for proof in trail.get("inclusion", []):
        event = events.get(proof["seq"])
        path = [bytes.fromhex(value) for value in proof["audit_path"]]
        if event is None or not verify_inclusion(
            leaf_hash(trail["request_id"], event),
            proof["leaf_index"],
            checkpoint["tree_size"],
            path,
            bytes.fromhex(checkpoint["root_hash"]),
        ):
            failures.append(
                f"event {proof['seq']} of request {trail['request_id']} is not in the checkpoint's tree"
            )
    return failures


def _directory_failures(served: dict[str, Any], directory: dict[str, Any]) -> list[str]:
    """The anchor's served version, as a leaf recomputed from the copy served, in its tree."""
    version = served["version"]
    proofs = served.get("inclusion") or []
    if not proofs:  # published after the latest checkpoint: proved from the next one on
        return []
    leaf = leaf_hash(
        DIRECTORY_LEAVES, {"seq": version, "hash": record_hash({f: served[f] for f in SIGNED_FIELDS})}
    )
    checkpoint = served.get("checkpoint") or {}
    signed = signed_by_stage(checkpoint, directory, directory["stage"])
    root = bytes.fromhex(checkpoint.get("root_hash", ""))
    for proof in proofs:
        path = [bytes.fromhex(value) for value in proof["audit_path"]]
        if not signed or not verify_inclusion(leaf, proof["leaf_index"], checkpoint["tree_size"], path, root):
            return [f"directory version {version} is not in the anchor's tree as it is served"]
    return []


# The command


def http_fetch(api: str) -> Fetch:
    def fetch(path: str) -> Any:
        with urllib.request.urlopen(api.rstrip("/") + path, timeout=30) as response:  # noqa: S310 - the URL given
            return json.loads(response.read().decode("utf-8"))

    return fetch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--api", required=True, help="the stage's API, e.g. http://127.0.0.1:8000")
    parser.add_argument("--held", type=Path, help="a JSON list of checkpoints you kept before")
    parser.add_argument("--save", action="store_true", help="add the latest checkpoint to --held")
    parser.add_argument("--trail", type=Path, help="a trail fetched with ?inclusion=true")
    args = parser.parse_args(argv)
    held = json.loads(args.held.read_text(encoding="utf-8")) if args.held and args.held.exists() else []
    trail = json.loads(args.trail.read_text(encoding="utf-8")) if args.trail else None
    latest, failures = check(http_fetch(args.api), held, trail)
    for failure in failures:
        print(f"FAIL {failure}")
    if not failures:
        print(
            f"OK checkpoint {latest['number']} of {latest['stage']}: {latest['tree_size']} leaves, "
            f"change log at {latest['changelog']['seq']}; {len(held)} earlier checkpoints extended"
        )
        if args.save and args.held:
            kept = [c for c in held if c.get("number") != latest["number"]] + [latest]
            args.held.write_text(json.dumps(kept, ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
