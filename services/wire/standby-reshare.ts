/**
 * @module services/wire/standby-reshare
 * The `reshare-standby` job kind (docs/governance.md "Standby parties"): its payload (the same
 * for the three parties), its per-party result, and the progress of a whole resharing as the
 * coordinator keeps it (KV `mpc_quarantine`, key `reshare.<standby id>`) and reports it.
 */
import type { PartyIndex } from '../../protocols/channel/channel.js';

/** A stored data set or model. */
export interface StoredItem {
  kind: 'dataset' | 'model';
  id: string;
}

/** What each party of a `reshare-standby` job receives. */
export interface StandbyResharePayload {
  /** The promoted standby and the slot it took. */
  standbyId: string;
  slot: PartyIndex;
  /** The data set or model to reshare; absent with `discard`. */
  item?: StoredItem;
  /** The resharing is finished: the remaining parties erase the copies of the old shares they kept. */
  discard?: boolean;
}

/** One party's result (also the job's result: the coordinator checks the three agree). */
export interface StandbyReshareResult {
  item?: StoredItem;
  /** SHA-256 (hex) of the item's layout (public: manifest, model structure, lengths): equal at the three parties. */
  layout?: string;
  objects: number;
  discarded?: number;
}

/** Progress of one item. */
export interface ReshareItemProgress extends StoredItem {
  state: 'pending' | 'done' | 'failed';
  /** The last job that worked on it. */
  jobId?: string;
  attempts: number;
  /** Why the last attempt failed. */
  error?: string;
}

/** A resharing to one promoted standby. */
export interface ResharingRecord {
  standbyId: string;
  slot: PartyIndex;
  /** The party it replaces. */
  replaces: string;
  state: 'running' | 'paused' | 'done';
  /** Data sets and models in the order they are reshared. */
  items: ReshareItemProgress[];
  /** The kept copies of the old shares were erased (the final job). */
  discarded: boolean;
  startedAt: string;
  finishedAt?: string;
  /** Why it paused (an item failed; `parties.reshare` again resumes it). */
  error?: string;
  /** Who started it: the item jobs run under this tenant (also after a coordinator restart). */
  requestedBy: { tenant: string; actor: string };
}
