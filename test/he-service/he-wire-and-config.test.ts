/**
 * The pieces of the HE worker service that need no SEAL keys: the JSON wire forms of models and
 * key bundles (a ModelIR sent as JSON plans to the same digest as the ONNX it came from, and
 * bad input names its field), the config file loader, the cluster specs (their config loads),
 * and the `mpc he-worker` command's usage errors.
 */
import 'reflect-metadata';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, KeyFileError, MpcError } from '../../crypto-core/errors.js';
import { DEFAULT_CKKS_PARAMS } from '../../crypto-core/he/ckks-params.js';
import { generateIdentity, publicIdentity } from '../../crypto-core/keys/identity.js';
import { writeIdentityFile, writePublicKeyFile } from '../../crypto-core/keys/key-file.js';
import { planHeModel } from '../../protocols/he/he-plan.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { run } from '../../services/cli/commands/he-worker.js';
import { UsageError } from '../../services/cli/usage-error.js';
import { heWorkerServiceSpecs, heWorkerTrustEntries } from '../../services/cluster/he-worker-cluster.js';
import { loadHeWorkerConfig } from '../../services/he-worker/he-worker-config.js';
import { planDigest } from '../../services/wire/plan-digest.js';
import { decodeEvalKeys, decodeModelIR, encodeEvalKeys, encodeModelIR, modelFromWire } from '../../services/wire/he-codec.js';
import { writeCredentialsFile } from '../../services/transport/credentials-file.js';

