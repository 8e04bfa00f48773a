"""The one logger (Powertools, structured JSON) and the printing of business metrics; the
HTTP middleware that uses them per request is chalicelib/api/middleware.py."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from urllib.parse import unquote

from aws_lambda_powertools import Logger

from chalicelib.adapters import metrics

# The process's own stdout, not whatever sys.stdout is when this module is first imported
# (a test runner swaps it per test, and a closed stream would swallow every later line).
logger = Logger(service="proof-free-city", logger_handler=logging.StreamHandler(sys.__stdout__))


def flush_metrics(stage: Callable[[], str]) -> None:
    """Print the business metrics the request or job recorded (adapters/metrics.py), under the
    stage's name; most requests record none, and pay nothing here."""
    if metrics.recorded():
        metrics.flush(stage())


# What a caller may put in a path, mistyped or not, that names a person or a company: a run of
# digits long enough to be a resident ID number (15 or 18, the last maybe X) or a phone number
# (11), and a unified social credit code (GB 32100: 18 characters, digits 3 to 8 a region).
_PERSONAL = re.compile(
    r"[0-9]{11,}[Xx]?|(?<![0-9A-Za-z])[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}(?![0-9A-Za-z])"
)


def masked_path(path: str) -> str:
    """A request path fit for a log line: decoded (a digit may come percent-encoded), then what
    may name a person masked."""
    return _PERSONAL.sub("***", unquote(path))


def names_no_one(text: str) -> bool:
    """Whether `text` (an id a caller offers) holds nothing masked_path would mask, separators
    aside: `22010119-9003-...` is an ID number in a UUID's clothes."""
    return _PERSONAL.search(re.sub("[^0-9A-Za-z]", "", text)) is None
