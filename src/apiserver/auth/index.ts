/**
 * Request authentication for the API server: the Authenticator seam, its x509 and static
 * token implementations, and the step that turns a request into a user or a 401.
 */
export * from "./types.js";
export { bearerToken, hasBearerHeader, websocketBearerToken, requestToken, tlsPeer, authRequest, presentsCredentials } from "./request.js";
export type { PeerSocket } from "./request.js";
export { x509Authenticator } from "./x509.js";
export type { X509AuthenticatorOptions } from "./x509.js";
export { tokenFileAuthenticator, staticTokenAuthenticator, parseTokenFile, parseCsv } from "./tokenfile.js";
export type { TokenEntry } from "./tokenfile.js";
export { unionAuthenticator } from "./union.js";
export { isPublicPath, anonymousUser, authenticateRequest } from "./authenticate.js";
export type { AuthOutcome } from "./authenticate.js";
