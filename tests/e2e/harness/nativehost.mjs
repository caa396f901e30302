// The real native host for a test run: a fresh OPTGUARD_HOME, a wrapper script the browser
// starts (it records its pid and execs the optguard binary), the per-browser manifests, the
// CLI against the same home, and the generated static rulesets.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { REPO, LIST_DIR } from './hosts.mjs';

export const IDS = JSON.parse(fs.readFileSync(path.join(REPO, 'manifests/ids.json'), 'utf8'));
export const HOST_NAME = IDS.host_name;
/** A trivial echo host installed beside the real one: the benchmark's floor for the browser's own native-messaging path. */
export const ECHO_HOST_NAME = 'org.optguard.echo';
export const EXTENSION_DIR = path.join(REPO, 'extension');
export const RULESET_DIR = path.join(EXTENSION_DIR, 'rulesets');
export const RULESET_IDS = ['advertising', 'tracking', 'social'];

export function optguardBin() {
  // Absolute: the browser starts the host from its own working directory, so a relative
  // OPTGUARD_BIN in the host manifest would name nothing there ("Native host has exited").
  return process.env.OPTGUARD_BIN ? path.resolve(process.env.OPTGUARD_BIN) : path.join(REPO, 'build/release/host/app/optguard');
}

/** Builds the release host when it is missing (and OPTGUARD_BIN is not set). */
export function ensureHostBuilt() {
  const bin = optguardBin();
  if (fs.existsSync(bin)) return bin;
  if (process.env.OPTGUARD_BIN) throw new Error(`OPTGUARD_BIN=${bin} does not exist`);
  process.stderr.write(`e2e: building the host (${bin} is missing)\n`);
  execFileSync('cmake', ['--preset', 'release'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('cmake', ['--build', '--preset', 'release', '-j2', '--target', 'optguard'], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return bin;
}

/** The subcommands the host binary offers (parsed from --help). */
export function hostSubcommands(bin = optguardBin()) {
  const r = spawnSync(bin, ['--help'], { encoding: 'utf8', env: { ...process.env, OPTGUARD_HOME: os.tmpdir() } });
  const text = `${r.stdout}\n${r.stderr}`;
  const sub = text.split(/subcommands?:/i)[1] ?? '';
  return new Set([...sub.matchAll(/^\s+([a-z][a-z0-9-]*)/gm)].map((m) => m[1]));
}

let rulesetState = null;
/**
 * Makes sure extension/rulesets/ holds the static rulesets compiled by this host binary
 * (`optguard compile-dnr --out extension/rulesets`), regenerating them once per process.
 * Returns {ok: true, report} or {ok: false, reason}.
 */
export function ensureRulesets() {
  if (rulesetState) return rulesetState;
  const bin = ensureHostBuilt();
  if (!hostSubcommands(bin).has('compile-dnr')) {
    // The manifest declares the rulesets: without the files the extension does not load at
    // all. Empty rulesets let it load so the tests that need no list rules still run.
    fs.mkdirSync(RULESET_DIR, { recursive: true });
    for (const id of RULESET_IDS) {
      const f = path.join(RULESET_DIR, `${id}.json`);
      if (!fs.existsSync(f)) fs.writeFileSync(f, '[]\n');
    }
    rulesetState = { ok: false, reason: `${bin} has no compile-dnr subcommand yet: rule-dependent tests skipped` };
    return rulesetState;
  }
  // Fresh enough: every file there, written after the binary and the lists were last changed
  // (scripts/test.sh compiles them once before the browser suites).
  const mtime = (f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : Infinity);
  const sources = [bin, path.join(REPO, 'host/filters/lists/social.txt'), path.join(LIST_DIR, 'easylist.txt'), path.join(LIST_DIR, 'easyprivacy.txt')];
  const outputs = [...RULESET_IDS.map((id) => path.join(RULESET_DIR, `${id}.json`)), path.join(RULESET_DIR, 'report.json')];
  const oldest = Math.min(...outputs.map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : -Infinity)));
  const fresh = oldest >= Math.max(...sources.map((f) => (fs.existsSync(f) ? mtime(f) : 0)));
  if (fresh && !process.env.OPTGUARD_E2E_RECOMPILE) {
    rulesetState = { ok: true, report: JSON.parse(fs.readFileSync(outputs.at(-1), 'utf8')) };
    return rulesetState;
  }
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'optguard-e2e-dnr-'));
  try {
    const r = spawnSync(bin, ['compile-dnr', '--out', RULESET_DIR], {
      encoding: 'utf8',
      env: { ...process.env, OPTGUARD_HOME: path.join(home, 'home') },
    });
    if (r.status !== 0) {
      rulesetState = { ok: false, reason: `compile-dnr failed (${r.status}): ${r.stderr.trim()}` };
      return rulesetState;
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
  const missing = RULESET_IDS.filter((id) => !fs.existsSync(path.join(RULESET_DIR, `${id}.json`)));
  if (missing.length) {
    rulesetState = { ok: false, reason: `compile-dnr wrote no ${missing.join(', ')} ruleset` };
    return rulesetState;
  }
  const reportFile = path.join(RULESET_DIR, 'report.json');
  const report = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : null;
  rulesetState = { ok: true, report };
  return rulesetState;
}

/** A ruleset from extension/rulesets, or from the copy a browser loaded (extensionDir). */
export function readRuleset(id, extensionDir = EXTENSION_DIR) {
  return JSON.parse(fs.readFileSync(path.join(extensionDir, 'rulesets', `${id}.json`), 'utf8'));
}

/** A fresh optguard home plus the wrapper script browsers start as the native host. */
export class HostHome {
  constructor() {
    this.bin = ensureHostBuilt();
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'optguard-e2e-'));
    this.home = path.join(this.root, 'home');
    fs.mkdirSync(this.home, { mode: 0o700 });
    this.pidFile = path.join(this.root, 'host.pids');
    this.logFile = path.join(this.root, 'host.log');
    this.wrapper = path.join(this.root, 'optguard-host.sh');
    const q = (s) => `'${s.replaceAll("'", "'\\''")}'`;
    fs.writeFileSync(
      this.wrapper,
      [
        '#!/bin/sh',
        '# Started by the browser as the native host: record our pid, then become the real host.',
        '# While the "hold" file exists the host "fails to start" (tests of a host outage).',
        `if [ -e ${q(path.join(this.root, 'hold'))} ]; then echo "held by the test" >&2; exit 1; fi`,
        `echo $$ >> ${q(this.pidFile)}`,
        `export OPTGUARD_HOME=${q(this.home)}`,
        `export OPTGUARD_LOG=\${OPTGUARD_LOG:-info}`,
        `exec ${q(this.bin)} "$@" 2>> ${q(this.logFile)}`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    // The echo host: length-prefixed JSON in, the same bytes out (what a host costs at least).
    this.echo = path.join(this.root, 'echo-host.py');
    fs.writeFileSync(
      this.echo,
      [
        '#!/usr/bin/python3 -u',
        'import sys',
        'i, o = sys.stdin.buffer, sys.stdout.buffer',
        'while True:',
        '    h = i.read(4)',
        '    if len(h) < 4:',
        '        break',
        '    body = i.read(int.from_bytes(h, "little"))',
        '    o.write(h + body)',
        '    o.flush()',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
  }

  manifests(allowKey, allowValue) {
    return [
      { name: HOST_NAME, description: 'optguard native host (e2e test)', path: this.wrapper },
      { name: ECHO_HOST_NAME, description: 'echo host (benchmark floor)', path: this.echo },
    ].map((m) => ({ ...m, type: 'stdio', [allowKey]: [allowValue] }));
  }

  /** Writes <userDataDir>/NativeMessagingHosts/org.optguard.host.json (Chromium). */
  installForChromium(userDataDir) {
    const dir = path.join(userDataDir, 'NativeMessagingHosts');
    fs.mkdirSync(dir, { recursive: true });
    for (const m of this.manifests('allowed_origins', `chrome-extension://${IDS.chromium_id}/`)) {
      fs.writeFileSync(path.join(dir, `${m.name}.json`), JSON.stringify(m));
    }
  }

  /** Writes $HOME/.mozilla/native-messaging-hosts/org.optguard.host.json (Firefox). */
  installForFirefox(homeDir) {
    const dir = path.join(homeDir, '.mozilla', 'native-messaging-hosts');
    fs.mkdirSync(dir, { recursive: true });
    for (const m of this.manifests('allowed_extensions', IDS.firefox_id)) {
      fs.writeFileSync(path.join(dir, `${m.name}.json`), JSON.stringify(m));
    }
  }

  /** While held, the wrapper exits at once instead of starting the host. */
  hold(on) {
    const f = path.join(this.root, 'hold');
    if (on) fs.writeFileSync(f, '');
    else fs.rmSync(f, { force: true });
  }

  /** Kills every running host process (SIGKILL: a crash, not a clean exit). */
  killHosts() {
    const live = this.livePids();
    for (const pid of live) process.kill(pid, 'SIGKILL');
    return live;
  }

  /** Pids of every host process the browser started so far (oldest first). */
  pids() {
    if (!fs.existsSync(this.pidFile)) return [];
    return fs.readFileSync(this.pidFile, 'utf8').split('\n').filter(Boolean).map(Number);
  }

  /** Pids still running. */
  livePids() {
    return this.pids().filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
  }

  /** Runs the optguard CLI against this home; returns stdout (throws on failure). */
  cli(args, opts = {}) {
    const r = spawnSync(this.bin, args, {
      encoding: 'utf8',
      env: { ...process.env, OPTGUARD_HOME: this.home },
      input: opts.input,
    });
    if (r.status !== 0 && !opts.allowFail) {
      throw new Error(`optguard ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
    }
    return opts.allowFail ? r : r.stdout;
  }

  /** `optguard ledger list --json` for this home, as an array of records. */
  ledgerList(extra = []) {
    const out = this.cli(['ledger', 'list', '--json', ...extra]).trim();
    if (!out) return [];
    // Either one JSON document (array or {records}) or one record per line.
    try {
      const j = JSON.parse(out);
      return Array.isArray(j) ? j : (j.records ?? []);
    } catch {
      return out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    }
  }

  hostLog() {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  cleanup() {
    if (process.env.OPTGUARD_E2E_KEEP) {
      process.stderr.write(`e2e: kept ${this.root}\n`);
      return;
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
