/**
 * The coordinator config's `credits` section: budgets and pricing are read and checked at load,
 * each mistake named by its field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '../../crypto-core/keys/identity.js';
import { writeIdentityFile, writePublicKeyFile } from '../../crypto-core/keys/key-file.js';
import { loadCoordinatorConfig } from '../../services/coordinator/coordinator-config.js';

const dir = mkdtempSync(join(tmpdir(), 'mpc-credits-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeIdentityFile(join(dir, 'coordinator.identity.json'), generateIdentity());
writePublicKeyFile(join(dir, 'party-0.public.json'), generateIdentity());

function load(credits: unknown) {
  const file = join(dir, 'coordinator.json');
  writeFileSync(
    file,
    JSON.stringify({ id: 'coordinator', nats: { servers: 'nats://127.0.0.1:4222' }, identityFile: 'coordinator.identity.json', services: [{ id: 'party-0', kind: 'party', index: 0, publicKeyFile: 'party-0.public.json' }], ...(credits === undefined ? {} : { credits }) }),
  );
  return loadCoordinatorConfig(file);
}

describe('coordinator config: credits', () => {
  it('reads budgets and pricing, defaults when absent', () => {
    expect(load(undefined).credits).toEqual({});
    expect(load({ budgets: { 'clinic-a': 12.5 }, msPerCredit: 500 }).credits).toEqual({ budgets: { 'clinic-a': 12.5 }, pricing: { msPerCredit: 500, bytesPerCredit: 1 << 20 } });
  });

  it.each([
    [[1], /config.credits: expected/],
    [{ budgets: { 'clinic-a': -1 } }, /config.credits.budgets.clinic-a: expected a non-negative number/],
    [{ budgets: { 'clinic-a': '5' } }, /config.credits.budgets.clinic-a/],
    [{ budgets: { 'bad tenant': 1 } }, /config.credits.budgets: "bad tenant" is not a tenant id/],
    [{ msPerCredit: 0 }, /config.credits.msPerCredit must be a positive integer/],
  ])('refuses %j', (credits, msg) => {
    expect(() => load(credits)).toThrow(msg);
  });
});
