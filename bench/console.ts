/// <reference lib="dom" />
/**
 * @module bench/console
 * The web console's page load with a large audit log, in Debian's headless Chromium driven by
 * puppeteer-core: a real cluster (nats-server this suite starts, in-process coordinator with a
 * signed in-memory Merkle log, three parties) behind a real gateway; the coordinator's log is
 * filled with 1e5 job entries (`--quick`: 1e4) and a checkpoint signed. Each load is a fresh
 * browser context (nothing cached, no kept checkpoint), signed in through sessionStorage, and
 * measured in the page from navigation start:
 * - `first render`: the audit list's first page (50 rows) is in the DOM;
 * - `head verified`: the signed tree head's Ed25519 signature checked with WebCrypto;
 * - `entry verified`: an entry in the middle of the log opened, its leaf hash recomputed and its
 *   inclusion proof checked against the signed root.
 * Baseline: the same load against a log of 100 entries, in the same run, so the ratio says what
 * the log's size costs the console (paging keeps it near 1). Medians of 5 loads (quick: 3).
 * Needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH).
 */
import { existsSync } from 'node:fs';
import { connect } from 'nats';
import { encodeVerifierKey } from '../crypto-core/checkpoint/index.js';
import { generateIdentity } from '../crypto-core/keys/identity.js';
import { startInProcessCluster } from '../services/cluster/in-process-cluster.js';
import { NatsServerProcess } from '../services/cluster/nats-server-process.js';
import { MemoryMerkleLog } from '../services/coordinator/audit/audit-memory-log.js';
import { ApiKeyStore, generateApiKey, hashApiKey } from '../services/gateway/api-key-store.js';
import { buildGateway } from '../services/gateway/build-gateway.js';
import { NatsCoordinatorClient } from '../services/gateway/coordinator-client.js';
import type { AuditEvent } from '../services/wire/audit-entry.js';
import type { BenchOptions, BenchSuite } from './bench-case.js';
import { median } from './bench-case.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SUITE = 'console';

/** The events of job `j`, as the coordinator logs a job's life. */
function jobEvents(j: number): AuditEvent[] {
  const jobId = `job-${j}`;
  return [
    { type: 'job.created', actor: 'coordinator', jobId, tenant: 'clinic-a' },
    { type: 'job.placed', actor: 'coordinator', jobId, tenant: 'clinic-a', parties: ['party-0', 'party-1', 'party-2'], security: 'semi-honest' },
    { type: 'job.started', actor: 'coordinator', jobId, tenant: 'clinic-a', security: 'semi-honest' },
    { type: 'job.finished', actor: 'coordinator', jobId, tenant: 'clinic-a', security: 'semi-honest' },
    { type: 'job.verified', actor: 'coordinator', jobId, security: 'semi-honest' },
  ];
}

interface Load {
  /** The two API calls the list makes (size probe and the newest page), timed from Node. */
  apiMs: number;
  firstRenderMs: number;
  headVerifiedMs: number;
  entryVerifiedMs: number;
  rows: number;
}

