// console.css. Colours are classes here (the CSP forbids inline styles, and SVG takes
// them from classes too); light and dark follow the system setting.
export const CONSOLE_CSS = String.raw`
:root {
  --bg: #f6f7f9; --card: #fff; --fg: #1d2430; --muted: #667085; --line: #e3e6eb; --accent: #2f5bd3;
  --allow: #1b7f3b; --flag: #9a6700; --redact: #6f42c1; --block: #c62828;
  --s2: #1b7f3b; --s4: #b45309; --s5: #c62828;
  --calls: #7a9be6; --e4: #f0a04b; --e5: #d64545; --c1: #2f5bd3; --c2: #17a2a2; --p95: #d64545;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #14171c; --card: #1c2027; --fg: #e4e7ec; --muted: #98a2b3; --line: #2c323c; --accent: #7da2ff;
    --allow: #4cc277; --flag: #e0b341; --redact: #b392f0; --block: #ff6b6b; --s2: #4cc277; --s4: #f0a04b; --s5: #ff6b6b; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .id { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
h1 { font-size: 20px; margin: 0; }
h2 { font-size: 15px; margin: 0 0 10px; }
h3 { font-size: 13px; margin: 14px 0 6px; }

.top { display: flex; align-items: center; gap: 20px; padding: 10px 20px; background: var(--card); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1; }
.brand { font-weight: 650; color: var(--fg); }
.top nav { display: flex; gap: 4px; flex: 1; }
.top nav a { padding: 5px 12px; border-radius: 6px; color: var(--muted); }
.top nav a.active { background: var(--bg); color: var(--fg); font-weight: 600; }
#logout { margin-left: auto; }
main { padding: 16px 20px 40px; max-width: 1400px; margin: 0 auto; }

.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 0 0 14px; min-width: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 14px; }
.cards > .card { margin: 0; }
.cards + * { margin-top: 14px; }
.title { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; margin: 4px 0 14px; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.nowrap { white-space: nowrap; }
.spacer { flex: 1; }
.tag { display: inline-block; font-size: 12px; font-weight: 500; padding: 1px 8px; border: 1px solid var(--line); border-radius: 10px; color: var(--muted); }

button, input, select, textarea { font: inherit; color: inherit; }
input, select, textarea { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 5px 8px; }
input:focus, select:focus, textarea:focus { outline: 2px solid var(--accent); outline-offset: -1px; }
textarea { width: 100%; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; resize: vertical; }
button { background: var(--accent); color: #fff; border: 1px solid var(--accent); border-radius: 6px; padding: 5px 14px; cursor: pointer; }
button.quiet { background: transparent; color: var(--accent); border-color: var(--line); }
button:disabled { opacity: .45; cursor: default; }
.chip { background: transparent; color: var(--fg); border-color: var(--line); padding: 4px 10px; }
.chip.on { background: var(--accent); border-color: var(--accent); color: #fff; }

.filters .row, .dry-run .row { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: flex-end; }
.filters .row + .row { margin-top: 10px; }
.field { display: flex; flex-direction: column; gap: 3px; }
.field label, .field .label { font-size: 12px; color: var(--muted); }
.field.buttons { flex-direction: row; align-items: center; gap: 12px; }
.presets { display: flex; gap: 6px; }
#f-model, #f-caller, #f-q { width: 170px; }
.actions { margin-top: 10px; display: flex; gap: 10px; }
#dry-result { margin-top: 14px; }
#dry-result .facts { margin-bottom: 10px; }

.toolbar { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin-bottom: 10px; }
.scroll { overflow-x: auto; }
table.grid { width: 100%; border-collapse: collapse; }
.grid th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--line); padding: 6px 8px; white-space: nowrap; }
.grid td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
.grid td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.grid tr.link { cursor: pointer; }
.grid tr.link:hover td { background: var(--bg); }
.preview { max-width: 480px; }
.preview span { display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.empty { color: var(--muted); text-align: center; padding: 24px; }

.badge { display: inline-block; font-size: 11.5px; font-weight: 600; padding: 1px 7px; border-radius: 10px; border: 1px solid currentColor; }
.d-allow { color: var(--allow); } .d-flag { color: var(--flag); } .d-redact { color: var(--redact); } .d-block { color: var(--block); }
.d-none { color: var(--muted); }
.m-enforce { color: var(--block); } .m-monitor { color: var(--flag); }
.status { font-weight: 600; font-variant-numeric: tabular-nums; }
.s2 { color: var(--s2); } .s4 { color: var(--s4); } .s5 { color: var(--s5); }

.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
pre.text { margin: 0; padding: 10px 12px; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 480px; overflow: auto; }
.diff .add { color: var(--allow); } .diff .del { color: var(--block); } .diff .hunk { color: var(--accent); } .diff .file { color: var(--muted); }
details.version { border-top: 1px solid var(--line); padding: 6px 0; }
details.version summary { cursor: pointer; }
details.version pre { margin-top: 6px; }

.error { color: var(--block); background: color-mix(in srgb, var(--block) 8%, transparent); border: 1px solid color-mix(in srgb, var(--block) 30%, transparent); border-radius: 6px; padding: 8px 10px; margin: 8px 0; }
.error ul { margin: 4px 0 0; padding-left: 18px; }
span.error { display: inline; padding: 2px 6px; margin: 0; }

.login { max-width: 420px; margin: 60px auto; display: flex; flex-direction: column; gap: 8px; }
.login label { font-size: 12px; color: var(--muted); margin-top: 6px; }

.tiles { display: flex; gap: 14px; flex-wrap: wrap; margin-bottom: 14px; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 140px; }
.tile-value { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.chart-grid { display: grid; grid-template-columns: 1fr; gap: 14px; margin-bottom: 14px; }
@media (min-width: 900px) { .chart-grid { grid-template-columns: 1fr 1fr; } .chart-grid > :first-child { grid-column: 1 / -1; } }
.chart-card { margin: 0; }
.top-tables { grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); }
.top-table .grid td, .top-table .grid th { padding: 4px 5px; font-size: 12px; }
.chart-card figcaption { font-weight: 600; margin-bottom: 6px; }
svg.chart { width: 100%; height: auto; display: block; overflow: visible; }
.chart .grid-line { stroke: var(--line); stroke-width: 1; }
.chart .axis { fill: var(--muted); font-size: 11px; }
.chart .line { fill: none; stroke-width: 1.8; }
.chart .bar:hover rect { opacity: .8; }
.c-calls { fill: var(--calls); background: var(--calls); }
.c-4xx { fill: var(--e4); background: var(--e4); }
.c-5xx { fill: var(--e5); background: var(--e5); }
.c-prompt { stroke: var(--c1); fill: var(--c1); background: var(--c1); }
.c-completion { stroke: var(--c2); fill: var(--c2); background: var(--c2); }
.c-p50 { stroke: var(--c1); fill: var(--c1); background: var(--c1); }
.c-p95 { stroke: var(--p95); fill: var(--p95); background: var(--p95); }
.chart polyline.line { fill: none; }
.legend { display: flex; gap: 14px; font-size: 12px; color: var(--muted); margin-top: 4px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
`;
