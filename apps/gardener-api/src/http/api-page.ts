import { openApiDocument, openApiGroupVersions } from '@gardener-ts/api';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

interface Operation {
  operationId?: string;
  'x-kubernetes-action'?: string;
  parameters?: Array<{ name: string }>;
  requestBody?: { content?: Record<string, unknown> };
}

function section(groupVersion: string): string {
  const doc = openApiDocument(groupVersion) as {
    paths: Record<string, Record<string, Operation | unknown>>;
    components: { schemas: Record<string, { description?: string }> };
  };
  const rows = Object.entries(doc.paths).flatMap(([path, item]) =>
    ['get', 'post', 'put', 'patch', 'delete']
      .filter((method) => item[method])
      .map((method) => {
        const op = item[method] as Operation;
        const params = (op.parameters ?? []).map((p) => p.name).join(', ');
        const media = Object.keys(op.requestBody?.content ?? {}).join(', ');
        return `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op['x-kubernetes-action'] ?? '')}</td><td>${escapeHtml(params)}</td><td>${escapeHtml(media)}</td></tr>`;
      }),
  );
  const schemas = Object.entries(doc.components.schemas)
    .map(
      ([name, schema]) =>
        `<details><summary><code>${escapeHtml(name)}</code> — ${escapeHtml(schema.description ?? '')}</summary><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre></details>`,
    )
    .join('\n');
  return `<h2 id="${escapeHtml(groupVersion)}">${escapeHtml(groupVersion)}</h2>
<p>OpenAPI v3: <code>/openapi/v3/${escapeHtml(groupVersion)}</code></p>
<table><thead><tr><th>method</th><th>path</th><th>action</th><th>query parameters</th><th>request media types</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<h3>Schemas</h3>${schemas}`;
}

let page: string | undefined;

/** A browsable page of the API, generated from the same OpenAPI documents kubectl reads. */
export function apiPage(): string {
  page ??= `<!doctype html><html><head><meta charset="utf-8"><title>gardener-ts garden API</title>
<style>body{font-family:sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}pre{background:#f6f6f6;padding:.5em;overflow:auto}</style>
</head><body><h1>gardener-ts garden API</h1>
<p>Every request but this page, <code>/healthz</code>, <code>/livez</code>, <code>/readyz</code> and <code>/version</code> needs <code>Authorization: Bearer &lt;token&gt;</code>. Errors are Kubernetes <code>Status</code> objects.</p>
<ul>${openApiGroupVersions()
    .map((gv) => `<li><a href="#${escapeHtml(gv)}">${escapeHtml(gv)}</a></li>`)
    .join('')}</ul>
${openApiGroupVersions().map(section).join('\n')}
</body></html>`;
  return page;
}
