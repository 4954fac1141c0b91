import { describe, expect, it } from "vitest";
import { createCompany, type TestCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { createItem } from "../../helpers/items.ts";
import { runCommonRouteTests, type Fixture } from "../../helpers/security.ts";
import {
  MISSING_SNAPSHOT,
  restoreSnapshot,
  sha256Hex,
  takeSnapshot,
  type Restore,
  type Snapshot,
} from "../../helpers/snapshots.ts";

type SnapshotFixture = Fixture & { object: Snapshot; restoreId?: string; restore?: Restore };

/** A complete snapshot of one item, taken with the company's admin key. */
async function snapshotOf(company: TestCompany): Promise<SnapshotFixture> {
  const api = client(company.apiKey);
  await createItem(api, { name: "Secret Widget", quantity: 7 });
  const snapshot = await takeSnapshot(api, "owner's");
  return { id: snapshot.id, object: snapshot };
}

/** A snapshot and a finished restore of it. */
async function restoredSnapshot(company: TestCompany): Promise<SnapshotFixture> {
  const fixture = await snapshotOf(company);
  const restore = await restoreSnapshot(client(company.apiKey), fixture.id);
  return { ...fixture, restoreId: restore.id, restore };
}

runCommonRouteTests<SnapshotFixture>({
  name: "snapshots",
  missingId: MISSING_SNAPSHOT,
  create: snapshotOf,
  routes: [
    { method: "GET", path: "/v1/snapshots", status: 200 },
    {
      method: "POST",
      path: "/v1/snapshots",
      body: () => ({ note: "by role" }),
      status: 201,
      expectSuccess: (answer, _, company) =>
        expect(answer.body).toMatchObject({ type: "manual", status: "complete", note: "by role", created_by: company.userId }),
    },
    { method: "GET", path: "/v1/snapshots/:id", status: 200 },
    {
      method: "GET",
      path: "/v1/snapshots/:id/download",
      status: 200,
      expectSuccess: async (answer, snapshot) => {
        expect(answer.headers.get("Content-Type")).toBe("application/gzip");
        expect(await sha256Hex(answer.bytes)).toBe(snapshot.object.sha256);
      },
    },
    { method: "DELETE", path: "/v1/snapshots/:id", status: 204 },
    {
      method: "POST",
      path: "/v1/snapshots/:id/restore",
      status: 200,
      expectSuccess: (answer, snapshot) =>
        expect(answer.body).toMatchObject({ snapshot_id: snapshot.id, status: "complete", items_total: 1 }),
    },
    {
      name: "POST /v1/snapshots/:id/restore?dry_run=true",
      method: "POST",
      path: "/v1/snapshots/:id/restore?dry_run=true",
      status: 200,
      expectSuccess: (answer, snapshot) => expect(answer.body).toMatchObject({ dry_run: true, snapshot_id: snapshot.id }),
    },
    {
      method: "GET",
      path: "/v1/snapshots/:id/restores/:restoreId",
      create: restoredSnapshot,
      status: 200,
      notFoundField: "restore_id",
      expectSuccess: (answer, snapshot) => expect(answer.body).toEqual(snapshot.restore),
    },
  ],
});

/** Two companies: `owner` holds a snapshot (and a restore of it), `intruder` tries to reach them. */
async function twoCompanies() {
  const ownerCo = await createCompany("enterprise");
  const owner = client(ownerCo.apiKey);
  await createItem(owner, { name: "Secret Widget", quantity: 7 });
  const snapshot = await takeSnapshot(owner, "owner's");
  const restore = await restoreSnapshot(owner, snapshot.id);
  const intruderCo = await createCompany("enterprise");
  await createItem(client(intruderCo.apiKey), { name: "Intruder's own" });
  return { ownerCo, owner, snapshot, restore, intruderCo, intruder: client(intruderCo.apiKey) };
}

describe("another company's snapshots and restores", () => {
  it("another company's restore is 404, under its own snapshot's id or the real one", async () => {
    const { owner, snapshot, restore, intruder } = await twoCompanies();
    const own = await takeSnapshot(intruder);
    for (const path of [
      `/v1/snapshots/${snapshot.id}/restores/${restore.id}`,
      `/v1/snapshots/${own.id}/restores/${restore.id}`,
    ]) {
      expectApiError(await intruder.get(path), 404, "not_found", "restore_id");
    }
    // The owner sees it, but only under the snapshot it belongs to.
    expect((await owner.get(`/v1/snapshots/${snapshot.id}/restores/${restore.id}`)).body).toEqual(restore);
    const other = await takeSnapshot(owner);
    expectApiError(await owner.get(`/v1/snapshots/${other.id}/restores/${restore.id}`), 404, "not_found", "restore_id");
  });

  it("lists only the key's company's snapshots", async () => {
    const { snapshot, restore, intruder } = await twoCompanies();
    const own = await takeSnapshot(intruder);
    const list = await intruder.get("/v1/snapshots");
    expect(list.body).toEqual({ data: [own], pagination: { total: 1, limit: 50, offset: 0, has_more: false } });
    expect(JSON.stringify(list.body)).not.toContain(snapshot.id);
    expect(JSON.stringify(list.body)).not.toContain(restore.pre_restore_snapshot_id);
  });
});
