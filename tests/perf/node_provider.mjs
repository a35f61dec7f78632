// node oidc-provider 9 as the reference for tests/perf/versus_node.py.
//
//   node tests/perf/node_provider.mjs PORT MODULES_DIR
//
// One process, the same client as etc/demo.toml (demo-rp / demo-secret), RS256
// signing, and client_credentials access tokens as RS256 JWTs (resource
// indicator urn:ostiary:bench:api, chosen by default for that grant, so both
// servers get the same request body). Sign-in is the library's own development
// interaction (any login and password, no password hash), then its consent
// page; a new browser means a new session and so consent again, like
// Ostiary's prompt=consent.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [port, modules] = process.argv.slice(2);
const { default: Provider } = await import(
  pathToFileURL(path.join(modules, "oidc-provider", "lib", "index.js")).href
);

const API = "urn:ostiary:bench:api";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: "jwk" }), kid: "bench", alg: "RS256", use: "sig" };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: "demo-rp",
      client_secret: "demo-secret",
      grant_types: ["authorization_code", "client_credentials", "refresh_token"],
      redirect_uris: ["http://127.0.0.1:9999/cb"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: "RS256",
    },
  ],
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString("hex")] },
  scopes: ["openid", "profile", "email", "offline_access", "api"],
  claims: { openid: ["sub"], profile: ["name"], email: ["email", "email_verified"] },
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, name: sub, email: `${sub}@example.org`, email_verified: true }),
  }),
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (ctx) =>
        ctx.oidc.params && ctx.oidc.params.grant_type === "client_credentials" ? API : undefined,
      getResourceServerInfo: async () => ({
        scope: "api",
        audience: API,
        accessTokenFormat: "jwt",
        jwt: { sign: { alg: "RS256" } },
      }),
    },
  },
});
provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`oidc-provider listening on http://127.0.0.1:${port}`);
});
