/**
 * @module services/gateway/audit-sink
 * Where the gateway reports access denials. The composition root injects the real sink (which
 * forwards to the coordinator's audit log over NATS); tests inject one that records events.
 * A sink must not throw into the request path: a failure to record is logged, and the denial
 * stands either way.
 */
import type { CoordinatorClient } from './coordinator-client.js';
import type { DenialEvent } from '../wire/api.js';

/** Receives every denial (401, 403, and 404s caused by tenant isolation) the gateway answers. */
export type AuditSink = (event: DenialEvent) => Promise<void> | void;

/**
 * Forwards each denial to the coordinator as `audit.denial` (subject
 * `mpc.coord.api.audit.denial`), so it lands in the Merkle audit log. Keeps the in-flight
 * requests so that a stopping gateway can wait for them instead of dropping the last denials.
 */
export class CoordinatorAuditSink {
  readonly #client: CoordinatorClient;
  readonly #onError: (err: unknown, event: DenialEvent) => void;
  readonly #pending = new Set<Promise<void>>();

  /** @param onError - called when the coordinator does not record an event. */
  constructor(client: CoordinatorClient, onError: (err: unknown, event: DenialEvent) => void) {
    this.#client = client;
    this.#onError = onError;
  }

  /** The {@link AuditSink} function of this forwarder. */
  readonly record: AuditSink = (event) => {
    const p = this.#client
      .call('audit.denial', { event }, { timeoutMs: 2_000 })
      .then(() => undefined)
      .catch((err: unknown) => this.#onError(err, event))
      .finally(() => this.#pending.delete(p));
    this.#pending.add(p);
    return p;
  };

  /** Resolves when every denial recorded so far has been answered (or has failed). */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }
}
