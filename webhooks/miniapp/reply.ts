import type { Context } from "hono";

/** The one error shape of the Mini App's API (customer and staff routes): `{ error, message }`. */
export function appError(c: Context, status: 400 | 401 | 403 | 404 | 409 | 422 | 429 | 503, error: string, message: string, headers?: Record<string, string>) {
  return c.json({ error, message }, status, headers);
}

/** A path id (`/vps/:id`): a positive integer that fits the database's int, else null (answer 404 or 400). */
export const idParam = (raw: string | undefined): number | null => (raw && /^[1-9]\d{0,8}$/.test(raw) ? Number(raw) : null);

/** The request's JSON object body, or null when it is missing or not an object. */
export async function jsonBody(c: Context): Promise<Record<string, unknown> | null> {
  const body: unknown = await c.req.json().catch(() => null);
  return body !== null && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
}
