/**
 * Turning a non-2xx reply into a StatusError. The API server answers with a `Status` body;
 * anything else (a proxy's HTML page, an empty body) becomes a generic error for its HTTP
 * code, as client-go's newUnstructuredResponseError does.
 */
import { StatusError, type StatusDetails, type StatusReason } from "../machinery/errors.js";
import { isPlainObject } from "../machinery/object.js";

const reasonByCode: Record<number, StatusReason> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "Conflict",
  410: "Gone",
  413: "RequestEntityTooLarge",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

const genericMessage: Partial<Record<StatusReason, string>> = {
  BadRequest: "the server rejected our request for an unknown reason",
  Unauthorized: "the server has asked for the client to provide credentials",
  Forbidden: "the server does not allow access to the requested resource",
  NotFound: "the server could not find the requested resource",
  MethodNotAllowed: "the server does not allow this method on the requested resource",
  Conflict: "the server reported a conflict",
  Gone: "the server reported that the resource is gone",
  RequestEntityTooLarge: "the server rejected the request because the request entity is too large",
  UnsupportedMediaType: "the server does not support the media type of the request",
  Invalid: "the server rejected our request due to an error in our request",
  TooManyRequests: "the server has received too many requests and has asked us to try again later",
  ServiceUnavailable: "the server is currently unable to handle the request",
  Timeout: "the server was unable to return a response in the time allotted, but may still be processing the request",
};

/** The Status carried by a reply body, when it is one. */
export function asStatus(body: unknown): { code?: number; reason?: string; message?: string; details?: StatusDetails } | undefined {
  if (!isPlainObject(body) || body.kind !== "Status") return undefined;
  return body as { code?: number; reason?: string; message?: string; details?: StatusDetails };
}

/** A StatusError from a Status object (also used for watch ERROR events). */
export function statusErrorFromObject(obj: unknown, fallbackCode = 500): StatusError {
  const st = asStatus(obj);
  if (!st) return new StatusError(fallbackCode, reasonByCode[fallbackCode] ?? "InternalError", `unexpected error object: ${JSON.stringify(obj)}`);
  const code = typeof st.code === "number" && st.code > 0 ? st.code : fallbackCode;
  const reason = (st.reason || reasonByCode[code] || "InternalError") as StatusReason;
  return new StatusError(code, reason, st.message ?? genericMessage[reason] ?? `an error on the server (${code})`, st.details);
}

/** The error for a reply with HTTP status `status` and text `body`. */
export function statusErrorFromResponse(status: number, body: string): StatusError {
  let parsed: unknown;
  try {
    parsed = body ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (asStatus(parsed)) return statusErrorFromObject(parsed, status);
  const reason = reasonByCode[status] ?? "InternalError";
  const text = body.trim().slice(0, 1024);
  const base = genericMessage[reason] ?? `an error on the server ("${text || "unknown"}") has prevented the request from succeeding`;
  const message = text && genericMessage[reason] ? `${base} (${text})` : base;
  return new StatusError(reasonByCode[status] ? status : status >= 500 ? status : 500, reason, message);
}
