/**
 * @module test/helpers/party-trio
 * Three real party services on a real nats-server, with the test in the seat of the
 * coordinator (it holds the coordinator's signing key and sends signed orders itself) and of
 * the broker (it records every frame on a job's channel subjects and can publish any of them
 * again). Parties can be restarted on their state directories, as an operator would restart one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection, type Subscription } from 'nats';
import { generateIdentity, publicIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { generateStorageKey } from '../../crypto-core/keys/storage-key.js';
import { Prg } from '../../crypto-core/prg.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { shareSecret, type ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import { computePlan } from '../../services/coordinator/jobs/job-plans.js';
import { PartyService } from '../../services/party/party-service.js';
import { ComputeRunner } from '../../services/party/runners/compute-runner.js';
import { prepareComputeRequest } from '../../services/sdk/compute-client.js';
import { MemoryLog } from '../../services/transport/service-log.js';
import { subjects } from '../../services/wire/api.js';
import { DISPATCH_DOMAIN, signMessage, type DispatchReply, type JobOrder, type PartyRef, type PartyReport, type Signed } from '../../services/wire/job-messages.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One frame seen on a channel subject of a job. */
export interface SeenFrame {
  from: number;
  to: number;
  frame: Uint8Array;
}

/** The client's shares of one `mul` job's operands (reproduced from the request's seed). */
export interface MulInputs {
  x: [ReplicatedShare, ReplicatedShare, ReplicatedShare];
  y: [ReplicatedShare, ReplicatedShare, ReplicatedShare];
}

/** Three parties, a coordinator key and a broker connection. */
export class PartyTrio {
  readonly coordinator: ServiceIdentity = generateIdentity();
  readonly ids: ServiceIdentity[] = [generateIdentity(), generateIdentity(), generateIdentity()];
  readonly logs: MemoryLog[] = [new MemoryLog(), new MemoryLog(), new MemoryLog()];
  readonly refs = this.ids.map((id, i) => ({ id: `party-${i}`, index: i as PartyIndex, ...publicIdentity(id) })) as [PartyRef, PartyRef, PartyRef];
  readonly #storageKeys = [generateStorageKey(), generateStorageKey(), generateStorageKey()];
  readonly #dir = mkdtempSync(join(tmpdir(), 'party-trio-'));
  readonly #parties: (PartyService | undefined)[] = [undefined, undefined, undefined];
  #broker: NatsConnection | undefined;

  constructor(private readonly url: string) {}

  /** The test's own connection: coordinator requests and broker replays. */
  get broker(): NatsConnection {
    if (!this.#broker) throw new Error('PartyTrio: start() first');
    return this.#broker;
  }

  async start(): Promise<void> {
    this.#broker = await connect({ servers: this.url });
    for (const i of [0, 1, 2] as const) await this.startParty(i);
  }

  async startParty(i: PartyIndex): Promise<void> {
    this.#parties[i] = await PartyService.start({
      nats: { servers: this.url },
      id: `party-${i}`,
      index: i,
      identity: this.ids[i]!,
      coordinatorKey: this.coordinator.signing.publicKey,
      stateDir: join(this.#dir, `party-${i}`),
      storageKey: this.#storageKeys[i]!,
      log: this.logs[i]!,
      runners: [new ComputeRunner()],
      announceIntervalMs: 60_000,
    });
  }

  /** Stops party `i` and starts it again on the same keys and state directory. */
  async restartParty(i: PartyIndex): Promise<void> {
    await this.#parties[i]?.stop();
    await this.startParty(i);
  }

  async stop(): Promise<void> {
    for (const p of this.#parties) await p?.stop();
    await this.#broker?.close();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** A `mul` request of `n` elements on operands from `seed`, and the shares it holds. */
  mulRequest(n: number, seed: number): { payload: unknown; inputs: MulInputs } {
    const values = Prg.fromSeed(new Uint8Array(32).fill(seed));
    const x = values.u64(n);
    const y = values.u64(n);
    const shareSeed = new Uint8Array(32).fill(seed + 1);
    const req = prepareComputeRequest('mul', [n], x, y, this.refs.map((r) => r.agreementPublicKey) as [string, string, string], { rng: Prg.fromSeed(shareSeed) });
    const again = Prg.fromSeed(shareSeed);
    return { payload: req.payload, inputs: { x: shareSecret(x, again), y: shareSecret(y, again) } };
  }

  /** Sends a signed `prepare` of `mpc-compute` job `jobId` to each party in `to`; returns their replies. */
  async prepare(jobId: string, payload: unknown, deadline: number, to: readonly PartyIndex[]): Promise<DispatchReply[]> {
    return await Promise.all(
      to.map(async (i) => {
        const order: JobOrder = { jobId, kind: 'mpc-compute', to: `party-${i}`, parties: this.refs, issuedAt: Date.now(), deadline, payload: computePlan.partyPayload(payload, i), startWhen: 'peers-listening' };
        const msg = signMessage(DISPATCH_DOMAIN, { type: 'prepare', order }, this.coordinator.signing);
        const reply = await this.broker.request(subjects.jobDispatch(`party-${i}`), enc.encode(JSON.stringify(msg)), { timeout: 5000 });
        return JSON.parse(dec.decode(reply.data)) as DispatchReply;
      }),
    );
  }

  /** Records every frame on the channel subjects of `jobId` until `stop`. */
  async recordFrames(jobId: string): Promise<{ frames: SeenFrame[]; stop: () => void }> {
    const frames: SeenFrame[] = [];
    const sub: Subscription = this.broker.subscribe(`mpc.p2p.${jobId}.>`, {
      callback: (_e, m) => {
        const parts = m.subject.split('.');
        frames.push({ from: Number(parts[parts.length - 2]), to: Number(parts[parts.length - 1]), frame: Uint8Array.from(m.data) });
      },
    });
    await this.broker.flush();
    return { frames, stop: () => sub.unsubscribe() };
  }

  /** Collects the signed reports of `jobId`. */
  async watchReports(jobId: string): Promise<{ reports: PartyReport[]; stop: () => void }> {
    const reports: PartyReport[] = [];
    const sub = this.broker.subscribe(subjects.jobReport(jobId), { callback: (_e, m) => reports.push((JSON.parse(dec.decode(m.data)) as Signed<PartyReport>).body) });
    await this.broker.flush();
    return { reports, stop: () => sub.unsubscribe() };
  }
}

/** Resolves when `cond()` holds, or after `ms` (whichever first). */
export async function waitUntil(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
