/**
 * The transport-independent request and response of the API server. The HTTPS front end and
 * the in-process transport both translate to these, so every request runs the same chain.
 */

/** Who is asking (structurally the same as auth's UserInfo). */
export interface RequestUser {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface ApiRequest {
  method: string;
  /** Path without the query string, e.g. `/api/v1/namespaces/default/pods`. */
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  body?: Buffer;
  user?: RequestUser;
  /** Aborted when the client goes away (ends watches). */
  signal?: AbortSignal;
}

/** A streamed body: `start` begins writing and returns a function that stops it. */
export interface ResponseStream {
  start(sink: StreamSink): () => void;
}

export interface StreamSink {
  /** False when the client is not keeping up: a producer that can pause should wait for onDrain. */
  write(chunk: string): boolean | void;
  end(): void;
  /** Calls `fn` once when written data has gone out (absent: no flow control). */
  onDrain?(fn: () => void): void;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body?: Buffer | string;
  stream?: ResponseStream;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string | string[]> = {}): ApiResponse {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}
