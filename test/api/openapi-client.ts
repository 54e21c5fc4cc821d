/**
 * A reseller's API client written only from the served OpenAPI document: it finds an operation
 * by its operationId, builds the URL from `servers` and the path template, checks the request
 * against the operation's parameters and body schema, and every answer against the responses the
 * document declares (status and JSON schema). Nothing here knows our routes.
 */
type Json = Record<string, unknown>;

export interface OpenApiDoc {
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, Json>>;
  components?: { schemas?: Record<string, Json> };
}

export interface Operation {
  method: string;
  path: string;
  op: Json;
}

export function operations(doc: OpenApiDoc): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) if (["get", "post", "put", "delete", "patch"].includes(method)) out.push({ method, path, op });
  }
  return out;
}

export function resolve(doc: OpenApiDoc, schema: Json): Json {
  const ref = schema.$ref;
  if (typeof ref !== "string") return schema;
  const name = ref.replace("#/components/schemas/", "");
  const found = doc.components?.schemas?.[name];
  if (!found) throw new Error(`schema ${ref} is not in the document`);
  return resolve(doc, found);
}

/** Problems of `value` against `schema` (empty when it fits): types, required, enums, nested. */
export function validate(doc: OpenApiDoc, schemaIn: Json, value: unknown, at = "$"): string[] {
  const schema = resolve(doc, schemaIn);
  if (value === null) return schema.nullable === true || (Array.isArray(schema.type) && schema.type.includes("null")) || (schema.anyOf as Json[] | undefined)?.some((s) => resolve(doc, s).type === "null") ? [] : [`${at}: null`];
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key] as Json[] | undefined;
    if (options) return options.some((s) => validate(doc, s, value, at).length === 0) ? [] : [`${at}: fits none of ${key}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`];
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t) => t !== undefined && t !== "null") as string[];
  const kind = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
  if (types.length && !types.some((t) => t === kind || (t === "number" && kind === "integer"))) return [`${at}: ${kind}, expected ${types.join("|")}`];
  if (kind === "array" && schema.items) return (value as unknown[]).flatMap((v, i) => validate(doc, schema.items as Json, v, `${at}[${i}]`));
  if (kind === "object") {
    const problems = ((schema.required ?? []) as string[]).filter((k) => !(k in (value as Json))).map((k) => `${at}.${k}: missing`);
    for (const [k, s] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
      if ((value as Json)[k] !== undefined) problems.push(...validate(doc, s, (value as Json)[k], `${at}.${k}`));
    }
    return problems;
  }
  return [];
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

/** The client: `origin` is where the server runs; everything else comes from `doc`. */
export function openApiClient(origin: string, doc: OpenApiDoc, apiKey: string) {
  const byId = new Map(operations(doc).map((o) => [o.op.operationId as string, o]));
  return {
    operation(operationId: string): Operation {
      const found = byId.get(operationId);
      if (!found) throw new Error(`no operation ${operationId} in the document`);
      return found;
    },
    async call(operationId: string, input: { params?: Record<string, string | number>; query?: Record<string, string>; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
      const { method, path, op } = this.operation(operationId);
      const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, ...input.headers };
      for (const p of (op.parameters ?? []) as Json[]) {
        const name = String(p.name);
        const given = p.in === "path" ? input.params?.[name] : p.in === "query" ? input.query?.[name] : Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
        if (p.required && given === undefined) throw new Error(`${operationId}: required ${String(p.in)} parameter ${name} missing`);
      }
      const url = new URL(doc.servers[0]!.url + path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(input.params?.[name]))), origin);
      for (const [k, v] of Object.entries(input.query ?? {})) url.searchParams.set(k, v);
      const bodySchema = ((op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined)?.["application/json"]?.schema as Json | undefined;
      if (bodySchema) {
        const problems = validate(doc, bodySchema, input.body);
        if (problems.length) throw new Error(`${operationId}: body does not fit the document: ${problems.join("; ")}`);
        headers["content-type"] = "application/json";
      }
      const res = await fetch(url, { method: method.toUpperCase(), headers, ...(bodySchema ? { body: JSON.stringify(input.body) } : {}) });
      const declared = (op.responses as Record<string, Json>)[String(res.status)];
      if (!declared) throw new Error(`${operationId}: answered ${res.status}, which the document does not declare`);
      const text = await res.text();
      const content = (declared.content ?? {}) as Record<string, Json>;
      let body: Json = {};
      if (content["application/json"]) {
        body = JSON.parse(text) as Json;
        const problems = validate(doc, content["application/json"].schema as Json, body);
        if (problems.length) throw new Error(`${operationId} ${res.status}: answer does not fit the document: ${problems.join("; ")}`);
      }
      return { status: res.status, headers: res.headers, body };
    },
  };
}
