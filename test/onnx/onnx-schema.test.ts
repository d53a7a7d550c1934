/** The embedded schema string must be the committed onnx.proto, byte for byte. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ONNX_PROTO_TEXT } from '../../protocols/onnx/onnx-schema.js';

describe('onnx schema', () => {
  it('onnx-schema.ts embeds protocols/onnx/onnx.proto unchanged', () => {
    const file = readFileSync(fileURLToPath(new URL('../../protocols/onnx/onnx.proto', import.meta.url)), 'utf8');
    expect(ONNX_PROTO_TEXT).toBe(file);
  });

  it('keeps the official field numbers of the messages the importer reads', () => {
    const expected: Record<string, string[]> = {
      ModelProto: ['ir_version = 1;', 'opset_import = 8;', 'graph = 7;'],
      GraphProto: ['node = 1;', 'initializer = 5;', 'input = 11;', 'output = 12;'],
      NodeProto: ['input = 1;', 'output = 2;', 'name = 3;', 'op_type = 4;', 'domain = 7;', 'attribute = 5;'],
      AttributeProto: ['f = 2;', 'i = 3;', 's = 4;', 't = 5;', 'floats = 7;', 'ints = 8;', 'type = 20;'],
      TensorProto: ['dims = 1;', 'data_type = 2;', 'float_data = 4 [packed = true];', 'int64_data = 7 [packed = true];', 'raw_data = 9;', 'double_data = 10 [packed = true];', 'data_location = 14;'],
    };
    for (const [msg, fields] of Object.entries(expected)) {
      const body = ONNX_PROTO_TEXT.split(`message ${msg} {`)[1]!;
      for (const f of fields) expect(body, `${msg}.${f}`).toContain(f);
    }
  });
});
