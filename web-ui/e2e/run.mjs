#!/usr/bin/env node
// End-to-end check of the web console against a running Berth.
//
//   PUSHED_IMAGE=<project>/<repo>:<tag> GUEST_PASSWORD=... \
//     node e2e/run.mjs <base-url> <admin-password> <screenshots-dir>
//
// The caller has pushed PUSHED_IMAGE and created the user `guest`. Prints
// `ROBOT <name> <secret>` for the robot account it creates. Exits non-zero with
// a message on the first failure. CHROMIUM may name another browser binary.
import { chromium } from "playwright-core";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [baseArg, adminPassword, shotsDir] = process.argv.slice(2);
const pushed = process.env.PUSHED_IMAGE ?? "";
const guestPassword = process.env.GUEST_PASSWORD ?? "";
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS ?? 20000);

function usage(msg) {
  console.error(`e2e: ${msg}`);
  console.error("usage: PUSHED_IMAGE=<project>/<repo>:<tag> GUEST_PASSWORD=<pw> node e2e/run.mjs <base-url> <admin-password> <screenshots-dir>");
  process.exit(2);
}
if (!baseArg || !adminPassword || !shotsDir) usage("missing arguments");
const m = /^([^/]+)\/(.+):([^:/]+)$/.exec(pushed);
if (!m) usage("PUSHED_IMAGE must look like <project>/<repo>:<tag>");
if (!guestPassword) usage("GUEST_PASSWORD is not set");
const [, project, repo, tag] = m;
const base = baseArg.replace(/\/+$/, "");
mkdirSync(shotsDir, { recursive: true });

let step = "start";
const log = (s) => {
  step = s;
  console.error(`e2e: ${s}`);
};
const tid = (id) => `[data-testid="${id}"]`;
const repoUrl = `${base}/projects/${encodeURIComponent(project)}/repositories/${repo.split("/").map(encodeURIComponent).join("/")}`;

