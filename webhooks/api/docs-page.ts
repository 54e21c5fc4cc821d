/**
 * The API's reference page, drawn on the server from the same OpenAPI document that
 * /api/v1/openapi.json serves: one self-contained HTML page (no script, no CDN), every operation
 * with its scope, parameters, body and answers, and the component schemas at the end.
 */
type Json = Record<string, unknown>;

const esc = (s: unknown): string => String(s ?? "").replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Inline `code` spans of the descriptions (the only markdown they use). */
const prose = (s: unknown): string => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");

function typeOf(schema: Json | undefined): string {
  if (!schema) return "";
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.split("/").pop()!;
    return `<a href="#schema-${esc(name)}">${esc(name)}</a>`;
  }
  if (schema.type === "array") return `${typeOf(schema.items as Json)}[]`;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `<code>${esc(v)}</code>`).join(" | ");
  const nullable = Array.isArray(schema.type) ? schema.type.join(" | ") : String(schema.type ?? "object");
  return esc(nullable + (schema.format ? ` (${String(schema.format)})` : ""));
}

function properties(schema: Json): string {
  const props = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  const rows = Object.entries(props).map(
    ([name, p]) => `<tr><td><code>${esc(name)}</code>${required.has(name) ? " *" : ""}</td><td>${typeOf(p)}</td><td>${prose(p.description)}</td></tr>`,
  );
  return rows.length ? `<table><tr><th>field</th><th>type</th><th></th></tr>${rows.join("")}</table>` : "";
}

/** A `$ref`'d schema's definition, so a body's fields show where the operation is. */
function resolved(doc: Json, schema: Json): Json {
  if (typeof schema.$ref !== "string") return schema;
  return (((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>)[schema.$ref.split("/").pop()!] ?? schema;
}

function operation(doc: Json, method: string, path: string, op: Json): string {
  const params = ((op.parameters ?? []) as Json[]).map((p) => `<tr><td><code>${esc(p.name)}</code>${p.required ? " *" : ""}</td><td>${esc(p.in)}</td><td>${typeOf(p.schema as Json)}</td><td>${prose(p.description)}</td></tr>`);
  const body = ((op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined)?.["application/json"]?.schema as Json | undefined;
  const responses = Object.entries((op.responses ?? {}) as Record<string, Json>).map(([status, r]) => {
    const content = (r.content ?? {}) as Record<string, Json>;
    const [type, media] = Object.entries(content)[0] ?? [];
    return `<tr><td><b>${esc(status)}</b></td><td>${type ? `${esc(type)} ${typeOf(media?.schema as Json)}` : ""}</td><td>${prose(r.description)}</td></tr>`;
  });
  const id = `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, "-");
  return `<section id="${esc(id)}"><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p><b>${esc(op.summary)}</b></p><p>${prose(op.description)}</p>
${params.length ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th></th></tr>${params.join("")}</table>` : ""}
${body ? `<h4>Body</h4><p>${typeOf(body)}</p>${properties(resolved(doc, body))}` : ""}
<h4>Responses</h4><table>${responses.join("")}</table></section>`;
}

/** The whole page for `doc` (an OpenAPI 3 document as served). */
export function renderDocsPage(doc: Json): string {
  const info = (doc.info ?? {}) as Json;
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  const ops: string[] = [];
  const toc: string[] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post", "put", "delete", "patch"].includes(method)) continue;
      ops.push(operation(doc, method, path, op));
      toc.push(`<li><a href="#${esc(`${method}-${path}`.replace(/[^A-Za-z0-9]+/g, "-"))}">${esc(method.toUpperCase())} ${esc(path)}</a> — ${esc(op.summary)}</li>`);
    }
  }
  const schemas = Object.entries(((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>).map(
    ([name, s]) => `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${properties(s) || `<p>${typeOf(s)}</p>`}</section>`,
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} — reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:0 auto;padding:1rem;color:#1b1f24;background:#fff}
@media (prefers-color-scheme:dark){body{color:#e6e6e6;background:#15181c}th,td{border-color:#333!important}a{color:#7db3ff}}
code{font:13px ui-monospace,monospace}table{border-collapse:collapse;width:100%;margin:.3rem 0}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
section{border-top:1px solid #8883;padding:.5rem 0}.m{display:inline-block;min-width:4.5em;font-size:12px;padding:2px 6px;border-radius:4px;color:#fff;background:#555}
.get{background:#2b7a3d}.post{background:#1f5fbf}.put{background:#9a6700}.delete{background:#b42318}
</style></head><body>
<h1>${esc(info.title)} <small>${esc(info.version)}</small></h1>
${String(info.description ?? "").split(/\n\n+/).map((para) => `<p>${prose(para)}</p>`).join("\n")}
<p>Machine-readable document: <a href="openapi.json"><code>openapi.json</code></a>.</p>
<h2>Operations</h2><ul>${toc.join("")}</ul>
${ops.join("\n")}
<h2>Schemas</h2>
${schemas.join("\n")}
</body></html>`;
}
