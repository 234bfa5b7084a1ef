/**
 * `-o custom-columns=HEADER:.field.path,…` (kubectl reference, "Custom columns":
 * https://kubernetes.io/docs/reference/kubectl/#custom-columns): one column per spec, the value
 * read from the object as the API server returns it, `<none>` where the field is absent, printed
 * with tabwriter like every kubectl table. Only plain dotted paths are modelled (no [] or filters).
 */
import { table } from './kube-objects.js';

export function customColumns(output: string, objects: Array<Record<string, any>>): { text: string } | { error: string } {
  const specs: Array<{ header: string; path: string[] }> = [];
  for (const spec of output.slice('custom-columns='.length).split(',')) {
    const colon = spec.indexOf(':');
    const path = colon > 0 ? spec.slice(colon + 1) : '';
    if (colon <= 0 || !/^(\.[A-Za-z0-9_-]+)+$/.test(path)) return { error: `error: unexpected custom-columns spec: ${spec}, expected <header>:<json-path-expr>` };
    specs.push({ header: spec.slice(0, colon), path: path.slice(1).split('.') });
  }
  const valueOf = (obj: Record<string, any>, path: string[]): string => {
    let v: any = obj;
    for (const key of path) v = v === undefined || v === null ? undefined : v[key];
    return v === undefined || v === null ? '<none>' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  };
  return { text: table(specs.map((s) => s.header), objects.map((o) => specs.map((s) => valueOf(o, s.path)))) };
}
