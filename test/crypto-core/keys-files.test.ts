/**
 * Identity, public-key and storage-key files (crypto-core/keys/key-file, storage-key): round
 * trips, permissions, atomic no-clobber writes, and each KeyFileError case with its message.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  readIdentityFile,
  readPublicKeyFile,
  writeIdentityFile,
  writePublicKeyFile,
  IDENTITY_FILE_FORMAT,
} from '../../crypto-core/keys/key-file.js';
import { generateStorageKey, readStorageKeyFile, writeStorageKeyFile } from '../../crypto-core/keys/storage-key.js';
import { generateIdentity, publicIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { InvalidArgumentError, KeyFileError } from '../../crypto-core/errors.js';
import { toHex } from '../../crypto-core/encoding.js';

const root = mkdtempSync(join(tmpdir(), 'mpc-keyfile-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = (name = 'id.json') => join(root, `case-${++counter}`, name);
const mode = (p: string) => statSync(p).mode & 0o777;
const isRoot = process.getuid?.() === 0;

const id = generateIdentity();
function goodDoc(identity: ServiceIdentity = id): Record<string, unknown> {
  return {
    format: IDENTITY_FILE_FORMAT,
    signing: { publicKey: toHex(identity.signing.publicKey), secretKey: toHex(identity.signing.secretKey) },
    agreement: { publicKey: toHex(identity.agreement.publicKey), secretKey: toHex(identity.agreement.secretKey) },
  };
}
/** Writes raw `text` as a key file with `perm`, bypassing our writer, to test the reader. */
function plant(text: string, perm = 0o600): string {
  const p = fresh();
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text, { mode: perm });
  chmodSync(p, perm);
  return p;
}
function expectKeyFileError(fn: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(KeyFileError);
  expect((caught as KeyFileError).code).toBe('key-file');
  expect((caught as Error).message).toMatch(message);
}

