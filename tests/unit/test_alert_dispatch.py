"""The dispatcher publishes a whole batch before settling it, and settles only what went out."""

from chalicelib.domain.alerts import Alert
from chalicelib.services.alerts import AlertDispatcher
from chalicelib.services.ports import PublishFailed


def alert(n: int) -> Alert:
    return Alert(
        "relay.requested",
        f"E{n}",
        "2026-11-26T08:00:00Z",
        "huzhou",
        "hz-gaj",
        "verification_request",
        f"R{n}",
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
