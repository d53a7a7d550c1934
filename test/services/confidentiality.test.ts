/**
 * What the broker sees: a subscriber on `>` records every payload crossing the NATS server
 * while three parties multiply known secret inputs. Neither the inputs, nor any share of them,
 * nor any output share, nor the output may appear in those bytes, raw or base64-encoded inside
 * JSON. Values are random 64-bit words, so an accidental 8-byte match in a few megabytes of
 * ciphertext has probability below 2^-40; a plaintext leak matches with certainty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { bindPrincipalSigner } from '../../services/transport/connection-signer.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startInProcessCluster, type InProcessCluster } from '../../services/cluster/in-process-cluster.js';
import { callCoordinator, waitForJob } from '../../services/cluster/coordinator-caller.js';
import { openComputeResult, openComputeShares, prepareComputeRequest } from '../../services/sdk/compute-client.js';
import type { ComputeJobResult } from '../../services/wire/compute-job.js';
import { shareSecret } from '../../protocols/rss/replicated-share.js';
import { Prg } from '../../crypto-core/prg.js';
import { tsRing } from '../../crypto-core/ring/index.js';

const server = useNatsServer();
let cluster: InProcessCluster;
let client: NatsConnection;
let observer: NatsConnection;
const captured: Uint8Array[] = [];

beforeAll(async () => {
  cluster = await startInProcessCluster({ nats: { servers: server().url } });
  client = bindPrincipalSigner(await connect({ servers: server().url }), cluster.gatewaySigner);
  observer = await connect({ servers: server().url });
  observer.subscribe('>', { callback: (_e, m) => captured.push(Uint8Array.from(m.data)) });
  await observer.flush();
  await cluster.ready();
});
afterAll(async () => {
  await observer?.close();
  await client?.close();
  await cluster?.stop();
});

/** Every byte string the observer saw, plus the base64 strings inside JSON payloads decoded. */
function haystacks(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const dec = new TextDecoder();
  for (const m of captured) {
    out.push(m);
    const text = dec.decode(m);
    for (const s of text.match(/[A-Za-z0-9+/]{16,}={0,2}/g) ?? []) out.push(new Uint8Array(Buffer.from(s, 'base64')));
  }
  return out;
}

/** How many of `secrets` occur as 8-byte little-endian words at any offset of the haystacks. */
function occurrences(secrets: BigUint64Array, hay: readonly Uint8Array[]): number {
  const want = new Set(secrets);
  let hits = 0;
  for (const h of hay) {
    const v = new DataView(h.buffer, h.byteOffset, h.byteLength);
    for (let off = 0; off + 8 <= h.length; off++) if (want.has(v.getBigUint64(off, true))) hits++;
  }
  return hits;
}

describe('confidentiality against the broker', () => {
  it('no input, share, output share or output crosses the NATS server in the clear', async () => {
    const n = 256;
    const seed = new Uint8Array(32).fill(7);
    const vals = Prg.random();
    const x = vals.u64(n);
    const y = vals.u64(n);
    const req = prepareComputeRequest('mul', [n], x, y, cluster.partyAgreementKeys, { rng: Prg.fromSeed(seed) });
    // The same generator state reproduces the shares the client made.
    const again = Prg.fromSeed(seed);
    const xs = shareSecret(x, again);
    const ys = shareSecret(y, again);
    const principal = { tenant: 't', actor: 'a', roles: [] };
    const { job } = await callCoordinator(client, 'jobs.submit', { principal, kind: 'mpc-compute', payload: req.payload });
    expect((await waitForJob(client, principal, job.id)).state).toBe('verified');
    const { result } = await callCoordinator(client, 'jobs.result', { principal, jobId: job.id });
    const z = openComputeResult(req, result as unknown as ComputeJobResult);
    expect(Array.from(z)).toEqual(Array.from(tsRing.mul(x, y)));
    const zs = openComputeShares(req, result as unknown as ComputeJobResult);
    await observer.flush();

    const hay = haystacks();
    const total = hay.reduce((a, h) => a + h.length, 0);
    expect(total).toBeGreaterThan(3 * n * 8 * 2);
    // A positive control: the search finds a word that is in the haystack.
    const seen = new DataView(captured[0]!.buffer).getBigUint64(0, true);
    expect(occurrences(BigUint64Array.of(seen), hay)).toBeGreaterThan(0);
    const named: [string, BigUint64Array][] = [
      ['x', x],
      ['y', y],
      ['output', z],
      ...[0, 1, 2].flatMap((i) => [
        [`x share ${i}`, xs[i]!.a],
        [`y share ${i}`, ys[i]!.a],
        [`output share ${i}`, zs[i]!.a],
      ] as [string, BigUint64Array][]),
    ];
    for (const [name, v] of named) expect(occurrences(v, hay), name).toBe(0);

    // Control: a vector that does cross in the clear, raw or as base64 in JSON, is found.
    const leak = Prg.random().u64(4);
    const leak64 = Prg.random().u64(4);
    client.publish('leak.raw', new Uint8Array(leak.buffer));
    client.publish('leak.json', new TextEncoder().encode(JSON.stringify({ v: Buffer.from(leak64.buffer).toString('base64') })));
    await client.flush();
    await observer.flush();
    expect(occurrences(leak, haystacks())).toBe(4);
    expect(occurrences(leak64, haystacks())).toBe(4);
  });
});
