/**
 * A watch event as the JSON line every watcher of it sends. The store hands one object to every
 * watcher of an event, so its line is made once, not once per watcher (100 watchers of a kind
 * serialised each change 100 times); the cache goes with the object.
 */
const lines = new WeakMap<object, Map<string, string>>();

export function watchLine(type: string, object: object): string {
  let byType = lines.get(object);
  if (!byType) {
    byType = new Map();
    lines.set(object, byType);
  }
  let line = byType.get(type);
  if (line === undefined) {
    line = `${JSON.stringify({ type, object })}\n`;
    byType.set(type, line);
  }
  return line;
}
