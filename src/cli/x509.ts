/**
 * Issues X.509 v3 certificates with node:crypto alone: a small DER writer for the
 * TBSCertificate, signed with `crypto.sign`.
 *
 * Why not a library: @peculiar/x509 (with reflect-metadata and its ASN.1 schema stack) takes
 * about 130 ms to import, which is most of the first start's budget (ready ≤ 300 ms), and a
 * cluster only ever issues a handful of certificates of one fixed shape. Parsing and checking
 * stay with node's X509Certificate; the small DER reader here only extracts the two things a
 * leaf needs from its CA: the subject Name bytes and the subject key identifier.
 *
 * Keys: ECDSA (P-256, P-384) and RSA (PKCS#1 v1.5 with SHA-256) CA keys; leaf keys are P-256.
 */
import { X509Certificate, createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import net from "node:net";

// ---------------------------------------------------------------------------------------
// DER writing

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, "utf8"));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 | n, content);
const TRUE = tlv(0x01, Buffer.from([0xff]));
const NULL = Buffer.from([0x05, 0x00]);

function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const out = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const groups: number[] = [];
    let v = p;
    do {
      groups.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < groups.length - 1; i++) groups[i]! |= 0x80;
    out.push(...groups);
  }
  return tlv(0x06, Buffer.from(out));
}

/** A non-negative INTEGER from big-endian magnitude bytes (minimal, with a sign byte when needed). */
function uint(magnitude: Buffer): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  let b = magnitude.subarray(i);
  if ((b[0] ?? 0) & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function bitString(bytes: Buffer, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/** UTCTime through 2049, GeneralizedTime after, as RFC 5280 requires; whole seconds, UTC. */
function time(d: Date): Buffer {
  const iso = d.toISOString();
  const digits = iso.slice(0, 19).replace(/[-:T]/g, "") + "Z";
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), "ascii")) : tlv(0x18, Buffer.from(digits, "ascii"));
}

const OID = {
  commonName: "2.5.4.3",
  organization: "2.5.4.10",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectKeyId: "2.5.29.14",
  authorityKeyId: "2.5.29.35",
  subjectAltName: "2.5.29.17",
  ecdsaSha256: "1.2.840.10045.4.3.2",
  ecdsaSha384: "1.2.840.10045.4.3.3",
  rsaSha256: "1.2.840.113549.1.1.11",
} as const;

/** KeyUsage bits (bit 0 is the most significant bit of the first byte). */
export const KeyUsage = {
  digitalSignature: 0,
  keyEncipherment: 2,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

function keyUsageBits(bits: number[]): Buffer {
  let v = 0;
  for (const b of bits) v |= 0x80 >> b;
  let unused = 0;
  while (unused < 7 && !(v & (1 << unused))) unused++;
  return bitString(Buffer.from([v]), unused);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), TRUE, octets(value)) : seq(oid(id), octets(value));
}

export interface DistinguishedName {
  commonName: string;
  organizations?: string[];
}

/** O first, then CN, one attribute per RDN (the order kubeadm's and Go's certificates use). */
function encodeName(n: DistinguishedName): Buffer {
  const rdns = (n.organizations ?? []).map((o) => set(seq(oid(OID.organization), utf8(o))));
  rdns.push(set(seq(oid(OID.commonName), utf8(n.commonName))));
  return seq(...rdns);
}

// ---------------------------------------------------------------------------------------
// DER reading (just enough to take a CA certificate apart)

interface Node {
  tag: number;
  /** The whole element, header included. */
  raw: Buffer;
  content: Buffer;
}

function readNode(buf: Buffer, at: number): Node {
  const tag = buf[at]!;
  let len = buf[at + 1]!;
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i]!;
    head += n;
  }
  if (at + head + len > buf.length) throw new Error("truncated DER");
  return { tag, raw: buf.subarray(at, at + head + len), content: buf.subarray(at + head, at + head + len) };
}

function children(n: Node): Node[] {
  const out: Node[] = [];
  for (let at = 0; at < n.content.length; ) {
    const c = readNode(n.content, at);
    out.push(c);
    at += c.raw.length;
  }
  return out;
}

export interface CaInfo {
  /** The CA's subject Name, byte for byte: its leaves' issuer. */
  subjectDer: Buffer;
  /** The CA's subject key identifier (its extension, or the SHA-1 of its public key). */
  keyId: Buffer;
  notAfter: Date;
}

