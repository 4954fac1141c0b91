import { expect } from "vitest";
import type { Api } from "./items.ts";

/** The company's events (optionally filtered by a `&type=…` query), oldest first, every page. */
export async function eventsOf(api: Api, query = ""): Promise<any[]> {
  const all: any[] = [];
  for (let after = ""; ; ) {
    const response = await api.get(`/v1/events?limit=100${query}${after}`);
    expect(response.status).toBe(200);
    all.push(...response.body.data);
    if (!response.body.pagination.has_more) return all.reverse();
    after = `&starting_after=${all.at(-1).id}`;
  }
}
