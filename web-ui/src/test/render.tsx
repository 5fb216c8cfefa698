import type { ReactElement } from "react";
import { render } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter, Route, Routes } from "react-router";
import { StaticAuthProvider, type CurrentUser } from "../auth/AuthContext";

export function renderWithProviders(
  ui: ReactElement,
  { route = "/", path = "*", user = null }: { route?: string; path?: string; user?: CurrentUser | null } = {},
) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={qc}>
      <StaticAuthProvider value={{ user }}>
        <MemoryRouter initialEntries={[route]}>
          <Routes>
            <Route path={path} element={ui} />
          </Routes>
        </MemoryRouter>
      </StaticAuthProvider>
    </QueryClientProvider>,
  );
}

type Handler = (url: URL, req: Request) => Response | undefined;

/** Replaces fetch with a router over URL paths; unmatched requests answer 404. */
export function mockFetch(handler: Handler) {
  const calls: Request[] = [];
  const fn = async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(String(input), init);
    calls.push(req);
    const url = new URL(req.url, window.location.href);
    return handler(url, req) ?? new Response(JSON.stringify({ errors: [{ code: "NOT_FOUND", message: `no mock for ${url.pathname}` }] }), { status: 404 });
  };
  return { fn, calls };
}

export const json = (body: unknown, init: ResponseInit = {}) =>
  new Response(JSON.stringify(body), { ...init, headers: { "content-type": "application/json", ...(init.headers ?? {}) } });
