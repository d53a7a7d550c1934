/**
 * The sealed NATS channel against a real nats-server: delivery by tag, chunking beyond
 * max_payload, and rejection of forged, replayed and misdirected frames.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { useNatsServer } from '../helpers/nats-server.js';
import { generateIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { NatsChannel, type RejectedFrame } from '../../services/transport/nats-channel.js';
import { openChannelTrio } from './channel-trio.js';
import { sealFrame } from '../../services/transport/sealed-frame.js';
import { RESERVED_STEP } from '../../services/transport/step-ids.js';
import { deriveDirectionKey, derivePairwiseSeed } from '../../services/transport/channel-keys.js';
import { subjects } from '../../services/wire/api.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { ChannelDeadlineError, ChannelStreamError } from '../../services/transport/errors.js';
import { PartyUnavailableError } from '../../protocols/rss/errors.js';

// The NATS default max_payload (1 MiB), so that large messages are chunked.
const server = useNatsServer({ maxPayload: 1 << 20 });
const ids: ServiceIdentity[] = [generateIdentity(), generateIdentity(), generateIdentity()];
let conns: NatsConnection[] = [];
/** Three job nonces for keys computed outside a channel. */
const someNonces = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)] as const;

beforeAll(async () => {
  conns = await Promise.all([0, 1, 2].map(() => connect({ servers: server().url })));
});
afterAll(async () => {
  await Promise.all(conns.map((c) => c.close()));
});

function openAll(jobId: string, extra: { deadline?: number; onReject?: (r: RejectedFrame) => void } = {}): Promise<NatsChannel[]> {
  return openChannelTrio(conns, ids, jobId, extra);
}

