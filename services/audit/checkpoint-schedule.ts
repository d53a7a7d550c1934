/**
 * @module services/audit/checkpoint-schedule
 * When the coordinator signs checkpoints: after every `everyEntries` new entries, and at least
 * every `everyMs` while entries keep arriving, so an auditor's view is never far behind and the
 * export's checkpoint history narrows down where a tampered entry sits. No checkpoint is signed
 * when nothing was appended since the last one.
 */
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { AuditLog } from './audit-log.js';

/** Options of {@link scheduleCheckpoints}. */
export interface CheckpointScheduleOptions {
  /** Sign once this many entries arrived since the last checkpoint (default 1000). */
  everyEntries?: number;
  /** Check this often, and sign if anything arrived (default 10 000 ms). */
  everyMs?: number;
  /**
   * Called with each new note (publish it, hand it to witnesses). When it returns a promise, the
   * schedule waits for it before the next signing (witnesses see checkpoints in order), and a
   * string it returns or resolves to (the cosigned note) is what `tick` returns.
   */
  onCheckpoint?: (note: string) => unknown;
  /** Called when signing or storing fails; the schedule keeps running. */
  onError?: (err: unknown) => void;
}

/** A running schedule. */
export interface CheckpointSchedule {
  /** Signs now if entries arrived since the last checkpoint; resolves with the note or null. */
  tick(): Promise<string | null>;
  /** Stops the timer and signs a last checkpoint if entries arrived. */
  stop(): Promise<void>;
}

/** Starts signing checkpoints of `log` on the schedule. */
export function scheduleCheckpoints(log: Pick<AuditLog, 'size' | 'checkpoint'>, opts: CheckpointScheduleOptions = {}): CheckpointSchedule {
  const everyEntries = opts.everyEntries ?? 1000;
  const everyMs = opts.everyMs ?? 10_000;
  if (!Number.isSafeInteger(everyEntries) || everyEntries < 1) throw new InvalidArgumentError(`everyEntries: expected a positive integer, got ${everyEntries}`);
  if (!Number.isFinite(everyMs) || everyMs < 10) throw new InvalidArgumentError(`everyMs: expected at least 10 ms, got ${everyMs}`);
  let signedAt = -1;
  let running: Promise<string | null> | null = null;
  const tick = (): Promise<string | null> => {
    // One signing at a time; a tick during one waits for it. `running` is cleared after the
    // promise is stored (never from inside it, which may settle before the assignment).
    if (running) return running;
    const p = (async () => {
      try {
        if (log.size === signedAt || log.size === 0) return null;
        const size = log.size;
        const note = await log.checkpoint();
        signedAt = size;
        let witnessed: unknown;
        try {
          witnessed = await opts.onCheckpoint?.(note);
        } catch (e) {
          opts.onError?.(e);
        }
        return typeof witnessed === 'string' ? witnessed : note;
      } catch (e) {
        opts.onError?.(e);
        return null;
      }
    })();
    running = p;
    void p.finally(() => {
      if (running === p) running = null;
    });
    return p;
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  // A cheap size check between timer ticks catches bursts of entries early.
  const poll = setInterval(() => {
    if (log.size - Math.max(signedAt, 0) >= everyEntries) void tick();
  }, Math.min(everyMs, 100));
  poll.unref();
  return {
    tick,
    async stop() {
      clearInterval(timer);
      clearInterval(poll);
      if (running) await running;
      await tick();
    },
  };
}
