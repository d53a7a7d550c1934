/**
 * The folder boundaries of docs/architecture.md, checked on every import of the sources: layers
 * point one way (crypto-core <- protocols <- services), every process folder imports only the
 * wire contract and the shared libraries (never another process), test harnesses are reached
 * only from tests, benchmarks and other harnesses, protocols never touch NATS, HTTP or the disk,
 * and no two files import each other in a cycle. A failure names each offending arrow.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { importCycles, readImportGraph, type ImportEdge } from './import-graph.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const LIBRARIES = ['crypto-core', 'protocols', 'services/wire'];
const SERVICE_FOLDERS = ['wire', 'transport', 'audit', 'coordinator', 'party', 'he-worker', 'gateway', 'sdk', 'testing', 'cluster', 'demo', 'cli'].map((f) => `services/${f}`);

/**
 * Area -> areas it may import besides itself. Areas are `crypto-core`, `protocols`,
 * `protocols/testing`, `services/<folder>` and `bench`.
 */
export const ALLOWED: Record<string, readonly string[]> = {
  'crypto-core': [],
  protocols: ['crypto-core'],
  'protocols/testing': ['crypto-core', 'protocols'],
  'services/wire': ['crypto-core', 'protocols'],
  'services/transport': LIBRARIES,
  'services/audit': LIBRARIES,
  'services/coordinator': [...LIBRARIES, 'services/transport', 'services/audit'],
  'services/party': [...LIBRARIES, 'services/transport'],
  'services/he-worker': [...LIBRARIES, 'services/transport'],
  'services/gateway': [...LIBRARIES, 'services/transport'],
  'services/sdk': [...LIBRARIES, 'services/audit'],
  'services/testing': [...LIBRARIES, 'protocols/testing', 'services/transport', 'services/party'],
  // protocols/testing: the demo's governance drill (services/cluster/governance-drill) plays the tests' cheating party in-process.
  'services/cluster': [...LIBRARIES, 'protocols/testing', 'services/transport', 'services/audit', 'services/coordinator', 'services/party', 'services/he-worker', 'services/gateway', 'services/sdk'],
  'services/demo': [...LIBRARIES, 'services/audit', 'services/sdk'],
  'services/cli': ['crypto-core', 'protocols', 'bench', ...SERVICE_FOLDERS.filter((f) => f !== 'services/testing')],
  bench: ['crypto-core', 'protocols', 'protocols/testing', ...SERVICE_FOLDERS.filter((f) => f !== 'services/cli')],
};

/** Packages an area may not import: no NATS, HTTP, dependency injection or disk below services. */
const NO_IO = ['nats', 'fastify', '@fastify/', 'tsyringe', 'node:http', 'node:https', 'node:net', 'node:child_process'];
const NO_DISK = ['node:fs', 'node:fs/promises'];
export const FORBIDDEN_PACKAGES: Record<string, readonly string[]> = {
  'crypto-core': NO_IO,
  protocols: [...NO_IO, ...NO_DISK],
  'protocols/testing': [...NO_IO, ...NO_DISK],
  'services/wire': [...NO_IO, ...NO_DISK],
  'services/sdk': ['nats', 'fastify', '@fastify/', 'tsyringe'],
};

/** The area of a repository path, or undefined outside the checked roots. */
export function areaOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] === 'crypto-core' || parts[0] === 'bench') return parts[0];
  if (parts[0] === 'protocols') return parts[1] === 'testing' ? 'protocols/testing' : 'protocols';
  if (parts[0] === 'services' && parts.length > 2) return `services/${parts[1]}`;
  return undefined;
}

function isForbiddenPackage(area: string, pkg: string): boolean {
  return (FORBIDDEN_PACKAGES[area] ?? []).some((p) => (p.endsWith('/') ? pkg.startsWith(p) : pkg === p || pkg.startsWith(`${p}/`)));
}

/** The arrows that break a rule, each as "from -> to (why)". */
export function violations(edges: readonly ImportEdge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const from = areaOf(e.from);
    if (from === undefined) continue;
    if (e.external) {
      if (isForbiddenPackage(from, e.to)) out.push(`${e.from} -> ${e.to} (${from} may not import ${e.to})`);
      continue;
    }
    const to = areaOf(e.to);
    if (to === undefined) {
      out.push(`${e.from} -> ${e.to} (outside the source roots)`);
      continue;
    }
    const allowed = ALLOWED[from];
    if (allowed === undefined) out.push(`${e.from} -> ${e.to} (folder ${from} has no rule in docs/architecture.md)`);
    else if (to !== from && !allowed.includes(to)) out.push(`${e.from} -> ${e.to} (${from} may not import ${to})`);
  }
  return out;
}

describe('import boundaries', () => {
  const { files, edges } = readImportGraph(ROOT);

  it('reads the sources (a sanity check that the walk sees the tree)', () => {
    expect(files.length).toBeGreaterThan(250);
    expect(edges.filter((e) => !e.external).length).toBeGreaterThan(1000);
    expect(files.filter((f) => areaOf(f) !== undefined && ALLOWED[areaOf(f)!] === undefined)).toEqual([]);
  });

  it('has no arrow between process folders, upward across layers or into a test harness', () => {
    expect(violations(edges)).toEqual([]);
  });

  it('has no import cycle between files', () => {
    expect(importCycles(files, edges)).toEqual([]);
  });

  it('catches each kind of violation (the rules are not vacuous)', () => {
    const bad: ImportEdge[] = [
      { from: 'services/party/x.ts', to: 'services/coordinator/y.ts', external: false },
      { from: 'services/sdk/x.ts', to: 'services/gateway/y.ts', external: false },
      { from: 'protocols/rss/x.ts', to: 'services/wire/y.ts', external: false },
      { from: 'crypto-core/x.ts', to: 'protocols/rss/y.ts', external: false },
      { from: 'services/wire/x.ts', to: 'services/transport/y.ts', external: false },
      { from: 'protocols/rss/x.ts', to: 'protocols/testing/y.ts', external: false },
      { from: 'services/coordinator/x.ts', to: 'services/testing/y.ts', external: false },
      { from: 'protocols/rss/x.ts', to: 'nats', external: true },
      { from: 'protocols/rss/x.ts', to: 'node:fs', external: true },
      { from: 'services/wire/x.ts', to: '@fastify/swagger', external: true },
      { from: 'services/elsewhere/x.ts', to: 'services/wire/y.ts', external: false },
    ];
    expect(violations(bad)).toHaveLength(bad.length);
    expect(violations([{ from: 'services/cli/x.ts', to: 'services/testing/y.ts', external: false }])).toHaveLength(1);
    const fine: ImportEdge[] = [
      { from: 'services/party/x.ts', to: 'services/wire/y.ts', external: false },
      { from: 'services/cluster/x.ts', to: 'services/party/y.ts', external: false },
      { from: 'bench/x.ts', to: 'protocols/testing/y.ts', external: false },
      { from: 'crypto-core/x.ts', to: 'node:fs', external: true },
    ];
    expect(violations(fine)).toEqual([]);
    expect(importCycles(['a.ts', 'b.ts', 'c.ts'], [
      { from: 'a.ts', to: 'b.ts', external: false },
      { from: 'b.ts', to: 'a.ts', external: false },
      { from: 'b.ts', to: 'c.ts', external: false },
    ])).toEqual([['a.ts', 'b.ts']]);
  });
});
