/**
 * The exact texts upstream uses for strict decoding problems, so that kubectl prints ours as it
 * prints upstream's: `unknown field "spec.replica"`, `duplicate field "metadata.name"`,
 * `strict decoding error: ...`, and the 400 message of create/update
 * `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ...`.
 */

/** Go's `%q` for the strings that occur here (field paths); JSON quoting agrees with it. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

export function unknownFieldMessage(path: string): string {
  return `unknown field ${goQuote(path)}`;
}

export function duplicateFieldMessage(path: string): string {
  return `duplicate field ${goQuote(path)}`;
}

/** runtime.NewStrictDecodingError(errs).Error(). */
export function strictDecodingMessage(problems: string[]): string {
  return `strict decoding error: ${problems.join(", ")}`;
}

/**
 * The BadRequest message of create and update when the body does not decode (upstream's
 * transformDecodeError): `<kind in body> in version "<version in body>" cannot be handled as a
 * <kind of the URL>: <cause>`.
 */
export function cannotBeHandledMessage(bodyKind: string, bodyVersion: string, urlKind: string, cause: string): string {
  return `${bodyKind} in version ${goQuote(bodyVersion)} cannot be handled as a ${urlKind}: ${cause}`;
}

/** The same failure when the body names no kind: upstream shows a summary of the body. */
export function unrecognizedObjectMessage(urlKind: string, cause: string, body: string): string {
  return `the object provided is unrecognized (must be of type ${urlKind}): ${cause} (${summarizeBody(body, 30)})`;
}

function summarizeBody(body: string, max: number): string {
  if (body.length === 0) return "<empty>";
  if (body[0] === "{") return body.length > max ? `${body.slice(0, max)} ...` : body;
  const hex = Buffer.from(body.slice(0, max), "utf8").toString("hex");
  return body.length > max ? `${hex} ...` : hex;
}

/**
 * A `Warning` response header value (RFC 7234 form, as upstream's warning recorder writes it):
 * `299 - "unknown field \"spec.replica\""`. kubectl prints it as `Warning: <text>`.
 */
export function warningHeaderValue(text: string): string {
  return `299 - "${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
