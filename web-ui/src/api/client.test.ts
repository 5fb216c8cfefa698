import { afterEach, describe, expect, it, vi } from "vitest";
import { createApiClient, CSRF_HEADER, login, repoParam, repoPathTwiceEncoded, unwrap, unwrapPage } from "./client";
import { getCsrfToken, onSessionLost, setCsrfToken } from "./session";
import { ApiError } from "../lib/errors";

function recorder(response: () => Response = () => new Response("[]", { headers: { "content-type": "application/json" } })) {
  const seen: Request[] = [];
  const fetchImpl = vi.fn(async (req: Request) => {
    seen.push(req);
    return response();
  });
  return { seen, client: createApiClient(fetchImpl as unknown as typeof fetch) };
}

afterEach(() => setCsrfToken(null));

describe("CSRF middleware", () => {
  it("sends the token on state-changing requests only", async () => {
    setCsrfToken("tok-1");
    const { seen, client } = recorder(() => new Response(null, { status: 201 }));
    await client.POST("/api/v2.0/projects", { body: { project_name: "p" } });
    await client.DELETE("/api/v2.0/robots/{robot_id}", { params: { path: { robot_id: 3 } } });
    await client.GET("/api/v2.0/projects");
    expect(seen[0].method).toBe("POST");
    expect(seen[0].headers.get(CSRF_HEADER)).toBe("tok-1");
    expect(seen[1].headers.get(CSRF_HEADER)).toBe("tok-1");
    expect(seen[2].headers.get(CSRF_HEADER)).toBeNull();
    expect(seen[0].credentials).toBe("include");
  });

  it("keeps the token in sessionStorage so a reload keeps it", () => {
    setCsrfToken("tok-2");
    expect(sessionStorage.getItem("berth.csrf")).toBe("tok-2");
    expect(getCsrfToken()).toBe("tok-2");
  });

  it("reports a lost session on 401 and on a CSRF refusal", async () => {
    setCsrfToken("stale");
    const lost = vi.fn();
    const off = onSessionLost(lost);
    const forbidden = () =>
      new Response(JSON.stringify({ errors: [{ code: "FORBIDDEN", message: "CSRF token missing or invalid" }] }), {
        status: 403,
        headers: { "content-type": "application/json" },
      });
    const { client } = recorder(forbidden);
    const res = await client.DELETE("/api/v2.0/projects/{project_name_or_id}", { params: { path: { project_name_or_id: "p" } } });
    expect(res.error).toEqual({ errors: [{ code: "FORBIDDEN", message: "CSRF token missing or invalid" }] });
    expect(lost).toHaveBeenCalledTimes(1);
    expect(getCsrfToken()).toBeNull();

    const { client: c2 } = recorder(() => new Response(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "x" }] }), { status: 401 }));
    await c2.GET("/api/v2.0/projects");
    expect(lost).toHaveBeenCalledTimes(2);
    off();
  });

  it("does not treat other 403s as a lost session", async () => {
    const lost = vi.fn();
    const off = onSessionLost(lost);
    const { client } = recorder(() => new Response(JSON.stringify({ errors: [{ code: "FORBIDDEN", message: "not a member" }] }), { status: 403 }));
    await expect(unwrap(client.GET("/api/v2.0/projects"))).rejects.toMatchObject({ status: 403, message: "not a member" });
    expect(lost).not.toHaveBeenCalled();
    off();
  });
});

describe("helpers", () => {
  it("reads X-Total-Count", async () => {
    const { client } = recorder(
      () => new Response(JSON.stringify([{ name: "a" }]), { headers: { "content-type": "application/json", "X-Total-Count": "42" } }),
    );
    const page = await unwrapPage(client.GET("/api/v2.0/projects"));
    expect(page.total).toBe(42);
    expect(page.items).toHaveLength(1);
  });

  it("puts a repository path on the wire encoded twice", async () => {
    const { seen, client } = recorder();
    await client.GET("/api/v2.0/projects/{project_name}/repositories/{repository_name}/artifacts", {
      params: { path: { project_name: "demo", repository_name: repoParam("team/app") } },
    });
    expect(new URL(seen[0].url).pathname).toBe("/api/v2.0/projects/demo/repositories/team%252Fapp/artifacts");
    expect(repoPathTwiceEncoded("team/app")).toBe("team%252Fapp");
  });
});

describe("login", () => {
  it("posts a form and keeps the CSRF token", async () => {
    const fetchImpl = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      expect(init?.method).toBe("POST");
      expect(String(init?.body)).toBe("principal=admin&password=p%40ss");
      return new Response(JSON.stringify({ username: "admin", csrf_token: "abc" }), { status: 200 });
    });
    await login("admin", "p@ss", fetchImpl as unknown as typeof fetch);
    expect(getCsrfToken()).toBe("abc");
  });

  it("explains wrong credentials and lockouts", async () => {
    const wrong = async () => new Response(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "invalid username or password" }] }), { status: 401 });
    await expect(login("a", "b", wrong as unknown as typeof fetch)).rejects.toMatchObject({ status: 401, message: "Invalid username or password." });
    const locked = async () =>
      new Response(JSON.stringify({ errors: [{ code: "TOO_MANY_REQUEST", message: "locked" }] }), { status: 429, headers: { "Retry-After": "60" } });
    const err = await login("a", "b", locked as unknown as typeof fetch).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toMatch(/locked.*60 seconds/);
  });
});
