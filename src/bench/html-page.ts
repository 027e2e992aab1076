// The shell of the self-contained HTML pages (report and compare): inline CSS, embedded JSON data.
import { escapeXml } from './svg-chart.js';

const css = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1250px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;font-size:13px}.warn{background:#fff4d6;border:1px solid #e9c46a;padding:8px 12px;border-radius:4px;margin:12px 0}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:8px 0}
td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
td.na{color:#b00;background:#fbeaea}td.better{background:#e5f5e5}td.worse{background:#fbeaea}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #eee;border-radius:4px;background:#fff}
.chart .title{font-weight:600;font-size:13px}.chart .grid{stroke:#eee}.chart .axis{stroke:#999}
.chart .ytick{text-anchor:end;dominant-baseline:middle;font-size:11px;fill:#555}.chart .xtick{text-anchor:middle;font-size:11px;fill:#555}
.chart .xlabel,.chart .ylabel{text-anchor:middle;font-size:12px;fill:#333}.chart .legend{font-size:11px;fill:#333}
select{margin-right:12px}
`;

/** JSON inside <script>: '<' is escaped so the data can never close the tag. */
export function embedJson(id: string, data: unknown): string {
  return `<script type="application/json" id="${id}">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`;
}

export function htmlPage(title: string, body: string, script = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeXml(title)}</title><style>${css}</style></head>
<body>
${body}
${script ? `<script>${script}</script>` : ''}
</body></html>
`;
}
