"""The handlers' workbench in a real headless Chromium, against make run, as a person uses it:
a handler of Deqing's police signs in on Deqing's stage (`peer`), sees a request from Huzhou's
human-resources bureau arrive, accepts and answers it; the requester, signed in on Huzhou's
stage, sees it completed and checks its trail in the page; an event altered in the stage's
table shows as not verified. Screenshots go to test-artifacts/workbench/."""

from __future__ import annotations

import hashlib
import time

import boto3
import pytest
import requests
import rfc8785

from tests.e2e.test_federation import body, eventually
from tests.support import citizen_token
from tests.support.stack import PROJECT, make_token

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("served")]
ARTEFACTS = PROJECT / "test-artifacts" / "workbench"
HANDLER = {"unit_id": "dq-gaj", "sub_suffix": "dq-handler"}
REQUESTER = {"unit_id": "hz-rsj", "sub_suffix": "hz-handler"}


def shot(browser, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTEFACTS / f"{name}.png"))


def sign_in(browser, token: str) -> None:
    from selenium.webdriver.common.by import By

    field = browser.find_element(By.ID, "dev-token")
    field.send_keys(token)
    browser.find_element(By.CSS_SELECTOR, "#dev-form button[type=submit]").click()
    eventually(lambda: browser.find_element(By.ID, "work").is_displayed(), within=10, what="signed in")


def until(browser, css: str, within: float = 15.0):
    from selenium.webdriver.common.by import By

    return eventually(lambda: browser.find_elements(By.CSS_SELECTOR, css), within=within, what=css)[0]


def press(browser, css: str, label: str) -> None:
    """Click the button whose text holds `label` in the element `css`, found afresh each try:
    a refresh redraws the lists."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By

    def attempt():
        try:
            item = browser.find_element(By.CSS_SELECTOR, css)
            next(b for b in item.find_elements(By.TAG_NAME, "button") if label in b.text).click()
        except (NoSuchElementException, StaleElementReferenceException, StopIteration):
            return False
        return True

    eventually(attempt, within=10, what=f"the button {label} in {css}")


def text_of(browser, css: str) -> str:
    """The text of the element `css` once it shows (the page may be redrawing it)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By

    def attempt():
        try:
            return browser.find_element(By.CSS_SELECTOR, css).text or None
        except (NoSuchElementException, StaleElementReferenceException):
            return None

    return eventually(attempt, within=10, what=css)


def test_the_page_allows_its_own_scripts_only_and_carries_no_token_or_script_inline(served):
    answer = requests.get(f"{served['base']}/workbench", timeout=10)
    policy = answer.headers["Content-Security-Policy"]
    assert answer.status_code == 200 and "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy and answer.headers["Referrer-Policy"] == "no-referrer"
    page = answer.text
    assert page.count("<script") == 2  # the JSON settings (data, never run) and the module
    assert '<script type="module" src="workbench/workbench.js"></script>' in page
    for asset, media in (("workbench.js", "text/javascript"), ("workbench.css", "text/css")):
        served_asset = requests.get(f"{served['base']}/workbench/{asset}", timeout=10)
        assert served_asset.status_code == 200 and served_asset.headers["Content-Type"].startswith(media)


