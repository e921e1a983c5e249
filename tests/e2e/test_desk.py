"""Browser tests of the desk's newer rooms: the satisfaction survey from its e-mail, macros and tags, the live queue
badge fed by server-sent events (with a ticket escalated by another client while the agent looks), and merging."""
import http.cookiejar
import re
import urllib.parse
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import BASE_URL
from test_portal import unique


class Client:
    """A second, scripted customer over plain HTTP (its own cookies), to change the queue while the browser watches."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        with self.opener.open(BASE_URL + path, timeout=20) as response:
            return response.geturl(), response.read().decode()

    def post(self, path, fields):
        # The CSRF token belongs to the session: any page with a form shows it.
        _, page = self.get("/login" if path == "/login" else "/tickets/new")
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
        data = urllib.parse.urlencode({**fields, "csrf": csrf}).encode()
        with self.opener.open(BASE_URL + path, data=data, timeout=20) as response:
            return response.geturl(), response.read().decode()


def test_survey_from_the_email_link(portal, mailbox):
    portal.login("carol@example.com")
    ticket = portal.new_ticket(unique("Refund timing"), "how long do refunds take?")
    portal.clickable("#mark-satisfied").click()
    portal.wait_status("resolved")
    portal.el("#ticket-survey-form")
    portal.logout()

    message = mailbox.wait_for(to="carol@example.com", subject=f"How did we do? (ticket #{ticket})")
    link = re.search(r"https?://\S+/survey\?token=[0-9a-f]{64}", message["body"]).group(0)
    portal.open(link)  # signed out: the link alone is enough
    portal.el("#survey-form")
    portal.shot("survey")
    portal.driver.find_element(By.CSS_SELECTOR, 'input[name="rating"][value="5"]').click()
    portal.fill("#survey-comment", "Clear and quick.")
    portal.click_and_wait_reload(portal.clickable("#survey-submit"))
    assert "5 out of 5" in portal.el("#survey-thanks").text
    portal.open(link)
    assert "5 out of 5" in portal.el("#survey-thanks").text, "the link did not remember the answer"

    portal.login("lead@example.com")
    portal.open("/agent/reports/satisfaction")
    overall = portal.el("#report-overall").text
    assert "answered" in overall and "satisfied" in overall, overall
    portal.shot("satisfaction-report")


def test_macro_tags_merge_and_the_live_queue(portal, mailbox):
    # An admin writes a macro.
    portal.login("admin@example.com")
    portal.open("/admin/macros/new")
    portal.fill("#macro-name", "Looking into it")
    portal.fill("#macro-body", "Hello {{customer.first_name}}, I am on ticket #{{ticket.id}} now. {{agent.first_name}}")
    Select(portal.el("#macro-priority")).select_by_value("high")
    portal.fill("#macro-tags", "followup")
    portal.click_and_wait_reload(portal.clickable("#macro-save"))
    portal.wait_path(r"/admin/macros")
    assert "Looking into it" in portal.el("#macros-table").text
    portal.logout()

    # Alice asks for a person twice (a duplicate).
    portal.login("alice@example.com")
    first = portal.new_ticket(unique("Speak to someone"), "I want to speak to a human about order 1003")
    portal.clickable("#escalate-ticket").click()
    portal.wait_status("escalated")
    duplicate = portal.new_ticket(unique("Speak to someone again"), "how long does delivery take?")
    portal.logout()

    # The agent's queue: the badge comes from the event stream; a ticket escalated meanwhile shows a notice.
    portal.login("agent@example.com")
    portal.open("/agent/queue")
    portal.wait(lambda d: d.find_element(By.ID, "queue-count").is_displayed()
                and int(d.find_element(By.ID, "queue-count").text or 0) >= 1, "the live unassigned badge")
    before = int(portal.el("#queue-count").text)
    bob = Client()
    bob.post("/login", {"email": "bob@example.com", "password": "supportops-demo"})
    url, _ = bob.post("/tickets", {"title": "Live queue check", "description": "I want to speak to a human about order 2001"})
    number = url.rstrip("/").rsplit("/", 1)[-1]
    bob.post(f"/tickets/{number}/escalate", {})
    portal.wait(lambda d: d.find_element(By.ID, "queue-live").is_displayed(), "the 'queue changed' notice", timeout=30)
    portal.wait(lambda d: int(d.find_element(By.ID, "queue-count").text or 0) == before + 1, "the badge counting one more")
    portal.shot("queue-live")

    # A macro fills the reply in; sending applies its priority and tag.
    portal.open(f"/tickets/{first}")
    Select(portal.el("#macro-select")).select_by_visible_text("Looking into it")
    portal.click_and_wait_reload(portal.clickable("#macro-use"))
    text = portal.el("#agent-reply").get_attribute("value")
    assert text == f"Hello Alice, I am on ticket #{first} now. Sam", text
    portal.click_and_wait_reload(portal.clickable("#agent-reply-submit"))
    portal.wait(lambda d: d.find_element(By.ID, "ticket-priority").text == "high", "the macro's priority")
    assert "followup" in portal.el("#ticket-tag-list").text

    # The duplicate is merged into the first ticket.
    portal.open(f"/tickets/{duplicate}")
    portal.fill("#merge-target", str(first))
    portal.click_and_wait_reload(portal.clickable("#merge-submit"))
    portal.wait_path(rf"/tickets/{first}")
    portal.wait(lambda d: any("was merged into this one" in m.text
                              for m in d.find_elements(By.CSS_SELECTOR, "#conversation .message")), "the merge message")
    portal.shot("ticket-merged")
    mailbox.wait_for(to="alice@example.com", subject="are now one")


def test_attachment_is_kept_to_its_ticket(portal, tmp_path):
    photo = tmp_path / "cracked lid.png"
    photo.write_bytes(bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + bytes(300))
    portal.login("alice@example.com")
    ticket = portal.new_ticket(unique("Photo of the damage"), "how long do refunds take?")
    portal.el("#attach-file").send_keys(str(photo))
    portal.click_and_wait_reload(portal.clickable("#attach-submit"))
    portal.wait_path(rf"/tickets/{ticket}")
    link = portal.el("#ticket-files a.file-link")
    assert link.text == "cracked lid.png", link.text
    href = link.get_attribute("href")
    portal.shot("ticket-attachment")
    portal.logout()

    portal.login("bob@example.com")
    portal.open(href)
    portal.wait_text("We could not find that page.")
    portal.logout()


def test_an_override_needs_the_lead_role(portal, action_log):
    # Alice's lamp (order 1004) was delivered weeks ago: outside the refund window.
    portal.login("alice@example.com")
    ticket = portal.new_ticket(unique("Late lamp"), "my lamp from order 1004 broke, can I still get a refund?")
    portal.logout()

    refund_1004 = '#customer-orders tr[data-order="1004"] button.order-action[data-action="issue_refund"]'
    portal.login("agent@example.com")
    portal.open(f"/tickets/{ticket}")
    # An agent refunds an order inside the window from the panel: preview, then confirm; the amount is the order's.
    portal.click_and_wait_reload(
        portal.clickable('#customer-orders tr[data-order="1001"] button.order-action[data-action="issue_refund"]'))
    assert portal.el("#order-action-summary").text == "Refund 49.99 USD for order #1001"
    portal.click_and_wait_reload(portal.clickable("#order-action-confirm"))
    portal.wait(lambda d: any(e.get("action") == "issue_refund" and "1001" in str(e.get("parameters"))
                              and e.get("result", {}).get("success") == "true" for e in action_log()),
                "the agent's refund in the action log")
    assert not portal.els('#customer-orders tr[data-order="1001"] button.order-action[data-action="issue_refund"]'), \
        "order 1001 still offers a refund after it was refunded"
    assert not portal.els(refund_1004), "an agent was offered a refund outside the window"
    portal.shot("override-not-offered-to-an-agent")
    # The agent forges the lead's form in the page: the server refuses it, whatever the page offered.
    portal.driver.execute_script("""
        const form = document.createElement('form');
        form.method = 'post'; form.action = arguments[0];
        const fields = {csrf: document.querySelector('input[name=csrf]').value, action: 'issue_refund', order: '1004',
                        token: 'issue_refund-1004-0', override: 'goodwill',
                        override_reason: 'Loyal customer, the lamp failed early'};
        for (const [name, value] of Object.entries(fields)) {
            const input = document.createElement('input'); input.type = 'hidden'; input.name = name; input.value = value;
            form.appendChild(input);
        }
        document.body.appendChild(form); form.submit();""", f"/tickets/{ticket}/order-action-confirm")
    portal.wait_text("Only a lead or an admin can override a rule.")
    portal.shot("override-refused-for-an-agent")
    assert not any(e.get("action") == "issue_refund" and "1004" in str(e.get("parameters"))
                   and e.get("result", {}).get("success") == "true" for e in action_log()), "the forged override paid a refund"

    # The lead is offered a goodwill refund: the preview says what the rules refuse; with a written reason it runs,
    # and the ticket keeps the reason as an internal note.
    portal.login("lead@example.com")
    portal.open(f"/tickets/{ticket}")
    button = portal.clickable(refund_1004)
    assert "Goodwill" in button.text, button.text
    portal.click_and_wait_reload(button)
    assert "1004" in portal.el("#order-action-summary").text
    assert not portal.els("#order-action-confirm"), "the rules' refusal was offered as a plain confirmation"
    portal.fill("#override-reason", "Long-standing customer, the lamp failed early")
    portal.shot("override-offered-to-a-lead")
    portal.click_and_wait_reload(portal.clickable("#order-action-override"))
    portal.wait_path(rf"/tickets/{ticket}")
    portal.wait(lambda d: any("the lamp failed early" in m.text
                              for m in d.find_elements(By.CSS_SELECTOR, "#conversation .message")), "the override note")
    portal.wait(lambda d: any(e.get("action") == "issue_refund" and "1004" in str(e.get("parameters"))
                              and e.get("result", {}).get("success") == "true" for e in action_log()),
                "the goodwill refund in the action log")
    portal.shot("override-by-a-lead")


def test_a_macro_answers_in_the_customers_language(portal):
    portal.login("admin@example.com")
    portal.open("/admin/macros/new")
    name = unique("Tracking link")
    portal.fill("#macro-name", name)
    portal.fill("#macro-body", "Hello {{customer.first_name}}, here is the news about order {{order.id}}.")
    portal.el("#macro-variants summary").click()
    portal.fill("#macro-es", "Hola {{customer.first_name}}, estas son las novedades de su pedido {{order.id}}.")
    portal.click_and_wait_reload(portal.clickable("#macro-save"))
    portal.wait_path(r"/admin/macros")
    portal.logout()

    portal.login("bob@example.com")
    ticket = portal.new_ticket(unique("Pedido"), "Hola, quiero hablar con una persona sobre mi pedido 2001, por favor")
    portal.logout()

    portal.login("agent@example.com")
    portal.open(f"/tickets/{ticket}")
    Select(portal.el("#macro-select")).select_by_visible_text(name)
    portal.click_and_wait_reload(portal.clickable("#macro-use"))
    text = portal.el("#agent-reply").get_attribute("value")
    assert text == "Hola Bob, estas son las novedades de su pedido 2001.", text
    portal.shot("macro-in-spanish")
    portal.click_and_wait_reload(portal.clickable("#agent-reply-submit"))
    portal.wait(lambda d: any("estas son las novedades" in m.text
                              for m in d.find_elements(By.CSS_SELECTOR, "#conversation .message")), "the Spanish reply")
