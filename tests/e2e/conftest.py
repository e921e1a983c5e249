"""Fixtures of the portal's browser tests: a headless Chromium per test, page helpers, the SMTP sink's mailbox.

scripts/e2e.sh starts the server and the sink and sets:
  E2E_BASE_URL        the portal, e.g. http://127.0.0.1:18080
  E2E_MAIL_DIR        the folder where tests/e2e/smtp_sink.py writes one JSON file per e-mail
  E2E_ACTION_LOG      the server's SUPPORTOPS_ACTION_LOG file
  E2E_SCREENSHOT_DIR  where screenshots go (screenshots/ at the repository root)
"""
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from two_step import Authenticator, current_step, code as totp_code

ROOT = Path(__file__).resolve().parents[2]
BASE_URL = os.environ.get("E2E_BASE_URL", "http://127.0.0.1:18080").rstrip("/")
MAIL_DIR = os.environ.get("E2E_MAIL_DIR", "")
ACTION_LOG = os.environ.get("E2E_ACTION_LOG", "")
SCREENSHOT_DIR = Path(os.environ.get("E2E_SCREENSHOT_DIR", str(ROOT / "screenshots")))
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("E2E_CHROMEDRIVER", "/usr/bin/chromedriver")
DEMO_PASSWORD = "supportops-demo"
TIMEOUT = float(os.environ.get("E2E_TIMEOUT", "20"))

NOT_FOUND_TEXT = "We could not find that page."
CSRF_TEXT = "This form has expired or did not come from this site"
# The authenticator "app" of every staff account the tests set up (one server per run, so one per session).
AUTHENTICATOR = Authenticator()
TICKET_STATUSES = {"open", "awaiting_customer", "resolved", "escalated", "in_progress", "closed"}


class Portal:
    """One browser on the portal, with explicit waits only (no sleeps for page state)."""

    def __init__(self, driver, base_url=BASE_URL, clock=time.time):
        self.driver = driver
        self.base_url = base_url
        # The server's time (a server under a fake clock is ahead of this machine's): two-step codes follow it.
        self.clock = clock

    # Navigation and waiting

    def open(self, path):
        self.driver.get(path if path.startswith("http") else self.base_url + path)
        return self

    @property
    def path(self):
        return urlparse(self.driver.current_url).path

    def wait(self, condition, message, timeout=TIMEOUT):
        """Waits until condition(driver) is truthy; a missing or replaced element (page reload) counts as 'not yet'."""
        wait = WebDriverWait(self.driver, timeout, poll_frequency=0.2,
                             # A page replaced mid-poll can raise Chromium's "Node ... does not belong to the document" (a plain
                             # WebDriverException): poll again; a real failure still ends in the timeout message.
                             ignored_exceptions=(NoSuchElementException, StaleElementReferenceException, WebDriverException))
        try:
            return wait.until(condition)
        except TimeoutException:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message} (at {self.driver.current_url})") from None

    def el(self, css, timeout=TIMEOUT, visible=True):
        condition = EC.visibility_of_element_located if visible else EC.presence_of_element_located
        return self.wait(condition((By.CSS_SELECTOR, css)), f"element {css!r}", timeout)

    def els(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def clickable(self, css, timeout=TIMEOUT):
        return self.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, css)), f"clickable {css!r}", timeout)

    def body_text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def wait_text(self, text, timeout=TIMEOUT):
        return self.wait(lambda d: text in d.find_element(By.TAG_NAME, "body").text, f"page text {text!r}", timeout)

    def wait_path(self, pattern, timeout=TIMEOUT):
        regex = re.compile(pattern)
        self.wait(lambda d: regex.fullmatch(urlparse(d.current_url).path), f"URL path matching {pattern}", timeout)
        return regex.fullmatch(self.path)

    def click_and_wait_reload(self, element, timeout=TIMEOUT):
        """Clicks something that submits a form or follows a link, and waits until the old page is gone."""
        old = self.driver.find_element(By.TAG_NAME, "html")
        element.click()
        self.wait(EC.staleness_of(old), "the next page to load", timeout)
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete", "the page to finish loading", timeout)

    def fill(self, css, value):
        field = self.el(css)
        field.clear()
        field.send_keys(value)
        return field

    # Pages

    def shot(self, name):
        """Saves screenshots/<name>.png of the whole page (the window grows to the page's height, up to 4000 px)."""
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        size = self.driver.get_window_size()
        try:
            height = self.driver.execute_script(
                "return Math.max(document.body ? document.body.scrollHeight : 0, document.documentElement.scrollHeight)")
            if height and height > size["height"]:
                self.driver.set_window_size(size["width"], min(int(height) + 100, 4000))
            self.driver.save_screenshot(str(SCREENSHOT_DIR / f"{name}.png"))
        finally:
            self.driver.set_window_size(size["width"], size["height"])

    def signed_in(self):
        return bool(self.els('form[action="/logout"]'))

    def login(self, email, password=DEMO_PASSWORD):
        if self.signed_in():
            self.logout()
        self.open("/login")
        form = self.el('form[action="/login"]')
        self.fill("#login-email", email)
        self.fill("#login-password", password)
        self.click_and_wait_reload(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
        # Staff set up two-step sign-in the first time, and enter a code after that.
        if self.path == "/profile/two-step":
            self.set_up_two_step(email)
            self.click_and_wait_reload(self.clickable("#two-step-continue"))
        elif self.path == "/login/code":
            self.enter_code(AUTHENTICATOR.next_code(self.account(email), now=self.clock()))
        errors = [e.text for e in self.els(".alert-error")]
        assert self.signed_in() and not self.path.startswith("/login"), \
            f"login as {email} failed: {errors or self.body_text()[:300]}"

    def set_up_two_step(self, email):
        """On the set-up page: reads the key as a person types it into an app, enters the app's code; returns the
        recovery codes shown."""
        key = self.el("#two-step-key").text
        step = current_step(self.clock())
        AUTHENTICATOR.remember(self.account(email), key, step)
        self.fill("#two-step-code", totp_code(key, step))
        self.click_and_wait_reload(self.clickable("#two-step-confirm"))
        codes = [e.text for e in self.els("#recovery-codes code")]
        assert len(codes) == 10, f"no recovery codes after setting up two-step sign-in: {self.body_text()[:300]}"
        return codes

    def account(self, email):
        """The authenticator's name for an account: each server has its own secrets."""
        return f"{email} on {self.base_url}"

    def enter_code(self, code):
        self.fill("#sign-in-code", code)
        self.click_and_wait_reload(self.clickable("#sign-in-code-submit"))

    def logout(self):
        buttons = self.els('header form[action="/logout"] button') or self.els('form[action="/logout"] button')
        assert buttons, "no Log out button in the header"
        self.click_and_wait_reload(buttons[0])
        assert not self.signed_in(), "still signed in after Log out"

    def ticket_status(self):
        return self.el("#ticket-status", visible=False).get_attribute("data-status")

    def wait_status(self, status, timeout=TIMEOUT):
        assert status in TICKET_STATUSES
        self.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#ticket-status").get_attribute("data-status") == status,
                  f'#ticket-status[data-status="{status}"]', timeout)

    def new_ticket(self, title, description):
        """Opens New ticket from the header, submits, and returns the new ticket's id (the page is the ticket)."""
        self.clickable("#nav-new-ticket").click()
        self.wait_path(r"/tickets/new")
        self.fill("#ticket-title", title)
        self.fill("#ticket-description", description)
        self.click_and_wait_reload(self.clickable("#ticket-submit"))
        match = self.wait_path(r"/tickets/(\d+)")
        heading = self.el("h1").text
        assert title in heading, f"the ticket page's heading {heading!r} does not show the title {title!r}"
        status = self.ticket_status()
        assert status in TICKET_STATUSES, f"unknown ticket status {status!r}"
        return int(match.group(1))


