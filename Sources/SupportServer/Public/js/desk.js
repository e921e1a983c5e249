// The support team's live desk. Everything works without it: the pages are complete when served.
// 1. The queue badge: a server-sent event stream (/agent/events) carries the queue's numbers whenever they change; the
//    badge shows the unassigned count, and the queue page offers a reload when its content changed.
// 2. On a ticket: a heartbeat says whether this agent only has the ticket open or is writing a reply, and shows who
//    else of the team is on it ("Sam Agent is writing a reply.").
(function () {
  "use strict";

  var link = document.getElementById("nav-queue");
  var badge = document.getElementById("queue-count");
  if (link && badge && window.EventSource) {
    var source = new EventSource(link.getAttribute("data-live-events"));
    var first = null;
    source.addEventListener("queue", function (event) {
      var queue;
      try { queue = JSON.parse(event.data); } catch (e) { return; }
      badge.textContent = String(queue.unassigned);
      badge.hidden = queue.unassigned === 0;
      badge.setAttribute("aria-label", queue.unassigned + " unassigned in the queue");
      var key = queue.queued + "/" + queue.unassigned + "/" + queue.newest;
      if (first === null) { first = key; return; }
      var notice = document.getElementById("queue-live");
      if (notice && key !== first) { notice.hidden = false; }
    });
  }

  var presence = document.getElementById("presence");
  var reply = document.getElementById("agent-reply");
  if (!presence || !window.fetch) { return; }
  var url = presence.getAttribute("data-presence-url");
  var csrf = presence.getAttribute("data-csrf");
  var typingUntil = 0;

  function render(others) {
    while (presence.firstChild) { presence.removeChild(presence.firstChild); }
    others.forEach(function (person) {
      var span = document.createElement("span");
      span.className = "presence-person";
      span.textContent = person.name + (person.state === "replying" ? " is writing a reply. " : " has this ticket open. ");
      presence.appendChild(span);
    });
    presence.hidden = others.length === 0;
  }

  function beat() {
    var state = Date.now() < typingUntil ? "replying" : "viewing";
    var body = "csrf=" + encodeURIComponent(csrf) + "&state=" + state;
    fetch(url, { method: "POST", credentials: "same-origin", body: body,
                 headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer) { render(answer.others); } })
      .catch(function () {});
  }

  if (reply) {
    reply.addEventListener("input", function () {
      var wasTyping = Date.now() < typingUntil;
      typingUntil = Date.now() + 20000;
      if (!wasTyping) { beat(); }
    });
  }
  setInterval(beat, 15000);
})();
