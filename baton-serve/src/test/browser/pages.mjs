// The served world boss in a real browser: node pages.mjs BASE_URL OUT_DIR
// Exit 0 when every check passes; screenshots go to OUT_DIR for people to look at.
import { chromium } from "playwright-core";

const [base, out] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.BATON_CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const fail = (why) => { console.error("FAIL: " + why); process.exitCode = 1; };
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("pageerror", (e) => fail("page error: " + e.message));

  // the console: live globals and counters, pushed over the stream
  await page.goto(base + "/");
  await page.waitForFunction(() => document.querySelectorAll("#globals tr").length > 3, null, { timeout: 60000 });
  await page.waitForFunction(() => !isNaN(parseFloat(document.querySelector("#engine").textContent)), null, { timeout: 60000 });
  const t0 = Number(await page.textContent("#engine"));
  await page.waitForFunction((t) => Number(document.querySelector("#engine").textContent) > t + 1, t0, { timeout: 60000 });
  await page.waitForFunction(() => document.querySelectorAll("#errors tr").length > 0, null, { timeout: 60000 });
  await page.click("#wfstatus td.click");
  await page.waitForSelector("#wflist .click", { timeout: 30000 });
  await page.click("#wflist .click");
  await page.waitForFunction(() => document.querySelector("#wfdetail").textContent.includes("BuyBattlePass"), null, { timeout: 30000 });
  // the program's Report, live: its invariants as figures, its chart lists drawn
  await page.waitForFunction(() => /invariants\.hp_accounting_exact/.test(document.querySelector("#report").textContent)
    && document.querySelectorAll("#report-charts .report-chart canvas").length >= 2, null, { timeout: 60000 });
  // the decisions: the Director's Asks, each with who asked, where, and the value taken
  await page.waitForFunction(() => /DirectorAI/.test(document.querySelector("#asks").textContent)
    && /world-boss\.baton:\d+:\d+/.test(document.querySelector("#asks").textContent), null, { timeout: 60000 });
  // an instance: its state and its journal (what it handled), refreshed live
  await page.click('#modules .click[data-mod="ShardBossController"]');
  await page.waitForSelector('#modules .click[data-key]', { timeout: 30000 });
  await page.click('#modules .click[data-key]');
  await page.waitForFunction(() => document.querySelectorAll("#instance table.journal tr").length >= 3
    && /Player\.AttackBoss|Tick/.test(document.querySelector("#instance table.journal").textContent), null, { timeout: 60000 });
  const handled = await page.textContent("#instance h3");
  // the start form, made from the API document, starts a workflow
  await page.selectOption("#startform select[name=workflow]", "BuyBattlePass");
  await page.fill("#startform input[name=id]", "console-started");
  await page.fill("#startform textarea[name=args]", '{"player_id": "console-user", "price": 500, "tier": "standard"}');
  await page.click("#startform button");
  await page.waitForFunction(() => document.querySelector("#actresult").textContent.includes("console-started"), null, { timeout: 30000 });
  // and a bad one is refused with the field at fault, shown, not thrown
  await page.fill("#startform input[name=id]", "console-bad");
  await page.fill("#startform textarea[name=args]", '{"player_id": "x", "price": 0, "tier": "gold"}');
  await page.click("#startform button");
  await page.waitForFunction(() => document.querySelector("#actresult").textContent.includes("/args/"), null, { timeout: 30000 });
  await page.screenshot({ path: out + "/console.png", fullPage: true });
  console.log("console: instance " + handled.trim() + "; a workflow started from the form");
  console.log("console: live, engine time moved from " + t0 + "s");

  // the portal: a purchase through the form drives the payment saga and shows its outcome
  await page.goto(base + "/portal.html");
  await page.fill("input[name=player_id]", "browser-buyer");
  await page.selectOption("select[name=tier]", "premium");
  await page.click("button[type=submit]");
  await page.waitForFunction(() => /completed|declined/.test(document.querySelector("#status").textContent), null, { timeout: 60000 });
  const outcome = await page.textContent("#status");
  if (!/Purchase completed: the premium pass is yours\.|Payment declined; the charge was refunded \(once\)\.|nothing was charged/.test(outcome)) fail("portal said: " + outcome);
  await page.screenshot({ path: out + "/portal.png", fullPage: true });
  console.log("portal: " + outcome);
  // buying again is the same purchase (same workflow id): the same outcome, no second charge
  await page.click("button[type=submit]");
  await page.waitForFunction(() => /exists already|completed|declined/.test(document.querySelector("#status").textContent), null, { timeout: 60000 });

  // the boss: the bar moves smoothly (interpolated between updates) and a hit subtracts at once (predicted)
  await page.goto(base + "/boss.html");
  // 150 frames drawn: what is measured is the bar's motion over them, not over a stretch of wall time
  await page.waitForFunction(() => window.bossBar && window.bossBar.samples.length > 150, null, { timeout: 120000 });
  const motion = await page.evaluate(() => {
    const s = window.bossBar.samples.slice(-100);
    const values = s.map((x) => x[1]);
    let rises = 0;
    for (let i = 1; i < values.length; i++) if (values[i] > values[i - 1] + 1e-6) rises++;
    return { frames: values.length, distinct: new Set(values).size, rises, first: values[0], last: values[values.length - 1] };
  });
  if (!(motion.last < motion.first)) fail("the boss took no damage on screen: " + JSON.stringify(motion));
  if (motion.distinct < 20) fail("the bar jumps instead of moving smoothly: " + JSON.stringify(motion));
  if (motion.rises > 2) fail("the bar went back up: " + JSON.stringify(motion));
  const before = await page.evaluate(() => window.bossBar.samples[window.bossBar.samples.length - 1][1]);
  await page.click("#hit");
  const after = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() =>
    r(window.bossBar.samples[window.bossBar.samples.length - 1][1])))));
  if (!(before - after >= 100000)) fail("the hit did not show at once: " + before + " -> " + after);
  await page.screenshot({ path: out + "/boss.png" });
  console.log("boss: " + JSON.stringify(motion) + ", a hit showed at once: " + before + " -> " + after);
} catch (e) {
  fail(e.message);
} finally {
  await browser.close();
}
