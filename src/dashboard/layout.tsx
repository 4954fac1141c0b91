// The dashboard's page shells and the pieces every page is built from. Server-rendered with
// hono/jsx (escaped by default); no inline script or style, as the CSP requires.
import type { Child, PropsWithChildren } from "hono/jsx";
import { mayUse } from "./access.ts";
import { SCRIPT_URL, STYLESHEET_URL } from "./assets.ts";
import type { FieldErrors, FormValues } from "./forms.ts";
import { NAV_ITEMS } from "./nav.ts";
import { DASHBOARD_PATH } from "./paths.ts";
import type { Viewer } from "./types.ts";

const PRODUCT = "Inventory Manager";

function Document({ title, children }: PropsWithChildren<{ title: string }>) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${title} · ${PRODUCT}`}</title>
        <link rel="stylesheet" href={STYLESHEET_URL} />
        <script src={SCRIPT_URL} defer></script>
      </head>
      <body>{children}</body>
    </html>
  );
}

function Brand() {
  return (
    <a class="brand" href={DASHBOARD_PATH}>
      <span class="brand-mark" aria-hidden="true">IM</span>
      {PRODUCT}
    </a>
  );
}

/** A signed-out page (sign-in, set password, choose company): one centred card. */
export function AuthPage({ title, children }: PropsWithChildren<{ title: string }>) {
  return (
    <Document title={title}>
      <main class="auth">
        <div class="auth-card">
          <Brand />
          {children}
        </div>
      </main>
    </Document>
  );
}

/** A signed-in page: the sidebar with the pages the viewer's role may use, and the content. */
export function AppPage({
  viewer,
  title,
  current,
  subtitle,
  actions,
  children,
}: PropsWithChildren<{ viewer: Viewer; title: string; current: string; subtitle?: Child; actions?: Child }>) {
  const items = NAV_ITEMS.filter((item) => mayUse(viewer.user.role, item.api));
  const link = (item: (typeof items)[number]) => (
    <a href={item.href} aria-current={item.href === current ? "page" : undefined}>
      {item.label}
    </a>
  );
  const settings = items.filter((item) => item.section === "settings");
  return (
    <Document title={title}>
      <a class="skip" href="#content">Skip to content</a>
      <div class="shell">
        <header class="sidebar">
          <Brand />
          <nav class="nav" aria-label="Dashboard">
            {items.filter((item) => item.section === "main").map(link)}
            {settings.length > 0 && <p class="nav-heading" aria-hidden="true">Settings</p>}
            {settings.map(link)}
          </nav>
          <div class="account">
            <div>
              <strong>{viewer.company.name}</strong>
              <br />
              {viewer.user.email} · {roleLabel(viewer.user.role)}
            </div>
            {viewer.sessionUserIds.length > 1 && <a href={`${DASHBOARD_PATH}/choose-company`}>Switch company</a>}
            <form method="post" action={`${DASHBOARD_PATH}/sign-out`}>
              <button class="button button-secondary button-small" type="submit">Sign out</button>
            </form>
          </div>
        </header>
        <main class="main" id="content">
          <div class="page-header">
            <div>
              <h1>{title}</h1>
              {subtitle && <p class="subtitle">{subtitle}</p>}
            </div>
            {actions}
          </div>
          {children}
        </main>
      </div>
    </Document>
  );
}

export function roleLabel(role: Viewer["user"]["role"]): string {
  return role === "read_only" ? "read only" : role;
}

/** A labelled input with its hint and error; the typed value is kept. */
export function Field(props: {
  name: string;
  label: string;
  values?: FormValues;
  errors?: FieldErrors;
  type?: string;
  hint?: string;
  autocomplete?: string;
  required?: boolean;
  readonly?: boolean;
  value?: string;
  maxlength?: number;
}) {
  const id = `field-${props.name}`;
  const error = props.errors?.[props.name];
  const described = [props.hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value ?? props.values?.[props.name] ?? ""}
        autocomplete={props.autocomplete}
        required={props.required}
        readonly={props.readonly}
        maxlength={props.maxlength}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={described || undefined}
      />
      {props.hint && <p class="hint" id={`${id}-hint`}>{props.hint}</p>}
      {error && <p class="field-error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}

export function Select(props: {
  name: string;
  label: string;
  options: readonly (readonly [value: string, label: string])[];
  values?: FormValues;
  errors?: FieldErrors;
  hint?: string;
  selected?: string;
}) {
  const id = `field-${props.name}`;
  const error = props.errors?.[props.name];
  const current = props.values?.[props.name] ?? props.selected;
  const described = [props.hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} aria-invalid={error ? "true" : undefined} aria-describedby={described || undefined}>
        {props.options.map(([value, label]) => (
          <option value={value} selected={value === current}>
            {label}
          </option>
        ))}
      </select>
      {props.hint && <p class="hint" id={`${id}-hint`}>{props.hint}</p>}
      {error && <p class="field-error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}

export function Notice({ kind, title, children }: PropsWithChildren<{ kind: "ok" | "error" | "info"; title?: string }>) {
  return (
    <div class={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {title && <strong>{title}</strong>}
      {children}
    </div>
  );
}

/** The error of the form as a whole, if any (field errors are shown beside their fields). */
export function FormError({ errors }: { errors?: FieldErrors }) {
  const message = errors?.[""];
  return message ? (
    <Notice kind="error" title="That did not work">
      <p>{message}</p>
    </Notice>
  ) : null;
}

/** A value shown this once (a key's secret, a set-password link), with a copy button. */
export function ShownOnce({ id, label, value, children }: PropsWithChildren<{ id: string; label: string; value: string }>) {
  return (
    <div class="notice notice-ok" role="status">
      <strong>{label}</strong>
      {children}
      <div class="secret">
        <label class="sr-only" for={id}>{label}</label>
        <input id={id} type="text" readonly value={value} aria-describedby={`${id}-status`} />
        <button class="button" type="button" data-copy={id} hidden>Copy</button>
      </div>
      <p class="copy-status" id={`${id}-status`} aria-live="polite"></p>
    </div>
  );
}

export function formatTime(iso: string | null): string {
  if (iso === null) return "—";
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
