export * from "../../client/events/correlator.js";
