import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, login as apiLogin, logout as apiLogout } from "../api/client";
import { onSessionLost } from "../api/session";
import type { components } from "../api/schema";
import { toApiError } from "../lib/errors";

export type CurrentUser = components["schemas"]["UserResp"];

interface AuthState {
  user: CurrentUser | null;
  isLoading: boolean;
  error: unknown;
  /** Why the last session ended, to show on the sign-in page. */
  notice: string | null;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);
export const CURRENT_USER_KEY = ["current-user"] as const;

async function fetchCurrentUser(): Promise<CurrentUser | null> {
  const { data, error, response } = await api.GET("/api/v2.0/users/current");
  if (response.status === 401) return null;
  if (!response.ok || error !== undefined) throw toApiError(response, error);
  return data ?? null;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const [notice, setNotice] = useState<string | null>(null);
  const query = useQuery({ queryKey: CURRENT_USER_KEY, queryFn: fetchCurrentUser, staleTime: 60_000 });

  useEffect(
    () =>
      onSessionLost((reason) => {
        if (qc.getQueryData(CURRENT_USER_KEY)) setNotice(reason);
        qc.setQueryData(CURRENT_USER_KEY, null);
      }),
    [qc],
  );

  const signIn = useCallback(
    async (username: string, password: string) => {
      await apiLogin(username, password);
      setNotice(null);
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== CURRENT_USER_KEY[0] });
      const user = await fetchCurrentUser();
      qc.setQueryData(CURRENT_USER_KEY, user);
    },
    [qc],
  );

  const signOut = useCallback(async () => {
    await apiLogout();
    // Clear the user first (the shell then leaves the signed-in pages), then the
    // rest of the cache; qc.clear() would orphan the mounted current-user observer.
    setNotice(null);
    qc.setQueryData(CURRENT_USER_KEY, null);
    qc.removeQueries({ predicate: (q) => q.queryKey[0] !== CURRENT_USER_KEY[0] });
  }, [qc]);

  const value = useMemo<AuthState>(
    () => ({
      user: query.data ?? null,
      isLoading: query.isLoading,
      error: query.error,
      notice,
      signIn,
      signOut,
    }),
    [query.data, query.isLoading, query.error, notice, signIn, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error("useAuth outside AuthProvider");
  return ctx;
}

/** For tests and stories: a fixed auth state. */
export function StaticAuthProvider({ value, children }: { value: Partial<AuthState>; children: ReactNode }) {
  const full: AuthState = {
    user: null,
    isLoading: false,
    error: null,
    notice: null,
    signIn: async () => {},
    signOut: async () => {},
    ...value,
  };
  return <AuthContext.Provider value={full}>{children}</AuthContext.Provider>;
}
