/**
 * The `npx mpc` launcher (services/cli/bin/mpc.js): with dist/ built it runs the CLI; without
 * it (a checkout after `npm ci --ignore-scripts`, or a clean) it prints one line that says what
 * to do and exits 78, instead of a module-not-found stack trace. `npm ci` builds dist/ through
 * the `prepare` script.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve('services/cli/bin/mpc.js');

describe('npx mpc launcher', () => {
  it('runs the built CLI', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: mpc <command>/);
  });

  it('without dist/ prints one clear line and exits 78', () => {
    // The same launcher in a tree that has no dist/.
    const root = mkdtempSync(join(tmpdir(), 'mpc-bin-'));
    try {
      mkdirSync(join(root, 'services', 'cli', 'bin'), { recursive: true });
      copyFileSync(BIN, join(root, 'services', 'cli', 'bin', 'mpc.js'));
      const r = spawnSync(process.execPath, [join(root, 'services', 'cli', 'bin', 'mpc.js'), '--help'], { encoding: 'utf8' });
      expect(r.status).toBe(78);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toEqual(["mpc: the CLI is not built (dist/services/cli/main.js is missing): run 'npm run build' in the project folder"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('npm ci builds dist/ (the prepare script compiles the TypeScript)', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toBe('tsc -p tsconfig.build.json');
  });
});
