/**
 * Label and field selectors (the `labelSelector` / `fieldSelector` query parameters and
 * `metav1.LabelSelector`). Pure parsing and matching; imports only machinery/.
 */
export { LabelSelector, parseLabelSelector, labelSelectorFromObject, type LabelRequirement, type LabelOperator, type LabelSelectorObject } from "./labels.js";
export { parseFieldSelector, fieldSelectorFromSet, escapeFieldValue, unescapeFieldValue, type FieldSelector, type FieldRequirement, type FieldOperator } from "./fields.js";
