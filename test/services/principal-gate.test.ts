/**
 * The coordinator's envelope check (services/coordinator/principal-gate) on a fake clock: the
 * replay window in both directions, a nonce remembered for exactly as long as its envelope
 * could be fresh, the bound of the nonce cache, and the refusals of malformed envelopes, each
 * naming its reason. The same checks against a real nats-server are in
 * test/attacks/forged-principal.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { PrincipalGate } from '../../services/coordinator/principal-gate.js';
import { ApiFailure } from '../../services/coordinator/errors.js';
import { signRequestEnvelope } from '../../services/wire/principal-envelope.js';
import { testGatewayKey } from '../helpers/gateway-key.js';

const alice = { tenant: 't', actor: 'a', roles: ['client'] };
const WINDOW = 1000;

function reasonOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof ApiFailure && e.code === 'envelope-refused' && e.status === 401) return e.detail?.reason as string;
    throw e;
  }
  return undefined;
}

describe('principal gate', () => {
  const { signer, gateways } = testGatewayKey();
  const clock = { ms: 1_000_000 };
  const gate = (maxNonces?: number) => new PrincipalGate(gateways, { windowMs: WINDOW, now: () => clock.ms, ...(maxNonces ? { maxNonces } : {}) });

  it('admits a fresh envelope, hands the method the inner request, and lets unsigned methods through', () => {
    const g = gate();
    const sent = signRequestEnvelope(signer, 'jobs.get', { principal: alice, jobId: 'j1' }, { now: clock.ms, acceptChunks: true });
    expect(g.admit('jobs.get', sent)).toEqual({ principal: alice, jobId: 'j1', acceptChunks: true });
    expect(g.admit('health.ready', {})).toEqual({});
    expect(reasonOf(() => g.admit('audit.denial', { event: {} }))).toBe('unsigned');
  });

  it('refuses envelopes outside the window either way, and a nonce until two windows have passed', () => {
    const g = gate();
    for (const skew of [-WINDOW - 1, WINDOW + 1]) {
      expect(reasonOf(() => g.admit('jobs.get', signRequestEnvelope(signer, 'jobs.get', { principal: alice, jobId: 'j' }, { now: clock.ms + skew })))).toBe('stale');
    }
    const nonce = 'ab'.repeat(16);
    const at = clock.ms + WINDOW; // as far in the future as is still fresh
    const first = signRequestEnvelope(signer, 'jobs.get', { principal: alice, jobId: 'j' }, { now: at, nonce });
    expect(reasonOf(() => g.admit('jobs.get', first))).toBeUndefined();
    clock.ms += 2 * WINDOW - 1; // the envelope signed at `at` is still fresh: the nonce is still held
    expect(reasonOf(() => g.admit('jobs.get', first))).toBe('replayed');
    clock.ms += 2; // now outside the window: refused by its time, and its nonce may be forgotten
    expect(reasonOf(() => g.admit('jobs.get', first))).toBe('stale');
    const reused = signRequestEnvelope(signer, 'jobs.get', { principal: alice, jobId: 'j' }, { now: clock.ms, nonce });
    expect(reasonOf(() => g.admit('jobs.get', reused))).toBeUndefined();
  });

  it('refuses new envelopes when the nonce cache is full rather than forget a nonce early', () => {
    const g = gate(2);
    const send = () => g.admit('jobs.get', signRequestEnvelope(signer, 'jobs.get', { principal: alice, jobId: 'j' }, { now: clock.ms }));
    send();
    send();
    expect(reasonOf(send)).toBe('busy');
    clock.ms += 2 * WINDOW + 1;
    expect(reasonOf(send)).toBeUndefined();
  });

  it('names malformed envelopes, unknown keys and mismatched signatures', () => {
    const g = gate();
    const ok = signRequestEnvelope(signer, 'jobs.get', { principal: alice, jobId: 'j' }, { now: clock.ms });
    const bad: [unknown, string][] = [
      [null, 'unsigned'],
      [{ principal: alice, jobId: 'j' }, 'unsigned'],
      [{ ...ok, signed: 42 }, 'malformed'],
      [{ ...ok, envelope: { ...ok.envelope, nonce: 'xyz' } }, 'malformed'],
      [{ ...ok, envelope: { ...ok.envelope, at: 1.5 } }, 'malformed'],
      [{ ...ok, signed: '[1]' }, 'malformed'],
      [{ ...ok, signed: '{not json' }, 'malformed'],
      [{ ...ok, envelope: { ...ok.envelope, gateway: 'other' } }, 'unknown-gateway'],
      [{ ...ok, envelope: { ...ok.envelope, signature: 'AA==' } }, 'bad-signature'],
      [{ ...ok, signed: ok.signed.replace('"j"', '"k"') }, 'bad-signature'],
    ];
    for (const [req, reason] of bad) expect(reasonOf(() => g.admit('jobs.get', req))).toBe(reason);
    expect(reasonOf(() => g.admit('jobs.result', ok))).toBe('bad-signature');
    expect(reasonOf(() => g.admit('jobs.get', ok))).toBeUndefined();
  });
});
