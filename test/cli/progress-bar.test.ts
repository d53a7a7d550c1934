import { describe, expect, it } from 'vitest';
import { jobProgressBar } from '../../services/cli/progress-bar.js';
import type { JobStatus } from '../../services/wire/api.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const stream = { isTTY, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => out };
}

const job = (progress: number, state: JobStatus['state']): JobStatus => ({ id: 'j1', kind: 'mpc-inference', state, progress, createdAt: '', updatedAt: '' });

describe('job progress bar', () => {
  it('draws on a terminal and ends the line', () => {
    const f = fakeStream(true);
    const bar = jobProgressBar('infer m1', true, f.stream);
    bar.update(job(0.5, 'running'));
    bar.update(job(1, 'verified'));
    bar.done();
    expect(f.text()).toMatch(/\rinfer m1 \[#{12}-{12}\] 50% running/);
    expect(f.text()).toMatch(/\[#{24}\] 100% verified [\d.]+s/);
    expect(f.text().endsWith('\u001b[K\n')).toBe(true);
  });
  it('stays silent in pipes and in JSON mode', () => {
    for (const [tty, enabled] of [[false, true], [true, false]] as const) {
      const f = fakeStream(tty);
      const bar = jobProgressBar('x', enabled, f.stream);
      bar.update(job(0.3, 'running'));
      bar.done();
      expect(f.text()).toBe('');
    }
  });
});
