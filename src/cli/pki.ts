/**
 * The cluster's PKI under `<dataDir>/tls/`: a CA, the API server's serving certificate, the
 * admin client certificate, this machine's node serving certificate (the node agent's HTTPS
 * endpoint) and the API server's client certificate for node agents (kubeadm's
 * apiserver-kubelet-client), created on first start and reused afterwards.
 *
 * Everything is node:crypto: a restart only reads and checks files, and a first start signs
 * with ./x509.ts (no certificate library to load). Keys are ECDSA P-256, PKCS#8 PEM, mode
 * 0600. Nothing here logs key material.
 */
import { X509Certificate, createPrivateKey, randomBytes, type KeyObject } from "node:crypto";
import { promises as fs } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { KeyUsage, caInfo, issueCertificate, newP256Key, type CaInfo } from "./x509.js";

/** Subject of the admin client certificate: upstream's kubeadm uses kubernetes-admin. */
export const ADMIN_USER = "timonel-admin";
export const ADMIN_GROUP = "system:masters";
/** Subject of the certificate the API server presents to node agents, as kubeadm names it. */
export const KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client";

const CA_DAYS = 3650;
const LEAF_DAYS = 365;
const RENEW_WITHIN_DAYS = 30;
const DAY_MS = 86_400_000;
/** Backdating absorbs small clock differences between the server and its clients. */
const BACKDATE_MS = 5 * 60_000;

const EKU_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

/** Names the in-cluster `kubernetes` Service is reached by. */
const KUBERNETES_SERVICE_NAMES = [
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  "kubernetes.default.svc.cluster.local",
];

export interface PkiPaths {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  nodeServingCert: string;
  nodeServingKey: string;
  kubeletClientCert: string;
  kubeletClientKey: string;
}

export interface Pki {
  dir: string;
  paths: PkiPaths;
  caPem: string;
  caKeyPem: string;
  servingCertPem: string;
  servingKeyPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  /** This machine's node agent serving certificate (what the API server dials for logs). */
  nodeServingCertPem: string;
  nodeServingKeyPem: string;
  /** The API server's client certificate towards node agents (CN kube-apiserver-kubelet-client, O system:masters). */
  kubeletClientCertPem: string;
  kubeletClientKeyPem: string;
  /** The SANs the serving certificate was required to carry. */
  servingNames: { dnsNames: string[]; ips: string[] };
  /** The SANs the node serving certificate was required to carry. */
  nodeServingNames: { dnsNames: string[]; ips: string[] };
  /** What this call (re)issued; all false on an ordinary restart. */
  issued: { ca: boolean; serving: boolean; admin: boolean; nodeServing: boolean; kubeletClient: boolean };
}

export interface EnsurePkiOptions {
  /** Extra DNS names (or IPs, which are moved to `ips`) for the serving certificate. */
  hostnames?: string[];
  /** Extra IP SANs, e.g. the `kubernetes` Service's ClusterIP or the node's addresses. */
  ips?: string[];
  /** The clock, for tests of renewal. */
  now?: Date;
}

export interface ClientCertOptions {
  commonName: string;
  organizations?: string[];
  days?: number;
}

export interface ServingCertOptions {
  commonName: string;
  dnsNames?: string[];
  ips?: string[];
  days?: number;
}

export interface IssuedCert {
  certPem: string;
  keyPem: string;
}

export function pkiPaths(dataDir: string): PkiPaths {
  const dir = path.join(dataDir, "tls");
  return {
    dir,
    caCert: path.join(dir, "ca.crt"),
    caKey: path.join(dir, "ca.key"),
    servingCert: path.join(dir, "serving.crt"),
    servingKey: path.join(dir, "serving.key"),
    adminCert: path.join(dir, "admin.crt"),
    adminKey: path.join(dir, "admin.key"),
    nodeServingCert: path.join(dir, "node-serving.crt"),
    nodeServingKey: path.join(dir, "node-serving.key"),
    kubeletClientCert: path.join(dir, "apiserver-kubelet-client.crt"),
    kubeletClientKey: path.join(dir, "apiserver-kubelet-client.key"),
  };
}