def test_a_handler_answers_a_request_from_another_stage_and_the_requester_verifies_its_trail(served, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    local, deqing = served["base"], served["peer"]
    requester = {"Authorization": f"Bearer {make_token('agency', **REQUESTER)}"}
    browser.set_window_size(390, 844)

    # Given a handler of Deqing's police signed in on Deqing's stage
    browser.get(f"{deqing}/workbench")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    sign_in(browser, make_token("agency", **HANDLER))
    until(browser, "#inbox-list li")

    # When Huzhou's human-resources bureau asks it (once Deqing's units are known in Huzhou)
    created = eventually(
        lambda: requests.post(f"{local}/verification-requests", json=body(), headers=requester, timeout=10),
        within=60,
        what="the request created",
    )
    assert created.status_code == 201, created.text
    request_id = created.json()["request_id"]

    # Then, refreshed (by keyboard), the request is in the inbox with its due date in working days
    def arrived():
        browser.find_element(By.ID, "refresh").send_keys(Keys.ENTER)
        time.sleep(0.5)
        return browser.find_elements(By.CSS_SELECTOR, f'#inbox-list li[data-request-id="{request_id}"]')

    in_inbox = f'#inbox-list li[data-request-id="{request_id}"]'
    eventually(arrived, within=30, what="the request in Deqing's inbox")
    shown = text_of(browser, in_inbox)
    assert "working days left" in shown and "王小明" in shown and "待受理" in shown
    shot(browser, "1-inbox-390px")

    # When the handler accepts it by keyboard alone (Tab from the Refresh button, then Enter),
    # then answers with an attestation row
    browser.find_element(By.ID, "refresh").send_keys(Keys.ENTER)
    time.sleep(1)  # the redraw that Enter asked for, before tabbing into the list
    browser.execute_script("document.getElementById('refresh').focus()")
    for _ in range(40):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        focused = browser.switch_to.active_element
        if "Accept" in focused.text and focused.get_attribute("aria-describedby") == f"title-{request_id}":
            break
    else:
        pytest.fail("the request's Accept button is not reachable with Tab")
    visible_ring = browser.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert visible_ring == "solid"
    focused.send_keys(Keys.ENTER)
    eventually(lambda: "已受理 Accepted" in text_of(browser, in_inbox), within=10, what="shown accepted")
    press(browser, in_inbox, "Respond")
    form = until(browser, "form.answer")
    unlabelled = browser.execute_script(
        "return [...document.querySelectorAll('input, select, textarea')]"
        ".filter(e => e.type !== 'hidden' && !e.labels.length && !e.closest('label')).map(e => e.outerHTML)"
    )
    assert unlabelled == []  # every field has a label a screen reader reads
    form.find_element(By.CSS_SELECTOR, "input[value=confirmed]").click()
    form.find_element(By.ID, "att-key-1").send_keys("户籍状态")
    form.find_element(By.ID, "att-value-1").send_keys("正常户口")
    shot(browser, "2-answer-form-390px")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    eventually(
        lambda: not browser.find_elements(By.CSS_SELECTOR, f'#inbox-list li[data-request-id="{request_id}"]'),
        within=10,
        what="the request leaving the inbox",
    )

    # Then the requester, signed in on Huzhou's stage, sees it completed with the answer
    browser.set_window_size(1280, 900)
    browser.get(f"{local}/workbench")
    sign_in(browser, make_token("agency", **REQUESTER))

    def completed():
        browser.find_element(By.ID, "refresh").click()
        time.sleep(0.5)
        return browser.find_elements(
            By.CSS_SELECTOR, f'#outbox-list li[data-request-id="{request_id}"][data-status=completed]'
        )

    eventually(completed, within=20, what="completed on the requester's side")
    in_outbox = f'#outbox-list li[data-request-id="{request_id}"]'
    shown = text_of(browser, in_outbox)
    assert "属实 Confirmed" in shown and "户籍状态" in shown and "正常户口" in shown
    shot(browser, "3-requester-outbox-desktop")

    # and its trail, events of both stages, verifies in the page
    press(browser, in_outbox, "Trail")
    verdict = until(browser, "#trail-verdict")
    assert verdict.get_attribute("data-verified") == "true", browser.find_element(By.ID, "trail-body").text
    stages = {
        row.find_elements(By.TAG_NAME, "td")[3].text
        for row in browser.find_elements(By.CSS_SELECTOR, "#trail-body tbody tr")
    }
    assert stages == {"local", "peer"}
    shot(browser, "4-trail-verified")

    # When an event is altered in Huzhou's table, the page shows the trail as not verified
    dynamodb = f"http://127.0.0.1:{served['ports']['dynamodb']}"
    table = boto3.resource(
        "dynamodb", endpoint_url=dynamodb, region_name="cn-northwest-1",
        aws_access_key_id="local", aws_secret_access_key="local",
    ).Table("proof-free-local")  # fmt: skip
    table.update_item(
        Key={"pk": f"VR#{request_id}", "sk": "EV#000002"},
        UpdateExpression="SET actor = :forged",
        ExpressionAttributeValues={":forged": "someone-else"},
    )
    press(browser, in_outbox, "Trail")
    eventually(
        lambda: "Not verified" in text_of(browser, "#trail-body"), within=10, what="shown as not verified"
    )
    assert browser.find_element(By.ID, "trail-verdict").get_attribute("data-verified") == "false"
    bad = text_of(browser, '#trail-body tr[data-seq="2"]')
    assert "✗" in bad and "not match its hash" in bad
    shot(browser, "5-trail-tampered")

    # and so when the altered event's hash is made to match (its signature then does not), and
    # when the event its status needs is taken away
    trail = requests.get(
        f"{local}/verification-requests/{request_id}/trail", headers=requester, timeout=10
    ).json()
    altered = {k: v for k, v in trail["events"][1].items() if k not in ("hash", "signature")}
    rehashed = hashlib.sha256(rfc8785.dumps(altered)).hexdigest()
    table.update_item(
        Key={"pk": f"VR#{request_id}", "sk": "EV#000002"},
        UpdateExpression="SET #h = :h",
        ExpressionAttributeNames={"#h": "hash"},
        ExpressionAttributeValues={":h": rehashed},
    )
    press(browser, in_outbox, "Trail")
    second = '#trail-body tr[data-seq="2"]'
    eventually(lambda: "signature does not verify" in text_of(browser, second), within=10,
               what="the re-hashed event's signature refused")  # fmt: skip
    assert "not linked" in text_of(browser, '#trail-body tr[data-seq="3"]')
    (completed,) = [e["seq"] for e in trail["events"] if e["type"] == "completed"]
    table.delete_item(Key={"pk": f"VR#{request_id}", "sk": f"EV#{completed:06d}"})
    press(browser, in_outbox, "Trail")
    eventually(lambda: "lacks the completed event" in text_of(browser, "#trail-body"), within=10,
               what="a trail cut short refused")  # fmt: skip

    # and nothing the page did broke its own policy
    assert not [
        entry for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]
    ]


