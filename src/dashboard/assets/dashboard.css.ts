// The dashboard's one style sheet, bundled into the Worker as a string (src/dashboard/assets.ts
// serves it under a content-hashed name). No inline styles anywhere: the CSP forbids them.
export const css = String.raw`
:root {
  --bg: #f5f6f8; --surface: #ffffff; --text: #1b1f24; --muted: #555e69; --line: #d9dde3;
  --accent: #1d4ed8; --accent-dark: #1e3a8a; --accent-soft: #e8eefc;
  --danger: #b42318; --danger-soft: #fdecea; --ok: #166534; --ok-soft: #e7f6ec; --warn: #8a4b00; --warn-soft: #fff4e0;
  --radius: 8px; --shadow: 0 1px 2px rgba(16, 24, 40, .06), 0 1px 3px rgba(16, 24, 40, .08);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 16px; line-height: 1.5; color: var(--text); background: var(--bg);
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
body { margin: 0; min-height: 100vh; }
a { color: var(--accent); }
a:hover { color: var(--accent-dark); }
:focus-visible { outline: 3px solid #93b4f5; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--surface); padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: 1rem; top: 1rem; }

/* Shell: a sidebar at laptop widths, a bar on top at phone widths. */
.shell { display: grid; grid-template-columns: 240px minmax(0, 1fr); min-height: 100vh; }
.shell > * { min-width: 0; }
.sidebar { background: #111827; color: #e5e7eb; padding: 1.25rem 1rem; display: flex; flex-direction: column; gap: 1.5rem; }
.brand { color: #fff; font-weight: 700; font-size: 1.05rem; text-decoration: none; display: flex; align-items: center; gap: .5rem; }
.brand-mark { width: 28px; height: 28px; border-radius: 6px; background: var(--accent); display: inline-grid; place-items: center; font-size: .9rem; color: #fff; }
.brand:hover { color: #fff; }
.nav { display: flex; flex-direction: column; gap: .15rem; }
.nav-heading { font-size: .75rem; text-transform: uppercase; letter-spacing: .06em; color: #9ca3af; margin: .9rem .6rem .3rem; }
.nav a { color: #e5e7eb; text-decoration: none; padding: .45rem .6rem; border-radius: 6px; }
.nav a:hover { background: #1f2937; color: #fff; }
.nav a[aria-current="page"] { background: #1f2937; color: #fff; box-shadow: inset 3px 0 0 #60a5fa; }
.account { margin-top: auto; font-size: .875rem; color: #d1d5db; display: flex; flex-direction: column; gap: .5rem; overflow-wrap: anywhere; }
.account strong { color: #fff; }
.account a { color: #bfdbfe; }
.account .button { width: 100%; }
.main { padding: 2rem clamp(1rem, 4vw, 3rem); max-width: 1100px; width: 100%; }
.page-header { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: .5rem 1rem; margin-bottom: 1.25rem; }
h1 { font-size: 1.6rem; margin: 0; line-height: 1.25; }
h2 { font-size: 1.15rem; margin: 0 0 .75rem; }
.subtitle { color: var(--muted); margin: .25rem 0 0; }

/* Cards, grids, tables */
.card { background: var(--surface); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: var(--shadow); padding: 1.25rem; margin-bottom: 1.25rem; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 1rem; margin-bottom: 1.25rem; }
.stat { background: var(--surface); border: 1px solid var(--line); border-radius: var(--radius); padding: 1rem 1.25rem; box-shadow: var(--shadow); }
.stat-label { color: var(--muted); font-size: .875rem; margin: 0; }
.stat-value { font-size: 1.75rem; font-weight: 650; margin: .25rem 0 0; }
.stat-note { font-size: .8rem; color: var(--muted); margin: 0; }
.table-wrap { overflow-x: auto; position: relative; }
.table-wrap:focus-visible { outline-offset: 0; }
table { border-collapse: collapse; width: 100%; font-size: .925rem; }
th, td { text-align: left; padding: .6rem .75rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-weight: 600; color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; white-space: nowrap; }
tbody tr:last-child td { border-bottom: 0; }
td.actions { white-space: nowrap; text-align: right; }
td.actions form { display: inline-flex; gap: .35rem; align-items: center; margin: 0 0 0 .35rem; }
.mono { white-space: nowrap; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: .1rem .5rem; border-radius: 999px; font-size: .78rem; font-weight: 600; background: #eef0f3; color: #374151; white-space: nowrap; }
.badge-ok { background: var(--ok-soft); color: var(--ok); }
.badge-danger { background: var(--danger-soft); color: var(--danger); }
.badge-warn { background: var(--warn-soft); color: var(--warn); }
.badge-accent { background: var(--accent-soft); color: var(--accent-dark); }
.meter { height: 8px; background: #eef0f3; border-radius: 999px; overflow: hidden; margin-top: .5rem; }
.meter > span { display: block; height: 100%; background: var(--accent); }
.meter > span.w-0 { width: 0%; } .meter > span.w-5 { width: 5%; } .meter > span.w-10 { width: 10%; } .meter > span.w-15 { width: 15%; } .meter > span.w-20 { width: 20%; } .meter > span.w-25 { width: 25%; } .meter > span.w-30 { width: 30%; } .meter > span.w-35 { width: 35%; } .meter > span.w-40 { width: 40%; } .meter > span.w-45 { width: 45%; } .meter > span.w-50 { width: 50%; } .meter > span.w-55 { width: 55%; } .meter > span.w-60 { width: 60%; } .meter > span.w-65 { width: 65%; } .meter > span.w-70 { width: 70%; } .meter > span.w-75 { width: 75%; } .meter > span.w-80 { width: 80%; } .meter > span.w-85 { width: 85%; } .meter > span.w-90 { width: 90%; } .meter > span.w-95 { width: 95%; } .meter > span.w-100 { width: 100%; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .4rem 1.5rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }

/* Forms */
form.stack { display: grid; gap: 1rem; max-width: 520px; }
form.inline-fields { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 1rem; align-items: start; }
.field { display: grid; gap: .3rem; }
.field label { font-weight: 600; font-size: .925rem; }
.hint { color: var(--muted); font-size: .825rem; margin: 0; }
input, select { font: inherit; padding: .55rem .7rem; border: 1px solid #b8bfc9; border-radius: 6px; background: #fff; color: var(--text); width: 100%; min-height: 2.5rem; }
input[readonly] { background: #f3f4f6; }
.field-error { color: var(--danger); font-size: .85rem; margin: 0; font-weight: 500; }
[aria-invalid="true"] { border-color: var(--danger); box-shadow: 0 0 0 1px var(--danger); }
.form-actions { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; }
.button { display: inline-flex; align-items: center; justify-content: center; gap: .4rem; font: inherit; font-weight: 600; font-size: .925rem; padding: .5rem 1rem; min-height: 2.5rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; }
.button:hover { background: var(--accent-dark); border-color: var(--accent-dark); color: #fff; }
.button-secondary { background: #fff; color: var(--text); border-color: #b8bfc9; }
.button-secondary:hover { background: #f3f4f6; color: var(--text); border-color: #9aa3ae; }
.button-danger { background: #fff; color: var(--danger); border-color: #e4a6a0; }
.button-danger:hover { background: var(--danger-soft); color: var(--danger); border-color: var(--danger); }
.button-small { padding: .3rem .65rem; min-height: 2rem; font-size: .85rem; }
td.actions select { width: auto; min-height: 2rem; padding: .25rem .4rem; font-size: .85rem; }

/* Lists: numbers, low stock, paging */
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.row-low td { background: #fffaf0; }
tr.row-low td:first-child { box-shadow: inset 3px 0 0 #d97706; }
.badge-large { font-size: .9rem; padding: .25rem .75rem; }
.stat-low { border-color: #f0c27a; background: var(--warn-soft); }
.stat-low .stat-value { color: var(--warn); }
.stat-text { font-size: 1.15rem; overflow-wrap: anywhere; }
.pager { display: flex; justify-content: space-between; align-items: center; gap: 1rem; margin-top: 1rem; }
form[role="search"] { align-items: end; }
form.stack-wide { max-width: 820px; }
fieldset.lines { border: 1px solid var(--line); border-radius: var(--radius); padding: .75rem 1rem 1rem; margin: 0; display: grid; gap: .75rem; }
fieldset.lines legend { font-weight: 600; padding: 0 .35rem; }
.actions-row { margin-top: 1rem; }
.actions-row form { margin: 0; }
.wrap-any { overflow-wrap: anywhere; }
td.wrap { min-width: 16rem; overflow-wrap: anywhere; }
input.input-small { width: 8rem; min-height: 2rem; padding: .3rem .5rem; }

/* The stock chart (inline SVG) */
.chart { margin: 0; }
.chart-svg { width: 100%; height: auto; display: block; }
.chart-grid line { stroke: #e5e7eb; stroke-width: 1; }
.chart-grid text, .chart-axis { fill: #555e69; font-size: 11px; }
.chart-reorder line { stroke: #b45309; stroke-width: 1.5; stroke-dasharray: 5 4; }
.chart-reorder text { fill: #8a4b00; font-size: 11px; }
.chart-line { fill: none; stroke: var(--accent); stroke-width: 2; }
.chart-point { fill: #fff; stroke: var(--accent); stroke-width: 2; }
.chart-point.is-active { fill: var(--accent); }
.chart-readout { color: var(--muted); font-size: .875rem; margin-top: .5rem; min-height: 1.5em; }

/* Notices and the shown-once secret */
.notice { border-radius: var(--radius); padding: .85rem 1rem; margin-bottom: 1.25rem; border: 1px solid; }
.notice p { margin: .25rem 0 0; }
.notice-ok { background: var(--ok-soft); border-color: #a7d8b8; color: #0f3d22; }
.notice-error { background: var(--danger-soft); border-color: #f1b5ae; color: #7a1a12; }
.notice-info { background: var(--accent-soft); border-color: #bcd0f7; color: #172554; }
.secret { display: flex; gap: .5rem; margin-top: .75rem; flex-wrap: wrap; }
.secret input { flex: 1 1 320px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.copy-status { font-size: .85rem; color: var(--ok); min-height: 1.2em; margin: .35rem 0 0; }

/* Signed-out pages: one centred card */
.auth { min-height: 100vh; display: grid; place-items: center; padding: 1.5rem; }
.auth-card { width: 100%; max-width: 420px; background: var(--surface); border: 1px solid var(--line); border-radius: 12px; box-shadow: var(--shadow); padding: 2rem; }
.auth-card .brand { color: var(--text); margin-bottom: 1.5rem; }
.auth-card .brand:hover { color: var(--text); }
.auth-card h1 { margin-bottom: .5rem; }
.auth-card form.stack { max-width: none; margin-top: 1.25rem; }
.auth-card .button { width: 100%; }
.auth-card .notice { margin: 1rem 0 0; }
.auth-card form + .hint, .auth-card form + p { margin-top: 1rem; }
.choices { list-style: none; padding: 0; margin: 1rem 0 0; display: grid; gap: .5rem; }
.choices .button { justify-content: space-between; }

@media (max-width: 760px) {
  .shell { grid-template-columns: minmax(0, 1fr); }
  .sidebar { flex-direction: column; gap: .75rem; padding: .75rem 1rem; }
  .nav { flex-direction: row; flex-wrap: wrap; gap: .25rem; }
  .nav-heading { display: none; }
  .nav a { padding: .35rem .6rem; }
  .account { margin-top: 0; flex-direction: row; flex-wrap: wrap; align-items: center; justify-content: space-between; }
  .account .button { width: auto; }
  .main { padding: 1.25rem 1rem; }
  h1 { font-size: 1.35rem; }
  td.actions { white-space: normal; }
  td.actions form { margin: .25rem 0; }
}
`;
