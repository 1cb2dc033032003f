/**
 * Decoding of `application/vnd.kubernetes.protobuf` request bodies: the "k8s\0" magic, the
 * runtime.Unknown envelope, then the object message chosen by its apiVersion and kind,
 * converted to the JSON form the rest of the API server works with.
 */
import type { Type } from "protobufjs";
import { StatusError, errors } from "../../machinery/errors.js";
import { messageTypeFor, protobufKinds, unknownType } from "./schema/index.js";
import { messageToJson, type JsonObject } from "./to-json.js";

export const PROTOBUF_MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

export interface DecodedProtobufObject {
  apiVersion: string;
  kind: string;
  object: JsonObject;
}

/** True when a Content-Type header names the Kubernetes protobuf encoding (parameters ignored). */
export function isProtobufMediaType(contentType: string | undefined): boolean {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase() === PROTOBUF_MEDIA_TYPE;
}

export function hasProtobufMagic(body: Uint8Array): boolean {
  return body.length >= MAGIC.length && MAGIC.every((b, i) => body[i] === b);
}

/**
 * Decodes one protobuf-encoded object.
 * @throws StatusError 400 for a malformed body, 415 for a kind not accepted as protobuf.
 */
export function decodeProtobufObject(body: Uint8Array): DecodedProtobufObject {
  if (!hasProtobufMagic(body)) {
    throw errors.badRequest(`the request body is not a Kubernetes protobuf message: it must start with the prefix "k8s\\x00" (bytes ${MAGIC.join(" ")})`);
  }
  const envelope = decodeEnvelope(body.subarray(MAGIC.length));
  const { apiVersion, kind } = envelope;
  if (!apiVersion || !kind) {
    throw errors.badRequest("the protobuf envelope has no apiVersion and kind (typeMeta)");
  }
  if (envelope.contentEncoding) {
    throw errors.badRequest(`unsupported protobuf contentEncoding "${envelope.contentEncoding}"`);
  }
  const type = messageTypeFor(apiVersion, kind);
  if (!type) throw unsupportedKind(apiVersion, kind);
  const object = decodeMessage(type, envelope.raw, `${apiVersion} ${kind}`);
  return { apiVersion, kind, object: { apiVersion, kind, ...object } };
}

interface Envelope { apiVersion: string; kind: string; raw: Uint8Array; contentEncoding: string }

function decodeEnvelope(bytes: Uint8Array): Envelope {
  let m: Record<string, unknown>;
  try {
    m = unknownType().decode(bytes) as unknown as Record<string, unknown>;
  } catch (e) {
    throw errors.badRequest(`unable to decode the protobuf envelope (runtime.Unknown): ${(e as Error).message}`);
  }
  const typeMeta = (m.typeMeta ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    apiVersion: str(typeMeta.apiVersion),
    kind: str(typeMeta.kind),
    raw: m.raw instanceof Uint8Array ? m.raw : new Uint8Array(),
    contentEncoding: str(m.contentEncoding),
  };
}

function decodeMessage(type: Type, bytes: Uint8Array, what: string): JsonObject {
  let message;
  try {
    message = type.decode(bytes);
  } catch (e) {
    throw errors.badRequest(`unable to decode ${what} from protobuf: ${(e as Error).message}`);
  }
  return messageToJson(type, message);
}

function unsupportedKind(apiVersion: string, kind: string): StatusError {
  const accepted = protobufKinds.map((k) => `${k.apiVersion}/${k.kind}`).join(", ");
  return new StatusError(415, "UnsupportedMediaType",
    `protobuf request bodies are only accepted for ${accepted}; send ${apiVersion}/${kind} as application/json`);
}
