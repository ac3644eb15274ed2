// Drives Debian's firefox-esr over WebDriver BiDi (puppeteer-core, which downloads no
// browser) for tests/engines/drivers.py, which speaks to it one JSON line per command
// on standard input and reads one JSON line per answer on standard output:
//   {"op": "goto", "url": …} · {"op": "run", "source": "async (arg) => …", "arg": …}
//   {"op": "screenshot", "path": …} · {"op": "close"}
// Answers are {"value": …} or {"error": "…"}. Usage: node firefox.mjs FIREFOX PREFS_JSON

import { createInterface } from "node:readline";
import puppeteer from "puppeteer-core";

const [executablePath, prefs] = process.argv.slice(2);
const browser = await puppeteer.launch({
  browser: "firefox",
  executablePath,
  headless: true,
  extraPrefsFirefox: JSON.parse(prefs),
});
const page = await browser.newPage();

const operations = {
  async goto({ url }) {
    await page.goto(url, { waitUntil: "load" });
  },
  // The function is rebuilt here from its text so that puppeteer sends it as a function
  // with its argument: the page's policy forbids eval, which a string would need there.
  async run({ source, arg }) {
    const fn = new Function(`return (${source});`)();
    return page.evaluate(fn, arg);
  },
  async screenshot({ path }) {
    await page.screenshot({ path, fullPage: true });
  },
  async close() {
    await browser.close();
  },
};

const answer = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const { op, ...command } = JSON.parse(line);
  try {
    answer({ value: (await operations[op](command)) ?? null });
  } catch (error) {
    answer({ error: String(error?.message ?? error) });
  }
  if (op === "close") break;
}
process.exit(0);
