/**
 * @module services/party/tokens
 * Injection tokens of the party service (tsyringe, always `@inject(TOKEN)`: no decorator
 * metadata is emitted). Wired in composition-root.ts and nowhere else.
 */

import type { Channel } from '../../protocols/channel/channel.js';
import type { JobOrder } from '../wire/job-messages.js';

/** {@link PartySettings}: id and index of this party. */
export const PARTY_SETTINGS = Symbol('PartySettings');
/** The party's ServiceIdentity. */
export const PARTY_IDENTITY = Symbol('PartyIdentity');
/** The JobGate. */
export const JOB_GATE = Symbol('JobGate');
/** A JobChannelOpener. */
export const CHANNEL_OPENER = Symbol('JobChannelOpener');
/** A ReportPublisher. */
export const REPORT_PUBLISHER = Symbol('ReportPublisher');
/** The ShareStore. */
export const SHARE_STORE = Symbol('ShareStore');
/** The ServiceLog. */
export const SERVICE_LOG = Symbol('ServiceLog');
/** JobRunner[]: the kinds this party runs. */
export const JOB_RUNNERS = Symbol('JobRunners');
/** The Ring64 backend. */
export const RING = Symbol('Ring64');
/**
 * Tests only: a {@link ProtocolChannelTamper} that plays a cheating party (protocols/testing/
 * perturbing-channel). Registered only from `PartyParts.tamper`, which no configuration file sets.
 */
export const PROTOCOL_CHANNEL_TAMPER = Symbol('ProtocolChannelTamper');

/** Wraps the channel a job's protocols use (see {@link PROTOCOL_CHANNEL_TAMPER}). */
export type ProtocolChannelTamper = (channel: Channel, order: JobOrder) => Channel;

/** Who this party is. */
export interface PartySettings {
  id: string;
  index: 0 | 1 | 2;
  /** The region this party keeps shares in (docs/governance.md "Residency"). */
  region?: string;
}
