/**
 * @module services/sdk
 * The client SDK's public surface (named exports only).
 */
export { MpcClient } from './mpc-client.js';
export { HeSession } from './he-session.js';
export type { MpcClientOptions, TensorInput, InferenceResult, InferOptions, PendingMpcInference, PartyTrust, ModelRef } from './mpc-client.js';
export { GatewayProblemError, GatewayUnreachableError, InputBoundError, JobFailedError, JobTimeoutError, RegistryError, ResultSignatureError } from './errors.js';
export { parseTrustBundle, trustBundleFingerprint, verifyRotation, TRUST_BUNDLE_FORMAT } from '../wire/trust-bundle.js';
export type { TrustBundle } from '../wire/trust-bundle.js';
export { GatewayHttp } from './gateway-http.js';
export type { GatewayCredentials, GatewayRequest } from './gateway-http.js';
export { readJobEvents } from './job-events.js';
export {
  encodeSharePair,
  decodeSharePair,
  sealedSharePairLength,
  sharePairLength,
  shapeSize,
  inferenceInputAad,
  inferenceOutputAad,
  datasetUploadAad,
  MAX_SHAPE_ELEMENTS,
} from '../wire/sealed-share-pair.js';
export { encodeSharedModel, decodeSharedModel, modelShareAad, SHARED_MODEL_FORMAT } from '../wire/shared-model-codec.js';
export { signDatasetManifest, openDatasetManifest, signedDatasetUploadAad, DATASET_MANIFEST_DOMAIN } from '../wire/dataset-manifest.js';
export type { DatasetManifestBody, SignedDatasetManifest } from '../wire/dataset-manifest.js';
export { prepareDatasetUpload, manifestKeyFor } from './dataset-upload-client.js';
export { modelKeyFor, signMpcModelVersion, sealSignedModel } from './model-version-signer.js';
export { signModelVersion, openModelVersion, signedModelShareAad, MODEL_VERSION_DOMAIN, type ModelVersionBody, type SignedModelVersion } from '../wire/model-version.js';
export { signRequest, SIGNATURE_HEADERS } from '../wire/request-signature.js';
export { verifyAuditEntry, verifyCheckpointConsistency } from './audit-verification.js';
