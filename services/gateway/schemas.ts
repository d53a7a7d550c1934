/**
 * @module services/gateway/schemas
 * JSON schemas of every route's body, parameters, query string and responses. Request schemas
 * say `additionalProperties: false` and the validator is configured not to strip unknown fields,
 * so an unknown field is a 400; response schemas list exactly the fields a client may see, and
 * the serializer drops anything else (a share, a key) that a reply might carry by mistake.
 * Binary fields are base64 strings whose exact form and length are checked by the handlers
 * (see services/gateway/payload-checks), because that failure has its own problem type.
 */

import { JOB_KIND_NAMES } from '../wire/job-kinds.js';
import { QUERY_JSON_SCHEMA } from '../../protocols/analytics/query.js';

/** Identifier segment: becomes part of a NATS subject, so no `.`, `*` or `>`. */
export const ID_PATTERN = '^[A-Za-z0-9_-]{1,128}$';
/** Model ids may contain dots (`digits-1.0`); they never become NATS subject tokens. */
export const MODEL_ID_PATTERN = '^[A-Za-z0-9_.-]{1,128}$';
/** 32-byte key in lower-case hex. */
export const HEX32_PATTERN = '^[0-9a-f]{64}$';
/** A decimal non-negative integer in a query string (the validator does not coerce types). */
export const UINT_QUERY_PATTERN = '^(0|[1-9][0-9]{0,14})$';

const id = { type: 'string', pattern: ID_PATTERN } as const;
const modelId = { type: 'string', pattern: MODEL_ID_PATTERN } as const;
const b64 = { type: 'string', minLength: 1 } as const;
const sealedTriple = { type: 'array', minItems: 3, maxItems: 3, items: b64 } as const;


/** `:id` path parameter of job routes. */
export const jobParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id } } as const;

/** Status of a job as a client sees it. */
export const jobStatusSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind', 'state', 'progress', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: JOB_KIND_NAMES },
    state: { type: 'string', enum: ['created', 'placed', 'running', 'finished', 'verified', 'failed', 'failed-verification'] },
    progress: { type: 'number', minimum: 0, maximum: 1 },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, party: { type: 'integer' } },
    },
    stats: {
      type: 'object',
      additionalProperties: false,
      required: ['rounds', 'bytesPerParty', 'durationMs'],
      properties: { rounds: { type: 'integer' }, bytesPerParty: { type: 'integer' }, durationMs: { type: 'number' } },
    },
    security: { type: 'string', enum: ['semi-honest', 'malicious'] },
    model: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'name', 'version'],
      properties: { id: { type: 'string' }, name: { type: 'string' }, version: { type: 'string' }, boxSha256: { type: 'array', minItems: 3, maxItems: 3, items: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
    },
  },
} as const;

/** `{ job, created }` reply of a submission. */
export const submitResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['job', 'created'],
  properties: { job: jobStatusSchema, created: { type: 'boolean' } },
} as const;

/** Body of POST /v1/inference/mpc. */
export const mpcInferenceBody = {
  type: 'object',
  additionalProperties: false,
  required: ['shape', 'clientPublicKey', 'sealedInputs'],
  // The model by id, or by name (the coordinator runs the name's active version).
  oneOf: [{ required: ['modelId'] }, { required: ['model'] }],
  properties: {
    modelId,
    model: id,
    shape: { type: 'array', minItems: 1, maxItems: 8, items: { type: 'integer', minimum: 1, maximum: 16_777_216 } },
    clientPublicKey: { type: 'string', pattern: HEX32_PATTERN },
    sealedInputs: sealedTriple,
    security: { type: 'string', enum: ['semi-honest', 'malicious'] },
  },
} as const;

/** Body of POST /v1/inference/he. */
export const heInferenceBody = {
  type: 'object',
  additionalProperties: false,
  required: ['modelId', 'sessionId', 'ciphertext'],
  properties: { modelId, sessionId: id, ciphertext: b64 },
} as const;

const ckksParams = {
  type: 'object',
  additionalProperties: false,
  required: ['polyModulusDegree', 'coeffModulusBits', 'scaleBits'],
  properties: {
    polyModulusDegree: { type: 'integer', enum: [1024, 2048, 4096, 8192, 16384, 32768] },
    coeffModulusBits: { type: 'array', minItems: 2, maxItems: 32, items: { type: 'integer', minimum: 1, maximum: 60 } },
    scaleBits: { type: 'integer', minimum: 1, maximum: 60 },
  },
} as const;

