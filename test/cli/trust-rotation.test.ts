/**
 * Rotating the trust bundle end to end: `mpc trust next` makes the successor, each party's
 * operator adds its signature with its own identity file (`mpc trust sign-rotation`), and
 * `mpc trust rotate` checks the three signatures and has the coordinator record a `key.rotated`
 * entry through the real gateway, on a real cluster (real parties' keys, real nats-server).
 * A rotation two parties signed is refused by the CLI and, sent anyway, by the coordinator; a
 * "current" bundle that is not the deployment's is refused; only admins may record; nothing
 * refused reaches the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useNatsServer } from '../helpers/nats-server.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { MpcClient } from '../../services/sdk/index.js';
import { run } from '../../services/cli/commands/trust.js';
import { writeIdentityFile } from '../../crypto-core/keys/key-file.js';
import { generateIdentity, publicIdentity } from '../../crypto-core/keys/identity.js';
import { parseTrustBundle, trustBundleFingerprint, verifyRotation } from '../../services/wire/trust-bundle.js';
import type { MemoryAuditSink } from '../../services/coordinator/audit/audit-sink.js';

describe('mpc trust: rotation signed by the parties, recorded in the audit log', () => {
  const nats = useNatsServer();
  let gw: RealGatewayCluster;
  let dir: string;
  const keys = { admin: generateApiKey('admin'), alice: generateApiKey('alice') };
  const file = (name: string) => join(dir, name);
  const rotations = () => (gw.cluster.audit as MemoryAuditSink).events.filter((e) => e.type === 'key.rotated');
  const admin = () => new MpcClient({ gatewayUrl: gw.url, apiKey: keys.admin });

  beforeAll(async () => {
    gw = await startRealGatewayCluster(nats().url, [
      { id: 'admin', tenant: 'ops', roles: ['admin'], key: keys.admin },
      { id: 'alice', tenant: 'clinic-a', roles: ['client'], key: keys.alice },
    ]);
    dir = mkdtempSync(join(tmpdir(), 'mpc-trust-'));
    writeFileSync(file('current.json'), JSON.stringify(gw.cluster.trustBundle));
    gw.cluster.identities.parties.forEach((id, i) => writeIdentityFile(file(`party-${i}.identity.json`), id));
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('next names the current bundle; two signatures are refused by the CLI and by the coordinator', async () => {
    expect(await run(['next', '--current', file('current.json'), '--from', file('current.json'), '--out', file('next.json')])).toBe(0);
    const current = parseTrustBundle(JSON.parse(readFileSync(file('current.json'), 'utf8')));
    let next = parseTrustBundle(JSON.parse(readFileSync(file('next.json'), 'utf8')));
    expect(next.previous).toBe(trustBundleFingerprint(current));
    for (const i of [0, 1]) expect(await run(['sign-rotation', '--current', file('current.json'), '--next', file('next.json'), '--identity', file(`party-${i}.identity.json`)])).toBe(0);
    next = parseTrustBundle(JSON.parse(readFileSync(file('next.json'), 'utf8')));
    expect(next.rotation?.map((r) => r.party)).toEqual([0, 1]);
    expect(verifyRotation(current, next)).toEqual({ ok: false, reason: expect.stringMatching(/party 2 .* did not sign/) });
    expect(await run(['rotate', '--current', file('current.json'), '--next', file('next.json'), '--gateway', gw.url, '--api-key', keys.admin])).toBe(1);
    // Sent without the CLI's check, the coordinator refuses it too.
    await expect(admin().recordTrustRotation(current, next)).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/party 2 .* did not sign/) });
    expect(rotations()).toHaveLength(0);
  }, 60_000);

  it('a key that is not a party of the current bundle cannot sign', async () => {
    writeIdentityFile(file('stranger.identity.json'), generateIdentity());
    expect(await run(['sign-rotation', '--current', file('current.json'), '--next', file('next.json'), '--identity', file('stranger.identity.json')])).toBe(1);
  });

  it('with the third signature the rotation is recorded: key.rotated with both fingerprints', async () => {
    expect(await run(['sign-rotation', '--current', file('current.json'), '--next', file('next.json'), '--identity', file('party-2.identity.json')])).toBe(0);
    expect(await run(['rotate', '--current', file('current.json'), '--next', file('next.json'), '--gateway', gw.url, '--api-key', keys.admin])).toBe(0);
    const current = parseTrustBundle(JSON.parse(readFileSync(file('current.json'), 'utf8')));
    const next = parseTrustBundle(JSON.parse(readFileSync(file('next.json'), 'utf8')));
    const [entry, ...more] = rotations();
    expect(more).toHaveLength(0);
    expect(entry).toMatchObject({ type: 'key.rotated', actor: 'admin', tenant: 'ops', hashes: { previous: trustBundleFingerprint(current), next: trustBundleFingerprint(next) } });
  }, 60_000);

  it('refuses a current bundle that is not this deployment\'s (409) and a caller who is not admin (403)', async () => {
    const current = parseTrustBundle(JSON.parse(readFileSync(file('current.json'), 'utf8')));
    const next = parseTrustBundle(JSON.parse(readFileSync(file('next.json'), 'utf8')));
    const impostor = { ...current, parties: current.parties.map((p, i) => (i === 1 ? { ...p, ...publicIdentity(generateIdentity()) } : p)) as typeof current.parties };
    await expect(admin().recordTrustRotation(impostor, next)).rejects.toMatchObject({ status: 409 });
    await expect(new MpcClient({ gatewayUrl: gw.url, apiKey: keys.alice }).recordTrustRotation(current, next)).rejects.toMatchObject({ status: 403 });
    expect(rotations()).toHaveLength(1);
  }, 60_000);
});
