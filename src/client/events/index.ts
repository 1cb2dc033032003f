/** Events: the recorder (client-go's EventRecorder to an API sink) and its correlator. */
export { newEventRecorder, type ClosableEventRecorder, type EventRecorder, type EventRecorderOptions } from "./recorder.js";
export { EventCorrelator, type CorrelateResult, type CorrelatorOptions, type EventPatch } from "./correlator.js";
