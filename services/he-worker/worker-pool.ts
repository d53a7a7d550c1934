/**
 * @module services/he-worker/worker-pool
 * A pool of worker threads, one SEAL instance each (default: one per core), evaluating CKKS
 * models on client ciphertexts. Tasks wait in one FIFO queue; the oldest task that may run goes
 * to an idle worker that already holds its session keys if there is one (loading 18 MB of Galois
 * keys costs about 200 ms), else to any idle worker, which is sent the keys along with the task.
 *
 * Failure model: a worker that dies (crash, exit, out-of-memory report) is replaced by a fresh
 * thread, and the task it was running goes back to the head of the queue, so queued and running
 * requests are not lost; a task that has killed `maxAttempts` workers fails with
 * {@link HeWorkerCrashedError}. Errors of a request (bad ciphertext, missing keys) are not
 * failures of the worker: the request fails with the named error, the worker stays.
 *
 * Dual execution: {@link HeWorkerPool.evaluateDual} runs a request on two different workers
 * and compares the SHA-256 of their results (2x the compute of a single evaluation).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import type { EvalKeyBundle } from '../../crypto-core/he/ckks-keys.js';
import { validateCkksParams } from '../../crypto-core/he/ckks-params.js';
import { readSealHeader } from '../../crypto-core/he/serialized-header.js';
import { compareDualExecution } from '../../protocols/he/dual-execution.js';
import type { HePlan } from '../../protocols/he/he-plan.js';
import { fromWireError, HePoolClosedError, HeUnknownModelError, HeWorkerCrashedError } from './errors.js';
import type { SessionRegistryOptions } from './session-registry.js';
import { SessionRegistry } from './session-registry.js';
import type { FromWorker, ToWorker, WorkerFaults, WorkerInit } from './worker-messages.js';

/** Options of {@link HeWorkerPool.start}. */
export interface HeWorkerPoolOptions {
  /** Number of worker threads (default: the number of cores). */
  readonly workers?: number;
  /** Session registry limits (sessions, bytes, TTL, clock). */
  readonly sessions?: Omit<SessionRegistryOptions, 'onRemove'>;
  /** Sessions whose keys one worker keeps loaded (default 8). */
  readonly workerSessionCapacity?: number;
  /** Workers a task may kill before it fails (default 2). */
  readonly maxAttempts?: number;
  /**
   * A task running longer than this (ms) is taken as a hung worker: the thread is terminated and
   * replaced, and the task re-queued like after a crash (default 60 000; a query takes ~0.1 s).
   */
  readonly taskTimeoutMs?: number;
  /** Test only: faults injected into the first `faultyWorkers` workers started (default all initial ones). */
  readonly faults?: WorkerFaults & { readonly faultyWorkers?: number };
}

/** An evaluation request. */
export interface HeEvaluateRequest {
  readonly sessionId: string;
  readonly modelId: string;
  /** The client's serialized ciphertext. */
  readonly ciphertext: Uint8Array;
}

/** A worker's answer. */
export interface HeWorkerResult {
  readonly bytes: Uint8Array;
  /** SHA-256 of `bytes`, hex, computed by the worker. */
  readonly sha256: string;
  readonly workerId: number;
  /** Time spent in the worker, ms. */
  readonly ms: number;
  /** 1 unless the task was re-queued after a worker died. */
  readonly attempts: number;
}

/** Result of {@link HeWorkerPool.evaluateDual}. */
export interface HeDualResult {
  readonly a: HeWorkerResult;
  readonly b: HeWorkerResult;
  readonly verified: boolean;
  readonly hashA: string;
  readonly hashB: string;
}

