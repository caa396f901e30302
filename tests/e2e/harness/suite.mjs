// Shared set-up for the *.e2e.mjs files: each file calls forEachBrowser(name => {...}) and
// gets one describe block per browser (OPTGUARD_E2E_BROWSERS=chromium,firefox), like
// Playwright "projects". Artifacts (screenshots) go to tests/artifacts/ (git-ignored).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { describe } from 'node:test';
import { browsersToRun, browserAvailable } from './browsers.mjs';
import { REPO } from './hosts.mjs';

export const ARTIFACTS = path.join(REPO, 'tests', 'artifacts');

export function forEachBrowser(fn) {
  for (const name of browsersToRun()) {
    const skip = browserAvailable(name) ? false : `${name} is not installed`;
    describe(name, { skip, concurrency: false }, () => fn(name));
  }
}

/** A short unique token to put in every URL a test loads. */
export function token(prefix = 't') {
  return `${prefix}${crypto.randomBytes(4).toString('hex')}`;
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
