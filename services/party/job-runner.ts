/**
 * @module services/party/job-runner
 * A job kind as a plug-in: the party runtime looks up the runner of an order's kind and hands
 * it everything it may use. Adding a kind means adding a runner, not editing a switch.
 */
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import type { ProtocolContext } from '../../protocols/rss/context.js';
import type { ReplicatedShare } from '../../protocols/rss/replicated-share.js';
import type { JobOrder } from '../wire/job-messages.js';
import type { ServiceLog } from '../transport/service-log.js';
import type { ShareStore } from './share-store.js';

/** What a runner gets for one job. */
export interface JobRunContext {
  order: JobOrder;
  /** Channel, ring, correlated randomness of this job. */
  protocol: ProtocolContext;
  identity: ServiceIdentity;
  shares: ShareStore;
  log: ServiceLog;
  /** This party's region (party config `region`), checked against owner-signed residency. */
  region?: string;
}

/** What a runner returns: this party's part of the job result. */
export interface JobRunOutcome {
  /** Kind-specific JSON result of this party (e.g. its sealed output pair). */
  result: unknown;
  /** Per-iteration protocol times, when the job repeats its operation. */
  iterationMs?: number[];
  /** The output share this party released, if any: the runtime commits to its two components. */
  output?: ReplicatedShare;
}

/** One job kind. */
export interface JobRunner {
  readonly kind: string;
  run(ctx: JobRunContext): Promise<JobRunOutcome>;
}
