// A webhook receiver for the benchmark: an HTTP server on 127.0.0.1 that answers 200 to every
// delivery and notes when each event arrived, by the id of the object it carries (a
// transaction's id for `transaction.created`), so that the time from a change's answer to its
// delivery can be measured.
import { createServer } from "node:http";

export async function startWebhookReceiver() {
  const arrivals = new Map<string, number>();
  let deliveries = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const at = performance.now();
      deliveries += 1;
      try {
        const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data: { object: { id: string } } };
        if (!arrivals.has(event.data.object.id)) arrivals.set(event.data.object.id, at);
      } catch {}
      response.writeHead(200).end();
    });
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
  );
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    arrivals,
    get deliveries() {
      return deliveries;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
