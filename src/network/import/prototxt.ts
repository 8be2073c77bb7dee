/**
 * A parser for the protobuf text format as Caffe writes it (.prototxt): nested messages
 * (`name { ... }`, `name: { ... }`, `name < ... >`), repeated fields, scalars (numbers, enum
 * identifiers, quoted strings with escapes and adjacent-literal concatenation), list shorthand
 * (`dim: [1, 3, 224, 224]`), `#` comments, optional `,`/`;` separators.
 *
 * Schema-free: the result is a generic tree (every field repeated), interpreted by caffe.ts. Every
 * node keeps its line:column so interpretation errors can point into the file.
 */
import { UserError } from '../../errors.js';

/** Position in the source text, 1-based. */
export interface TextPos {
  line: number;
  col: number;
}

/** A scalar field value. `kind: 'ident'` is an unquoted identifier (enum value, true/false, inf). */
export interface TextScalar {
  kind: 'number' | 'string' | 'ident';
  /** Raw text for numbers/idents, unescaped text for strings. */
  text: string;
  pos: TextPos;
}

/** A message: its fields in file order, every field possibly repeated. */
export interface TextMessage {
  kind: 'message';
  fields: Map<string, TextValue[]>;
  pos: TextPos;
}

export type TextValue = TextScalar | TextMessage;

interface Token {
  type: 'ident' | 'number' | 'string' | 'punct' | 'eof';
  text: string;
  pos: TextPos;
}

function describe(t: Token): string {
  if (t.type === 'eof') return 'end of file';
  if (t.type === 'string') return `string "${t.text}"`;
  return `'${t.text}'`;
}

function fail(pos: TextPos, msg: string): never {
  throw new UserError(`prototxt ${pos.line}:${pos.col}: ${msg}`);
}

/** Splits the text into tokens (comments and whitespace dropped). Cost: O(length). */
function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const pos = { line, col: i - lineStart + 1 };
    if ('{}[]<>:,;'.includes(c)) {
      out.push({ type: 'punct', text: c, pos });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= n || text[i] === '\n') fail(pos, 'unterminated string');
        const d = text[i]!;
        if (d === c) {
          i++;
          break;
        }
        if (d === '\\') {
          const e = text[i + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
          if (e !== undefined && e in map) {
            s += map[e];
            i += 2;
            continue;
          }
          if (e !== undefined && /[0-7]/.test(e)) {
            const m = /^[0-7]{1,3}/.exec(text.slice(i + 1))![0];
            s += String.fromCharCode(parseInt(m, 8));
            i += 1 + m.length;
            continue;
          }
          if (e === 'x') {
            const m = /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 2));
            if (!m) fail({ line, col: i - lineStart + 1 }, 'bad \\x escape in string');
            s += String.fromCharCode(parseInt(m[0], 16));
            i += 2 + m[0].length;
            continue;
          }
          fail({ line, col: i - lineStart + 1 }, `unknown escape '\\${e ?? ''}' in string`);
        }
        s += d;
        i++;
      }
      out.push({ type: 'string', text: s, pos });
      continue;
    }
    const num = /^[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)[fF]?/.exec(text.slice(i, i + 64));
    if (num && /[-+.\d]/.test(c)) {
      out.push({ type: 'number', text: num[0], pos });
      i += num[0].length;
      continue;
    }
    const id = /^-?[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i, i + 256));
    if (id) {
      out.push({ type: 'ident', text: id[0], pos });
      i += id[0].length;
      continue;
    }
    fail(pos, `unexpected character '${c}'`);
  }
  out.push({ type: 'eof', text: '', pos: { line, col: i - lineStart + 1 } });
  return out;
}

/**
 * Parses protobuf text format into a generic tree. Throws UserError `prototxt L:C: ...` on the
 * first syntax error. Cost: O(length of text).
 *
 * @example parseTextProto('name: "x" layer { top: "a" }').fields.get('layer')
 */
export function parseTextProto(text: string): TextMessage {
  const toks = tokenize(text);
  let p = 0;
  const peek = (): Token => toks[p]!;
  const next = (): Token => toks[p++]!;
  const isPunct = (t: Token, s: string): boolean => t.type === 'punct' && t.text === s;

  function scalar(): TextScalar {
    const t = next();
    if (t.type === 'string') {
      let s = t.text;
      while (peek().type === 'string') s += next().text; // "a" "b" == "ab"
      return { kind: 'string', text: s, pos: t.pos };
    }
    if (t.type === 'number') return { kind: 'number', text: t.text, pos: t.pos };
    if (t.type === 'ident') return { kind: 'ident', text: t.text, pos: t.pos };
    return fail(t.pos, `expected a value, found ${describe(t)}`);
  }

  function message(close: string | null, pos: TextPos): TextMessage {
    const fields = new Map<string, TextValue[]>();
    const add = (k: string, v: TextValue): void => {
      const list = fields.get(k);
      if (list) list.push(v);
      else fields.set(k, [v]);
    };
    for (;;) {
      const t = peek();
      if (close === null && t.type === 'eof') break;
      if (close !== null && isPunct(t, close)) {
        next();
        break;
      }
      if (t.type === 'eof') fail(t.pos, `missing '${close ?? ''}' to close the message opened at ${pos.line}:${pos.col}`);
      if (t.type !== 'ident') fail(t.pos, `expected a field name, found ${describe(t)}`);
      next();
      const name = t.text;
      let colon = false;
      if (isPunct(peek(), ':')) {
        next();
        colon = true;
      }
      const v = peek();
      if (isPunct(v, '{') || isPunct(v, '<')) {
        next();
        add(name, message(v.text === '{' ? '}' : '>', v.pos));
      } else if (!colon) {
        fail(v.pos, `expected ':' or '{' after field '${name}', found ${describe(v)}`);
      } else if (isPunct(v, '[')) {
        next();
        if (isPunct(peek(), ']')) next();
        else
          for (;;) {
            if (isPunct(peek(), '{') || isPunct(peek(), '<')) {
              const o = next();
              add(name, message(o.text === '{' ? '}' : '>', o.pos));
            } else add(name, scalar());
            const s = next();
            if (isPunct(s, ']')) break;
            if (!isPunct(s, ',')) fail(s.pos, `expected ',' or ']' in the list for '${name}', found ${describe(s)}`);
          }
      } else {
        if (v.type === 'punct' || v.type === 'eof') fail(v.pos, `expected a value after '${name}:', found ${describe(v)}`);
        add(name, scalar());
      }
      if (isPunct(peek(), ',') || isPunct(peek(), ';')) next();
    }
    return { kind: 'message', fields, pos };
  }

  const top = message(null, { line: 1, col: 1 });
  return top;
}
