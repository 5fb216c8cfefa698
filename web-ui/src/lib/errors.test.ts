import { describe, expect, it } from "vitest";
import { ApiError, apiErrorMessage, toApiError } from "./errors";

describe("apiErrorMessage", () => {
  it("shows the first Harbor error message", () => {
    expect(apiErrorMessage({ errors: [{ code: "CONFLICT", message: "project demo already exists" }, { code: "X", message: "other" }] })).toBe(
      "project demo already exists",
    );
  });
  it("falls back to the code when there is no message", () => {
    expect(apiErrorMessage({ errors: [{ code: "PRECONDITION" }] })).toBe("PRECONDITION");
  });
  it("uses an ApiError's message", () => {
    expect(apiErrorMessage(new ApiError(412, "the project still has repositories"))).toBe("the project still has repositories");
  });
  it("explains network failures and unknown values", () => {
    expect(apiErrorMessage(new TypeError("Failed to fetch"))).toBe("Cannot reach the server: Failed to fetch");
    expect(apiErrorMessage(undefined, "fallback")).toBe("fallback");
    expect(apiErrorMessage(42)).toBe("Something went wrong");
  });
});

describe("toApiError", () => {
  it("reads status, code, message and Retry-After", () => {
    const res = new Response(null, { status: 429, headers: { "Retry-After": "30" } });
    const err = toApiError(res, { errors: [{ code: "TOO_MANY_REQUEST", message: "locked" }] });
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(429);
    expect(err.code).toBe("TOO_MANY_REQUEST");
    expect(err.message).toBe("locked");
    expect(err.retryAfter).toBe("30");
  });
  it("describes a body-less failure by its status", () => {
    const err = toApiError(new Response(null, { status: 502, statusText: "Bad Gateway" }), undefined);
    expect(err.message).toBe("502 Bad Gateway");
  });
});
