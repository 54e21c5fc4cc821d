import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Lang } from "./i18n";

/** The signed-in user as `POST /app/api/session` and `GET /app/api/me` describe them. */
export interface AppUser {
  id: number;
  firstName: string;
  language: Lang;
  role: string;
  staffRole: string | null;
  permissions: string[];
  /** Holds a reseller tier: the API keys page is offered (its routes check again). */
  reseller?: boolean;
}

export const UserContext = createContext<{ user: AppUser; setUser: (u: AppUser) => void } | null>(null);

/** The signed-in user and a setter (after a language change); only inside the shell. */
export function useAppUser(): { user: AppUser; setUser: (u: AppUser) => void } {
  const value = useContext(UserContext);
  if (!value) throw new Error("useAppUser outside the shell");
  return value;
}
