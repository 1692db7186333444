/**
 * Every string that came from WeChat (names, remarks, group topics, file names, message text, ids) is written into
 * what the model reads through this one function. Anyone can choose their nickname or a group's topic: written raw,
 * a name with a newline and `[me]:` would forge a line that looks like the user's own message.
 */

/**
 * JSON.stringify escapes quotes, backslashes, C0 controls and lone surrogates, but leaves these readable-looking or
 * invisible characters raw: DEL and C1 controls (U+0085 is a line break to some readers), U+2028/U+2029 (line and
 * paragraph separators), the bidi controls that reorder what is shown (U+061C, U+200E/F, U+202A–E, U+2066–9), zero-width
 * and invisible fillers (U+00AD, U+115F/60, U+180E, U+200B, U+2060–4, U+3164, U+FEFF, U+FFF9–B) and the tag block
 * U+E0000–E007F (invisible ASCII that a model still reads). ZWJ and ZWNJ (U+200C/D) stay: emoji and several scripts
 * need them, and they cannot break a line or reorder one.
 */
const HIDDEN = /[\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu

/** `value` as one double-quoted, single-line token whose end nothing inside it can fake. */
export function quote(value: string): string {
  return JSON.stringify(value).replace(HIDDEN, escapeCodePoint)
}

function escapeCodePoint(char: string): string {
  // Outside the BMP (the tag block) a code point is written as its UTF-16 pair, as JSON spells it.
  return [...Array(char.length).keys()].map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')
}
