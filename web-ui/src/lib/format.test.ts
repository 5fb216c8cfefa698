import { describe, expect, it } from "vitest";
import { formatExpiry, formatTime, humanSize, shortDigest } from "./format";

describe("humanSize", () => {
  it("formats bytes in binary units", () => {
    expect(humanSize(0)).toBe("0 B");
    expect(humanSize(418)).toBe("418 B");
    expect(humanSize(1023)).toBe("1023 B");
    expect(humanSize(1024)).toBe("1.00 KiB");
    expect(humanSize(1536)).toBe("1.50 KiB");
    expect(humanSize(10 * 1024 * 1024)).toBe("10.0 MiB");
    expect(humanSize(1073741824)).toBe("1.00 GiB");
    expect(humanSize(500 * 1024 ** 3)).toBe("500 GiB");
    expect(humanSize(3 * 1024 ** 4)).toBe("3.00 TiB");
  });
  it("treats -1 as unlimited and missing values as a dash", () => {
    expect(humanSize(-1)).toBe("Unlimited");
    expect(humanSize(undefined)).toBe("-");
    expect(humanSize(null)).toBe("-");
  });
});

describe("shortDigest", () => {
  it("keeps the algorithm and 12 hex digits", () => {
    expect(shortDigest("sha256:660721e5257bb25041870cd9bc6dd7fad6e7f80f61486d5d1bc35a1200f89ac0")).toBe("sha256:660721e5257b");
    expect(shortDigest("")).toBe("");
  });
});

describe("times", () => {
  it("reads Harbor's zero time and -1 as never", () => {
    expect(formatTime("0001-01-01T00:00:00.000Z")).toBe("Never");
    expect(formatTime("")).toBe("Never");
    expect(formatExpiry(-1)).toBe("Never");
    expect(formatTime("2026-11-28T07:31:21.040Z")).not.toBe("Never");
  });
});