/** The SANs the serving certificate needs: loopback, this host's names, the kubernetes Service's names, and extras. */
export function servingNames(opts: Pick<EnsurePkiOptions, "hostnames" | "ips"> = {}): { dnsNames: string[]; ips: string[] } {
  const dns = new Set<string>(["localhost"]);
  const ips = new Set<string>(["127.0.0.1", "::1"]);
  const add = (name: string): void => {
    const n = name.trim().toLowerCase();
    if (!n) return;
    if (net.isIP(n)) ips.add(n);
    else dns.add(n);
  };
  const host = os.hostname();
  add(host);
  // Many LANs resolve the short name too.
  if (host.includes(".") && !net.isIP(host)) add(host.split(".")[0] ?? "");
  for (const n of KUBERNETES_SERVICE_NAMES) dns.add(n);
  for (const h of opts.hostnames ?? []) add(h);
  for (const ip of opts.ips ?? []) {
    if (!net.isIP(ip.trim())) throw new Error(`not an IP address for the serving certificate: ${JSON.stringify(ip)}`);
    ips.add(ip.trim());
  }
  return { dnsNames: [...dns], ips: [...ips] };
}

/**
 * The SANs of this machine's node serving certificate: loopback, the host name, and the
 * host's non-internal IPv4 addresses (what a Node's InternalIP may be).
 */
export function nodeServingNames(): { dnsNames: string[]; ips: string[] } {
  const dns = new Set<string>(["localhost"]);
  const host = os.hostname().trim().toLowerCase();
  if (host && !net.isIP(host)) dns.add(host);
  const ips = new Set<string>(["127.0.0.1"]);
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) ips.add(a.address);
  }
  return { dnsNames: [...dns], ips: [...ips] };
}

/**
 * Loads the cluster PKI from `<dataDir>/tls/`, creating whatever is missing. The serving and
 * admin certificates are re-issued when missing, not signed by the CA, not matching their
 * key, expiring within 30 days, or (serving only) lacking a SAN that is now needed.
 */
export async function ensurePki(dataDir: string, opts: EnsurePkiOptions = {}): Promise<Pki> {
  const paths = pkiPaths(dataDir);
  const now = opts.now ?? new Date();
  const names = servingNames(opts);
  const nodeNames = nodeServingNames();
  await fs.mkdir(paths.dir, { recursive: true, mode: 0o700 });

  const [caCertPem, caKeyPem, servingCertPem, servingKeyPem, adminCertPem, adminKeyPem,
    nodeCertPem, nodeKeyPem, kcCertPem, kcKeyPem] = await Promise.all([
    paths.caCert, paths.caKey, paths.servingCert, paths.servingKey, paths.adminCert, paths.adminKey,
    paths.nodeServingCert, paths.nodeServingKey, paths.kubeletClientCert, paths.kubeletClientKey,
  ].map(readIfExists));
  const issued = { ca: false, serving: false, admin: false, nodeServing: false, kubeletClient: false };

  let ca: IssuedCert;
  let signing: CaContext | undefined;
  if (caCertPem === undefined) {
    const created = createCa(now);
    ca = created.pair;
    signing = created.context;
    issued.ca = true;
  } else {
    if (caKeyPem === undefined) {
      throw new Error(`${paths.caCert} exists but its key ${paths.caKey} is missing; restore the key, or remove ${paths.dir} to create a new cluster CA (existing kubeconfigs will stop working)`);
    }
    ca = { certPem: caCertPem, keyPem: caKeyPem };
    checkCaPair(ca, paths);
  }
  const caX509 = new X509Certificate(ca.certPem);
  const caSigner = async (): Promise<CaContext> => (signing ??= caContext(ca));

  const keepServing = !issued.ca && servingCertPem !== undefined && servingKeyPem !== undefined
    && leafUsable(servingCertPem, servingKeyPem, caX509, now, names);
  const keepAdmin = !issued.ca && adminCertPem !== undefined && adminKeyPem !== undefined
    && leafUsable(adminCertPem, adminKeyPem, caX509, now);
  const keepNode = !issued.ca && nodeCertPem !== undefined && nodeKeyPem !== undefined
    && leafUsable(nodeCertPem, nodeKeyPem, caX509, now, nodeNames);
  const keepKubeletClient = !issued.ca && kcCertPem !== undefined && kcKeyPem !== undefined
    && leafUsable(kcCertPem, kcKeyPem, caX509, now);

  // The leaves are independent of each other; each is issued only when missing or unusable.
  const [serving, admin, nodeServing, kubeletClient] = await Promise.all([
    keepServing
      ? { certPem: servingCertPem, keyPem: servingKeyPem }
      : caSigner().then((c) => issueLeaf(c, now, {
        commonName: "timonel-apiserver", eku: EKU_SERVER_AUTH, dnsNames: names.dnsNames, ips: names.ips, days: LEAF_DAYS,
      })),
    keepAdmin
      ? { certPem: adminCertPem, keyPem: adminKeyPem }
      : caSigner().then((c) => issueLeaf(c, now, {
        commonName: ADMIN_USER, organizations: [ADMIN_GROUP], eku: EKU_CLIENT_AUTH, days: LEAF_DAYS,
      })),
    keepNode
      ? { certPem: nodeCertPem, keyPem: nodeKeyPem }
      : caSigner().then((c) => issueLeaf(c, now, {
        commonName: `system:node:${os.hostname().toLowerCase()}`, eku: EKU_SERVER_AUTH,
        dnsNames: nodeNames.dnsNames, ips: nodeNames.ips, days: LEAF_DAYS,
      })),
    keepKubeletClient
      ? { certPem: kcCertPem, keyPem: kcKeyPem }
      : caSigner().then((c) => issueLeaf(c, now, {
        commonName: KUBELET_CLIENT_USER, organizations: [ADMIN_GROUP], eku: EKU_CLIENT_AUTH, days: LEAF_DAYS,
      })),
  ]);
  issued.serving = !keepServing;
  issued.admin = !keepAdmin;
  issued.nodeServing = !keepNode;
  issued.kubeletClient = !keepKubeletClient;

  // The CA is written before the leaves it signed, so a crash never leaves a leaf without its CA.
  if (issued.ca) await writePair(paths.caCert, paths.caKey, ca);
  await Promise.all([
    issued.serving ? writePair(paths.servingCert, paths.servingKey, serving) : undefined,
    issued.admin ? writePair(paths.adminCert, paths.adminKey, admin) : undefined,
    issued.nodeServing ? writePair(paths.nodeServingCert, paths.nodeServingKey, nodeServing) : undefined,
    issued.kubeletClient ? writePair(paths.kubeletClientCert, paths.kubeletClientKey, kubeletClient) : undefined,
  ]);

  return {
    dir: paths.dir,
    paths,
    caPem: ca.certPem,
    caKeyPem: ca.keyPem,
    servingCertPem: serving.certPem,
    servingKeyPem: serving.keyPem,
    adminCertPem: admin.certPem,
    adminKeyPem: admin.keyPem,
    nodeServingCertPem: nodeServing.certPem,
    nodeServingKeyPem: nodeServing.keyPem,
    kubeletClientCertPem: kubeletClient.certPem,
    kubeletClientKeyPem: kubeletClient.keyPem,
    servingNames: names,
    nodeServingNames: nodeNames,
    issued,
  };
}

