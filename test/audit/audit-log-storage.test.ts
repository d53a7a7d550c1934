/**
 * A coordinator that reopens its log refuses storage that does not match what it signed:
 * an altered entry, a foreign or missing checkpoint key, bytes that are not a canonical entry.
 * The altered stream is built by publishing straight to JetStream, as a broker operator could.
 */
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../crypto-core/keys/signing.js';
import { AuditLog } from '../../services/audit/audit-log.js';
import { AuditStorageError } from '../../services/audit/errors.js';
import { useNatsServer } from '../helpers/nats-server.js';

const server = useNatsServer({ jetstream: true });
const key = generateSigningKeyPair();
const signer = { origin: 'storage.test/audit', secretKey: key.secretKey };
const names = (p: string) => ({ stream: `${p}_AUDIT`, subject: `${p.toLowerCase()}.audit.entries`, checkpointStream: `${p}_CKPT`, checkpointSubject: `${p.toLowerCase()}.audit.checkpoints` });

describe('AuditLog refuses tampered storage on open', () => {
  let nc: NatsConnection;
  let original: AuditLog;
  let note: string;
  beforeAll(async () => {
    nc = await connect({ servers: server().url });
    original = await AuditLog.open(nc.jetstream(), { signer, ...names('ORIG') });
    await Promise.all(Array.from({ length: 12 }, (_, i) => original.append({ type: 'model.published', actor: 'owner-1', modelId: `m${i}`, version: i })));
    note = await original.checkpoint();
  });
  afterAll(async () => {
    await nc?.close();
  });

  /** Copies the original entries and checkpoint into fresh streams, changing entry bytes via `edit`. */
  async function copyWith(prefix: string, edit: (i: number, text: string) => string): Promise<void> {
    const n = names(prefix);
    const empty = await AuditLog.open(nc.jetstream(), { signer, ...n });
    expect(empty.size).toBe(0);
    const js = nc.jetstream();
    for (let i = 0; i < original.size; i++) await js.publish(n.subject, new TextEncoder().encode(edit(i, new TextDecoder().decode(original.entryBytes(i)))));
    await js.publish(n.checkpointSubject, new TextEncoder().encode(note));
  }

  it('an untouched copy opens and reproduces the checkpoint', async () => {
    await copyWith('SAME', (_i, t) => t);
    const log = await AuditLog.open(nc.jetstream(), { signer, ...names('SAME') });
    expect(log.size).toBe(12);
  });

  it('an altered entry: the rebuilt tree does not reproduce the signed checkpoint', async () => {
    await copyWith('ALTER', (i, t) => (i === 4 ? t.replace('"version":4', '"version":5') : t));
    await expect(AuditLog.open(nc.jetstream(), { signer, ...names('ALTER') })).rejects.toThrow(/do not reproduce the signed checkpoint root/);
  });

  it('a checkpoint by another key is refused', async () => {
    await expect(AuditLog.open(nc.jetstream(), { signer: { origin: signer.origin, secretKey: generateSigningKeyPair().secretKey }, ...names('SAME') })).rejects.toThrow(/does not verify under this coordinator's key/);
  });

  it('bytes that are not a canonical entry are refused, naming the message', async () => {
    await copyWith('JUNK', (i, t) => (i === 7 ? t.replace('{', '{ ') : t));
    const err = await AuditLog.open(nc.jetstream(), { signer, ...names('JUNK') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuditStorageError);
    expect((err as Error).message).toMatch(/stored entry 7: not in RFC 8785 canonical form/);
  });

  it('the server refuses to delete or purge entries', async () => {
    const jsm = await nc.jetstreamManager();
    await expect(jsm.streams.deleteMessage('ORIG_AUDIT', 3)).rejects.toThrow();
    await expect(jsm.streams.purge('ORIG_AUDIT')).rejects.toThrow();
    expect((await jsm.streams.info('ORIG_AUDIT')).state.messages).toBe(12);
  });
});
