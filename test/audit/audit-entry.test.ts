/**
 * Audit entry schema: every event type is accepted with its subject, and a table of bad events
 * (unknown type or field, data-like content, malformed identifiers and digests) is refused
 * with a message naming the field. Stored entries must be canonical.
 */
import { describe, expect, it } from 'vitest';
import { AUDIT_EVENT_TYPES, decodeAuditEntry, encodeAuditEntry, validateAuditEntry, validateAuditEvent, type AuditEventType } from '../../services/wire/audit-entry.js';
import { AuditEntryError } from '../../services/audit/errors.js';

const H = 'a'.repeat(64);

describe('audit entry schema', () => {
  it('accepts every event type with its required subject', () => {
    for (const [type, subject] of Object.entries(AUDIT_EVENT_TYPES)) {
      const e = { type: type as AuditEventType, actor: 'svc-1', ...(subject ? { [subject]: 'id-1' } : {}) };
      expect(validateAuditEvent(e)).toEqual(e);
    }
    expect(Object.keys(AUDIT_EVENT_TYPES)).toHaveLength(24);
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', 'job.created', /event: expected an object/],
    ['array', [], /expected an object, got array/],
    ['unknown type', { type: 'job.deleted', actor: 'a', jobId: 'j' }, /event.type: unknown event type "job.deleted"/],
    ['missing actor', { type: 'job.created', jobId: 'j' }, /event.actor/],
    ['actor with spaces', { type: 'job.created', actor: 'drop table', jobId: 'j' }, /event.actor/],
    ['missing subject', { type: 'model.published', actor: 'a' }, /event.modelId: required for a model.published event/],
    ['unknown field', { type: 'job.created', actor: 'a', jobId: 'j', color: 'red' }, /event.color: unknown field/],
    ['records', { type: 'dataset.uploaded', actor: 'a', datasetId: 'd', records: [[1, 2]] }, /event.records: audit entries hold metadata and hashes, never data/],
    ['secretKey', { type: 'key.rotated', actor: 'a', keyId: 'k', secretKey: 'ab' }, /event.secretKey: .*never data, shares or keys/],
    ['weights', { type: 'model.updated', actor: 'a', modelId: 'm', weights: [0.1] }, /event.weights/],
    ['blob in reason', { type: 'access.denied', actor: 'a', reason: `x ${'ab01'.repeat(12)}` }, /event.reason: looks like encoded data/],
    ['long reason', { type: 'access.denied', actor: 'a', reason: 'x'.repeat(201) }, /event.reason: expected a string of at most 200/],
    ['control char in reason', { type: 'access.denied', actor: 'a', reason: 'a\nb' }, /event.reason: control/],
    ['upper-case digest', { type: 'job.finished', actor: 'a', jobId: 'j', hashes: { output: H.toUpperCase() } }, /event.hashes.output: expected 64 lower-case hex/],
    ['short digest', { type: 'job.finished', actor: 'a', jobId: 'j', hashes: { output: 'abc' } }, /event.hashes.output/],
    ['digest name', { type: 'job.finished', actor: 'a', jobId: 'j', hashes: { 'Bad Name': H } }, /event.hashes.Bad Name/],
    ['too many digests', { type: 'job.finished', actor: 'a', jobId: 'j', hashes: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`h${i}`, H])) }, /at most 16/],
    ['hashes array', { type: 'job.finished', actor: 'a', jobId: 'j', hashes: [H] }, /event.hashes: expected an object/],
    ['party 3', { type: 'job.failed-verification', actor: 'a', jobId: 'j', party: 3 }, /event.party: expected 0, 1 or 2/],
    ['accused out of order', { type: 'verification.failed', actor: 'a', jobId: 'j', party: 0, accused: [2, 1] }, /event.accused: expected one or two party indices/],
    ['accused three', { type: 'verification.failed', actor: 'a', jobId: 'j', party: 0, accused: [0, 1, 2] }, /event.accused/],
    ['accused not a party', { type: 'verification.failed', actor: 'a', jobId: 'j', party: 0, accused: [3] }, /event.accused/],
    ['parties two', { type: 'job.placed', actor: 'a', jobId: 'j', parties: ['p0', 'p1'] }, /event.parties: expected three identifiers/],
    ['parties not identifiers', { type: 'job.placed', actor: 'a', jobId: 'j', parties: ['p0', 'p 1', 'p2'] }, /event.parties/],
    ['parties a string', { type: 'job.placed', actor: 'a', jobId: 'j', parties: 'p0,p1,p2' }, /event.parties/],
    ['signers empty', { type: 'party.reinstated', actor: 'a', serviceId: 's', signers: [] }, /event.signers: expected 1 to 16 identifiers/],
    ['signers 17', { type: 'party.reinstated', actor: 'a', serviceId: 's', signers: Array.from({ length: 17 }, (_, i) => `op-${i}`) }, /event.signers/],
    ['version NaN', { type: 'model.updated', actor: 'a', modelId: 'm', version: Number.NaN }, /event.version/],
    ['jobId too long', { type: 'job.created', actor: 'a', jobId: 'j'.repeat(129) }, /event.jobId/],
    ['jobId number', { type: 'job.created', actor: 'a', jobId: 5 }, /event.jobId/],
  ];
  it('keeps the three party ids of a placement and the signers of a reinstatement', () => {
    expect(validateAuditEvent({ type: 'job.placed', actor: 'c', jobId: 'j', parties: ['p0', 'p1', 'p2'] }).parties).toEqual(['p0', 'p1', 'p2']);
    expect(validateAuditEvent({ type: 'party.reinstated', actor: 'c', serviceId: 'p1', signers: ['op-a', 'op-c'] }).signers).toEqual(['op-a', 'op-c']);
  });

  it.each(bad)('refuses %s', (_name, e, msg) => {
    expect(() => validateAuditEvent(e)).toThrow(AuditEntryError);
    expect(() => validateAuditEvent(e)).toThrow(msg);
  });

  it('stored entries: version, seq, time, and canonical bytes only', () => {
    const entry = { type: 'job.created' as const, actor: 'a', jobId: 'j', v: 1 as const, seq: 4, time: '2026-11-24T21:00:00.000Z' };
    const bytes = encodeAuditEntry(entry);
    expect(new TextDecoder().decode(bytes)).toBe('{"actor":"a","jobId":"j","seq":4,"time":"2026-11-24T21:00:00.000Z","type":"job.created","v":1}');
    expect(decodeAuditEntry(bytes)).toEqual(entry);
    expect(() => decodeAuditEntry(new TextEncoder().encode(JSON.stringify(entry)))).toThrow(/canonical/);
    expect(() => decodeAuditEntry(new Uint8Array([0xff, 0xfe]))).toThrow(/UTF-8/);
    expect(() => validateAuditEntry({ ...entry, v: 2 })).toThrow(/entry.v/);
    expect(() => validateAuditEntry({ ...entry, seq: -1 })).toThrow(/entry.seq/);
    expect(() => validateAuditEntry({ ...entry, time: 'yesterday' })).toThrow(/entry.time/);
    expect(() => validateAuditEntry({ ...entry, time: '2026-11-24T21:00:00+01:00' })).toThrow(/entry.time/);
  });
});
