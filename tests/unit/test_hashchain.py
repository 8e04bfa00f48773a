"""Given change records, the chain recomputes from the API's own output and catches edits."""

import dataclasses
import hashlib

import rfc8785

from chalicelib.domain.catalogue import new_proof
from chalicelib.domain.changelog import ChainHead, next_record
from chalicelib.domain.hashchain import chain_is_valid, record_hash


def proof(version=1, at="2026-11-26T08:00:00Z"):
    item = new_proof(
        {
            "name": "无房证明",
            "issuing_unit": "hz-bdczx",
            "legal_basis": "条例",
            "disposition": "data_sharing",
            "rule": "data_sharing",
        },
        "PF-D001",
        at,
    )
    return dataclasses.replace(item, version=version)


def chain(n):
    records, head = [], None
    for version in range(1, n + 1):
        record = next_record(head, None, proof(version), "reason", None).to_view()
        records.append(record)
        head = ChainHead(record["seq"], record["hash"], record["changed_at"])
    return records


def test_the_hash_is_sha256_of_the_rfc8785_form_without_the_hash_field():
    record = chain(1)[0]
    content = {k: v for k, v in record.items() if k != "hash"}
    assert record["hash"] == hashlib.sha256(rfc8785.dumps(content)).hexdigest()
    assert record["prev_hash"] is None and record["seq"] == 1


def test_each_record_links_to_the_one_before():
    records = chain(3)
    assert [r["seq"] for r in records] == [1, 2, 3]
    assert records[2]["prev_hash"] == records[1]["hash"]
    assert chain_is_valid(records)


def test_an_edited_or_removed_record_breaks_the_chain():
    records = chain(3)
    edited = [dict(r) for r in records]
    edited[1]["reason"] = "rewritten"
    assert not chain_is_valid(edited)
    assert not chain_is_valid([records[0], records[2]])
    rehashed = dict(edited[1], hash=record_hash(edited[1]))
    assert not chain_is_valid([records[0], rehashed, records[2]])


def test_changed_at_never_goes_back_along_the_chain():
    head = ChainHead(5, "a" * 64, "2026-11-26T09:00:00Z")
    record = next_record(head, None, proof(at="2026-11-26T08:59:59Z"), "clock skew", None)
    assert record.changed_at == "2026-11-26T09:00:00Z"
    assert record.seq == 6 and record.prev_hash == "a" * 64
