/**
 * The coordinator config's `governance` section: operators, quorum and thresholds are read and
 * checked at load, each mistake named by its field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../crypto-core/encoding.js';
import { generateIdentity } from '../../crypto-core/keys/identity.js';
import { writeIdentityFile, writePublicKeyFile } from '../../crypto-core/keys/key-file.js';
import { loadCoordinatorConfig } from '../../services/coordinator/coordinator-config.js';

const dir = mkdtempSync(join(tmpdir(), 'mpc-gov-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeIdentityFile(join(dir, 'coordinator.identity.json'), generateIdentity());
writePublicKeyFile(join(dir, 'party-0.public.json'), generateIdentity());
const opKey = toHex(generateIdentity().signing.publicKey);

function load(governance: unknown) {
  const file = join(dir, 'coordinator.json');
  writeFileSync(
    file,
    JSON.stringify({ id: 'coordinator', nats: { servers: 'nats://127.0.0.1:4222' }, identityFile: 'coordinator.identity.json', services: [{ id: 'party-0', kind: 'party', index: 0, publicKeyFile: 'party-0.public.json' }], ...(governance === undefined ? {} : { governance }) }),
  );
  return loadCoordinatorConfig(file);
}

describe('coordinator config: governance', () => {
  it('defaults: no operators, default thresholds', () => {
    expect(load(undefined).governance).toEqual({ operators: [], thresholds: { minScore: 0.5, minGone: 3 } });
  });

  it('reads operators, quorum and thresholds', () => {
    const g = load({ minScore: 0.3, minGone: 5, quorum: 2, operators: [{ id: 'op-a', organisation: 'org-a', publicKey: opKey, runs: ['party-0'] }] }).governance;
    expect(g).toEqual({ operators: [{ id: 'op-a', organisation: 'org-a', publicKey: opKey, runs: ['party-0'] }], quorum: 2, thresholds: { minScore: 0.3, minGone: 5 } });
  });

  it.each([
    [{ operators: 'op-a' }, /config.governance.operators: expected a list/],
    [{ operators: [{ id: 'op-a', organisation: 'org-a', publicKey: 'abc' }] }, /config.governance.operators\[0\]/],
    [{ operators: [{ id: 'op-a', publicKey: opKey }] }, /config.governance.operators\[0\]/],
    [{ minScore: 1.5 }, /config.governance.minScore/],
    [{ minGone: 0 }, /config.governance.minGone/],
    [{ quorum: 0 }, /config.governance.quorum/],
    [{ quorum: 1.5 }, /config.governance.quorum/],
  ])('refuses %j', (g, msg) => {
    expect(() => load(g)).toThrow(msg);
  });
});
