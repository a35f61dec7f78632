// The signed-out page's receipts: which applications confirmed the sign-out.
//
// Each front-channel frame reports once whether it loaded (its load event)
// or not within FRAME_WAIT ms (a browser blocking third-party content, an
// application that is down). The list of applications is then refreshed
// from the server, which knows the back-channel answers, until every
// application has answered or POLL_FOR ms have passed. Without script the
// list shows what the server knew when the page was made.
(function () {
  "use strict";
  var FRAME_WAIT = 8000, POLL_EVERY = 1000, POLL_FOR = 20000;
  var list = document.getElementById("logout-receipts");
  if (!list) { return; }
  var receipt = list.getAttribute("data-receipt");
  var endpoint = list.getAttribute("data-endpoint");
  var started = Date.now();

  function url(extra) {
    return endpoint + "?id=" + encodeURIComponent(receipt) + (extra || "");
  }

  function show(applications) {
    var settled = true;
    applications.forEach(function (app) {
      var item = list.querySelector('[data-client="' + CSS.escape(app.client_id) + '"] .receipt-state');
      if (item) { item.textContent = app.text; }
      if (app.backchannel === "pending" || app.frontchannel === "pending") { settled = false; }
    });
    return settled;
  }

  function refresh() {
    fetch(url(), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        var settled = body ? show(body.applications) : true;
        if (!settled && Date.now() - started < POLL_FOR) { window.setTimeout(refresh, POLL_EVERY); }
      })
      .catch(function () { /* the list keeps what it showed */ });
  }

  function report(client, result) {
    fetch(url("&client=" + encodeURIComponent(client) + "&frame=" + result), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) { show(body.applications); } })
      .catch(function () {});
  }

  Array.prototype.forEach.call(document.querySelectorAll("iframe.frontchannel-logout[data-client]"), function (frame) {
    var client = frame.getAttribute("data-client"), done = false;
    if (!client) { return; }
    frame.addEventListener("load", function () { if (!done) { done = true; report(client, "loaded"); } });
    window.setTimeout(function () { if (!done) { done = true; report(client, "blocked"); } }, FRAME_WAIT);
  });
  window.setTimeout(refresh, POLL_EVERY);
})();
