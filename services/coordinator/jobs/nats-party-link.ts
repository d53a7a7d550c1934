/**
 * @module services/coordinator/jobs/nats-party-link
 * {@link PartyLink} over NATS request/reply: dispatch on `subjects.jobDispatch(id)`, probes on
 * `subjects.health(id)`, reports on `subjects.jobReport(job)`. "No responders" and timeouts
 * become an `unreachable` reply or a failed probe, a broker connection that is down or drops
 * before the reply a `broker-unavailable` one; nothing here throws into the dispatcher.
 */
import { ErrorCode, NatsError, type NatsConnection } from 'nats';
import { subjects } from '../../wire/api.js';
import type { DispatchMessage, DispatchReply, Signed } from '../../wire/job-messages.js';
import { BROKER_UNAVAILABLE, type PartyLink, type ProbeResult } from './party-link.js';
import { BrokerUnavailableError, guardedRequest } from '../../transport/connection-watch.js';
import { MessageAssembler, splitMessage } from '../../wire/chunked-message.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The NATS {@link PartyLink}. */
export class NatsPartyLink implements PartyLink {
  constructor(private readonly nc: NatsConnection) {}

  async dispatch(serviceId: string, msg: Signed<DispatchMessage>, timeoutMs: number): Promise<DispatchReply> {
    try {
      // An order with a large payload (a model share) goes in pieces: all but the last are
      // published, the last is the request, and the party answers once the message is whole
      // (pieces on one subject from one connection arrive in order).
      const subject = subjects.jobDispatch(serviceId);
      const pieces = splitMessage(enc.encode(JSON.stringify(msg)), this.nc.info?.max_payload ?? 1 << 20);
      // Sent once the connection is up; a broker that drops before the reply is not the party's
      // fault (reason broker-unavailable), and is known at once rather than at the timeout.
      const reply = await guardedRequest(this.nc, `dispatch to ${serviceId}`, timeoutMs, async (ms) => {
        for (const piece of pieces.slice(0, -1)) this.nc.publish(subject, piece);
        return await this.nc.request(subject, pieces[pieces.length - 1]!, { timeout: ms });
      });
      const body = JSON.parse(dec.decode(reply.data)) as DispatchReply;
      if (typeof body !== 'object' || body === null || typeof body.ok !== 'boolean') return { ok: false, reason: 'malformed-reply', message: 'reply is not a dispatch reply' };
      return body;
    } catch (e) {
      if (e instanceof BrokerUnavailableError) return { ok: false, reason: BROKER_UNAVAILABLE, message: e.message };
      return { ok: false, reason: 'unreachable', message: e instanceof Error ? e.message : String(e) };
    }
  }

  async probe(serviceId: string, timeoutMs: number): Promise<ProbeResult> {
    try {
      const reply = await this.nc.request(subjects.health(serviceId), new Uint8Array(0), { timeout: timeoutMs });
      return (JSON.parse(dec.decode(reply.data)) as { ready?: unknown }).ready === true ? 'ok' : 'gone';
    } catch (e) {
      // "No responders" means the server knows no subscriber for the subject: the service's
      // connection is gone. A timeout only says it did not answer in time.
      return e instanceof NatsError && e.code === ErrorCode.NoResponders ? 'gone' : 'slow';
    }
  }

  async watchReports(jobId: string, onReport: (raw: unknown) => void): Promise<() => void> {
    const assembler = new MessageAssembler();
    const sub = this.nc.subscribe(subjects.jobReport(jobId), {
      callback: (_err, msg) => {
        try {
          const whole = assembler.push(msg.data);
          if (whole) onReport(JSON.parse(dec.decode(whole)));
        } catch {
          // Not JSON: nothing to report; the dispatcher logs reports it rejects.
        }
      },
    });
    await this.nc.flush();
    return () => sub.unsubscribe();
  }
}
