/**
 * `mpc up` as a user runs it (needs `npm run build`): it starts nats-server, the coordinator and
 * three parties as processes, writes cluster.json, prints the gateway and console URLs, and on SIGINT (Ctrl-C) stops every one of
 * them and exits 0.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loopbackPortOpen } from '../../services/cluster/nats-server-process.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WITNESS_POLICY_FILE, type ClusterFile } from '../../services/cluster/local-cluster.js';

const dir = mkdtempSync(join(tmpdir(), 'mpc-up-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Pids of processes whose command line mentions `needle`. */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle)) out.push(Number(p));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

describe('mpc up', () => {
  it('runs the cluster until SIGINT, then stops every process and exits 0', async () => {
    const child = spawn(process.execPath, ['dist/services/cli/main.js', 'up', '--dir', dir, '--no-jetstream'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const end = Date.now() + 30_000;
    while (!out.includes('Press Ctrl-C') && Date.now() < end && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('Press Ctrl-C');
    const cluster = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterFile;
    const port = Number(new URL(cluster.natsUrl).port);
    expect(cluster.parties).toEqual(['party-0', 'party-1', 'party-2']);
    expect(Object.keys(cluster.credentials)).toEqual(expect.arrayContaining(['coordinator', 'party-0', 'client', 'gateway']));
    expect(await loopbackPortOpen(port)).toBe(true);
    // The coordinator, three parties, two HE workers and the gateway, each its own process.
    expect(processesMentioning(join(dir, 'config')).length).toBe(7);
    // The first line is the gateway URL, printed once /readyz answers 200.
    const gatewayUrl = out.split('\n')[0]!;
    expect(gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster.gatewayUrl).toBe(gatewayUrl);
    expect((await fetch(`${gatewayUrl}/readyz`)).status).toBe(200);
    // The console's URL carries the log key the cluster's witness policy pins (docs/console.md).
    const consoleUrl = new URL(/^console: +(\S+)$/m.exec(out)![1]!);
    expect(`${consoleUrl.origin}${consoleUrl.pathname}`).toBe(`${gatewayUrl}/console/`);
    expect((await fetch(consoleUrl)).status).toBe(200);
    expect(`log ${consoleUrl.searchParams.get('logKey')}`).toBe(readFileSync(join(dir, WITNESS_POLICY_FILE), 'utf8').split('\n').find((l) => l.startsWith('log ')));

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('stopping');
    expect(await loopbackPortOpen(port)).toBe(false);
    expect(processesMentioning(join(dir, 'config'))).toEqual([]);
  });
});
