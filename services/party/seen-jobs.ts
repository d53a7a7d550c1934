/**
 * @module services/party/seen-jobs
 * The job ids a party has accepted, so that a replayed job order is refused even after the
 * party restarts: a job id is the salt of the job's channel keys, and running it twice would
 * reuse AES-GCM nonces. Kept in an append-only file (one `jobId deadline` per line) under the
 * state directory; entries whose deadline has passed are dropped on load, because an expired
 * order is refused for its deadline anyway.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Memory of accepted job ids. */
export interface SeenJobs {
  /** Whether `jobId` was accepted before. */
  has(jobId: string): boolean;
  /** Records `jobId`, valid until `deadline` (epoch ms). */
  add(jobId: string, deadline: number): void;
}

/** {@link SeenJobs} in memory only (in-process tests). */
export class MemorySeenJobs implements SeenJobs {
  readonly #ids = new Map<string, number>();
  has(jobId: string): boolean {
    return this.#ids.has(jobId);
  }
  add(jobId: string, deadline: number): void {
    this.#ids.set(jobId, deadline);
  }
}

/** {@link SeenJobs} backed by an append-only file. */
export class FileSeenJobs implements SeenJobs {
  readonly #ids = new Map<string, number>();
  readonly #path: string;

  constructor(path: string, now: number = Date.now()) {
    this.#path = path;
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    for (const line of text.split('\n')) {
      const [id, d] = line.split(' ');
      const deadline = Number(d);
      if (id && Number.isFinite(deadline) && deadline > now) this.#ids.set(id, deadline);
    }
  }

  has(jobId: string): boolean {
    return this.#ids.has(jobId);
  }

  add(jobId: string, deadline: number): void {
    this.#ids.set(jobId, deadline);
    mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
    appendFileSync(this.#path, `${jobId} ${deadline}\n`, { mode: 0o600 });
  }
}
