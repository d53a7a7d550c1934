/**
 * The per-column layout of services/party/dataset-store over a real encrypted FileShareStore:
 * a query's columns load bit for bit and only their objects are decrypted (the others are 0);
 * every column loads without a column list; validity bits follow the same layout; a missing
 * column object and an object renamed to another column's name are refused; a part stored in
 * the earlier one-object layout still loads; erasing removes every object of the data set.
 */
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Prg } from '../../crypto-core/prg.js';
import { checkSchema } from '../../protocols/analytics/dataset-schema.js';
import { makeShare } from '../../protocols/rss/replicated-share.js';
import { eraseDataset, loadDataset, partColumnObjectId, writeManifest, writePart } from '../../services/party/dataset-store.js';
import { FileShareStore, type ShareStore } from '../../services/party/share-store.js';
import { encodeSharePair } from '../../services/wire/sealed-share-pair.js';
import { partObjectId, validityObjectId, type DatasetManifest } from '../../services/wire/analytics-jobs.js';

const schema = checkSchema({
  columns: [
    { name: 'x', type: 'numeric', min: 0, max: 1 },
    { name: 'g', type: 'categorical', categories: ['a', 'b', 'c'] },
    { name: 'y', type: 'numeric', min: -5, max: 5 },
  ],
});
const WIDTH = 5; // x, g (3), y
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function freshStore(): { store: ShareStore; dir: string; gets: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'dataset-store-'));
  dirs.push(dir);
  const inner = new FileShareStore(join(dir, 'shares'), new Uint8Array(32).fill(9));
  const gets: string[] = [];
  const store: ShareStore = Object.assign(Object.create(inner) as ShareStore, {
    get: (id: string) => (gets.push(id), inner.get(id)),
    put: (id: string, b: Uint8Array) => inner.put(id, b),
    delete: (id: string) => inner.delete(id),
  });
  return { store, dir: join(dir, 'shares'), gets };
}

function manifest(parts: { uploadId: string; rows: number }[]): DatasetManifest {
  return {
    datasetId: 'd1',
    name: 'd1',
    owner: { tenant: 't', actor: 'a' },
    schema,
    policy: { roles: ['analyst'], minCellSize: 10 },
    parts: parts.map((p) => ({ ...p, sha256: '0'.repeat(64), boxSha256: ['0'.repeat(64), '0'.repeat(64), '0'.repeat(64)] })),
    rows: parts.reduce((s, p) => s + p.rows, 0),
  } as DatasetManifest;
}

const n = 37;
const rng = Prg.fromSeed(new Uint8Array(32).fill(4));
const table = makeShare(rng.u64(n * WIDTH), rng.u64(n * WIDTH));
const validity = makeShare(rng.u64(n * 3), rng.u64(n * 3));

describe('dataset-store per-column layout', () => {
  it('loads every column bit for bit, and only the chosen columns when given a list', async () => {
    const { store, dir, gets } = freshStore();
    await writePart(store, 'd1', 'u1', { rows: n, share: table, validity }, schema);
    await writeManifest(store, manifest([{ uploadId: 'u1', rows: n }]));
    expect(readdirSync(dir).filter((f) => f.includes('.col-')).sort()).toHaveLength(6);
    const all = await loadDataset(store, 'd1');
    expect([...all.parts[0]!.share.a]).toEqual([...table.a]);
    expect([...all.parts[0]!.share.b]).toEqual([...table.b]);
    expect([...all.parts[0]!.validity!.a]).toEqual([...validity.a]);
    gets.length = 0;
    const some = await loadDataset(store, 'd1', () => ['g']);
    const got = some.parts[0]!;
    expect([...got.share.a.subarray(n, 4 * n)]).toEqual([...table.a.subarray(n, 4 * n)]);
    expect([...got.share.b.subarray(n, 4 * n)]).toEqual([...table.b.subarray(n, 4 * n)]);
    expect([...got.share.a.subarray(0, n), ...got.share.a.subarray(4 * n)].every((v) => v === 0n)).toBe(true);
    expect([...got.validity!.a.subarray(n, 2 * n)]).toEqual([...validity.a.subarray(n, 2 * n)]);
    // Decrypted: the manifest, the legacy probe (absent) and column 1's two objects; never x or y.
    expect(gets.filter((id) => id.includes('.col-'))).toEqual([partColumnObjectId('d1', 'u1', 1), `${validityObjectId('d1', 'u1')}.col-1`]);
  });

  it('refuses a missing column object and one renamed to another column', async () => {
    const { store, dir } = freshStore();
    await writePart(store, 'd1', 'u1', { rows: n, share: table }, schema);
    await writeManifest(store, manifest([{ uploadId: 'u1', rows: n }]));
    const file = (c: number): string => join(dir, `${partColumnObjectId('d1', 'u1', c)}.share`);
    renameSync(file(2), join(dir, 'moved.share'));
    await expect(loadDataset(store, 'd1', () => ['y'])).rejects.toThrow(/column 2 of part u1 is in the manifest but not in the store/);
    expect((await loadDataset(store, 'd1', () => ['x'])).parts[0]!.share.a[0]).toBe(table.a[0]);
    renameSync(file(0), file(2)); // x's object under y's name: it does not authenticate there
    await expect(loadDataset(store, 'd1', () => ['y'])).rejects.toThrow();
  });

  it('loads a part stored in the one-object layout, and erases every object of the data set', async () => {
    const { store, dir } = freshStore();
    await store.put(partObjectId('d1', 'old'), encodeSharePair(table.a, table.b));
    await store.put(validityObjectId('d1', 'old'), encodeSharePair(validity.a, validity.b));
    await writePart(store, 'd1', 'new', { rows: n, share: table, validity }, schema);
    await writeManifest(store, manifest([{ uploadId: 'old', rows: n }, { uploadId: 'new', rows: n }]));
    const { parts } = await loadDataset(store, 'd1', () => ['x']);
    expect([...parts[0]!.share.a]).toEqual([...table.a]);
    expect([...parts[1]!.share.a.subarray(0, n)]).toEqual([...table.a.subarray(0, n)]);
    expect(await eraseDataset(store, 'd1')).toBe(2);
    expect(readdirSync(dir)).toEqual([]);
  });
});
