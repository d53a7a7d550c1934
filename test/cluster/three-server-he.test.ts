/**
 * HE inference on `mpc up --topology cluster` with the NATS accounts of nats-accounts (needs
 * `npm run build`): the two HE workers belong to two organisations' accounts (he-worker-1 to
 * ORG_1, he-worker-2 to ORG_2), the coordinator reaches them only through the services those
 * accounts export, and a dual execution through the gateway still verifies: evaluation keys
 * travel in chunks to each worker and their replies come back across the account boundary.
 * Everything on loopback (the network namespaces are the three-server test's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFullCluster, type FullCluster } from '../../services/cluster/full-cluster.js';
import { MpcClient } from '../../services/sdk/index.js';
import { parseTrustBundle, TRUST_BUNDLE_FILE } from '../../services/wire/trust-bundle.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';

const ONNX = new Uint8Array(readFileSync('test/fixtures/models/digits_square_mlp.onnx'));

let dir: string;
let cluster: FullCluster;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpc-three-servers-he-'));
  cluster = await startFullCluster({ dir, topology: 'cluster', heWorkers: 2 });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('HE workers in two organisations\' accounts (three real nats-servers)', () => {
  it('lists each HE worker only in its organisation\'s account, which exports its services to the coordinator', () => {
    const file = (a: string): string => readFileSync(join(dir, 'nats', 'accounts', `${a}.conf`), 'utf8');
    expect(file('ORG_1')).toContain('# he-worker-1\n');
    expect(file('ORG_2')).toContain('# he-worker-2\n');
    for (const a of ['COORDINATOR', 'ORG_0', 'GATEWAY', 'CLIENTS']) expect(file(a), a).not.toMatch(/# he-worker/);
    expect(file('ORG_1')).toContain('{ service: "mpc.svc.he-worker-1.job", accounts: [COORDINATOR], response_type: stream }');
    expect(file('COORDINATOR')).toContain('{ service: { account: ORG_2, subject: "mpc.svc.he-worker-2.job" } }');
  });

  it('runs a dual-executed HE inference through the gateway that verifies', async () => {
    const trust = parseTrustBundle(JSON.parse(readFileSync(join(dir, TRUST_BUNDLE_FILE), 'utf8')));
    const owner = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-model-owner']!, trust });
    const client = new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys['demo-client']!, trust, pollIntervalMs: 100 });
    try {
      const model = await owner.publishModel(ONNX, { mode: 'he', name: 'digits-square', version: 'three-servers' });
      const x = Float64Array.from({ length: 64 }, (_, i) => (i % 11) / 10);
      const out = await client.infer(model.id, { shape: [1, 64], data: x }, { mode: 'he', timeoutMs: 120_000 });
      expect(out.job.state).toBe('verified');
      expect(out.verification?.mode).toBe('dual');
      const want = evaluatePlain(importOnnx(ONNX), x, 1).output;
      const worst = Array.from(out.data).reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0);
      expect(worst).toBeLessThanOrEqual(model.precision!.errorBound);
    } finally {
      await owner.close();
      await client.close();
    }
  }, 180_000);
});