const userDataDir = mkdtempSync(join(tmpdir(), "berth-e2e-"));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1400, height: 900 },
  });
  context.setDefaultTimeout(TIMEOUT);
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  const shot = async (name) => page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });
  const expectVisible = async (selector, what) => {
    try {
      await page.locator(selector).first().waitFor({ state: "visible" });
    } catch {
      await shot(`failure-${step.replace(/[^a-z0-9]+/gi, "-")}`).catch(() => {});
      throw new Error(`${what} did not appear (${selector}) at ${page.url()}`);
    }
  };

  async function signIn(username, password) {
    log(`sign in as ${username}`);
    await page.goto(`${base}/login`);
    await expectVisible(tid("login-username"), "the sign-in form");
    await page.fill(tid("login-username"), username);
    await page.fill(tid("login-password"), password);
    await page.click(tid("login-submit"));
    await Promise.race([
      page.locator(tid("current-user")).waitFor({ state: "visible" }),
      page
        .locator(tid("login-error"))
        .waitFor({ state: "visible" })
        .then(async () => {
          throw new Error(`sign-in as ${username} refused: ${await page.locator(tid("login-error")).innerText()}`);
        }),
    ]);
  }

  async function signOut() {
    log("sign out");
    await page.click(tid("sign-out"));
    await expectVisible(tid("login-username"), "the sign-in form after signing out");
  }

  // 1. Sign in and find the project.
  await page.goto(`${base}/login`);
  await expectVisible(tid("login-username"), "the sign-in form");
  await shot("login");
  await signIn("admin", adminPassword);

  // 1b. Create a private project in the browser, then make it public on its Configuration tab.
  const created = "e2e-created";
  log(`create project ${created}`);
  await page.goto(`${base}/projects`);
  await expectVisible(tid("projects-table"), "the project table");
  const existing = await page.request.get(`${base}/api/v2.0/projects/${created}`, { headers: { "X-Is-Resource-Name": "true" } });
  if (existing.status() === 404) {
    await page.click(tid("create-project"));
    await expectVisible(tid("create-project-modal"), "the new-project dialog");
    await page.fill(tid("project-name"), created);
    if (await page.locator(tid("project-public")).isChecked()) throw new Error("a new project defaults to public");
    await page.click(tid("create-project-submit"));
    await Promise.race([
      page.locator(tid("create-project-modal")).waitFor({ state: "detached" }),
      page
        .locator(tid("project-name-error"))
        .waitFor({ state: "visible" })
        .then(async () => {
          throw new Error(`creating ${created} failed: ${await page.locator(tid("project-name-error")).innerText()}`);
        }),
    ]);
  } else if (!existing.ok()) {
    throw new Error(`looking up project ${created}: HTTP ${existing.status()}`);
  } else {
    console.error(`e2e: project ${created} already exists; not creating it again`);
  }
  await page.fill(`${tid("project-search")} input`, created);
  await expectVisible(tid(`project-row-${created}`), `the row of the new project ${created}`);
  await shot("project-created");

  log(`configuration of ${created}`);
  await page.click(tid(`project-link-${created}`));
  await expectVisible(tid("tab-configuration"), "the Configuration tab");
  await page.click(`${tid("tab-configuration")} button, button${tid("tab-configuration")}`);
  await expectVisible(tid("config-public"), "the public switch");
  await expectVisible(tid("config-quota-usage"), "the storage usage");
  const publicSwitch = page.locator(tid("config-public"));
  if (await publicSwitch.isChecked()) {
    if (existing.status() === 404) throw new Error(`the new project ${created} is public`);
    // Left public by an earlier run against this server: make it private first.
    await publicSwitch.uncheck({ force: true });
    await page.click(tid("config-save"));
    await expectVisible(tid("config-saved"), "the saved notice (private)");
  }
  await publicSwitch.check({ force: true });
  await page.click(tid("config-save"));
  await Promise.race([
    page.locator(tid("config-saved")).waitFor({ state: "visible" }),
    page
      .locator(tid("config-public-error"))
      .waitFor({ state: "visible" })
      .then(async () => {
        throw new Error(`making ${created} public failed: ${await page.locator(tid("config-public-error")).innerText()}`);
      }),
  ]);
  await page.reload();
  await expectVisible(tid("config-public"), "the public switch after reloading");
  if (!(await page.locator(tid("config-public")).isChecked())) throw new Error(`${created} is not public after saving`);
  await expectVisible(tid("config-quota-save"), "the administrator's quota editor");
  await page.waitForLoadState("networkidle").catch(() => {});
  await shot("configuration");

  log("project list");
  await page.goto(`${base}/projects`);
  await expectVisible(tid("projects-table"), "the project table");
  await page.fill(`${tid("project-search")} input`, project);
  await expectVisible(tid(`project-row-${project}`), `the row of project ${project}`);
  await shot("projects");

  // 2. The repository and its artifact.
  log("repository list");
  await page.click(tid(`project-link-${project}`));
  await expectVisible(tid(`repository-link-${repo}`), `repository ${repo} in the project`);
  await shot("repositories");
  await page.click(tid(`repository-link-${repo}`));
  log("artifacts");
  await expectVisible(tid("artifact-row"), "an artifact row");
  const row = page.locator(tid("artifact-row"), { has: page.locator(tid(`tag-${tag}`)) });
  if ((await row.count()) === 0) throw new Error(`no artifact row shows tag ${tag}`);
  const size = (await row.first().locator(tid("artifact-size")).innerText()).trim();
  if (!/^\d+(\.\d+)? (B|KiB|MiB|GiB|TiB)$/.test(size)) throw new Error(`artifact size looks wrong: "${size}"`);
  if ((await row.first().locator(tid("delete-artifact")).count()) === 0) throw new Error("admin sees no delete-artifact button");
  await shot("repository");

  // 3. A robot account; its secret is shown once.
  log("robot account");
  await page.goto(`${base}/projects/${encodeURIComponent(project)}/robots`);
  await expectVisible(tid("robot-create"), "the new-robot button");
  await page.click(tid("robot-create"));
  const robotShortName = `e2e${Date.now().toString(36)}`;
  await page.fill(tid("robot-name"), robotShortName);
  await expectVisible(tid("robot-permissions"), "the robot permission grid");
  await page.click(tid("robot-create-submit"));
  await expectVisible(tid("robot-secret"), "the robot secret");
  const robotName = (await page.locator(tid("robot-name-value")).innerText()).trim();
  const robotSecret = (await page.locator(tid("robot-secret")).innerText()).trim();
  if (!robotName || !robotSecret) throw new Error("robot name or secret is empty");
  const manifest = await page.locator(tid("robot-k8s-secret")).innerText();
  if (!manifest.includes("kubernetes.io/dockerconfigjson")) throw new Error("the Kubernetes manifest is missing");
  await shot("robot-secret");
  console.log(`ROBOT ${robotName} ${robotSecret}`);
  await page.click(tid("robot-secret-close"));
  await expectVisible(tid(`robot-row-${robotName}`), "the new robot in the list");
  await shot("robots");

  // 4. Add `guest` as a Guest.
  log("add member guest");
  await page.goto(`${base}/projects/${encodeURIComponent(project)}/members`);
  await expectVisible(tid("members-table"), "the member table");
  if ((await page.locator(tid("member-row-guest")).count()) === 0) {
    await page.click(tid("member-add"));
    await page.fill(tid("member-username"), "guest");
    await page.selectOption(tid("member-role"), "3");
    await page.click(tid("member-add-submit"));
    await Promise.race([
      page.locator(tid("member-row-guest")).waitFor({ state: "visible" }),
      page
        .locator(tid("member-username-error"))
        .waitFor({ state: "visible" })
        .then(async () => {
          throw new Error(`adding guest failed: ${await page.locator(tid("member-username-error")).innerText()}`);
        }),
    ]);
  } else {
    await page.selectOption(tid("member-role-guest"), "3");
  }
  await shot("members");

  // 5. The project's log has the push.
  log("project logs");
  await page.goto(`${base}/projects/${encodeURIComponent(project)}/logs`);
  await expectVisible(tid("logs-table"), "the log table");
  await page.selectOption(tid("log-filter-operation"), "push");
  await expectVisible(`${tid("log-row")}[data-operation="push"]`, "a push entry in the project log");
  await shot("logs");

  // 6. Administration pages; robot accounts through the navigation.
  log("admin robot accounts");
  await page.click(tid("nav-admin-robots"));
  await expectVisible(tid("admin-robots-table"), "the robot accounts page");
  await expectVisible('[data-testid^="robot-row-robot$"]', "a robot among all robot accounts");
  await page.waitForLoadState("networkidle").catch(() => {});
  await shot("admin-robots");
  for (const [path, id, name] of [
    ["/admin/users", "users-table", "admin-users"],
    ["/admin/audit-logs", "logs-table", "admin-audit-logs"],
    ["/admin/system", "systeminfo", "admin-system"],
  ]) {
    log(`admin page ${path}`);
    await page.goto(`${base}${path}`);
    await expectVisible(tid(id), `the ${name} page`);
    await page.waitForLoadState("networkidle").catch(() => {});
    await shot(name);
  }

  // 7. As the guest: nothing to delete, no member or robot management.
  await signOut();
  await signIn("guest", guestPassword);
  log("guest view of the repository");
  await page.goto(repoUrl);
  await expectVisible(tid("artifact-row"), "an artifact row for the guest");
  await page.waitForLoadState("networkidle").catch(() => {});
  const forbidden = ["delete-artifact", "add-tag"];
  for (const id of forbidden) {
    const n = await page.locator(tid(id)).count();
    if (n) throw new Error(`guest sees ${n} ${id} button(s)`);
  }
  const tagDeletes = await page.locator('[data-testid^="delete-tag-"]').count();
  if (tagDeletes) throw new Error(`guest sees ${tagDeletes} delete-tag button(s)`);
  await shot("guest-repository");
  await page.goto(`${base}/projects/${encodeURIComponent(project)}/repositories`);
  await expectVisible(tid("repositories-table"), "the repository list for the guest");
  await page.waitForLoadState("networkidle").catch(() => {});
  if (await page.locator('[data-testid^="delete-repository-"]').count()) throw new Error("guest sees delete-repository buttons");
  await page.goto(`${base}/projects/${encodeURIComponent(project)}/robots`);
  await page.waitForLoadState("networkidle").catch(() => {});
  if (await page.locator(tid("robot-create")).count()) throw new Error("guest sees the new-robot button");
  for (const prefix of ["robot-delete-", "robot-refresh-", "robot-toggle-"]) {
    if (await page.locator(`[data-testid^="${prefix}"]`).count()) throw new Error(`guest sees ${prefix}* buttons`);
  }
  await shot("guest-robots");
  await page.goto(`${base}/projects/${encodeURIComponent(project)}/members`);
  await page.waitForLoadState("networkidle").catch(() => {});
  if (await page.locator(tid("member-add")).count()) throw new Error("guest sees the add-member button");
  if (await page.locator('[data-testid^="member-remove-"]').count()) throw new Error("guest sees remove-member buttons");
  await page.goto(`${base}/projects`);
  await expectVisible(tid(`project-row-${project}`), "the project for the guest");
  if (await page.locator('[data-testid^="delete-project-"]').count()) throw new Error("guest sees delete-project buttons");
  await shot("guest-projects");

  if (consoleErrors.length) console.error(`e2e: page errors seen:\n  ${consoleErrors.join("\n  ")}`);
  console.error("e2e: all checks passed");
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
  process.exit(0);
} catch (err) {
  console.error(`e2e: FAILED at step "${step}": ${err?.message ?? err}`);
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
  process.exit(1);
}
