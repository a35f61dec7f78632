// A single-page application as people write them with oauth4webapi: the
// code flow with PKCE as a public client, then userinfo and a refresh, all
// with fetch() from this page's own origin (so every call is cross-origin
// to the provider), and with DPoP when the page says so.
import * as oauth from "/oauth4webapi.js";

const meta = (name) => document.querySelector(`meta[name="${name}"]`).content;
const issuer = new URL(meta("issuer"));
const client = { client_id: meta("client-id") };
const useDPoP = meta("dpop") === "yes";
const redirectUri = location.origin + "/callback";
const clientAuth = oauth.None();
// The test servers speak plain http on loopback.
const insecure = { [oauth.allowInsecureRequests]: true };
const show = (id, text) => (document.getElementById(id).textContent = text);

async function metadata() {
  const response = await oauth.discoveryRequest(issuer, insecure);
  return oauth.processDiscoveryResponse(issuer, response);
}

async function signIn() {
  const as = await metadata();
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  sessionStorage.setItem("flow", JSON.stringify({ verifier, state, nonce }));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set("client_id", client.client_id);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", "openid profile offline_access");
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set("code_challenge_method", "S256");
  url.searchParams.set("state", state);
  url.searchParams.set("nonce", nonce);
  location.assign(url.href);
}

// A DPoP-protected call, retried once when the server asks for its nonce
// (RFC 9449, section 8): oauth4webapi remembers the nonce in the handle.
async function withNonceRetry(call) {
  try {
    return await call();
  } catch (error) {
    if (oauth.isDPoPNonceError(error)) return await call();
    throw error;
  }
}

async function callback() {
  const as = await metadata();
  const flow = JSON.parse(sessionStorage.getItem("flow"));
  const params = oauth.validateAuthResponse(as, client, new URL(location.href), flow.state);
  const DPoP = useDPoP ? oauth.DPoP(client, await oauth.generateKeyPair("ES256")) : undefined;
  const options = { ...insecure, DPoP };
  show("status", "exchanging");
  const tokens = await withNonceRetry(async () => {
    const response = await oauth.authorizationCodeGrantRequest(
      as, client, clientAuth, params, redirectUri, flow.verifier, options);
    return oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: flow.nonce });
  });
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  show("status", "userinfo");
  const userinfo = await withNonceRetry(async () => {
    const response = await oauth.userInfoRequest(as, client, tokens.access_token, options);
    return oauth.processUserInfoResponse(as, client, claims.sub, response);
  });
  show("status", "refreshing");
  const refreshed = await withNonceRetry(async () => {
    const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token, options);
    return oauth.processRefreshTokenResponse(as, client, response);
  });
  const again = await withNonceRetry(async () => {
    const response = await oauth.userInfoRequest(as, client, refreshed.access_token, options);
    return oauth.processUserInfoResponse(as, client, claims.sub, response);
  });
  document.getElementById("result").textContent = JSON.stringify({
    sub: claims.sub,
    token_type: tokens.token_type,
    refreshed_token_type: refreshed.token_type,
    name: userinfo.name,
    name_after_refresh: again.name,
    new_refresh_token: refreshed.refresh_token !== tokens.refresh_token,
    access_token: tokens.access_token,
  });
  show("status", "done");
}

document.getElementById("login").addEventListener("click", () =>
  signIn().catch((error) => show("error", String(error))));
if (location.pathname === "/callback") {
  callback().catch((error) => {
    show("status", "failed");
    show("error", `${error.name}: ${error.message} ${error.code || ""} ${JSON.stringify(error.cause || "")}`);
  });
}
