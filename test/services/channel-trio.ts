/**
 * Opens the three parties' NatsChannels of one job on three connections: shared by the channel
 * tests of this folder.
 */
import type { NatsConnection } from 'nats';
import type { ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { NatsChannel, type NatsChannelOptions } from '../../services/transport/nats-channel.js';

/** The channels of parties 0, 1 and 2 for `jobId`, party i on `conns[i]` with identity `ids[i]`. */
export async function openChannelTrio(
  conns: readonly NatsConnection[],
  ids: readonly ServiceIdentity[],
  jobId: string,
  extra: Pick<NatsChannelOptions, 'deadline' | 'onReject'> = {},
): Promise<NatsChannel[]> {
  return await Promise.all(
    ([0, 1, 2] as const).map((self) =>
      NatsChannel.open({
        nc: conns[self]!,
        jobId,
        self,
        agreementSecretKey: ids[self]!.agreement.secretKey,
        peerAgreementKeys: Object.fromEntries(([0, 1, 2] as const).filter((p) => p !== self).map((p) => [p, ids[p]!.agreement.publicKey])),
        ...extra,
      }),
    ),
  );
}
