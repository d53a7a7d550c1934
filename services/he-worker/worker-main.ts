/**
 * @module services/he-worker/worker-main
 * Entry point of one HE worker thread: one SEAL instance, CKKS contexts per parameter set,
 * prepared models, and loaded session keys (LRU-bounded). Errors of a task are sent back
 * named; the thread stays up. Out of memory is different: SEAL's heap never shrinks and a
 * `bad_alloc` leaves the instance unusable (even `delete()` may spin), so the worker reports it
 * and exits at once without cleaning up, and the pool starts a fresh thread.
 */
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { CkksContext } from '../../crypto-core/he/ckks-context.js';
import type { EvalKeyBundle } from '../../crypto-core/he/ckks-keys.js';
import { CkksEvalKeys } from '../../crypto-core/he/ckks-keys.js';
import type { CkksParams } from '../../crypto-core/he/ckks-params.js';
import { describeCkksParams } from '../../crypto-core/he/ckks-params.js';
import { HeOutOfMemoryError } from '../../crypto-core/he/errors.js';
import { isOutOfMemory } from '../../crypto-core/he/seal-exception.js';
import { loadSeal } from '../../crypto-core/he/seal-loader.js';
import { HeModelEvaluator } from '../../protocols/he/he-evaluator.js';
import type { HePlan } from '../../protocols/he/he-plan.js';
import { HeUnknownModelError, HeUnknownSessionError, toWireError } from './errors.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-messages.js';

const port = parentPort;
if (!port) throw new Error('worker-main: must run as a worker thread');
const init = workerData as WorkerInit;
const seal = await loadSeal();
const contexts = new Map<string, CkksContext>();
const sessions = new Map<string, CkksEvalKeys>();
const models = new Map<string, HeModelEvaluator>();
let evaluateCount = 0;
/** Sessions evicted since the last reply: the next done/failed message tells the pool. */
const evicted: string[] = [];

function post(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  const tell = (m.type === 'done' || m.type === 'failed') && evicted.length > 0 ? { ...m, evicted: evicted.splice(0) } : m;
  port!.postMessage(tell, transfer);
}

function contextFor(params: CkksParams): CkksContext {
  const key = describeCkksParams(params);
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = CkksContext.create(seal, params);
    contexts.set(key, ctx);
  }
  return ctx;
}

function loadSession(sessionId: string, bundle: EvalKeyBundle): CkksEvalKeys {
  const keys = CkksEvalKeys.load(contextFor(bundle.params), bundle);
  sessions.get(sessionId)?.dispose();
  sessions.delete(sessionId);
  sessions.set(sessionId, keys);
  while (sessions.size > init.sessionCapacity) {
    const [oldest, k] = sessions.entries().next().value as [string, CkksEvalKeys];
    k.dispose();
    sessions.delete(oldest);
    evicted.push(oldest);
  }
  return keys;
}

function session(sessionId: string, bundle: EvalKeyBundle | undefined): CkksEvalKeys {
  if (bundle) return loadSession(sessionId, bundle);
  const keys = sessions.get(sessionId);
  if (!keys) throw new HeUnknownSessionError(`sessionId '${sessionId}': worker ${init.workerId} holds no keys for it`);
  sessions.delete(sessionId);
  sessions.set(sessionId, keys);
  return keys;
}

function model(modelId: string, plan: HePlan | undefined): HeModelEvaluator {
  if (plan) {
    models.get(modelId)?.dispose();
    const ev = HeModelEvaluator.prepare(contextFor(plan.params), plan);
    models.set(modelId, ev);
    return ev;
  }
  const ev = models.get(modelId);
  if (!ev) throw new HeUnknownModelError(`modelId '${modelId}': worker ${init.workerId} holds no such model`);
  return ev;
}

function handle(msg: ToWorker): void {
  switch (msg.type) {
    case 'drop-session':
      sessions.get(msg.sessionId)?.dispose();
      sessions.delete(msg.sessionId);
      return;
    case 'drop-model':
      models.get(msg.modelId)?.dispose();
      models.delete(msg.modelId);
      return;
    case 'load-session': {
      const t0 = performance.now();
      loadSession(msg.sessionId, msg.bundle);
      post({ type: 'done', taskId: msg.taskId, ms: performance.now() - t0 });
      return;
    }
    case 'evaluate': {
      evaluateCount++;
      if (init.faults?.exitOnTask === evaluateCount) process.exit(70);
      const t0 = performance.now();
      if (init.faults?.oomOnTask === evaluateCount) throw new HeOutOfMemoryError('evaluate: injected out-of-memory fault (test hook)');
      if (init.faults?.hangOnTask === evaluateCount) for (;;);
      const keys = session(msg.sessionId, msg.bundle);
      const bytes = model(msg.modelId, msg.plan).evaluate(msg.ciphertext, keys);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      post({ type: 'done', taskId: msg.taskId, bytes, sha256, ms: performance.now() - t0 }, [bytes.buffer as ArrayBuffer]);
      return;
    }
  }
}

port.on('message', (msg: ToWorker) => {
  try {
    handle(msg);
  } catch (e) {
    const fatal = isOutOfMemory(e);
    if ('taskId' in msg) post({ type: 'failed', taskId: msg.taskId, error: toWireError(e), fatal });
    // After a bad_alloc the instance cannot be trusted, not even to free memory: leave now.
    if (fatal) process.exit(75);
  }
});
post({ type: 'ready' });