/** Issues a client certificate (CN = user, O = groups) signed by the cluster CA. Nothing is written to disk. */
export async function issueClientCert(pki: Pick<Pki, "caPem" | "caKeyPem">, opts: ClientCertOptions): Promise<IssuedCert> {
  if (!opts.commonName) throw new Error("a client certificate needs a common name (the user name)");
  const ca = cachedContext({ certPem: pki.caPem, keyPem: pki.caKeyPem });
  return issueLeaf(ca, new Date(), {
    commonName: opts.commonName, organizations: opts.organizations ?? [], eku: EKU_CLIENT_AUTH, days: opts.days ?? LEAF_DAYS,
  });
}

/** Issues a serving certificate for other components (node agents' servers). Nothing is written to disk. */
export async function issueServingCert(pki: Pick<Pki, "caPem" | "caKeyPem">, opts: ServingCertOptions): Promise<IssuedCert> {
  if (!opts.commonName) throw new Error("a serving certificate needs a common name");
  const ca = cachedContext({ certPem: pki.caPem, keyPem: pki.caKeyPem });
  return issueLeaf(ca, new Date(), {
    commonName: opts.commonName, eku: EKU_SERVER_AUTH, dnsNames: opts.dnsNames ?? [], ips: opts.ips ?? [], days: opts.days ?? LEAF_DAYS,
  });
}

// ---------------------------------------------------------------------------------------
// Checks on restart (node:crypto only)

