// Deflection on the new-ticket page: while the customer types, suggest the three most relevant help articles.
// Works without it too: the form posts normally.
(function () {
  "use strict";
  var list = document.getElementById("suggestions");
  var title = document.getElementById("ticket-title");
  var description = document.getElementById("ticket-description");
  var empty = document.getElementById("suggestions-empty");
  if (!list || !description) { return; }
  var timer = null;
  var lastQuery = "";
  var pending = null;

  function render(items) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;
      link.target = "_blank";
      link.rel = "noopener";
      li.appendChild(link);
      if (item.summary) {
        var summary = document.createElement("p");
        summary.className = "muted";
        summary.textContent = item.summary;
        li.appendChild(summary);
      }
      list.appendChild(li);
    });
    if (empty) { empty.hidden = items.length > 0; }
  }

  function lookup() {
    var query = ((title ? title.value : "") + " " + description.value).trim();
    if (query.length < 3 || query === lastQuery) { return; }
    lastQuery = query;
    if (pending && pending.abort) { pending.abort(); }
    var controller = window.AbortController ? new AbortController() : null;
    pending = controller;
    fetch("/tickets/suggest?q=" + encodeURIComponent(query.slice(0, 2000)), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.ok ? response.json() : [];
    }).then(render).catch(function () { /* a failed suggestion never blocks the form */ });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(lookup, 250);
  }

  description.addEventListener("input", schedule);
  if (title) { title.addEventListener("input", schedule); }
  schedule();
})();