/** Body of POST /v1/he/sessions: the client's public evaluation keys for one model (never its secret key). */
export const heSessionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['modelId', 'params', 'publicKey', 'relinKeys', 'galoisKeys', 'galoisSteps'],
  properties: {
    modelId,
    params: ckksParams,
    publicKey: b64,
    relinKeys: b64,
    galoisKeys: b64,
    galoisSteps: { type: 'array', maxItems: 4096, items: { type: 'integer' } },
  },
} as const;

/** Reply of GET /v1/models/:id/he-plan: the public part of the plan (layouts, parameters, rotations). */
export const hePlanResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['plan'],
  properties: {
    plan: {
      type: 'object',
      additionalProperties: false,
      required: ['version', 'params', 'slotCount', 'inputSize', 'inputLayout', 'output', 'postprocess', 'galoisSteps', 'depth', 'outputMasked', 'maxOutputMagnitude'],
      properties: {
        version: { type: 'integer' },
        params: ckksParams,
        slotCount: { type: 'integer' },
        /** Queries per ciphertext (absent: 1). */
        batch: { type: 'integer' },
        inputSize: { type: 'integer' },
        inputLayout: {
          type: 'object',
          additionalProperties: false,
          required: ['kind'],
          properties: { kind: { type: 'string', enum: ['diagonal-groups', 'replicated'] }, rowPeriod: { type: 'integer' }, diagonals: { type: 'integer' }, period: { type: 'integer' } },
        },
        output: { type: 'object', additionalProperties: false, required: ['length', 'stride'], properties: { length: { type: 'integer' }, stride: { type: 'integer' } } },
        postprocess: { type: 'string', enum: ['none', 'sigmoid', 'softmax'] },
        galoisSteps: { type: 'array', items: { type: 'integer' } },
        depth: { type: 'integer' },
        /** Whether the result holds the outputs only (protocols/he/he-plan output-mask). */
        outputMasked: { type: 'boolean' },
        maxOutputMagnitude: { type: 'number' },
      },
    },
  },
} as const;

/** `:id` path parameter of model routes. */
export const modelParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: modelId } } as const;

/** Reply of POST /v1/he/sessions. */
export const heSessionResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['sessionId', 'expiresAt'],
  properties: { sessionId: { type: 'string' }, expiresAt: { type: 'string' } },
} as const;

/** A model's precision (wire ModelPrecision): stated by the owner at an MPC publish, set by the service for HE. */
const modelPrecision = {
  type: 'object',
  additionalProperties: false,
  required: ['fractionBits', 'errorBound', 'errorBoundSource'],
  properties: {
    fractionBits: { type: 'integer', minimum: 0, maximum: 64 },
    inputBound: { type: 'number', exclusiveMinimum: 0 },
    errorBound: { type: 'number', exclusiveMinimum: 0 },
    errorBoundSource: { type: 'string', enum: ['measured', 'documented'] },
  },
} as const;

const modelRecord = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'version', 'mode', 'createdAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    version: { type: 'string' },
    mode: { type: 'string', enum: ['mpc', 'he'] },
    inputShape: { type: 'array', items: { type: 'integer' } },
    precision: modelPrecision,
    heBatch: { type: 'integer' },
    createdAt: { type: 'string' },
  },
} as const;

/** Body of POST /v1/models: MPC models come as sealed shares per party, HE models as ONNX. */
export const publishModelBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'version', 'mode'],
  properties: {
    name: { type: 'string', pattern: ID_PATTERN },
    version: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' },
    mode: { type: 'string', enum: ['mpc', 'he'] },
    sealedShares: sealedTriple,
    onnx: b64,
    /** HE: queries per ciphertext (power of two; default the largest that fits). */
    heBatch: { type: 'integer', minimum: 1, maximum: 65536 },
    /** MPC: the precision the owner's SDK encoded and checked the model with. */
    precision: { ...modelPrecision, required: ['fractionBits', 'inputBound', 'errorBound', 'errorBoundSource'] },
    /** The owner-signed version statement (services/wire/model-version): the parties (MPC) or the HE workers (HE) verify it and pin its key per name. */
    statement: {
      type: 'object',
      additionalProperties: false,
      required: ['payload', 'publicKey', 'signature'],
      properties: { payload: { type: 'string', maxLength: 16_384 }, publicKey: { type: 'string', pattern: '^[0-9a-f]{64}$' }, signature: { type: 'string', pattern: '^[0-9a-f]{128}$' } },
    },
  },
} as const;

