// The JavaScript every index program's context runs first: RavenDB's definition surface (map,
// groupBy(...).aggregate, id) and the internal entry points the C++ side calls. The script's
// completion value is the object of entry points, so user code cannot reach or replace them.
#include "js/v8_runtime.h"

namespace rookery::js::internal {

const char* const kPrelude = R"JS(
(() => {
  'use strict';
  const definition = { maps: [], reduce: null };
  const idSymbol = Symbol('rookery.id');
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const isArray = Array.isArray;

  globalThis.map = function map(collection, fn) {
    if (typeof collection !== 'string' || collection === '')
      throw new TypeError('map(collection, fn): the collection must be a non-empty string');
    if (typeof fn !== 'function')
      throw new TypeError(`map('${collection}', fn): fn must be a function`);
    definition.maps.push({ collection, fn });
  };

  globalThis.groupBy = function groupBy(keyFn) {
    if (typeof keyFn !== 'function')
      throw new TypeError('groupBy(fn): fn must be a function returning the reduce key');
    const reduce = { key: keyFn, aggregateBy: null };
    definition.reduce = reduce;
    return {
      aggregate(fn) {
        if (typeof fn !== 'function')
          throw new TypeError('groupBy(...).aggregate(fn): fn must be a function');
        reduce.aggregateBy = fn;
      }
    };
  };

  // RavenDB's id(doc): the document's @metadata.@id, else the id the document was handed over
  // with (a symbol-keyed property: not enumerable, never serialized).
  globalThis.id = function id(doc) {
    if (doc === null || typeof doc !== 'object') return null;
    const metadata = doc['@metadata'];
    if (metadata !== null && typeof metadata === 'object' && typeof metadata['@id'] === 'string')
      return metadata['@id'];
    const tagged = doc[idSymbol];
    return tagged === undefined ? null : tagged;
  };

  // Index results are written the way RavenDB writes a JS Date: ISO 8601 UTC with 7 fractional
  // digits, as documents' @last-modified ("2024-05-01T10:20:30.1230000Z").
  Object.defineProperty(Date.prototype, 'toJSON', {
    value: function toJSON() {
      const t = this.getTime();
      if (t !== t) return null;
      const iso = this.toISOString();
      return iso.slice(0, -1) + '0000Z';
    },
    writable: true, configurable: true, enumerable: false
  });

  const isEntry = (v) => v !== null && typeof v === 'object' && !isArray(v);
  // A map or reduce result: an object is one entry, an array one entry per object element;
  // anything else (null, undefined, numbers, strings) is no entry, as in RavenDB.
  const collect = (result, out) => {
    if (isArray(result)) {
      for (const item of result) if (isEntry(item)) out.push(item);
    } else if (isEntry(result)) {
      out.push(result);
    }
  };
  const tag = (doc, docId) => {
    if (isEntry(doc) && docId !== undefined) doc[idSymbol] = docId;
    return doc;
  };

  return {
    definition,
    tag,
    // fns: the map functions of one collection; text: the document; returns '' or a JSON array.
    runMap(fns, text, docId) {
      const doc = tag(parse(text), docId);
      const out = [];
      for (let i = 0; i < fns.length; i++) collect(fns[i](doc), out);
      return out.length === 0 ? '' : stringify(out);
    },
    // The same with the document built by the caller (the object bridge, for measurements).
    runMapObject(fns, doc) {
      const out = [];
      for (let i = 0; i < fns.length; i++) collect(fns[i](doc), out);
      return out;
    },
    // runMap and runKey for many documents (fnsOf[d]: the map functions of document d). Returns
    // one string: per document, joined by '\x02', '\x03' when it threw (the caller runs it
    // again alone, for the error) or its entries as 'entry\x01key\x01' pairs (key '' without
    // a reduce). JSON text never holds raw control characters: the separators are unambiguous.
    runMapBatch(fnsOf, texts, ids) {
      const keyFn = definition.reduce === null ? null : definition.reduce.key;
      const out = [];
      const entries = [];
      for (let d = 0; d < texts.length; d++) {
        try {
          const fns = fnsOf[d];
          const doc = tag(parse(texts[d]), ids[d]);
          entries.length = 0;
          for (let i = 0; i < fns.length; i++) collect(fns[i](doc), entries);
          let part = '';
          for (let i = 0; i < entries.length; i++) {
            const text = stringify(entries[i]);
            let key = '';
            if (keyFn !== null) {
              const k = keyFn(parse(text));
              key = k === undefined ? 'null' : stringify(k);
            }
            part += text + '\x01' + key + '\x01';
          }
          out.push(part);
        } catch (e) {
          out.push('\x03');
        }
      }
      return out.join('\x02');
    },
    runKey(text) {
      const key = definition.reduce.key(parse(text));
      return key === undefined ? 'null' : stringify(key);
    },
    runReduce(text) {
      const values = parse(text);
      const key = definition.reduce.key(values[0]);
      const out = [];
      collect(definition.reduce.aggregateBy({ key: key === undefined ? null : key, values }), out);
      return stringify(out);
    }
  };
})()
)JS";

}  // namespace rookery::js::internal
