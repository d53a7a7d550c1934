/**
 * @module services/party/party-service
 * The party as a NATS service: answers signed dispatch messages on `subjects.jobDispatch(id)`
 * and health probes on `subjects.health(id)`, publishes signed reports on
 * `subjects.jobReport(job)`, and announces itself (signed) on start, every few seconds, and
 * after every reconnect, so a restarted broker or coordinator relearns it without help.
 */
import type { NatsConnection, Subscription } from 'nats';
import { join } from 'node:path';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import { subjects } from '../wire/api.js';
import type { HealthReply } from '../wire/job-messages.js';
import { publishAnnouncement } from '../transport/announce.js';
import { connectService, type NatsEndpoint } from '../transport/nats-connection.js';
import { MessageAssembler, splitMessage } from '../wire/chunked-message.js';
import { ChannelStreamError } from '../transport/errors.js';
import { jsonLineLog, type ServiceLog } from '../transport/service-log.js';
import { composeParty } from './composition-root.js';
import type { JobRunner } from './job-runner.js';
import type { PartyRuntime } from './party-runtime.js';
import { FileSeenJobs, type SeenJobs } from './seen-jobs.js';
import { FileShareStore } from './share-store.js';

/** What a party needs to start. */
export interface PartyServiceOptions {
  nats: NatsEndpoint;
  id: string;
  index: PartyIndex;
  identity: ServiceIdentity;
  /** Ed25519 public key of the coordinator whose job messages this party runs. */
  coordinatorKey: Uint8Array;
  /** State directory: share store and the list of accepted job ids. */
  stateDir: string;
  /** 32-byte storage key of the share store. */
  storageKey: Uint8Array;
  pinnedPeers?: Partial<Record<PartyIndex, { signingPublicKey: string; agreementPublicKey: string }>>;
  log?: ServiceLog;
  /** Extra or replacement job runners (default: compute). */
  runners?: JobRunner[];
  /** Milliseconds between announcements (default 3000). */
  announceIntervalMs?: number;
  seenJobs?: SeenJobs;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A running party. */
export class PartyService {
  readonly nc: NatsConnection;
  readonly runtime: PartyRuntime;
  readonly #opts: PartyServiceOptions;
  readonly #log: ServiceLog;
  readonly #subs: Subscription[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  private constructor(nc: NatsConnection, runtime: PartyRuntime, opts: PartyServiceOptions, log: ServiceLog) {
    this.nc = nc;
    this.runtime = runtime;
    this.#opts = opts;
    this.#log = log;
  }

  /** Connects, subscribes, announces. */
  static async start(opts: PartyServiceOptions): Promise<PartyService> {
    const log = opts.log ?? jsonLineLog(opts.id);
    const nc = await connectService(opts.nats, opts.id);
    const { runtime } = composeParty({
      settings: { id: opts.id, index: opts.index },
      identity: opts.identity,
      coordinatorKey: opts.coordinatorKey,
      nc,
      log,
      shares: new FileShareStore(join(opts.stateDir, 'shares'), opts.storageKey),
      seenJobs: opts.seenJobs ?? new FileSeenJobs(join(opts.stateDir, 'seen-jobs.log')),
      pinnedPeers: opts.pinnedPeers,
      runners: opts.runners,
      reports: {
        publish: (r) => {
          for (const piece of splitMessage(enc.encode(JSON.stringify(r)), nc.info?.max_payload ?? 1 << 20)) nc.publish(subjects.jobReport(r.body.jobId), piece);
        },
      },
    });
    const svc = new PartyService(nc, runtime, opts, log);
    svc.#subscribe();
    await nc.flush();
    svc.#announce();
    svc.#timer = setInterval(() => svc.#announce(), opts.announceIntervalMs ?? 3000);
    svc.#timer.unref?.();
    void svc.#watchStatus();
    log.info('party-started', { id: opts.id, index: opts.index });
    return svc;
  }

  #subscribe(): void {
    const { id } = this.#opts;
    const assembler = new MessageAssembler(64 << 20);
    this.#subs.push(
      this.nc.subscribe(subjects.jobDispatch(id), {
        callback: (err, msg) => {
          if (err) return this.#log.warn('dispatch-subscription-error', { message: err.message });
          let raw: unknown;
          try {
            const whole = assembler.push(msg.data);
            if (!whole) return;
            raw = JSON.parse(dec.decode(whole));
          } catch {
            raw = undefined;
          }
          this.runtime
            .handleDispatch(raw)
            .then((reply) => msg.respond(enc.encode(JSON.stringify(reply))))
            .catch((e: unknown) => this.#log.warn('dispatch-reply-failed', { message: String(e) }));
        },
      }),
    );
    this.#subs.push(
      this.nc.subscribe(subjects.health(id), {
        callback: (_err, msg) => {
          try {
            const reply: HealthReply = { id, ready: !this.#stopped, activeJobs: this.runtime.activeJobs, capabilities: this.#capabilities() };
            msg.respond(enc.encode(JSON.stringify(reply)));
          } catch (e) {
            this.#log.warn('health-reply-failed', { message: String(e) });
          }
        },
      }),
    );
  }

  #capabilities(): string[] {
    return this.runtime.kinds;
  }

  #announce(): void {
    if (this.#stopped) return;
    publishAnnouncement(this.nc, this.#opts.identity, { id: this.#opts.id, kind: 'party', index: this.#opts.index, capabilities: this.#capabilities() }, this.#log);
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'reconnect') {
        this.#log.info('nats-reconnected', { server: String(s.data) });
        this.#announce();
      } else if (s.type === 'disconnect') {
        this.#log.warn('nats-disconnected', { server: String(s.data) });
        this.runtime.failActive(new ChannelStreamError(this.#opts.index, `party ${this.#opts.index} lost its NATS connection (${String(s.data)}); frames in flight may be lost`));
      }
    }
  }

  /** Aborts active jobs, drains the connection. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.runtime.shutdown();
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close().catch(() => undefined);
    }
  }
}
