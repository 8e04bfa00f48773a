"""The notice board page in a real headless Chromium (Debian's chromium), against make run."""

import re
from pathlib import Path

import pytest
import requests

from tests.support import SUBJECT_ID, citizen_token, notice_body

# The tests on the shared launcher (conftest.served) run on one worker: one launcher, not two.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("served")]
ID_NUMBER = re.compile(r"\d{17}[\dXx]")


def test_the_board_loads_narrows_on_search_and_shows_no_full_id(served, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    base = served["base"]
    headers = {"Authorization": f"Bearer {citizen_token()}"}
    # An ID card and a licence (a holder has one notice of a document on notice at a time)
    bodies = [
        notice_body(statement="在南浔古镇遗失身份证一张，特此声明"),
        notice_body(
            doc_type="driving_licence", doc_number="330100000101", statement="在安吉余村遗失驾驶证一本"
        ),
    ]
    for body in bodies:
        response = requests.post(f"{base}/lost-notices", json=body, headers=headers, timeout=10)
        assert response.status_code == 201, response.text

    browser.get(f"{base}/board")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert browser.find_element(By.TAG_NAME, "h1").text == "遗失声明公示栏"
    before = len(browser.find_elements(By.CSS_SELECTOR, "li[data-notice-id]"))
    assert before >= 2

    box = browser.find_element(By.CSS_SELECTOR, "input[name=q]")
    box.send_keys("南浔古镇")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda b: "q=" in b.current_url)
    items = browser.find_elements(By.CSS_SELECTOR, "li[data-notice-id]")
    assert len(items) == 1 and "南浔古镇" in items[0].text
    assert "330521********0014" in items[0].text and "王**" in items[0].text

    page = browser.page_source
    assert SUBJECT_ID not in page and not ID_NUMBER.search(page) and "王小明" not in page
    # Usable on a phone: nothing wider than the 390-pixel screen.
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    # and no date broken over two lines (each date is one line box)
    assert browser.execute_script(
        "return [...document.querySelectorAll('.meta span')].every(s => s.getClientRects().length === 1)"
    )
    assert "湖州市公安局" in items[0].text  # the issuing unit by name
    browser.save_screenshot(str(Path(served["log"]).with_name("board.png")))

    browser.find_element(By.CSS_SELECTOR, "a.lang").click()
    WebDriverWait(browser, 10).until(lambda b: "lang=en" in b.current_url)
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Lost-document notice board"
    assert len(browser.find_elements(By.CSS_SELECTOR, "li[data-notice-id]")) == 1  # the search is kept