interface Task {
  readonly id: number;
  readonly kind: 'evaluate' | 'load-session';
  readonly sessionId: string;
  readonly modelId?: string;
  readonly ciphertext?: Uint8Array;
  /** Worker ids this task must not run on (the other half of a dual execution). */
  readonly avoid: Set<number>;
  /** Set when the task starts, for the sibling of a dual execution to avoid. */
  onStart?: (workerId: number) => void;
  attempts: number;
  resolve: (r: HeWorkerResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  readonly id: number;
  readonly worker: Worker;
  ready: boolean;
  task: Task | null;
  timer?: ReturnType<typeof setTimeout>;
  dead: boolean;
  readonly sessions: Set<string>;
  readonly models: Set<string>;
}

function workerSource(): { file: URL | string; eval: boolean } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { file: new URL('./worker-main.js', here), eval: false };
  // Running from TypeScript sources (tests): Node strips the types, but the sources import
  // siblings as `.js`; map those to `.ts` inside the worker only.
  const entry = new URL('./worker-main.ts', here).href;
  const code =
    `const { registerHooks } = require('node:module');` +
    `registerHooks({ resolve(s, c, next) { try { return next(s, c); } catch (e) {` +
    ` if (/^\\.\\.?\\//.test(s) && s.endsWith('.js')) return next(s.slice(0, -3) + '.ts', c); throw e; } } });` +
    `import(${JSON.stringify(entry)}).catch((e) => { console.error(e); process.exit(1); });`;
  return { file: code, eval: true };
}

/** The HE worker pool. Create with {@link HeWorkerPool.start}; stop with {@link HeWorkerPool.close}. */
export class HeWorkerPool {
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  readonly #models = new Map<string, HePlan>();
  readonly #registry: SessionRegistry;
  readonly #size: number;
  readonly #sessionCapacity: number;
  readonly #maxAttempts: number;
  readonly #taskTimeoutMs: number;
  readonly #faults?: HeWorkerPoolOptions['faults'];
  #nextWorkerId = 1;
  #nextTaskId = 1;
  #closed = false;
  #restarts = 0;
  #completed = 0;

