// Reads and writes values at a JSON path (the `path` of a Segment).

type Key = string | number;

export function getAt(root: unknown, path: readonly Key[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<Key, unknown>)[key];
  }
  return node;
}

/** Sets an existing leaf; the path must already exist (segments come from this body). */
export function setAt(root: unknown, path: readonly Key[], value: unknown): void {
  if (path.length === 0) throw new Error('empty path');
  const parent = getAt(root, path.slice(0, -1));
  if (parent === null || typeof parent !== 'object') throw new Error('path does not exist');
  const last = path[path.length - 1]!;
  if (!Object.prototype.hasOwnProperty.call(parent, last)) throw new Error('path does not exist');
  (parent as Record<Key, unknown>)[last] = value;
}
