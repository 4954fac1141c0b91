import { describe, expect, it } from "vitest";
import { createCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";

describe("events: errors", () => {
  it("an unknown type or prefix is 400 naming type", async () => {
    const api = client((await createCompany()).apiKey);
    for (const type of ["item.nope", "nope.*", "item", "**"]) {
      const response = await api.get(`/v1/events?type=${encodeURIComponent(type)}`);
      expectApiError(response, 400, "invalid_request", "type");
    }
  });

  it("a since that is no time is 400 naming since", async () => {
    const api = client((await createCompany()).apiKey);
    expectApiError(await api.get("/v1/events?since=yesterday"), 400, "invalid_request", "since");
  });

  it("an unknown event is 404 naming id", async () => {
    const api = client((await createCompany()).apiKey);
    const response = await api.get("/v1/events/event_Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9");
    expectApiError(response, 404, "not_found", "id");
    expect(response.body.error.message).toContain("event");
  });
});
