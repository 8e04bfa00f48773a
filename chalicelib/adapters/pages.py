"""Pages of query results for the services' Page type."""

from __future__ import annotations

from typing import Any

from chalicelib.services.ports import Page

# A filtered listing (a search, or a filter no index serves) reads at most this many index items
# per request. DynamoDB applies a filter after reading, so without a bound a search that matches
# nothing would read the whole index, and its cost would grow with the data.
SEARCH_WINDOW = 200


def page_of(results: Any, limit: int) -> Page[Any]:
    """A page of domain objects from a PynamoDB query; a full page carries its position."""
    items = [row.to_domain() for row in results]
    return Page(items, results.last_evaluated_key if len(items) == limit else None)


def searched_page(results: Any, model: Any, limit: int) -> Page[Any]:
    """At most `limit` matches of a filtered PynamoDB query (made with no limit), reading at
    most SEARCH_WINDOW items: pages of `limit` items, then twice as many each time. When the
    window ends first, the page holds fewer matches (perhaps none) and its position resumes
    where the reading stopped: a client follows next_cursor until it is null, as always."""
    pages = results.page_iter
    pages.page_size = min(limit, SEARCH_WINDOW)
    items: list[Any] = []
    for page in pages:
        raw = page.get("Items", [])
        for position, item in enumerate(raw):
            items.append(model.from_raw_data(item).to_domain())
            if len(items) == limit:
                more = position < len(raw) - 1 or pages.last_evaluated_key is not None
                return Page(items, {key: item[key] for key in pages.key_names} if more else None)
        read = pages.total_scanned_count
        if read >= SEARCH_WINDOW:
            break
        pages.page_size = min(SEARCH_WINDOW - read, 2 * pages.page_size)
    return Page(items, pages.last_evaluated_key)
