/**
 * @module services/coordinator/he/he-worker-link
 * How the coordinator reaches HE worker services, as an interface so the HE job logic does not
 * know NATS, and its NATS implementation: a signed request on `subjects.jobDispatch(id)`, cut
 * into pieces when it exceeds max_payload (all but the last published, the last sent as the
 * request), and a reply read piece by piece until the worker's empty sentinel message.
 * Transport failures come back as `{ unreachable }`; nothing here throws.
 */
import { RequestStrategy, type NatsConnection } from 'nats';
import { HE_REPLY_MAX_BYTES, type HeRequest } from '../../wire/he-messages.js';
import { MessageAssembler, splitMessage } from '../../wire/chunked-message.js';
import { subjects } from '../../wire/api.js';
import type { Signed } from '../../wire/job-messages.js';
import { guardedRequest } from '../../transport/connection-watch.js';

/** Outcome of one request: the raw (parsed JSON, still signed) reply, or why there is none. */
export type HeLinkOutcome = { reply: unknown } | { unreachable: string };

/** The coordinator's view of the HE workers. */
export interface HeWorkerLink {
  /** Sends a signed request to worker `serviceId` and waits up to `timeoutMs` for its reply. */
  request(serviceId: string, msg: Signed<HeRequest>, timeoutMs: number): Promise<HeLinkOutcome>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** {@link HeWorkerLink} over NATS request/reply with chunked messages. */
export class NatsHeWorkerLink implements HeWorkerLink {
  constructor(private readonly nc: NatsConnection) {}

  async request(serviceId: string, msg: Signed<HeRequest>, timeoutMs: number): Promise<HeLinkOutcome> {
    try {
      const subject = subjects.jobDispatch(serviceId);
      const pieces = splitMessage(enc.encode(JSON.stringify(msg)), this.nc.info?.max_payload ?? 1 << 20);
      for (const piece of pieces.slice(0, -1)) this.nc.publish(subject, piece);
      // A broker that drops while the worker evaluates fails the request at once (not after timeoutMs).
      return await guardedRequest(this.nc, `request to ${serviceId}`, timeoutMs, async (ms): Promise<HeLinkOutcome> => {
        const replies = await this.nc.requestMany(subject, pieces[pieces.length - 1]!, { strategy: RequestStrategy.SentinelMsg, maxWait: ms });
        const assembler = new MessageAssembler(HE_REPLY_MAX_BYTES);
        for await (const m of replies) {
          if (m.data.length === 0) break;
          const whole = assembler.push(m.data);
          if (whole) return { reply: JSON.parse(dec.decode(whole)) as unknown };
        }
        return { unreachable: `no complete reply from ${serviceId} within ${timeoutMs} ms` };
      });
    } catch (e) {
      return { unreachable: `${serviceId}: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
}
