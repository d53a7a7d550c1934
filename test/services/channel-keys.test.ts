/**
 * The per-run key schedule (services/transport/channel-keys): direction keys and pairwise PRF
 * seeds bound to the job id and to all three parties' job nonces, and a channel that always
 * takes its own nonce from its own randomness, whatever hellos the broker delivers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { generateIdentity } from '../../crypto-core/keys/identity.js';
import { agree } from '../../crypto-core/keys/agreement.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { deriveDirectionKey, derivePairwiseSeed, directionKeyFromShared, pairwiseSeedFromShared, type JobNonces } from '../../services/transport/channel-keys.js';
import { encodeHello } from '../../services/transport/channel-hello.js';
import { NatsChannel } from '../../services/transport/nats-channel.js';
import { subjects } from '../../services/wire/api.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { useNatsServer } from '../helpers/nats-server.js';

const ids = [generateIdentity(), generateIdentity(), generateIdentity()];
const nonce = (b: number): Uint8Array => new Uint8Array(32).fill(b);
const base: JobNonces = [nonce(1), nonce(2), nonce(3)];
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sk = (i: number): Uint8Array => ids[i]!.agreement.secretKey;
const pk = (i: number): Uint8Array => ids[i]!.agreement.publicKey;

describe('channel keys bound to the job nonces', () => {
  it('both ends of a pair derive the same direction key and seed', () => {
    expect(hex(deriveDirectionKey(sk(0), pk(1), 'j', 0, 1, base))).toBe(hex(deriveDirectionKey(sk(1), pk(0), 'j', 0, 1, base)));
    expect(hex(derivePairwiseSeed(sk(0), pk(1), 'j', 0, 1, base))).toBe(hex(derivePairwiseSeed(sk(1), pk(0), 'j', 1, 0, base)));
  });

  it('a different nonce in any slot gives a different key and seed (so a fresh own nonce alone makes them fresh)', () => {
    const keys = new Set<string>();
    const seeds = new Set<string>();
    const variants: JobNonces[] = [base, [nonce(9), base[1], base[2]], [base[0], nonce(9), base[2]], [base[0], base[1], nonce(9)], [base[1], base[0], base[2]]];
    for (const v of variants) {
      keys.add(hex(deriveDirectionKey(sk(0), pk(1), 'j', 0, 1, v)));
      seeds.add(hex(derivePairwiseSeed(sk(0), pk(1), 'j', 0, 1, v)));
    }
    expect(keys.size).toBe(variants.length);
    expect(seeds.size).toBe(variants.length);
    // Directions, pairs, job ids and the two labels stay apart too.
    const all = [
      deriveDirectionKey(sk(0), pk(1), 'j', 0, 1, base),
      deriveDirectionKey(sk(0), pk(1), 'j', 1, 0, base),
      deriveDirectionKey(sk(0), pk(1), 'k', 0, 1, base),
      derivePairwiseSeed(sk(0), pk(1), 'j', 0, 1, base),
      derivePairwiseSeed(sk(0), pk(2), 'j', 0, 2, base),
    ].map(hex);
    expect(new Set(all).size).toBe(all.length);
  });

  it('refuses missing or malformed nonces, naming the slot', () => {
    const shared = agree(sk(0), pk(1));
    const bad: [unknown, RegExp][] = [
      [undefined, /nonces: expected the three/],
      [[nonce(1), nonce(2)], /nonces: expected the three/],
      [[nonce(1), new Uint8Array(31), nonce(3)], /nonces\[1\]: expected 32-byte/],
      [[nonce(1), nonce(2), 'x'], /nonces\[2\]: expected 32-byte/],
    ];
    for (const [n, msg] of bad) {
      expect(() => directionKeyFromShared(shared, 'j', 0, 1, n as JobNonces)).toThrow(InvalidArgumentError);
      expect(() => pairwiseSeedFromShared(shared, 'j', 0, 1, n as JobNonces)).toThrow(msg);
    }
    expect(() => directionKeyFromShared(new Uint8Array(5), 'j', 0, 1, base)).toThrow(/shared: expected/);
    expect(() => pairwiseSeedFromShared(shared, 'j', 1, 1, base)).toThrow(/b: expected a party other than a/);
  });
});

describe('NatsChannel job nonces', () => {
  const server = useNatsServer();
  let conns: NatsConnection[] = [];
  beforeAll(async () => {
    conns = await Promise.all([0, 1, 2, 3].map(() => connect({ servers: server().url })));
  });
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close()));
  });

  const open = (self: PartyIndex, jobId: string, own?: Uint8Array): Promise<NatsChannel> =>
    NatsChannel.open({
      nc: conns[self]!,
      jobId,
      self,
      agreementSecretKey: sk(self),
      peerAgreementKeys: Object.fromEntries(([0, 1, 2] as const).filter((p) => p !== self).map((p) => [p, pk(p)])),
      ...(own ? { randomBytes: () => Uint8Array.from(own) } : {}),
    });

  it('every party keeps its own nonce in its slot, even when the broker sent forged hellos first', async () => {
    const jobId = 'nonce-own';
    // A broker that sends party 1 hellos in the names of parties 0 and 2 before they open,
    // one carrying party 1's own nonce: party 1 must still use a key with its own nonce.
    const own1 = nonce(0x11);
    const c1 = await open(1, jobId, own1);
    conns[3]!.publish(subjects.p2p(jobId, 0, 1), encodeHello(0, 1, own1));
    conns[3]!.publish(subjects.p2p(jobId, 2, 1), encodeHello(2, 1, nonce(0x22)));
    await conns[3]!.flush();
    const [c0, c2] = await Promise.all([open(0, jobId, nonce(0x10)), open(2, jobId, nonce(0x12))]);
    const [n0, n1, n2] = await Promise.all([c0.jobNonces(), c1.jobNonces(), c2.jobNonces()]);
    expect(hex(n0[0])).toBe(hex(nonce(0x10)));
    expect(hex(n1[1])).toBe(hex(own1));
    expect(hex(n2[2])).toBe(hex(nonce(0x12)));
    // Party 1 heard forged nonces for 0 and 2: its view differs, so its notices do not
    // authenticate at its peers and nobody starts with it; the forgery cost only liveness.
    expect(hex(n1[0])).toBe(hex(own1));
    const started = await Promise.race([c1.announceListening().then(() => 'started'), new Promise((r) => setTimeout(() => r('waiting'), 200))]);
    expect(started).toBe('waiting');
    expect(c1.rejected.forged).toBeGreaterThan(0);
    [c0, c1, c2].forEach((c) => c.close());
  });

  it('two runs of one job id on the same long-term keys get different nonces, keys and seeds', async () => {
    const run = async (): Promise<{ nonces: JobNonces[]; seeds: string[] }> => {
      const ch = await Promise.all(([0, 1, 2] as const).map((i) => open(i, 'nonce-rerun')));
      await Promise.all(ch.map((c) => c.announceListening()));
      const nonces = await Promise.all(ch.map((c) => c.jobNonces()));
      const seeds = (await Promise.all(ch.map((c) => c.pairwiseSeeds()))).flatMap((s) => [hex(s.next), hex(s.prev)]);
      ch.forEach((c) => c.close());
      return { nonces, seeds };
    };
    const a = await run();
    const b = await run();
    // Within a run all three parties agree on the nonces and on each pair's seed.
    for (const r of [a, b]) {
      expect(new Set(r.nonces.map((n) => n.map(hex).join('|'))).size).toBe(1);
      expect(r.seeds[0]).toBe(r.seeds[3]); // seed(0,1): party 0's next, party 1's prev
    }
    for (const p of [0, 1, 2]) expect(hex(a.nonces[0]![p]!)).not.toBe(hex(b.nonces[0]![p]!));
    expect(a.seeds.some((s) => b.seeds.includes(s))).toBe(false);
  });
});
