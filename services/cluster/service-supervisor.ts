/**
 * @module services/cluster/service-supervisor
 * Keeps the service processes of a local cluster running: a process that exits while it is
 * supervised (a crash, an OOM kill, `kill -9`) is started again after a backoff that doubles
 * with each quick failure (500 ms, 1 s, 2 s, ... up to 30 s) and resets once the process has
 * stayed up for 30 s, so a service that cannot start does not spin. Every exit and restart is
 * handed to `onEvent` (`mpc up` prints it) and appended as a JSON line to
 * `<dir>/logs/supervisor.log` and to the service's own log.
 *
 * Supervision starts with {@link ServiceSupervisor.arm} (once the cluster is up: a service that
 * fails while starting fails the start, with its log, instead of being retried); an exit the
 * cluster asked for ({@link ServiceSupervisor.expectExit}: stop, a drill's restart) is not
 * restarted.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';

/** One thing the supervisor saw or did. */
export interface SupervisorEvent {
  at: string;
  service: string;
  event: 'exited' | 'restarted' | 'restart-failed';
  code?: number | null;
  signal?: string | null;
  /** Milliseconds until the restart (on `exited`). */
  delayMs?: number;
  /** Restarts of this service so far. */
  restarts: number;
  pid?: number;
  message?: string;
}

/** Backoff settings. */
export interface SupervisorOptions {
  /** First restart delay (default 500 ms). */
  initialDelayMs?: number;
  /** Largest restart delay (default 30 s). */
  maxDelayMs?: number;
  /** A process up this long counts as healthy again: the delay starts over (default 30 s). */
  stableMs?: number;
}

interface Watched {
  child: ChildProcess;
  startedAt: number;
  /** Consecutive quick failures. */
  failures: number;
  restarts: number;
  timer?: NodeJS.Timeout;
}

/** Restarts the processes it watches when they exit on their own. */
export class ServiceSupervisor {
  readonly #dir: string;
  readonly #launch: (name: string) => ChildProcess;
  readonly #opts: Required<SupervisorOptions>;
  readonly #watched = new Map<string, Watched>();
  readonly #expected = new Set<ChildProcess>();
  #onEvent: ((e: SupervisorEvent) => void) | undefined;
  #armed = false;
  #stopped = false;

  /**
   * @param dir - the cluster directory (logs go to `<dir>/logs/`).
   * @param launch - starts service `name` again and returns its process (which it passes to {@link watch}).
   */
  constructor(dir: string, launch: (name: string) => ChildProcess, opts: SupervisorOptions = {}) {
    this.#dir = dir;
    this.#launch = launch;
    this.#opts = { initialDelayMs: opts.initialDelayMs ?? 500, maxDelayMs: opts.maxDelayMs ?? 30_000, stableMs: opts.stableMs ?? 30_000 };
  }

  /** Tracks the process of service `name` (a new one replaces the last). */
  watch(name: string, child: ChildProcess): void {
    const prev = this.#watched.get(name);
    const w: Watched = { child, startedAt: Date.now(), failures: prev?.failures ?? 0, restarts: prev?.restarts ?? 0 };
    this.#watched.set(name, w);
    child.once('exit', (code, signal) => this.#exited(name, w, code, signal));
  }

  /** Starts restarting exited services; `onEvent` hears of every exit and restart. */
  arm(onEvent?: (e: SupervisorEvent) => void): void {
    this.#armed = true;
    this.#onEvent = onEvent;
  }

  /** The next exit of `child` is wanted (a stop or a restart by the cluster): not restarted. */
  expectExit(child: ChildProcess): void {
    this.#expected.add(child);
  }

  /** No more restarts (the cluster is stopping); pending ones are cancelled. */
  stop(): void {
    this.#stopped = true;
    for (const w of this.#watched.values()) clearTimeout(w.timer);
  }

  #exited(name: string, w: Watched, code: number | null, signal: NodeJS.Signals | null): void {
    const expected = this.#expected.delete(w.child);
    if (expected || this.#stopped || !this.#armed || this.#watched.get(name) !== w) return;
    // A process that ran long enough was healthy: its exit starts the backoff over.
    w.failures = Date.now() - w.startedAt >= this.#opts.stableMs ? 0 : w.failures + 1;
    const delayMs = Math.min(this.#opts.maxDelayMs, this.#opts.initialDelayMs * 2 ** Math.max(0, w.failures - 1));
    this.#emit({ at: new Date().toISOString(), service: name, event: 'exited', code, signal, delayMs, restarts: w.restarts });
    w.timer = setTimeout(() => {
      if (this.#stopped) return;
      w.restarts++;
      try {
        const child = this.#launch(name);
        this.#emit({ at: new Date().toISOString(), service: name, event: 'restarted', restarts: w.restarts, ...(child.pid === undefined ? {} : { pid: child.pid }) });
      } catch (e) {
        this.#emit({ at: new Date().toISOString(), service: name, event: 'restart-failed', restarts: w.restarts, message: e instanceof Error ? e.message : String(e) });
      }
    }, delayMs);
  }

  #emit(e: SupervisorEvent): void {
    const line = `${JSON.stringify({ level: e.event === 'restarted' ? 'info' : 'warn', msg: `supervisor-${e.event}`, ...e })}\n`;
    for (const file of [join(this.#dir, 'logs', 'supervisor.log'), join(this.#dir, 'logs', `${e.service}.log`)]) {
      try {
        appendFileSync(file, line, { mode: 0o600 });
      } catch {
        // A log that cannot be written must not stop the restart.
      }
    }
    this.#onEvent?.(e);
  }
}

/** How `mpc up` prints an event: one line. */
export function describeSupervisorEvent(e: SupervisorEvent): string {
  if (e.event === 'exited') return `${e.service} exited (${e.signal ? `signal ${e.signal}` : `code ${e.code}`}); restarting in ${e.delayMs} ms`;
  if (e.event === 'restarted') return `${e.service} is running again (pid ${e.pid ?? '?'}, restart ${e.restarts})`;
  return `${e.service} could not be restarted: ${e.message ?? 'unknown error'}`;
}
