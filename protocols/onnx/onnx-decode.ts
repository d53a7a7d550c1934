/**
 * @module protocols/onnx/onnx-decode
 * Decodes ONNX ModelProto bytes with protobufjs and the embedded official schema into plain,
 * typed objects (int64 fields as numbers), and reads tensor payloads. Only what the importer
 * needs is typed here; everything else in the message is ignored.
 */
import protobuf from 'protobufjs';
import { ONNX_PROTO_TEXT } from './onnx-schema.js';
import { OnnxParseError } from './errors.js';

/** TensorProto.DataType values the importer reads. */
export const OnnxDataType = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;

/** AttributeProto decoded (only the fields the importer reads). */
export interface OnnxAttribute {
  readonly name: string;
  readonly type: number;
  readonly f?: number;
  readonly i?: number;
  readonly s?: Uint8Array;
  readonly t?: OnnxTensor;
  readonly floats: readonly number[];
  readonly ints: readonly number[];
}

/** TensorProto decoded. */
export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  readonly rawData?: Uint8Array;
  readonly floatData: readonly number[];
  readonly doubleData: readonly number[];
  readonly int32Data: readonly number[];
  readonly int64Data: readonly number[];
  readonly dataLocation: number;
}

/** NodeProto decoded. */
export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, OnnxAttribute>;
}

