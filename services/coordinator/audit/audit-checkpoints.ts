/**
 * @module services/coordinator/audit/audit-checkpoints
 * When the coordinator signs checkpoints of its audit log: within `everyMs` (default 1 s here)
 * of new entries, after every `everyEntries` (default 1000), and a last time on stop: the
 * services/audit schedule with the coordinator's default interval.
 */
import type { AuditLog } from '../../audit/audit-log.js';
import { scheduleCheckpoints, type CheckpointSchedule, type CheckpointScheduleOptions } from '../../audit/checkpoint-schedule.js';

/**
 * Starts signing checkpoints of `log` on activity.
 * @param opts - as scheduleCheckpoints; `everyMs` defaults to 1000 here.
 */
export function signCheckpointsOnActivity(log: Pick<AuditLog, 'size' | 'checkpoint'>, opts: CheckpointScheduleOptions = {}): CheckpointSchedule {
  return scheduleCheckpoints(log, { ...opts, everyMs: opts.everyMs ?? 1000 });
}