def test_a_handler_confirms_a_commitment_check_due_from_the_page(served, browser):
    from selenium.webdriver.common.by import By

    base = served["base"]
    citizen = {"Authorization": f"Bearer {citizen_token()}"}
    # Given a citizen's commitment instead of a proof that its issuing unit checks every time
    notice = requests.get(f"{base}/proofs/PF-M001/commitment-notice", timeout=10).json()
    body = {"proof_id": "PF-M001", "matter_code": "HZ-MZ-001", "notice_version": notice["notice_version"]}
    filed = requests.post(f"{base}/commitments", json={**body, "accepted": True}, headers=citizen, timeout=10)
    assert filed.status_code == 201 and filed.json()["status"] == "verification_due", filed.text
    commitment_id = filed.json()["commitment_id"]

    # When a handler of the issuing unit (民政局) signs in, the check is listed with its deadline
    browser.set_window_size(390, 844)
    browser.get(f"{base}/workbench")
    sign_in(browser, make_token("agency", unit_id="hz-mzj", sub_suffix="mz-handler"))
    check = f'#checks-list li[data-commitment-id="{commitment_id}"]'
    shown = text_of(browser, check)
    assert "Check by" in shown and "HZ-MZ-001" in shown
    assert "**" in shown  # the applicant masked, as the API shows them to the unit
    shot(browser, "8-commitment-check")

    # and confirming it records the check, and the list no longer shows it
    press(browser, check, "Confirmed")
    eventually(lambda: not browser.find_elements(By.CSS_SELECTOR, check), within=10, what="the check done")
    handler = {"Authorization": f"Bearer {make_token('agency', unit_id='hz-mzj')}"}
    done = requests.get(f"{base}/commitments/{commitment_id}", headers=handler, timeout=10).json()
    assert (done["status"], done["outcome"]) == ("verified", "confirmed")
