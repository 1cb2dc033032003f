export { newEventRecorder, type ClosableEventRecorder, type EventRecorderOptions } from "../../client/events/recorder.js";
