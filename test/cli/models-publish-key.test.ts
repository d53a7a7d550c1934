/**
 * `mpc models publish --model-key <file>` against a real cluster (startFullCluster: real
 * nats-server, gateway, coordinator, parties): the key file is created on first use (0600), a
 * later version signed from the same file is stored, and one signed from another key file is
 * refused by the parties' pin (model-version-owner-key), with a non-zero exit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startFullCluster, type FullCluster } from '../../services/cluster/full-cluster.js';
import { TRUST_BUNDLE_FILE } from '../../services/wire/trust-bundle.js';

const CLI = resolve('dist/services/cli/main.js');
const ONNX = resolve('test/fixtures/models/digits_mlp.onnx');

function mpc(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

describe('mpc models publish --model-key', () => {
  let dir: string;
  let cluster: FullCluster;
  const flags = () => ['--gateway', cluster.gatewayUrl, '--api-key', cluster.demoKeys['demo-model-owner']!, '--trust-bundle', join(dir, TRUST_BUNDLE_FILE)];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpc-model-key-cli-'));
    cluster = await startFullCluster({ dir, heWorkers: 0 });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates the key file, publishes v2 with it, refuses v2 signed by another key file', async () => {
    const key = join(dir, 'owner.model-key.json');
    const v1 = await mpc(['models', 'publish', ONNX, '--mode', 'mpc', '--name', 'keyed', '--version', '1', '--model-key', key, ...flags()]);
    expect(v1.stderr).toMatch(/created model key file/);
    expect(v1.code).toBe(0);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const other = await mpc(['models', 'publish', ONNX, '--mode', 'mpc', '--name', 'keyed', '--version', '2', '--model-key', join(dir, 'other.model-key.json'), ...flags()]);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/422 .*model-version-owner-key/);
    expect(other.stderr).toMatch(/problems\/model-version-refused/);
    const v2 = await mpc(['models', 'publish', ONNX, '--mode', 'mpc', '--name', 'keyed', '--version', '2', '--model-key', key, ...flags()]);
    expect(v2.code).toBe(0);
    expect(v2.stderr).not.toMatch(/created model key file/);
    // A malformed key file is a usage error naming the file.
    const bad = join(dir, 'bad.model-key.json');
    writeFileSync(bad, '{"format":"mpc-model-key/v1","secretKey":"zz"}', { mode: 0o600 });
    const r = await mpc(['models', 'publish', ONNX, '--mode', 'mpc', '--name', 'keyed', '--version', '3', '--model-key', bad, ...flags()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.model-key.json');
  });

  it('mpc models activate / rollback switch the active version of the name through the gateway', async () => {
    const ids = JSON.parse((await mpc(['models', 'activate', 'keyed', '2', '--json', ...flags()])).stdout) as { rollout: { active: string; previous: string[] }; model: { id: string; version: string } };
    expect(ids.model.version).toBe('2');
    expect(ids.rollout.active).toBe(ids.model.id);
    const again = await mpc(['models', 'activate', 'keyed', '2', ...flags()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/409 .*already the active version/);
    const back = await mpc(['models', 'rollback', 'keyed', '--json', ...flags()]);
    expect(back.code).toBe(0);
    const b = JSON.parse(back.stdout) as { rollout: { active: string; history: { action: string; version: string }[] }; model: { version: string } };
    expect(b.model.version).toBe('1');
    expect(b.rollout.history.map((h) => `${h.action} ${h.version}`)).toEqual(['published 1', 'activated 2', 'rolled-back 1']);
    const none = await mpc(['models', 'rollback', 'keyed', ...flags()]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/409 .*no earlier active version/);
    const denied = await mpc(['models', 'activate', 'keyed', '2', '--gateway', cluster.gatewayUrl, '--api-key', cluster.demoKeys['demo-client']!, '--trust-bundle', join(dir, TRUST_BUNDLE_FILE)]);
    expect(denied.code).toBe(3);
    expect((await mpc(['models', 'activate', 'keyed', ...flags()])).code).toBe(2);
  });
});