/** ValueInfoProto decoded: a name and, for tensors, the shape (null for a symbolic dimension). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly shape?: readonly (number | null)[];
}

/** ModelProto decoded. */
export interface OnnxModel {
  readonly irVersion: number;
  /** Version of the default ('' or 'ai.onnx') operator set. */
  readonly opset: number;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, OnnxTensor>;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

let modelType: protobuf.Type | undefined;

function getModelType(): protobuf.Type {
  // Parsed once per process: the schema is a constant, so caching it holds no job state.
  modelType ??= protobuf.parse(ONNX_PROTO_TEXT, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

type Obj = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const bytesOf = (v: unknown): Uint8Array | undefined =>
  v instanceof Uint8Array ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : undefined;

function toTensor(o: Obj): OnnxTensor {
  return {
    name: typeof o.name === 'string' ? o.name : '',
    dims: arr(o.dims).map(num),
    dataType: num(o.data_type),
    rawData: bytesOf(o.raw_data),
    floatData: arr(o.float_data).map(num),
    doubleData: arr(o.double_data).map(num),
    int32Data: arr(o.int32_data).map(num),
    int64Data: arr(o.int64_data).map(num),
    dataLocation: num(o.data_location),
  };
}

function toAttribute(o: Obj): OnnxAttribute {
  return {
    name: typeof o.name === 'string' ? o.name : '',
    type: num(o.type),
    f: o.f === undefined ? undefined : num(o.f),
    i: o.i === undefined ? undefined : num(o.i),
    s: bytesOf(o.s),
    t: o.t === undefined ? undefined : toTensor(o.t as Obj),
    floats: arr(o.floats).map(num),
    ints: arr(o.ints).map(num),
  };
}

function toValueInfo(o: Obj): OnnxValueInfo {
  const tt = (o.type as Obj | undefined)?.tensor_type as Obj | undefined;
  const dims = (tt?.shape as Obj | undefined)?.dim;
  return {
    name: typeof o.name === 'string' ? o.name : '',
    shape: Array.isArray(dims) ? dims.map((d: Obj) => (d.dim_value === undefined ? null : num(d.dim_value))) : undefined,
  };
}

/**
 * Decodes ONNX bytes.
 * @throws OnnxParseError when the bytes are not a ModelProto or carry no graph.
 */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  if (!(bytes instanceof Uint8Array)) throw new OnnxParseError(`bytes: expected Uint8Array, got ${typeof bytes}`);
  if (bytes.length === 0) throw new OnnxParseError('bytes: empty input is not an ONNX model');
  let o: Obj;
  try {
    const type = getModelType();
    o = type.toObject(type.decode(bytes), { longs: Number, defaults: false, arrays: true }) as Obj;
  } catch (cause) {
    throw new OnnxParseError(`bytes: not a decodable ONNX ModelProto (${(cause as Error).message})`, { cause });
  }
  const g = o.graph as Obj | undefined;
  if (g === undefined) throw new OnnxParseError('ModelProto.graph: missing');
  const opsets = arr(o.opset_import) as Obj[];
  const def = opsets.find((s) => s.domain === undefined || s.domain === '' || s.domain === 'ai.onnx');
  if (def === undefined) throw new OnnxParseError('ModelProto.opset_import: no entry for the default ONNX domain');
  const initializers = new Map<string, OnnxTensor>();
  for (const t of arr(g.initializer) as Obj[]) {
    const tensor = toTensor(t);
    initializers.set(tensor.name, tensor);
  }
  const nodes = (arr(g.node) as Obj[]).map((n, idx): OnnxNode => {
    const attributes = new Map<string, OnnxAttribute>();
    for (const a of arr(n.attribute) as Obj[]) {
      const attr = toAttribute(a);
      attributes.set(attr.name, attr);
    }
    return {
      name: typeof n.name === 'string' && n.name !== '' ? n.name : `#${idx}`,
      opType: typeof n.op_type === 'string' ? n.op_type : '',
      domain: typeof n.domain === 'string' ? n.domain : '',
      inputs: arr(n.input).map(String),
      outputs: arr(n.output).map(String),
      attributes,
    };
  });
  return {
    irVersion: num(o.ir_version),
    opset: num(def.version),
    nodes,
    initializers,
    inputs: (arr(g.input) as Obj[]).map(toValueInfo),
    outputs: (arr(g.output) as Obj[]).map(toValueInfo),
  };
}

/**
 * Reads a tensor's elements as float64 (FLOAT, DOUBLE, INT32, INT64; raw_data little-endian or
 * the typed repeated fields), checking the element count against dims.
 * @throws OnnxParseError on external data, an unsupported data type, or a count mismatch.
 */
export function tensorValues(t: OnnxTensor): Float64Array {
  if (t.dataLocation === 1) throw new OnnxParseError(`tensor '${t.name}': external data is not supported`);
  const count = t.dims.reduce((a, b) => a * b, 1);
  let out: Float64Array;
  const raw = t.rawData;
  if (raw !== undefined && raw.length > 0) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const width = { [OnnxDataType.FLOAT]: 4, [OnnxDataType.DOUBLE]: 8, [OnnxDataType.INT32]: 4, [OnnxDataType.INT64]: 8 }[t.dataType];
    if (width === undefined) throw new OnnxParseError(`tensor '${t.name}': data_type ${t.dataType} is not supported`);
    if (raw.length !== count * width) {
      throw new OnnxParseError(`tensor '${t.name}': raw_data has ${raw.length} bytes, dims ${JSON.stringify(t.dims)} need ${count * width}`);
    }
    out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      switch (t.dataType) {
        case OnnxDataType.FLOAT: out[i] = dv.getFloat32(i * 4, true); break;
        case OnnxDataType.DOUBLE: out[i] = dv.getFloat64(i * 8, true); break;
        case OnnxDataType.INT32: out[i] = dv.getInt32(i * 4, true); break;
        default: out[i] = Number(dv.getBigInt64(i * 8, true));
      }
    }
    return out;
  }
  const src =
    t.dataType === OnnxDataType.FLOAT ? t.floatData
    : t.dataType === OnnxDataType.DOUBLE ? t.doubleData
    : t.dataType === OnnxDataType.INT32 ? t.int32Data
    : t.dataType === OnnxDataType.INT64 ? t.int64Data
    : undefined;
  if (src === undefined) throw new OnnxParseError(`tensor '${t.name}': data_type ${t.dataType} is not supported`);
  if (src.length !== count) {
    throw new OnnxParseError(`tensor '${t.name}': has ${src.length} elements, dims ${JSON.stringify(t.dims)} need ${count}`);
  }
  return Float64Array.from(src);
}