export const suite: BenchSuite = {
  name: SUITE,
  description: 'Web console page load in headless Chromium with 1e5 audit entries (time to first render, in-browser verification)',
  async run(opts: BenchOptions): Promise<void> {
    if (!existsSync(CHROMIUM)) throw new Error(`bench console: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
    const { default: puppeteer } = await import('puppeteer-core');
    const n = opts.quick ? 10_000 : 100_000;
    const reps = opts.quick ? 3 : 5;
    const server = await NatsServerProcess.start();
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      /** Starts a cluster whose log holds `entries` entries, measures `reps` loads, stops it. */
      const measure = async (entries: number): Promise<Load[]> => {
        const log = new MemoryMerkleLog({ origin: 'bench.local/audit', secretKey: generateIdentity().signing.secretKey });
        const cluster = await startInProcessCluster({ nats: { servers: server.url }, audit: log });
        await cluster.ready();
        const nc = await connect({ servers: server.url });
        const apiKey = generateApiKey('auditor');
        const app = await buildGateway({
          coordinator: new NatsCoordinatorClient(nc, 10_000, cluster.gatewaySigner),
          keys: new ApiKeyStore({ version: 1, keys: [{ id: 'auditor', tenant: 'ops', roles: ['auditor'], hash: hashApiKey(apiKey) }] }),
          audit: () => undefined,
          config: { rateLimitMax: 100_000 },
        });
        const url = await app.listen({ port: 0, host: '127.0.0.1' });
        try {
          for (let j = 0; log.size < entries; j++) for (const e of jobEvents(j)) if (log.size < entries) await log.append(e);
          await log.checkpoint();
          const logKey = encodeVerifierKey(log.verifier);
          const middle = Math.floor(log.size / 2);
          const loads: Load[] = [];
          for (let r = 0; r < reps + 1; r++) {
            const context = await browser.createBrowserContext();
            const page = await context.newPage();
            await page.evaluateOnNewDocument(
              (k, l) => {
                sessionStorage.setItem('mpc-console.api-key', k);
                sessionStorage.setItem('mpc-console.log-key', l);
              },
              apiKey,
              logKey,
            );
            await page.goto(`${url}/console/#/audit`);

            const firstRenderMs = await (await page.waitForFunction(() => document.querySelector('#audit-entries tbody tr') !== null && performance.now(), { polling: 'mutation', timeout: 60_000 })).jsonValue();
            const headVerifiedMs = await (await page.waitForFunction(() => document.querySelector('#head-verdict[data-verdict="verified"]') !== null && performance.now(), { polling: 'mutation', timeout: 60_000 })).jsonValue();
            const rows = await page.$$eval('#audit-entries tbody tr', (t) => t.length);
            const t0 = await page.evaluate((i) => {
              location.hash = `#/audit/${i}`;
              return performance.now();
            }, middle);
            const t1 = await (await page.waitForFunction((i) => document.querySelector(`#verdict[data-verdict="verified"]`) !== null && document.querySelector('#view-audit h2')?.textContent === `Audit entry ${i}` && performance.now(), { polling: 'mutation', timeout: 60_000 }, middle)).jsonValue();
            await context.close();
            if (typeof firstRenderMs !== 'number' || typeof headVerifiedMs !== 'number' || typeof t1 !== 'number') throw new Error('bench console: the page did not render');
            if (rows > 50) throw new Error(`bench console: ${rows} rows rendered at once; the list must page`);
            const a0 = performance.now();
            const auth = { headers: { authorization: `Bearer ${apiKey}` } };
            const { treeSize } = (await (await fetch(`${url}/v1/audit/entries?from=0&limit=1`, auth)).json()) as { treeSize: number };
            await (await fetch(`${url}/v1/audit/entries?from=${Math.max(0, treeSize - 50)}&limit=50`, auth)).json();
            const apiMs = performance.now() - a0;
            // The first load warms the gateway and the browser; it is not counted.
            if (r > 0) loads.push({ apiMs, firstRenderMs, headVerifiedMs, entryVerifiedMs: t1 - t0, rows });
          }
          return loads;
        } finally {
          await app.close();
          await nc.drain();
          await cluster.stop();
        }
      };
      const small = await measure(100);
      const large = await measure(n);
      const m = (loads: Load[], k: keyof Load): number => median(loads.map((l) => l[k]));
      for (const [k, label] of [
        ['firstRenderMs', 'first render'],
        ['headVerifiedMs', 'head verified'],
        ['entryVerifiedMs', 'entry verified'],
      ] as const) {
        const ms = m(large, k);
        opts.emit({ suite: SUITE, case: `${label} ${n} entries`, impl: 'chromium', median_ms: ms, ops_per_s: 1000 / ms, baseline: '100 entries', ratio: m(small, k) / ms, baseline_ms: m(small, k), entries: n, rows_rendered: large[0]!.rows, api_ms: m(large, 'apiMs'), api_baseline_ms: m(small, 'apiMs'), loads: large.length, from: k === 'entryVerifiedMs' ? 'hash change' : 'navigation start' });
      }
    } finally {
      await browser.close();
      await server.stop();
    }
  },
};
