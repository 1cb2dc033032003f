/**
 * Rate limiters for requeues, as client-go's workqueue has them: per-item exponential
 * failure backoff, an overall token bucket, and the max of several (the default controller
 * limiter combines the first two, so one hot key backs off alone while a storm of distinct
 * keys is held to the bucket's rate).
 */
import { realClock, type Clock } from "./clock.js";

export interface RateLimiter<K> {
  /** How long to wait before `key` may be processed again; records one more requeue. */
  when(key: K): number;
  /** Stop tracking `key` (it succeeded). */
  forget(key: K): void;
  numRequeues(key: K): number;
}

/** base·2^failures, capped at max. */
export class ItemExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  constructor(private readonly baseMs: number, private readonly maxMs: number) {}

  when(key: K): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = this.baseMs * 2 ** n;
    return Number.isFinite(delay) && delay < this.maxMs ? delay : this.maxMs;
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * A token bucket (golang.org/x/time/rate's reservation arithmetic): `burst` tokens, refilled
 * at `qps` per second; each `when` takes one token, going into debt when there is none.
 */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  private tokens: number;
  private last: number;

  constructor(private readonly qps: number, private readonly burst: number, private readonly clock: Clock = realClock) {
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_key: K): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  forget(_key: K): void {}

  numRequeues(_key: K): number {
    return 0;
  }
}

/** The longest delay of its limiters; requeues count as the largest any of them reports. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  private readonly limiters: RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(key: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(key));
    return max;
  }

  forget(key: K): void {
    for (const l of this.limiters) l.forget(key);
  }

  numRequeues(key: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(key));
    return max;
  }
}

export interface ControllerRateLimiterOptions {
  /** Default 5 ms. */
  baseDelayMs?: number;
  /** Default 1000 s. */
  maxDelayMs?: number;
  /** Default 10. */
  qps?: number;
  /** Default 100. */
  burst?: number;
}

/** client-go's DefaultControllerRateLimiter: exponential 5 ms…1000 s, max'ed with a 10 qps/100 burst bucket. */
export function defaultControllerRateLimiter<K>(opts: ControllerRateLimiterOptions = {}, clock: Clock = realClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialFailureRateLimiter<K>(opts.baseDelayMs ?? 5, opts.maxDelayMs ?? 1_000_000),
    new BucketRateLimiter<K>(opts.qps ?? 10, opts.burst ?? 100, clock),
  );
}
