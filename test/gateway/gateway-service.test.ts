/**
 * The gateway service as `mpc gateway` runs it: config file, key file written by
 * `writeDemoKeyFiles` (what `mpc up` calls), the tsyringe composition root, a real NATS
 * connection and a real socket; plus the unit-level pieces (config and key file checks, the
 * Prometheus exposition format).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useNatsServer } from '../helpers/nats-server.js';
import { createGatewayContainer, GatewayService } from '../../services/gateway/composition-root.js';
import { loadServiceConfig, resolveServiceConfig } from '../../services/gateway/gateway-config.js';
import { ApiKeyStore, checkApiKeyFile, writeDemoKeyFiles, hashApiKey } from '../../services/gateway/api-key-store.js';
import { Counter, Gauge, Histogram, MetricsRegistry } from '../../services/gateway/metrics.js';
import { KeyFileError, InvalidArgumentError } from '../../crypto-core/errors.js';
import { CoordinatorDouble } from './coordinator-double.js';

describe('gateway service (composition root)', () => {
  const nats = useNatsServer();
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mpc-gw-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('starts from a config file and demo keys, serves, forwards denials to the coordinator, and stops', async () => {
    const { gatewayKeysPath, demoKeysPath, keys } = await writeDemoKeyFiles(dir);
    expect((await stat(gatewayKeysPath)).mode & 0o777).toBe(0o600);
    expect((await stat(demoKeysPath)).mode & 0o777).toBe(0o600);
    // The gateway file holds hashes only.
    const stored = await readFile(gatewayKeysPath, 'utf8');
    for (const k of Object.values(keys)) expect(stored).not.toContain(k.split('.')[1]);
    const configPath = join(dir, 'gateway.json');
    await writeFile(configPath, JSON.stringify({ apiKeysFile: 'gateway-keys.json', nats: { servers: nats().url }, port: 0, logLevel: 'silent', coordinatorTimeoutMs: 1000 }));
    const config = await loadServiceConfig(configPath);
    expect(config.apiKeysFile).toBe(gatewayKeysPath);
    const double = await CoordinatorDouble.start(nats().url);
    const container = await createGatewayContainer(config);
    const service = container.resolve(GatewayService);
    const address = await service.start();
    try {
      expect((await fetch(`${address}/healthz`)).status).toBe(200);
      const ok = await fetch(`${address}/v1/registry`, { headers: { authorization: `Bearer ${keys['demo-client']}` } });
      expect(ok.status).toBe(200);
      const denied = await fetch(`${address}/v1/audit/checkpoint`, { headers: { authorization: `Bearer ${keys['demo-client']}` } });
      expect(denied.status).toBe(403);
      expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      // The real audit sink forwards the denial as audit.denial over NATS.
      for (let i = 0; i < 50 && double.callsOf('audit.denial').length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(double.callsOf('audit.denial').at(-1)!.body.event).toMatchObject({ reason: 'forbidden', tenant: 'demo', actor: 'demo-client', route: '/v1/audit/checkpoint' });
    } finally {
      await service.stop();
      await double.stop();
    }
    await expect(fetch(`${address}/healthz`)).rejects.toThrow();
  });

  it('refuses bad config fields by name', () => {
    expect(() => resolveServiceConfig({})).toThrow(/config\.apiKeysFile/);
    expect(() => resolveServiceConfig({ apiKeysFile: 'k', bodyLimit: -1 })).toThrow(/config\.bodyLimit/);
    expect(() => resolveServiceConfig({ apiKeysFile: 'k', port: 70000 })).toThrow(/config\.port/);
    expect(() => resolveServiceConfig({ apiKeysFile: 'k', bodyLimt: 5 })).toThrow(/config\.bodyLimt: unknown field/);
    expect(() => resolveServiceConfig([])).toThrow(InvalidArgumentError);
    expect(() => resolveServiceConfig({ apiKeysFile: 'k', nats: { servers: 5 } })).toThrow(/config\.nats\.servers/);
    expect(() => resolveServiceConfig({ apiKeysFile: 'k', nats: { servers: 'nats://x', credentialsFile: '/nonexistent/creds.json' } })).toThrow();
    const c = resolveServiceConfig({ apiKeysFile: 'k' }, '/etc/mpc');
    expect(c).toMatchObject({ apiKeysFile: '/etc/mpc/k', publishBodyLimit: 32 * 1024 * 1024, bodyLimit: 1024 * 1024 });
  });

  it('refuses malformed key files by field, and missing files', async () => {
    const rec = { id: 'a', tenant: 't', roles: ['client' as const], hash: hashApiKey('x') };
    expect(() => checkApiKeyFile({ version: 2, keys: [] })).toThrow(/version/);
    expect(() => checkApiKeyFile({ version: 1, keys: [{ ...rec, roles: ['root'] }] })).toThrow(/unknown role "root"/);
    expect(() => checkApiKeyFile({ version: 1, keys: [{ ...rec, hash: 'md5:00' }] })).toThrow(/keys\[0\]\.hash/);
    expect(() => checkApiKeyFile({ version: 1, keys: [rec, rec] })).toThrow(/duplicate id/);
    expect(() => checkApiKeyFile({ version: 1, keys: [{ ...rec, tenant: 'a.b' }] })).toThrow(/keys\[0\]\.tenant/);
    expect(() => checkApiKeyFile({ version: 1, keys: [], signingKeys: [{ id: 's', tenant: 't', roles: ['client'], publicKey: 'XY' }] })).toThrow(/signingKeys\[0\]\.publicKey/);
    await expect(ApiKeyStore.fromFile(join(dir, 'nope.json'))).rejects.toBeInstanceOf(KeyFileError);
    const store = new ApiKeyStore({ version: 1, keys: [{ ...rec, hash: hashApiKey('mpc_a.0123456789abcdefghij') }] });
    expect(store.authenticateKey('mpc_a.0123456789abcdefghij')).toEqual({ tenant: 't', actor: 'a', roles: ['client'] });
    expect(store.authenticateKey('mpc_a.0123456789abcdefghiJ')).toBeUndefined();
    expect(store.authenticateKey('mpc_b.0123456789abcdefghij')).toBeUndefined();
  });
});

describe('Prometheus exposition', () => {
  it('writes counters, gauges and cumulative histogram buckets in text format 0.0.4', () => {
    const r = new MetricsRegistry();
    const c = r.register(new Counter('req_total', 'Requests'));
    const g = r.register(new Gauge('jobs', 'Jobs'));
    const h = r.register(new Histogram('lat_seconds', 'Latency', [0.1, 1]));
    c.inc({ route: '/a"b\\c\nd' });
    c.inc({ route: '/a"b\\c\nd' }, 2);
    g.set({ state: 'running' }, 3);
    g.add({ state: 'running' }, -1);
    for (const v of [0.05, 0.5, 5]) h.observe({ m: 'GET' }, v);
    expect(r.expose()).toBe(
      [
        '# HELP req_total Requests',
        '# TYPE req_total counter',
        'req_total{route="/a\\"b\\\\c\\nd"} 3',
        '# HELP jobs Jobs',
        '# TYPE jobs gauge',
        'jobs{state="running"} 2',
        '# HELP lat_seconds Latency',
        '# TYPE lat_seconds histogram',
        'lat_seconds_bucket{m="GET",le="0.1"} 1',
        'lat_seconds_bucket{m="GET",le="1"} 2',
        'lat_seconds_bucket{m="GET",le="+Inf"} 3',
        'lat_seconds_sum{m="GET"} 5.55',
        'lat_seconds_count{m="GET"} 3',
        '',
      ].join('\n'),
    );
    expect(() => c.inc({}, -1)).toThrow(/only increases/);
    expect(() => new Histogram('h', 'x', [1, 1])).toThrow(/strictly increasing/);
    expect(() => new Counter('bad-name', 'x')).toThrow(/metric name/);
    expect(() => r.register(new Counter('jobs', 'again'))).toThrow(/already registered/);
  });
});
