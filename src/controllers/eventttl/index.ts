/** The Event TTL controller (see controller.ts). */
export { defaultEventTTLMs, eventTTLController, lastSeenMs, type EventTTLOptions } from "./controller.js";