/** Reply of POST /v1/models. */
export const publishModelResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'created'],
  properties: { model: modelRecord, created: { type: 'boolean' } },
} as const;

/** Reply of GET /v1/models. */
export const listModelsResponse = { type: 'object', additionalProperties: false, required: ['models'], properties: { models: { type: 'array', items: modelRecord } } } as const;

const columnSchema = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'type', 'min', 'max'],
      properties: { name: { type: 'string' }, type: { const: 'numeric' }, min: { type: 'number' }, max: { type: 'number' }, fractionBits: { type: 'integer', minimum: 0, maximum: 24 } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'type', 'categories'],
      properties: { name: { type: 'string' }, type: { const: 'categorical' }, categories: { type: 'array', minItems: 1, maxItems: 256, items: { type: 'string', minLength: 1 } } },
    },
    { type: 'object', additionalProperties: false, required: ['name', 'type'], properties: { name: { type: 'string' }, type: { const: 'boolean' } } },
  ],
} as const;

const datasetSchemaSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['columns'],
  properties: { columns: { type: 'array', minItems: 1, maxItems: 1024, items: columnSchema } },
} as const;

/** Body of POST /v1/datasets: schema (protocols/analytics DatasetSchema) and the encoded table as sealed share pairs. */
export const uploadDatasetBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'uploadId', 'schema', 'rows', 'sealedShares'],
  properties: {
    name: { type: 'string', pattern: ID_PATTERN },
    uploadId: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    schema: datasetSchemaSchema,
    policy: {
      type: 'object',
      additionalProperties: false,
      required: ['roles', 'minCellSize'],
      properties: {
        roles: { type: 'array', maxItems: 6, items: { type: 'string', enum: ['hospital', 'analyst', 'client', 'model-owner', 'auditor', 'admin'] } },
        minCellSize: { type: 'integer', minimum: 1 },
        releaseExtremes: { type: 'boolean' },
        queryBudget: { type: 'integer', minimum: 1 },
      },
    },
    rows: { type: 'integer', minimum: 1, maximum: 16_777_216 },
    sealedShares: sealedTriple,
    // The hospital-signed manifest (services/wire/dataset-manifest); the parties verify it.
    manifest: {
      type: 'object',
      additionalProperties: false,
      required: ['payload', 'publicKey', 'signature'],
      properties: { payload: { type: 'string', maxLength: 262_144 }, publicKey: { type: 'string', pattern: '^[0-9a-f]{64}$' }, signature: { type: 'string', pattern: '^[0-9a-f]{128}$' } },
    },
    // The protocols' security of the upload (docs/protocols-malicious.md); the coordinator's default when absent.
    security: { type: 'string', enum: ['semi-honest', 'malicious'] },
  },
} as const;

/**
 * A data set as the catalogue describes it: id, name, row count, schema and creation time. The
 * closed object is what keeps anything else (owner keys, manifests, shares) out of a reply.
 */
const datasetRecordSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'rows', 'schema', 'createdAt'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, rows: { type: 'integer' }, schema: datasetSchemaSchema, createdAt: { type: 'string' } },
} as const;

/** Reply of POST /v1/datasets. */
export const uploadDatasetResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['dataset', 'created'],
  properties: {
    dataset: datasetRecordSchema,
    created: { type: 'boolean' },
    /** The mode the three parties stored the part in. */
    security: { type: 'string', enum: ['semi-honest', 'malicious'] },
  },
} as const;

/** Reply of GET /v1/datasets: the data sets the caller's roles may query (metadata, never values). */
export const listDatasetsResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['datasets'],
  properties: { datasets: { type: 'array', items: datasetRecordSchema } },
} as const;

/** Path parameters of DELETE /v1/datasets/:id (the data set id, or its name as the owner knows it). */
export const datasetParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id } } as const;

