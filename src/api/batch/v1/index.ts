/** The batch/v1 kinds, in upstream's discovery order. */
import type { ResourceDef } from "../../../machinery/resource.js";
import { cronJobResource } from "./cronjob.js";
import { jobResource } from "./job.js";

export const batchV1Resources: ResourceDef[] = [cronJobResource, jobResource];
