/**
 * `mpc up` as a user runs it (needs `npm run build`): from a folder of its own with a relative
 * `--dir` (the README's `npx mpc up` uses the relative default `.mpc`; the gateway's config
 * used to name its key file relative to the wrong folder, and the gateway exited). Then the
 * supervision: a party killed with SIGKILL is restarted by `mpc up` with backoff, the event is
 * printed and logged (`<dir>/logs/supervisor.log`), and a later MPC inference through the
 * gateway matches the plaintext model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GatewayProblemError, MpcClient } from '../../services/sdk/index.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';

const CLI = resolve('dist/services/cli/main.js');
const ONNX = new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx'));
const cwd = mkdtempSync(join(tmpdir(), 'mpc-up-rel-'));
const dir = join(cwd, 'state', '.mpc');
let child: ChildProcess;
let out = '';

/** Pids of processes whose command line mentions `needle`. */
function pidsMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(needle)) pids.push(Number(p));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; output so far:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  child = spawn(process.execPath, [CLI, 'up', '--dir', join('state', '.mpc'), '--he-workers', '0', '--no-jetstream'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await until('mpc up to print its gateway URL', () => out.includes('Press Ctrl-C') || child.exitCode !== null, 60_000);
}, 90_000);
afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
  }
  rmSync(cwd, { recursive: true, force: true });
});

describe('mpc up from another folder, supervised', () => {
  it('starts with a relative --dir: the gateway finds its key file and answers /readyz', async () => {
    expect(child.exitCode).toBeNull();
    const url = out.split('\n')[0]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(existsSync(join(dir, 'cluster.json'))).toBe(true);
    // Every path the services were given is absolute: they do not depend on where they run.
    const gw = JSON.parse(readFileSync(join(dir, 'config', 'gateway.json'), 'utf8')) as { apiKeysFile: string; identityFile: string };
    expect(gw.apiKeysFile).toBe(join(dir, 'gateway-keys.json'));
    expect(gw.identityFile).toBe(join(dir, 'keys', 'gateway.identity.json'));
  });

  it('restarts a party killed with SIGKILL, prints and logs it, and a later inference is right', async () => {
    const config = join(dir, 'config', 'party-1.json');
    const [pid] = pidsMentioning(config);
    expect(pid).toBeDefined();
    const printed = out.length;
    const t0 = Date.now();
    process.kill(pid!, 'SIGKILL');
    await until('the restart to be printed', () => /party-1 is running again/.test(out.slice(printed)), 30_000);
    // Running again means serving again: the new process logs party-started once it listens.
    const partyLog = join(dir, 'logs', 'party-1.log');
    const started = () => (readFileSync(partyLog, 'utf8').match(/"party-started"/g) ?? []).length;
    await until('the restarted party to serve', () => started() >= 2, 30_000);
    const restartMs = Date.now() - t0;
    const lines = out.slice(printed).split('\n').filter((l) => l.includes('party-1'));
    expect(lines[0]).toMatch(/party-1 exited \(signal SIGKILL\); restarting in \d+ ms/);
    const newPids = pidsMentioning(config);
    expect(newPids).toHaveLength(1);
    expect(newPids[0]).not.toBe(pid);
    const log = readFileSync(join(dir, 'logs', 'supervisor.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { service: string; event: string; signal?: string });
    expect(log).toEqual(expect.arrayContaining([expect.objectContaining({ service: 'party-1', event: 'exited', signal: 'SIGKILL' }), expect.objectContaining({ service: 'party-1', event: 'restarted' })]));
    process.stdout.write(`[mpc-up-supervised] party-1 killed -9: serving again after ${restartMs} ms\n`);

    const url = out.split('\n')[0]!;
    const keys = JSON.parse(readFileSync(join(dir, 'demo-api-keys.json'), 'utf8')) as { keys: Record<string, string> };
    const admin = new MpcClient({ gatewayUrl: url, apiKey: keys.keys['demo-admin']!, pollIntervalMs: 50 });
    // The coordinator learns of the new process from its next announcement (every second);
    // a job placed just before fails fast as party-gone (502), and the client retries.
    let model;
    for (let attempt = 0; ; attempt++) {
      try {
        model = await admin.publishModel(ONNX, { mode: 'mpc', name: 'digits', version: `after-restart-${attempt}` });
        break;
      } catch (e) {
        if (!(e instanceof GatewayProblemError && e.status === 502 && /party-gone/.test(e.message)) || attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const x = Float64Array.from({ length: 64 }, (_, i) => (i % 17) / 16);
    const got = await admin.infer(model.id, { shape: [1, 64], data: x }, { timeoutMs: 60_000 });
    const want = evaluatePlain(importOnnx(ONNX), x, 1).output;
    got.data.forEach((y, i) => expect(Math.abs(y - want[i]!)).toBeLessThan(0.01));
  }, 120_000);
});
