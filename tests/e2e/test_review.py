"""Conversation review in a real browser: a conversation through the API shows up in the list, its filter narrows the
list, the transcript shows the trace, a lead marks a turn wrong, and the reviewed conversations download in the
conversation-test format."""
import json
import urllib.request

from conftest import BASE_URL
from test_portal import unique


def resolve(text, user=1):
    request = urllib.request.Request(BASE_URL + "/support/resolve", data=json.dumps({"user_input": text, "user_id": user}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_review_lists_shows_marks_and_exports(portal):
    # A message that names no order: the agent asks back. A unique word finds it again in the transcript.
    marker = unique("Zephyrine").split()[-1]
    answer = resolve(f"I want a refund please {marker}")
    assert answer["needs_clarification"] is True
    conversation = answer["conversation_id"]

    portal.login("lead@example.com")
    portal.clickable("#nav-review").click()
    portal.wait_path(r"/agent/review")
    assert portal.el("#review-table"), "the review list shows no conversation"
    portal.shot("review-list")

    # Filter: asked back, API.
    portal.open("/agent/review?asked=yes&channel=api")
    links = [a.get_attribute("href") for a in portal.els("#review-table a")]
    target = next((href for href in links if conversation in href), None)
    assert target, f"the asked-back conversation {conversation} is not in the filtered list"
    portal.driver.get(target)
    portal.wait_text(marker)
    assert "asked" in portal.body_text()
    portal.el("details summary").click()
    assert "understand" in portal.el("ol.trace").text
    portal.shot("review-conversation")

    # Mark the turn wrong: it should have been handed to a person.
    form = portal.el("form.review-form")
    turn = form.get_attribute("action").rsplit("/", 1)[-1]
    portal.driver.execute_script(f"document.getElementById('verdict-{turn}').value = 'wrong';"
                                 f"document.getElementById('intent-{turn}').value = 'escalate';"
                                 f"document.getElementById('action-{turn}').value = 'escalate_case';")
    portal.click_and_wait_reload(portal.clickable(f"#mark-{turn}"))
    portal.wait_text("Verdict saved.")
    assert "wrong: should be escalate, escalate_case" in portal.el(f"#turn-{turn} .turn-review").text

    # The export: the conversation-test format with the verdict as the turn's expectation.
    href = BASE_URL + "/agent/review/export"
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in portal.driver.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(href, headers={"Cookie": cookie}), timeout=20) as response:
        document = json.loads(response.read())
    assert set(document) == {"about", "fixture", "conversations"}
    mine = [c for c in document["conversations"] if conversation in c["note"]]
    assert mine, "the reviewed conversation is not in the export"
    assert mine[0]["turns"][0]["expect"] == {"intent": "escalate", "action": "escalate_case"}
    assert marker in mine[0]["turns"][0]["user"]
