/**
 * Minimal, total XML-to-object reader for ISAPI event bodies (`<EventNotificationAlert>` on firmware or
 * configurations that push XML instead of JSON, `<ResponseStatus>`). Enough for element trees of text values:
 * attributes and namespaces are dropped (`isapi:foo` is read as `foo`), repeated elements become arrays, leaf
 * elements become strings (the event schema coerces numbers). Returns `null` on anything it cannot read;
 * it never throws. Not a general XML parser, deliberately: no DTDs, no entities beyond the predefined ones.
 */
export interface XmlElement {
  name: string;
  value: XmlValue;
}
export type XmlValue = string | { [name: string]: XmlValue | XmlValue[] };

const TOKEN = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^>]*?)?)(\/?)>|([^<]+)|(<)/g;
const MAX_DEPTH = 32;

function localName(name: string): string {
  const colon = name.lastIndexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|lt|gt|amp|quot|apos);/g, (whole, entity: string) => {
    if (entity === 'lt') return '<';
    if (entity === 'gt') return '>';
    if (entity === 'amp') return '&';
    if (entity === 'quot') return '"';
    if (entity === 'apos') return "'";
    const code = entity.startsWith('#x') ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

interface Frame {
  name: string;
  children: { [name: string]: XmlValue | XmlValue[] };
  hasChildren: boolean;
  text: string;
}

export function parseSimpleXml(text: string): XmlElement | null {
  const stack: Frame[] = [];
  let root: XmlElement | null = null;
  TOKEN.lastIndex = 0;
  for (let match = TOKEN.exec(text); match !== null; match = TOKEN.exec(text)) {
    const [, cdata, closing, tagName, , selfClosing, textRun, strayLt] = match;
    if (strayLt !== undefined) return null;
    const top = stack[stack.length - 1];
    if (cdata !== undefined) {
      if (top) top.text += cdata;
      continue;
    }
    if (textRun !== undefined) {
      if (top) top.text += decodeEntities(textRun);
      else if (textRun.trim() !== '') return null; // text outside the root element
      continue;
    }
    if (tagName === undefined) continue; // comment, declaration, doctype
    const name = localName(tagName);
    if (closing === '/') {
      if (!top || top.name !== name) return null;
      stack.pop();
      const value: XmlValue = top.hasChildren ? top.children : top.text.trim();
      const parent = stack[stack.length - 1];
      if (parent) addChild(parent, name, value);
      else if (root === null) root = { name, value };
      else return null; // two roots
      continue;
    }
    if (root !== null) return null; // content after the root element
    if (selfClosing === '/') {
      if (top) addChild(top, name, '');
      else root = { name, value: '' };
      continue;
    }
    if (stack.length >= MAX_DEPTH) return null;
    // Null prototype: an element named `__proto__` must stay data, not become the object's prototype.
    stack.push({ name, children: Object.create(null) as Frame['children'], hasChildren: false, text: '' });
  }
  return stack.length === 0 ? root : null;
}

function addChild(frame: Frame, name: string, value: XmlValue): void {
  frame.hasChildren = true;
  const existing = frame.children[name];
  if (existing === undefined) frame.children[name] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else frame.children[name] = [existing, value];
}
