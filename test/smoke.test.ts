import { describe, expect, it } from "vitest";
import { createCompany } from "./helpers/factories.ts";
import { callJson, client } from "./helpers/http.ts";

describe("smoke", () => {
  it("creates and lists an item", async () => {
    const co = await createCompany();
    const api = client(co.apiKey);
    const created = await api.post("/v1/items", { name: "Widget Pro X", sku: "WPX-001", quantity: 100 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Widget Pro X", quantity: 100, location: null });
    const list = await api.get("/v1/items?search=wid");
    expect(list.body.pagination.total).toBe(1);
    const health = await callJson("GET", "/health");
    expect(health.body).toEqual({ status: "ok" });
  });
});
