"""The public notice board as a small, server-rendered page that works on a phone.

Only the public view of each notice reaches this page: masked numbers and names. Every value is
HTML-escaped. Chinese by default, English with ?lang=en.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import urlencode

from chalicelib.domain.clock import china_date
from chalicelib.domain.units import Unit

DOC_TYPES = {
    "resident_id_card": ("居民身份证", "Resident ID card"),
    "household_register": ("居民户口簿", "Household register"),
    "business_licence": ("营业执照", "Business licence"),
    "driving_licence": ("机动车驾驶证", "Driving licence"),
    "property_certificate": ("不动产权证书", "Property certificate"),
    "other": ("其他证件", "Other document"),
}
STATUSES = {
    "published": ("公示中", "On notice"),
    "withdrawn": ("已撤回", "Withdrawn"),
    "reissued": ("已补发", "Reissued"),
}
TEXT = {
    "title": ("遗失声明公示栏", "Lost-document notice board"),
    "intro": (
        "遗失声明在此免费网上公示，无需登报。证件号码和姓名已部分隐去。",
        "Notices of lost documents are published here for free instead of in a newspaper. "
        "Numbers and names are partly hidden.",
    ),
    "search": ("搜索", "Search"),
    "q": ("关键词（声明内容或姓名）", "Words (statement or name)"),
    "all_types": ("全部证件类型", "All document types"),
    "number": ("证件号码", "Number"),
    "holder": ("声明人", "Holder"),
    "unit": ("发证单位", "Issued by"),
    "published": ("公示日期", "Published"),
    "ends": ("公示期满", "Notice period ends"),
    "none": ("没有符合条件的声明。", "No notices match."),
    # A search reads a bounded number of windows of the board per page (SEARCH_WINDOWS)
    "none_yet": (
        "在已搜索的较近声明中没有符合条件的。",
        "Nothing matched in the notices searched so far.",
    ),
    "further": ("继续向前搜索", "Search further back"),
    "next": ("下一页", "Next page"),
    "previous": ("上一页", "Previous page"),
    "first": ("第一页", "First page"),
    "other_lang": ("English", "中文"),
    "pages": ("翻页", "Pages"),
    "error": ("无法显示", "Cannot show this page"),
}
STYLE = """
body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:0;padding:1rem;
max-width:48rem;margin-inline:auto;line-height:1.5;color:#1b1b1b}
h1{font-size:1.4rem;margin:.2rem 0}form{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}
input,select,button{font-size:1rem;padding:.5rem;border:1px solid #999;border-radius:.3rem}
input{flex:1 1 12rem}button{background:#b3261e;color:#fff;border-color:#b3261e}
ol{list-style:none;padding:0}li{border:1px solid #ddd;border-radius:.4rem;padding:.7rem;margin:.6rem 0}
.meta{color:#555;font-size:.9rem}.status{float:right;font-size:.85rem;color:#b3261e}
.meta span{white-space:nowrap}
nav{display:flex;flex-wrap:wrap;gap:1rem;justify-content:space-between}.lang{float:right}
"""
SEARCH_WINDOWS = 5  # windows of the board (adapters/pages.SEARCH_WINDOW each) a search page reads
MAX_BACK = 10  # pages the previous-page link remembers (each a cursor in the URL)


def language(value: str | None) -> int:
    """0 for Chinese (default), 1 for English."""
    return 1 if value == "en" else 0


def render(
    lang: int,
    params: dict[str, str],
    listing: dict[str, Any] | None,
    problem: dict[str, Any] | None,
    units: Mapping[str, Unit] | None = None,
) -> str:
    code = "en" if lang else "zh-CN"
    parts = [
        f'<!DOCTYPE html><html lang="{code}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_t('title', lang)}</title><style>{STYLE}</style></head><body>",
        _language_link(lang, params),
        f"<h1>{_t('title', lang)}</h1><p>{_t('intro', lang)}</p>",
        _search_form(lang, params),
    ]
    if problem is not None:
        message = problem["message"] if lang else problem["message_zh"]
        parts.append(f'<p role="alert"><strong>{_t("error", lang)}</strong>: {escape(message)}</p>')
    elif listing is not None:
        parts.append(_items(lang, listing["items"], units or {}, more=bool(listing["next_cursor"])))
        parts.append(_pages(lang, params, listing))
    parts.append("</body></html>")
    return "".join(parts)


def _pages(lang: int, params: dict[str, str], listing: dict[str, Any]) -> str:
    """First, previous and next page. The board pages forward (its cursors only go on), so the
    way back is carried in the URL: `back`, the cursors of the pages before, the last first."""
    here, back = params.get("cursor", ""), params["back"].split("~") if params.get("back") else []
    links = []
    if here:
        links.append(f'<a href="?{_query(params, cursor=None, back=None)}">« {_t("first", lang)}</a>')
        earlier = back[:-1]
        previous = _query(
            params, cursor=back[-1] if back else None, back="~".join(earlier) if earlier else None
        )
        links.append(f'<a rel="prev" href="?{previous}">‹ {_t("previous", lang)}</a>')
    if listing["next_cursor"]:
        trail = "~".join([*back, here][-MAX_BACK:])
        label = _t("further" if not listing["items"] else "next", lang)
        links.append(
            f'<a rel="next" href="?{_query(params, cursor=listing["next_cursor"], back=trail)}">{label} ›</a>'
        )
    return f'<nav aria-label="{_t("pages", lang)}">{"".join(links)}</nav>' if links else ""


def _language_link(lang: int, params: dict[str, str]) -> str:
    href = _query(params, lang=None if lang else "en", cursor=None, back=None)
    return f'<a class="lang" href="?{href}">{_t("other_lang", lang)}</a>'


def _search_form(lang: int, params: dict[str, str]) -> str:
    chosen = params.get("doc_type", "")
    options = [f'<option value="">{_t("all_types", lang)}</option>']
    for value, names in DOC_TYPES.items():
        selected = " selected" if value == chosen else ""
        options.append(f'<option value="{value}"{selected}>{escape(names[lang])}</option>')
    hidden = '<input type="hidden" name="lang" value="en">' if lang else ""
    return (
        f'<form method="get" action="" role="search">{hidden}'
        f'<input type="search" name="q" value="{escape(params.get("q", ""))}" '
        f'placeholder="{_t("q", lang)}" aria-label="{_t("q", lang)}">'
        f'<select name="doc_type" aria-label="{_t("all_types", lang)}">{"".join(options)}</select>'
        f'<button type="submit">{_t("search", lang)}</button></form>'
    )


def _items(lang: int, items: list[dict[str, Any]], units: Mapping[str, Unit], more: bool) -> str:
    if not items:
        return f"<p>{_t('none_yet' if more else 'none', lang)}</p>"
    rows = []
    for item in items:
        doc = DOC_TYPES.get(item["doc_type"], (item["doc_type"], item["doc_type"]))[lang]
        status = STATUSES.get(item["status"], (item["status"], item["status"]))[lang]
        rows.append(
            f'<li data-notice-id="{escape(item["notice_id"])}"><span class="status">{escape(status)}</span>'
            f"<strong>{escape(doc)}</strong> · {_t('number', lang)} {escape(item['doc_number_masked'])}"
            f" · {_t('holder', lang)} {escape(item['holder_masked'])}"
            f"<p>{escape(item['statement'])}</p>"
            f'<div class="meta">{_t("unit", lang)}: {_unit_name(item["issuing_unit"], units, lang)} · '
            f"<span>{_t('published', lang)}: {_date(item['published_at'])}</span> · "
            f"<span>{_t('ends', lang)}: {_date(item['period_ends_at'])}</span></div></li>"
        )
    return f"<ol>{''.join(rows)}</ol>"


def _unit_name(unit_id: str, units: Mapping[str, Unit], lang: int) -> str:
    """The unit as a citizen knows it (湖州市公安局), not its id; its id if it is not known here."""
    unit = units.get(unit_id)
    if unit is None:
        return escape(unit_id)
    return escape((unit.name_en or unit.name) if lang else unit.name)


def _date(moment: str) -> str:
    """The China date of a stored UTC time: what the notice's reader counts by."""
    return china_date(moment).isoformat()


def _query(params: dict[str, str], **changes: str | None) -> str:
    merged = {**params, **changes}
    return escape(urlencode({k: v for k, v in merged.items() if v}))


def _t(key: str, lang: int) -> str:
    return escape(TEXT[key][lang])
