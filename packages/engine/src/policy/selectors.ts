// Label selectors (metav1.LabelSelector): matchLabels and matchExpressions are ANDed; an empty
// selector matches everything. NotIn and DoesNotExist also match objects without the key.
import type { Requirement, Selector } from "./model.ts";

export function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case "In":
      return has && r.values.includes(labels[r.key]);
    case "NotIn":
      return !has || !r.values.includes(labels[r.key]);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
  }
}

export function selectorMatches(s: Selector, labels: Record<string, string>): boolean {
  for (const k in s.matchLabels) if (labels[k] !== s.matchLabels[k] || !Object.prototype.hasOwnProperty.call(labels, k)) return false;
  for (const r of s.matchExpressions) if (!requirementMatches(r, labels)) return false;
  return true;
}

export function isEmptySelector(s: Selector): boolean {
  return Object.keys(s.matchLabels).length === 0 && s.matchExpressions.length === 0;
}

/** Whether the selector uses a negative requirement (NotIn, DoesNotExist). */
export function hasNegative(s: Selector | undefined): boolean {
  return !!s && s.matchExpressions.some((r) => r.operator === "NotIn" || r.operator === "DoesNotExist");
}

/** kubectl's text form: "app=web,tier in (a,b),!debug". */
export function selectorText(s: Selector): string {
  const parts = Object.keys(s.matchLabels).sort().map((k) => `${k}=${s.matchLabels[k]}`);
  for (const r of s.matchExpressions) {
    if (r.operator === "Exists") parts.push(r.key);
    else if (r.operator === "DoesNotExist") parts.push(`!${r.key}`);
    else parts.push(`${r.key} ${r.operator === "In" ? "in" : "notin"} (${r.values.join(",")})`);
  }
  return parts.length ? parts.join(",") : "all";
}
