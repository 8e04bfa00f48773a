// A standards-conformant OpenID provider (the npm package oidc-provider) for the e2e tests of
// the workbench's sign-in: authorization code with PKCE, ES256 ID tokens carrying the API's
// claims (role, unit_id), its development login pages standing in for a unit's identity
// platform. Test use only: a key made at each start, any password accepted.
//
//   node infra/local/openid_provider.mjs <port> <redirect_uri> '<{"login": {"role": ..., "unit_id": ...}}>'
import { generateKeyPairSync } from "node:crypto";
import Provider from "oidc-provider";

const [port, redirectUri, accountsJson] = process.argv.slice(2);
const accounts = JSON.parse(accountsJson);
const signingKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: "workbench",
      token_endpoint_auth_method: "none", // a public client: the page proves itself with PKCE
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      id_token_signed_response_alg: "ES256",
    },
  ],
  jwks: { keys: [{ ...signingKey, kid: "test-es256", alg: "ES256", use: "sig" }] },
  claims: { openid: ["sub", "role", "unit_id"] },
  conformIdTokenClaims: false, // the API reads role and unit_id from the ID token
  findAccount: (_ctx, id) =>
    accounts[id] ? { accountId: id, claims: () => ({ sub: id, ...accounts[id] }) } : undefined,
  features: { devInteractions: { enabled: true } },
  clientBasedCORS: () => true, // the page exchanges its code from the stage's origin
  pkce: { required: () => true },
  cookies: { keys: ["e2e-only-cookie-key"] },
});
provider.listen(Number(port), "127.0.0.1", () => console.log(`ready ${provider.issuer}`));
