/**
 * @module services/sdk/he-session
 * The client side of HE inference for one model: fetch the public part of the model's plan,
 * generate CKKS keys for it here (the secret key never leaves this object), register the
 * evaluation keys with the service, then encrypt inputs and decrypt results. node-seal is
 * loaded only when a session is first made, so MPC-only clients never pay for it.
 */
import type { HePlan } from '../../protocols/he/he-plan.js';
import type { HeClient } from '../../protocols/he/he-client.js';
import type { HeClientPlan } from '../wire/api.js';
import type { GatewayHttp } from './gateway-http.js';
import { toBase64 } from '../../crypto-core/encoding.js';
import { InvalidArgumentError } from '../../crypto-core/errors.js';
import { heKeysDigest } from '../wire/output-statement.js';

/** The plan object the client-side functions take: the public part, with no evaluation steps. */
function clientOnlyPlan(p: HeClientPlan): HePlan {
  // packInput/unpackOutput and key generation read only the public fields; the weight-bearing
  // steps stay with the HE workers.
  return { ...p, steps: [], cost: { rotations: 0, plainMultiplies: 0, cipherMultiplies: 0 } } as HePlan;
}

/**
 * Keys and registration of one model's HE session. A session the service has lost (expired or
 * forgotten after a restart) is {@link retire}d: its keys stay loaded while inferences that
 * already use it finish ({@link use}), then they are freed.
 */
export class HeSession {
  readonly modelId: string;
  readonly sessionId: string;
  readonly client: HeClient;
  /** SHA-256 of the evaluation keys registered (the workers' statements name it). */
  readonly keysDigest: string;
  #leases = 0;
  #retired = false;
  #disposed = false;

  private constructor(modelId: string, sessionId: string, client: HeClient) {
    this.modelId = modelId;
    this.sessionId = sessionId;
    this.client = client;
    this.keysDigest = heKeysDigest(client.evalKeys);
  }

  /** Fetches the plan, generates keys and registers the evaluation keys. */
  static async open(http: GatewayHttp, modelId: string): Promise<HeSession> {
    const { plan } = await http.json<{ plan: HeClientPlan }>({ method: 'GET', path: `/v1/models/${modelId}/he-plan` });
    const [{ loadSeal }, { HeClient: Client }] = await Promise.all([import('../../crypto-core/he/seal-loader.js'), import('../../protocols/he/he-client.js')]);
    const client = Client.create(await loadSeal(), clientOnlyPlan(plan));
    try {
      const ek = client.evalKeys;
      const res = await http.json<{ sessionId: string }>({
        method: 'POST',
        path: '/v1/he/sessions',
        body: { modelId, params: ek.params, publicKey: toBase64(ek.publicKey), relinKeys: toBase64(ek.relinKeys), galoisKeys: toBase64(ek.galoisKeys), galoisSteps: [...ek.galoisSteps] },
      });
      return new HeSession(modelId, res.sessionId, client);
    } catch (err) {
      client.dispose();
      throw err;
    }
  }

  /** Number of inputs the model takes (batch 1). */
  get inputSize(): number {
    return this.client.plan.inputSize;
  }

  /** Whether the session was retired or disposed (the service no longer holds it, or the keys are freed). */
  get retired(): boolean {
    return this.#retired || this.#disposed;
  }

  /**
   * Runs `f` with the keys guaranteed loaded until it settles, even when the session is retired
   * meanwhile (a concurrent inference found it lost).
   * @throws InvalidArgumentError when the keys were already freed.
   */
  async use<T>(f: (session: HeSession) => Promise<T>): Promise<T> {
    if (this.#disposed) throw new InvalidArgumentError(`session ${this.sessionId}: keys already freed`);
    this.#leases++;
    try {
      return await f(this);
    } finally {
      this.#leases--;
      if (this.#retired && this.#leases === 0) this.dispose();
    }
  }

  /** Marks the session lost by the service: the keys are freed once no {@link use} is running. */
  retire(): void {
    this.#retired = true;
    if (this.#leases === 0) this.dispose();
  }

  /** Frees the keys now (idempotent). */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.client.dispose();
  }
}
