/** The rate-limited work queue and its rate limiters (client-go's workqueue package). */
export { RateLimitedQueue, type QueueOptions } from "./queue.js";
export {
  BucketRateLimiter, ItemExponentialFailureRateLimiter, MaxOfRateLimiter, defaultControllerRateLimiter,
  type ControllerRateLimiterOptions, type RateLimiter,
} from "./ratelimit.js";
export { FakeClock, realClock, type Clock, type TimerHandle } from "./clock.js";
export { runWorker, throttledStderr, type ErrorReporter, type WorkerOptions } from "./worker.js";
