import { afterEach, describe, expect, it } from "vitest";
import { setClock } from "../../../src/lib/clock.ts";
import { createCompany } from "../../helpers/factories.ts";
import { client, expectApiError } from "../../helpers/http.ts";
import { at, type Api } from "../../helpers/items.ts";
import { orderIn, type Order } from "../../helpers/orders.ts";

// The state machine: draft → submitted → partially_received → received, and cancelled from draft
// or submitted (nothing received yet); every other action is 409 invalid_state. Every action is
// tried from every status, through the API.

afterEach(() => setClock(null));

type Status = Order["status"];
type Action = "edit" | "submit" | "cancel" | "receive";

const STATUSES: Status[] = ["draft", "submitted", "partially_received", "received", "cancelled"];

/** The status each legal action leads to; every other pair is 409 invalid_state. */
const LEGAL: Partial<Record<Status, Partial<Record<Action, Status>>>> = {
  draft: { edit: "draft", submit: "submitted", cancel: "cancelled" },
  submitted: { cancel: "cancelled", receive: "received" },
  partially_received: { receive: "received" },
};

function act(api: Api, order: Order, action: Action) {
  if (action === "edit") return api.patch(`/v1/orders/${order.id}`, { notes: "changed" });
  return api.post(`/v1/orders/${order.id}/${action}`);
}

async function setup() {
  let now = at("2025-01-01T00:00:00.000Z");
  setClock(() => (now += 1000));
  return client((await createCompany("enterprise")).apiKey);
}

const cases = STATUSES.flatMap((status) =>
  (["edit", "submit", "cancel", "receive"] as const).map((action) => [status, action, LEGAL[status]?.[action] ?? null] as const),
);

describe.each(cases)("from %s, %s", (status, action, to) => {
  if (to !== null) {
    it(`is allowed and leads to ${to}`, async () => {
      const api = await setup();
      const { order } = await orderIn(api, status);
      setClock(() => at("2025-09-01T00:00:00.000Z"));
      const response = await act(api, order, action);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      const stamp = "2025-09-01T00:00:00.000Z";
      expect(response.body).toEqual({
        ...order,
        status: to,
        updated_at: stamp,
        ...(action === "edit" ? { notes: "changed" } : {}),
        ...(action === "submit" ? { submitted_at: stamp } : {}),
        ...(action === "cancel" ? { cancelled_at: stamp } : {}),
        ...(action === "receive"
          ? { received_at: stamp, line_items: order.line_items.map((l) => ({ ...l, quantity_received: l.quantity_ordered })) }
          : {}),
      });
      expect((await api.get(`/v1/orders/${order.id}`)).body).toEqual(response.body);
    });
  } else {
    it("is 409 invalid_state naming the current status, and changes nothing", async () => {
      const api = await setup();
      const { order, widget, gadget } = await orderIn(api, status);
      const stockBefore = [(await api.get(`/v1/items/${widget.id}`)).body, (await api.get(`/v1/items/${gadget.id}`)).body];
      const auditBefore = (await api.get("/v1/audit_log")).body.pagination.total;

      const response = await act(api, order, action);
      expectApiError(response, 409, "invalid_state", null);
      expect(response.body.error.message).toContain(`'${status}'`);
      expect(response.body.error.message).toContain(order.number);

      expect((await api.get(`/v1/orders/${order.id}`)).body).toEqual(order);
      expect([(await api.get(`/v1/items/${widget.id}`)).body, (await api.get(`/v1/items/${gadget.id}`)).body]).toEqual(stockBefore);
      expect((await api.get("/v1/audit_log")).body.pagination.total).toBe(auditBefore);
    });
  }
});

describe("receiving moves through partially_received", () => {
  it("submitted → partially_received → partially_received → received, with received_at only at the end", async () => {
    const api = await setup();
    const { order } = await orderIn(api, "submitted");
    const [a, b] = order.line_items;
    const receive = (id: string, quantity: number) =>
      api.post(`/v1/orders/${order.id}/receive`, { line_items: [{ id, quantity }] });

    const first = await receive(a!.id, a!.quantity_ordered);
    expect(first.body).toMatchObject({ status: "partially_received", received_at: null });
    const second = await receive(b!.id, 1);
    expect(second.body).toMatchObject({ status: "partially_received", received_at: null });
    setClock(() => at("2025-09-02T00:00:00.000Z"));
    const last = await receive(b!.id, b!.quantity_ordered - 1);
    expect(last.status).toBe(200);
    expect(last.body).toMatchObject({ status: "received", received_at: "2025-09-02T00:00:00.000Z" });
  });

  it("a partially received order cannot be cancelled, and the message says which statuses can", async () => {
    const api = await setup();
    const { order } = await orderIn(api, "partially_received");
    const response = await api.post(`/v1/orders/${order.id}/cancel`);
    expectApiError(response, 409, "invalid_state", null);
    expect(response.body.error.message).toBe(
      `Order ${order.number} is 'partially_received'; only 'draft' or 'submitted' orders can be cancelled.`,
    );
  });
});
