import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

// Browsers resolve relative request URLs against the page; Node's Request does not.
const NativeRequest = globalThis.Request;
class PageRelativeRequest extends NativeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" && input.startsWith("/") ? new URL(input, window.location.href).href : input, init);
  }
}
globalThis.Request = PageRelativeRequest as typeof Request;

afterEach(() => {
  cleanup();
  sessionStorage.clear();
});
