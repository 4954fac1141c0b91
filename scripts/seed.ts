// Seeding many items fast, straight into D1 (no API calls): one recursive-CTE INSERT for the items
// and one INSERT … SELECT for their `initial` ledger rows, so that quantity == sum(ledger) holds.
// Used by the snapshot demo and the benchmark.
//
// Item i (1-based) is deterministic, so that callers can address it without reading it back:
//   id             item_demo + i as 19 digits            (seedItemId)
//   name           "<adjective> <noun> <i>"              (seedName: 25 adjectives × 40 nouns, so a
//                                                          two-word combination is 1 item in 1,000)
//   sku            SKU- + i as 7 digits                  (seedSku)
//   quantity       i % 1000
//   location       "Aisle <i % 50>"                      (2% of the items each)
//   barcode        i as 12 digits when i % 3 = 0
//   reorder_point  100 when i % 4 = 0                    (low stock: i % 4 = 0 and i % 1000 < 100)
//   created_at     `createdFrom` + i seconds             (ISO 8601 with milliseconds)

export const SEED_ADJECTIVES = [
  "Steel", "Brass", "Copper", "Nylon", "Rubber", "Plastic", "Heavy", "Light", "Compact", "Mini",
  "Large", "Small", "Round", "Square", "Hex", "Flat", "Long", "Short", "Red", "Blue",
  "Green", "Black", "White", "Silver", "Golden",
] as const;

export const SEED_NOUNS = [
  "Widget", "Bolt", "Nut", "Screw", "Washer", "Bracket", "Hinge", "Gasket", "Valve", "Pipe",
  "Cable", "Clamp", "Spring", "Bearing", "Pulley", "Gear", "Sprocket", "Chain", "Hook", "Latch",
  "Handle", "Knob", "Panel", "Plate", "Rod", "Tube", "Fitting", "Coupling", "Flange", "Seal",
  "Filter", "Fuse", "Switch", "Relay", "Sensor", "Motor", "Pump", "Fan", "Lamp", "Battery",
] as const;

export const SEED_LOCATIONS = 50;

export const seedItemId = (i: number) => `item_demo${String(i).padStart(19, "0")}`;
export const seedSku = (i: number) => `SKU-${String(i).padStart(7, "0")}`;
export const seedName = (i: number) =>
  `${SEED_ADJECTIVES[i % SEED_ADJECTIVES.length]} ${SEED_NOUNS[Math.floor(i / SEED_ADJECTIVES.length) % SEED_NOUNS.length]} ${i}`;
export const seedLocation = (i: number) => `Aisle ${i % SEED_LOCATIONS}`;

/** The part of a D1 binding (Worker or Miniflare's Node proxy) that seeding needs. */
export interface SeedDatabase {
  prepare(query: string): { bind(...values: unknown[]): { run(): Promise<unknown> } };
}

export interface SeedOptions {
  companyId: string;
  /** The user the `initial` ledger rows are recorded for. */
  userId: string;
  count: number;
  /** Number of the first item (default 1); seed 1..1000, then 1001..N to grow an inventory. */
  first?: number;
  /** Epoch seconds; item i is created at createdFrom + i. Default: item `first + count - 1` is now. */
  createdFrom?: number;
}

/** Inserts items first … first + count - 1 of one company, with their `initial` ledger rows. */
export async function seedItems(db: SeedDatabase, options: SeedOptions): Promise<void> {
  const first = options.first ?? 1;
  const last = first + options.count - 1;
  if (options.count <= 0) return;
  const createdFrom = options.createdFrom ?? Math.floor(Date.now() / 1000) - last;
  const adjectives = JSON.stringify(SEED_ADJECTIVES);
  const nouns = JSON.stringify(SEED_NOUNS);
  await db
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < CAST(? AS INTEGER)),
       t(i, at) AS (SELECT i, strftime('%Y-%m-%dT%H:%M:%S.000Z', CAST(? AS INTEGER) + i, 'unixepoch') FROM n)
       INSERT INTO items (id, company_id, name, sku, quantity, location, location_key, barcode, reorder_point, created_at, updated_at)
       SELECT 'item_demo' || printf('%019d', i), ?,
              json_extract(?, '$[' || (i % ${SEED_ADJECTIVES.length}) || ']') || ' ' ||
                json_extract(?, '$[' || ((i / ${SEED_ADJECTIVES.length}) % ${SEED_NOUNS.length}) || ']') || ' ' || i,
              'SKU-' || printf('%07d', i), i % 1000, 'Aisle ' || (i % ${SEED_LOCATIONS}), 'aisle ' || (i % ${SEED_LOCATIONS}),
              CASE WHEN i % 3 = 0 THEN printf('%012d', i) END, CASE WHEN i % 4 = 0 THEN 100 END, at, at
       FROM t`,
    )
    .bind(first, last, createdFrom, options.companyId, adjectives, nouns)
    .run();
  await db
    .prepare(
      `INSERT INTO transactions (id, company_id, item_id, type, quantity_change, quantity_before, quantity_after, user_id, created_at)
       SELECT 'txn_' || substr(id, 6), company_id, id, 'initial', quantity, 0, quantity, ?, created_at
       FROM items WHERE id BETWEEN ? AND ? AND company_id = ? AND quantity > 0`,
    )
    .bind(options.userId, seedItemId(first), seedItemId(last), options.companyId)
    .run();
}
