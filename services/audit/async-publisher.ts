/**
 * @module services/audit/async-publisher
 * JetStream publishing without a request object per message: each entry is published with a
 * reply subject under one inbox this publisher subscribes to once, and with the
 * `Nats-Expected-Stream` / `Nats-Expected-Last-Sequence` headers, and its ack is matched by the
 * reply token. This is the "async publish" pattern of the NATS clients; nats.js's
 * `js.publish` builds a request (and an Error for its stack) per message, which costs several
 * times more CPU than the publish itself when thousands are in flight.
 *
 * Broker outages: nats.js keeps what is published while it is disconnected in a buffer that it
 * empties, unsent, when it dials the server again, so such a publish (and the ack of one sent
 * just before the connection dropped) never gets an answer. Waiting for the ack timeout would
 * hold the log for 10 s after every broker restart; instead the publisher follows the
 * connection's status: a publish made while disconnected is refused at once, and every publish
 * still waiting when the connection drops or comes back is rejected then (its entry may or may
 * not be stored: the log reads the stream to settle it).
 */
import { createInbox, Events, headers, type NatsConnection, type Status, type Subscription } from 'nats';
import { AuditStorageError } from './errors.js';

/** A publish JetStream refused, with its JetStream error code (10071: wrong last sequence). */
export class JetStreamPublishError extends AuditStorageError {
  readonly errCode: number | undefined;
  constructor(message: string, errCode?: number) {
    super(message);
    this.errCode = errCode;
  }
}

/** {@link JetStreamPublishError.errCode} of a publish the server dropped as a duplicate Nats-Msg-Id. */
export const DUPLICATE_MSG_ID = -1;

interface Waiter {
  resolve: (seq: number) => void;
  reject: (e: Error) => void;
  deadline: number;
}

/** Publishes to one stream and resolves each publish with the stream sequence JetStream assigned. */
export class AsyncJetStreamPublisher {
  readonly #nc: NatsConnection;
  readonly #stream: string;
  readonly #timeoutMs: number;
  readonly #inbox = createInbox();
  readonly #waiting = new Map<string, Waiter>();
  #sub: Subscription | null = null;
  #sweeper: NodeJS.Timeout | null = null;
  /** nats.js's status iterator (a QueuedIterator: it has stop(), not in the interface). */
  #status: (AsyncIterable<Status> & { stop?: () => void }) | null = null;
  #connected = true;
  #next = 0;

  constructor(nc: NatsConnection, stream: string, timeoutMs = 10_000) {
    this.#nc = nc;
    this.#stream = stream;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Publishes `data` on `subject`, requiring the stream's last sequence to be
   * `expectedLastSequence`; with `msgId`, as Nats-Msg-Id (the server's duplicate window).
   */
  publish(subject: string, data: Uint8Array, expectedLastSequence: number, msgId?: string): Promise<number> {
    this.#start();
    if (!this.#connected) return Promise.reject(new JetStreamPublishError(`publish to ${subject}: not connected to the broker (reconnecting)`));
    const token = String(this.#next++);
    const h = headers();
    h.set('Nats-Expected-Stream', this.#stream);
    h.set('Nats-Expected-Last-Sequence', String(expectedLastSequence));
    if (msgId !== undefined) h.set('Nats-Msg-Id', msgId);
    const p = new Promise<number>((resolve, reject) => this.#waiting.set(token, { resolve, reject, deadline: Date.now() + this.#timeoutMs }));
    try {
      this.#nc.publish(subject, data, { reply: `${this.#inbox}.${token}`, headers: h });
    } catch (e) {
      this.#waiting.delete(token);
      return Promise.reject(new JetStreamPublishError(`publish to ${subject} failed: ${(e as Error).message}`));
    }
    return p;
  }

  /** Stops listening; pending publishes are rejected. */
  close(): void {
    this.#sub?.unsubscribe();
    this.#sub = null;
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = null;
    this.#status?.stop?.();
    this.#status = null;
    this.#failWaiting('publisher closed before the ack arrived');
  }

  #failWaiting(why: string): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const w of waiting) w.reject(new JetStreamPublishError(why));
  }

  /** Follows the connection: no publishing while disconnected, in-doubt publishes rejected. */
  #watchStatus(): void {
    const it: AsyncIterable<Status> & { stop?: () => void } = this.#nc.status();
    this.#status = it;
    void (async () => {
      for await (const s of it) {
        if (s.type === Events.Disconnect) {
          this.#connected = false;
          this.#failWaiting('the broker connection dropped before the ack arrived (the entry may or may not be stored)');
        } else if (s.type === Events.Reconnect) {
          this.#connected = true;
          // Published while the client was reconnecting: nats.js dropped them when it dialled again.
          this.#failWaiting('published while the broker connection was down (dropped by the client on reconnect)');
        }
      }
    })().catch(() => undefined);
  }

  #start(): void {
    if (this.#sub) return;
    this.#watchStatus();
    const prefix = this.#inbox.length + 1;
    this.#sub = this.#nc.subscribe(`${this.#inbox}.*`, {
      callback: (_err, m) => {
        const w = this.#waiting.get(m.subject.slice(prefix));
        if (!w) return;
        this.#waiting.delete(m.subject.slice(prefix));
        // A 503 status: no JetStream stream listens on the subject.
        if (m.headers?.code === 503) return w.reject(new JetStreamPublishError(`no stream ${this.#stream} listens on the subject (503 no responders)`, 503));
        let ack: { seq?: unknown; duplicate?: boolean; error?: { err_code?: number; description?: string } };
        try {
          ack = JSON.parse(new TextDecoder().decode(m.data)) as typeof ack;
        } catch {
          return w.reject(new JetStreamPublishError('unreadable JetStream ack'));
        }
        if (ack.error) return w.reject(new JetStreamPublishError(`JetStream refused the entry: ${ack.error.description ?? 'unknown error'}`, ack.error.err_code));
        if (typeof ack.seq !== 'number') return w.reject(new JetStreamPublishError('JetStream ack without a sequence'));
        // Not stored now: a message with this Nats-Msg-Id is already in the stream, at ack.seq.
        if (ack.duplicate) return w.reject(new JetStreamPublishError(`JetStream already holds this message id at sequence ${ack.seq}`, DUPLICATE_MSG_ID));
        w.resolve(ack.seq);
      },
    });
    // One timer for all pending publishes instead of one per message.
    this.#sweeper = setInterval(() => {
      const now = Date.now();
      for (const [k, w] of this.#waiting) {
        if (w.deadline <= now) {
          this.#waiting.delete(k);
          w.reject(new JetStreamPublishError(`no JetStream ack within ${this.#timeoutMs} ms`));
        }
      }
    }, Math.min(1000, this.#timeoutMs));
    this.#sweeper.unref();
  }
}
