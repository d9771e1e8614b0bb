// A certificate authority made on the spot for the local cloud's TLS endpoints (the OAuth token endpoint and the
// ADLS account URL in front of the DFS gateway): a CA certificate that clients are told to trust (SSL_CERT_FILE,
// REQUESTS_CA_BUNDLE, Node's `ca`) and one server certificate it signed for the loopback names. Real TLS, so the
// SDKs keep every check they make against the cloud (https-only authorities, bearer tokens only over TLS).
//
// Node can sign but not build X.509 certificates, so the DER is written here: version 3, ECDSA P-256 with SHA-256,
// and the extensions strict verifiers (OpenSSL's X509_STRICT, Python 3.13's default) require: basicConstraints,
// keyUsage, subject and authority key identifiers, extendedKeyUsage serverAuth and subjectAltName on the server
// certificate. Keys and certificates live in memory only; nothing here is fit for anything but loopback tests.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { isIP } from "node:net";

export interface LocalCa {
  /** The CA certificate (PEM): what clients trust. */
  caCert: string;
  /** The server certificate (PEM) for `hosts`, signed by the CA. */
  cert: string;
  /** The server certificate's private key (PEM, PKCS#8). */
  key: string;
  /** The names the server certificate is valid for. */
  hosts: string[];
}

export interface LocalCaOptions {
  /** DNS names and IP addresses of the server certificate; default 127.0.0.1, ::1 and localhost. */
  hosts?: string[];
  /** Validity in days from an hour ago; default 7. */
  days?: number;
  /** The CA's common name; default "lake2oci local CA". */
  name?: string;
}

// --- DER ---------------------------------------------------------------------------------------------------------
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, "utf8"));
const explicit = (n: number, b: Buffer) => tlv(0xa0 + n, b);

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const out: number[] = [parts[0] * 40 + parts[1]];
  for (const p of parts.slice(2)) {
    const b: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) b.unshift(0x80 | (v & 0x7f));
    out.push(...b);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, "").slice(0, 14); // YYYYMMDDHHMMSS
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const name = (cn: string) => seq(set(seq(oid("2.5.4.3"), utf8(cn))));
const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
const ECDSA_SHA256 = seq(oid("1.2.840.10045.4.3.2"));

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split(".").map(Number));
  const [head, tail = ""] = ip.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  const h = groups(head);
  const t = groups(tail);
  const all = ip.includes("::") ? [...h, ...new Array(8 - h.length - t.length).fill(0), ...t] : h;
  const out = Buffer.alloc(16);
  for (const [i, g] of all.entries()) out.writeUInt16BE(g, i * 2);
  return out;
}

interface Signed {
  der: Buffer;
  keyId: Buffer;
}

function certificate(o: {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signer: KeyObject;
  issuerKeyId?: Buffer;
  ca: boolean;
  hosts: string[];
  notBefore: Date;
  notAfter: Date;
}): Signed {
  const spki = o.publicKey.export({ type: "spki", format: "der" });
  // The key identifier: SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2, method 1). The BIT STRING is the last
  // element of the SPKI; for P-256 it is the uncompressed point, 65 bytes.
  const keyId = createHash("sha1").update(spki.subarray(spki.length - 65)).digest();
  const extensions = [
    extension("2.5.29.19", true, o.ca ? seq(bool(true)) : seq()),
    // keyUsage: CA keyCertSign + cRLSign (bits 5, 6); server digitalSignature (bit 0).
    extension("2.5.29.15", true, o.ca ? tlv(0x03, Buffer.from([1, 0x06])) : tlv(0x03, Buffer.from([7, 0x80]))),
    extension("2.5.29.14", false, octets(keyId)),
    extension("2.5.29.35", false, seq(tlv(0x80, o.issuerKeyId ?? keyId))),
  ];
  if (!o.ca) {
    extensions.push(extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"))));
    const names = o.hosts.map((h) => (isIP(h) ? tlv(0x87, ipBytes(h)) : tlv(0x82, Buffer.from(h, "ascii"))));
    extensions.push(extension("2.5.29.17", false, seq(...names)));
  }
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  serial[0] |= 0x40;
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ECDSA_SHA256,
    name(o.issuer),
    seq(time(o.notBefore), time(o.notAfter)),
    name(o.subject),
    spki,
    explicit(3, seq(...extensions)),
  );
  const signature = sign("sha256", tbs, { key: o.signer, dsaEncoding: "der" });
  return { der: seq(tbs, ECDSA_SHA256, bits(signature)), keyId };
}

const pem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END CERTIFICATE-----\n`;

/** Makes a fresh CA and a server certificate for the loopback names (or `hosts`). */
export function createLocalCa(options: LocalCaOptions = {}): LocalCa {
  const hosts = options.hosts ?? ["127.0.0.1", "::1", "localhost"];
  if (hosts.length === 0) throw new Error("createLocalCa: hosts must name at least one DNS name or IP address");
  const days = options.days ?? 7;
  if (!(days > 0)) throw new Error(`createLocalCa: days must be more than 0, got ${days}`);
  const notBefore = new Date(Date.now() - 3_600_000);
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  const caKeys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const serverKeys = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const caName = options.name ?? "lake2oci local CA";
  const ca = certificate({ subject: caName, issuer: caName, publicKey: caKeys.publicKey, signer: caKeys.privateKey, ca: true, hosts: [], notBefore, notAfter });
  const server = certificate({
    subject: hosts[0],
    issuer: caName,
    publicKey: serverKeys.publicKey,
    signer: caKeys.privateKey,
    issuerKeyId: ca.keyId,
    ca: false,
    hosts,
    notBefore,
    notAfter,
  });
  return {
    caCert: pem(ca.der),
    cert: pem(server.der),
    key: serverKeys.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    hosts: [...hosts],
  };
}
