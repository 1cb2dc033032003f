/**
 * Protobuf request bodies: what kubectl's typed clients send for `create <generator>`,
 * `auth can-i`, `drain` (evictions), `create token` and `autoscale`.
 */
export { decodeProtobufObject, hasProtobufMagic, isProtobufMediaType, PROTOBUF_MEDIA_TYPE } from "./decode.js";
export type { DecodedProtobufObject } from "./decode.js";
export { protobufKinds } from "./schema/index.js";
export type { ProtobufKind } from "./schema/index.js";
export type { JsonObject, JsonValue } from "./to-json.js";
