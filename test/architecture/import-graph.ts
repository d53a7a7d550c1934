/**
 * @module test/architecture/import-graph
 * The project's file-level import graph, read from the sources: every relative `import`,
 * `export ... from` and dynamic `import()` of every `.ts` file under crypto-core/, protocols/,
 * services/ and bench/, with type-only imports included (a type import is still an arrow a
 * maintainer must follow). Package imports (`nats`, `node:fs`) are kept apart so that rules can
 * name which folders may touch NATS, HTTP or the disk.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** One import arrow. */
export interface ImportEdge {
  /** Importing file, relative to the repository root (`services/party/party-service.ts`). */
  from: string;
  /** Imported file (relative import) or package name (`nats`, `node:fs`). */
  to: string;
  /** True for a package import, false for a file of the project. */
  external: boolean;
}

const SOURCE_ROOTS = ['crypto-core', 'protocols', 'services', 'bench'];
const SKIP = new Set(['node_modules', 'dist', 'build', 'native']);
const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(=])import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(root, p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Strips comments so that an import written in a doc comment is not read as one. */
function withoutComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Every source file and import arrow of the repository at `root`. */
export function readImportGraph(root: string): { files: string[]; edges: ImportEdge[] } {
  const files = SOURCE_ROOTS.flatMap((r) => sourceFiles(root, r)).sort();
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const src = withoutComments(readFileSync(join(root, from), 'utf8'));
    for (const m of src.matchAll(IMPORT_RE)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (spec.startsWith('.')) {
        const to = normalize(join(dirname(from), spec)).replace(/\.js$/, '.ts');
        edges.push({ from, to: relative('.', to), external: false });
      } else edges.push({ from, to: spec, external: true });
    }
  }
  return { files, edges };
}

/** The strongly connected components of more than one file (import cycles), by Tarjan's algorithm. */
export function importCycles(files: readonly string[], edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const e of edges) if (!e.external && next.has(e.to)) next.get(e.from)!.push(e.to);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || next.get(v)!.includes(v)) cycles.push(scc.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return cycles;
}
