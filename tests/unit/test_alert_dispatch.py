"""The dispatcher publishes a whole batch before settling it, and settles only what went out."""

from chalicelib.domain.alerts import Alert
from chalicelib.services.alerts import AlertDispatcher
from chalicelib.services.ports import PublishFailed


def alert(n: int, at: str = "2026-11-26T08:00:00Z") -> Alert:
    return Alert(
        event_type="verification.requested",
        event_id=f"E{n}",
        occurred_at=at,
        county="huzhou",
        target_unit="hz-gaj",
        resource_type="verification_request",
        resource_id=f"R{n}",
    )


class Journal:
    """Outbox, publisher and trail in one fake, writing down what happened in which order."""

    def __init__(self, alerts: list[Alert], refuse_from: int | None = None) -> None:
        self.outbox = list(alerts)
        self.steps: list[str] = []
        self.refuse_from = refuse_from

    def pending(self, limit: int) -> list[Alert]:
        return self.outbox[:limit]

    def remove(self, a: Alert) -> None:
        self.outbox.remove(a)
        self.steps.append(f"remove {a.event_id}")

    def publish(self, a: Alert) -> None:
        if self.refuse_from is not None and int(a.event_id[1:]) >= self.refuse_from:
            raise PublishFailed("SNS is down")
        self.steps.append(f"publish {a.event_id}")

    def after_publish(self, a: Alert) -> None:
        self.steps.append(f"trail {a.event_id}")


def test_every_alert_of_a_batch_is_published_before_any_is_settled():
    journal = Journal([alert(1), alert(2)])

    report = AlertDispatcher(journal, journal, journal.after_publish).dispatch()

    assert (report.published, report.waiting) == (2, False)
    assert journal.steps == ["publish E1", "publish E2", "trail E1", "remove E1", "trail E2", "remove E2"]
    assert journal.outbox == []


def test_when_sns_fails_what_went_out_is_settled_and_the_rest_waits():
    journal = Journal([alert(1), alert(2), alert(3)], refuse_from=2)

    report = AlertDispatcher(journal, journal, journal.after_publish).dispatch()

    assert (report.published, report.waiting) == (1, True)
    assert journal.steps == ["publish E1", "trail E1", "remove E1"]
    assert [a.event_id for a in journal.outbox] == ["E2", "E3"]


def test_the_report_tells_when_the_oldest_unsent_alert_was_committed():
    journal = Journal([alert(1, at="2026-11-26T07:00:00Z"), alert(2)], refuse_from=1)

    report = AlertDispatcher(journal, journal, journal.after_publish).dispatch()

    assert (report.published, report.waiting, report.oldest_unsent_at) == (0, True, "2026-11-26T07:00:00Z")


def test_a_full_batch_sent_looks_behind_it_for_what_still_waits_and_an_empty_outbox_has_none():
    journal = Journal([alert(1), alert(2), alert(3)])
    dispatcher = AlertDispatcher(journal, journal, journal.after_publish)

    first = dispatcher.dispatch(limit=2)
    second = dispatcher.dispatch(limit=2)

    assert (first.published, first.waiting, first.oldest_unsent_at) == (2, False, "2026-11-26T08:00:00Z")
    assert (second.published, second.waiting, second.oldest_unsent_at) == (1, False, None)
