/**
 * @module protocols/nn
 * Secure layers over replicated shares and the model evaluator (docs/protocols-inference.md).
 */
export { shareModel } from './shared-model.js';
export type { SharedModel, SharedLayer, SharedDenseLayer, SharedConv2dLayer } from './shared-model.js';
export { evaluateSecureModel } from './evaluate-secure-model.js';
export type { SecureModelResult, LayerCost } from './evaluate-secure-model.js';
export { denseLayer } from './dense-layer.js';
export { conv2dLayer, zeroShare } from './conv2d-layer.js';
export { avgPoolLayer } from './avg-pool-layer.js';
export { maxPoolLayer } from './max-pool-layer.js';
export { polynomialLayer } from './polynomial-layer.js';
export { convColumns, poolWindows, windowOutput } from './im2col.js';
export type { WindowGeometry } from './im2col.js';
export { broadcastRows, repeatEach } from './broadcast.js';
