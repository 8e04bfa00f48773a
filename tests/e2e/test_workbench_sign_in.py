"""Signing in to the workbench through an OpenID provider, as on a deployed stage: a real,
standards-conformant provider (the npm package oidc-provider, infra/local/openid_provider.mjs)
with its development login pages standing in for a unit's identity platform. The page runs the
authorization code flow with PKCE in headless Chromium; the stage's API accepts the provider's
ES256 ID token and the handler works with it. Screenshots go to test-artifacts/workbench/."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
import requests

from infra.local import stack
from infra.local.launch import answers, launcher
from tests.e2e.test_federation import eventually
from tests.e2e.test_workbench_browser import press, shot, text_of
from tests.support.relay import relay_body
from tests.support.stack import PROJECT, make_token

pytestmark = pytest.mark.e2e
PROVIDER = PROJECT / "infra" / "local" / "openid_provider.mjs"
HANDLERS = {"hz-handler-1": {"role": "agency", "unit_id": "hz-gaj"}}


@pytest.fixture(scope="module")
def stage_with_provider(tmp_path_factory):
    """`make run`'s stages told to trust an OpenID provider, and that provider, serving."""
    port = stack.free_port()
    issuer = f"http://127.0.0.1:{port}"
    settings = {
        "AUTH_ISSUER": issuer,
        "AUTH_JWKS_URL": f"{issuer}/jwks",
        "AUTH_AUDIENCE": "workbench",
        "WORKBENCH_CLIENT_ID": "workbench",
    }
    with pytest.MonkeyPatch.context() as env:
        for name, value in settings.items():
            env.setenv(name, value)
        with launcher(tmp_path_factory.mktemp("oidc")) as running:
            redirect = f"{running['base']}/workbench"
            provider = subprocess.Popen(
                ["node", str(PROVIDER), str(port), redirect, json.dumps(HANDLERS)],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            try:
                eventually(lambda: answers(f"{issuer}/.well-known/openid-configuration"), within=30)
                yield {**running, "issuer": issuer}
            finally:
                provider.terminate()
                provider.wait(timeout=10)


def test_a_handler_signs_in_with_the_provider_and_the_api_takes_its_token(stage_with_provider, browser):
    from selenium.webdriver.common.by import By

    base, issuer = stage_with_provider["base"], stage_with_provider["issuer"]
    browser.set_window_size(390, 844)
    browser.get(f"{base}/workbench")

    # The page's policy lets it call the provider, and no one else
    policy = requests.get(f"{base}/workbench", timeout=10).headers["Content-Security-Policy"]
    assert f"connect-src 'self' {issuer};" in policy

    # When the handler signs in with the provider (its login, then its consent page)
    browser.find_element(By.ID, "oidc-button").click()
    login = eventually(lambda: browser.find_elements(By.CSS_SELECTOR, "input[name=login]"), within=15)[0]
    assert browser.current_url.startswith(f"{issuer}/")
    login.send_keys("hz-handler-1")
    browser.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys("any password")
    shot(browser, "6-provider-login")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

    def back_on_the_stage():
        if browser.current_url.startswith(base):
            return True
        buttons = browser.find_elements(By.CSS_SELECTOR, "button[type=submit]")  # the consent page
        if buttons:
            buttons[0].click()
        time.sleep(0.3)
        return False

    eventually(back_on_the_stage, within=20, what="back on the workbench")

    # Then the page holds the provider's token, which the stage's API takes: the unit's inbox
    eventually(lambda: "hz-gaj" in text_of(browser, "#who"), within=15, what="signed in as hz-gaj")
    assert "code=" not in browser.current_url  # the code left the address bar
    stored = browser.execute_script("return JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert "eyJ" not in stored  # no token in the browser's storage
    asker = {"Authorization": f"Bearer {make_token('agency', unit_id='hz-rsj')}"}
    created = requests.post(f"{base}/verification-requests", json=relay_body(), headers=asker, timeout=10)
    assert created.status_code == 201, created.text
    request_id = created.json()["request_id"]

    def arrived():
        browser.find_element(By.ID, "refresh").click()
        time.sleep(0.5)
        return browser.find_elements(By.CSS_SELECTOR, f'#inbox-list li[data-request-id="{request_id}"]')

    eventually(arrived, within=20, what="the request in the inbox")
    in_inbox = f'#inbox-list li[data-request-id="{request_id}"]'
    press(browser, in_inbox, "Accept")
    eventually(lambda: "已受理 Accepted" in text_of(browser, in_inbox), within=10, what="accepted")
    shot(browser, "7-signed-in-with-provider")
    accepted = requests.get(f"{base}/verification-requests/{request_id}", headers=asker, timeout=10).json()
    assert accepted["status"] == "accepted"
