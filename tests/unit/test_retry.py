"""One retry policy for every write (services/retry.py): a write kept out by a change since its
read (StaleWrite) or by another transaction at the same moment (Contended) is tried again after
a growing random pause, in one loop, and a 409 busy ends it; the DynamoDB adapter commits once
and never retries by itself (adapters/transact.py)."""

import threading

import pytest
from botocore.stub import Stubber

from chalicelib.adapters import aws_clients, tables, transact
from chalicelib.adapters.relay_rows import DueRow
from chalicelib.domain.errors import Conflict
from chalicelib.services import retry
from chalicelib.services.ports import Contended, StaleWrite


@pytest.fixture
def pauses(monkeypatch):
    """The pauses taken, instead of taking them."""
    taken: list[float] = []
    monkeypatch.setattr(retry.time, "sleep", taken.append)
    return taken


def kept_out(times: int, kind: type[Exception]):
    """A write kept out `times` times by `kind`, then written; counts its attempts."""
    attempts = []

    def attempt():
        attempts.append(1)
        if len(attempts) <= times:
            raise kind()
        return "written"

    return attempt, attempts


@pytest.mark.parametrize("kind", [StaleWrite, Contended])
def test_a_write_kept_out_is_tried_again_after_a_growing_random_pause(pauses, kind):
    attempt, attempts = kept_out(3, kind)

    assert retry.until_written(attempt) == "written"

    assert len(attempts) == 4 and len(pauses) == 3
    bounds = [min(retry.WRITES.longest_pause, retry.WRITES.first_pause * 2**n) for n in range(3)]
    assert all(0 <= pause <= bound for pause, bound in zip(pauses, bounds, strict=True))


def test_after_the_policys_last_attempt_the_write_is_busy(pauses):
    attempt, attempts = kept_out(100, Contended)

    with pytest.raises(Conflict) as busy:
        retry.until_written(attempt)

    assert busy.value.code == "busy"
    assert len(attempts) == retry.WRITES.attempts and len(pauses) == retry.WRITES.attempts - 1
    assert max(pauses) <= retry.WRITES.longest_pause


def test_a_new_records_write_is_sent_again_only_while_contended(pauses):
    contended, tries = kept_out(2, Contended)
    taken, taken_tries = kept_out(1, StaleWrite)

    assert retry.committed(contended) == "written" and len(tries) == 3
    with pytest.raises(StaleWrite):
        retry.committed(taken)  # the record exists: its caller answers that, once
    assert len(taken_tries) == 1


def test_a_job_leaves_a_record_still_busy_for_its_next_run(pauses):
    attempt, _ = kept_out(100, StaleWrite)

    assert retry.settled_or(attempt, "left") == "left"


@pytest.fixture
def table_client(monkeypatch):
    """The process's DynamoDB client, outside the local stack, stubbed by the test."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)
    monkeypatch.setattr(aws_clients, "_local", threading.local())
    tables.dynamodb.cache_clear()
    yield tables.dynamodb("cn-northwest-1")
    tables.dynamodb.cache_clear()


def cancelled(stub: Stubber, *codes: str) -> None:
    stub.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        service_message="Transaction cancelled",
        response_meta={},
        modeled_fields={"CancellationReasons": [{"Code": code} for code in codes]},
    )


@pytest.mark.parametrize(
    ("codes", "raised"),
    [(("TransactionConflict",), Contended), (("ConditionalCheckFailed",), transact.ConditionFailed)],
)
def test_a_transaction_is_sent_once_and_says_why_it_was_cancelled(table_client, codes, raised):
    # Given DynamoDB cancelling the first transaction, and ready to take a second
    with Stubber(table_client.client) as stub:
        cancelled(stub, *codes)
        stub.add_response("transact_write_items", {})

        # When a write of one item is committed
        with pytest.raises(raised):
            transact.transact(table_client, "t", lambda tx: tx.save(DueRow("VR#DUE", "x", request_id="r")))

        # Then it was sent once: the second answer is still waiting
        with pytest.raises(AssertionError):
            stub.assert_no_pending_responses()
