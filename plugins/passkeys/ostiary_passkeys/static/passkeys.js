/* The passkeys pages' script: run the browser's WebAuthn call with the
   options the server put in the form (data-options, JSON with base64url
   strings for the binary fields) and post its answer in the same form
   (field "credential"), so that the server sees an ordinary form post with
   its CSRF token. Loaded from the plugin's static files: the pages' CSP
   allows scripts from 'self' only.

   data-passkey="create": registration, on pressing the form's button.
   data-passkey="get": sign-in, on pressing the button, and, where the
   browser offers it, at once through its autofill (conditional mediation)
   for any input with autocomplete="... webauthn". */
(function () {
  "use strict";

  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer), binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return { type: d.type, id: toBytes(d.id), transports: d.transports };
    });
  }

  function creationOptions(o) {
    var options = Object.assign({}, o, {
      challenge: toBytes(o.challenge),
      user: Object.assign({}, o.user, { id: toBytes(o.user.id) }),
      excludeCredentials: descriptors(o.excludeCredentials)
    });
    options.extensions = Object.assign({ credProps: true }, o.extensions);
    return options;
  }

  function requestOptions(o) {
    return Object.assign({}, o, { challenge: toBytes(o.challenge), allowCredentials: descriptors(o.allowCredentials) });
  }

  function answer(credential) {
    var r = credential.response, response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      if (r.userHandle) response.userHandle = toText(r.userHandle);
    }
    return JSON.stringify({
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: response,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults()
    });
  }

  function setUp(form) {
    var kind = form.getAttribute("data-passkey");
    var options = JSON.parse(form.getAttribute("data-options"));
    var field = form.querySelector("input[name=credential]");
    var status = document.querySelector("[data-passkey-status]");
    var waiting = null; // the AbortController of a conditional request

    function submit(credential) {
      if (!credential) return;
      field.value = answer(credential);
      form.submit();
    }

    function failed(error) {
      if (error && error.name === "AbortError") return;
      if (status) status.hidden = false;
    }

    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if ((button && button.value === "cancel") || field.value || !window.PublicKeyCredential) return;
      event.preventDefault();
      if (status) status.hidden = true;
      if (waiting) waiting.abort();
      var call = kind === "create"
        ? navigator.credentials.create({ publicKey: creationOptions(options) })
        : navigator.credentials.get({ publicKey: requestOptions(options) });
      call.then(submit, failed);
    });

    if (kind === "get" && document.querySelector("input[autocomplete~=webauthn]") && window.PublicKeyCredential &&
        PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
        if (!available) return;
        waiting = new AbortController();
        navigator.credentials.get({ publicKey: requestOptions(options), mediation: "conditional", signal: waiting.signal })
          .then(submit, failed);
      });
    }
  }

  /* On the login page (ostiary_login_scripts) this script's own tag carries
     the options and the passkey sign-in URL: a hidden form of its own posts
     the answer there, with the login form's CSRF token and return URL, so
     picking a passkey from the username field's autofill signs in. */
  function loginPageForm(tag) {
    var token = document.querySelector("input[name=csrf_token]");
    if (!token) return;
    var form = document.createElement("form");
    form.method = "post";
    form.action = tag.getAttribute("data-passkey-action");
    form.hidden = true;
    form.setAttribute("data-passkey", "get");
    form.setAttribute("data-options", tag.getAttribute("data-passkey-options"));
    var returnUrl = token.form && token.form.querySelector("input[name=returnUrl]");
    [["csrf_token", token.value], ["returnUrl", returnUrl ? returnUrl.value : ""], ["credential", ""]].forEach(
      function (pair) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = pair[0];
        input.value = pair[1];
        form.appendChild(input);
      });
    document.body.appendChild(form);
  }

  var loginTag = document.querySelector("script[data-passkey-options]");
  if (loginTag) loginPageForm(loginTag);
  Array.prototype.forEach.call(document.querySelectorAll("form[data-passkey]"), setUp);
})();
