/**
 * A capture of the broker's traffic during a demo run (issue 14): a full local cluster as
 * `mpc up` starts it (TLS with the cluster CA, nkeys) with every NATS connection routed
 * through a TCP proxy in this test that records both directions, while the demo's first two
 * stories run (hospitals upload, an analyst queries; a model owner publishes an MPC model and a
 * client gets predictions). Checked in the recording: no step label of the protocols, no layer
 * or operation name, no nkey seed, no API key, no NATS protocol verb; after each server's
 * opening INFO line only TLS records. And, as the broker itself sees the messages (an observer
 * account subscribed to everything), no step label in any subject or party-to-party frame.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { startFullCluster, type FullCluster } from '../../services/cluster/full-cluster.js';
import { MpcClient } from '../../services/sdk/mpc-client.js';
import { parseTrustBundle, TRUST_BUNDLE_FILE } from '../../services/wire/trust-bundle.js';
import { hospitalStory } from '../../services/demo/story-hospitals.js';
import { inferenceStory } from '../../services/demo/story-inference.js';

/** One proxied connection: what the client sent and what the server sent. */
interface Recorded {
  up: Buffer[];
  down: Buffer[];
}

/** A TCP proxy in front of the broker that records both directions of every connection. */
class RecordingProxy {
  readonly connections: Recorded[] = [];
  readonly #server: Server = createServer();
  readonly #sockets = new Set<Socket>();

  async start(serverPort: number): Promise<number> {
    this.#server.on('connection', (client) => {
      const rec: Recorded = { up: [], down: [] };
      this.connections.push(rec);
      const upstream = createConnection({ host: '127.0.0.1', port: serverPort });
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.on('data', (d) => {
        rec.up.push(Buffer.from(d));
        upstream.write(d);
      });
      upstream.on('data', (d) => {
        rec.down.push(Buffer.from(d));
        client.write(d);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const addr = this.#server.address();
    if (typeof addr !== 'object' || !addr) throw new Error('proxy has no port');
    return addr.port;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Every step word of the protocols (`ctx.scope('relu')`, `ctx.nextTag('and')`), as it appears in a label: `/<word>#`. */
function stepNeedles(): string[] {
  const words = new Set<string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.ts')) for (const m of readFileSync(join(d, e.name), 'utf8').matchAll(/(?:scope|nextTag)\('([A-Za-z0-9_-]+)'/g)) words.add(m[1]!);
    }
  };
  walk(join(import.meta.dirname, '..', '..', 'protocols'));
  return [...words].map((w) => `/${w}#`);
}

const proxy = new RecordingProxy();
let dir: string;
let cluster: FullCluster;
let observer: NatsConnection;
const brokerView: { subject: string; data: Buffer }[] = [];
const storyLines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mpc-capture-'));
  cluster = await startFullCluster({
    dir,
    heWorkers: 0,
    natsFront: (port) => proxy.start(port),
    extraUsers: [{ user: 'observer', permissions: { publish: [], subscribe: ['>'] } }],
  });
  observer = await cluster.connect('observer');
  observer.subscribe('>', { callback: (_e, m) => brokerView.push({ subject: m.subject, data: Buffer.from(m.data) }) });
  await observer.flush();
  const trust = parseTrustBundle(JSON.parse(readFileSync(join(dir, TRUST_BUNDLE_FILE), 'utf8')));
  const client = (id: string): MpcClient => new MpcClient({ gatewayUrl: cluster.gatewayUrl, apiKey: cluster.demoKeys[id]!, pollIntervalMs: 100, trust });
  const say = (l: string): void => void storyLines.push(l);
  const hospital = client('demo-hospital');
  await hospitalStory({ hospitals: [hospital, hospital, hospital], analyst: client('demo-analyst') }, say, 'cap');
  await inferenceStory({ owner: client('demo-model-owner'), client: client('demo-client') }, say, 'cap', { he: false });
  await observer.flush();
}, 240_000);

afterAll(async () => {
  await observer?.close();
  await cluster?.stop();
  await proxy.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('capture of the broker traffic during a demo run', () => {
  it('holds no step label, layer name, seed, API key or NATS verb in clear; only TLS after the INFO line', () => {
    const all = Buffer.concat(proxy.connections.flatMap((c) => [...c.up, ...c.down]));
    // The stories ran, through the proxy: there is a lot to look at.
    expect(storyLines.join('\n')).toMatch(/predict|class|mean|count/i);
    expect(proxy.connections.length).toBeGreaterThanOrEqual(7);
    expect(all.length).toBeGreaterThan(500_000);
    const seeds = readdirSync(join(dir, 'creds')).map((f) => (JSON.parse(readFileSync(join(dir, 'creds', f), 'utf8')) as { nkeySeed: string }).nkeySeed);
    expect(seeds.every((s) => typeof s === 'string' && s.startsWith('SU'))).toBe(true);
    const needles = [...stepNeedles(), 'model#0/', 'query#', ...seeds, ...Object.values(cluster.demoKeys), 'CONNECT {', 'PUB mpc.', 'MSG mpc.', 'mpc.p2p.', 'mpc.coord.'];
    expect(needles.length).toBeGreaterThan(20);
    for (const n of needles) expect(all.includes(Buffer.from(n, 'utf8')), `'${n}' in clear on the wire`).toBe(false);
    for (const c of proxy.connections) {
      const up = Buffer.concat(c.up);
      const down = Buffer.concat(c.down);
      if (up.length === 0 && down.length === 0) continue;
      // The server's opening INFO (nats-server 2.9 has no TLS-first handshake), then TLS records both ways.
      const eol = down.indexOf('\r\n');
      expect(down.subarray(0, 5).toString('latin1')).toBe('INFO ');
      expect(down.subarray(0, eol).toString('latin1')).toContain('"tls_required":true');
      if (up.length > 0) expect([up[0], up[1]]).toEqual([0x16, 0x03]);
      if (down.length > eol + 2) expect([down[eol + 2], down[eol + 3]]).toEqual([0x16, 0x03]);
    }
  });

  it('as the broker sees the messages: no step label in any subject or party-to-party frame', () => {
    const frames = brokerView.filter((m) => m.subject.startsWith('mpc.p2p.'));
    expect(frames.length).toBeGreaterThan(100);
    const needles = [...stepNeedles(), 'model#0/', 'query#'];
    for (const m of brokerView) for (const n of needles) expect(m.subject.includes(n), `subject ${m.subject}`).toBe(false);
    for (const f of frames) for (const n of needles) expect(f.data.includes(Buffer.from(n, 'utf8')), `'${n}' in a frame on ${f.subject}`).toBe(false);
  });
});
