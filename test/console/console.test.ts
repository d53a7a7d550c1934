/// <reference lib="dom" />
/**
 * The web console in real headless Chromium (puppeteer-core) against a real cluster behind a
 * real gateway on a real nats-server: a coordinator with a signed in-memory Merkle audit log,
 * three parties, operators configured so that quarantines are enforced. The evidence is the
 * system's own: a model is published, an inference runs, and party 1 disappears during three
 * jobs (stopped while the coordinator counts it up), so the coordinator quarantines it from the
 * audit log. Then every view is checked in the DOM and screenshotted
 * (test-artifacts/console/), and the attacks on what the console verifies are played: an entry
 * altered on its way to the browser, an altered inclusion proof, a signed tree head signed by
 * another key, and a history that does not extend the checkpoint the browser kept, each shown as
 * failing verification; the honest entry shows verified.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, HTTPRequest, Page } from 'puppeteer-core';
import { encodeVerifierKey } from '../../crypto-core/checkpoint/index.js';
import { toHex } from '../../crypto-core/encoding.js';
import { generateIdentity } from '../../crypto-core/keys/identity.js';
import { MemoryMerkleLog } from '../../services/coordinator/audit/audit-memory-log.js';
import { CONSOLE_CSP } from '../../services/gateway/routes/console-routes.js';
import { generateApiKey } from '../../services/gateway/api-key-store.js';
import { JobFailedError, MpcClient } from '../../services/sdk/index.js';
import { readF32 } from '../helpers/read-f32.js';
import { useNatsServer } from '../helpers/nats-server.js';
import { startRealGatewayCluster, type RealGatewayCluster } from '../helpers/real-gateway-cluster.js';
import { HAVE_CHROMIUM, CHROMIUM, launchChromium, openView, screenshot, signIn } from './console-browser.js';

const ONNX = new Uint8Array(readFileSync('test/fixtures/models/digits_mlp.onnx'));
const ROWS = readF32('test/fixtures/data/digits_test.f32');

if (!HAVE_CHROMIUM) console.warn(`test/console skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);

describe.skipIf(!HAVE_CHROMIUM)('the web console in headless Chromium', () => {
  const nats = useNatsServer();
  const logSigner = generateIdentity().signing;
  const log = new MemoryMerkleLog({ origin: 'coordinator', secretKey: logSigner.secretKey });
  const logKey = encodeVerifierKey(log.verifier);
  const otherKey = encodeVerifierKey({ name: 'coordinator', publicKey: generateIdentity().signing.publicKey });
  const keys = { admin: generateApiKey('admin'), owner: generateApiKey('owner'), alice: generateApiKey('alice'), client: generateApiKey('client-only') };
  const operators = ['a', 'b', 'c'].map((org, i) => ({ id: `op-${org}`, organisation: `org-${org}`, publicKey: toHex(generateIdentity().signing.publicKey), runs: [`party-${i}`] }));
  let gw: RealGatewayCluster;
  let browser: Browser;
  let modelId: string;
  let verifiedJob: string;

  beforeAll(async () => {
    gw = await startRealGatewayCluster(
      nats().url,
      [
        { id: 'admin', tenant: 'ops', roles: ['admin'], key: keys.admin },
        { id: 'owner', tenant: 'lab', roles: ['model-owner'], key: keys.owner },
        { id: 'alice', tenant: 'clinic-a', roles: ['client'], key: keys.alice },
        { id: 'client-only', tenant: 'clinic-b', roles: ['client'], key: keys.client },
      ],
      { audit: log, coordinator: { auditCheckpoints: { everyMs: 100 }, witnessCheckpoints: false, governance: { recomputeMs: 100, operators } } },
    );
    const owner = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.owner, trust: gw.cluster.trustBundle });
    modelId = (await owner.publishModel(ONNX, { mode: 'mpc', name: 'digits', version: '1.0' })).id;
    const alice = new MpcClient({ gatewayUrl: gw.url, apiKey: keys.alice, trust: gw.cluster.trustBundle });
    const input = { shape: [1, 64], data: Array.from(ROWS.subarray(0, 64)) };
    verifiedJob = (await alice.infer(modelId, input, { timeoutMs: 30_000 })).job.id;
    // Party 1 disappears during four jobs: score (2 completed + 1) / (3 + 4 gone) = 3/7, below 0.5.
    for (let k = 0; k < 4; k++) {
      await gw.cluster.stopParty(1);
      const err = await alice.infer(modelId, input, { timeoutMs: 30_000 }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(JobFailedError);
      await gw.cluster.startParty(1);
      if (k < 3) await gw.cluster.ready();
    }
    const end = Date.now() + 20_000;
    while (!log.events.some((e) => e.type === 'party.quarantined')) {
      if (Date.now() > end) throw new Error('party 1 was not quarantined');
      await new Promise((r) => setTimeout(r, 50));
    }
    await log.checkpoint(); // covering everything so far
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  const consoleOf = (apiKey: string, hash?: string, key: string | undefined = logKey): Promise<Page> => signIn(browser, gw.url, apiKey, key, hash);
  const text = (page: Page, sel: string): Promise<string> => page.$eval(sel, (e) => e.textContent ?? '');
  const verdict = (page: Page, sel = '#verdict'): Promise<string | null> => page.$eval(sel, (e) => e.getAttribute('data-verdict'));

  /** Rewrites the JSON of API answers whose URL matches, on their way to the browser. */
  async function intercept(page: Page, match: (url: URL) => boolean, rewrite: (body: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
    await page.setRequestInterception(true);
    page.on('request', (req: HTTPRequest) => {
      const url = new URL(req.url());
      if (!match(url)) return void req.continue();
      void (async () => {
        const res = await fetch(req.url(), { headers: req.headers() });
        const body = rewrite((await res.json()) as Record<string, unknown>);
        await req.respond({ status: res.status, contentType: 'application/json', body: JSON.stringify(body) });
      })();
    });
  }

  it('serves the static console publicly with a strict CSP, and only its own files', async () => {
    const res = await fetch(`${gw.url}/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(await res.text()).toContain('<script type="module" src="app.js">');
    expect((await fetch(`${gw.url}/console/app.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    for (const p of ['/console/../package.json', '/console/%2e%2e/package.json', '/console/nope.js']) expect((await fetch(`${gw.url}${p}`)).status).toBe(404);
    // Static files do not use up the per-address rate limit (300 a minute): 20 page loads of ~20 files.
    const statuses = await Promise.all(Array.from({ length: 400 }, () => fetch(`${gw.url}/console/merkle.js`).then(async (r) => (await r.arrayBuffer(), r.status))));
    expect(new Set(statuses)).toEqual(new Set([200]));
    // The data is not public: the API behind it still wants a key.
    expect((await fetch(`${gw.url}/v1/audit/entries`)).status).toBe(401);
  });

  it('sign-in: a wrong key is refused by the gateway; the pinned log key is shown with its fingerprint', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/console/?logKey=${encodeURIComponent(logKey)}`);
    await page.waitForSelector('#sign-in:not([hidden])');
    expect(await page.$eval('#log-key', (e) => (e as HTMLInputElement).value)).toBe(logKey);
    await page.type('#api-key', 'mpc_admin.wrong');
    await page.click('#sign-in button[type=submit]');
    await page.waitForFunction(() => (document.getElementById('sign-in-error')?.textContent ?? '') !== '');
    expect(await text(page, '#sign-in-error')).toMatch(/401/);
    await screenshot(page, 'sign-in-refused');
    await page.close();
    const ok = await consoleOf(keys.admin);
    const fp = createHash('sha256').update(log.verifier.publicKey).digest('hex').slice(0, 32).match(/.{4}/g)!.join(' ');
    expect(await text(ok, '#log-key-fingerprint')).toBe(fp);
    await ok.close();
  });

  it('audit log: the newest page of entries, the signed tree head verified, search by kind and party', async () => {
    const page = await consoleOf(keys.admin);
    await page.waitForSelector('#head-verdict');
    expect(await verdict(page, '#head-verdict')).toBe('verified');
    const size = Number(await page.$eval('#audit-count', (e) => e.getAttribute('data-tree-size')));
    expect(size).toBeGreaterThanOrEqual(log.size - 5);
    const seqs = await page.$$eval('#audit-entries tbody tr', (rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));
    expect(seqs.length).toBe(Math.min(50, size));
    expect(seqs[0]).toBe(size - 1);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    await screenshot(page, 'audit-log');

    await page.select('#audit-search select[name=type]', 'party.*');
    await page.click('#audit-search button[type=submit]');
    await page.waitForSelector('#audit-count[data-matches]');
    const types = await page.$$eval('#audit-entries tbody tr', (rows) => rows.map((r) => r.getAttribute('data-type')));
    expect(types).toEqual(log.events.filter((e) => e.type.startsWith('party.')).map((e) => e.type));
    expect(types).toContain('party.quarantined');

    await page.select('#audit-search select[name=type]', '');
    await page.type('#audit-search input[name=party]', 'party-1');
    await page.evaluate(() => document.getElementById('audit-count')?.removeAttribute('data-matches'));
    await page.click('#audit-search button[type=submit]');
    await page.waitForSelector('#audit-count[data-matches]');
    const n = Number(await page.$eval('#audit-count', (e) => e.getAttribute('data-matches')));
    const expected = log.events.filter((e) => e.actor === 'party-1' || e.serviceId === 'party-1' || e.parties?.includes('party-1')).length;
    expect(n).toBe(Math.min(50, expected));
    await screenshot(page, 'audit-search-party');
    await page.close();
  });

  it('an honest entry shows verified: inclusion recomputed in the browser, consistency with the kept checkpoint', async () => {
    const page = await consoleOf(keys.admin);
    await openView(page, `#/audit/${2}`);
    expect(await verdict(page)).toBe('verified');
    const checks = await page.$$eval('#verdict li', (li) => li.map((l) => [l.className, l.textContent]));
    expect(checks.every(([c]) => c === 'ok')).toBe(true);
    expect(checks.map(([, t]) => t).join('\n')).toMatch(/entry 2 is in the signed tree/);
    expect(JSON.parse(await text(page, '#entry-json'))).toEqual(log.entries({ from: 2, to: 3 })[0]);
    await screenshot(page, 'audit-entry-verified');
    // A second look, after the log grew: the browser checks the new head extends the one it kept.
    const before = await page.evaluate(() => JSON.parse(Object.entries(localStorage).find(([k]) => k.startsWith('mpc-console.kept-checkpoint'))![1]).size as number);
    await log.append({ type: 'service.joined', actor: 'coordinator', serviceId: 'party-9', reason: 'console test: a later entry' });
    await log.checkpoint();
    await openView(page, '#/audit/3');
    expect(await verdict(page)).toBe('verified');
    expect(await text(page, '#verdict')).toContain(`the signed tree extends the one kept earlier (size ${before} →`);
    await page.close();
  });

  it('a tampered entry shows failing verification (red), and so do a tampered proof, a foreign signature and a forked history', async () => {
    const index = log.events.findIndex((e) => e.type === 'party.quarantined');
    // 1. The entry altered on its way: who was quarantined.
    const tampered = await consoleOf(keys.admin, '#/nodes');
    await intercept(tampered, (u) => u.pathname === '/v1/audit/entries' && u.searchParams.get('from') === String(index) && u.searchParams.get('limit') === '1', (b) => {
      const entries = b.entries as Record<string, unknown>[];
      return { ...b, entries: [{ ...entries[0], serviceId: 'party-2' }] };
    });
    await openView(tampered, `#/audit/${index}`);
    expect(await verdict(tampered)).toBe('failed');
    expect(await text(tampered, '#verdict')).toMatch(new RegExp(`entry ${index} is NOT in the signed tree`));
    expect(await tampered.$eval('#verdict', (e) => getComputedStyle(e).color)).toBe('rgb(179, 38, 30)');
    await screenshot(tampered, 'audit-entry-tampered');
    await tampered.close();

    // 2. An altered hash in the inclusion proof.
    const badProof = await consoleOf(keys.admin, '#/nodes');
    await intercept(badProof, (u) => u.pathname.startsWith('/v1/audit/proofs/'), (b) => {
      const inc = b.inclusion as { proof: string[] };
      const proof = [...inc.proof];
      proof[0] = (proof[0]![0] === '0' ? '1' : '0') + proof[0]!.slice(1);
      return { ...b, inclusion: { ...inc, proof } };
    });
    await openView(badProof, `#/audit/${index}`);
    expect(await verdict(badProof)).toBe('failed');
    await badProof.close();

    // 3. The log key pinned at sign-in is not the one that signed the tree head.
    const foreign = await consoleOf(keys.admin, '#/audit/1', otherKey);
    expect(await verdict(foreign)).toBe('failed');
    expect(await text(foreign, '#verdict')).toMatch(/signature|no signature by the pinned key/);
    await foreign.close();

    // 4. The browser kept a checkpoint the served history does not extend (a fork).
    const forked = await consoleOf(keys.admin, '#/nodes');
    await forked.evaluate((slotKey) => {
      const slot = Object.keys(localStorage).find((k) => k.startsWith('mpc-console.kept-checkpoint'))!;
      const kept = JSON.parse(localStorage.getItem(slot)!) as { size: number; root: string };
      localStorage.setItem(slot, JSON.stringify({ ...kept, size: 3, root: slotKey }));
    }, 'ab'.repeat(32));
    await openView(forked, '#/audit/1');
    expect(await verdict(forked)).toBe('failed');
    expect(await text(forked, '#verdict')).toMatch(/does NOT extend the one kept earlier \(size 3\)/);
    await screenshot(forked, 'audit-history-forked');
    await forked.evaluate(() => {
      for (const k of Object.keys(localStorage)) if (k.startsWith('mpc-console.kept-checkpoint')) localStorage.removeItem(k);
    });
    await forked.close();
  });

  it('nodes: the registry, reputation from the log, party 1 quarantined with links to its evidence entries', async () => {
    const page = await consoleOf(keys.admin, '#/nodes');
    const rows = await page.$$eval('#nodes tbody tr', (r) => r.map((x) => [x.getAttribute('data-id'), x.getAttribute('data-quarantined')]));
    expect(rows.filter(([id]) => id?.startsWith('party-'))).toEqual([['party-0', 'false'], ['party-1', 'true'], ['party-2', 'false']]);
    const quarantine = (await gw.cluster.coordinator.parts.api.call('parties.reputation', { principal: { tenant: 'ops', actor: 'admin', roles: ['admin'] } })) as { quarantined: { serviceId: string; evidenceSeq: number[] }[] };
    const evidence = await page.$$eval('#nodes tr[data-id="party-1"] a.evidence', (a) => a.map((x) => Number(x.getAttribute('data-seq'))));
    expect(evidence).toEqual(quarantine.quarantined.find((q) => q.serviceId === 'party-1')!.evidenceSeq);
    expect(evidence.every((s) => log.entries({ from: s, to: s + 1 })[0]!.type === 'job.failed')).toBe(true);
    await screenshot(page, 'nodes');
    await page.click('#nodes tr[data-id="party-1"] a.evidence');
    await page.waitForSelector('#verdict');
    expect(await verdict(page)).toBe('verified');
    expect(JSON.parse(await text(page, '#entry-json'))).toMatchObject({ type: 'job.failed', party: 1 });
    await page.close();
  });

  it('jobs: read from the log, the verified inference and the failed ones; a lookup by id for the own tenant', async () => {
    const page = await consoleOf(keys.admin, '#/jobs');
    const jobs = await page.$$eval('#jobs tbody tr', (r) => Object.fromEntries(r.map((x) => [x.getAttribute('data-job'), x.getAttribute('data-last')])));
    expect(jobs[verifiedJob]).toBe('job.verified');
    const failed = [...new Set(log.events.filter((e) => e.type === 'job.failed').map((e) => e.jobId))];
    expect(failed.length).toBeGreaterThanOrEqual(4);
    for (const j of failed) expect(jobs[j!]).toBe('job.failed');
    await screenshot(page, 'jobs');
    await page.close();
    const own = await consoleOf(keys.alice, '#/jobs');
    await own.type('#job-lookup input', verifiedJob);
    await own.click('#job-lookup button');
    await own.waitForSelector('#job-status pre, #job-status .error');
    expect(JSON.parse(await text(own, '#job-status pre'))).toMatchObject({ id: verifiedJob, state: 'verified' });
    // Alice is a client: the log is not hers to read, and the view says so instead of showing anything.
    expect(await text(own, '#jobs-list')).toMatch(/403 forbidden/);
    await own.close();
  });

  it('models: the published versions and the rollout events of the log', async () => {
    const page = await consoleOf(keys.admin, '#/models');
    await page.waitForSelector('#model-events, #model-history .error');
    expect(await page.$$eval('#models tbody tr', (r) => r.map((x) => x.getAttribute('data-model')))).toEqual([modelId]);
    expect(await text(page, '#models tbody tr')).toContain('digits');
    const events = await page.$$eval('#model-events tbody tr', (r) => r.map((x) => x.getAttribute('data-type')));
    expect(events).toEqual(log.events.filter((e) => e.type.startsWith('model.')).map((e) => e.type).reverse());
    await screenshot(page, 'models');
    await page.close();
  });

  it('credits and KPIs: the gateway\'s own answers rendered; "not available" where a gateway answers 404; any JSON as tables and charts', async () => {
    const page = await consoleOf(keys.admin, '#/nodes');
    for (const [hash, name, field] of [['#/credits', 'credits', 'usedMillicredits'], ['#/kpis', 'kpis', 'verificationFailures']] as const) {
      await openView(page, hash);
      expect((await fetch(`${gw.url}/v1/${name}`, { headers: { authorization: `Bearer ${keys.admin}` } })).status).toBe(200);
      expect(await page.$eval(`#${name}`, (e) => e.getAttribute('data-state'))).toBe('loaded');
      expect(await text(page, `#${name}`)).toContain(field);
      await screenshot(page, `${name}-served`);
    }
    await page.close();
    // A gateway without these APIs (an older deployment): 404, shown as not available.
    const older = await consoleOf(keys.admin, '#/nodes');
    await older.setRequestInterception(true);
    older.on('request', (req) => {
      if (!['/v1/credits', '/v1/kpis'].includes(new URL(req.url()).pathname)) return void req.continue();
      void req.respond({ status: 404, contentType: 'application/problem+json', body: JSON.stringify({ type: 'https://mpc.example/problems/not-found', title: 'Not found', status: 404 }) });
    });
    for (const [hash, name] of [['#/credits', 'credits'], ['#/kpis', 'kpis']] as const) {
      await openView(older, hash);
      expect(await older.$eval(`#view-${name} [data-state]`, (e) => e.getAttribute('data-state'))).toBe('not-available');
      await screenshot(older, `${name}-not-available`);
    }
    await older.close();
    // The same views given an answer (what a gateway with these APIs would send; their schema is not fixed here).
    const answers: Record<string, unknown> = {
      '/v1/credits': { tenants: [{ tenant: 'clinic-a', balance: 880, used: 120 }, { tenant: 'lab', balance: 40, used: 960 }], unit: 'credit' },
      '/v1/kpis': { latencyMs: [{ kind: 'mpc-inference', p50: 210, p95: 480 }, { kind: 'analytics', p50: 900, p95: 2100 }], errorRate: 0.02, plaintextBytesExposed: 0 },
    };
    const shown = await consoleOf(keys.admin, '#/nodes');
    await shown.setRequestInterception(true);
    shown.on('request', (req) => {
      const body = answers[new URL(req.url()).pathname];
      if (body === undefined) return void req.continue();
      void req.respond({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    });
    await openView(shown, '#/credits');
    expect(await shown.$$eval('#credits table tbody tr', (r) => r.map((x) => x.textContent))).toContain('clinic-a880120');
    expect(await shown.$$eval('#credits svg.chart', (s) => s.map((x) => x.getAttribute('data-chart')))).toEqual(['balance', 'used']);
    expect(await shown.$$eval('#credits svg.chart[data-chart=used] rect', (r) => r.length)).toBe(2);
    await screenshot(shown, 'credits');
    await openView(shown, '#/kpis');
    expect(await shown.$$eval('#kpis svg.chart', (s) => s.map((x) => x.getAttribute('data-chart')))).toEqual(['values', 'p50', 'p95']);
    expect(await text(shown, '#kpis')).toContain('plaintextBytesExposed');
    await screenshot(shown, 'kpis');
    await shown.close();
  });

  it('text from the log is shown as text: markup in a reason is not run (no element, no script), and sign-out forgets the key', async () => {
    const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    await log.append({ type: 'service.left', actor: 'coordinator', serviceId: 'party-8', reason: payload });
    await log.checkpoint();
    const page = await consoleOf(keys.admin);
    const seq = log.size - 1;
    expect(await page.$eval(`#audit-entries tr[data-seq="${seq}"]`, (tr) => tr.textContent)).toContain(payload);
    expect(await page.$$eval('#audit-entries img, #audit-entries script', (e) => e.length)).toBe(0);
    await openView(page, `#/audit/${seq}`);
    expect(await verdict(page)).toBe('verified');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    await page.click('#sign-out');
    expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('mpc-console')))).toEqual([]);
    await page.waitForSelector('#sign-in', { visible: true });
    await page.close();
  });

  it('a key without the auditor role sees the refusal, not the log', async () => {
    const page = await consoleOf(keys.client);
    expect(await text(page, '#view-audit')).toMatch(/403 forbidden/);
    await page.close();
  });
});
