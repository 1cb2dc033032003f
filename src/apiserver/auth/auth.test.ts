import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  authRequest, authenticateRequest, bearerToken, isPublicPath, parseTokenFile, staticTokenAuthenticator,
  tlsPeer, tokenFileAuthenticator, unionAuthenticator, websocketBearerToken,
  type Authenticator, type AuthRequest, type UserInfo,
} from "./index.js";

test("bearerToken parses Authorization like upstream", () => {
  assert.equal(bearerToken({ authorization: "Bearer abc" }), "abc");
  assert.equal(bearerToken({ authorization: "bearer abc" }), "abc");
  assert.equal(bearerToken({ authorization: "BEARER abc" }), "abc");
  assert.equal(bearerToken({ Authorization: "Bearer abc" }), "abc");
  assert.equal(bearerToken({ authorization: "  Bearer abc  " }), "abc");
  assert.equal(bearerToken({ authorization: "Bearer abc extra" }), "abc");
  assert.equal(bearerToken({ authorization: "Bearer  abc" }), null);
  assert.equal(bearerToken({ authorization: "Bearer" }), null);
  assert.equal(bearerToken({ authorization: "Basic dTpw" }), null);
  assert.equal(bearerToken({}), null);
  assert.equal(bearerToken({ authorization: ["Bearer a", "Bearer b"] }), "a");
});

test("websocketBearerToken reads the subprotocol form on websocket upgrades only", () => {
  const proto = `base64url.bearer.authorization.k8s.io.${Buffer.from("s3cr3t").toString("base64url")}`;
  assert.equal(websocketBearerToken({ upgrade: "websocket", "sec-websocket-protocol": `v5.channel.k8s.io, ${proto}` }), "s3cr3t");
  assert.equal(websocketBearerToken({ "sec-websocket-protocol": proto }), null);
  assert.equal(websocketBearerToken({ upgrade: "websocket", "sec-websocket-protocol": "v5.channel.k8s.io" }), null);
});

test("parseTokenFile reads upstream's CSV, quoted groups included", () => {
  const text = [
    'admin-token,admin,1,"system:masters,devs"',
    "plain,bob,2",
    "",
    'quoted,"carol ""c"", jr",3,"a"',
    ",nobody,4",
    "dup,first,5",
    "dup,second,6,g",
    "empty-groups,dave,,",
    'multi,erin,7,"x,\ny"',
    "crlf,frank,8,ops\r\n",
  ].join("\n");
  const entries = parseTokenFile(text, "/etc/tokens.csv");
  const by = new Map(entries.map((e) => [e.token, e.user]));
  assert.deepEqual(by.get("admin-token"), { username: "admin", uid: "1", groups: ["system:masters", "devs"] });
  assert.deepEqual(by.get("plain"), { username: "bob", uid: "2", groups: [] });
  assert.deepEqual(by.get("quoted"), { username: 'carol "c", jr', uid: "3", groups: ["a"] });
  assert.equal(by.has(""), false);
  assert.deepEqual(by.get("dup"), { username: "second", uid: "6", groups: ["g"] });
  assert.deepEqual(by.get("empty-groups"), { username: "dave", groups: [] });
  assert.deepEqual(by.get("multi")?.groups, ["x", "\ny"]);
  assert.deepEqual(by.get("crlf"), { username: "frank", uid: "8", groups: ["ops"] });
});

