/**
 * @module services/gateway/audit-sink
 * Where the gateway reports access denials. The composition root injects the real sink (which
 * forwards to the coordinator's audit log over NATS); tests inject one that records events.
 * A sink must not throw into the request path: a failure to record is logged, and the denial
 * stands either way.
 */
import type { CoordinatorClient } from './coordinator-client.js';
import type { DenialEvent } from './gateway-methods.js';

/** Receives every denial (401, 403, and 404s caused by tenant isolation) the gateway answers. */
export type AuditSink = (event: DenialEvent) => Promise<void> | void;

/**
 * A sink that forwards each denial to the coordinator as `audit.denial`
 * (subject `mpc.coord.api.audit.denial`), so it lands in the Merkle audit log.
 * @param onError - called when the coordinator does not record the event.
 */
export function coordinatorAuditSink(client: CoordinatorClient, onError: (err: unknown, event: DenialEvent) => void): AuditSink {
  return async (event) => {
    try {
      await client.call('audit.denial', { event }, { timeoutMs: 2_000 });
    } catch (err) {
      onError(err, event);
    }
  };
}
