/**
 * Attack: a coordinator reuses a job id after parties restarted (they forget expired job ids),
 * helped by a broker that replays the peers' frames of the first run. If channel keys and PRF
 * seeds were a function of the long-term keys and the job id only, the second run would encrypt
 * under the same AES-256-GCM key and nonces as the first (XOR of ciphertexts = XOR of
 * plaintexts) and mask its products with the same zero shares.
 *
 * Real parties (PartyService with file-backed seen-job state) on a real nats-server; the test
 * holds the coordinator's key and plays the broker by recording and re-publishing frames. The
 * test also generated every party's long-term keys, so it can compute any key a party could.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tsRing } from '../../crypto-core/ring/index.js';
import { bytesToU64 } from '../../protocols/wire.js';
import { deriveDirectionKey, type JobNonces } from '../../services/transport/channel-keys.js';
import { HELLO_SEQ, helloNonce } from '../../services/transport/channel-hello.js';
import { openFrame, parseHeader } from '../../services/transport/sealed-frame.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { PartyTrio, waitUntil, type MulInputs, type SeenFrame } from '../helpers/party-trio.js';

const server = useNatsServer();
let trio: PartyTrio;
const N = 64;
const RUN_MS = 1500;

beforeAll(async () => {
  trio = new PartyTrio(server().url);
  await trio.start();
});
afterAll(async () => {
  await trio?.stop();
});

/** Data frames (not handshake frames, whose sequence numbers are reserved at the top) of from -> to. */
function dataFrames(frames: readonly SeenFrame[], from: number, to: number): SeenFrame[] {
  return frames.filter((f) => {
    const h = parseHeader(f.frame);
    return f.from === from && f.to === to && typeof h !== 'string' && h.header.seq < 1n << 63n;
  });
}

/** Every sealed frame `from` sent (any recipient, notice or data; not the clear hellos). */
function sealedFrom(frames: readonly SeenFrame[], from: number): SeenFrame[] {
  return frames.filter((f) => {
    const h = parseHeader(f.frame);
    return f.from === from && typeof h !== 'string' && h.header.seq !== HELLO_SEQ;
  });
}

/** The job nonces of a run, read from the parties' hellos (they travel in clear). */
function noncesOf(run: readonly SeenFrame[]): JobNonces {
  return [0, 1, 2].map((p) => {
    for (const f of run) {
      const parsed = parseHeader(f.frame);
      if (f.from !== p || typeof parsed === 'string' || parsed.header.seq !== HELLO_SEQ) continue;
      const nonce = helloNonce(f.frame, parsed);
      if (typeof nonce !== 'string') return nonce;
    }
    throw new Error(`no hello of party ${p} in the run`);
  }) as unknown as JobNonces;
}

/** The direction key of from -> to in a run, as the test (holder of every long-term key) computes it. */
function keyOf(jobId: string, run: readonly SeenFrame[], from: number, to: number): Uint8Array {
  return deriveDirectionKey(trio.ids[from]!.agreement.secretKey, trio.ids[to]!.agreement.publicKey, jobId, from, to, noncesOf(run));
}

function tryOpen(key: Uint8Array, f: SeenFrame): Uint8Array | undefined {
  const parsed = parseHeader(f.frame);
  if (typeof parsed === 'string') return undefined;
  try {
    return openFrame(key, f.frame, parsed);
  } catch {
    return undefined;
  }
}

/** The AES-GCM ciphertext bytes of a frame (between the header and the tag). */
function ciphertextOf(f: SeenFrame): Uint8Array {
  const parsed = parseHeader(f.frame);
  if (typeof parsed === 'string') throw new Error(parsed);
  return f.frame.subarray(parsed.length, f.frame.length - 16);
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((v, i) => v ^ b[i]!);
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** Party 0's zero share alpha_0 = z_0 - (x0 y0 + x0 y1 + x1 y0), recovered from its reshare message. */
function zeroShareOf(z0: Uint8Array, inputs: MulInputs): BigUint64Array {
  const { a: x0, b: x1 } = inputs.x[0];
  const { a: y0, b: y1 } = inputs.y[0];
  const local = tsRing.add(tsRing.add(tsRing.mul(x0, y0), tsRing.mul(x0, y1)), tsRing.mul(x1, y0));
  return tsRing.sub(bytesToU64(z0, N), local);
}

async function runAll(jobId: string, seed: number): Promise<{ frames: SeenFrame[]; inputs: MulInputs; deadline: number }> {
  const rec = await trio.recordFrames(jobId);
  const watch = await trio.watchReports(jobId);
  const { payload, inputs } = trio.mulRequest(N, seed);
  const deadline = Date.now() + RUN_MS;
  const replies = await trio.prepare(jobId, payload, deadline, [0, 1, 2]);
  expect(replies.map((r) => r.ok)).toEqual([true, true, true]);
  await waitUntil(() => watch.reports.filter((r) => r.type === 'result').length === 3, RUN_MS);
  expect(watch.reports.map((r) => r.type)).toEqual(['result', 'result', 'result']);
  await trio.broker.flush();
  rec.stop();
  watch.stop();
  return { frames: rec.frames, inputs, deadline };
}

async function pastDeadline(deadline: number): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now()) + 100));
}