/** Reply of DELETE /v1/datasets/:id: the id of the erased data set. */
export const deleteDatasetResponse = { type: 'object', additionalProperties: false, required: ['deleted'], properties: { deleted: { type: 'string' } } } as const;

/** The recursive filter schema of queries (`$id: mpc-filter`), registered once as a shared schema. */
export const queryFilterSchema = QUERY_JSON_SCHEMA.definitions.filter;

/**
 * Body of POST /v1/queries: the analytics query document of protocols/analytics
 * (QUERY_JSON_SCHEMA, its filter as the shared `mpc-filter` schema so that the OpenAPI document
 * carries it as a component) and the analyst's ephemeral key the result is sealed to.
 */
export const queryBody = {
  type: 'object',
  additionalProperties: false,
  required: ['query', 'clientPublicKey'],
  properties: {
    query: (({ definitions: _definitions, ...rest }) => rest)(QUERY_JSON_SCHEMA),
    clientPublicKey: { type: 'string', pattern: HEX32_PATTERN },
    // The protocols' security (docs/protocols-malicious.md), signed into the parties' output statements; the coordinator's default when absent.
    security: { type: 'string', enum: ['semi-honest', 'malicious'] },
  },
} as const;

/** Reply of POST /v1/queries. */
export const queryResponse = { type: 'object', additionalProperties: false, required: ['jobId', 'created'], properties: { jobId: { type: 'string' }, created: { type: 'boolean' } } } as const;

/** Reply of GET /v1/jobs/:id. */
export const jobResponse = { type: 'object', additionalProperties: false, required: ['job'], properties: { job: jobStatusSchema } } as const;

/** What each element of an analytics output means (protocols/analytics OutputLayout): public, from the query and schema. */
const outputLayoutSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['slots', 'rows', 'minCellSize'],
  properties: {
    slots: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind'],
        properties: {
          kind: { type: 'string' },
          group: { type: 'integer' },
          column: { type: 'string' },
          column2: { type: 'string' },
          scale: { type: 'integer' },
          aggregate: { type: 'integer' },
          bin: { type: 'integer' },
          index: { type: 'integer' },
        },
      },
    },
    rows: { type: 'integer' },
    minCellSize: { type: 'integer' },
  },
} as const;

/** Reply of GET /v1/jobs/:id/result: sealed output shares (MPC, analytics) or a ciphertext (HE), never plaintext. */
export const jobResultResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['jobId', 'kind', 'result'],
  properties: {
    jobId: { type: 'string' },
    kind: { type: 'string', enum: JOB_KIND_NAMES },
    result: {
      type: 'object',
      additionalProperties: false,
      properties: {
        shape: { type: 'array', items: { type: 'integer' } },
        sealedOutputs: { type: 'array', minItems: 3, maxItems: 3, items: { type: 'string' } },
        /** MPC inference: each party's signature of its output statement (services/wire/output-statement). */
        outputSignatures: { type: 'array', minItems: 3, maxItems: 3, items: { type: 'string' } },
        ciphertext: { type: 'string' },
        sha256: { type: 'string' },
        layout: outputLayoutSchema,
        /** HE: how the result was verified (dual execution on two workers, or repeated on one). */
        verification: {
          type: 'object',
          additionalProperties: false,
          required: ['mode', 'workers', 'hashes', 'signatures'],
          properties: {
            mode: { enum: ['dual', 'repeated'] },
            workers: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string' } },
            hashes: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string' } },
            /** Each worker's signature of its output statement (services/wire/output-statement); the SDK checks them. */
            signatures: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;

/** Reply of GET /v1/registry: public keys only. */
export const registryResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['services'],
  properties: {
    services: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'kind', 'signingPublicKey', 'agreementPublicKey', 'status'],
        properties: {
          id: { type: 'string' },
          kind: { type: 'string', enum: ['party', 'he-worker', 'coordinator', 'gateway'] },
          index: { type: 'integer' },
          standby: { type: 'boolean' },
          promoted: { type: 'boolean' },
          signingPublicKey: { type: 'string' },
          agreementPublicKey: { type: 'string' },
          status: { type: 'string', enum: ['up', 'down', 'unknown'] },
          lastSeen: { type: 'string' },
        },
      },
    },
  },
} as const;

const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const checkpointNote = { type: ['string', 'null'], description: 'C2SP signed note (checkpoint) text, null before the first checkpoint' } as const;

/** An audit entry (services/audit AuditEntry): metadata and hashes, never records or shares. */
const auditEntry = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'seq', 'time', 'type', 'actor'],
  properties: {
    v: { type: 'integer' },
    seq: { type: 'integer' },
    time: { type: 'string' },
    type: { type: 'string' },
    actor: { type: 'string' },
    // Every field of services/wire/audit-entry: a field dropped here changes the hashed bytes and the export no longer verifies.
    id: { type: 'string' },
    accused: { type: 'array', items: { type: 'integer' } },
    parties: { type: 'array', items: { type: 'string' } },
    signers: { type: 'array', items: { type: 'string' } },
    security: { type: 'string', enum: ['semi-honest', 'malicious'] },
    jobId: { type: 'string' },
    modelId: { type: 'string' },
    datasetId: { type: 'string' },
    keyId: { type: 'string' },
    serviceId: { type: 'string' },
    tenant: { type: 'string' },
    party: { type: 'integer' },
    version: { type: 'integer' },
    reason: { type: 'string' },
    hashes: { type: 'object', additionalProperties: hex64 },
    cost: {
      type: 'object',
      additionalProperties: false,
      required: ['computeMs', 'bytesSent'],
      properties: { computeMs: { type: 'array', items: { type: 'integer' } }, bytesSent: { type: 'array', items: { type: 'integer' } }, heMs: { type: 'array', items: { type: 'integer' } } },
    },
    jobKind: { type: 'string' },
  },
} as const;

