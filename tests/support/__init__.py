"""What the integration and e2e tests share, one module per concern: the local stack and the
client (stack.py), and each capability's fixtures and bodies."""

from tests.support.catalogue import CITY_UNIT, proof_body
from tests.support.commitments import commit_body
from tests.support.lost_notices import notice_body
from tests.support.relay import relay_body
from tests.support.stack import PROJECT, SUBJECT_ID, agency_token, citizen_token, make_token, run_together

__all__ = [
    "CITY_UNIT",
    "PROJECT",
    "SUBJECT_ID",
    "agency_token",
    "citizen_token",
    "commit_body",
    "make_token",
    "notice_body",
    "proof_body",
    "relay_body",
    "run_together",
]