describe('attack: a reused job id', () => {
  it('coordinator alone: all three parties restart, the job id runs again; the two runs share no keystream and no zero shares', async () => {
    const jobId = `reuse-all-${randomBytes(4).toString('hex')}`;
    const run1 = await runAll(jobId, 1);
    await pastDeadline(run1.deadline);
    for (const i of [0, 1, 2] as const) await trio.restartParty(i);
    const run2 = await runAll(jobId, 7);

    // Party 0 reshares z_0 to party 2 in one message at sequence 0, in both runs.
    const [f1] = dataFrames(run1.frames, 0, 2);
    const [f2] = dataFrames(run2.frames, 0, 2);
    expect(f1 && f2).toBeTruthy();
    const k1 = keyOf(jobId, run1.frames, 0, 2);
    const k2 = keyOf(jobId, run2.frames, 0, 2);
    const p1 = tryOpen(k1, f1!);
    const p2 = tryOpen(k2, f2!);
    expect(p1 && p2).toBeTruthy();
    // Same key and nonce would make XOR of ciphertexts equal XOR of plaintexts.
    expect(tryOpen(k1, f2!), 'the first run\'s key opens the second run\'s frame').toBeUndefined();
    expect(same(k1, k2), 'same direction key in both runs').toBe(false);
    expect(same(xor(ciphertextOf(f1!), ciphertextOf(f2!)), xor(p1!, p2!)), 'c1 ^ c2 == p1 ^ p2').toBe(false);
    // And the products are masked with fresh zero shares.
    expect(same(new Uint8Array(zeroShareOf(p1!, run1.inputs).buffer), new Uint8Array(zeroShareOf(p2!, run2.inputs).buffer)), 'same zero share alpha_0').toBe(false);
  });

  it('coordinator and broker: one party restarts, the peers refuse, the broker replays their frames; the party sends nothing under an old key', async () => {
    const jobId = `reuse-one-${randomBytes(4).toString('hex')}`;
    const run1 = await runAll(jobId, 3);
    await pastDeadline(run1.deadline);
    await trio.restartParty(0);

    const rec = await trio.recordFrames(jobId);
    const watch = await trio.watchReports(jobId);
    const { payload } = trio.mulRequest(N, 9);
    const deadline = Date.now() + RUN_MS;
    expect((await trio.prepare(jobId, payload, deadline, [0]))[0]!.ok).toBe(true);
    // The peers did not restart: they remember the id and refuse it.
    const peers = await trio.prepare(jobId, payload, deadline, [1, 2]);
    expect(peers.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['replayed', 'replayed']);
    // The broker replays every frame party 0 received in the first run, in order.
    for (const f of run1.frames.filter((x) => x.to === 0)) trio.broker.publish(`mpc.p2p.${jobId}.${f.from}.0`, f.frame);
    await trio.broker.flush();
    await waitUntil(() => watch.reports.length > 0, 600);
    await trio.broker.flush();
    rec.stop();
    watch.stop();

    const own = rec.frames.filter((f) => f.from === 0);
    const sent = sealedFrom(own, 0);
    const keys1 = [1, 2].map((to) => keyOf(jobId, run1.frames, 0, to));
    // Party 0 did seal frames in the replayed run (its notices, under keys with its new nonce) ...
    expect(sent.length).toBeGreaterThan(0);
    // ... and took the replayed notices and data frames of the peers for forgeries.
    const forged = trio.logs[0]!.entries.filter((e) => e.event === 'frame-rejected' && e.fields.jobId === jobId && e.fields.reason === 'forged').map((e) => e.fields.from);
    expect(new Set(forged)).toEqual(new Set([1, 2]));
    const reused = sent.filter((f) => keys1.some((k) => tryOpen(k, f) !== undefined));
    expect(reused.length, 'frames party 0 sealed again under a first-run key').toBe(0);
    expect(dataFrames(own, 0, 1).length + dataFrames(own, 0, 2).length, 'data frames party 0 sent in the replayed run').toBe(0);
    expect(watch.reports.filter((r) => r.type === 'result'), 'a result computed on replayed peer messages').toEqual([]);
  });
});