/** Reply of GET /v1/audit/checkpoint. */
export const auditCheckpointResponse = { type: 'object', additionalProperties: false, required: ['checkpoint'], properties: { checkpoint: checkpointNote } } as const;

/** Query of GET /v1/audit/entries. */
export const auditEntriesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', pattern: UINT_QUERY_PATTERN },
    limit: { type: 'string', pattern: UINT_QUERY_PATTERN },
    type: { type: 'string', pattern: '^[a-z][a-z.-]{0,63}(\\*)?$', description: 'an event type (job.failed) or a family (job.*)' },
    jobId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$' },
    party: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$', description: 'a service id: the actor, the subject or a placed party' },
  },
} as const;

/** Reply of GET /v1/audit/entries (`next`: where a filtered search scans on; absent at the end of the log). */
export const auditEntriesResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['entries', 'treeSize'],
  properties: { entries: { type: 'array', items: auditEntry }, treeSize: { type: 'integer' }, next: { type: 'integer' } },
} as const;

/** Path parameter of GET /v1/audit/proofs/:index. */
export const auditProofParams = { type: 'object', additionalProperties: false, required: ['index'], properties: { index: { type: 'string', pattern: UINT_QUERY_PATTERN } } } as const;
/** Query of GET /v1/audit/proofs/:index: tree size of the proof and, for a consistency proof, the older size. */
export const auditProofQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { treeSize: { type: 'string', pattern: UINT_QUERY_PATTERN }, fromSize: { type: 'string', pattern: UINT_QUERY_PATTERN } },
} as const;

/** Reply of GET /v1/audit/proofs/:index: RFC 9162 proofs, hashes in hex. */
export const auditProofResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['inclusion'],
  properties: {
    inclusion: {
      type: 'object',
      additionalProperties: false,
      required: ['leafIndex', 'treeSize', 'leafHash', 'rootHash', 'proof'],
      properties: { leafIndex: { type: 'integer' }, treeSize: { type: 'integer' }, leafHash: hex64, rootHash: hex64, proof: { type: 'array', items: hex64 } },
    },
    consistency: {
      type: 'object',
      additionalProperties: false,
      required: ['size1', 'size2', 'root1', 'root2', 'proof'],
      properties: { size1: { type: 'integer' }, size2: { type: 'integer' }, root1: hex64, root2: hex64, proof: { type: 'array', items: hex64 } },
    },
  },
} as const;

/** Body of POST /v1/audit/trust-rotations: the bundle clients hold now and the one that replaces it (wire/trust-bundle; checked by the coordinator). */
export const trustRotationBody = {
  type: 'object',
  additionalProperties: false,
  required: ['current', 'next'],
  properties: { current: { type: 'object' }, next: { type: 'object' } },
} as const;

