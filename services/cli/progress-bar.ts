/**
 * @module services/cli/progress-bar
 * A one-line progress bar on stderr for commands that wait on a job. Drawn only when stderr is
 * a terminal and the command is not printing JSON, so scripts and pipes see nothing of it.
 */
import type { JobStatus } from '../wire/api.js';

/** A progress display for one job. */
export interface JobProgress {
  update(job: JobStatus): void;
  done(): void;
}

const WIDTH = 24;

/** A bar labelled `label`; inert when `enabled` is false or the stream is not a TTY. */
export function jobProgressBar(label: string, enabled: boolean, stream: NodeJS.WriteStream = process.stderr): JobProgress {
  if (!enabled || !stream.isTTY) return { update: () => undefined, done: () => undefined };
  const t0 = Date.now();
  let drawn = false;
  return {
    update(job) {
      const filled = Math.round(Math.min(1, Math.max(0, job.progress)) * WIDTH);
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${Math.round(job.progress * 100)}% ${job.state} ${secs}s\u001b[K`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}
