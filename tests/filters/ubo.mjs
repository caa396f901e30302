// Runs uBlock Origin's own static network filtering engine (@gorhill/ubo-core) on a
// request corpus: shared by the differential test and the engines benchmark.
import { readFileSync } from 'node:fs';
import { StaticNetFilteringEngine, pslInit } from '@gorhill/ubo-core';

export const LIST_DIR = '/usr/share/chromium/extensions/ublock-origin/assets/thirdparties/easylist';
export const LISTS = ['easylist', 'easyprivacy'];
// The public suffix list libpsl reads too. ubo-core 0.1.30's bundled PSL selfie is empty
// (every domain comes out ""), which silently turns "third-party" into "not the document's
// hostname or a subdomain of it"; feeding the system list restores real registrable domains.
export const PSL_PATH = '/usr/share/publicsuffix/public_suffix_list.dat';

export function readLists() {
  return LISTS.map((name) => ({ name, raw: readFileSync(`${LIST_DIR}/${name}.txt`, 'utf8') }));
}

export function readCorpus(path) {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

// uBO's request types: webRequest names map 1:1 except sub_frame/main_frame.
export function uboType(type) {
  return type;
}

// Returns [engine, parseMs]. ubo-core allows one engine per process.
export async function createUbo(lists) {
  const t0 = process.hrtime.bigint();
  const snfe = await StaticNetFilteringEngine.create({ noPSL: true });
  if (!pslInit(readFileSync(PSL_PATH, 'utf8'))) throw new Error('cannot load the public suffix list');
  await snfe.useLists(lists);
  const parseMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return [snfe, parseMs];
}

// 0 = no match, 1 = block, 2 = allow (an exception overrode a block).
export function uboMatch(snfe, req) {
  return snfe.matchRequest({ originURL: req.source, url: req.url, type: uboType(req.type) });
}
