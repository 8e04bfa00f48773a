"""The handlers' workbench page: an HTML shell, its settings as JSON data, and its security
headers. What it does runs in chalicelib/static/workbench.js, on the public API alone.

The page carries no script of its own (its Content-Security-Policy allows scripts from this
stage only, none inline): its settings travel as a JSON data block the script reads."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain.working_days import CHINA, WorkingCalendar

CALENDAR_DAYS_BACK = 120  # how late an overdue request can be shown in working days
CALENDAR_DAYS_AHEAD = 120  # and how far ahead a due date counts


@dataclass(frozen=True)
class SignIn:
    """How handlers sign in: the stage's OpenID provider (authorization code with PKCE), and,
    under `make run`, a development token pasted in."""

    issuer: str
    client_id: str
    scope: str
    authorization_endpoint: str  # set where the provider offers no discovery (a broker's)
    token_endpoint: str
    development: bool

    @property
    def provider(self) -> dict[str, str] | None:
        if not (self.issuer and self.client_id):
            return None
        return {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "scope": self.scope,
            "authorization_endpoint": self.authorization_endpoint,
            "token_endpoint": self.token_endpoint,
        }

    def origins(self) -> list[str]:
        """Where the page fetches from besides this stage: discovery and the token endpoint."""
        urls = (self.issuer, self.token_endpoint) if self.provider else ()
        return sorted({_origin(url) for url in urls if url})


def settings_of(
    sign_in: SignIn,
    anchor: str,
    anchor_keys: Sequence[Mapping[str, str]],
    calendar: WorkingCalendar,
    now: datetime,
) -> dict[str, Any]:
    """What the script is told: how to sign in, the federation's anchor and the anchor keys this
    stage trusts (the page checks the directory by them), and the calendar's exceptions to
    Monday-to-Friday around today."""
    today = now.astimezone(CHINA).date()
    days_off, weekend_days = calendar.exceptions(
        today - timedelta(days=CALENDAR_DAYS_BACK), today + timedelta(days=CALENDAR_DAYS_AHEAD)
    )
    return {
        "dev_sign_in": sign_in.development,
        "oidc": sign_in.provider,
        "anchor": anchor,
        "anchor_jwks": [dict(key) for key in anchor_keys],
        "calendar": {
            "days_off": [day.isoformat() for day in days_off],
            "working_weekend_days": [day.isoformat() for day in weekend_days],
        },
    }


def headers(sign_in: SignIn) -> dict[str, str | list[str]]:
    """A strict policy: scripts, styles and requests to this stage only (and to the identity
    provider's token endpoint); no inline script or style, no framing, no referrer (the return
    from the provider carries a code in the address)."""
    connect = " ".join(["'self'", *sign_in.origins()])
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src {connect}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def render(settings: Mapping[str, Any]) -> str:
    data = json.dumps(settings, ensure_ascii=False).replace("<", "\\u003c")  # no "</script>"
    return SHELL.replace("{settings}", data)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


SHELL = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>协查工作台 Verification workbench</title>
<link rel="stylesheet" href="workbench/workbench.css">
<script type="application/json" id="workbench-config">{settings}</script>
<script type="module" src="workbench/workbench.js"></script>
</head><body>
<header>
<h1>协查工作台 <span lang="en">Verification workbench</span></h1>
<p id="who" aria-live="polite"></p>
<button type="button" id="sign-out" class="secondary" hidden>退出登录 Sign out</button>
</header>
<main>
<div id="notice" role="status" aria-live="polite"></div>
<section id="sign-in" aria-labelledby="sign-in-title">
<h2 id="sign-in-title">登录 Sign in</h2>
<div id="oidc-sign-in" hidden>
<p>使用本单位统一身份认证账号登录。 Sign in with your unit's identity account.</p>
<button type="button" id="oidc-button">统一身份认证登录 Sign in</button>
</div>
<div id="dev-sign-in" hidden>
<form id="dev-form">
<label for="dev-token">开发令牌 Development token</label>
<textarea id="dev-token" name="token" autocomplete="off" spellcheck="false" required
 aria-describedby="dev-hint"></textarea>
<p id="dev-hint" class="hint">本地开发用：<code>make token ROLE=agency UNIT=hz-gaj</code>
 For make run only: paste what that command prints.</p>
<button type="submit">登录 Sign in</button>
</form>
</div>
<noscript><p>本页需要启用 JavaScript。 This page needs JavaScript.</p></noscript>
</section>
<div id="work" hidden>
<section id="inbox" aria-labelledby="inbox-title">
<h2 id="inbox-title" tabindex="-1">收件箱 Inbox <span id="inbox-count"></span></h2>
<div class="actions"><button type="button" id="refresh">刷新 Refresh</button>
<p id="refreshed" class="hint"></p></div>
<ol id="inbox-list"></ol>
</section>
<section id="outbox" aria-labelledby="outbox-title">
<h2 id="outbox-title">发件箱 Outbox</h2>
<ol id="outbox-list"></ol>
</section>
<section id="checks" aria-labelledby="checks-title">
<h2 id="checks-title" tabindex="-1">待核查的承诺 Commitment checks due</h2>
<ol id="checks-list"></ol>
</section>
<section id="trail" aria-labelledby="trail-title" hidden>
<h2 id="trail-title" tabindex="-1">核验记录 Trail</h2>
<div id="trail-body"></div>
</section>
</div>
</main>
</body></html>
"""
