/**
 * @module services/party/seen-jobs
 * The job ids a party has accepted, so that a replayed job order is refused even after the
 * party restarts (a job id runs once: a model published twice, a query counted twice against a
 * budget). Kept in an append-only file (one `jobId deadline` per line) under the state
 * directory; every accepted id is written and fsynced before the order is acted on, so a crash
 * right after cannot forget it. Entries whose deadline has passed are dropped on load (an
 * expired order is refused for its deadline anyway) and the file is compacted then.
 *
 * Key freshness does not rest on this file: channel keys and PRF seeds include a nonce that
 * the party draws for every run (services/transport/channel-keys), so a job id that runs again
 * after the file lost it still runs under fresh keys.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { fsyncDir, replaceFileDurably } from './durable-file.js';
import { dirname } from 'node:path';

/** Memory of accepted job ids. */
export interface SeenJobs {
  /** Whether `jobId` was accepted before. */
  has(jobId: string): boolean;
  /** Records `jobId`, valid until `deadline` (epoch ms); durable when it returns. */
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


/** {@link SeenJobs} backed by an append-only, fsynced file. */
export class FileSeenJobs implements SeenJobs {
  readonly #ids = new Map<string, number>();
  readonly #path: string;
  /** Whether the file's directory entry is known to be durable. */
  #dirSynced = false;

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
    if (text.length > 0) this.#compact();
  }

  has(jobId: string): boolean {
    return this.#ids.has(jobId);
  }

  add(jobId: string, deadline: number): void {
    this.#ids.set(jobId, deadline);
    const dir = dirname(this.#path);
    if (!this.#dirSynced) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = openSync(this.#path, 'a', 0o600);
    try {
      writeSync(fd, `${jobId} ${deadline}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (!this.#dirSynced) {
      fsyncDir(dir);
      this.#dirSynced = true;
    }
  }

  /** Rewrites the file with the live entries only: temporary file, fsync, rename, fsync the directory. */
  #compact(): void {
    replaceFileDurably(this.#path, [...this.#ids].map(([id, d]) => `${id} ${d}\n`).join(''));
    this.#dirSynced = true;
  }
}
