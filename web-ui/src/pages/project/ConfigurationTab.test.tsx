import { afterEach, describe, expect, it, vi } from "vitest";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import ConfigurationTab from "./ConfigurationTab";
import { json, mockFetch, renderWithProviders } from "../../test/render";
import { bytesToQuota, quotaToBytes } from "../../lib/format";
import type { Project } from "../../api/queries";
import type { CurrentUser } from "../../auth/AuthContext";

const project = { project_id: 7, name: "demo", metadata: { public: "false" } } as unknown as Project;
const GiB = 1024 ** 3;
const admin = { user_id: 1, username: "admin", sysadmin_flag: true } as unknown as CurrentUser;
const guest = { user_id: 2, username: "guest", sysadmin_flag: false } as unknown as CurrentUser;
const GUEST = [{ resource: ".", action: "read" }, { resource: "repository", action: "pull" }];
const OWNER = [{ resource: ".", action: "read" }, { resource: ".", action: "update" }];

function serve() {
  const mock = mockFetch((url, req) => {
    if (url.pathname === "/api/v2.0/projects/demo/summary") return json({ quota: { hard: { storage: GiB }, used: { storage: 256 * 1024 ** 2 } } });
    if (req.method === "PUT") return new Response(null, { status: 200 });
    return undefined;
  });
  vi.stubGlobal("fetch", mock.fn);
  return mock;
}

afterEach(() => vi.unstubAllGlobals());

describe("quota units", () => {
  it("converts between inputs and bytes", () => {
    expect(quotaToBytes("2", "GiB")).toBe(2 * GiB);
    expect(quotaToBytes("1.5", "GiB")).toBe(1.5 * GiB);
    expect(quotaToBytes("512", "MiB")).toBe(512 * 1024 ** 2);
    expect(quotaToBytes("0", "GiB")).toBeNaN();
    expect(quotaToBytes("", "GiB")).toBeNaN();
    expect(bytesToQuota(GiB)).toEqual({ value: "1", unit: "GiB" });
    expect(bytesToQuota(512 * 1024 ** 2)).toEqual({ value: "512", unit: "MiB" });
  });
});

describe("ConfigurationTab", () => {
  it("shows a guest the access level and usage, but no controls", async () => {
    serve();
    renderWithProviders(<ConfigurationTab project={project} permissions={GUEST} />, { user: guest });
    expect(await screen.findByTestId("quota-bar")).toBeInTheDocument();
    expect(screen.getByTestId("config-public-value")).toHaveTextContent("Private");
    expect(screen.queryByTestId("config-public")).toBeNull();
    expect(screen.queryByTestId("config-save")).toBeNull();
    expect(screen.queryByTestId("config-quota")).toBeNull();
  });

  it("lets a project admin make the project public", async () => {
    const { calls } = serve();
    renderWithProviders(<ConfigurationTab project={project} permissions={OWNER} />, { user: guest });
    await userEvent.click(await screen.findByTestId("config-public"));
    await userEvent.click(screen.getByTestId("config-save"));
    await screen.findByTestId("config-saved");
    const put = calls.find((c) => c.method === "PUT")!;
    expect(new URL(put.url).pathname).toBe("/api/v2.0/projects/demo");
    expect(await put.json()).toEqual({ metadata: { public: "true" } });
    expect(screen.queryByTestId("config-quota")).toBeNull();
  });

  it("sends an administrator's limit in bytes", async () => {
    const { calls } = serve();
    renderWithProviders(<ConfigurationTab project={project} permissions={OWNER} />, { user: admin });
    const input = await screen.findByTestId("config-quota");
    expect(input).toHaveValue(1);
    await userEvent.clear(input);
    await userEvent.type(input, "2.5");
    await userEvent.selectOptions(screen.getByTestId("config-quota-unit"), "GiB");
    await userEvent.click(screen.getByTestId("config-quota-save"));
    await waitFor(() => expect(calls.some((c) => c.method === "PUT")).toBe(true));
    const put = calls.find((c) => c.method === "PUT")!;
    expect(new URL(put.url).pathname).toBe("/api/v2.0/quotas/7");
    expect(await put.json()).toEqual({ hard: { storage: 2.5 * GiB } });
  });

  it("shows the API's refusal next to the limit", async () => {
    const mock = mockFetch((url, req) => {
      if (url.pathname === "/api/v2.0/projects/demo/summary") return json({ quota: { hard: { storage: -1 }, used: { storage: 0 } } });
      if (req.method === "PUT") return json({ errors: [{ code: "BAD_REQUEST", message: "limit below usage" }] }, { status: 400 });
      return undefined;
    });
    vi.stubGlobal("fetch", mock.fn);
    renderWithProviders(<ConfigurationTab project={project} permissions={OWNER} />, { user: admin });
    expect(await screen.findByTestId("quota-unlimited")).toBeInTheDocument();
    await userEvent.click(screen.getByTestId("config-quota-unlimited"));
    await userEvent.click(screen.getByTestId("config-quota-save"));
    expect(await screen.findByTestId("config-quota-error")).toHaveTextContent("limit below usage");
  });
});
