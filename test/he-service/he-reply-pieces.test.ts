/**
 * An HE worker's reply in pieces under the cluster's generated NATS permissions: on a real
 * nats-server with a 64 KiB max_payload, a ~600 KB reply from a user with heWorkerPermissions
 * reaches the coordinator's link whole, and the server refuses none of the worker's messages.
 * Under nats-server's default `allow_responses` (one response per request) the worker's
 * second piece on was dropped and the link waited for its timeout.
 */
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heWorkerPermissions } from '../../services/cluster/he-worker-cluster.js';
import { authorizationBlock, coordinatorPermissions, type NatsUser } from '../../services/cluster/nats-permissions.js';
import { NatsServerProcess } from '../../services/cluster/nats-server-process.js';
import { NatsHeWorkerLink } from '../../services/coordinator/he/he-worker-link.js';
import { NatsServiceRunner } from '../../services/transport/nats-service-runner.js';
import { MemoryLog } from '../../services/transport/service-log.js';
import { subjects } from '../../services/wire/api.js';
import { piecesFor } from '../../services/wire/chunked-message.js';
import type { HeRequest } from '../../services/wire/he-messages.js';
import type { Signed } from '../../services/wire/job-messages.js';

const MAX_PAYLOAD = 64 << 10;
const users: NatsUser[] = [
  { user: 'coordinator', password: 'c-secret', permissions: coordinatorPermissions() },
  { user: 'he-x', password: 'x-secret', permissions: heWorkerPermissions('he-x') },
];

describe('HE worker replies in pieces under the generated permissions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'he-pieces-'));
  const logFile = join(dir, 'nats.log');
  let server: NatsServerProcess;
  let worker: NatsConnection;
  let coordinator: NatsConnection;
  const body = { resultId: 'r-1', blob: Array.from({ length: 150_000 }, (_, i) => (i * 7919) % 10_007).join(',') };

  beforeAll(async () => {
    server = await NatsServerProcess.start({ maxPayload: MAX_PAYLOAD, extraConfig: authorizationBlock(users), logFile });
    worker = await connect({ servers: server.url, user: 'he-x', pass: 'x-secret' });
    coordinator = await connect({ servers: server.url, user: 'coordinator', pass: 'c-secret' });
    new NatsServiceRunner(worker, new MemoryLog()).serve(subjects.jobDispatch('he-x'), { name: 'he', reply: { kind: 'pieces' }, handle: () => Promise.resolve(body) });
    await worker.flush();
  }, 30_000);

  afterAll(async () => {
    await worker?.close();
    await coordinator?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every piece and the end message; the server refuses nothing', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify(body)).length;
    expect(piecesFor(bytes, MAX_PAYLOAD)).toBeGreaterThan(5);
    const outcome = await new NatsHeWorkerLink(coordinator).request('he-x', {} as Signed<HeRequest>, 5_000);
    expect(outcome).toEqual({ reply: body });
    // The empty end message comes after the last piece; give the server a moment to log a refusal.
    await worker.flush();
    await new Promise((r) => setTimeout(r, 200));
    expect(readFileSync(logFile, 'utf8')).not.toMatch(/Publish Violation/);
  }, 30_000);
});
