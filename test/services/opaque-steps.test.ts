/**
 * Attack: the broker reads a job's protocol steps. A party-to-party frame used to carry its
 * step label in clear (`model#0/relu#1/ltz#0/...`), which names a model's layer types and a
 * query's operations to whoever runs the broker. Here an observer with full subscribe rights on
 * a real nats-server records every p2p frame and subject of a job and looks for the labels.
 * The parties must still route by step (a message sent under one label is received only under
 * it) and the opaque step id must differ per job, so the broker cannot even match steps of two
 * jobs of the same model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { useNatsServer } from '../helpers/nats-server.js';
import { generateIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import type { NatsChannel } from '../../services/transport/nats-channel.js';
import { openChannelTrio } from './channel-trio.js';
import { HELLO_SEQ } from '../../services/transport/channel-hello.js';
import { FRAME_HEADER_LENGTH, openFrame, parseHeader, sealFrame } from '../../services/transport/sealed-frame.js';
import { StepIds } from '../../services/transport/step-ids.js';
import { randomBytes } from 'node:crypto';

const server = useNatsServer({ maxPayload: 1 << 20 });
const ids: ServiceIdentity[] = [generateIdentity(), generateIdentity(), generateIdentity()];
let conns: NatsConnection[] = [];
let observer: NatsConnection;
/** Everything the observer saw: subject and bytes. */
const seen: { subject: string; data: Buffer }[] = [];

beforeAll(async () => {
  conns = await Promise.all([0, 1, 2].map(() => connect({ servers: server().url })));
  observer = await connect({ servers: server().url });
  observer.subscribe('mpc.p2p.>', { callback: (_e, m) => seen.push({ subject: m.subject, data: Buffer.from(m.data) }) });
  await observer.flush();
});
afterAll(async () => {
  await Promise.all([...conns, observer].map((c) => c.close()));
});

function openAll(jobId: string): Promise<NatsChannel[]> {
  return openChannelTrio(conns, ids, jobId);
}

const LABELS = ['model#0/relu#1/ltz#0/bit#3', 'model#0/conv2d#0/trunc', 'query#0/filter#2/eq#1', 'model#0/maxpool#4/argmax'];
const WORDS = ['relu', 'ltz', 'conv2d', 'trunc', 'filter', 'maxpool', 'argmax', 'model#', 'query#'];

/** Runs one job: every label from 0 to 1 and 2, one of them across several chunks; checks delivery by label. */
async function runJob(jobId: string): Promise<void> {
  const ch = await openAll(jobId);
  await Promise.all(ch.map((c) => c.announceListening()));
  const big = new Uint8Array(3_000_000).fill(0x5a);
  // Received before sent, in another order than sent: delivery is by label, not by arrival.
  const got = LABELS.map((l, i) => ch[1]!.recv(0, l).then((m) => [i, m] as const));
  const gotBig = ch[2]!.recv(0, LABELS[1]!);
  for (let i = LABELS.length - 1; i >= 0; i--) await ch[0]!.send(1, LABELS[i]!, new Uint8Array([i, i, i]));
  await ch[0]!.send(2, LABELS[1]!, big);
  for (const [i, m] of await Promise.all(got)) expect(Array.from(m)).toEqual([i, i, i]);
  expect((await gotBig).length).toBe(big.length);
  expect(Object.values(ch[1]!.rejected).every((n) => n === 0)).toBe(true);
  await conns[0]!.flush();
  await observer.flush();
  ch.forEach((c) => c.close());
}

/** The step field of the first data frame 0 -> 1 of a job, as the broker sees it. */
function firstStepOnWire(jobId: string): string {
  const f = seen.find((s) => s.subject === `mpc.p2p.${jobId}.0.1` && (() => {
    const h = parseHeader(s.data);
    return typeof h !== 'string' && h.header.seq === 0n;
  })());
  expect(f).toBeDefined();
  const h = parseHeader(f!.data);
  if (typeof h === 'string') throw new Error(h);
  return Buffer.from(h.header.step).toString('hex');
}

describe('step labels on the wire', () => {
  it('the broker sees no step label or layer name in any frame or subject, and the parties still route by label', async () => {
    await runJob('job-steps-a');
    const frames = seen.filter((s) => s.subject.startsWith('mpc.p2p.job-steps-a.'));
    expect(frames.length).toBeGreaterThan(LABELS.length + 6);
    for (const s of frames) {
      for (const w of [...LABELS, ...WORDS]) {
        expect(s.subject.includes(w), `subject ${s.subject} names ${w}`).toBe(false);
        // Sealed bodies are random bytes, in which a short word turns up by chance (a 3-letter word
        // about once in 16 MB): the clear header is searched for every word, the whole frame for
        // the labels and words of 8 characters or more (chance 2^-64 per position).
        const where = w.length >= 8 ? s.data : s.data.subarray(0, FRAME_HEADER_LENGTH);
        expect(where.includes(Buffer.from(w, 'utf8')), `a frame on ${s.subject} contains '${w}' in clear`).toBe(false);
      }
    }
  });

  it('the same label gets another step id in another job (per-job ids: no matching across jobs)', async () => {
    await runJob('job-steps-b');
    const a = firstStepOnWire('job-steps-a');
    const b = firstStepOnWire('job-steps-b');
    expect(a).not.toBe(b);
    // Hellos carry no step id of a label (they precede the keys).
    const hello = seen.find((s) => s.subject === 'mpc.p2p.job-steps-b.0.1' && (() => {
      const h = parseHeader(s.data);
      return typeof h !== 'string' && h.header.seq === HELLO_SEQ;
    })());
    expect(hello).toBeDefined();
  });

  it('binds the step id in the AEAD: a frame whose id is changed to another step does not open', () => {
    const key = new Uint8Array(randomBytes(32));
    const steps = new StepIds(new Uint8Array(randomBytes(32)));
    const frame = sealFrame(key, { from: 0, to: 1, seq: 3n, chunk: 0, chunks: 1, step: steps.of('a/relu#0').bytes }, new Uint8Array([1, 2]));
    const moved = Uint8Array.from(frame);
    moved.set(steps.of('a/relu#1').bytes, 20);
    const ok = parseHeader(frame);
    const bad = parseHeader(moved);
    if (typeof ok === 'string' || typeof bad === 'string') throw new Error('unparsable');
    expect(Array.from(openFrame(key, frame, ok))).toEqual([1, 2]);
    expect(() => openFrame(key, moved, bad)).toThrow();
    expect(steps.describe(Buffer.from(steps.of('a/relu#1').bytes).toString('hex'))).toBe("'a/relu#1'");
  });
});
