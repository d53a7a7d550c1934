/**
 * @module services/coordinator/jobs/party-link
 * How the dispatcher reaches the parties, as an interface so the job logic does not know NATS
 * (nats-party-link implements it).
 */
import type { DispatchMessage, DispatchReply, Signed } from '../../wire/job-messages.js';

/**
 * `reason` of a dispatch reply when the coordinator's broker connection was down or dropped
 * before the party answered: a broker outage, not the party's fault (the job fails
 * `broker-disconnected` and the party is not marked down).
 */
export const BROKER_UNAVAILABLE = 'broker-unavailable';

/** Outcome of one health probe. */
export type ProbeResult = 'ok' | 'gone' | 'slow';

/** The dispatcher's view of the network. */
export interface PartyLink {
  /** Sends a signed dispatch message; a party that cannot be reached yields `{ ok: false, reason: 'unreachable' }`. */
  dispatch(serviceId: string, msg: Signed<DispatchMessage>, timeoutMs: number): Promise<DispatchReply>;
  /**
   * Probes `serviceId`: `ok` when it answers within `timeoutMs`; `gone` when nobody listens on
   * its subject (its process or connection is gone); `slow` when it listens but did not answer
   * in time (busy with a large job, or the broker is unreachable).
   */
  probe(serviceId: string, timeoutMs: number): Promise<ProbeResult>;
  /** Delivers every report published for `jobId` (raw JSON) until the returned function is called. Resolves once listening. */
  watchReports(jobId: string, onReport: (raw: unknown) => void): Promise<() => void>;
}
