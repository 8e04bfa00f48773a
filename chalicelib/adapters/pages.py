"""Pages of query results for the services' Page type."""

from __future__ import annotations

from typing import Any

from chalicelib.services.ports import Page


def page_of(results: Any, limit: int) -> Page[Any]:
    """A page of domain objects from a PynamoDB query; a full page carries its position."""
    items = [row.to_domain() for row in results]
    return Page(items, results.last_evaluated_key if len(items) == limit else None)
