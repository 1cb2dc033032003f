import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  familiarString, formatReference, InvalidReferenceError, isLoopbackRegistry, normalizeReference,
  parseReference, registryBaseURL,
} from "./reference.js";

const D = "sha256:" + "a".repeat(64);

describe("image references", () => {
  it("normalises as docker does", () => {
    const cases: Array<[string, string]> = [
      ["nginx", "docker.io/library/nginx:latest"],
      ["nginx:1.27", "docker.io/library/nginx:1.27"],
      ["library/nginx", "docker.io/library/nginx:latest"],
      ["docker.io/nginx", "docker.io/library/nginx:latest"],
      ["index.docker.io/library/nginx:1", "docker.io/library/nginx:1"],
      ["bitnami/redis:7", "docker.io/bitnami/redis:7"],
      ["localhost/x", "localhost/x:latest"],
      ["localhost:5000/x/y:tag", "localhost:5000/x/y:tag"],
      ["127.0.0.1:5000/busybox", "127.0.0.1:5000/busybox:latest"],
      ["quay.io/coreos/etcd:v3.5", "quay.io/coreos/etcd:v3.5"],
      ["registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"],
      [`nginx@${D}`, `docker.io/library/nginx@${D}`],
      [`nginx:1.27@${D}`, `docker.io/library/nginx:1.27@${D}`],
      [`localhost:5000/a@${D}`, `localhost:5000/a@${D}`],
      ["[::1]:5000/img:v1", "[::1]:5000/img:v1"],
      ["a.b-c/d__e/f--g.h:i_j.k-l", "a.b-c/d__e/f--g.h:i_j.k-l"],
      ["a_b/c", "docker.io/a_b/c:latest"],
      ["Registry/x", "Registry/x:latest"], // an upper-case first component is a domain
    ];
    for (const [input, want] of cases) assert.equal(normalizeReference(input), want, input);
  });

  it("splits into parts", () => {
    assert.deepEqual(parseReference("localhost:5000/x/y:tag"), { domain: "localhost:5000", path: "x/y", tag: "tag" });
    assert.deepEqual(parseReference(`busybox@${D}`), { domain: "docker.io", path: "library/busybox", digest: D });
    assert.deepEqual(parseReference("busybox", { defaultTag: false }), { domain: "docker.io", path: "library/busybox" });
  });

  it("prints familiar names", () => {
    assert.equal(familiarString(parseReference("docker.io/library/nginx:latest")), "nginx:latest");
    assert.equal(familiarString(parseReference("bitnami/redis")), "bitnami/redis:latest");
    assert.equal(familiarString(parseReference("localhost:5000/x")), "localhost:5000/x:latest");
    assert.equal(formatReference(parseReference("x")), "docker.io/library/x:latest");
  });

  it("rejects invalid references with docker's messages", () => {
    const bad = ["", "Nginx", "nginx:", ":tag", "nginx:tag with space", "UPPER/case/Path", "a//b", "-a/b", "nginx@sha256:abc",
      `nginx@sha256:${"A".repeat(64)}`, "nginx:" + "t".repeat(129), "x/" + "a".repeat(260), "a/b/"];
    for (const b of bad) assert.throws(() => parseReference(b), InvalidReferenceError, JSON.stringify(b));
    assert.throws(() => parseReference("docker.io/Library/nginx"), /repository name \(Library\/nginx\) must be lowercase/);
    assert.throws(() => parseReference("a".repeat(64).replace(/a/g, "b")), /cannot specify 64-byte hexadecimal strings/);
  });

  it("knows loopback registries and registry endpoints", () => {
    assert.equal(isLoopbackRegistry("localhost:5000"), true);
    assert.equal(isLoopbackRegistry("127.0.0.1:5000"), true);
    assert.equal(isLoopbackRegistry("127.10.0.3"), true);
    assert.equal(isLoopbackRegistry("[::1]:5000"), true);
    assert.equal(isLoopbackRegistry("registry.example.com:5000"), false);
    assert.equal(isLoopbackRegistry("10.0.0.1:5000"), false);
    assert.equal(registryBaseURL("docker.io"), "https://registry-1.docker.io");
    assert.equal(registryBaseURL("127.0.0.1:5000"), "http://127.0.0.1:5000");
    assert.equal(registryBaseURL("quay.io"), "https://quay.io");
  });
});
