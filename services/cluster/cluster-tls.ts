/**
 * @module services/cluster/cluster-tls
 * The TLS material of a local cluster under `<dir>/tls/`: a certificate authority made on the
 * first start, a server certificate for nats-server (127.0.0.1 and localhost) and one client
 * certificate per NATS user (the server requires and verifies them: `verify: true`).
 *
 * Keys are made with node:crypto (ECDSA P-256, PKCS#8, 0600 files). Certificates are issued by
 * the `openssl` command (Debian package `openssl`), because node:crypto parses and verifies
 * X.509 (`X509Certificate`, used here to decide what to reuse) but cannot create it; the CLI is
 * there wherever nats-server is, and it keeps an X.509/ASN.1 writer out of our dependencies.
 * Only cluster creation needs it, never a running service.
 *
 * Reused across starts: the CA while it is valid for 30 more days, a leaf certificate while it
 * is issued by that CA, valid for 30 more days and matches its key. So clients outside the
 * cluster can pin `tls/ca.pem` once.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { MpcError } from '../../crypto-core/errors.js';
import { writeKeyFileText, SECRET_FILE_MODE } from '../../crypto-core/keys/key-file-io.js';

/** openssl is missing or failed. */
export class ClusterTlsError extends MpcError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('cluster-tls', message, options);
  }
}

/** A certificate, its key, and the CA that issued it (PEM files). */
export interface TlsLeafFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** The TLS files of a cluster. */
export interface ClusterTls {
  /** The CA certificate (PEM) every party of the cluster trusts. */
  caFile: string;
  /** nats-server's certificate and key, with the CA. */
  server: TlsLeafFiles;
  /** Client certificate, key and CA of NATS user `name` (one of those passed to {@link ensureClusterTls}). */
  client(name: string): TlsLeafFiles;
}

const DAY_MS = 86_400_000;
/** Renew what expires within this many days. */
const RENEW_DAYS = 30;
/** A minimal openssl config, so that the machine's openssl.cnf adds no extension of its own. */
const OPENSSL_CONFIG = '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n';
const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** The openssl binary on PATH or in /usr/bin, else throws naming the Debian package. */
export function findOpenssl(env: NodeJS.ProcessEnv = process.env): string {
  for (const d of [...(env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin']) {
    if (!d) continue;
    try {
      accessSync(join(d, 'openssl'), constants.X_OK);
      return join(d, 'openssl');
    } catch {
      /* keep looking */
    }
  }
  throw new ClusterTlsError("openssl not found on PATH or in /usr/bin: install Debian's package 'openssl' (apt-get install openssl); mpc up needs it to issue the cluster's TLS certificates");
}

function freshKey(path: string): void {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeKeyFileText(path, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), SECRET_FILE_MODE, { overwrite: true });
}

/** The certificate at `path` if it is valid for {@link RENEW_DAYS} more days, matches `keyPath` and (for leaves) was issued by `ca`. */
function usable(path: string, keyPath: string, ca?: X509Certificate): X509Certificate | undefined {
  if (!existsSync(path) || !existsSync(keyPath)) return undefined;
  try {
    const cert = new X509Certificate(readFileSync(path));
    if (Date.parse(cert.validTo) - Date.now() < RENEW_DAYS * DAY_MS) return undefined;
    if (!cert.checkPrivateKey(createPrivateKey(readFileSync(keyPath)))) return undefined;
    if (ca && !(cert.checkIssued(ca) && cert.verify(ca.publicKey))) return undefined;
    return cert;
  } catch {
    return undefined;
  }
}

function openssl(bin: string, args: string[]): void {
  const config = join(tmpdir(), `mpc-openssl-${process.pid}.cnf`);
  writeFileSync(config, OPENSSL_CONFIG);
  try {
    execFileSync(bin, ['req', '-config', config, '-x509', '-new', '-sha256', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (cause) {
    const stderr = (cause as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new ClusterTlsError(`openssl could not issue a certificate: ${stderr || String(cause)}`, { cause });
  }
}

/**
 * Makes or reuses the CA, the server certificate and a client certificate for every name in
 * `clients` under `<dir>/tls/`.
 */
export function ensureClusterTls(dir: string, clients: readonly string[], opts: { serverAddresses?: readonly string[] } = {}): ClusterTls {
  // The server certificate names loopback and, with per-organisation network namespaces, each server's address.
  const extra = [...new Set(opts.serverAddresses ?? [])].filter((a) => a !== '127.0.0.1');
  for (const a of extra) if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(a)) throw new ClusterTlsError(`serverAddresses: expected IPv4 addresses, got ${JSON.stringify(a)}`);
  const serverSan = ['IP:127.0.0.1', 'DNS:localhost', ...extra.map((a) => `IP:${a}`)].join(',');
  const tls = join(dir, 'tls');
  mkdirSync(tls, { recursive: true, mode: 0o700 });
  const caFile = join(tls, 'ca.pem');
  const caKey = join(tls, 'ca.key');
  let bin: string | undefined;
  const tool = (): string => (bin ??= findOpenssl());
  let ca = usable(caFile, caKey);
  if (!ca) {
    freshKey(caKey);
    openssl(tool(), ['-key', caKey, '-subj', `/CN=mpc local cluster CA ${new Date().toISOString()}`, '-days', '3650',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', caFile]);
    ca = new X509Certificate(readFileSync(caFile));
  }
  const leaf = (name: string, san = 'IP:127.0.0.1,DNS:localhost'): TlsLeafFiles => {
    if (!NAME_RE.test(name)) throw new ClusterTlsError(`certificate name: expected 1..64 characters of [A-Za-z0-9_-], got ${JSON.stringify(name)}`);
    const certFile = join(tls, `${name}.pem`);
    const keyFile = join(tls, `${name}.key`);
    const cert = usable(certFile, keyFile, ca);
    const names = (cert?.subjectAltName ?? '').split(', ').map((x) => x.replace('IP Address:', 'IP:')).sort().join(',');
    if (!cert || names !== san.split(',').sort().join(',')) {
      freshKey(keyFile);
      openssl(tool(), ['-key', keyFile, '-CA', caFile, '-CAkey', caKey, '-subj', `/CN=${name}`, '-days', '825',
        '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature',
        '-addext', 'extendedKeyUsage=serverAuth,clientAuth', '-addext', `subjectAltName=${san}`, '-out', certFile]);
    }
    return { caFile, certFile, keyFile };
  };
  const server = leaf('nats-server', serverSan);
  const byName = new Map(clients.map((c) => [c, leaf(c)]));
  return {
    caFile,
    server,
    client(name) {
      const files = byName.get(name);
      if (!files) throw new ClusterTlsError(`no client certificate for ${JSON.stringify(name)}`);
      return files;
    },
  };
}
