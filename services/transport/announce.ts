/**
 * @module services/transport/announce
 * A service's signed "I am up" message to the coordinator (`subjects.announce`), published on
 * start, periodically and after every reconnect by parties and HE workers alike.
 */
import type { NatsConnection } from 'nats';
import { publicIdentity, type ServiceIdentity } from '../../crypto-core/keys/identity.js';
import { subjects } from '../wire/api.js';
import { ANNOUNCE_DOMAIN, signMessage, type AnnounceMessage } from '../wire/job-messages.js';
import type { ServiceLog } from './service-log.js';

const enc = new TextEncoder();

/** What a service says of itself; keys and time are added here. */
export type AnnounceFields = Omit<AnnounceMessage, 'signingPublicKey' | 'agreementPublicKey' | 'at'>;

/** Signs and publishes an announcement; never throws (a failure is logged: the next one retries). */
export function publishAnnouncement(nc: NatsConnection, identity: ServiceIdentity, fields: AnnounceFields, log: ServiceLog): void {
  if (nc.isClosed()) return;
  try {
    const body: AnnounceMessage = { ...fields, ...publicIdentity(identity), at: Date.now() };
    nc.publish(subjects.announce, enc.encode(JSON.stringify(signMessage(ANNOUNCE_DOMAIN, body, identity.signing))));
  } catch (e) {
    log.warn('announce-failed', { message: String(e) });
  }
}