/** Reply of POST /v1/audit/trust-rotations. */
export const trustRotationResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['fingerprint', 'previous', 'recorded'],
  properties: { fingerprint: { type: 'string' }, previous: { type: 'string' }, recorded: { type: 'boolean' } },
} as const;

/** Reply of GET /v1/audit/export: the latest checkpoint and every entry, for offline verification. */
export const auditExportResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['checkpoint', 'entries'],
  properties: { checkpoint: checkpointNote, entries: { type: 'array', items: auditEntry } },
} as const;

/** Reply of GET /readyz. */
export const readyResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['ready', 'nats', 'parties', 'heWorkers', 'reasons'],
  properties: {
    ready: { type: 'boolean' },
    nats: { type: 'boolean' },
    parties: { type: 'integer' },
    heWorkers: { type: 'integer' },
    reasons: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** Reply of GET /healthz. */
export const healthResponse = { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } as const;

/** Header `Idempotency-Key`. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

const orphanedObjects = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'parties', 'objects', 'bytes', 'inUse'],
  properties: { id: { type: 'string' }, parties: { type: 'array', items: { type: 'string' } }, objects: { type: 'integer' }, bytes: { type: 'integer' }, inUse: { type: 'boolean' } },
} as const;

const missingObjects = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'parties'],
  properties: { id: { type: 'string' }, parties: { type: 'array', items: { type: 'string' } } },
} as const;

/** Reply of GET /v1/admin/storage: the parties' stores against the catalogues (services/wire/api StorageReconciliationReport). */
export const storageReconciliationResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['checkedAt', 'complete', 'parties', 'orphans', 'missing'],
  properties: {
    checkedAt: { type: 'string' },
    complete: { type: 'boolean' },
    parties: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'index', 'reachable', 'datasets', 'models', 'otherObjects'],
        properties: { id: { type: 'string' }, index: { type: 'integer' }, reachable: { type: 'boolean' }, error: { type: 'string' }, datasets: { type: 'integer' }, models: { type: 'integer' }, otherObjects: { type: 'integer' } },
      },
    },
    orphans: { type: 'object', additionalProperties: false, required: ['datasets', 'models'], properties: { datasets: { type: 'array', items: orphanedObjects }, models: { type: 'array', items: orphanedObjects } } },
    missing: { type: 'object', additionalProperties: false, required: ['datasets', 'models'], properties: { datasets: { type: 'array', items: missingObjects }, models: { type: 'array', items: missingObjects } } },
  },
} as const;

/** Body of POST /v1/admin/storage/orphan-erasures: the orphaned data sets and models to erase. */
export const orphanErasureBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    datasets: { type: 'array', maxItems: 1000, items: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
    models: { type: 'array', maxItems: 1000, items: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' } },
  },
} as const;

/** Reply of POST /v1/admin/storage/orphan-erasures. */
export const orphanErasureResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['erased', 'objects', 'parties'],
  properties: {
    erased: { type: 'object', additionalProperties: false, required: ['datasets', 'models'], properties: { datasets: { type: 'array', items: { type: 'string' } }, models: { type: 'array', items: { type: 'string' } } } },
    objects: { type: 'integer' },
    parties: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** Path parameters naming a service (a party). */
export const serviceIdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$' } },
} as const;

const quarantineRecord = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'serviceId', 'since', 'because', 'evidence', 'evidenceSeq'],
  properties: {
    id: { type: 'string' },
    serviceId: { type: 'string' },
    since: { type: 'string' },
    because: { type: 'string' },
    evidence: { type: 'array', items: { type: 'string' } },
    evidenceSeq: { type: 'array', items: { type: 'integer' } },
  },
} as const;

/** Reply of GET /v1/admin/parties/reputation: the canonical JSON report (services/audit/reputation) and the quarantines in force. */
export const partyReputationResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['report', 'quarantined'],
  properties: { report: { type: 'string' }, quarantined: { type: 'array', items: quarantineRecord } },
} as const;

/** 1-16 operator decisions, each `{ body, signer, signature }` with `body` of the given schema (services/wire/operator-decisions). */
function signedDecisions<B extends object>(body: B) {
  return {
    type: 'array',
    minItems: 1,
    maxItems: 16,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['body', 'signer', 'signature'],
      properties: {
        body,
        signer: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
        signature: { type: 'string', maxLength: 100 },
      },
    },
  } as const;
}

