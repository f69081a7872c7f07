// Personal data and secrets in a turn: e-mail addresses, phone numbers, IPv4 addresses, card
// numbers that pass the Luhn check, and API keys or private keys. A model trained on them can
// repeat them. The patterns lean towards precision: a phone number needs a phone's shape (a
// leading + or 0, a bracketed area code, or 3-3-4 digits), so that "100 000 000" or a date is
// not one; loopback, unspecified and netmask addresses (127.x, 0.0.0.0, 255.x) are not personal.
// Messages show a masked value, so that the lint's output does not spread what it found.

export interface PiiHit {
  /** What was found: "e-mail address", "phone number", ... */
  what: string;
  /** The value, masked ("jo…@example.com"). */
  masked: string;
}

const kEmail = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g;
const kPhone = new RegExp(
  [
    // +84 912 345 678, +1 (555) 123-4567, +14155552671
    String.raw`(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w])`,
    // (555) 123-4567
    String.raw`(?<![\w)])\(\d{2,4}\)[ .-]?\d{3,4}[ .-]?\d{3,4}(?![\w])`,
    // 555-123-4567, 555.123.4567, 555 123 4567
    String.raw`(?<![\w.-])\d{3}([-. ])\d{3}\1\d{4}(?!\w|[.-]\d)`,
    // 0912 345 678, 0912345678, 024 3826 4520
    String.raw`(?<![\w.-])0\d{2,3}[ .-]?\d{3,4}[ .-]?\d{3,4}(?!\w|[.-]\d)`,
  ].join('|'),
  'g',
);
const kIpv4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
const kCardCandidate = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
const kSecrets: [string, RegExp][] = [
  ['OpenAI-style API key', /\bsk-(?:proj-|ant-|live-|test-)?[A-Za-z0-9_-]{20,}/g],
  ['Hugging Face token', /\bhf_[A-Za-z0-9]{30,}\b/g],
  ['GitHub token', /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})\b/g],
  ['AWS access key id', /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g],
  ['private key', /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/g],
];

/** The Luhn checksum (ISO/IEC 7812) of a digit string: true when it is valid. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function digitCount(s: string): number {
  return s.replace(/\D/g, '').length;
}

function mask(value: string): string {
  const at = value.indexOf('@');
  if (at > 0) return `${value.slice(0, Math.min(2, at))}…${value.slice(at)}`;
  if (value.length <= 6) return '…';
  return `${value.slice(0, 4)}…${value.slice(-2)}`;
}

function isPublicIpv4(ip: string): boolean {
  const parts = ip.split('.').map(Number);
  if (parts.some((p) => p > 255)) return false;
  if (parts[0] === 127 || parts[0] === 255) return false; // loopback, netmasks, broadcast
  return !parts.every((p) => p === 0);
}

/** The first personal datum or secret in `text`, or null. */
export function findPii(text: string): PiiHit | null {
  const hit = (what: string, value: string): PiiHit => ({ what, masked: mask(value) });
  for (const [what, re] of kSecrets) {
    const m = text.match(re);
    if (m) return hit(what, m[0]);
  }
  const email = text.match(kEmail);
  if (email) return hit('e-mail address', email[0]);
  for (const m of text.matchAll(kCardCandidate)) {
    const digits = m[0].replace(/\D/g, '');
    // 13-19 digits (ISO/IEC 7812), not one digit repeated (0000 0000 0000 0000 passes Luhn)
    if (digits.length >= 13 && !/^(\d)\1*$/.test(digits) && luhnValid(digits)) {
      return hit('card number (passes the Luhn check)', m[0]);
    }
  }
  for (const m of text.matchAll(kPhone)) {
    const n = digitCount(m[0]);
    if (n >= 9 && n <= 15) return hit('phone number', m[0]);
  }
  for (const m of text.matchAll(kIpv4)) {
    if (isPublicIpv4(m[0])) return hit('IPv4 address', m[0]);
  }
  return null;
}
