import { describe, expect, it } from "vitest";
import { can } from "./permissions";

describe("can", () => {
  const guest = [
    { resource: "artifact", action: "read" },
    { resource: "artifact", action: "list" },
  ];
  it("matches resource and action", () => {
    expect(can(guest, "artifact", "read")).toBe(true);
    expect(can(guest, "artifact", "delete")).toBe(false);
    expect(can(undefined, "artifact", "read")).toBe(false);
  });
});
