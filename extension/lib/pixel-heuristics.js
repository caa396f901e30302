// Does a completed response look like a tracking pixel that carries an identifier?
// (DESIGN.md feature 5; the host learns a domain once it is seen on 3 first-party sites:
// docs/protocol.md "Learned trackers".) Pure functions: no browser, no state.
//
// Pixel-like (pixelReason):
//   - status 204 (No Content) for an image, ping/beacon or xhr/fetch: a beacon answers nothing;
//   - an image (image, imageset) whose Content-Length is at most 100 bytes: a 1x1 GIF is 43
//     bytes, a 1x1 PNG about 70; no real picture is that small;
//   - a ping/beacon or xhr/fetch with Content-Length 0.
//   A response without Content-Length (chunked) is not judged pixel-like: its size is unknown.
//   Errors (>= 400) and redirects are never pixel-like.
//
// Identifier-like (identifierIn): a query value or path segment of at least 8 characters,
// made of URL-safe token characters, that is a UUID, or mixes letters and digits (hex ids,
// base64/base64url tokens, "GA1.2.1234567.89"-style client ids).
//   Pure numbers are NOT identifiers, on purpose: a cache-buster (`?t=1732870000000`,
//   `?r=84731295`) is a number on countless ordinary images, and a number alone cannot be told
//   from one; counting it would learn every CDN that serves a small image with a timestamp.
//   (Numeric user ids are missed; the pixels this aims at carry hex/base64 ids.)
//   Path segments that are file names (`logo2x.png`) are not identifiers either.

export const PIXEL_TYPES = Object.freeze(['image', 'imageset', 'ping', 'beacon', 'xmlhttprequest']);
export const MAX_PIXEL_BYTES = 100;
export const MIN_ID_LENGTH = 8;

const IMAGE_TYPES = new Set(['image', 'imageset']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN = /^[A-Za-z0-9._~+/=-]+$/;
const FILE_NAME = /\.(gif|png|jpe?g|webp|svg|ico|bmp|js|css|html?|php|aspx?|json|txt)$/i;

function header(headers, name) {
  for (const h of headers ?? []) if (h?.name?.toLowerCase() === name) return h.value ?? null;
  return null;
}

/** Why this response looks like a pixel ("no_content", "tiny_image", "empty_beacon"), or null. */
export function pixelReason({ type, statusCode, responseHeaders }) {
  if (!PIXEL_TYPES.includes(type)) return null;
  if (statusCode === 204) return 'no_content';
  if (!(statusCode >= 200 && statusCode < 300)) return null;
  const raw = header(responseHeaders, 'content-length');
  if (raw === null || !/^\d+$/.test(raw.trim())) return null;
  const length = Number(raw);
  if (IMAGE_TYPES.has(type)) return length <= MAX_PIXEL_BYTES ? 'tiny_image' : null;
  return length === 0 ? 'empty_beacon' : null;
}

/** True when `value` looks like an identifier (see the top of this file). */
export function isIdentifier(value) {
  if (typeof value !== 'string' || value.length < MIN_ID_LENGTH || value.length > 512) return false;
  if (UUID.test(value)) return true;
  if (!TOKEN.test(value)) return false;
  return /[A-Za-z]/.test(value) && /\d/.test(value);
}

/** The first identifier-like value in a URL's query or path ({where, name, value}), or null. */
export function identifierIn(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  for (const [name, value] of u.searchParams) {
    if (isIdentifier(value)) return { where: 'query', name, value };
  }
  for (const raw of u.pathname.split('/')) {
    let seg;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      seg = raw;
    }
    if (!FILE_NAME.test(seg) && isIdentifier(seg)) return { where: 'path', name: null, value: seg };
  }
  return null;
}
