// The signed-out page's receipts: which applications confirmed the sign-out.
//
// Each front-channel logout page is an <object> in a sandboxed wrapper
// (signed_out.pt says why), whose frame-receipt.js reports once, as an
// "ostiary-frame" event at the wrapper's iframe, what the browser did:
//   loaded       the object's "load": the browser shows the application's page
//   blocked      the object's "error": the browser could not show it (framing
//                refused by X-Frame-Options or CSP frame-ancestors, an HTTP
//                error, the application unreachable)
// and this script adds
//   unconfirmed  neither within FRAME_WAIT ms, or before the person left
//                the page (a 204 answer, an application that hangs)
// What "loaded" cannot tell: whether the browser sent the application its
// cookies (third-party cookie rules), so whether it found the session.
//
// Loaded in the head without "defer", so that it listens (on the document,
// in the capture phase) before any wrapper can report. The reports go with
// keepalive, so that the automatic return to the application does not
// cancel them. The list of applications is then refreshed from the server,
// which knows the back-channel answers, until every application has
// answered or POLL_FOR ms have passed. Without script the list shows what
// the server knew when the page was made.
(function () {
  "use strict";
  var FRAME_WAIT = 8000, POLL_EVERY = 1000, POLL_FOR = 20000;
  var started = Date.now();
  var reported = {}, queued = [], list = null;

  function frameOf(event) {
    var target = event.target;
    return target && target.classList && target.classList.contains("frontchannel-logout") &&
      target.getAttribute("data-client") ? target : null;
  }

  function url(extra) {
    return list.getAttribute("data-endpoint") + "?id=" + encodeURIComponent(list.getAttribute("data-receipt")) +
      (extra || "");
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

  function send(client, result) {
    fetch(url("&client=" + encodeURIComponent(client) + "&frame=" + result),
          { credentials: "same-origin", keepalive: true })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) { show(body.applications); } })
      .catch(function () {});
  }

  function report(client, result) {
    if (reported[client]) { return; }
    reported[client] = result;
    if (list) { send(client, result); } else { queued.push([client, result]); }
  }

  document.addEventListener("ostiary-frame", function (event) {
    var frame = frameOf(event);
    if (frame && (event.detail === "loaded" || event.detail === "blocked")) {
      report(frame.getAttribute("data-client"), event.detail);
    }
  }, true);

  function unreported() {
    Array.prototype.forEach.call(document.querySelectorAll(".frontchannel-logout[data-client]"), function (frame) {
      var client = frame.getAttribute("data-client");
      if (client) { report(client, "unconfirmed"); }
    });
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

  function ready() {
    list = document.getElementById("logout-receipts");
    if (!list) { return; }
    queued.splice(0).forEach(function (item) { send(item[0], item[1]); });
    window.setTimeout(unreported, FRAME_WAIT);
    window.addEventListener("pagehide", unreported);
    window.setTimeout(refresh, POLL_EVERY);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
