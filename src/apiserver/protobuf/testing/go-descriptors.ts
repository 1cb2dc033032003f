/**
 * Test support: reads the protobuf FileDescriptorProtos that gogo-protobuf generated code
 * registers (gzipped) inside a Go binary such as kubectl, so tests can check the hand-written
 * schema against the field numbers and types kubectl itself was built with.
 */
import { readFileSync } from "node:fs";
import { gunzipSync, constants } from "node:zlib";
import protobuf from "protobufjs";

/** One message as described by the binary: fields by name, with map fields resolved. */
export interface DescribedMessage {
  fullName: string;
  fields: Map<string, DescribedField>;
}

export interface DescribedField {
  name: string;
  number: number;
  /** Scalar type name ("string", "int64", ...) or a message's full name without the leading dot. */
  type: string;
  repeated: boolean;
  /** For map fields, the key type; `type` is then the value type. */
  mapKey?: string;
}

const descriptorProto = `
syntax = "proto2";
message FileDescriptorProto {
  optional string name = 1;
  optional string package = 2;
  repeated DescriptorProto message_type = 4;
}
message DescriptorProto {
  optional string name = 1;
  repeated FieldDescriptorProto field = 2;
  repeated DescriptorProto nested_type = 3;
  optional MessageOptions options = 7;
}
message MessageOptions {
  optional bool map_entry = 7;
}
message FieldDescriptorProto {
  optional string name = 1;
  optional int32 number = 3;
  optional int32 label = 4;
  optional int32 type = 5;
  optional string type_name = 6;
}
`;

interface RawField { name: string; number: number; label: number; type: number; type_name?: string }
interface RawMessage { name: string; field: RawField[]; nested_type: RawMessage[]; options?: { map_entry?: boolean } }
interface RawFile { name?: string; package?: string; message_type: RawMessage[] }

const scalarNames: Record<number, string> = {
  1: "double", 2: "float", 3: "int64", 4: "uint64", 5: "int32", 6: "fixed64", 7: "fixed32",
  8: "bool", 9: "string", 12: "bytes", 13: "uint32", 15: "sfixed32", 16: "sfixed64", 17: "sint32", 18: "sint64",
};

/** All messages described by `*.proto` files registered in the binary, by full name. */
export function readGoDescriptors(binaryPath: string): Map<string, DescribedMessage> {
  const fileType = protobuf.parse(descriptorProto, { keepCase: true }).root.lookupType("FileDescriptorProto");
  const bin = readFileSync(binaryPath);
  const gzipHeader = Buffer.from([0x1f, 0x8b, 0x08, 0x00]);
  const raw = new Map<string, RawMessage>();
  for (let i = bin.indexOf(gzipHeader); i >= 0; i = bin.indexOf(gzipHeader, i + 1)) {
    let file: RawFile;
    try {
      const inflated = gunzipSync(bin.subarray(i, i + 4_000_000), { finishFlush: constants.Z_SYNC_FLUSH });
      file = fileType.toObject(fileType.decode(inflated), { arrays: true }) as RawFile;
    } catch {
      continue;
    }
    if (!file.name?.endsWith(".proto") || !file.package) continue;
    const walk = (prefix: string, list: RawMessage[]) => {
      for (const m of list) {
        raw.set(`${prefix}.${m.name}`, m);
        walk(`${prefix}.${m.name}`, m.nested_type ?? []);
      }
    };
    walk(file.package, file.message_type);
  }
  const typeOf = (f: RawField) => (f.type === 11 || f.type === 14 ? (f.type_name ?? "").replace(/^\./, "") : scalarNames[f.type] ?? `type${f.type}`);
  const out = new Map<string, DescribedMessage>();
  for (const [fullName, m] of raw) {
    if (m.options?.map_entry) continue;
    const fields = new Map<string, DescribedField>();
    for (const f of m.field ?? []) {
      const entry = f.type === 11 ? raw.get(typeOf(f)) : undefined;
      if (entry?.options?.map_entry) {
        const [k, v] = [entry.field.find((x) => x.number === 1)!, entry.field.find((x) => x.number === 2)!];
        fields.set(f.name, { name: f.name, number: f.number, type: typeOf(v), repeated: false, mapKey: typeOf(k) });
      } else {
        fields.set(f.name, { name: f.name, number: f.number, type: typeOf(f), repeated: f.label === 3 });
      }
    }
    out.set(fullName, { fullName, fields });
  }
  return out;
}
