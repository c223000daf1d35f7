// JSON text exactly as ElectrumX (Python 3, aiorpcx) writes it, so replies can be compared byte
// for byte with the recordings: compact separators (',', ':'), ensure_ascii escaping, Python's
// float repr (0.001, 1e-06, 1.0) and key order as inserted. JavaScript's JSON.stringify differs on
// floats (1e-6 -> "0.000001", 1.0 -> "1") and on non-ASCII text, hence this small writer.

/** A number that Python holds as a float (namecoind amounts, fee rates): written with Python's repr. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export const pyFloat = (value: number): PyFloat => new PyFloat(value);

/** Python repr() of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const exp = x.toExponential(); // shortest digits, e.g. "1e-6", "9.9952e-1"
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp);
  if (m === null) throw new Error(`pyFloatRepr: unexpected ${exp}`);
  const [, sign, d0, rest = '', e] = m as unknown as [string, string, string, string | undefined, string];
  const e10 = Number(e);
  const digits = d0 + rest;
  if (e10 < -4 || e10 >= 16) {
    const mant = rest === '' ? d0 : `${d0}.${rest}`;
    const es = e10 < 0 ? '-' : '+';
    return `${sign}${mant}e${es}${String(Math.abs(e10)).padStart(2, '0')}`;
  }
  if (e10 < 0) return `${sign}0.${'0'.repeat(-e10 - 1)}${digits}`;
  const intLen = e10 + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

/** Python json's ensure_ascii string escaping (lowercase \u escapes, everything outside ' '..'~'). */
export function pyString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c >= 0x20 && c <= 0x7e) out += ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else out += '\\u' + c.toString(16).padStart(4, '0');
  }
  return out + '"';
}

/** json.dumps(value, separators=(',', ':')) as Python would write it. */
export function pyJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isInteger(value)) return pyFloatRepr(value);
      return String(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return pyString(value);
    case 'object':
      break;
    default:
      throw new TypeError(`pyJson: cannot encode ${typeof value}`);
  }
  if (Array.isArray(value)) return '[' + value.map(pyJson).join(',') + ']';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    parts.push(pyString(k) + ':' + pyJson(v));
  }
  return '{' + parts.join(',') + '}';
}

/** Python str() of a JSON-decoded value, as it appears inside ElectrumX's f-string messages. */
export function pyStr(value: unknown): string {
  if (typeof value === 'string') return value;
  return pyRepr(value);
}

/** Python repr() of a JSON-decoded value (lists print as ['a', 1, None]). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  if (typeof value === 'string') {
    const q = value.includes("'") && !value.includes('"') ? '"' : "'";
    let body = value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
    if (q === "'") body = body.replace(/'/g, "\\'");
    return q + body + q;
  }
  if (Array.isArray(value)) return '[' + value.map(pyRepr).join(', ') + ']';
  if (typeof value === 'object') {
    return '{' + Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ') + '}';
  }
  return String(value);
}

/** Python's f'{n:,d}' (thousands separators). */
export function pyThousands(n: number): string {
  const s = String(Math.abs(Math.trunc(n)));
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? '-' + grouped : grouped;
}