function checkCaPair(ca: IssuedCert, paths: PkiPaths): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(ca.certPem);
  } catch {
    throw new Error(`${paths.caCert} is not a PEM certificate; restore it, or remove ${paths.dir} to create a new cluster CA`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(ca.keyPem);
  } catch {
    throw new Error(`${paths.caKey} is not a PEM private key; restore it, or remove ${paths.dir} to create a new cluster CA`);
  }
  if (!cert.ca) throw new Error(`${paths.caCert} is not a CA certificate (basicConstraints CA:FALSE)`);
  if (!cert.checkPrivateKey(key)) throw new Error(`${paths.caKey} does not match ${paths.caCert}`);
}

function leafUsable(
  certPem: string, keyPem: string, ca: X509Certificate, now: Date, names?: { dnsNames: string[]; ips: string[] },
): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false;
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return false;
    const notAfter = Date.parse(cert.validTo);
    if (!(notAfter - now.getTime() > RENEW_WITHIN_DAYS * DAY_MS)) return false;
    if (!(Date.parse(cert.validFrom) <= now.getTime())) return false;
    if (names) {
      for (const dns of names.dnsNames) {
        if (cert.checkHost(dns, { subject: "never", wildcards: false }) === undefined) return false;
      }
      for (const ip of names.ips) {
        if (cert.checkIP(ip) === undefined) return false;
      }
    }
    return true;
  } catch {
    // Unparseable files are simply re-issued.
    return false;
  }
}

// ---------------------------------------------------------------------------------------
// Signing (node:crypto through ./x509.ts)

/** A positive 128-bit serial (the high bit clear, so it needs no sign byte). */
function serialNumber(): Buffer {
  const b = randomBytes(16);
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x40;
  return b;
}

/** What signing with one CA needs, prepared once: its key and what its leaves copy from its certificate. */
interface CaContext {
  key: KeyObject;
  info: CaInfo;
}

function caContext(ca: IssuedCert): CaContext {
  return { key: createPrivateKey(ca.keyPem), info: caInfo(ca.certPem) };
}

/** The last CA used by issueClientCert/issueServingCert, so node agents' certificates don't re-read it. */
let lastContext: { keyPem: string; certPem: string; context: CaContext } | undefined;

function cachedContext(ca: IssuedCert): CaContext {
  if (lastContext?.keyPem !== ca.keyPem || lastContext.certPem !== ca.certPem) lastContext = { ...ca, context: caContext(ca) };
  return lastContext.context;
}

function createCa(now: Date): { pair: IssuedCert; context: CaContext } {
  const keys = newP256Key();
  // A per-cluster CA name, as k3s does, so two clusters' CAs never look alike to a chain builder.
  const certPem = issueCertificate({
    subject: { commonName: `timonel-ca@${Math.floor(now.getTime() / 1000)}` },
    publicKey: keys.publicKey,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
    serial: serialNumber(),
    isCA: true,
    keyUsage: [KeyUsage.keyCertSign, KeyUsage.cRLSign, KeyUsage.digitalSignature],
  }, { key: keys.privateKey });
  return { pair: { certPem, keyPem: keys.privateKeyPem }, context: { key: keys.privateKey, info: caInfo(certPem) } };
}

interface LeafSpec {
  commonName: string;
  organizations?: string[];
  eku: string;
  dnsNames?: string[];
  ips?: string[];
  days: number;
}

function issueLeaf(ca: CaContext, now: Date, spec: LeafSpec): IssuedCert {
  const keys = newP256Key();
  // A leaf never outlives its CA.
  const notAfter = Math.min(now.getTime() + spec.days * DAY_MS, ca.info.notAfter.getTime());
  const certPem = issueCertificate({
    subject: { commonName: spec.commonName, organizations: spec.organizations },
    publicKey: keys.publicKey,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(notAfter),
    serial: serialNumber(),
    keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyEncipherment],
    extKeyUsage: [spec.eku],
    dnsNames: spec.dnsNames,
    ips: spec.ips,
  }, { key: ca.key, ca: ca.info });
  return { certPem, keyPem: keys.privateKeyPem };
}

// ---------------------------------------------------------------------------------------
// Files

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Key first, then certificate, each atomically: a crash leaves at worst a key without its cert, which is re-issued. */
async function writePair(certPath: string, keyPath: string, pair: IssuedCert): Promise<void> {
  await writeAtomic(keyPath, pair.keyPem, 0o600);
  await writeAtomic(certPath, pair.certPem, 0o644);
}

async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await fs.writeFile(tmp, data, { mode, flag: "wx" });
    // writeFile's mode is filtered by the umask; keys must be 0600 regardless.
    await fs.chmod(tmp, mode);
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
