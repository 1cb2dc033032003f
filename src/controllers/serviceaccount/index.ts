/**
 * The service account controller (upstream's pkg/controller/serviceaccount): a `default`
 * ServiceAccount in every active namespace, made again when deleted. Pods default to it
 * through the ServiceAccount admission plugin (src/apiserver/admission/service-account.ts).
 * Tokens come with the security work. Imports client/, api/, machinery/ and the runtime only.
 */
export { serviceAccountController, type ServiceAccountControllerOptions } from "./controller.js";
export { defaultServiceAccounts, isActive, missingAccounts } from "./accounts.js";
