import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseReference } from "../reference.js";
import {
  dockerConfigFromSecret, fetchBearerToken, keyringFromDockerConfigs, parseWWWAuthenticate,
} from "./auth.js";

describe("WWW-Authenticate", () => {
  it("parses docker hub's bearer challenge", () => {
    const c = parseWWWAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"');
    assert.deepEqual(c, [{
      scheme: "bearer",
      params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/nginx:pull" },
    }]);
  });

  it("parses several challenges, escapes and unquoted values", () => {
    const c = parseWWWAuthenticate('Basic realm="a \\"quoted\\" realm", Bearer realm=https://t/x, error="insufficient_scope",scope="repository:a:pull,push"');
    assert.equal(c.length, 2);
    assert.deepEqual(c[0], { scheme: "basic", params: { realm: 'a "quoted" realm' } });
    assert.deepEqual(c[1], { scheme: "bearer", params: { realm: "https://t/x", error: "insufficient_scope", scope: "repository:a:pull,push" } });
  });
});

describe("docker config keyring", () => {
  const auth = (u: string, p: string): string => Buffer.from(`${u}:${p}`).toString("base64");

  it("matches hosts, ports, globs and path prefixes, most specific first", () => {
    const k = keyringFromDockerConfigs([
      { auths: { "https://index.docker.io/v1/": { auth: auth("hub", "h") } } },
      JSON.stringify({ auths: { "registry.example.com": { username: "all", password: "a" } } }),
      { auths: { "registry.example.com/team": { username: "team", password: "t" } } },
      { auths: { "*.example.org": { username: "glob", password: "g" } } },
      { auths: { "localhost:5000": { username: "local", password: "l" } } },
    ]);
    assert.deepEqual(k.lookup(parseReference("nginx")).map((c) => c.username), ["hub"]);
    assert.deepEqual(k.lookup(parseReference("registry.example.com/team/app")).map((c) => c.username), ["team", "all"]);
    assert.deepEqual(k.lookup(parseReference("registry.example.com/other/app")).map((c) => c.username), ["all"]);
    assert.deepEqual(k.lookup(parseReference("registry.example.com/teamx/app")).map((c) => c.username), ["all"]);
    assert.deepEqual(k.lookup(parseReference("r.example.org/x")).map((c) => c.username), ["glob"]);
    assert.deepEqual(k.lookup(parseReference("a.r.example.org/x")), []);
    assert.deepEqual(k.lookup(parseReference("localhost:5000/x")).map((c) => c.password), ["l"]);
    assert.deepEqual(k.lookup(parseReference("localhost:5001/x")), []);
  });

  it("reads legacy .dockercfg and identity tokens, and Secrets", () => {
    const k = keyringFromDockerConfigs([{ "quay.io": { auth: auth("q", "pw:with:colons") } }, { auths: { "ghcr.io": { identitytoken: "refresh" } } }]);
    assert.deepEqual(k.lookup(parseReference("quay.io/a/b")), [{ username: "q", password: "pw:with:colons" }]);
    assert.deepEqual(k.lookup(parseReference("ghcr.io/a/b")), [{ identityToken: "refresh" }]);
    const secret = {
      type: "kubernetes.io/dockerconfigjson",
      data: { ".dockerconfigjson": Buffer.from(JSON.stringify({ auths: { "x.io": { auth: auth("u", "p") } } })).toString("base64") },
    };
    const cfg = dockerConfigFromSecret(secret);
    assert.ok(cfg);
    assert.deepEqual(keyringFromDockerConfigs([cfg]).lookup(parseReference("x.io/y")), [{ username: "u", password: "p" }]);
    assert.equal(dockerConfigFromSecret({ type: "Opaque", data: {} }), undefined);
  });
});

describe("token requests", () => {
  it("sends service, scopes and basic credentials; reads token or access_token", async () => {
    const seen: Array<{ url: string; auth: string | null }> = [];
    const fake = (async (input: string | URL | Request, init?: RequestInit) => {
      seen.push({ url: String(input), auth: new Headers(init?.headers).get("authorization") });
      return new Response(JSON.stringify({ access_token: "tok", expires_in: 300 }), { status: 200 });
    }) as typeof fetch;
    const tok = await fetchBearerToken(fake, { scheme: "bearer", params: { realm: "http://127.0.0.1:1/token", service: "svc" } },
      ["repository:a/b:pull"], { username: "u", password: "p" });
    assert.equal(tok.token, "tok");
    assert.ok(tok.expiresAt > Date.now() + 200_000);
    const u = new URL(seen[0]!.url);
    assert.equal(u.searchParams.get("service"), "svc");
    assert.equal(u.searchParams.get("scope"), "repository:a/b:pull");
    assert.equal(u.searchParams.get("account"), "u");
    assert.equal(seen[0]!.auth, "Basic " + Buffer.from("u:p").toString("base64"));
  });

  it("fails with the status of a refused token request", async () => {
    const fake = (async () => new Response("no", { status: 401 })) as unknown as typeof fetch;
    await assert.rejects(fetchBearerToken(fake, { scheme: "bearer", params: { realm: "http://127.0.0.1:1/t" } }, [], undefined), (e: Error & { status?: number }) => e.status === 401);
  });
});
