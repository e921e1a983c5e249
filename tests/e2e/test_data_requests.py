"""A data-protection request in the browser: a new customer registers and opens a ticket; an admin finds them by
e-mail, downloads everything stored (the JSON holds the ticket's text), erases their personal data after typing the
confirmation, and the customer can no longer sign in."""
import json
import urllib.request

from conftest import BASE_URL
from test_portal import token, unique

PASSWORD = "a data request password"


def test_export_and_erase_a_customer(portal):
    email = f"gdpr.{token()}@example.com"
    marker = f"quincemarmalade{token()}"
    portal.open("/register")
    portal.fill("#reg-name", "Gale Private")
    portal.fill("#reg-email", email)
    portal.fill("#reg-password", PASSWORD)
    portal.fill("#reg-password-confirm", PASSWORD)
    portal.click_and_wait_reload(portal.clickable('form[action="/register"] button[type=submit]'))
    portal.wait_path(r"/profile")
    ticket = portal.new_ticket(unique("Jar"), f"how long does delivery take? the {marker} is a gift")
    portal.logout()

    portal.login("admin@example.com")
    portal.open("/admin/customers")
    portal.fill("#customer-query", email)
    portal.click_and_wait_reload(portal.clickable("#customer-find"))
    found = portal.el("#customer-found").text
    assert "Gale Private" in found and "1 tickets" in found, found
    customer = int(portal.el("#customer-heading").text.split("#")[1].split(":")[0])
    portal.shot("data-request")
    # The download, with the admin's session (the browser's cookie), as the link serves it.
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in portal.driver.get_cookies())
    request = urllib.request.Request(f"{BASE_URL}/admin/customers/{customer}/export", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=20) as response:
        assert "attachment" in response.headers.get("Content-Disposition", "")
        document = json.loads(response.read())
    assert document["customer"]["email"] == email
    assert any(marker in m["body"] for t in document["tickets"] for m in t["messages"]), "the export lacks the ticket text"

    portal.fill("#customer-erase-confirm", f"ERASE {customer}")
    portal.click_and_wait_reload(portal.clickable("#customer-erase"))
    assert "personal data is erased" in portal.body_text()
    assert email not in portal.el("#customer-found").text
    portal.shot("data-request-erased")
    portal.open(f"/tickets/{ticket}")
    assert marker not in portal.body_text(), "the ticket still shows the erased text"
    portal.logout()

    portal.open("/login")
    portal.fill("#login-email", email)
    portal.fill("#login-password", PASSWORD)
    portal.click_and_wait_reload(portal.clickable('form[action="/login"] button[type=submit]'))
    assert not portal.signed_in(), "an erased customer signed in"
