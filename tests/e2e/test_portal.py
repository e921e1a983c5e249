"""Browser end-to-end tests of the customer portal, the agent pages and the admin pages (run by scripts/e2e.sh).

Each test starts its own headless Chromium (no shared cookies). The server's database is fresh for each run of
scripts/e2e.sh, so a test may register erin@example.com once; tests that create tickets use their own titles.
"""
import random
import re
import string

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

NOT_FOUND_TEXT = "We could not find that page."
CSRF_TEXT = "This form has expired or did not come from this site. Please try again."


def token():
    """Eight random letters: never taken for a number, a card or a name by the portal's redaction."""
    return "".join(random.choice(string.ascii_lowercase) for _ in range(8))


def unique(label):
    return f"{label} {token()}"


# a. Registration, e-mail verification, a refund proposed with a citation, confirmed, satisfied, resolved.

def test_register_verify_refund_confirm_resolve(portal, mailbox, action_log):
    portal.open("/register")
    portal.shot("register")
    form = portal.el('form[action="/register"]')
    portal.fill("#reg-name", "Erin Example")
    portal.fill("#reg-email", "erin@example.com")
    portal.fill("#reg-password", "erin-e2e-password")
    portal.fill("#reg-password-confirm", "erin-e2e-password")
    portal.click_and_wait_reload(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    portal.wait_path(r"/profile")
    assert portal.signed_in()
    text = portal.body_text()
    notices = " ".join(n.text for n in portal.els('[role="status"], .alert-success')).lower()
    assert "e-mail" in notices or "email" in notices, f"the profile does not point to the e-mail just sent: {text[:400]}"
    # Erin's existing customer record (her orders) must not be linked before she proves the address is hers.
    assert "Customer ID" not in text, "the account was linked to a customer record before the e-mail was verified"

    message = mailbox.wait_for(to="erin@example.com", subject="Confirm your e-mail address")
    links = re.findall(r"https?://[^\s\"'<>]+/verify-email\?token=[^\s\"'<>]+", message["body"])
    assert links, f"no verification link in the e-mail body: {message['body']!r}"
    link = links[0]
    assert link.startswith(portal.base_url + "/verify-email?token="), f"the link does not use the public URL: {link}"
    portal.open(link)
    portal.wait_path(r"/profile")
    portal.wait_text("linked")
    assert "Customer ID" in portal.body_text(), "the verified profile lists no Customer ID"
    portal.shot("profile-verified")

    ticket = portal.new_ticket("Broken blender", "order 5001 arrived broken, I want a refund")
    proposal = portal.el("#proposal")
    assert "Refund" in proposal.text and "5001" in proposal.text, f"unexpected proposal: {proposal.text!r}"
    assert re.search(r"\d+\.\d{2}", proposal.text), f"the proposal names no amount: {proposal.text!r}"
    citations = portal.els("#conversation .message-bot .citation")
    assert citations and all(c.text.strip() for c in citations), "the bot's reply has no (non-empty) citation"
    assert portal.els("#conversation .message-customer"), "the customer's own message is not in the conversation"
    assert not any(a.get("action") == "issue_refund" and "5001" in str(a.get("parameters")) for a in action_log()), \
        "a refund was issued before confirmation"
    portal.shot("ticket-proposal")

    portal.clickable("#confirm-action").click()
    portal.clickable("#mark-satisfied")
    assert not portal.els("#confirm-action"), "the proposal can still be confirmed after it was confirmed"
    refunds = []

    def refund_logged(_):
        refunds[:] = [a for a in action_log() if a.get("action") == "issue_refund" and "5001" in str(a.get("parameters"))]
        return refunds

    portal.wait(refund_logged, "an issue_refund entry for order 5001 in the action log")
    assert len(refunds) == 1, f"the refund was issued {len(refunds)} times"
    portal.shot("ticket-confirmed")

    portal.clickable("#mark-satisfied").click()
    portal.wait_status("resolved")
    assert portal.path == f"/tickets/{ticket}"
    portal.shot("ticket-resolved")


# b. Escalation to a person: e-mail to the customer, the agent's queue, assignment, reply, resolution.

def test_escalate_agent_replies_and_resolves(portal, mailbox):
    portal.login("alice@example.com")
    title = unique("Need a person")
    ticket = portal.new_ticket(title, "I want to speak to a human about order 1003")
    ticket_path = f"/tickets/{ticket}"
    portal.clickable("#escalate-ticket").click()
    portal.wait_status("escalated")
    portal.shot("ticket-escalated")
    message = mailbox.wait_for(to="alice@example.com", body="a person will reply by")
    assert message["from"], "the escalation e-mail has no sender"
    portal.logout()

    portal.login("agent@example.com")
    portal.clickable("#nav-queue").click()
    portal.wait_path(r"/agent/queue")
    portal.el("#queue-table")
    rows = [row for row in portal.els("#queue-table tr.queue-row")
            if row.find_elements(By.CSS_SELECTOR, f'a.ticket-link[href$="{ticket_path}"]')]
    assert rows, f"ticket {ticket} is not in the agent queue"
    portal.shot("agent-queue")
    portal.click_and_wait_reload(rows[0].find_element(By.CSS_SELECTOR, "a.ticket-link"))
    portal.wait_path(ticket_path)

    portal.click_and_wait_reload(portal.clickable("#assign-to-me"))
    portal.wait_path(ticket_path)
    reply = unique("Hello Alice, I am looking into order 1003 for you.")
    portal.fill("#agent-reply", reply)
    portal.clickable("#agent-reply-submit").click()
    portal.wait(lambda d: any(reply in m.text for m in d.find_elements(By.CSS_SELECTOR, "#conversation .message-agent")),
                "the agent's reply in the conversation")
    portal.shot("agent-ticket")
    portal.clickable("#resolve-ticket").click()
    portal.wait_status("resolved")
    portal.logout()

    portal.login("alice@example.com")
    portal.open(ticket_path)
    portal.wait_status("resolved")
    agent_messages = [m.text for m in portal.els("#conversation .message-agent")]
    assert any(reply in text for text in agent_messages), f"alice does not see the agent's reply: {agent_messages}"
    portal.shot("ticket-resolved-by-agent")


def test_agent_cancels_an_order_from_the_customer_panel(portal, mailbox):
    """The desk: an agent sees the customer's orders on the ticket, previews a cancellation, confirms it, and the
    customer reads the outcome on the ticket and by e-mail."""
    portal.login("dan@example.com")
    title = unique("Please stop my order")
    ticket = portal.new_ticket(title, "I want to speak to a human about my desk order")
    ticket_path = f"/tickets/{ticket}"
    portal.logout()

    portal.login("agent@example.com")
    portal.open(ticket_path)
    panel = portal.el("#customer-panel")
    assert "Dan" in panel.text, panel.text
    buttons = panel.find_elements(By.CSS_SELECTOR, 'button.order-action[data-action="cancel_order"]')
    labels = [b.text for b in buttons]
    assert "Cancel #4002" in labels, f"no cancel button for the processing order 4002: {labels}"
    button = next(b for b in buttons if b.text == "Cancel #4002")
    portal.click_and_wait_reload(button)
    summary = portal.el("#order-action-summary").text
    assert "4002" in summary, summary
    portal.shot("agent-order-action-preview")
    portal.click_and_wait_reload(portal.clickable("#order-action-confirm"))
    portal.wait_path(ticket_path)
    portal.wait(lambda d: any("4002" in m.text and "cancel" in m.text.lower()
                              for m in d.find_elements(By.CSS_SELECTOR, "#conversation .message-agent")),
                "the agent's cancellation in the conversation")
    cancel_buttons = [b.text for b in portal.els('#customer-panel button.order-action[data-action="cancel_order"]')]
    assert "Cancel #4002" not in cancel_buttons, f"4002 is still offered for cancelling: {cancel_buttons}"
    portal.shot("agent-order-action-done")
    mailbox.wait_for(to="dan@example.com", body="4002")
    portal.logout()


def test_password_reset_by_email(portal, mailbox):
    """Forgot password: a link by e-mail, a new password, and the old one stops working."""
    email = f"reset-{token()}@example.com"
    portal.open("/register")
    form = portal.el('form[action="/register"]')
    portal.fill("#reg-name", "Robin Reset")
    portal.fill("#reg-email", email)
    portal.fill("#reg-password", "the-first-password")
    portal.fill("#reg-password-confirm", "the-first-password")
    portal.click_and_wait_reload(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    portal.wait_path(r"/profile")
    portal.logout()

    portal.open("/login")
    portal.click_and_wait_reload(portal.clickable('a[href="/forgot-password"]'))
    portal.fill("#forgot-email", email)
    portal.click_and_wait_reload(portal.clickable("#forgot-submit"))
    assert "If an account uses" in portal.body_text()
    message = mailbox.wait_for(to=email, subject="Reset your SupportOps password")
    links = re.findall(r"https?://[^\s\"'<>]+/reset-password\?token=[0-9a-f]{64}", message["body"])
    assert links, f"no reset link in the e-mail: {message['body']!r}"
    portal.open(links[0])
    portal.fill("#reset-password", "the-second-password")
    portal.fill("#reset-password-confirm", "the-second-password")
    portal.shot("password-reset")
    portal.click_and_wait_reload(portal.clickable("#reset-submit"))
    portal.wait_path(r"/login")
    assert "Your password is changed" in portal.body_text()
    portal.login(email, password="the-second-password")
    portal.logout()


# c. Help center search with highlighted snippets, and an article page.

def test_knowledge_base_search_and_article(portal):
    portal.open("/")
    portal.shot("home")
    portal.open("/kb")
    form = portal.el('form[action="/kb"]')
    field = form.find_element(By.CSS_SELECTOR, 'input[name="q"]')
    field.clear()
    field.send_keys("refund")
    portal.click_and_wait_reload(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    portal.wait(lambda d: "q=refund" in d.current_url, "the search URL")
    links = portal.wait(lambda d: d.find_elements(By.CSS_SELECTOR, 'main a[href^="/kb/articles/"]'), "search results")
    marks = portal.els("main mark")
    assert marks, "no highlighted <mark> in the search snippets"
    assert any(m.text.lower().startswith("refund") for m in marks), f"the highlights are not the query: {[m.text for m in marks]}"
    portal.shot("kb-search")

    title = links[0].text.strip()
    assert title, "the first result has no title"
    portal.click_and_wait_reload(links[0])
    portal.wait_path(r"/kb/articles/\d+")
    heading = portal.el("h1").text
    assert heading == title, f"the article page's heading {heading!r} is not the result's title {title!r}"
    assert len(portal.body_text()) > len(title) + 100, "the article page has no body"
    portal.shot("kb-article")


# d. A customer cannot see another customer's ticket: 404, and nothing of the ticket shows.

def test_other_customers_ticket_is_not_found(portal):
    portal.login("alice@example.com")
    # No names, addresses or long numbers in the test data: the portal redacts those before storing a ticket.
    secret = "zebra" + token()
    title = f"Private parcel question {secret}"
    ticket = portal.new_ticket(title, f"Where is my order 1003? Note {secret}-detail for the courier")
    portal.logout()

    portal.login("bob@example.com")
    portal.open(f"/tickets/{ticket}")
    portal.wait_text(NOT_FOUND_TEXT)
    source = portal.driver.page_source
    assert secret not in source, "bob's 404 page shows alice's ticket title or message"
    assert not portal.els("#ticket-status"), "bob's page has a ticket status"


def test_missing_article_shows_not_found_page(portal):
    portal.open("/kb/articles/999999")
    portal.wait_text(NOT_FOUND_TEXT)
    assert "404" in portal.body_text()
    assert portal.els('a[href="/kb"]'), "the 404 page offers no way back to the help center"
    portal.shot("not-found")


# e. A form posted without the CSRF token is refused (403), and does nothing.

def remove_csrf(portal, form_css):
    removed = portal.driver.execute_script(
        "const inputs = document.querySelectorAll(arguments[0] + ' input[name=csrf]');"
        "inputs.forEach(e => e.remove()); return inputs.length;", form_css)
    assert removed == 1, f"{form_css} had {removed} csrf inputs"


def test_form_without_csrf_token_is_refused(portal):
    # Anonymous: the login form.
    portal.open("/login")
    form = portal.el('form[action="/login"]')
    remove_csrf(portal, 'form[action="/login"]')
    portal.fill("#login-email", "alice@example.com")
    portal.fill("#login-password", "supportops-demo")
    portal.click_and_wait_reload(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    portal.wait_text(CSRF_TEXT)
    assert "403" in portal.body_text()
    assert not portal.signed_in(), "signed in although the form had no CSRF token"
    portal.shot("csrf-refused")

    # Signed in: the profile's name form must not change the name.
    portal.login("alice@example.com")
    portal.open("/profile")
    name = portal.el("#profile-name").get_attribute("value")
    remove_csrf(portal, 'form[action="/profile"]')
    portal.fill("#profile-name", "Changed Without Token")
    portal.click_and_wait_reload(portal.el('form[action="/profile"] button[type=submit]'))
    portal.wait_text(CSRF_TEXT)
    portal.open("/profile")
    assert portal.el("#profile-name").get_attribute("value") == name, "the name changed although the form had no CSRF token"
    portal.shot("profile")


# f. Deflection: the new-ticket page suggests help articles while the customer types.

def test_new_ticket_suggests_articles_while_typing(portal):
    portal.login("alice@example.com")
    portal.clickable("#nav-new-ticket").click()
    portal.wait_path(r"/tickets/new")
    assert not portal.els("#suggestions li a"), "suggestions shown before anything was typed"
    portal.el("#ticket-description").send_keys("how long does a refund take to reach my card")
    links = portal.wait(lambda d: [a for a in d.find_elements(By.CSS_SELECTOR, "#suggestions li a") if a.is_displayed()],
                        "at least one suggested article in #suggestions")
    assert all(a.text.strip() and a.get_attribute("href") for a in links), "a suggestion has no title or link"
    portal.shot("ticket-new-suggestions")


# g. Admin pages, the article editor's preview, and the agent playground's trace.

def test_admin_pages_and_agent_playground(portal):
    portal.login("admin@example.com")
    assert portal.els("#nav-admin"), "the admin has no Admin link in the header"
    portal.open("/admin/users")
    table = portal.el("#users-table")
    for email in ("alice@example.com", "agent@example.com", "admin@example.com"):
        assert email in table.text, f"{email} is not in the users table"
    portal.shot("admin-users")

    portal.open("/admin/articles")
    table = portal.el("#articles-table")
    edit_links = [a for a in table.find_elements(By.CSS_SELECTOR, "a[href]")
                  if re.search(r"/admin/articles/\d+/edit$", a.get_attribute("href") or "")]
    assert edit_links, "the articles table links to no edit page"
    portal.shot("admin-articles")
    portal.click_and_wait_reload(edit_links[0])
    portal.wait_path(r"/admin/articles/\d+/edit")
    body = portal.el("#article-body")
    marker = unique("E2E preview marker")
    body.send_keys(Keys.CONTROL, Keys.END)
    body.send_keys("\n\n" + marker + "\n")
    portal.click_and_wait_reload(portal.clickable("#preview-article"))
    portal.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#article-preview") or CSRF_TEXT in portal.body_text()
                or d.find_elements(By.CSS_SELECTOR, ".alert-error"), "#article-preview or an error")
    assert CSRF_TEXT not in portal.body_text(), "the article preview (a form with its CSRF token) was refused as a CSRF failure"
    preview = portal.el("#article-preview").text
    assert marker in preview, f"the preview does not show the edited body: {preview[-300:]!r}"
    assert portal.els("#save-article"), "the editor has no Save button"
    portal.shot("admin-article-edit")
    portal.logout()

    portal.login("agent@example.com")
    assert not portal.els("#nav-admin"), "an agent sees the Admin link"
    portal.clickable("#nav-playground").click()
    portal.wait_path(r"/agent/playground")
    select = Select(portal.el("#playground-customer"))
    options = [o for o in select.options if (o.get_attribute("value") or "").strip()]
    assert options, "the playground offers no customer"
    alice = [o for o in options if "alice" in o.text.lower()]
    select.select_by_value((alice or options)[0].get_attribute("value"))
    portal.fill("#playground-message", "Where is my order 1003?")
    portal.clickable("#playground-submit").click()
    steps = portal.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#trace li.trace-step"), "trace steps in #trace")
    assert all(step.text.strip() for step in steps), "a trace step is empty"
    portal.shot("agent-playground")