const ONNX = new Uint8Array(readFileSync(new URL('../fixtures/models/digits_square_mlp.onnx', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'he-worker-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wire forms', () => {
  it('a ModelIR sent as JSON plans to the same digest as the ONNX it was imported from', () => {
    const ir = importOnnx(ONNX);
    const viaJson = decodeModelIR(JSON.parse(JSON.stringify(encodeModelIR(ir))));
    const digest = planDigest(planHeModel(ir));
    expect(planDigest(planHeModel(viaJson))).toBe(digest);
    expect(planDigest(planHeModel(modelFromWire({ format: 'onnx', onnx: Buffer.from(ONNX).toString('base64') })))).toBe(digest);
    expect(planDigest(planHeModel(modelFromWire({ format: 'ir', ir: JSON.parse(JSON.stringify(encodeModelIR(ir))) })))).toBe(digest);
  });

  it('the plan digest changes when one weight changes by one ulp', () => {
    const ir = importOnnx(ONNX);
    const w = encodeModelIR(ir);
    const dense = w.layers.find((l) => l.kind === 'dense') as { weight: { data: number[] } };
    const before = planDigest(planHeModel(decodeModelIR(w)));
    const v = dense.weight.data[0]!;
    dense.weight.data[0] = v + Math.max(Math.abs(v), 1e-300) * Number.EPSILON;
    expect(planDigest(planHeModel(decodeModelIR(w)))).not.toBe(before);
  });

  it('an evaluation-key bundle survives its wire form byte for byte', () => {
    const bundle = { params: DEFAULT_CKKS_PARAMS, publicKey: Uint8Array.of(1, 2, 3), relinKeys: Uint8Array.of(4, 5), galoisKeys: new Uint8Array(0), galoisSteps: [] };
    const back = decodeEvalKeys(JSON.parse(JSON.stringify(encodeEvalKeys(bundle))));
    expect(back).toEqual({ ...bundle, params: { ...DEFAULT_CKKS_PARAMS } });
  });

  const good = encodeEvalKeys({ params: DEFAULT_CKKS_PARAMS, publicKey: Uint8Array.of(1), relinKeys: Uint8Array.of(2), galoisKeys: Uint8Array.of(3), galoisSteps: [1, 2] });
  const badKeys: [string, unknown, RegExp][] = [
    ['null', null, /^evalKeys: expected an object/],
    ['no params', { ...good, params: undefined }, /params/],
    ['NaN degree', { ...good, params: { ...good.params, polyModulusDegree: Number.NaN } }, /polyModulusDegree/],
    ['bad base64', { ...good, relinKeys: 'not base64!' }, /^evalKeys\.relinKeys: /],
    ['number key', { ...good, publicKey: 5 }, /^evalKeys\.publicKey: /],
    ['fractional step', { ...good, galoisSteps: [1.5] }, /^evalKeys\.galoisSteps: /],
    ['steps not a list', { ...good, galoisSteps: 'all' }, /^evalKeys\.galoisSteps: /],
  ];
  for (const [name, value, message] of badKeys) {
    it(`key bundle: ${name} is refused naming the field`, () => {
      expect(() => decodeEvalKeys(value)).toThrow(MpcError);
      expect(() => decodeEvalKeys(value)).toThrow(message);
    });
  }

  const ir = encodeModelIR(importOnnx(ONNX));
  const badModels: [string, unknown, RegExp][] = [
    ['unknown format', { format: 'pickle' }, /^model\.format: /],
    ['onnx not base64', { format: 'onnx', onnx: '***' }, /^model\.onnx: /],
    ['no layers', { format: 'ir', ir: { inputShape: [64], outputShape: [10] } }, /^model\.ir: /],
    ['negative shape', { format: 'ir', ir: { ...ir, inputShape: [-1] } }, /^model\.ir\.inputShape: /],
    ['short weight', { format: 'ir', ir: { ...ir, layers: ir.layers.map((l) => ('weight' in l ? { ...l, weight: { shape: (l.weight as { shape: number[] }).shape, data: [1] } } : l)) } }, /^model\.ir\.layers\[\d+\]\.weight\.data: /],
    ['nameless layer', { format: 'ir', ir: { ...ir, layers: [{ kind: 'square' }] } }, /^model\.ir\.layers\[0\]: /],
  ];
  for (const [name, value, message] of badModels) {
    it(`model: ${name} is refused naming the field`, () => {
      expect(() => modelFromWire(value)).toThrow(InvalidArgumentError);
      expect(() => modelFromWire(value)).toThrow(message);
    });
  }
});

describe('config, cluster specs and the command', () => {
  const worker = generateIdentity();
  const coordinator = generateIdentity();
  writeIdentityFile(join(dir, 'w.identity.json'), worker);
  writePublicKeyFile(join(dir, 'c.public.json'), coordinator);
  const base = { id: 'he-worker-1', nats: { servers: ['nats://127.0.0.1:4222'] }, identityFile: 'w.identity.json', coordinatorPublicKeyFile: 'c.public.json' };
  const write = (c: unknown): string => {
    const f = join(dir, `cfg-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(f, JSON.stringify(c));
    return f;
  };

  it('loads identity, coordinator key and limits', () => {
    const o = loadHeWorkerConfig(write({ ...base, threads: 2, maxSessions: 4, sessionTtlMs: 1000 }));
    expect(o.id).toBe('he-worker-1');
    expect(publicIdentity(o.identity)).toEqual(publicIdentity(worker));
    expect(Buffer.from(o.coordinatorKey).equals(Buffer.from(coordinator.signing.publicKey))).toBe(true);
    expect(o.pool).toMatchObject({ workers: 2, sessions: { maxSessions: 4, ttlMs: 1000 } });
  });

  const bad: [string, unknown, RegExp][] = [
    ['bad id', { ...base, id: 'he worker' }, /^config\.id: /],
    ['no servers', { ...base, nats: {} }, /^config\.nats\.servers: /],
    ['zero threads', { ...base, threads: 0 }, /^config\.threads: /],
    ['fractional ttl', { ...base, sessionTtlMs: 1.5 }, /^config\.sessionTtlMs: /],
    ['no identity path', { ...base, identityFile: 3 }, /^config\.identityFile: /],
  ];
  for (const [name, c, message] of bad) {
    it(`refuses a config with ${name}`, () => expect(() => loadHeWorkerConfig(write(c))).toThrow(message));
  }

  it('refuses a config naming a missing identity file', () => {
    expect(() => loadHeWorkerConfig(write({ ...base, identityFile: 'nope.json' }))).toThrow(KeyFileError);
  });

  it('the cluster specs make identities once and write configs the loader accepts', () => {
    const cluster = join(dir, 'cluster');
    const first = heWorkerServiceSpecs(cluster);
    const again = heWorkerServiceSpecs(cluster);
    expect(again.keys).toEqual(first.keys);
    expect(first.specs.map((s) => s.name)).toEqual(['he-worker-1', 'he-worker-2']);
    writePublicKeyFile(join(cluster, 'keys', 'coordinator.public.json'), coordinator);
    for (const sub of ['creds', 'config']) mkdirSync(join(cluster, sub), { recursive: true });
    for (const s of first.specs) {
      writeCredentialsFile(join(cluster, 'creds', `${s.name}.json`), { user: s.name, password: 'pw' });
      const file = join(cluster, 'config', `${s.name}.json`);
      writeFileSync(file, JSON.stringify(s.config({ dir: cluster, natsUrl: 'nats://127.0.0.1:1', natsServers: ['nats://127.0.0.1:1'], credentialsFile: '' })), { flag: 'w' });
      const o = loadHeWorkerConfig(file);
      expect(publicIdentity(o.identity)).toEqual(first.keys[s.name]);
      expect(o.nats).toMatchObject({ user: s.name, pass: 'pw' });
      expect(s.permissions.subscribe).toEqual([`mpc.svc.${s.name}.job`, `mpc.svc.${s.name}.health`]);
    }
    expect(heWorkerTrustEntries()).toEqual([
      { id: 'he-worker-1', kind: 'he-worker', publicKeyFile: join('..', 'keys', 'he-worker-1.public.json') },
      { id: 'he-worker-2', kind: 'he-worker', publicKeyFile: join('..', 'keys', 'he-worker-2.public.json') },
    ]);
  });

  it('mpc he-worker: --help exits 0; no --config or an unknown flag is a usage error', async () => {
    const out = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      expect(await run(['--help'])).toBe(0);
    } finally {
      process.stdout.write = out;
    }
    await expect(run([])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['--bogus'])).rejects.toBeInstanceOf(UsageError);
  });
});
