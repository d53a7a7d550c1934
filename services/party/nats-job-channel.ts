/**
 * @module services/party/nats-job-channel
 * The party's {@link JobChannelOpener} over NATS: a {@link NatsChannel} keyed from this party's
 * X25519 key and the peers' keys named in the verified order, with the order's deadline, and
 * every rejected frame logged.
 */
import type { NatsConnection } from 'nats';
import { fromHex } from '../../crypto-core/encoding.js';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import type { PartyIndex } from '../../protocols/channel/channel.js';
import type { JobOrder } from '../wire/job-messages.js';
import { NatsChannel } from '../transport/nats-channel.js';
import type { ServiceLog } from '../transport/service-log.js';
import type { JobChannel, JobChannelOpener } from './party-runtime.js';

/** Opens sealed NATS channels for jobs. */
export class NatsJobChannelOpener implements JobChannelOpener {
  constructor(
    private readonly nc: NatsConnection,
    private readonly identity: ServiceIdentity,
    private readonly log: ServiceLog,
  ) {}

  async open(order: JobOrder, self: PartyIndex): Promise<JobChannel> {
    const peerAgreementKeys: Partial<Record<PartyIndex, Uint8Array>> = {};
    for (const p of [0, 1, 2] as const) {
      if (p !== self) peerAgreementKeys[p] = fromHex(order.parties[p].agreementPublicKey, `parties[${p}].agreementPublicKey`, 32);
    }
    return await NatsChannel.open({
      nc: this.nc,
      jobId: order.jobId,
      self,
      agreementSecretKey: this.identity.agreement.secretKey,
      peerAgreementKeys,
      deadline: order.deadline,
      onReject: (r) => this.log.warn('frame-rejected', { jobId: r.jobId, from: r.from, reason: r.reason, detail: r.detail }),
    });
  }
}
