"""The one logger (Powertools, structured JSON) and the printing of business metrics; the
HTTP middleware that uses them per request is chalicelib/api/middleware.py."""

from __future__ import annotations

import logging
import re
import sys

from aws_lambda_powertools import Logger

from chalicelib.adapters import metrics
from chalicelib.settings import get_settings

# The process's own stdout, not whatever sys.stdout is when this module is first imported
# (a test runner swaps it per test, and a closed stream would swallow every later line).
logger = Logger(service="proof-free-city", logger_handler=logging.StreamHandler(sys.__stdout__))


def flush_metrics() -> None:
    """Print the business metrics the request or job recorded (adapters/metrics.py); most
    requests record none, and pay nothing here."""
    if metrics.recorded():
        metrics.flush(get_settings().stage)


# A run of digits long enough to be a resident ID number (15 or 18, the last maybe X), a
# company's code or a phone number (11): what a caller may put in a path, mistyped or not.
_PERSONAL_DIGITS = re.compile(r"[0-9]{11,}[Xx]?")


def masked_path(path: str) -> str:
    """A request path fit for a log line: long digit runs masked."""
    return _PERSONAL_DIGITS.sub("***", path)
