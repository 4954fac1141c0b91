// The overview: the company, its plan and a few counts, with links to what the role may use.
import { mayUse } from "../access.ts";
import { AppPage, roleLabel } from "../layout.tsx";
import { NAV_ITEMS } from "../nav.ts";
import { DASHBOARD_PATH } from "../paths.ts";
import type { Viewer } from "../types.ts";

export interface OverviewCounts {
  items: number;
  lowStock: number;
  openOrders: number;
  /** Admins only. */
  admin?: { users: number; activeKeys: number };
}

function Stat({ label, value, note }: { label: string; value: number | string; note?: string }) {
  return (
    <div class="stat">
      <p class="stat-label">{label}</p>
      <p class="stat-value">{value}</p>
      {note && <p class="stat-note">{note}</p>}
    </div>
  );
}

export function HomePage({ viewer, counts }: { viewer: Viewer; counts: OverviewCounts }) {
  const links = NAV_ITEMS.filter((item) => item.href !== DASHBOARD_PATH && mayUse(viewer.user.role, item.api));
  return (
    <AppPage
      viewer={viewer}
      title={viewer.company.name}
      current={DASHBOARD_PATH}
      subtitle={`${capitalise(viewer.company.plan)} plan · signed in as ${viewer.user.name} (${roleLabel(viewer.user.role)})`}
    >
      <section class="stats" aria-label="At a glance">
        <Stat label="Items in stock" value={counts.items} />
        <Stat label="Below reorder point" value={counts.lowStock} note="Items whose quantity is under their reorder point." />
        <Stat label="Open purchase orders" value={counts.openOrders} note="Draft, submitted or partly received." />
        {counts.admin && <Stat label="Users" value={counts.admin.users} />}
        {counts.admin && <Stat label="Active API keys" value={counts.admin.activeKeys} />}
      </section>
      <section class="card" aria-labelledby="where-next">
        <h2 id="where-next">Where next</h2>
        <ul>
          {links.map((item) => (
            <li>
              <a href={item.href}>{item.section === "settings" ? `Settings → ${item.label}` : item.label}</a>
            </li>
          ))}
          <li>
            <a href="/docs">API reference</a>
          </li>
        </ul>
      </section>
    </AppPage>
  );
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
