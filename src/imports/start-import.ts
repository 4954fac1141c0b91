import type { Actor } from "../db/audit.ts";
import { insertImport } from "../db/imports.ts";
import type { ImportRow } from "../db/schema.ts";
import { nowIso } from "../lib/clock.ts";
import { ApiError } from "../lib/errors.ts";
import { PLANS, type PlanName } from "../plans.ts";
import type { Services } from "../services/index.ts";
import type { CsvUpload } from "./upload.ts";

export interface ImportOptions {
  dryRun: boolean;
  onError: "fail" | "skip";
}

/**
 * Makes an import of an uploaded file, within the plan's rows a file (§3: `413 payload_too_large`
 * past them, since the file is too large for the plan), and hands it to its Durable Object, which
 * runs a small one to its end at once and a large one in the background. Answers its row.
 */
export async function startImport(
  services: Pick<Services, "db" | "importers">,
  actor: Actor,
  plan: PlanName,
  upload: CsvUpload,
  options: ImportOptions,
): Promise<ImportRow> {
  const rows = Math.max(upload.records - 1, 0);
  const limit = PLANS[plan].rowsPerImport;
  if (rows > limit) {
    throw new ApiError(
      "payload_too_large",
      `The file has ${rows.toLocaleString("en-US")} rows; the ${plan} plan imports at most ${limit.toLocaleString("en-US")} rows a file. Split it into smaller files.`,
    );
  }
  const now = nowIso();
  await insertImport(services.db, {
    id: upload.importId,
    companyId: actor.companyId,
    status: "pending",
    dryRun: options.dryRun,
    onError: options.onError,
    blobKey: upload.key,
    sizeBytes: upload.size,
    rowsTotal: rows,
    errors: [],
    userId: actor.userId,
    apiKeyId: actor.apiKeyId,
    requestId: actor.requestId,
    createdAt: now,
    updatedAt: now,
  });
  upload.claimed = true;
  return services.importers.getByName(upload.importId).start(upload.importId, rows);
}
