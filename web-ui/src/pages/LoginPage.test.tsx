import { describe, expect, it, vi, afterEach } from "vitest";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { LoginForm } from "./LoginPage";
import { login } from "../api/client";
import { json, mockFetch, renderWithProviders } from "../test/render";

afterEach(() => vi.unstubAllGlobals());

describe("LoginForm", () => {
  it("shows the API's error for wrong credentials", async () => {
    const { fn } = mockFetch((url) =>
      url.pathname === "/c/login" ? json({ errors: [{ code: "UNAUTHORIZED", message: "invalid username or password" }] }, { status: 401 }) : undefined,
    );
    vi.stubGlobal("fetch", fn);
    renderWithProviders(<LoginForm onSubmit={async (u, p) => void (await login(u, p))} />);
    await userEvent.type(screen.getByTestId("login-username"), "admin");
    await userEvent.type(screen.getByTestId("login-password"), "nope");
    await userEvent.click(screen.getByTestId("login-submit"));
    expect(await screen.findByTestId("login-error")).toHaveTextContent("Invalid username or password.");
  });

  it("explains a lockout with the Retry-After delay", async () => {
    const { fn } = mockFetch(() =>
      json({ errors: [{ code: "TOO_MANY_REQUEST", message: "too many failures" }] }, { status: 429, headers: { "Retry-After": "120" } }),
    );
    vi.stubGlobal("fetch", fn);
    renderWithProviders(<LoginForm onSubmit={async (u, p) => void (await login(u, p))} />);
    await userEvent.type(screen.getByTestId("login-username"), "admin");
    await userEvent.type(screen.getByTestId("login-password"), "x");
    await userEvent.click(screen.getByTestId("login-submit"));
    expect(await screen.findByTestId("login-error")).toHaveTextContent(/locked.*120 seconds/);
  });

  it("passes the credentials on and shows nothing on success", async () => {
    const onSubmit = vi.fn(async () => {});
    renderWithProviders(<LoginForm onSubmit={onSubmit} />);
    await userEvent.type(screen.getByTestId("login-username"), "alice");
    await userEvent.type(screen.getByTestId("login-password"), "pw");
    await userEvent.click(screen.getByTestId("login-submit"));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledWith("alice", "pw"));
    expect(screen.queryByTestId("login-error")).toBeNull();
  });
});
