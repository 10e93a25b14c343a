// Live view for rsupervisor's pages. Without JavaScript the pages work as
// plain HTML; with it, state changes and log lines arrive as server-sent
// events and the page updates itself without a reload.
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch) return;
  var live = document.getElementById("live");
  var tail = document.getElementById("tailbody");
  var url = "webui/stream";
  if (tail) {
    var m = /[?&]processname=([^&]*)/.exec(location.search);
    if (!m) return;
    url += "?processname=" + m[1];
  }
  var pending = false;
  function reloadTable() {
    if (pending) return;
    pending = true;
    // Re-render from the server (same query, without the one-shot message).
    var q = location.search.replace(/([?&])message=[^&]*&?/, "$1");
    fetch("index.html" + q, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        pending = false;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("statustable");
        var old = document.getElementById("statustable");
        if (fresh && old) old.replaceWith(fresh);
      })
      .catch(function () { pending = false; });
  }
  // Shows a new state in its row at once; the table reload that follows
  // brings the description and the actions up to date.
  var classes = { RUNNING: "statusrunning", FATAL: "statuserror", BACKOFF: "statuserror" };
  function showState(change) {
    var rows = document.querySelectorAll("#statustable tr[data-name]");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-name") !== change.name) continue;
      var span = rows[i].querySelector("td.status span");
      if (span) {
        span.textContent = change.state.toLowerCase();
        span.className = classes[change.state] || "statusnominal";
      }
    }
  }
  var es = null;
  function connect() {
    es = new EventSource(url);
    es.onopen = function () { if (live) live.className = "live-on"; };
    es.onerror = function () { if (live) live.className = "live-off"; };
    es.addEventListener("state", function (ev) {
      if (tail) return;
      showState(JSON.parse(ev.data));
      reloadTable();
    });
    es.addEventListener("resync", function () { if (!tail) reloadTable(); });
    es.addEventListener("output", function (ev) {
      if (!tail) return;
      var atBottom = tail.scrollTop + tail.clientHeight >= tail.scrollHeight - 4;
      tail.appendChild(document.createTextNode(JSON.parse(ev.data)));
      if (atBottom) tail.scrollTop = tail.scrollHeight;
    });
  }
  // A page kept in the back/forward cache would otherwise hold its stream
  // open, and browsers allow only ~6 connections per host.
  window.addEventListener("pagehide", function () { if (es) { es.close(); es = null; } });
  window.addEventListener("pageshow", function (ev) { if (ev.persisted && !es) { connect(); reloadTable(); } });
  connect();
})();
