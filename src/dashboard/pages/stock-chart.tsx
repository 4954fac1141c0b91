// An item's stock level over time, drawn from its ledger as an inline SVG step line (server-
// rendered, so it needs no script and no inline style). Each ledger row is a point with its time
// and level in data attributes and a <title>; the bundled script only adds the hover read-out.
import type { Transaction } from "../../domain/transactions.ts";
import { nowIso } from "../../lib/clock.ts";
import { formatTime } from "../layout.tsx";

const WIDTH = 640;
const HEIGHT = 200;
const PAD = { left: 44, right: 12, top: 12, bottom: 24 };

export function StockChart({ ledger, reorderPoint, quantity }: { ledger: Transaction[]; reorderPoint: number | null; quantity: number }) {
  // The ledger comes newest first; the chart runs oldest to newest, up to now.
  const points = [...ledger].reverse().map((row) => ({ at: row.created_at, level: row.quantity_after, row }));
  if (points.length === 0) return <p class="muted">No stock movements yet: the chart starts with the first.</p>;
  const start = Date.parse(points[0]!.at);
  const end = Math.max(Date.parse(nowIso()), Date.parse(points[points.length - 1]!.at) + 1);
  const top = Math.max(1, reorderPoint ?? 0, ...points.map((p) => p.level), points[0]!.row.quantity_before) * 1.1;
  const x = (at: string) => PAD.left + ((Date.parse(at) - start) / (end - start || 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (level: number) => HEIGHT - PAD.bottom - (level / top) * (HEIGHT - PAD.top - PAD.bottom);
  const r = (n: number) => Math.round(n * 10) / 10;

  let d = `M ${r(x(points[0]!.at))} ${r(y(points[0]!.row.quantity_before))}`;
  for (const point of points) d += ` H ${r(x(point.at))} V ${r(y(point.level))}`;
  d += ` H ${WIDTH - PAD.right}`;
  const ticks = [0, Math.round(top / 1.1 / 2), Math.round(top / 1.1)].filter((v, i, all) => all.indexOf(v) === i);
  const summary = `From ${points[0]!.row.quantity_before} on ${formatTime(points[0]!.at)} to ${quantity} now, over ${points.length} movement${points.length === 1 ? "" : "s"}${ledger.length >= 100 ? " (the last 100)" : ""}.`;

  return (
    <figure class="chart" data-chart="">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby="chart-svg-title chart-svg-desc" class="chart-svg">
        <title id="chart-svg-title">Stock level over time</title>
        <desc id="chart-svg-desc">{summary}</desc>
        {ticks.map((tick) => (
          <g class="chart-grid">
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={r(y(tick))} y2={r(y(tick))} />
            <text x={PAD.left - 6} y={r(y(tick)) + 4} text-anchor="end">{tick}</text>
          </g>
        ))}
        {reorderPoint !== null && (
          <g class="chart-reorder">
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={r(y(reorderPoint))} y2={r(y(reorderPoint))} />
            <text x={WIDTH - PAD.right} y={r(y(reorderPoint)) - 4} text-anchor="end">reorder point {reorderPoint}</text>
          </g>
        )}
        <path class="chart-line" d={d} />
        {points.map((point) => (
          <circle
            class="chart-point"
            cx={r(x(point.at))}
            cy={r(y(point.level))}
            r="3.5"
            data-label={`${formatTime(point.at)}: ${point.row.type} ${point.row.quantity_change > 0 ? "+" : ""}${point.row.quantity_change}, stock ${point.level}`}
          >
            <title>{`${formatTime(point.at)}: ${point.row.type}, stock ${point.level}`}</title>
          </circle>
        ))}
        <text class="chart-axis" x={PAD.left} y={HEIGHT - 6}>{formatTime(points[0]!.at)}</text>
        <text class="chart-axis" x={WIDTH - PAD.right} y={HEIGHT - 6} text-anchor="end">now</text>
      </svg>
      <figcaption class="chart-readout" data-chart-readout="">{summary}</figcaption>
    </figure>
  );
}
