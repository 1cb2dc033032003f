/**
 * Splits a chunked text stream into newline-delimited lines (watch streams are one JSON
 * event per line, and chunks may cut a line anywhere, even inside a UTF-8 sequence).
 */
import { StringDecoder } from "node:string_decoder";

export class LineSplitter {
  private rest = "";
  private readonly decoder = new StringDecoder("utf8");

  constructor(private readonly onLine: (line: string) => void) {}

  /** Feeds a chunk; calls onLine for every complete, non-empty line in it. */
  push(chunk: string | Buffer): void {
    const text = typeof chunk === "string" ? chunk : this.decoder.write(chunk);
    const buf = this.rest + text;
    let from = 0;
    let nl = buf.indexOf("\n");
    // Indexing instead of re-slicing keeps a chunk of thousands of events linear.
    while (nl >= 0) {
      const line = buf.slice(from, nl).trim();
      from = nl + 1;
      if (line) this.onLine(line);
      nl = buf.indexOf("\n", from);
    }
    this.rest = buf.slice(from);
  }

  /** The stream ended: a last line without its newline still counts. */
  end(): void {
    const line = (this.rest + this.decoder.end()).trim();
    this.rest = "";
    if (line) this.onLine(line);
  }
}
