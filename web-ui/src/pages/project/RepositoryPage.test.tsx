import { afterEach, describe, expect, it, vi } from "vitest";
import { screen, within } from "@testing-library/react";
import RepositoryPage, { accessoryBadges } from "./RepositoryPage";
import { json, mockFetch, renderWithProviders } from "../../test/render";

const artifact = {
  id: 1,
  type: "IMAGE",
  media_type: "application/vnd.oci.image.config.v1+json",
  manifest_media_type: "application/vnd.oci.image.manifest.v1+json",
  artifact_type: "",
  project_id: 1,
  repository_id: 1,
  repository_name: "demo/team/hello",
  digest: "sha256:660721e5257bb25041870cd9bc6dd7fad6e7f80f61486d5d1bc35a1200f89ac0",
  size: 3 * 1024 * 1024,
  icon: "",
  push_time: "2026-11-28T07:31:21.040Z",
  pull_time: "0001-01-01T00:00:00.000Z",
  extra_attrs: {},
  annotations: {},
  addition_links: {},
  references: [],
  labels: [],
  tags: [{ id: 1, repository_id: 1, artifact_id: 1, name: "v1", push_time: "", pull_time: "", immutable: false }],
  accessories: [{ id: 9, artifact_id: 9, subject_artifact_id: 1, digest: "sha256:aaaa", size: 10, type: "signature.cosign" }],
};

const GUEST = ["read", "list"].flatMap((action) => ["artifact", "repository", "tag"].map((resource) => ({ resource, action })));
const ADMIN = ["read", "list", "create", "delete"].flatMap((action) => ["artifact", "repository", "tag"].map((resource) => ({ resource, action })));

function serve(perms: { resource: string; action: string }[]) {
  const mock = mockFetch((url) => {
    if (url.pathname === "/api/v2.0/projects/demo") return json({ project_id: 1, name: "demo", metadata: { public: "false" } });
    if (url.pathname === "/api/v2.0/users/current/permissions") return json(perms);
    if (url.pathname === "/api/v2.0/projects/demo/repositories/team%252Fhello/artifacts")
      return json([artifact], { headers: { "X-Total-Count": "1" } });
    return undefined;
  });
  vi.stubGlobal("fetch", mock.fn);
  return mock;
}

const route = { route: "/projects/demo/repositories/team/hello", path: "/projects/:name/repositories/*" };

afterEach(() => vi.unstubAllGlobals());

describe("RepositoryPage", () => {
  it("hides delete buttons from a guest", async () => {
    const { calls } = serve(GUEST);
    renderWithProviders(<RepositoryPage />, route);
    const row = await screen.findByTestId("artifact-row");
    expect(within(row).getByTestId("tag-v1")).toBeInTheDocument();
    expect(within(row).getByTestId("artifact-size")).toHaveTextContent("3.00 MiB");
    expect(screen.queryByTestId("delete-artifact")).toBeNull();
    expect(screen.queryByTestId("add-tag")).toBeNull();
    expect(screen.queryByTestId("delete-tag-v1")).toBeNull();
    const permCall = calls.find((c) => c.url.includes("/users/current/permissions"))!;
    expect(new URL(permCall.url).searchParams.get("scope")).toBe("/project/1");
  });

  it("shows them to someone allowed to delete, with the signature badge", async () => {
    serve(ADMIN);
    renderWithProviders(<RepositoryPage />, route);
    expect(await screen.findByTestId("delete-artifact")).toBeInTheDocument();
    expect(screen.getByTestId("add-tag")).toBeInTheDocument();
    expect(screen.getByTestId("accessory-signed")).toHaveTextContent("Signed");
  });
});

describe("accessoryBadges", () => {
  it("summarises signatures, SBOMs and other attachments", () => {
    const badges = accessoryBadges([
      { type: "signature.cosign" },
      { type: "signature.notation" },
      { type: "harbor.sbom" },
      { type: "subject.accessory" },
    ] as never);
    expect(badges.map((b) => b.label)).toEqual(["Signed ×2", "SBOM", "1 attachment"]);
    expect(accessoryBadges(null)).toEqual([]);
  });
});
