/** The party's encrypted share store: round trip, authentication, atomic replacement, bad inputs. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileShareStore } from '../../services/party/share-store.js';
import { ShareStoreError } from '../../services/party/errors.js';
import { generateStorageKey } from '../../crypto-core/keys/storage-key.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

const root = mkdtempSync(join(tmpdir(), 'mpc-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('FileShareStore', () => {
  it('stores objects encrypted (no plaintext on disk), reads them back, lists and deletes them', async () => {
    const dir = join(root, 'a');
    const store = new FileShareStore(dir, generateStorageKey());
    const secret = new TextEncoder().encode('weights of party 1: 0123456789abcdef');
    await store.put('model-1.w0', secret);
    await store.put('model-1.w1', new Uint8Array(0));
    expect(Array.from((await store.get('model-1.w0'))!)).toEqual(Array.from(secret));
    expect((await store.get('model-1.w1'))!.length).toBe(0);
    expect(await store.get('absent')).toBeUndefined();
    expect(await store.list()).toEqual(['model-1.w0', 'model-1.w1']);
    const raw = readFileSync(join(dir, 'model-1.w0.share'));
    expect(raw.includes(Buffer.from('weights of party'))).toBe(false);
    expect(statSync(join(dir, 'model-1.w0.share')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await store.put('model-1.w0', new Uint8Array([9]));
    expect(Array.from((await store.get('model-1.w0'))!)).toEqual([9]);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    await store.delete('model-1.w0');
    expect(await store.list()).toEqual(['model-1.w1']);
  });

  it('refuses an object under another key, a renamed object and an altered byte', async () => {
    const dir = join(root, 'b');
    const key = generateStorageKey();
    const store = new FileShareStore(dir, key);
    await store.put('x', new Uint8Array([1, 2, 3]));
    await store.put('y', new Uint8Array([4, 5, 6]));
    await expect(new FileShareStore(dir, generateStorageKey()).get('x')).rejects.toBeInstanceOf(ShareStoreError);
    renameSync(join(dir, 'y.share'), join(dir, 'z.share'));
    await expect(store.get('z')).rejects.toBeInstanceOf(ShareStoreError);
    const f = join(dir, 'x.share');
    const bytes = readFileSync(f);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(f, bytes);
    await expect(store.get('x')).rejects.toThrow(/does not authenticate/);
  });

  it('rejects bad ids and keys with errors naming the parameter', async () => {
    expect(() => new FileShareStore(root, new Uint8Array(31))).toThrow(/storageKey/);
    const store = new FileShareStore(join(root, 'c'), generateStorageKey());
    for (const bad of ['', '../x', '.hidden', 'a/b', 'x'.repeat(201), 5 as unknown as string]) {
      await expect(store.put(bad, new Uint8Array(1))).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await expect(store.put('ok', 'text' as unknown as Uint8Array)).rejects.toThrow(/bytes/);
  });
});
