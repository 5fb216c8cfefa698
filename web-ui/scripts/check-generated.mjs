// Fails when src/api/schema.d.ts is not what openapi-typescript makes from
// ../docs/openapi.json today. Run `npm run generate` to refresh it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const committed = join(root, "src/api/schema.d.ts");
const dir = mkdtempSync(join(tmpdir(), "berth-schema-"));
const fresh = join(dir, "schema.d.ts");
try {
  execFileSync(
    process.execPath,
    [join(root, "node_modules/openapi-typescript/bin/cli.js"), join(root, "../docs/openapi.json"), "-o", fresh],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  let current;
  try {
    current = readFileSync(committed, "utf8");
  } catch {
    console.error("check:generated: src/api/schema.d.ts is missing; run `npm run generate` and commit it.");
    process.exit(1);
  }
  if (readFileSync(fresh, "utf8") !== current) {
    console.error(
      "check:generated: src/api/schema.d.ts is out of date with ../docs/openapi.json.\n" +
        "Run `npm run generate` in web-ui/ and commit the result.",
    );
    process.exit(1);
  }
  console.log("check:generated: src/api/schema.d.ts matches ../docs/openapi.json");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
