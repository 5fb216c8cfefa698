/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The Berth server the dev server forwards API calls to.
const target = process.env.BERTH_URL ?? "http://127.0.0.1:8080";
const proxied = ["/api", "/c", "/v2", "/service", "/devcenter-api-2.0"];

export default defineConfig({
  base: "/",
  plugins: [react()],
  server: {
    port: 5173,
    proxy: Object.fromEntries(proxied.map((p) => [p, { target, changeOrigin: false }])),
  },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    // PatternFly's ESM imports its CSS; let Vite (not Node) load it.
    server: { deps: { inline: [/@patternfly\//] } },
  },
});
