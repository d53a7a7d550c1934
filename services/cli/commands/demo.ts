/**
 * @module services/cli/commands/demo
 * `mpc demo [--gateway <url> --keys <file>] [--dir <dir>] [--json]`: the main job. Starts a
 * local cluster (nats-server, coordinator, three parties, HE workers, gateway) in a temporary
 * folder unless `--gateway` names a running one, then tells the three user stories with real
 * computation, prints a short report, stops everything it started and exits 0 when every story
 * held (1 otherwise). Story 4, governance, runs on a cluster of its own in this process
 * (services/cluster/governance-drill), with a party made to cheat.
 */
import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { UsageError } from '../usage-error.js';
import { MpcClient } from '../../sdk/mpc-client.js';
import { parseTrustBundle, trustBundleFingerprint, TRUST_BUNDLE_FILE } from '../../wire/trust-bundle.js';
import { startFullCluster, type FullCluster } from '../../cluster/full-cluster.js';
import { runStory, type StoryReport } from '../../demo/story.js';
import { hospitalStory } from '../../demo/story-hospitals.js';
import { inferenceStory } from '../../demo/story-inference.js';
import { auditStory } from '../../demo/story-audit.js';
import { loadDigits, loadModel } from '../../demo/demo-data.js';
import { governanceDrill } from '../../cluster/governance-drill.js';

const HELP = `usage: mpc demo [--gateway <url> --keys <demo-api-keys.json> --coordinator-key <hex> --trust-bundle <file>] [--dir <dir>] [--keep] [--json]
  Without --gateway, starts a local cluster in a temporary folder (or --dir) and stops it at the end;
  the clients pin the parties' keys from the cluster's trust bundle (with --gateway: --trust-bundle).
  Story 4 (governance) runs on a cluster of its own in this process; with --keep it stays up after
  the story, with its web console, until Ctrl-C.
`;

/** Runs the demo. */
export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        gateway: { type: 'string' },
        keys: { type: 'string' },
        'coordinator-key': { type: 'string' },
        'trust-bundle': { type: 'string' },
        dir: { type: 'string' },
        json: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const echo = (line: string): void => {
    if (!values.json) process.stdout.write(line + '\n');
  };
  const t0 = performance.now();
  let cluster: FullCluster | undefined;
  const ownDir = values.dir === undefined && values.gateway === undefined;
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'mpc-demo-'));
  let gatewayUrl: string;
  let keys: Record<string, string>;
  let coordinatorKey: string;
  let trustFile: string | undefined = values['trust-bundle'];
  if (values.gateway) {
    if (!values.keys || !values['coordinator-key']) throw new UsageError('--gateway needs --keys <demo-api-keys.json> and --coordinator-key <hex>');
    gatewayUrl = values.gateway;
    keys = (JSON.parse(readFileSync(values.keys, 'utf8')) as { keys: Record<string, string> }).keys;
    coordinatorKey = values['coordinator-key'];
  } else {
    echo(`Starting a local cluster in ${dir} (nats-server, coordinator, 3 parties, 2 HE workers, gateway)...`);
    cluster = await startFullCluster({ dir });
    gatewayUrl = cluster.gatewayUrl;
    keys = cluster.demoKeys;
    coordinatorKey = cluster.keys.coordinator!.signingPublicKey;
    trustFile = join(dir, TRUST_BUNDLE_FILE);
    echo(`Cluster ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; gateway ${gatewayUrl}`);
  }
  const trust = trustFile === undefined ? undefined : parseTrustBundle(JSON.parse(readFileSync(trustFile, 'utf8')));
  echo(
    trust
      ? `Pinned trust bundle ${trustBundleFingerprint(trust)}: inputs are sealed only to its three parties, results accepted only with their signatures`
      : 'No trust bundle (--trust-bundle): party keys come from the gateway registry, which this gateway could substitute',
  );
  const client = (id: string): MpcClient => {
    const apiKey = keys[id];
    if (!apiKey) throw new UsageError(`no API key for '${id}' in the demo keys`);
    return new MpcClient({ gatewayUrl, apiKey, pollIntervalMs: 100, ...(trust ? { trust } : {}) });
  };
  const runId = randomBytes(3).toString('hex');
  const reports: StoryReport[] = [];
  try {
    const heWorkers = (await client('demo-client').registry()).filter((s) => s.kind === 'he-worker' && s.status === 'up').length;
    const hospital = client('demo-hospital');
    reports.push(
      await runStory('1. Hospitals pool records; an analyst gets joint statistics', (say) => hospitalStory({ hospitals: [hospital, hospital, hospital], analyst: client('demo-analyst') }, say, runId), echo),
    );
    reports.push(
      await runStory('2. An API client gets predictions from a secret-shared model and from an HE model', (say) => inferenceStory({ owner: client('demo-model-owner'), client: client('demo-client') }, say, runId, { he: heWorkers >= 2 }), echo),
    );
    reports.push(await runStory('3. An auditor exports the log and verifies it offline', (say) => auditStory(client('demo-auditor'), coordinatorKey, join(dir, 'audit-export'), say), echo));
    const digits = loadDigits(4);
    const drill = { onnx: loadModel('digits_mlp.onnx'), input: { shape: [4, 64], data: digits.images.flatMap((im) => Array.from(im)) } };
    reports.push(
      await runStory(
        '4. A cheating party is caught, proven, quarantined and replaced by a standby',
        (say) =>
          governanceDrill(
            {
              ...drill,
              whileRunning: async (consoleUrl, auditorKey) => {
                say(`web console: ${consoleUrl} (API key ${auditorKey}); the log holds the incident, the probes, the quarantine and the promotion`);
                if (!values.keep) return say('run `npm start -- --keep` to keep this cluster up and look at it in a browser');
                say('--keep: the cluster stays up until Ctrl-C');
                await new Promise<void>((r) => process.once('SIGINT', () => r()));
              },
            },
            say,
          ),
        echo,
      ),
    );
  } finally {
    if (cluster) await cluster.stop();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - t0) / 1000;
  if (values.json) {
    process.stdout.write(JSON.stringify({ ok: reports.every((r) => r.status === 'ok'), seconds, stories: reports }) + '\n');
  } else {
    echo('\n== Report');
    for (const r of reports) echo(`  ${r.status === 'ok' ? 'ok    ' : 'FAILED'}  ${r.title}`);
    echo(`  total ${seconds.toFixed(1)} s; ${cluster ? 'the cluster was stopped and its folder removed' : 'the external cluster was left running'}`);
  }
  return reports.every((r) => r.status === 'ok') ? 0 : 1;
}