/** Body of POST /v1/admin/parties/{id}/reinstatement: signed decisions (services/wire/party-governance). */
export const partyReinstatementBody = {
  type: 'object',
  additionalProperties: false,
  required: ['decisions'],
  properties: {
    decisions: signedDecisions({
      type: 'object',
      additionalProperties: false,
      required: ['type', 'serviceId', 'quarantine', 'issuedAt'],
      properties: { type: { const: 'party-reinstatement' }, serviceId: { type: 'string' }, quarantine: { type: 'string', pattern: '^[0-9a-f]{64}$' }, issuedAt: { type: 'integer' } },
    } as const),
  },
} as const;

/** Reply of POST /v1/admin/parties/{id}/reinstatement. */
export const partyReinstatementResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['serviceId', 'signers'],
  properties: { serviceId: { type: 'string' }, signers: { type: 'array', items: { type: 'string' } } },
} as const;

/** Body of POST /v1/admin/parties/{id}/promotion: the standby and the operators' signed promotion decisions (wire/party-governance). */
export const partyPromotionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['standbyId', 'decisions'],
  properties: {
    standbyId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$' },
    decisions: signedDecisions({
      type: 'object',
      additionalProperties: false,
      required: ['type', 'slot', 'standbyId', 'signingPublicKey', 'agreementPublicKey', 'replaces', 'quarantine', 'issuedAt'],
      properties: {
        type: { const: 'party-promotion' },
        slot: { enum: [0, 1, 2] },
        standbyId: { type: 'string' },
        signingPublicKey: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        agreementPublicKey: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        replaces: { type: 'string' },
        quarantine: { type: 'string', pattern: '^[0-9a-f]{64}$' },
        issuedAt: { type: 'integer' },
      },
    } as const),
  },
} as const;

/** Reply of POST /v1/admin/parties/{id}/promotion. */
export const partyPromotionResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['serviceId', 'standbyId', 'slot', 'signers'],
  properties: { serviceId: { type: 'string' }, standbyId: { type: 'string' }, slot: { type: 'integer' }, signers: { type: 'array', items: { type: 'string' } } },
} as const;

const resharingRecord = {
  type: 'object',
  additionalProperties: false,
  required: ['standbyId', 'slot', 'replaces', 'state', 'items', 'discarded', 'startedAt', 'requestedBy'],
  properties: {
    standbyId: { type: 'string' },
    slot: { type: 'integer' },
    replaces: { type: 'string' },
    state: { enum: ['running', 'paused', 'done'] },
    items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'id', 'state', 'attempts'],
        properties: { kind: { enum: ['dataset', 'model'] }, id: { type: 'string' }, state: { enum: ['pending', 'done', 'failed'] }, jobId: { type: 'string' }, attempts: { type: 'integer' }, error: { type: 'string' } },
      },
    },
    discarded: { type: 'boolean' },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    error: { type: 'string' },
    requestedBy: { type: 'object', additionalProperties: false, required: ['tenant', 'actor'], properties: { tenant: { type: 'string' }, actor: { type: 'string' } } },
  },
} as const;

/** Reply of POST /v1/admin/parties/{standby}/resharing: the resharing's progress. */
export const resharingResponse = resharingRecord;

/** Reply of GET /v1/admin/parties/resharing. */
export const resharingListResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['resharings', 'promotions'],
  properties: {
    resharings: { type: 'array', items: resharingRecord },
    promotions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['slot', 'standbyId', 'replaces', 'quarantine', 'signers', 'since'],
        properties: { slot: { type: 'integer' }, standbyId: { type: 'string' }, replaces: { type: 'string' }, quarantine: { type: 'string' }, signers: { type: 'array', items: { type: 'string' } }, since: { type: 'string' } },
      },
    },
  },
} as const;

/** Query of GET /v1/credits. */
export const creditsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { tenant: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$' } },
} as const;

const nullableInt = { anyOf: [{ type: 'integer' }, { type: 'null' }] } as const;

