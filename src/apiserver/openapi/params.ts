/**
 * The path and query parameters of the operations in an OpenAPI v3 document, with upstream's
 * names, places and types (descriptions are our own words).
 */

export interface Parameter {
  name: string;
  in: "path" | "query";
  description: string;
  required?: boolean;
  schema: { type: "string" | "integer" | "boolean"; uniqueItems: true };
}

function query(name: string, type: Parameter["schema"]["type"], description: string): Parameter {
  return { name, in: "query", description, schema: { type, uniqueItems: true } };
}

export function pathParam(name: string, description: string): Parameter {
  return { name, in: "path", description, required: true, schema: { type: "string", uniqueItems: true } };
}

export const namespaceParam = pathParam("namespace", "object name and auth scope, such as for teams and projects");

export const p = {
  pretty: query("pretty", "string", "If 'true', the output is pretty printed."),
  dryRun: query("dryRun", "string", "When present, modifications are not persisted. The only valid value is All: every dry-run stage is processed."),
  fieldManager: query("fieldManager", "string", "Name of the actor making these changes, recorded in managedFields. At most 128 printable characters. Required for apply patches."),
  fieldValidation: query(
    "fieldValidation",
    "string",
    "How the server treats unknown or duplicate fields in the request object (POST/PUT/PATCH): Ignore drops them silently, Warn (the default) drops them and returns a Warning header for each, Strict fails the request with a BadRequest listing all of them.",
  ),
  force: query("force", "boolean", "Re-acquire fields owned by other managers in an apply request. Must be unset for other patch types."),
  allowWatchBookmarks: query("allowWatchBookmarks", "boolean", "Ask for BOOKMARK watch events. Servers may send them at their discretion; ignored when not watching."),
  continue: query("continue", "string", "The continue token of a previous paged list, to fetch the next page. Not supported with watch."),
  fieldSelector: query("fieldSelector", "string", "Restrict the returned objects by their fields. Defaults to everything."),
  labelSelector: query("labelSelector", "string", "Restrict the returned objects by their labels. Defaults to everything."),
  limit: query("limit", "integer", "Maximum number of items to return; the list metadata carries a continue token when more exist. Not supported with watch."),
  resourceVersion: query("resourceVersion", "string", "Constrains which resource versions the request may be served from; see the API concepts documentation. Defaults to unset."),
  resourceVersionMatch: query("resourceVersionMatch", "string", "How resourceVersion applies to a list: Exact or NotOlderThan. Defaults to unset."),
  sendInitialEvents: query("sendInitialEvents", "boolean", "With watch=true, start the stream with synthetic ADDED events for the current state, then a bookmark."),
  timeoutSeconds: query("timeoutSeconds", "integer", "Timeout for the list or watch call, regardless of activity."),
  watch: query("watch", "boolean", "Watch for changes and return them as a stream of add, update and remove notifications. Specify resourceVersion."),
  gracePeriodSeconds: query("gracePeriodSeconds", "integer", "Seconds before the object is deleted; zero means now. Defaults to the kind's own grace period."),
  orphanDependents: query("orphanDependents", "boolean", "Deprecated: use propagationPolicy. Whether dependents are orphaned instead of garbage collected."),
  propagationPolicy: query("propagationPolicy", "string", "Whether and how garbage collection deletes dependents: Orphan, Background or Foreground."),
};

export const listParams: Parameter[] = [
  p.allowWatchBookmarks,
  p.continue,
  p.fieldSelector,
  p.labelSelector,
  p.limit,
  p.resourceVersion,
  p.resourceVersionMatch,
  p.sendInitialEvents,
  p.timeoutSeconds,
  p.watch,
];

export const writeParams: Parameter[] = [p.dryRun, p.fieldManager, p.fieldValidation];
export const patchParams: Parameter[] = [p.dryRun, p.fieldManager, p.fieldValidation, p.force];
export const deleteParams: Parameter[] = [p.dryRun, p.gracePeriodSeconds, p.orphanDependents, p.propagationPolicy];
export const deleteCollectionParams: Parameter[] = [
  p.continue,
  p.dryRun,
  p.fieldSelector,
  p.gracePeriodSeconds,
  p.labelSelector,
  p.limit,
  p.orphanDependents,
  p.propagationPolicy,
  p.resourceVersion,
  p.resourceVersionMatch,
  p.sendInitialEvents,
  p.timeoutSeconds,
];
