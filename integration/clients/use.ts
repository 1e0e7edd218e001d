// A use of the generated types that tsc --strict must accept: an answer
// and a named schema, as a TypeScript caller would read them.
import type { paths, components } from "./api";

type Analytics = paths["/api/v1/tenants/{tenant_id}/alerts/analytics"]["get"]["responses"][200]["content"]["application/json"];
type Receipt = components["schemas"]["RetentionReceipt"];

export function describe(a: Analytics, r: Receipt): string {
  return `${a.totalAlerts} alerts; purge by ${r.requested_by} finished ${r.finished_at ?? "not yet"}`;
}
