import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import { getCsrfToken, sessionLost, setCsrfToken } from "./session";
import { ApiError, toApiError } from "../lib/errors";

export const CSRF_HEADER = "X-Harbor-CSRF-Token";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

function isApiPath(url: string): boolean {
  try {
    return new URL(url, "http://localhost").pathname.startsWith("/api/");
  } catch {
    return url.startsWith("/api/");
  }
}

/**
 * Adds the CSRF header to every state-changing request to /api, keeps a token the
 * server hands back, and reports a lost session (401, or 403 naming CSRF).
 */
export const csrfMiddleware: Middleware = {
  onRequest({ request }) {
    if (!SAFE.has(request.method.toUpperCase()) && isApiPath(request.url)) {
      const token = getCsrfToken();
      if (token) request.headers.set(CSRF_HEADER, token);
    }
    return request;
  },
  async onResponse({ request, response }) {
    const fresh = response.headers.get(CSRF_HEADER);
    if (fresh) setCsrfToken(fresh);
    if (!isApiPath(request.url)) return undefined;
    if (response.status === 401) {
      sessionLost("Your session has ended. Please sign in again.");
    } else if (response.status === 403) {
      const text = await response.clone().text().catch(() => "");
      if (/csrf/i.test(text)) sessionLost("Your session's security token is no longer valid. Please sign in again.");
    }
    return undefined;
  },
};

export function createApiClient(fetchImpl?: typeof fetch) {
  const client = createClient<paths>({
    baseUrl: "",
    credentials: "include",
    // Looked up at call time, so tests (and anything wrapping window.fetch) can replace it.
    fetch: fetchImpl ?? ((input: Request) => globalThis.fetch(input)),
  });
  client.use(csrfMiddleware);
  return client;
}

export const api = createApiClient();

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Resolves to the data of a successful call; throws an ApiError otherwise. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || error !== undefined) throw toApiError(response, error);
  return data as T;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** Resolves to a page of a list call with its X-Total-Count. */
export async function unwrapPage<T>(call: Promise<FetchResult<T[]>>): Promise<Page<T>> {
  const { data, error, response } = await call;
  if (!response.ok || error !== undefined) throw toApiError(response, error);
  const items = data ?? [];
  const header = response.headers.get("X-Total-Count");
  const total = header != null && header !== "" ? Number(header) : items.length;
  return { items, total: Number.isFinite(total) ? total : items.length };
}

/**
 * The API wants a repository path encoded twice in URLs (`team/app` → `team%252Fapp`).
 * openapi-fetch already encodes path parameters once, so this encodes the other time:
 * pass its result as the `repository_name` path parameter.
 */
export function repoParam(repoPathInProject: string): string {
  return encodeURIComponent(repoPathInProject);
}

/** The wire form of a repository path, for URLs built by hand. */
export function repoPathTwiceEncoded(repoPathInProject: string): string {
  return encodeURIComponent(encodeURIComponent(repoPathInProject));
}

export interface LoginResult {
  username: string;
  csrf_token: string;
}

/** `POST /c/login` with form fields; keeps the CSRF token on success. */
export async function login(principal: string, password: string, fetchImpl: typeof fetch = fetch): Promise<LoginResult> {
  const response = await fetchImpl("/c/login", {
    method: "POST",
    credentials: "include",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    body: new URLSearchParams({ principal, password }).toString(),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  if (!response.ok) {
    const err = toApiError(response, body);
    if (response.status === 401) {
      throw new ApiError(401, "Invalid username or password.", err.code);
    }
    if (response.status === 429) {
      const after = response.headers.get("Retry-After");
      const wait = after && /^\d+$/.test(after) ? ` Try again in ${after} seconds.` : " Try again later.";
      throw new ApiError(429, "Too many failed sign-in attempts; this account is locked for now." + wait, err.code, after);
    }
    throw err;
  }
  const result = body as LoginResult;
  const token = result?.csrf_token || response.headers.get(CSRF_HEADER);
  if (token) setCsrfToken(token);
  return { username: result?.username ?? principal, csrf_token: token ?? "" };
}

/** `GET /c/logout`, then forget the token whatever the answer. */
export async function logout(): Promise<void> {
  try {
    await fetch("/c/logout", { credentials: "include" });
  } finally {
    setCsrfToken(null);
  }
}
