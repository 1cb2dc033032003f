/**
 * The rate-limited work queue controllers run on, with client-go's semantics:
 * - a key waits in the queue at most once (`dirty` dedups adds);
 * - a key is never handed to two workers at once: adding a key that is being processed only
 *   marks it dirty, and `done` puts it back in the queue;
 * - `addAfter` parks keys in one timer heap (a single timer for the earliest, none per key);
 * - `addRateLimited` delays by the rate limiter (per-key backoff max'ed with a token bucket);
 * - `shutDown` stops adds and wakes every waiting `get`, which then returns undefined once
 *   the queue is empty.
 */
import { realClock, type Clock, type TimerHandle } from "./clock.js";
import { Heap } from "./heap.js";
import { defaultControllerRateLimiter, type ControllerRateLimiterOptions, type RateLimiter } from "./ratelimit.js";

export interface QueueOptions<K> extends ControllerRateLimiterOptions {
  /** Replaces the default controller rate limiter (and its baseDelayMs/maxDelayMs/qps/burst). */
  rateLimiter?: RateLimiter<K>;
  clock?: Clock;
}

interface Waiting<K> {
  key: K;
  at: number;
  seq: number;
}

export class RateLimitedQueue<K = string> {
  private queue: K[] = [];
  private head = 0;
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly getters: ((k: K | undefined) => void)[] = [];
  private shuttingDown = false;
  private drained: (() => void)[] = [];

  private readonly clock: Clock;
  private readonly limiter: RateLimiter<K>;
  /** Delayed adds: the current entry of each key (older heap entries for it are stale). */
  private readonly waiting = new Map<K, Waiting<K>>();
  private readonly heap = new Heap<Waiting<K>>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  private seq = 0;
  private timer?: TimerHandle;
  private timerAt = Infinity;

  constructor(opts: QueueOptions<K> = {}) {
    this.clock = opts.clock ?? realClock;
    this.limiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>(opts, this.clock);
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.handOut();
  }

  /** Adds `key` after `ms`; a key already waiting keeps the earlier of its two times. */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const prev = this.waiting.get(key);
    if (prev && prev.at <= at) return;
    const entry: Waiting<K> = { key, at, seq: this.seq++ };
    this.waiting.set(key, entry);
    this.heap.push(entry);
    this.arm();
  }

  /** Adds `key` once the rate limiter allows (each call counts as one more requeue). */
  addRateLimited(key: K): void {
    this.addAfter(key, this.limiter.when(key));
  }

  /** Resets `key`'s backoff (call after it was processed successfully). */
  forget(key: K): void {
    this.limiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.limiter.numRequeues(key);
  }

  /** The next key to process, marked as processing until `done`; undefined once shut down and empty. */
  get(): Promise<K | undefined> {
    const k = this.take();
    if (k !== undefined || this.shuttingDown) return Promise.resolve(k);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Processing of `key` finished; if it was added meanwhile, it goes back in the queue. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.handOut();
    }
    if (this.processing.size === 0 && this.drained.length) {
      for (const r of this.drained.splice(0)) r();
    }
  }

  /** Keys ready to be handed out (not those being processed nor those waiting for a delay). */
  len(): number {
    return this.queue.length - this.head;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
    this.heap.clear();
    this.waiting.clear();
    for (const g of this.getters.splice(0)) g(undefined);
  }

  /** Shuts down, then resolves when no key is being processed any more. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  private take(): K | undefined {
    if (this.head >= this.queue.length) return undefined;
    const k = this.queue[this.head++]!;
    // Drop the consumed prefix now and then, so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(k);
    this.processing.add(k);
    return k;
  }

  private handOut(): void {
    while (this.getters.length && this.len() > 0) {
      const k = this.take()!;
      this.getters.shift()!(k);
    }
  }

  /** One timer, set for the earliest delayed key. */
  private arm(): void {
    let top = this.heap.peek();
    while (top && this.waiting.get(top.key) !== top) {
      this.heap.pop();
      top = this.heap.peek();
    }
    if (!top) {
      this.timer?.cancel();
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer && this.timerAt <= top.at) return;
    this.timer?.cancel();
    this.timerAt = top.at;
    this.timer = this.clock.setTimer(() => this.fire(), top.at - this.clock.now());
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    for (let top = this.heap.peek(); top && top.at <= now; top = this.heap.peek()) {
      this.heap.pop();
      if (this.waiting.get(top.key) !== top) continue;
      this.waiting.delete(top.key);
      this.add(top.key);
    }
    this.arm();
  }
}