describe('NatsChannel', () => {
  it('delivers payloads by sender and tag, in order per tag, and counts one round for send-then-receive', async () => {
    const ch = await openAll('job-basic');
    await ch[0]!.send(1, 'a', new Uint8Array([1, 2, 3]));
    await ch[0]!.send(1, 'a', new Uint8Array([4]));
    await ch[2]!.send(1, 'b', new Uint8Array([9]));
    expect(Array.from(await ch[1]!.recv(2, 'b'))).toEqual([9]);
    expect(Array.from(await ch[1]!.recv(0, 'a'))).toEqual([1, 2, 3]);
    expect(Array.from(await ch[1]!.recv(0, 'a'))).toEqual([4]);
    expect(ch[0]!.stats).toMatchObject({ rounds: 1, messagesSent: 2, bytesSent: 4 });
    expect(ch[1]!.stats.bytesReceived).toBe(5);
    ch.forEach((c) => c.close());
  });

  it('chunks a 5 MiB payload across max_payload and reassembles it exactly, viewable as BigUint64Array', async () => {
    const ch = await openAll('job-big');
    const n = (5 << 20) / 8 + 3;
    const values = new BigUint64Array(n);
    for (let i = 0; i < n; i++) values[i] = BigInt(i) * 0x9e3779b97f4a7c15n & 0xffffffffffffffffn;
    const bytes = new Uint8Array(values.buffer);
    const got = ch[1]!.recv(0, 'big');
    await ch[0]!.send(1, 'big', bytes);
    const out = await got;
    expect(out.length).toBe(bytes.length);
    const view = new BigUint64Array(out.buffer, out.byteOffset, n);
    expect(view[n - 1]).toBe(values[n - 1]);
    expect(Buffer.compare(Buffer.from(out), Buffer.from(bytes))).toBe(0);
    ch.forEach((c) => c.close());
  });

  it('keeps two concurrent multi-chunk sends to the same peer apart', async () => {
    const ch = await openAll('job-concurrent');
    const a = new Uint8Array(9_000_000).fill(0xaa);
    const b = new Uint8Array(9_000_000).fill(0xbb);
    const got = Promise.all([ch[2]!.recv(0, 'a'), ch[2]!.recv(0, 'b')]);
    await Promise.all([ch[0]!.send(2, 'a', a), ch[0]!.send(2, 'b', b)]);
    const [ra, rb] = await got;
    expect(ra.length === a.length && ra.every((v) => v === 0xaa)).toBe(true);
    expect(rb.length === b.length && rb.every((v) => v === 0xbb)).toBe(true);
    expect(Object.values(ch[2]!.rejected).every((n) => n === 0)).toBe(true);
    ch.forEach((c) => c.close());
  });

  it('rejects a frame from a forged sender and a replayed frame, and keeps delivering the genuine stream', async () => {
    const rejected: RejectedFrame[] = [];
    const ch = await openAll('job-forge', { onReject: (r) => rejected.push(r) });
    // Party 2 pretends to be party 0 towards party 1: it can only use keys it can derive.
    // (The job nonces are public: party 2 knows them too.)
    const fakeKey = deriveDirectionKey(ids[2]!.agreement.secretKey, ids[1]!.agreement.publicKey, 'job-forge', 0, 1, await ch[2]!.jobNonces());
    conns[2]!.publish(subjects.p2p('job-forge', 0, 1), sealFrame(fakeKey, { from: 0, to: 1, seq: 0n, chunk: 0, chunks: 1, step: new Uint8Array(16).fill(7) }, new Uint8Array([66])));
    // Capture the genuine frame and publish it again: a replay.
    const captured: Uint8Array[] = [];
    const spy = conns[2]!.subscribe(subjects.p2p('job-forge', 0, 1), { callback: (_e, m) => captured.push(Uint8Array.from(m.data)) });
    await conns[2]!.flush();
    await ch[0]!.send(1, 'x', new Uint8Array([7]));
    expect(Array.from(await ch[1]!.recv(0, 'x'))).toEqual([7]);
    await conns[0]!.flush();
    await new Promise((r) => setTimeout(r, 50));
    spy.unsubscribe();
    const genuine = captured.find((f) => f[4 + 7] === 0 && f.length > 30);
    expect(genuine).toBeDefined();
    conns[2]!.publish(subjects.p2p('job-forge', 0, 1), genuine!);
    conns[2]!.publish(subjects.p2p('job-forge', 0, 1), new Uint8Array([1, 2, 3]));
    await conns[2]!.flush();
    await ch[0]!.send(1, 'y', new Uint8Array([8]));
    expect(Array.from(await ch[1]!.recv(0, 'y'))).toEqual([8]);
    // Nothing forged or replayed was queued under tag x.
    const early = await Promise.race([ch[1]!.recv(0, 'x').then(() => 'delivered'), new Promise((r) => setTimeout(() => r('nothing'), 100))]);
    expect(early).toBe('nothing');
    expect(rejected.map((r) => r.reason).sort()).toEqual(['forged', 'malformed', 'replay']);
    expect(ch[1]!.rejected.forged).toBe(1);
    ch.forEach((c) => c.close());
  });

  it('starts only when both peers listen: staggered opens, notices echoed, data from sequence 0', async () => {
    const open1 = (self: PartyIndex, jobId: string, onReject?: (r: RejectedFrame) => void): Promise<NatsChannel> =>
      NatsChannel.open({
        nc: conns[self]!,
        jobId,
        self,
        agreementSecretKey: ids[self]!.agreement.secretKey,
        peerAgreementKeys: Object.fromEntries(([0, 1, 2] as const).filter((p) => p !== self).map((p) => [p, ids[p]!.agreement.publicKey])),
        ...(onReject ? { onReject } : {}),
      });
    const rejected: RejectedFrame[] = [];
    const c0 = await open1(0, 'job-listen', (r) => rejected.push(r));
    const c1 = await open1(1, 'job-listen');
    let ready = 0;
    const waits = [c0.announceListening().then(() => ready++), c1.announceListening().then(() => ready++)];
    await new Promise((r) => setTimeout(r, 150));
    expect(ready).toBe(0); // party 2 is not listening yet: nobody may start
    // A notice forged by party 1 in party 2's name (it cannot hold the 2->0 key) is refused.
    const fake = deriveDirectionKey(ids[1]!.agreement.secretKey, ids[0]!.agreement.publicKey, 'job-listen', 2, 0, someNonces);
    conns[1]!.publish(subjects.p2p('job-listen', 2, 0), sealFrame(fake, { from: 2, to: 0, seq: 0xffff_ffff_ffff_ffffn, chunk: 0, chunks: 1, step: RESERVED_STEP }, new Uint8Array(0)));
    await conns[1]!.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(ready).toBe(0);
    expect(rejected.map((r) => r.reason)).toContain('forged');
    const c2 = await open1(2, 'job-listen');
    await Promise.all([...waits, c2.announceListening()]);
    expect(ready).toBe(2);
    // The notices sit outside the data sequence: the first data frame is still accepted.
    await c2.send(0, 'x', new Uint8Array([9]));
    expect(Array.from(await c0.recv(2, 'x'))).toEqual([9]);
    [c0, c1, c2].forEach((c) => c.close());
  });

  it('fails the stream when an authentic frame skips sequence numbers (lost frames)', async () => {
    const ch = await openAll('job-gap');
    const key = deriveDirectionKey(ids[0]!.agreement.secretKey, ids[1]!.agreement.publicKey, 'job-gap', 0, 1, await ch[0]!.jobNonces());
    conns[0]!.publish(subjects.p2p('job-gap', 0, 1), sealFrame(key, { from: 0, to: 1, seq: 5n, chunk: 0, chunks: 1, step: new Uint8Array(16).fill(9) }, new Uint8Array([1])));
    await expect(ch[1]!.recv(0, 't')).rejects.toBeInstanceOf(ChannelStreamError);
    ch.forEach((c) => c.close());
  });

  it('rejects pending receives at the deadline and when a peer is declared gone', async () => {
    const ch = await openAll('job-deadline', { deadline: Date.now() + 150 });
    await expect(ch[0]!.recv(1, 'never')).rejects.toBeInstanceOf(ChannelDeadlineError);
    const ch2 = await openAll('job-gone');
    const pending = ch2[0]!.recv(2, 'never');
    ch2[0]!.declarePeerGone(2 as PartyIndex, 'health probe failed');
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartyUnavailableError);
    expect((err as PartyUnavailableError).party).toBe(2);
    [...ch, ...ch2].forEach((c) => c.close());
  });

  it('derives the same pairwise seed on both sides and different seeds per job and pair', () => {
    const s01 = derivePairwiseSeed(ids[0]!.agreement.secretKey, ids[1]!.agreement.publicKey, 'j1', 0, 1, someNonces);
    const s10 = derivePairwiseSeed(ids[1]!.agreement.secretKey, ids[0]!.agreement.publicKey, 'j1', 1, 0, someNonces);
    const other = derivePairwiseSeed(ids[0]!.agreement.secretKey, ids[1]!.agreement.publicKey, 'j2', 0, 1, someNonces);
    const key = deriveDirectionKey(ids[0]!.agreement.secretKey, ids[1]!.agreement.publicKey, 'j1', 0, 1, someNonces);
    expect(Buffer.from(s01).equals(Buffer.from(s10))).toBe(true);
    expect(Buffer.from(s01).equals(Buffer.from(other))).toBe(false);
    expect(Buffer.from(s01).equals(Buffer.from(key))).toBe(false);
  });
});
