// Small DOM helpers shared by the views (no framework: the unit serves these files as they are).

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The element the contract names by its data-testid; a missing one is a page bug, named. */
export function byTestId(id, root = document) {
  const found = root.querySelector(`[data-testid="${id}"]`);
  if (!found) throw new Error(`page: no element with data-testid="${id}"`);
  return found;
}

/** Creates an HTML element with attributes (text via the "text" key) and children. */
export function el(tag, attributes = {}, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

/** Creates an SVG element the same way. */
export function svg(tag, attributes = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attributes, children);
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** Shows a message (or hides the element when the message is empty). */
export function say(node, message, kind = 'error') {
  node.textContent = message ?? '';
  node.dataset.kind = kind;
  node.hidden = !message;
}

function fill(node, attributes, children) {
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
