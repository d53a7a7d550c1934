/**
 * @module services/audit/stream-reader
 * Reads a range of a JetStream stream in order with an ordered consumer, with a watchdog: when
 * creating the consumer or receiving the next message takes longer than `idleMs` (a consumer
 * placed while a clustered stream changes leader, a server that just went away), the consumer
 * is dropped and a new one resumes after the last message received, up to `attempts` times.
 * Without it a rebuild can wait forever: nats.js retries a failed ordered-consumer creation
 * without end.
 */
import { DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JsMsg } from 'nats';
import { AuditStorageError } from './errors.js';

/** Options of {@link readStreamRange}. */
export interface ReadRangeOptions {
  /** Milliseconds allowed for creating the consumer and between messages (default 5000). */
  idleMs?: number;
  /** Consumers to try before giving up (default 5). */
  attempts?: number;
  /** Messages requested per pull (default 2048). */
  batch?: number;
}

const STALLED = Symbol('stalled');

function within<T>(p: Promise<T>, ms: number): Promise<T | typeof STALLED> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<typeof STALLED>((r) => (t = setTimeout(() => r(STALLED), ms)))]).finally(() => clearTimeout(t));
}

/**
 * Calls `onMsg` for every message with stream sequence in [first, last], in order. `onMsg` may
 * throw to abort (the error propagates).
 * @throws AuditStorageError when the range cannot be read within the attempts.
 */
export async function readStreamRange(js: JetStreamClient, stream: string, subject: string, first: number, last: number, onMsg: (m: JsMsg) => void, opts: ReadRangeOptions = {}): Promise<void> {
  const idleMs = opts.idleMs ?? 5000;
  const attempts = opts.attempts ?? 5;
  let next = first;
  for (let attempt = 1; next <= last; attempt++) {
    if (attempt > attempts) throw new AuditStorageError(`stream ${stream}: reading stalled at sequence ${next} of ${last} after ${attempts} consumers`);
    const messagesP = js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next, filterSubjects: subject }).then((c) => c.consume({ max_messages: opts.batch ?? 2048 }));
    const msgs: ConsumerMessages | typeof STALLED = await within(messagesP, idleMs);
    if (msgs === STALLED) {
      // Stop it whenever it does come up; it is ephemeral and the server removes it when idle.
      messagesP.then((m) => m.stop()).catch(() => {});
      continue;
    }
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => msgs.stop(), idleMs);
    };
    arm();
    try {
      for await (const m of msgs) {
        arm();
        onMsg(m);
        next = m.seq + 1;
        if (m.seq >= last) break;
      }
    } finally {
      clearTimeout(timer);
      msgs.stop();
    }
  }
}
