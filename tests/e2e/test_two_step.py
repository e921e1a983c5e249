"""Two-step sign-in in a real browser: a lead sets up an authenticator (the code computed here from the key the page
shows, as an app would), signs in again with a code, is refused a wrong or reused code, and signs in once with a
recovery code."""
from selenium.webdriver.common.by import By

from conftest import AUTHENTICATOR
from two_step import code as totp_code, current_step

LEAD = "lead@example.com"


def password_step(portal, email):
    if portal.signed_in():
        portal.logout()
    portal.open("/login")
    portal.fill("#login-email", email)
    portal.fill("#login-password", "supportops-demo")
    portal.click_and_wait_reload(portal.clickable('form[action="/login"] button[type=submit]'))


def test_two_step_sign_in(portal):
    password_step(portal, LEAD)
    if AUTHENTICATOR.knows(LEAD):
        # Another test signed the lead in first: the set-up is behind us, the code page is in front.
        portal.wait_path(r"/login/code")
        portal.enter_code(AUTHENTICATOR.next_code(LEAD))
        codes = None
    else:
        portal.wait_path(r"/profile/two-step")
        assert "needs two-step sign-in" in portal.body_text()
        # The QR code is drawn by the service itself (an inline SVG), never fetched from elsewhere.
        svg = portal.el(".qr-code svg")
        assert svg.size["width"] >= 100, f"the QR code is too small to scan: {svg.size}"
        portal.shot("two-step-setup")
        # A wrong code is refused with a readable message, and the same key is offered again.
        key = portal.el("#two-step-key").text
        portal.fill("#two-step-code", "000000" if totp_code(key, current_step()) != "000000" else "111111")
        portal.click_and_wait_reload(portal.clickable("#two-step-confirm"))
        assert portal.els(".alert-error"), "a wrong set-up code was not refused"
        assert portal.el("#two-step-key").text == key, "the key changed after a wrong code"
        codes = portal.set_up_two_step(LEAD)
        portal.shot("two-step-recovery-codes")
        portal.click_and_wait_reload(portal.clickable("#two-step-continue"))
    portal.wait_path(r"/agent/queue")

    # Again: the password alone is not enough, a wrong code is refused, the app's code signs in.
    password_step(portal, LEAD)
    portal.wait_path(r"/login/code")
    portal.shot("two-step-code")
    assert not portal.signed_in()
    portal.open("/agent/queue")
    portal.wait_path(r"/login/code")
    right = AUTHENTICATOR.next_code(LEAD)
    portal.enter_code("123456" if right != "123456" else "654321")
    assert "not right" in portal.el(".alert-error").text
    portal.enter_code(right)
    portal.wait_path(r"/agent/queue")
    assert portal.signed_in()

    # The same code a second time (read over a shoulder) is refused.
    password_step(portal, LEAD)
    portal.enter_code(right)
    assert portal.els(".alert-error") and not portal.signed_in(), "a used code signed in again"

    if codes:
        # A recovery code signs in once; the profile then counts one fewer.
        portal.enter_code(codes[0].upper())
        portal.wait_path(r"/profile")
        assert portal.el("#recovery-codes-left").text == "9"
        password_step(portal, LEAD)
        portal.enter_code(codes[0])
        assert portal.els(".alert-error") and not portal.signed_in(), "a used recovery code signed in again"
