/**
 * The party's file of accepted job ids (services/party/seen-jobs): what a restarted party
 * remembers, what it forgets (expired ids), and that the file is compacted on load.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSeenJobs } from '../../services/party/seen-jobs.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function file(): string {
  const d = mkdtempSync(join(tmpdir(), 'seen-jobs-'));
  dirs.push(d);
  return join(d, 'state', 'seen-jobs.log');
}

describe('FileSeenJobs', () => {
  it('remembers accepted ids across a restart until their deadline, then forgets them', () => {
    const path = file();
    const now = 1_000_000;
    const a = new FileSeenJobs(path, now);
    expect(a.has('j1')).toBe(false);
    a.add('j1', now + 10);
    a.add('j2', now + 1000);
    expect(a.has('j1')).toBe(true);
    // Written before add returned: a second instance (a restart) sees both.
    const b = new FileSeenJobs(path, now + 5);
    expect([b.has('j1'), b.has('j2')]).toEqual([true, true]);
    const c = new FileSeenJobs(path, now + 50);
    expect([c.has('j1'), c.has('j2')]).toEqual([false, true]);
  });

  it('compacts the file to the live entries on load and ignores malformed lines', () => {
    const path = file();
    const now = 5_000;
    new FileSeenJobs(path, now).add('live', now + 100);
    writeFileSync(path, `${readFileSync(path, 'utf8')}old 10\ngarbage\nx notanumber\n`, { flag: 'w' });
    const s = new FileSeenJobs(path, now);
    expect(s.has('live')).toBe(true);
    expect(s.has('old')).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(`live ${now + 100}\n`);
    expect(existsSync(`${path}.tmp`)).toBe(false);
    s.add('next', now + 200);
    expect(readFileSync(path, 'utf8')).toBe(`live ${now + 100}\nnext ${now + 200}\n`);
  });
});
