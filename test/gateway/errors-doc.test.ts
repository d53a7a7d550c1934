/**
 * docs/errors.md and the code catalogue (services/gateway/problems.ts) list the same problem
 * types with the same statuses and titles.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { problemCatalogue, PROBLEM_BASE_URI } from '../../services/gateway/problems.js';

describe('docs/errors.md', () => {
  const doc = readFileSync('docs/errors.md', 'utf8');
  const rows = [...doc.matchAll(/^\| `([a-z-]+)` \| (\d{3}) \| ([^|]+) \|/gm)].map((m) => ({ code: m[1]!, status: Number(m[2]), title: m[3]!.trim() }));

  it('lists every catalogued problem with its status and title, and nothing else', () => {
    const fromCode = Object.entries(problemCatalogue).map(([code, d]) => ({ code, status: d.status, title: d.title }));
    expect(rows).toEqual(fromCode);
  });

  it('names the base URI of the types', () => {
    expect(doc).toContain(PROBLEM_BASE_URI);
  });
});
