/// <reference lib="dom" />
/**
 * @module test/console/console-browser
 * Driving the web console in Debian's headless Chromium with puppeteer-core: where the browser
 * is (`CHROMIUM_PATH`, default /usr/bin/chromium), launching it, signing in, waiting for a view,
 * and a screenshot per view under test-artifacts/console/ (gitignored, kept by CI as artifacts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** The Chromium binary the tests and the bench drive. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Whether it is installed (the tests skip with this reason otherwise). */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Where screenshots go. */
export const ARTIFACTS = join('test-artifacts', 'console');

/** Launches headless Chromium (no sandbox: CI runs as root). */
export async function launchChromium(): Promise<Browser> {
  return await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Opens the console at `gatewayUrl` in a fresh page and signs in; waits for the first view. */
export async function signIn(browser: Browser, gatewayUrl: string, apiKey: string, logKey: string | undefined, hash = '#/audit'): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  await page.goto(`${gatewayUrl}/console/${hash}`);
  await page.waitForSelector('#sign-in:not([hidden])');
  await page.type('#api-key', apiKey);
  if (logKey !== undefined) await page.type('#log-key', logKey);
  await page.click('#sign-in button[type=submit]');
  await page.waitForSelector('section[data-ready="true"]');
  // Signed in: the form is gone from view (hidden, not merely covered).
  await page.waitForSelector('#sign-in', { hidden: true, timeout: 2_000 });
  return page;
}

/** Goes to a view (`#/nodes`) and waits until it rendered. */
export async function openView(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => {
    document.querySelector('section[data-ready]')?.removeAttribute('data-ready');
    location.hash = h;
  }, hash);
  await page.waitForSelector('section[data-ready="true"]');
}

/** Saves a full-page screenshot as test-artifacts/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
