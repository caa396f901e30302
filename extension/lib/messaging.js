// Extension pages → background: {type, ...} in, {ok, result} | {ok: false, error} back.
import { extensionNamespace } from './browser-api.js';

export async function call(type, payload = {}) {
  const ns = extensionNamespace();
  const reply = await ns.runtime.sendMessage({ type, ...payload });
  if (!reply) throw new Error('no reply from the background');
  if (!reply.ok) throw Object.assign(new Error(reply.error?.message ?? 'error'), { code: reply.error?.code });
  return reply.result;
}
