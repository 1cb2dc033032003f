/**
 * Errors of the image subsystem, carrying the kubelet's waiting reasons (`ErrImagePull`,
 * `ErrImageNeverPull`, `InvalidImageName`, ...) so the node agent can put them in
 * container statuses and Events unchanged.
 */

export type ImageErrorReason =
  | "ErrImagePull"
  | "ErrImageNeverPull"
  | "InvalidImageName"
  | "RegistryUnavailable"
  | "ErrImageInspect";

/** Why a pull failed, more finely than the reason (for retry and backoff decisions). */
export type ImageErrorKind = "NotFound" | "Unauthorized" | "Unavailable" | "Invalid" | "Digest" | "Platform" | "Other";

export class ImageError extends Error {
  constructor(
    readonly reason: ImageErrorReason,
    readonly kind: ImageErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ImageError";
  }
}

/** An error answer from a registry (`{"errors":[{"code":"MANIFEST_UNKNOWN",...}]}`). */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly codes: string[],
    message: string,
  ) {
    super(message);
    this.name = "RegistryError";
  }

  get notFound(): boolean {
    return this.status === 404 || this.codes.some((c) => c === "MANIFEST_UNKNOWN" || c === "BLOB_UNKNOWN" || c === "NAME_UNKNOWN");
  }

  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403 || this.codes.some((c) => c === "UNAUTHORIZED" || c === "DENIED");
  }
}

/** Reads a registry error body (JSON `errors` list, or text) into a RegistryError. */
export async function registryErrorFrom(res: Response, what: string): Promise<RegistryError> {
  let text = "";
  try {
    text = await res.text();
  } catch {
    // The body is only detail; the status says enough.
  }
  const codes: string[] = [];
  const messages: string[] = [];
  try {
    const doc = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    for (const e of doc.errors ?? []) {
      if (e.code) codes.push(e.code);
      if (e.message) messages.push(e.message);
    }
  } catch {
    if (text.trim()) messages.push(text.trim().slice(0, 200));
  }
  const detail = messages.length ? messages.join("; ") : res.statusText || `status ${res.status}`;
  let prefix = `${what}: unexpected status ${res.status}`;
  if (res.status === 404) prefix = `${what}: not found`;
  else if (res.status === 401 || res.status === 403) prefix = `${what}: pull access denied, repository does not exist or may require authorization`;
  return new RegistryError(res.status, codes, `${prefix}: ${detail}`);
}
