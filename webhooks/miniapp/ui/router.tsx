import type { ComponentChild } from "preact";
import { useEffect, useState } from "preact/hooks";

/**
 * A hash router (`#/vps/12`): the page is one static file, so any path works without the server
 * knowing the app's routes, and Telegram's launch hash is read once before the router takes over.
 */

/** A page the shell can show. The staff side lists theirs in ui/staff/routes.tsx (`staffRoutes`). */
export interface PageRoute {
  /** Hash path without "#/", `:name` for a parameter: "vps/:id", "staff/orders". */
  path: string;
  /** Title key for `t()` (add the words with `addStrings`). */
  title: string;
  /** Shown only to users holding one of these permissions (the server checks again on every call). */
  permissions?: string[];
  /** Listed as an entry in the shell's menu (the staff index for staff pages). */
  menu?: boolean;
  render: (params: Record<string, string>) => ComponentChild;
}

export const currentPath = (): string => decodeURIComponent(location.hash.replace(/^#\/?/, "")).replace(/\/+$/, "");

export function navigate(path: string): void {
  location.hash = `#/${path}`;
}

/** The current hash path, re-rendering on every change. */
export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const onChange = () => setPath(currentPath());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return path;
}

/** The first route whose pattern matches `path`, with its parameters. */
export function match(routes: PageRoute[], path: string): { route: PageRoute; params: Record<string, string> } | null {
  const parts = path.split("/").filter(Boolean);
  for (const route of routes) {
    const pattern = route.path.split("/").filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    if (pattern.every((p, i) => (p.startsWith(":") ? ((params[p.slice(1)] = parts[i]!), true) : p === parts[i]))) return { route, params };
  }
  return null;
}

/** Whether a user with `permissions` may see the route. */
export const allowed = (route: PageRoute, permissions: readonly string[]): boolean => !route.permissions || route.permissions.some((p) => permissions.includes(p));
