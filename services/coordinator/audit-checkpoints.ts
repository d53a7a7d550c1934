/**
 * @module services/coordinator/audit-checkpoints
 * When the coordinator signs checkpoints of its audit log: within `everyMs` (default 1 s) of new
 * entries, after every `everyEntries` (default 1000), and a last time on stop. The signing is
 * services/audit's {@link scheduleCheckpoints}; this module only decides when to ask it.
 *
 * Why not its own timer: `scheduleCheckpoints`'s tick, when nothing was appended since the last
 * checkpoint, returns before its first `await`, so its `finally { running = null }` runs before
 * `running ??= ...` stores the settled promise; every later tick then returns that promise and
 * no checkpoint is ever signed again (reported to its owner with the fix). Here the schedule's
 * tick is called only when there are unsigned entries, and its own timer is left idle.
 */
import { parseCheckpoint, parseNote } from '../../crypto-core/checkpoint/index.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { scheduleCheckpoints, type CheckpointSchedule, type CheckpointScheduleOptions } from '../audit/checkpoint-schedule.js';

/** Longest interval a Node timer takes: the schedule's own timer never fires in practice. */
const IDLE_TIMER_MS = 2 ** 31 - 1;

/**
 * Starts signing checkpoints of `log` on activity (see the module comment).
 * @param opts - as scheduleCheckpoints; `everyMs` defaults to 1000 here.
 */
export function signCheckpointsOnActivity(log: Pick<AuditLog, 'size' | 'checkpoint'>, opts: CheckpointScheduleOptions = {}): CheckpointSchedule {
  const everyMs = opts.everyMs ?? 1000;
  if (typeof everyMs !== 'number' || !Number.isFinite(everyMs) || everyMs < 10) throw new InvalidArgumentError(`everyMs: expected at least 10 ms, got ${String(everyMs)}`);
  let signedSize = 0;
  const inner = scheduleCheckpoints(log, {
    ...opts,
    everyMs: IDLE_TIMER_MS,
    onCheckpoint: (note) => {
      signedSize = parseCheckpoint(parseNote(note).text).size;
      opts.onCheckpoint?.(note);
    },
  });
  const tick = (): Promise<string | null> => (log.size > signedSize ? inner.tick() : Promise.resolve(null));
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return {
    tick,
    async stop() {
      clearInterval(timer);
      await inner.stop();
    },
  };
}