/** Reply of GET /v1/kpis (services/audit/kpis KpiReport). */
export const kpisResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['entries', 'kinds', 'costPerRequest', 'verificationFailures', 'accusations', 'quarantines', 'reinstatements', 'pricing'],
  properties: {
    entries: { type: 'integer' },
    kinds: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'ended', 'verified', 'failed', 'failedVerification', 'errorRate', 'latencyMs'],
        properties: {
          kind: { type: 'string' },
          ended: { type: 'integer' },
          verified: { type: 'integer' },
          failed: { type: 'integer' },
          failedVerification: { type: 'integer' },
          errorRate: { type: 'number' },
          latencyMs: { type: 'object', additionalProperties: false, required: ['p50', 'p95'], properties: { p50: nullableInt, p95: nullableInt } },
        },
      },
    },
    costPerRequest: { type: 'object', additionalProperties: false, required: ['jobs', 'meanMillicredits'], properties: { jobs: { type: 'integer' }, meanMillicredits: { anyOf: [{ type: 'number' }, { type: 'null' }] } } },
    verificationFailures: { type: 'integer' },
    accusations: { type: 'integer' },
    quarantines: { type: 'integer' },
    reinstatements: { type: 'integer' },
    pricing: { type: 'object', additionalProperties: false, required: ['msPerCredit', 'bytesPerCredit'], properties: { msPerCredit: { type: 'integer' }, bytesPerCredit: { type: 'integer' } } },
  },
} as const;

/** Reply of GET /v1/credits (services/audit/credits TenantCredits and the pricing). */
export const creditsResponse = {
  type: 'object',
  additionalProperties: false,
  required: ['credits', 'pricing'],
  properties: {
    credits: {
      type: 'object',
      additionalProperties: false,
      required: ['tenant', 'jobs', 'computeMs', 'bytesSent', 'usedMillicredits'],
      properties: {
        tenant: { type: 'string' },
        jobs: { type: 'integer' },
        computeMs: { type: 'integer' },
        bytesSent: { type: 'integer' },
        heMs: { type: 'integer' },
        usedMillicredits: { type: 'integer' },
        budgetMillicredits: { type: 'integer' },
        balanceMillicredits: { type: 'integer' },
      },
    },
    pricing: { type: 'object', additionalProperties: false, required: ['msPerCredit', 'bytesPerCredit'], properties: { msPerCredit: { type: 'integer' }, bytesPerCredit: { type: 'integer' } } },
  },
} as const;

/** Path of the rollout routes: a model name. */
export const modelNameParams = { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', pattern: ID_PATTERN } } } as const;

/** Body of POST /v1/models/by-name/{name}/activation. */
export const activateModelBody = {
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: { version: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' }, approvals: activationApprovals() },
} as const;

/** Body of POST /v1/models/by-name/{name}/rollback (optional: approvals when the deployment requires them). */
export const rollbackModelBody = {
  type: 'object',
  additionalProperties: false,
  properties: { approvals: activationApprovals() },
} as const;

/** Operators' signed approvals of a model activation (services/wire/party-governance ActivationDecision). */
function activationApprovals() {
  return signedDecisions({
    type: 'object',
    additionalProperties: false,
    required: ['type', 'name', 'version', 'modelId', 'issuedAt'],
    properties: { type: { const: 'model-activation' }, name: { type: 'string' }, version: { type: 'string' }, modelId: { type: 'string' }, issuedAt: { type: 'integer' } },
  } as const);
}

/** The rollout of one name (services/wire/api ModelRolloutState). */
const modelRollout = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'active', 'previous', 'history'],
  properties: {
    name: { type: 'string' },
    active: { type: 'string' },
    previous: { type: 'array', items: { type: 'string' } },
    history: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['action', 'modelId', 'version', 'actor', 'at'],
        properties: { action: { type: 'string', enum: ['published', 'activated', 'rolled-back'] }, modelId: { type: 'string' }, version: { type: 'string' }, actor: { type: 'string' }, at: { type: 'string' } },
      },
    },
  },
} as const;

/** Reply of GET /v1/models/by-name/{name}/rollout. */
export const modelRolloutResponse = { type: 'object', additionalProperties: false, required: ['rollout'], properties: { rollout: modelRollout } } as const;

/** Reply of activation and rollback: the rollout and the record now active. */
export const modelRolloutChangeResponse = { type: 'object', additionalProperties: false, required: ['rollout', 'model'], properties: { rollout: modelRollout, model: modelRecord } } as const;
