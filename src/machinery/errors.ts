/**
 * Kubernetes `Status` errors. Every failure the API server returns is one of these, with
 * upstream's reason, code and message forms, so kubectl prints them as it prints upstream's.
 */

export type StatusReason =
  | "BadRequest" | "Unauthorized" | "Forbidden" | "NotFound" | "AlreadyExists" | "Conflict"
  | "Gone" | "Expired" | "Invalid" | "MethodNotAllowed" | "NotAcceptable" | "UnsupportedMediaType"
  | "RequestEntityTooLarge" | "TooManyRequests" | "InternalError" | "Timeout" | "ServiceUnavailable";

export interface StatusCause { reason?: string; message?: string; field?: string }

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, unknown>;
  status: "Success" | "Failure";
  message?: string;
  reason?: StatusReason | string;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = "StatusError";
  }

  toStatus(): Status {
    const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: this.message, reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** A group-qualified resource name as upstream prints it: `pods`, `deployments.apps`. */
export function qualifiedResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export const errors = {
  notFound(resource: string, group: string, name: string): StatusError {
    return new StatusError(404, "NotFound", `${qualifiedResource(resource, group)} "${name}" not found`, { name, group, kind: resource });
  },
  alreadyExists(resource: string, group: string, name: string): StatusError {
    return new StatusError(409, "AlreadyExists", `${qualifiedResource(resource, group)} "${name}" already exists`, { name, group, kind: resource });
  },
  conflict(resource: string, group: string, name: string, why: string): StatusError {
    return new StatusError(409, "Conflict", `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${why}`, { name, group, kind: resource });
  },
  /** 422: `The Deployment "x" is invalid: field: Invalid value: ...`; kubectl rebuilds its message from causes. */
  invalid(kind: string, group: string, name: string, causes: FieldError[]): StatusError {
    const list = causes.map(fieldErrorMessage);
    const msg = `${kind} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(", ")}]`}`;
    return new StatusError(422, "Invalid", msg, {
      name, group, kind,
      causes: causes.map((c) => ({ reason: c.type, message: fieldErrorDetail(c), field: c.field })),
    });
  },
  /** Unknown path, or a resource the group/version does not serve. */
  notFoundPath(_path?: string): StatusError {
    return new StatusError(404, "NotFound", "the server could not find the requested resource", {});
  },
  badRequest(message: string): StatusError {
    return new StatusError(400, "BadRequest", message);
  },
  unauthorized(message = "Unauthorized"): StatusError {
    return new StatusError(401, "Unauthorized", message);
  },
  forbidden(message: string, details?: StatusDetails): StatusError {
    return new StatusError(403, "Forbidden", message, details);
  },
  gone(message: string): StatusError {
    return new StatusError(410, "Expired", message);
  },
  methodNotAllowed(message: string): StatusError {
    return new StatusError(405, "MethodNotAllowed", message);
  },
  notAcceptable(message: string): StatusError {
    return new StatusError(406, "NotAcceptable", message);
  },
  unsupportedMediaType(contentType: string): StatusError {
    return new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got "${contentType}")`);
  },
  tooLarge(limit: number): StatusError {
    return new StatusError(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limit}`);
  },
  tooManyRequests(message: string, retryAfterSeconds = 1): StatusError {
    return new StatusError(429, "TooManyRequests", message, { retryAfterSeconds });
  },
  timeout(message: string): StatusError {
    return new StatusError(504, "Timeout", message);
  },
  internal(message: string): StatusError {
    return new StatusError(500, "InternalError", `Internal error occurred: ${message}`);
  },
};

/**
 * A validation failure on one field, as in k8s.io/apimachinery/pkg/util/validation/field.
 * `type` is the cause reason upstream sends (FieldValueInvalid, FieldValueRequired, ...).
 */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  /** The offending value, printed in the message for Invalid/NotSupported/Duplicate. */
  value?: unknown;
  detail?: string;
}

export type FieldErrorType =
  | "FieldValueInvalid" | "FieldValueRequired" | "FieldValueNotSupported" | "FieldValueDuplicate"
  | "FieldValueForbidden" | "FieldValueTooLong" | "FieldValueTooMany" | "FieldValueNotFound";

const typeWords: Record<FieldErrorType, string> = {
  FieldValueInvalid: "Invalid value",
  FieldValueRequired: "Required value",
  FieldValueNotSupported: "Unsupported value",
  FieldValueDuplicate: "Duplicate value",
  FieldValueForbidden: "Forbidden",
  FieldValueTooLong: "Too long",
  FieldValueTooMany: "Too many",
  FieldValueNotFound: "Not found",
};

/** A value that knows how Go's %#v would print it (upstream's messages print Go values). */
interface GoPrintable { goString(): string }

function printValue(v: unknown): string {
  if (typeof v === "object" && v !== null && typeof (v as Partial<GoPrintable>).goString === "function") return (v as GoPrintable).goString();
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined) return "null";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** The cause message upstream sends: `Invalid value: "Bad_Name": a lowercase RFC 1123 ...`. */
export function fieldErrorDetail(e: FieldError): string {
  const words = typeWords[e.type];
  const withValue = e.type === "FieldValueInvalid" || e.type === "FieldValueNotSupported" || e.type === "FieldValueDuplicate";
  let s = withValue ? `${words}: ${printValue(e.value)}` : words;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function fieldErrorMessage(e: FieldError): string {
  return `${e.field}: ${fieldErrorDetail(e)}`;
}

export const field = {
  invalid: (path: string, value: unknown, detail: string): FieldError => ({ type: "FieldValueInvalid", field: path, value, detail }),
  required: (path: string, detail = ""): FieldError => ({ type: "FieldValueRequired", field: path, detail: detail || undefined }),
  notSupported: (path: string, value: unknown, allowed: string[]): FieldError => ({
    type: "FieldValueNotSupported", field: path, value, detail: `supported values: ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
  }),
  duplicate: (path: string, value: unknown): FieldError => ({ type: "FieldValueDuplicate", field: path, value }),
  forbidden: (path: string, detail: string): FieldError => ({ type: "FieldValueForbidden", field: path, detail }),
  tooLong: (path: string, max: number): FieldError => ({ type: "FieldValueTooLong", field: path, detail: `may not be more than ${max} bytes` }),
};