test("parseTokenFile errors name the file and line but never the token", () => {
  assert.throws(() => parseTokenFile("ok,a,1\nsecret-token,bob\n", "/t.csv"),
    (e: Error) => /token file '\/t\.csv' must have at least 3 columns.*found 2 on line 2/.test(e.message) && !e.message.includes("secret-token"));
  assert.throws(() => parseTokenFile('secret"x,a,1\n', "/t.csv"), (e: Error) => /line 1, column 7: bare "/.test(e.message) && !e.message.includes("secret"));
  assert.throws(() => parseTokenFile('"secret,a,1\n', "/t.csv"), /extraneous or missing "/);
  assert.throws(() => parseTokenFile('"secret"x,a,1\n', "/t.csv"), /extraneous or missing "/);
});

test("tokenFileAuthenticator authenticates bearer tokens and adds system:authenticated", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "timonel-tokens-"));
  try {
    const file = path.join(dir, "tokens.csv");
    writeFileSync(file, 'tok1,alice,u-1,"devs,ops"\ntok2,bob,u-2\n');
    const authn = tokenFileAuthenticator(file);
    assert.deepEqual(await authn.authenticate({ headers: { authorization: "Bearer tok1" } }),
      { username: "alice", uid: "u-1", groups: ["devs", "ops", "system:authenticated"] });
    assert.deepEqual(await authn.authenticate({ headers: { authorization: "Bearer tok2" } }),
      { username: "bob", uid: "u-2", groups: ["system:authenticated"] });
    assert.equal(await authn.authenticate({ headers: { authorization: "Bearer nope" } }), null);
    assert.equal(await authn.authenticate({ headers: {} }), null);
    assert.throws(() => tokenFileAuthenticator(path.join(dir, "missing.csv")), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("isPublicPath opens version and health, nothing else", () => {
  for (const p of ["/version", "/version/", "/version?timeout=32s", "/healthz", "/livez", "/readyz", "/readyz/ping",
    "/healthz/etcd", "/livez/ping?verbose"]) {
    assert.equal(isPublicPath(p), true, p);
  }
  for (const p of ["/", "/api", "/apis", "/openapi/v2", "/versions", "/version/x", "/healthzz", "/readyz/../api/v1/secrets",
    "/readyz/%2e%2e/api", "//readyz", "/metrics"]) {
    assert.equal(isPublicPath(p), false, p);
  }
});

const alice: UserInfo = { username: "alice", groups: ["system:authenticated"] };

test("unionAuthenticator takes the first acceptance, sync or async, and skips failures", async () => {
  const none: Authenticator = { authenticate: () => null };
  const boom: Authenticator = { authenticate: () => { throw new Error("down"); } };
  const asyncBoom: Authenticator = { authenticate: () => Promise.reject(new Error("down")) };
  const yes: Authenticator = { authenticate: () => alice };
  const asyncYes: Authenticator = { authenticate: async () => ({ ...alice, username: "async" }) };
  const req: AuthRequest = { headers: {} };
  assert.equal(unionAuthenticator(none, yes).authenticate(req), alice, "stays synchronous");
  assert.equal(unionAuthenticator(boom, yes).authenticate(req), alice);
  assert.equal(await unionAuthenticator(asyncBoom, none, yes).authenticate(req), alice);
  assert.equal((await unionAuthenticator(none, asyncYes, yes).authenticate(req))?.username, "async");
  assert.equal(await unionAuthenticator(none, asyncBoom).authenticate(req), null);
  assert.equal(unionAuthenticator().authenticate(req), null);
});

test("authenticateRequest: users pass, anonymous only reads public paths, bad credentials get 401", async () => {
  const authn = staticTokenAuthenticator([{ token: "good", user: { username: "alice", groups: [] } }]);
  const ok = await authenticateRequest(authn, { headers: { authorization: "Bearer good" } }, "/api/v1/pods");
  assert.deepEqual(ok, { ok: true, user: alice, anonymous: false });

  const anon = await authenticateRequest(authn, { headers: {} }, "/version");
  assert.deepEqual(anon, { ok: true, user: { username: "system:anonymous", groups: ["system:unauthenticated"] }, anonymous: true });

  for (const [headers, p] of [
    [{}, "/api"],
    [{ authorization: "Bearer bad" }, "/api"],
    [{ authorization: "Bearer bad" }, "/healthz"],
    [{ authorization: "Bearer  bad" }, "/readyz"],
  ] as const) {
    const r = await authenticateRequest(authn, { headers }, p);
    assert.equal(r.ok, false, `${JSON.stringify(headers)} ${p}`);
    if (!r.ok) {
      assert.deepEqual(r.error.toStatus(), {
        kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401,
      });
    }
  }
  // A non-bearer scheme is no credential at all, as upstream ignores it.
  assert.equal((await authenticateRequest(authn, { headers: { authorization: "Basic dTpw" } }, "/livez")).ok, true);
});

test("tlsPeer reads a TLS socket once, and a client without a certificate has none", () => {
  let calls = 0;
  const raw = Buffer.from([1, 2, 3]);
  const withCert = { authorized: true, getPeerCertificate: () => { calls++; return { raw, subject: { CN: "x" } }; } };
  const peer = tlsPeer(withCert);
  assert.equal(peer?.authorized, true);
  assert.equal(peer?.certificate?.raw, raw);
  assert.equal(tlsPeer(withCert), peer);
  assert.equal(calls, 1);
  const noCert = { authorized: false, authorizationError: "UNABLE_TO_GET_ISSUER_CERT", getPeerCertificate: () => ({}) };
  assert.deepEqual(tlsPeer(noCert), { authorized: false, authorizationError: "UNABLE_TO_GET_ISSUER_CERT" });
  assert.equal(tlsPeer({}), undefined);
  assert.equal(tlsPeer(undefined), undefined);
  assert.deepEqual(authRequest({ a: "b" }, {}), { headers: { a: "b" } });
});
