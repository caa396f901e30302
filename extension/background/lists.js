// Filter-list updates: the extension fetches EasyList/EasyPrivacy from their canonical URLs
// (the host never touches the network) on a schedule the person controls, hands the text to
// the host (lists_update) and then reloads the host's rules.

export const LISTS = Object.freeze({
  easylist: 'https://easylist.to/easylist/easylist.txt',
  easyprivacy: 'https://easylist.to/easylist/easyprivacy.txt',
});
export const ALARM = 'optguard-lists';
const KEY = 'listUpdates';

export function defaultSchedule() {
  return { enabled: false, everyHours: 24 };
}

export class ListUpdates {
  /** @param {{storage, alarms, fetch, hostRequest, reloadRules, now}} o */
  constructor(o) {
    Object.assign(this, o);
  }

  async info() {
    const r = (await this.storage.get(KEY))[KEY] ?? {};
    return { schedule: { ...defaultSchedule(), ...(r.schedule ?? {}) }, last: r.last ?? {} };
  }

  async save(info) {
    await this.storage.set({ [KEY]: info });
  }

  /** Sets the schedule and (re)creates or clears the alarm. */
  async setSchedule({ enabled, everyHours }) {
    const info = await this.info();
    const hours = Math.min(24 * 30, Math.max(1, Number(everyHours) || 24));
    info.schedule = { enabled: !!enabled, everyHours: hours };
    await this.save(info);
    await this.syncAlarm(info.schedule);
    return info;
  }

  async syncAlarm(schedule) {
    if (!schedule.enabled) {
      await this.alarms.clear(ALARM);
      return;
    }
    const existing = await this.alarms.get(ALARM);
    if (existing?.periodInMinutes === schedule.everyHours * 60) return;
    await this.alarms.create(ALARM, { periodInMinutes: schedule.everyHours * 60, delayInMinutes: 1 });
  }

  /** Fetches each list, hands it to the host, reloads rules. Resolves the per-list outcome. */
  async updateNow(names = Object.keys(LISTS)) {
    const info = await this.info();
    const results = {};
    for (const name of names) {
      const url = LISTS[name];
      const at = this.now();
      try {
        const res = await this.fetch(url, { cache: 'no-store', credentials: 'omit' });
        if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}`);
        const text = await res.text();
        const r = await this.hostRequest('lists_update', { list: name, text });
        results[name] = { ok: true, at, loaded: r.loaded, skipped: r.skipped, updatedAt: r.updated_at ?? null };
      } catch (e) {
        results[name] = { ok: false, at, error: String(e?.message ?? e) };
      }
      info.last[name] = results[name];
    }
    await this.save(info);
    if (Object.values(results).some((r) => r.ok)) await this.reloadRules();
    return results;
  }
}