/** Reads what issuing under `caPem` needs from it. */
export function caInfo(caPem: string): CaInfo {
  const cert = new X509Certificate(caPem);
  const tbs = children(children(readNode(cert.raw, 0))[0]!);
  // [0] version is present in every v3 certificate; then serial, signature, issuer, validity, subject, spki.
  const base = tbs[0]!.tag === 0xa0 ? 1 : 0;
  const subject = tbs[base + 4]!;
  const spki = tbs[base + 5]!;
  let keyId: Buffer | undefined;
  const exts = tbs.find((n) => n.tag === 0xa3);
  if (exts) {
    for (const ext of children(children(exts)[0]!)) {
      const parts = children(ext);
      if (parts[0]!.raw.equals(oid(OID.subjectKeyId))) {
        keyId = Buffer.from(readNode(parts[parts.length - 1]!.content, 0).content);
      }
    }
  }
  keyId ??= subjectKeyId(spki.raw);
  return { subjectDer: Buffer.from(subject.raw), keyId, notAfter: new Date(cert.validTo) };
}

/** RFC 5280's method 1: SHA-1 of the subjectPublicKey BIT STRING's bits. */
function subjectKeyId(spkiDer: Buffer): Buffer {
  const bits = children(readNode(spkiDer, 0))[1]!;
  return createHash("sha1").update(bits.content.subarray(1)).digest();
}

// ---------------------------------------------------------------------------------------
// Issuing

export interface CertificateSpec {
  subject: DistinguishedName;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** Serial magnitude (positive); 16 random bytes are typical. */
  serial: Buffer;
  isCA?: boolean;
  keyUsage: number[];
  extKeyUsage?: string[];
  dnsNames?: string[];
  ips?: string[];
}

export interface Issuer {
  key: KeyObject;
  /** Absent for a self-signed certificate (the subject is the issuer, the key its own). */
  ca?: CaInfo;
}

function signatureAlgorithm(key: KeyObject): { algId: Buffer; hash: string } {
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === "prime256v1") return { algId: seq(oid(OID.ecdsaSha256)), hash: "sha256" };
    if (curve === "secp384r1") return { algId: seq(oid(OID.ecdsaSha384)), hash: "sha384" };
    throw new Error(`unsupported CA key curve ${curve ?? "(unknown)"}; use P-256 or P-384`);
  }
  if (key.asymmetricKeyType === "rsa") return { algId: seq(oid(OID.rsaSha256), NULL), hash: "sha256" };
  throw new Error(`unsupported CA key type ${key.asymmetricKeyType ?? "(unknown)"}`);
}

function generalNames(dnsNames: string[], ips: string[]): Buffer {
  const names = dnsNames.map((d) => tlv(0x82, Buffer.from(d, "ascii")));
  for (const ip of ips) {
    const v = net.isIP(ip);
    if (v === 4) names.push(tlv(0x87, Buffer.from(ip.split(".").map(Number))));
    else if (v === 6) names.push(tlv(0x87, ipv6Bytes(ip)));
    else throw new Error(`not an IP address: ${ip}`);
  }
  return seq(...names);
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const words = (s: string | undefined): number[] => (s ? s.split(":").map((w) => parseInt(w, 16)) : []);
  const h = words(head), t = words(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/** Builds and signs one certificate; returns it as PEM (with a trailing newline). */
export function issueCertificate(spec: CertificateSpec, issuer: Issuer): string {
  const { algId, hash } = signatureAlgorithm(issuer.key);
  const spki = spec.publicKey.export({ type: "spki", format: "der" });
  const ownKeyId = subjectKeyId(spki);
  const authorityKeyId = issuer.ca?.keyId ?? ownKeyId;
  const exts = [
    extension(OID.basicConstraints, true, spec.isCA ? seq(TRUE) : seq()),
    extension(OID.keyUsage, true, keyUsageBits(spec.keyUsage)),
  ];
  if (spec.extKeyUsage?.length) exts.push(extension(OID.extKeyUsage, false, seq(...spec.extKeyUsage.map(oid))));
  exts.push(extension(OID.subjectKeyId, false, octets(ownKeyId)));
  if (issuer.ca || !spec.isCA) exts.push(extension(OID.authorityKeyId, false, seq(tlv(0x80, authorityKeyId))));
  if (spec.dnsNames?.length || spec.ips?.length) exts.push(extension(OID.subjectAltName, false, generalNames(spec.dnsNames ?? [], spec.ips ?? [])));
  const subject = encodeName(spec.subject);
  const tbs = seq(
    explicit(0, uint(Buffer.from([2]))),
    uint(spec.serial),
    algId,
    issuer.ca?.subjectDer ?? subject,
    seq(time(spec.notBefore), time(spec.notAfter)),
    subject,
    spki,
    explicit(3, seq(...exts)),
  );
  const signature = sign(hash, tbs, issuer.key);
  const der = seq(tbs, algId, bitString(signature));
  return toPem(der, "CERTIFICATE");
}

export function toPem(der: Buffer, label: string): string {
  const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A new ECDSA P-256 key pair; the private key as PKCS#8 PEM. */
export function newP256Key(): { privateKey: KeyObject; publicKey: KeyObject; privateKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, publicKey, privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }) as string };
}