class Mailbox:
    """The SMTP sink's folder: one JSON file per message."""

    def __init__(self, directory):
        self.directory = Path(directory)

    def messages(self):
        found = []
        for path in sorted(self.directory.glob("*.json")):
            with open(path, encoding="utf-8") as handle:
                found.append(json.load(handle))
        return found

    def wait_for(self, to=None, subject=None, body=None, timeout=30):
        """The first message to `to` whose subject and body contain the given texts; polls the folder (not a page)."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.messages():
                if to and to.lower() not in [address.lower() for address in message.get("to", [])]:
                    continue
                if subject and subject not in message.get("subject", ""):
                    continue
                if body and body not in message.get("body", ""):
                    continue
                return message
            if time.monotonic() > deadline:
                summary = [(m.get("to"), m.get("subject")) for m in self.messages()]
                raise AssertionError(f"no e-mail to={to!r} subject~{subject!r} body~{body!r} within {timeout} s; "
                                     f"the sink has: {summary}")
            time.sleep(0.25)


def read_action_log():
    if not ACTION_LOG or not os.path.exists(ACTION_LOG):
        return []
    with open(ACTION_LOG, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                     "--lang=en-US", "--disable-extensions", "--no-first-run"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


@pytest.fixture
def driver():
    browser = make_driver()
    yield browser
    browser.quit()


@pytest.fixture
def portal(driver):
    return Portal(driver)


@pytest.fixture
def mailbox():
    if not MAIL_DIR:
        pytest.fail("E2E_MAIL_DIR is not set: run the browser tests with scripts/e2e.sh")
    return Mailbox(MAIL_DIR)


@pytest.fixture
def action_log():
    """A function returning the server's action log (one dict per tool call) as it is now."""
    return read_action_log


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, keeps screenshots/FAILED-<test>.png and .html and names the page in the report."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    portal = item.funcargs.get("portal")
    if portal is None:
        return
    name = "FAILED-" + re.sub(r"[^A-Za-z0-9_.-]", "_", item.name)
    try:
        portal.shot(name)
        (SCREENSHOT_DIR / f"{name}.html").write_text(portal.driver.page_source, encoding="utf-8")
        report.sections.append(("browser", f"page: {portal.driver.current_url}\n"
                                           f"screenshot: {SCREENSHOT_DIR / (name + '.png')}"))
    except Exception as error:  # the browser may be the thing that broke
        report.sections.append(("browser", f"no screenshot: {error!r}"))
