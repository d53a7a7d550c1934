/**
 * The supervisor `mpc up` runs (services/cluster/service-supervisor) with real child
 * processes: a process that keeps failing is restarted with doubling delays, a process that
 * ran long enough starts the backoff over, an exit the cluster asked for is not restarted, and
 * nothing is restarted before `arm` or after `stop`. Every event is in logs/supervisor.log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceSupervisor, describeSupervisorEvent, type SupervisorEvent } from '../../services/cluster/service-supervisor.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A supervisor over `node -e <script>` processes named `svc`, with short delays. */
function setup(script: string, opts: { stableMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mpc-sup-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'logs'));
  const events: SupervisorEvent[] = [];
  const children: ChildProcess[] = [];
  const launch = (name: string): ChildProcess => {
    const c = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    children.push(c);
    sup.watch(name, c);
    return c;
  };
  const sup = new ServiceSupervisor(dir, launch, { initialDelayMs: 20, maxDelayMs: 80, stableMs: opts.stableMs ?? 60_000 });
  return { dir, sup, events, children, launch };
}

const until = async (ok: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('service supervisor', () => {
  it('restarts a crashing process with doubling delays up to the cap, and logs every event', async () => {
    const { dir, sup, events, launch } = setup('process.exit(3)');
    sup.arm((e) => events.push(e));
    launch('svc');
    await until(() => events.filter((e) => e.event === 'restarted').length >= 4);
    sup.stop();
    const delays = events.filter((e) => e.event === 'exited').map((e) => e.delayMs);
    expect(delays.slice(0, 4)).toEqual([20, 40, 80, 80]);
    expect(events[0]).toMatchObject({ service: 'svc', event: 'exited', code: 3, restarts: 0 });
    expect(events[1]).toMatchObject({ service: 'svc', event: 'restarted', restarts: 1 });
    expect(describeSupervisorEvent(events[0]!)).toBe('svc exited (code 3); restarting in 20 ms');
    const log = readFileSync(join(dir, 'logs', 'supervisor.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SupervisorEvent & { msg: string });
    expect(log.length).toBeGreaterThanOrEqual(8);
    expect(log[0]).toMatchObject({ msg: 'supervisor-exited', service: 'svc', code: 3 });
    expect(readFileSync(join(dir, 'logs', 'svc.log'), 'utf8')).toContain('supervisor-restarted');
  });

  it('starts the backoff over after a process stayed up for stableMs', async () => {
    // Each process lives 60 ms; with stableMs 30 every exit counts as the first.
    const { sup, events, launch } = setup('setTimeout(() => process.exit(1), 60)', { stableMs: 30 });
    sup.arm((e) => events.push(e));
    launch('svc');
    await until(() => events.filter((e) => e.event === 'exited').length >= 3);
    sup.stop();
    expect(events.filter((e) => e.event === 'exited').map((e) => e.delayMs)).toEqual([20, 20, 20]);
  });

  it('does not restart before arm, after an expected exit, or after stop', async () => {
    const { sup, events, children, launch } = setup('setInterval(() => {}, 1000)');
    const first = launch('svc');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    sup.arm((e) => events.push(e));
    const second = launch('svc');
    sup.expectExit(second);
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
    const third = launch('svc');
    third.kill('SIGKILL');
    await until(() => events.some((e) => e.event === 'restarted'));
    expect(events.map((e) => [e.event, e.signal ?? null])).toEqual([['exited', 'SIGKILL'], ['restarted', null]]);
    sup.stop();
    const fourth = children.at(-1)!;
    fourth.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    expect(events).toHaveLength(2);
    expect(children).toHaveLength(4);
  });
});