  private constructor(options: HeWorkerPoolOptions) {
    const size = options.workers ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1) throw new InvalidArgumentError(`workers: expected a positive integer, got ${size}`);
    this.#size = size;
    this.#sessionCapacity = options.workerSessionCapacity ?? 8;
    this.#maxAttempts = options.maxAttempts ?? 2;
    this.#taskTimeoutMs = options.taskTimeoutMs ?? 60_000;
    if (!(this.#taskTimeoutMs > 0)) throw new InvalidArgumentError(`taskTimeoutMs: expected a positive number, got ${this.#taskTimeoutMs}`);
    this.#faults = options.faults;
    this.#registry = new SessionRegistry({ ...options.sessions, onRemove: (id) => this.#dropSessionEverywhere(id) });
  }

  /** Starts the workers and resolves once each has loaded SEAL. */
  static async start(options: HeWorkerPoolOptions = {}): Promise<HeWorkerPool> {
    const pool = new HeWorkerPool(options);
    await Promise.all(Array.from({ length: pool.#size }, () => pool.#spawn()));
    return pool;
  }

  /** Number of worker threads. */
  get size(): number {
    return this.#size;
  }

  /** Counters: workers replaced after dying, tasks completed, tasks waiting. */
  stats(): { restarts: number; completed: number; queued: number; sessions: number; sessionBytes: number } {
    return { restarts: this.#restarts, completed: this.#completed, queued: this.#queue.length, sessions: this.#registry.size, sessionBytes: this.#registry.totalBytes };
  }

  /** Ids of the live workers (for tests and metrics). */
  workerIds(): number[] {
    return this.#slots.filter((s) => !s.dead).map((s) => s.id);
  }

  /** Registers (or replaces) a model under `modelId`. */
  registerModel(modelId: string, plan: HePlan): void {
    if (typeof modelId !== 'string' || modelId.length === 0) throw new InvalidArgumentError(`modelId: expected a non-empty string, got ${typeof modelId}`);
    if (typeof plan !== 'object' || plan === null || plan.version !== 1) throw new InvalidArgumentError(`plan: expected an HePlan (version 1)`);
    if (this.#models.has(modelId)) this.#broadcast({ type: 'drop-model', modelId }, (s) => s.models.delete(modelId));
    this.#models.set(modelId, plan);
  }

  /**
   * Registers a session's evaluation keys and returns its id. The keys are loaded and checked on
   * one worker before this resolves, so malformed or mismatched keys fail here, by name.
   */
  async registerSession(bundle: EvalKeyBundle, sessionId?: string): Promise<string> {
    if (typeof bundle !== 'object' || bundle === null) throw new InvalidArgumentError(`bundle: expected an EvalKeyBundle, got ${typeof bundle}`);
    validateCkksParams(bundle.params);
    readSealHeader(bundle.relinKeys, 'evalKeys.relinKeys');
    if (bundle.galoisSteps.length > 0) readSealHeader(bundle.galoisKeys, 'evalKeys.galoisKeys');
    const id = this.#registry.register(bundle, sessionId);
    try {
      await this.#submit({ kind: 'load-session', sessionId: id });
    } catch (e) {
      this.#registry.drop(id);
      throw e;
    }
    return id;
  }

  /** Forgets a session everywhere. */
  dropSession(sessionId: string): boolean {
    return this.#registry.drop(sessionId);
  }

  /** Evaluates one request on some worker. Unknown session or model: rejects with the named error. */
  async evaluate(request: HeEvaluateRequest): Promise<HeWorkerResult> {
    return this.#submit(this.#checkRequest(request));
  }

  /**
   * Evaluates the request on two different workers (when the pool has two) and compares the
   * hashes of the results. Costs two evaluations.
   */
  async evaluateDual(request: HeEvaluateRequest): Promise<HeDualResult> {
    const spec = this.#checkRequest(request);
    const avoidA = new Set<number>();
    const avoidB = new Set<number>();
    const distinct = this.#size > 1;
    const pa = this.#submit(spec, avoidA, (w) => distinct && avoidB.add(w));
    const pb = this.#submit(spec, avoidB, (w) => distinct && avoidA.add(w));
    const [a, b] = await Promise.all([pa, pb]);
    return { a, b, ...compareDualExecution(a, b) };
  }

  /** Stops all workers; queued and running tasks fail with {@link HePoolClosedError}. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const err = new HePoolClosedError('pool: closed');
    for (const t of this.#queue.splice(0)) t.reject(err);
    await Promise.all(
      this.#slots.map(async (s) => {
        s.dead = true;
        clearTimeout(s.timer);
        s.task?.reject(err);
        s.task = null;
        await s.worker.terminate();
      }),
    );
    this.#slots.length = 0;
  }

  #checkRequest(r: HeEvaluateRequest): Omit<Task, 'id' | 'avoid' | 'attempts' | 'resolve' | 'reject'> {
    if (typeof r !== 'object' || r === null) throw new InvalidArgumentError(`request: expected an object, got ${typeof r}`);
    if (!this.#models.has(r.modelId)) throw new HeUnknownModelError(`modelId '${String(r.modelId)}': no such model; register it first`);
    // Throws the named unknown/expired error, and refreshes the session's idle timer.
    this.#registry.get(r.sessionId);
    if (!(r.ciphertext instanceof Uint8Array)) throw new InvalidArgumentError(`ciphertext: expected Uint8Array, got ${typeof r.ciphertext}`);
    return { kind: 'evaluate', sessionId: r.sessionId, modelId: r.modelId, ciphertext: r.ciphertext };
  }

  #submit(spec: Omit<Task, 'id' | 'avoid' | 'attempts' | 'resolve' | 'reject'>, avoid = new Set<number>(), onStart?: (w: number) => void): Promise<HeWorkerResult> {
    if (this.#closed) return Promise.reject(new HePoolClosedError('pool: closed'));
    return new Promise<HeWorkerResult>((resolve, reject) => {
      this.#queue.push({ ...spec, id: this.#nextTaskId++, avoid, onStart, attempts: 0, resolve, reject });
      this.#dispatch();
    });
  }

  #spawn(): Promise<void> {
    const id = this.#nextWorkerId++;
    const faulty = this.#faults && id <= (this.#faults.faultyWorkers ?? this.#size);
    const init: WorkerInit = { workerId: id, sessionCapacity: this.#sessionCapacity, ...(faulty ? { faults: this.#faults } : {}) };
    const src = workerSource();
    const worker = new Worker(src.file, { eval: src.eval, workerData: init });
    const slot: Slot = { id, worker, ready: false, task: null, dead: false, sessions: new Set(), models: new Set() };
    this.#slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          slot.ready = true;
          resolve();
          this.#dispatch();
        } else this.#onReply(slot, m);
      });
      worker.on('error', (e) => {
        if (!slot.ready) reject(e);
      });
      worker.on('exit', (code) => {
        if (!slot.ready) reject(new HeWorkerCrashedError(`worker ${id}: exited with code ${code} while starting`));
        this.#onExit(slot);
      });
    });
  }

  #onReply(slot: Slot, m: Exclude<FromWorker, { type: 'ready' }>): void {
    const task = slot.task;
    if (!task || task.id !== m.taskId) return;
    clearTimeout(slot.timer);
    if (m.type === 'failed' && m.fatal) {
      // The worker exits right after this report; its task goes back to the queue.
      this.#retire(slot);
      return;
    }
    // Keys the thread dropped to make room: the next task of those sessions carries them again.
    for (const id of m.evicted ?? []) slot.sessions.delete(id);
    slot.task = null;
    if (m.type === 'done') {
      slot.sessions.add(task.sessionId);
      if (task.modelId) slot.models.add(task.modelId);
      this.#completed++;
      task.resolve({ bytes: m.bytes ?? new Uint8Array(0), sha256: m.sha256 ?? '', workerId: slot.id, ms: m.ms, attempts: task.attempts });
    } else {
      task.reject(fromWireError(m.error));
    }
    this.#dispatch();
  }

  #onExit(slot: Slot): void {
    if (this.#closed) return;
    this.#retire(slot);
  }

  /** Takes a dying worker out, requeues its task, and starts a replacement. */
  #retire(slot: Slot): void {
    if (slot.dead) return;
    slot.dead = true;
    clearTimeout(slot.timer);
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
    const task = slot.task;
    slot.task = null;
    if (task) {
      if (task.attempts >= this.#maxAttempts) {
        task.reject(new HeWorkerCrashedError(`task ${task.id}: ${task.attempts} workers died running it; giving up`));
      } else {
        // The sibling of a dual execution must still avoid the worker it ran on, but this
        // worker is gone, so nothing to add; put the task first so it keeps its place.
        this.#queue.unshift(task);
      }
    }
    void slot.worker.terminate();
    if (this.#closed) return;
    this.#restarts++;
    this.#spawn().catch(() => {
      // A replacement that cannot start leaves the pool one worker short; queued tasks still
      // run on the others, and with none left they wait for close().
    });
  }

  #dispatch(): void {
    if (this.#closed) return;
    for (;;) {
      const idle = this.#slots.filter((s) => s.ready && !s.dead && s.task === null);
      if (idle.length === 0 || this.#queue.length === 0) return;
      let started = false;
      for (const [qi, task] of this.#queue.entries()) {
        const candidates = idle.filter((s) => !task.avoid.has(s.id));
        if (candidates.length === 0) continue;
        const slot = candidates.find((s) => s.sessions.has(task.sessionId)) ?? candidates[0]!;
        this.#queue.splice(qi, 1);
        this.#start(slot, task);
        started = true;
        break;
      }
      if (!started) return;
    }
  }

  #start(slot: Slot, task: Task): void {
    let bundle: EvalKeyBundle;
    let plan: HePlan | undefined;
    try {
      bundle = this.#registry.get(task.sessionId);
      if (task.modelId !== undefined) {
        plan = this.#models.get(task.modelId);
        if (!plan) throw new HeUnknownModelError(`modelId '${task.modelId}': model was removed`);
      }
    } catch (e) {
      task.reject(e as Error);
      return;
    }
    task.attempts++;
    slot.task = task;
    task.onStart?.(slot.id);
    // A worker stuck in SEAL cannot be interrupted from inside; terminate it from here.
    slot.timer = setTimeout(() => this.#retire(slot), this.#taskTimeoutMs);
    let msg: ToWorker;
    if (task.kind === 'load-session') {
      msg = { type: 'load-session', taskId: task.id, sessionId: task.sessionId, bundle };
    } else {
      msg = {
        type: 'evaluate',
        taskId: task.id,
        sessionId: task.sessionId,
        modelId: task.modelId!,
        ciphertext: task.ciphertext!,
        ...(slot.models.has(task.modelId!) ? {} : { plan }),
        ...(slot.sessions.has(task.sessionId) ? {} : { bundle }),
      };
    }
    slot.worker.postMessage(msg);
  }

  #broadcast(msg: ToWorker, update: (s: Slot) => void): void {
    for (const s of this.#slots) {
      if (s.dead) continue;
      s.worker.postMessage(msg);
      update(s);
    }
  }

  #dropSessionEverywhere(sessionId: string): void {
    for (const s of this.#slots) {
      if (s.dead || !s.sessions.has(sessionId)) continue;
      s.worker.postMessage({ type: 'drop-session', sessionId } satisfies ToWorker);
      s.sessions.delete(sessionId);
    }
  }
}
