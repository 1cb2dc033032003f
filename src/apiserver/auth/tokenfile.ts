/**
 * Static bearer tokens, from upstream's `--token-auth-file` CSV format:
 * `token,user,uid,"group1,group2"` (the groups column is optional; further columns are
 * ignored). Error messages name the file and line but never contain a token.
 */
import { readFileSync } from "node:fs";
import { requestToken } from "./request.js";
import type { Authenticator, AuthRequest, UserInfo } from "./types.js";
import { withAuthenticatedGroup } from "./types.js";

export interface TokenEntry {
  token: string;
  user: UserInfo;
}

/** Records of an RFC 4180 CSV text, with Go's encoding/csv rules (no trimming, blank lines skipped). */
export function parseCsv(text: string, source: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  const fail = (line: number, col: number, what: string): never => {
    throw new Error(`${source}: parse error on line ${line}, column ${col}: ${what}`);
  };
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    // Blank lines are not records.
    if (text[i] === "\n" || (text[i] === "\r" && text[i + 1] === "\n")) {
      i += text[i] === "\r" ? 2 : 1;
      line++;
      continue;
    }
    const startLine = line;
    const fields: string[] = [];
    let lineStart = i;
    for (;;) {
      let field = "";
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= n) fail(startLine, i - lineStart + 1, 'extraneous or missing " in quoted-field');
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
            i++;
            break;
          }
          if (c === "\n") { line++; lineStart = i + 1; }
          field += c;
          i++;
        }
        const next = text[i];
        if (i < n && next !== "," && next !== "\n" && !(next === "\r" && text[i + 1] === "\n")) {
          fail(line, i - lineStart + 1, 'extraneous or missing " in quoted-field');
        }
      } else {
        while (i < n && text[i] !== "," && text[i] !== "\n" && !(text[i] === "\r" && text[i + 1] === "\n")) {
          if (text[i] === '"') fail(line, i - lineStart + 1, 'bare " in non-quoted-field');
          field += text[i];
          i++;
        }
      }
      fields.push(field);
      if (i < n && text[i] === ",") { i++; continue; }
      break;
    }
    records.push({ line: startLine, fields });
    if (i < n) {
      i += text[i] === "\r" ? 2 : 1;
      line++;
    }
  }
  return records;
}

/** Parses a token file's text. `source` (the path) only labels errors. */
export function parseTokenFile(text: string, source: string): TokenEntry[] {
  const entries = new Map<string, TokenEntry>();
  for (const { line, fields } of parseCsv(text, source)) {
    if (fields.length < 3) {
      throw new Error(`token file '${source}' must have at least 3 columns (token, user name, user uid), found ${fields.length} on line ${line}`);
    }
    const [token = "", username = "", uid = "", groups] = fields;
    // Upstream skips empty tokens with a warning; a later duplicate wins.
    if (token === "") continue;
    const user: UserInfo = { username, groups: groups === undefined ? [] : groups.split(",").filter((g) => g !== "") };
    if (uid !== "") user.uid = uid;
    entries.set(token, { token, user });
  }
  return [...entries.values()];
}

/** Authenticates bearer tokens (header or websocket subprotocol) against a fixed list. */
export function staticTokenAuthenticator(entries: readonly TokenEntry[]): Authenticator {
  const byToken = new Map<string, UserInfo>();
  for (const e of entries) byToken.set(e.token, e.user);
  return {
    authenticate(req: AuthRequest): UserInfo | null {
      const token = requestToken(req.headers);
      if (token === null) return null;
      const u = byToken.get(token);
      if (!u) return null;
      const out: UserInfo = { username: u.username, groups: withAuthenticatedGroup(u.groups) };
      if (u.uid !== undefined) out.uid = u.uid;
      return out;
    },
  };
}

/** Reads `path` once, at start, as upstream does; a malformed file throws. */
export function tokenFileAuthenticator(path: string): Authenticator {
  return staticTokenAuthenticator(parseTokenFile(readFileSync(path, "utf8"), path));
}
