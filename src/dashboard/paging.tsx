// Cursor paging for the dashboard's lists, as the API's: a page is read after or before an object
// (`starting_after` / `ending_before`, its id), newest first; the links keep the list's filters.
import type { Page } from "../lib/pagination.ts";

/** Rows a dashboard list shows at once. */
export const DASHBOARD_PAGE_SIZE = 25;

const CURSOR = /^[A-Za-z0-9_]{1,64}$/;

/** The page the query asks for (a malformed cursor reads the first page). */
export function pageFromQuery(query: Record<string, string | undefined>, limit = DASHBOARD_PAGE_SIZE): Page {
  const after = query.starting_after?.trim();
  const before = query.ending_before?.trim();
  if (after && CURSOR.test(after)) return { limit, starting_after: after };
  if (before && CURSOR.test(before)) return { limit, ending_before: before };
  return { limit };
}

/** `path?filters&extra` without empty values. */
export function withQuery(path: string, filters: Record<string, string | undefined>, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ ...filters, ...extra })) if (value) params.set(name, value);
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

/** Newer / older links under a list (none when it all fits on one page). */
export function Pager(props: {
  path: string;
  filters: Record<string, string | undefined>;
  page: Page;
  rows: { id: string }[];
  hasMore: boolean;
  label: string;
}) {
  const { page, rows, hasMore } = props;
  const first = rows[0];
  const last = rows[rows.length - 1];
  const newer = first && (page.starting_after !== undefined || (page.ending_before !== undefined && hasMore));
  const older = last && (page.ending_before !== undefined || hasMore);
  const lost = !first && (page.starting_after !== undefined || page.ending_before !== undefined);
  if (!newer && !older && !lost) return null;
  return (
    <nav class="pager" aria-label={`${props.label} pages`}>
      {newer ? <a class="button button-secondary button-small" rel="prev" href={withQuery(props.path, props.filters, { ending_before: first.id })}>← Newer</a> : <span></span>}
      {lost && <a href={withQuery(props.path, props.filters)}>Back to the first page</a>}
      {older ? <a class="button button-secondary button-small" rel="next" href={withQuery(props.path, props.filters, { starting_after: last.id })}>Older →</a> : <span></span>}
    </nav>
  );
}

/** Integer fields of a form: a whole number, or the field's error (empty: undefined). */
export function wholeNumber(value: string | undefined): number | undefined | "invalid" {
  const text = (value ?? "").trim();
  if (text === "") return undefined;
  if (!/^[+-]?\d{1,15}$/.test(text)) return "invalid";
  return Number(text);
}
