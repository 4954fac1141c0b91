import { createClient } from "@inventory-manager/sdk";
const client = createClient({ apiKey: process.env.KEY!, baseUrl: process.env.BASE_URL ?? "http://127.0.0.1:8787" });
const item = (await client.POST("/v1/items", { body: { name: "Widget", sku: `W-${Date.now()}`, quantity: 3, reorder_point: 10 } })).data!;
console.log("created", item.id, item.sku);
for await (const low of client.items.list({ low_stock: true })) console.log("low:", low.sku, low.quantity);
