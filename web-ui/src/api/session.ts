/** The console's CSRF token: kept in memory and in sessionStorage so a reload keeps working. */
const KEY = "berth.csrf";
let token: string | null = null;

function storage(): Storage | null {
  try {
    return typeof sessionStorage === "undefined" ? null : sessionStorage;
  } catch {
    return null;
  }
}

export function getCsrfToken(): string | null {
  if (token == null) token = storage()?.getItem(KEY) ?? null;
  return token;
}

export function setCsrfToken(value: string | null): void {
  token = value;
  const s = storage();
  if (!s) return;
  if (value) s.setItem(KEY, value);
  else s.removeItem(KEY);
}

type Listener = (reason: string) => void;
const listeners = new Set<Listener>();

/** Called when the server says the session is gone (401) or the CSRF token is refused. */
export function onSessionLost(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function sessionLost(reason: string): void {
  setCsrfToken(null);
  for (const l of listeners) l(reason);
}
