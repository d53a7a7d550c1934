import { describe, expect, it } from 'vitest';
import { createMemoryNetwork } from '../../protocols/testing/memory-channel.js';
import { ChannelTimeoutError, DuplicateMessageError, PartyUnavailableError } from '../../protocols/rss/errors.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('memory channel network', () => {
  it('delivers per (from, to, tag) in any order, copying the payload', async () => {
    const net = createMemoryNetwork('job-1');
    const [c0, c1, c2] = net.channels;
    expect(c0.jobId).toBe('job-1');
    const early = c1.recv(0, 'b'); // receive posted before the send
    const payload = bytes(1, 2, 3);
    await c0.send(1, 'a', payload);
    await c0.send(1, 'b', bytes(9));
    payload[0] = 99; // sender reuses its buffer
    expect(await c1.recv(0, 'a')).toEqual(bytes(1, 2, 3));
    expect(await early).toEqual(bytes(9));
    await c2.send(1, 'a', bytes(5)); // same tag, different sender: a different message
    expect(await c1.recv(2, 'a')).toEqual(bytes(5));
  });

  it('counts a round per send after a completed receive, and bytes', async () => {
    const net = createMemoryNetwork('job');
    const [c0, c1] = net.channels;
    await c0.send(1, 't1', new Uint8Array(8));
    await c0.send(2, 't1', new Uint8Array(8)); // same round: no receive in between
    expect(c0.stats.rounds).toBe(1);
    await c1.send(0, 't1', new Uint8Array(4));
    await c0.recv(1, 't1');
    await c0.send(1, 't2', new Uint8Array(16));
    expect(c0.stats).toEqual({ rounds: 2, bytesSent: 32, bytesReceived: 4, messagesSent: 3 });
  });

  it('rejects a duplicate tag from the same sender as a protocol bug', async () => {
    const [c0] = createMemoryNetwork('job').channels;
    await c0.send(1, 'x', bytes(1));
    await expect(c0.send(1, 'x', bytes(2))).rejects.toThrow(DuplicateMessageError);
  });

  it('kill(party) rejects pending and future receives from it, naming it', async () => {
    const net = createMemoryNetwork('job');
    const [c0, c1, c2] = net.channels;
    const pending = c1.recv(0, 'never');
    const fromTwo = c1.recv(2, 'still-fine');
    net.kill(0);
    await expect(pending).rejects.toThrow(PartyUnavailableError);
    await expect(pending).rejects.toMatchObject({ party: 0, code: 'party-unavailable' });
    await expect(c2.recv(0, 'later')).rejects.toThrow(/party 0/);
    await expect(c0.send(1, 'z', bytes(1))).rejects.toThrow(PartyUnavailableError);
    expect(net.isAlive(0)).toBe(false);
    expect(net.isAlive(2)).toBe(true);
    await c2.send(1, 'still-fine', bytes(4));
    expect(await fromTwo).toEqual(bytes(4));
  });

  it('a receive with a timeout rejects with ChannelTimeoutError instead of hanging', async () => {
    const [, c1] = createMemoryNetwork('job', { recvTimeoutMs: 20 }).channels;
    await expect(c1.recv(0, 'slow')).rejects.toThrow(ChannelTimeoutError);
    await expect(c1.recv(2, 'slow2')).rejects.toMatchObject({ party: 2, tag: 'slow2', timeoutMs: 20 });
  });

  it('rejects bad arguments naming the parameter', async () => {
    const [c0] = createMemoryNetwork('job').channels;
    await expect(c0.send(0, 't', bytes(1))).rejects.toThrow(/to:/);
    await expect(c0.send(3 as 0, 't', bytes(1))).rejects.toThrow(/to:/);
    await expect(c0.send(1, '', bytes(1))).rejects.toThrow(/tag:/);
    await expect(c0.send(1, 't', [1] as unknown as Uint8Array)).rejects.toThrow(/payload/);
    await expect(c0.recv(0, 't')).rejects.toThrow(/from:/);
    expect(() => createMemoryNetwork('')).toThrow(InvalidArgumentError);
    expect(() => createMemoryNetwork('j', { recvTimeoutMs: -1 })).toThrow(/recvTimeoutMs/);
  });
});

describe('memory network latency depth', () => {
  it('counts a relayed chain P0 -> P2 -> P1 as two hops even though P0 never waited', async () => {
    const net = createMemoryNetwork('job');
    const [c0, c1, c2] = net.channels;
    await c0.send(2, 'in', bytes(1));
    await c0.send(1, 'and', bytes(2)); // same per-channel round for P0
    await c2.recv(0, 'in');
    await c2.send(1, 'and', bytes(3)); // depends on the first message
    await c1.recv(0, 'and');
    await c1.recv(2, 'and');
    expect(c0.stats.rounds).toBe(1);
    expect(net.depth()).toBe(2);
    net.alignClocks();
    await c1.send(0, 'x', bytes(1));
    await c0.recv(1, 'x');
    expect(net.depth()).toBe(3);
  });
});

describe('memory network with delays', () => {
  it('reorders deliveries reproducibly but delivers every message to the right receive', async () => {
    const order = async (seed: number): Promise<string[]> => {
      const [c0, c1] = createMemoryNetwork('job', { maxDelayMs: 3, delaySeed: seed }).channels;
      const got: string[] = [];
      const tags = ['a', 'b', 'c', 'd', 'e', 'f'];
      const recvs = tags.map((t) => c1.recv(0, t).then((p) => got.push(`${t}${p[0]}`)));
      for (const [i, t] of tags.entries()) await c0.send(1, t, bytes(i));
      await Promise.all(recvs);
      return got;
    };
    const first = await order(5);
    expect([...first].sort()).toEqual(['a0', 'b1', 'c2', 'd3', 'e4', 'f5']);
    expect(first).not.toEqual(['a0', 'b1', 'c2', 'd3', 'e4', 'f5']); // actually reordered
    expect(() => createMemoryNetwork('j', { maxDelayMs: Number.NaN })).toThrow(/maxDelayMs/);
  });
});
