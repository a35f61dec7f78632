// Runs inside the wrapper of one front-channel logout frame (signed_out.pt):
// tells the signed-out page whether the browser could show the
// application's sign-out page in the <object> below it. Chromium fires
// "error" at the object when it cannot (framing refused by X-Frame-Options
// or CSP frame-ancestors, an HTTP error, unreachable) and "load" when it
// does; the wrapper is same-origin with the page, so the result goes to its
// iframe element as an "ostiary-frame" event, which logout-receipts.js hears.
(function () {
  "use strict";
  function tell(result) {
    return function (event) {
      var host = window.frameElement;
      if (!host || !event.target || event.target.tagName !== "OBJECT") { return; }
      host.dispatchEvent(new CustomEvent("ostiary-frame", { detail: result }));
    };
  }
  document.addEventListener("load", tell("loaded"), true);
  document.addEventListener("error", tell("blocked"), true);
})();