describe('identity file', () => {
  it('round-trips, mode 0600, parent directories 0700, no temporary files left', () => {
    const p = join(root, 'nested', 'deeper', 'id.json');
    writeIdentityFile(p, id);
    expect(mode(p)).toBe(0o600);
    expect(mode(join(root, 'nested'))).toBe(0o700);
    expect(mode(join(root, 'nested', 'deeper'))).toBe(0o700);
    expect(readdirSync(join(root, 'nested', 'deeper'))).toEqual(['id.json']);
    const back = readIdentityFile(p);
    expect(back).toEqual(id);
    expect(JSON.parse(readFileSync(p, 'utf8'))).toEqual(goodDoc());
  });

  it('sets 0600 whatever the umask', () => {
    const old = process.umask(0o000);
    try {
      const p = fresh();
      writeIdentityFile(p, id);
      expect(mode(p)).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it('refuses to replace an existing file unless overwrite is set, leaving it intact', () => {
    const p = fresh();
    writeIdentityFile(p, id);
    const other = generateIdentity();
    expectKeyFileError(() => writeIdentityFile(p, other), /already exists/);
    expect(readIdentityFile(p)).toEqual(id);
    expect(readdirSync(join(p, '..'))).toEqual(['id.json']);
    writeIdentityFile(p, other, { overwrite: true });
    expect(readIdentityFile(p)).toEqual(other);
    expect(mode(p)).toBe(0o600);
  });

  it('refuses an identity whose public key does not match its secret key, writing nothing', () => {
    const p = fresh();
    const bad = { ...id, agreement: { ...id.agreement, publicKey: generateIdentity().agreement.publicKey } };
    expect(() => writeIdentityFile(p, bad)).toThrow(InvalidArgumentError);
    expect(() => writeIdentityFile(p, bad)).toThrow(/identity\.agreement\.publicKey/);
    expect(existsSync(p)).toBe(false);
  });

  describe('read errors', () => {
    it('missing file', () => {
      expectKeyFileError(() => readIdentityFile(join(root, 'nope.json')), /nope\.json: identity file does not exist/);
    });
    it.skipIf(isRoot)('unreadable file (not testable as root, who reads anything)', () => {
      const p = plant(JSON.stringify(goodDoc()), 0o000);
      expectKeyFileError(() => readIdentityFile(p), /not readable/);
    });
    it('a path through a regular file (cannot open)', () => {
      const p = plant(JSON.stringify(goodDoc()));
      expectKeyFileError(() => readIdentityFile(join(p, 'child')), /cannot open identity file \(ENOTDIR\)/);
    });
    it('a directory', () => {
      const dir = join(root, `dir-${++counter}`);
      mkdirSync(dir, { mode: 0o700 });
      expectKeyFileError(() => readIdentityFile(dir), /not a regular file/);
    });
    it.each(['0644', '0640', '0604', '0660', '0700', '0601'])('permissions %s wider than 0600', (octal) => {
      const p = plant(JSON.stringify(goodDoc()), parseInt(octal, 8));
      expectKeyFileError(() => readIdentityFile(p), new RegExp(`permissions ${octal}, wider than 0600`));
    });
    it('0400 is accepted (narrower than 0600)', () => {
      const p = plant(JSON.stringify(goodDoc()), 0o400);
      expect(readIdentityFile(p)).toEqual(id);
    });
    it('not JSON', () => {
      expectKeyFileError(() => readIdentityFile(plant('{"format": "mpc-identity/v1",')), /not valid JSON/);
    });
    it('JSON but not an object', () => {
      expectKeyFileError(() => readIdentityFile(plant('[1,2]')), /must hold a JSON object, got array/);
      expectKeyFileError(() => readIdentityFile(plant('null')), /must hold a JSON object, got null/);
    });
    it('wrong or missing format tag', () => {
      expectKeyFileError(() => readIdentityFile(plant(JSON.stringify({ ...goodDoc(), format: 'mpc-identity/v2' }))), /format "mpc-identity\/v2", expected "mpc-identity\/v1"/);
      const { format: _f, ...noFormat } = goodDoc();
      expectKeyFileError(() => readIdentityFile(plant(JSON.stringify(noFormat))), /format undefined, expected/);
    });
    it('missing key pair or field', () => {
      const { agreement: _a, ...noAgreement } = goodDoc();
      expectKeyFileError(() => readIdentityFile(plant(JSON.stringify(noAgreement))), /field agreement is missing/);
      const doc = goodDoc();
      doc.signing = { publicKey: (doc.signing as Record<string, string>).publicKey };
      expectKeyFileError(() => readIdentityFile(plant(JSON.stringify(doc))), /field signing\.secretKey is missing/);
      expectKeyFileError(() => readIdentityFile(plant(JSON.stringify({ ...goodDoc(), signing: 'x' }))), /field signing must be an object/);
    });
    it('wrong key length', () => {
      const doc = goodDoc();
      (doc.signing as Record<string, string>).secretKey += '00';
      expectKeyFileError(() => readIdentityFile(plant(JSON.stringify(doc))), /signing\.secretKey: expected 64 hex characters \(32 bytes\), got 66/);
      const doc2 = goodDoc();
      (doc2.agreement as Record<string, string>).publicKey = (doc2.agreement as Record<string, string>).publicKey.slice(0, 62);
      expectKeyFileError(() => readIdentityFile(plant(JSON.stringify(doc2))), /agreement\.publicKey: expected 64 hex characters/);
    });
    it('not hex, upper-case hex, or not a string', () => {
      const doc = goodDoc();
      (doc.signing as Record<string, string>).secretKey = 'zz'.repeat(32);
      expectKeyFileError(() => readIdentityFile(plant(JSON.stringify(doc))), /signing\.secretKey: expected lower-case hex/);
      const doc2 = goodDoc();
      (doc2.signing as Record<string, string>).secretKey = (doc2.signing as Record<string, string>).secretKey.toUpperCase();
      expectKeyFileError(() => readIdentityFile(plant(JSON.stringify(doc2))), /signing\.secretKey: expected lower-case hex/);
      const doc3 = goodDoc();
      (doc3.agreement as Record<string, unknown>).secretKey = 42;
      expectKeyFileError(() => readIdentityFile(plant(JSON.stringify(doc3))), /agreement\.secretKey: expected hex string, got 42/);
    });
    it('public key not matching the secret key', () => {
      const doc = goodDoc();
      (doc.signing as Record<string, string>).publicKey = toHex(generateIdentity().signing.publicKey);
      expectKeyFileError(() => readIdentityFile(plant(JSON.stringify(doc))), /signing\.publicKey does not match the public key of signing\.secretKey/);
      const doc2 = goodDoc();
      (doc2.agreement as Record<string, string>).publicKey = toHex(id.signing.publicKey);
      expectKeyFileError(() => readIdentityFile(plant(JSON.stringify(doc2))), /agreement\.publicKey does not match/);
    });
    it('an oversized file', () => {
      expectKeyFileError(() => readIdentityFile(plant(' '.repeat(70_000))), /larger than the 65536-byte limit/);
    });
  });
});

describe('public-key file', () => {
  it('round-trips from a ServiceIdentity or a PublicIdentity, mode 0644, replaces by default', () => {
    const p = fresh('peer.json');
    writePublicKeyFile(p, id);
    expect(mode(p)).toBe(0o644);
    expect(readPublicKeyFile(p)).toEqual(publicIdentity(id));
    expect(readFileSync(p, 'utf8')).not.toContain(toHex(id.signing.secretKey));
    const other = publicIdentity(generateIdentity());
    writePublicKeyFile(p, other);
    expect(readPublicKeyFile(p)).toEqual(other);
    expectKeyFileError(() => writePublicKeyFile(p, other, { overwrite: false }), /already exists/);
  });
  it('is readable with wider permissions (nothing secret in it)', () => {
    const p = plant(JSON.stringify({ format: 'mpc-public-identity/v1', ...publicIdentity(id) }), 0o644);
    expect(readPublicKeyFile(p)).toEqual(publicIdentity(id));
  });
  it('refuses a low-order agreement key and an invalid signing key', () => {
    const pub = publicIdentity(id);
    expectKeyFileError(() => readPublicKeyFile(plant(JSON.stringify({ format: 'mpc-public-identity/v1', ...pub, agreementPublicKey: '00'.repeat(32) }))), /agreementPublicKey is a low-order X25519 point/);
    expectKeyFileError(() => readPublicKeyFile(plant(JSON.stringify({ format: 'mpc-public-identity/v1', ...pub, signingPublicKey: '01' + '00'.repeat(31) }))), /signingPublicKey is not a valid Ed25519 public key/);
  });
  it('refuses a wrong format tag, a missing or short key', () => {
    const pub = publicIdentity(id);
    expectKeyFileError(() => readPublicKeyFile(plant(JSON.stringify({ format: 'mpc-identity/v1', ...pub }))), /expected "mpc-public-identity\/v1"/);
    expectKeyFileError(() => readPublicKeyFile(plant(JSON.stringify({ format: 'mpc-public-identity/v1', signingPublicKey: pub.signingPublicKey }))), /field agreementPublicKey is missing/);
    expectKeyFileError(() => readPublicKeyFile(plant(JSON.stringify({ format: 'mpc-public-identity/v1', ...pub, signingPublicKey: 'ab' }))), /signingPublicKey: expected 64 hex characters/);
  });
  it('refuses malformed input before writing', () => {
    const p = fresh('peer.json');
    expect(() => writePublicKeyFile(p, { signingPublicKey: 'xy', agreementPublicKey: '00' })).toThrow(InvalidArgumentError);
    expect(existsSync(p)).toBe(false);
  });
});

describe('storage-key file', () => {
  it('round-trips with mode 0600 and refuses to replace by default', () => {
    const p = fresh('storage.key');
    const key = generateStorageKey();
    writeStorageKeyFile(p, key);
    expect(mode(p)).toBe(0o600);
    expect(readStorageKeyFile(p)).toEqual(key);
    expectKeyFileError(() => writeStorageKeyFile(p, generateStorageKey()), /already exists/);
    expect(readStorageKeyFile(p)).toEqual(key);
  });
  it('generateStorageKey draws 32 bytes from the rng', () => {
    let asked = 0;
    const key = generateStorageKey((n) => {
      asked = n;
      return new Uint8Array(n).fill(5);
    });
    expect(asked).toBe(32);
    expect(key).toEqual(new Uint8Array(32).fill(5));
    expect(generateStorageKey()).not.toEqual(generateStorageKey());
  });
  it('read errors: missing, permissions, format, length', () => {
    expectKeyFileError(() => readStorageKeyFile(join(root, 'absent.key')), /storage-key file does not exist/);
    const doc = { format: 'mpc-storage-key/v1', key: '11'.repeat(32) };
    expectKeyFileError(() => readStorageKeyFile(plant(JSON.stringify(doc), 0o644)), /permissions 0644, wider than 0600/);
    expectKeyFileError(() => readStorageKeyFile(plant(JSON.stringify({ ...doc, format: 'x' }))), /expected "mpc-storage-key\/v1"/);
    expectKeyFileError(() => readStorageKeyFile(plant(JSON.stringify({ ...doc, key: '11'.repeat(16) }))), /key: expected 64 hex characters/);
    expectKeyFileError(() => readStorageKeyFile(plant('key=11')), /not valid JSON/);
    expect(readStorageKeyFile(plant(JSON.stringify(doc)))).toEqual(new Uint8Array(32).fill(0x11));
  });
});

describe('unusual files at the path', () => {
  it('a FIFO is refused as not a regular file, without blocking', () => {
    const p = fresh('fifo.json');
    mkdirSync(join(p, '..'), { recursive: true });
    const r = spawnSync('mkfifo', ['-m', '600', p]);
    expect(r.status).toBe(0);
    expectKeyFileError(() => readIdentityFile(p), /not a regular file/);
  });
  it('a symbolic link to a good 0600 file is followed (mounted secrets are symlinks)', () => {
    const real = fresh('real.json');
    writeIdentityFile(real, id);
    const link = join(real, '..', 'link.json');
    symlinkSync(real, link);
    expect(readIdentityFile(link)).toEqual(id);
  });
});
