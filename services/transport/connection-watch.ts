/**
 * @module services/transport/connection-watch
 * Requests that know when the broker is away. nats.js keeps what is sent while it is
 * disconnected in a buffer that it empties, unsent, when it dials the server again, and it does
 * not fail a request whose reply was lost with the connection: such a request waits out its
 * whole timeout. Measured in the fault matrix (test/faults): after a broker restart the gateway
 * answered 504 after 10 s to calls made while it redialled, and an HE evaluation in flight when
 * the broker died waited its full 30 s.
 *
 * {@link ConnectionWatch} follows a connection's status; {@link guardedRequest} sends a request
 * only once the connection is up (waiting for it within the request's own timeout) and fails it
 * at once, with {@link BrokerUnavailableError}, when the connection drops while the reply is
 * outstanding. A caller then learns of the outage in milliseconds, and what it reports (a 503,
 * a failed job) says so.
 */
import { MpcError } from '../../crypto-core/errors.js';
import type { NatsConnection, Status } from 'nats';

/** The broker connection was down when the request was due, or dropped before its reply. */
export class BrokerUnavailableError extends MpcError {
  constructor(message: string) {
    super('broker-unavailable', message);
  }
}

const watches = new WeakMap<NatsConnection, ConnectionWatch>();

/** Whether nats.js considers the connection up (its protocol handler's flag; true when unknown). */
function protocolConnected(nc: NatsConnection): boolean {
  const flag = (nc as unknown as { protocol?: { connected?: unknown } }).protocol?.connected;
  return typeof flag === 'boolean' ? flag : true;
}

/** The status of one connection, from its status events. Get it with {@link ConnectionWatch.of}. */
export class ConnectionWatch {
  #connected: boolean;
  #waiters = new Set<() => void>();
  #dropListeners = new Set<(server: string) => void>();

  private constructor(nc: NatsConnection) {
    this.#connected = protocolConnected(nc);
    // A stand-in connection without status events (unit tests) counts as always up.
    if (typeof nc.status !== 'function') return;
    void (async () => {
      for await (const s of nc.status() as AsyncIterable<Status>) {
        if (s.type === 'disconnect') {
          this.#connected = false;
          for (const l of [...this.#dropListeners]) l(String(s.data));
        } else if (s.type === 'reconnect') {
          this.#connected = true;
          for (const w of [...this.#waiters]) w();
        }
      }
    })().catch(() => undefined);
    void nc.closed?.().then(() => {
      this.#connected = false;
      for (const l of [...this.#dropListeners]) l('closed');
    });
  }

  /** The watch of `nc` (one per connection, made on first use). */
  static of(nc: NatsConnection): ConnectionWatch {
    let w = watches.get(nc);
    if (!w) {
      w = new ConnectionWatch(nc);
      watches.set(nc, w);
    }
    return w;
  }

  /** Whether the connection is up. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Resolves once the connection is up; false when it is not within `timeoutMs`. */
  async whenConnected(timeoutMs: number): Promise<boolean> {
    if (this.#connected) return true;
    return await new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(t);
        this.#waiters.delete(up);
        resolve(ok);
      };
      const up = (): void => done(true);
      const t = setTimeout(() => done(false), Math.max(0, timeoutMs));
      this.#waiters.add(up);
    });
  }

  /** Calls `onDrop` at the next disconnect; returns the function that stops listening. */
  onDrop(onDrop: (server: string) => void): () => void {
    this.#dropListeners.add(onDrop);
    return () => this.#dropListeners.delete(onDrop);
  }
}

/**
 * Runs `send` (a request on `nc`) once the connection is up, within `timeoutMs` in all, and
 * rejects with {@link BrokerUnavailableError} when the connection is not up in time or drops
 * before `send` settles. `what` names the request in the message.
 */
export async function guardedRequest<T>(nc: NatsConnection, what: string, timeoutMs: number, send: (remainingMs: number) => Promise<T>): Promise<T> {
  const watch = ConnectionWatch.of(nc);
  const start = Date.now();
  if (!(await watch.whenConnected(timeoutMs))) throw new BrokerUnavailableError(`${what}: not connected to the broker within ${timeoutMs} ms`);
  const remaining = Math.max(1, timeoutMs - (Date.now() - start));
  let stop: () => void = () => undefined;
  const dropped = new Promise<never>((_, reject) => {
    stop = watch.onDrop((server) => reject(new BrokerUnavailableError(`${what}: the broker connection (${server}) dropped before the reply`)));
  });
  try {
    return await Promise.race([send(remaining), dropped]);
  } finally {
    stop();
  }
}
