/**
 * @module services/demo/story-inference
 * Story 2: a model owner publishes a digit classifier once as secret shares across the parties,
 * and an API client gets predictions that only it can read; then the same with a CKKS model,
 * where the input never leaves the client unencrypted. Every prediction is compared with the
 * model run in the clear.
 */
import type { MpcClient } from '../sdk/mpc-client.js';
import { importOnnx } from '../../protocols/onnx/import-onnx.js';
import { evaluatePlain } from '../../protocols/model/plaintext-eval.js';
import { loadDigits, loadModel } from './demo-data.js';

/** Clients of the story's roles. */
export interface InferenceStoryClients {
  owner: MpcClient;
  client: MpcClient;
}

const argmax = (xs: ArrayLike<number>, from: number, n: number): number => {
  let best = 0;
  for (let j = 1; j < n; j++) if (xs[from + j]! > xs[from + best]!) best = j;
  return best;
};

/** Runs the story. */
export async function inferenceStory(clients: InferenceStoryClients, say: (line: string) => void, runId: string, opts: { he: boolean }): Promise<void> {
  const batch = 8;
  const { images, labels } = loadDigits(batch);
  const flat = new Float64Array(batch * 64);
  images.forEach((img, i) => flat.set(img, i * 64));

  const mlpBytes = loadModel('digits_mlp.onnx');
  const mlp = await clients.owner.publishModel(mlpBytes, { mode: 'mpc', name: `digits-mlp-${runId}`, version: '1' });
  say(`model owner published digits_mlp.onnx (64-32-10, ReLU) as secret shares: model ${mlp.id}`);
  const t0 = performance.now();
  const res = await clients.client.infer(mlp.id, { shape: [batch, 64], data: flat }, { mode: 'mpc', timeoutMs: 120_000 });
  const ms = performance.now() - t0;
  const clear = evaluatePlain(importOnnx(mlpBytes), flat, batch).output;
  const classes = res.shape[res.shape.length - 1]!;
  const secureClasses = Array.from({ length: batch }, (_, i) => argmax(res.data, i * classes, classes));
  const clearClasses = Array.from({ length: batch }, (_, i) => argmax(clear, i * classes, classes));
  let maxDiff = 0;
  res.data.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - clear[i]!))));
  say(`client: ${batch} digit images, secret-shared input, ${ms.toFixed(0)} ms end to end (job ${res.job.state})`);
  say(`  predicted ${secureClasses.join(' ')}; true labels ${labels.join(' ')}`);
  if (secureClasses.some((c, i) => c !== clearClasses[i]) || !(maxDiff <= 1e-2)) {
    throw new Error(`secure predictions differ from the clear model (max logit difference ${maxDiff})`);
  }
  say(`  check: same classes as the model in the clear; max logit difference ${maxDiff.toExponential(1)}; the three parties' signatures of their outputs verified before opening`);

  // The same first image with malicious-secure protocols: every product and comparison verified.
  const tMal = performance.now();
  const mal = await clients.client.infer(mlp.id, { shape: [1, 64], data: images[0]! }, { mode: 'mpc', security: 'malicious', timeoutMs: 120_000 });
  const malMs = performance.now() - tMal;
  const malClass = argmax(mal.data, 0, classes);
  if (mal.security !== 'malicious' || malClass !== clearClasses[0]) throw new Error(`malicious-mode inference: mode ${String(mal.security)}, class ${malClass}, clear ${clearClasses[0]}`);
  say(`client: image 1 again with security 'malicious' (every product and comparison checked before any output left a party), ${malMs.toFixed(0)} ms; predicted ${malClass}, mode signed by the three parties`);

  if (!opts.he) {
    say('CKKS inference: skipped (no HE workers in this deployment)');
    return;
  }
  const heBytes = loadModel('digits_square_mlp.onnx');
  const heModel = await clients.owner.publishModel(heBytes, { mode: 'he', name: `digits-square-${runId}`, version: '1' });
  say(`model owner published digits_square_mlp.onnx (64-32-10, x^2 activation) to the HE workers: model ${heModel.id}`);
  const t1 = performance.now();
  const he = await clients.client.infer(heModel.id, { shape: [1, 64], data: images[0]! }, { mode: 'he', timeoutMs: 180_000 });
  const heMs = performance.now() - t1;
  const heClear = evaluatePlain(importOnnx(heBytes), images[0]!, 1).output;
  let heDiff = 0;
  he.data.forEach((v, i) => (heDiff = Math.max(heDiff, Math.abs(v - heClear[i]!))));
  const heClass = argmax(he.data, 0, he.data.length);
  say(`client: one image CKKS-encrypted (keys, encryption, decryption on the client), ${heMs.toFixed(0)} ms including key upload; job ${he.job.state} by dual execution; both pinned HE workers' signatures of the result checked before decrypting`);
  say(`  predicted ${heClass}; true label ${labels[0]}`);
  if (heClass !== argmax(heClear, 0, heClear.length) || !(heDiff <= 1e-3)) throw new Error(`HE result differs from the clear model (max difference ${heDiff})`);
  say(`  check: same class as the model in the clear; max difference ${heDiff.toExponential(1)}`);
}
