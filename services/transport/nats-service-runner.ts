/**
 * @module services/transport/nats-service-runner
 * The loop every NATS service runs, written once for the coordinator, the parties and the HE
 * workers: JSON request/reply subscriptions whose requests may arrive in pieces
 * (wire/chunked-message), replies sent whole or in pieces, a health subject, a signed
 * announcement on start, every few seconds and after each reconnect, connection-status hooks,
 * and a stop that drains the connection.
 */
import type { Msg, NatsConnection } from 'nats';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { subjects } from '../wire/api.js';
import { MessageAssembler, splitMessage } from '../wire/chunked-message.js';
import type { HealthReply } from '../wire/job-messages.js';
import { publishAnnouncement, type AnnounceFields } from './announce.js';
import type { ServiceLog } from './service-log.js';

/**
 * How a reply goes back. `whole`: one message. `pieces`: split at the server's max_payload and
 * ended by an empty message, always. `pieces-if-asked`: one message when it fits; otherwise in
 * pieces only to callers whose request says `acceptChunks: true`, and `tooLarge(bytes, max)` to
 * the others (so a caller that cannot reassemble gets a clear error, not silence).
 */
export type ReplyMode = { kind: 'whole' } | { kind: 'pieces' } | { kind: 'pieces-if-asked'; tooLarge: (bytes: number, max: number) => unknown };

/** One request/reply subscription. */
export interface ServeOptions {
  /** Name used in log events (`<name>-reply-failed`, ...). */
  name: string;
  /** Queue group, so that several instances share the load. */
  queue?: string;
  /** Largest reassembled request, bytes (default 64 MiB). */
  maxRequestBytes?: number;
  reply: ReplyMode;
  /**
   * Answers a request (`undefined` when its bytes were not JSON: the handler refuses it in its
   * own words). A rejection is logged and the caller left to its timeout, so handlers map their
   * errors to reply bodies themselves.
   */
  handle: (req: unknown) => Promise<unknown>;
}

/** Connection-status hooks. */
export interface StatusHooks {
  disconnect?: (server: string) => void;
  reconnect?: (server: string) => void;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The subscriptions, announcements and status watch of one service's connection. */
export class NatsServiceRunner {
  readonly nc: NatsConnection;
  readonly #log: ServiceLog;
  #announce: (() => void) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  constructor(nc: NatsConnection, log: ServiceLog) {
    this.nc = nc;
    this.#log = log;
  }

  /** Whether {@link NatsServiceRunner.stop} has been called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Serves JSON requests on `subject`. */
  serve(subject: string, opts: ServeOptions): void {
    // A request larger than max_payload comes in pieces; the last one carries the reply subject.
    const assembler = new MessageAssembler(opts.maxRequestBytes ?? 64 << 20);
    this.nc.subscribe(subject, {
      ...(opts.queue ? { queue: opts.queue } : {}),
      callback: (err, msg) => {
        if (err) return this.#log.warn(`${opts.name}-subscription-error`, { message: err.message });
        let req: unknown;
        try {
          const whole = assembler.push(msg.data);
          if (!whole) return;
          req = JSON.parse(dec.decode(whole));
        } catch {
          req = undefined;
        }
        if (!msg.reply) return this.#log.warn(`${opts.name}-request-without-reply`, { subject: msg.subject });
        opts
          .handle(req)
          .then((body) => this.#respond(msg, req, body, opts.reply))
          .catch((e: unknown) => this.#log.warn(`${opts.name}-reply-failed`, { message: String(e) }));
      },
    });
  }

  #respond(msg: Msg, req: unknown, body: unknown, mode: ReplyMode): void {
    const bytes = enc.encode(JSON.stringify(body));
    if (mode.kind === 'whole') return void msg.respond(bytes);
    const max = this.nc.info?.max_payload ?? 1 << 20;
    const pieces = splitMessage(bytes, max);
    if (mode.kind === 'pieces-if-asked') {
      if (pieces.length === 1) return void msg.respond(bytes);
      if ((req as { acceptChunks?: unknown } | undefined)?.acceptChunks !== true) return void msg.respond(enc.encode(JSON.stringify(mode.tooLarge(bytes.length, max))));
    }
    for (const p of pieces) msg.respond(p);
    msg.respond(new Uint8Array(0));
  }

  /** Answers health probes on `subjects.health(id)`. */
  serveHealth(id: string, health: () => Omit<HealthReply, 'id' | 'ready'>): void {
    this.nc.subscribe(subjects.health(id), {
      callback: (_err, msg) => {
        try {
          const reply: HealthReply = { id, ready: !this.#stopped, ...health() };
          msg.respond(enc.encode(JSON.stringify(reply)));
        } catch (e) {
          this.#log.warn('health-reply-failed', { message: String(e) });
        }
      },
    });
  }

  /** Publishes a signed announcement now, every `intervalMs` and after each reconnect. */
  announceEvery(identity: ServiceIdentity, fields: () => AnnounceFields, intervalMs: number): void {
    this.#announce = () => {
      if (!this.#stopped) publishAnnouncement(this.nc, identity, fields(), this.#log);
    };
    this.#announce();
    this.#timer = setInterval(this.#announce, intervalMs);
    this.#timer.unref?.();
  }

  /** Follows the connection's status: logs it, re-announces after a reconnect, calls the hooks. */
  watchStatus(hooks: StatusHooks = {}): void {
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') {
          this.#log.warn('nats-disconnected', { server: String(s.data) });
          hooks.disconnect?.(String(s.data));
        } else if (s.type === 'reconnect') {
          this.#log.info('nats-reconnected', { server: String(s.data) });
          this.#announce?.();
          hooks.reconnect?.(String(s.data));
        }
      }
    })();
  }

  /** Marks the service stopped (health says not ready; no more announcements). Idempotent. */
  halt(): void {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Halts, then drains the connection (closing it when draining fails). */
  async stop(): Promise<void> {
    this.halt();
    try {
      await this.nc.drain();
    } catch {
      await this.nc.close().catch(() => undefined);
    }
  }
}
